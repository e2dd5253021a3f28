"""msgspec Structs at the HTTP boundary for branches, methods, presenters and areas."""

from typing import Annotated

import msgspec

from core.text import clean_fields

NonBlank = msgspec.Meta(pattern=r"\S")
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S")]
ShortName = Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=r"\S")]
Optional100 = Annotated[str, msgspec.Meta(max_length=100)]
Summary = Annotated[str, msgspec.Meta(max_length=5000)]
Id = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]
Version = Annotated[
    int,
    msgspec.Meta(
        ge=1,
        le=2**31 - 1,
        description="The version this edit was loaded at (as read back in version): a save after someone else made "
        'one is refused with 409. Also taken from an If-Match: "3" header; without either, the save is unconditional.',
    ),
]


class AreaIn(msgspec.Struct, forbid_unknown_fields=True):
    """An area. Its name must not be another area's (else 409)."""

    name: ShortName
    position: Annotated[int, msgspec.Meta(ge=0, le=999)] = 0
    version: Version | None = None

    def __post_init__(self) -> None:
        clean_fields(self, required=("name",))


class AreaOut(msgspec.Struct):
    id: int
    name: str
    position: int
    version: int


class BranchIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    unit: Name
    secretary: Annotated[str, msgspec.Meta(max_length=50)] = ""
    contact: Optional100 = ""
    version: Version | None = None

    def __post_init__(self) -> None:
        clean_fields(self, required=("name", "unit"))


class BranchOut(msgspec.Struct):
    id: int
    name: str
    unit: str
    secretary: str
    contact: str
    version: int


class MethodIn(msgspec.Struct, forbid_unknown_fields=True):
    """A method. branch_id, and area_id when given, must name an existing branch and area
    (else 400)."""

    title: Name
    branch_id: Id
    area_id: Id | None = None
    summary: Summary = ""
    version: Version | None = None

    def __post_init__(self) -> None:
        clean_fields(self, multi_line=("summary",), required=("title",))


class MethodOut(msgspec.Struct):
    id: int
    title: str
    branch_id: int
    area_id: int | None
    summary: str
    branch: str
    unit: str
    area: str | None
    version: int


class PresenterIn(msgspec.Struct, forbid_unknown_fields=True):
    """A presenter. branch_id, when given, must name an existing branch (else 400)."""

    name: ShortName
    role: Annotated[str, msgspec.Meta(max_length=50)] = ""
    branch_id: Id | None = None
    contact: Optional100 = ""
    version: Version | None = None

    def __post_init__(self) -> None:
        clean_fields(self, required=("name",))


class PresenterOut(msgspec.Struct):
    id: int
    name: str
    role: str
    branch_id: int | None
    contact: str
    branch: str | None
    unit: str | None
    version: int
