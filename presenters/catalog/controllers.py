"""Organiser pages and JSON API for the catalog: areas, branches, methods, presenters."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, JSONBody, PathParameter
from litestar.response import Redirect, Template

from accounts.guards import organiser_guard
from core.db.transactions import StaleVersion, integrity_errors
from core.wording import joined, quoted, without_unit
from presenters.catalog import queries
from presenters.catalog.schemas import (
    AreaIn,
    AreaOut,
    BranchIn,
    BranchOut,
    MethodIn,
    MethodOut,
    PresenterIn,
    PresenterOut,
)
from web.errors import loaded_version, stale_edit
from web.forms import Field, FormBody, parse_form
from web.i18n import gettext as _
from web.i18n import lazy
from web.openapi import answers

CONFLICT = "Conflicts with what is stored (an area name already taken)."


@dataclass(frozen=True)
class CatalogSpec:
    kind: str
    title: str
    singular: str
    fields: tuple[Field, ...]
    columns: tuple[tuple[str, str], ...]
    list_rows: Callable[[], Awaitable[list[dict[str, Any]]]]
    get_row: Callable[[int], Awaitable[dict[str, Any] | None]]
    api_in: type[msgspec.Struct]
    api_out: type[msgspec.Struct]
    references: tuple[tuple[str, str, str], ...] = ()  # (field, kind it names, message)


CATALOG: dict[str, CatalogSpec] = {
    "areas": CatalogSpec(
        kind="areas",
        title=lazy("Areas"),
        singular=lazy("area"),
        fields=(
            Field("name", lazy("Name"), max_length=50),
            Field("position", lazy("Order"), kind="int", required=False, maximum=999),
        ),
        columns=(("name", lazy("Name")), ("position", lazy("Order"))),
        list_rows=queries.list_areas,
        get_row=queries.get_area,
        api_in=AreaIn,
        api_out=AreaOut,
    ),
    "branches": CatalogSpec(
        kind="branches",
        title=lazy("Branches"),
        singular=lazy("branch"),
        fields=(
            Field("name", lazy("Branch name")),
            Field("unit", lazy("Parent unit")),
            Field("secretary", lazy("Secretary"), required=False, max_length=50),
            Field("contact", lazy("Contact"), required=False),
        ),
        columns=(("unit", lazy("Parent unit")), ("name", lazy("Branch name")), ("secretary", lazy("Secretary"))),
        list_rows=queries.list_branches,
        get_row=queries.get_branch,
        api_in=BranchIn,
        api_out=BranchOut,
    ),
    "methods": CatalogSpec(
        kind="methods",
        title=lazy("Methods"),
        singular=lazy("method"),
        fields=(
            Field("title", lazy("Method title")),
            Field("branch_id", lazy("Branch"), kind="select", choices_key="branches"),
            Field("area_id", lazy("Area"), kind="select", required=False, choices_key="areas"),
            Field("summary", lazy("Summary"), kind="textarea", required=False, max_length=5000),
        ),
        columns=(
            ("title", lazy("Method title")),
            ("unit", lazy("Parent unit")),
            ("branch", lazy("Branch")),
            ("area", lazy("Area")),
        ),
        list_rows=queries.list_methods,
        get_row=queries.get_method,
        api_in=MethodIn,
        api_out=MethodOut,
        references=(
            ("branch_id", "branches", lazy("No branch with this id.")),
            ("area_id", "areas", lazy("No area with this id.")),
        ),
    ),
    "presenters": CatalogSpec(
        kind="presenters",
        title=lazy("Presenters"),
        singular=lazy("presenter"),
        fields=(
            Field("name", lazy("Full name"), max_length=50),
            Field("role", lazy("Role"), required=False, max_length=50, help=lazy("e.g. branch secretary")),
            Field("branch_id", lazy("Branch"), kind="select", required=False, choices_key="branches"),
            Field("contact", lazy("Contact"), required=False),
        ),
        columns=(
            ("name", lazy("Full name")),
            ("role", lazy("Role")),
            ("unit", lazy("Parent unit")),
            ("branch", lazy("Branch")),
        ),
        list_rows=queries.list_presenters,
        get_row=queries.get_presenter,
        api_in=PresenterIn,
        api_out=PresenterOut,
        references=(("branch_id", "branches", lazy("No branch with this id.")),),
    ),
}


# What the catalog pages' {kind} may be (any other answers 404), as the schema states it.
Kind = Annotated[str, PathParameter(description="Which part of the catalog.", schema_extra={"enum": list(CATALOG)})]


def to_columns(values: dict[str, Any]) -> dict[str, Any]:
    """Form/API names to table columns: branch_id -> branch."""
    return {(k.removesuffix("_id")): v for k, v in values.items()}


async def choice_lists() -> dict[str, list[tuple[Any, str]]]:
    branches = await queries.list_branches()
    areas = await queries.list_areas()
    return {
        "branches": [(b["id"], joined(b["unit"], without_unit(b["name"], b["unit"]))) for b in branches],
        "areas": [(a["id"], a["name"]) for a in areas],
    }


def spec_for(kind: str) -> CatalogSpec:
    spec = CATALOG.get(kind)
    if spec is None:
        raise NotFoundException()
    return spec


async def save_row(
    spec: CatalogSpec, values: dict[str, Any], row_id: int | None = None, version: int | None = None
) -> int:
    """Insert or update one row; a constraint the database refuses is a 409, not a 500.
    An update bumps the row's version; with ``version`` (what the editor loaded) it is made
    only if nobody saved since, else 409 and the other person's change stays."""
    columns = to_columns({k: v for k, v in values.items() if k != "version"})
    try:
        saved = await queries.save_row(spec.kind, columns, row_id, version)
        if saved is None:
            raise NotFoundException()
        return saved
    except integrity_errors():
        raise ClientException(
            status_code=409, detail=lazy("This conflicts with something already stored (a name already taken?).")
        ) from None
    except StaleVersion:
        raise stale_edit() from None


# Whether a method or presenter is on some agenda: events' knowledge, handed in by app.py
# (Provide) as the ``on_agenda`` dependency, since the catalog knows nothing of events.
OnAgenda = NamedDependency[Callable[[str, int], Awaitable[bool]]]


async def in_use(spec: CatalogSpec, row_id: int, on_agenda: OnAgenda) -> str | None:
    """Why a row may not be deleted (it would silently empty a method or an agenda slot)."""
    if spec.kind == "branches" and await queries.has_methods("branch", row_id):
        return lazy("This branch still has methods. Delete or move its methods first.")
    if spec.kind == "methods" and await on_agenda("method", row_id):
        return lazy("This method is on an agenda. Remove it from the agenda first.")
    if spec.kind == "presenters" and await on_agenda("presenter", row_id):
        return lazy("This presenter is on an agenda. Remove them from the agenda first.")
    if spec.kind == "areas" and await queries.has_methods("area", row_id):
        return lazy("This is still in use and cannot be deleted.")
    return None


async def delete_row(spec: CatalogSpec, row_id: int, on_agenda: OnAgenda) -> None:
    reason = await in_use(spec, row_id, on_agenda)
    if reason:
        raise ClientException(status_code=409, detail=reason)
    try:
        deleted = await queries.delete_row(spec.kind, row_id)
    except integrity_errors():
        raise ClientException(status_code=409, detail=lazy("This is still in use and cannot be deleted.")) from None
    if not deleted:
        raise NotFoundException()


async def check_references(spec: CatalogSpec, values: dict[str, Any]) -> dict[str, str]:
    errors = {}
    for name, kind, message in spec.references:
        if not await queries.exists(kind, values.get(name)):
            errors[name] = message
    return errors


class CatalogPages(Controller):
    path = "/organiser/catalog"
    guards = [organiser_guard]

    async def _form(
        self, spec: CatalogSpec, raw: dict, errors: dict, row_id: int | None, status: int = 200
    ) -> Template:
        return Template(
            "presenters/catalog_form.html",
            context={"spec": spec, "raw": raw, "errors": errors, "row_id": row_id, "choices": await choice_lists()},
            status_code=status,
        )

    @get("/{kind:str}")
    async def index(self, kind: Kind) -> Template:
        spec = spec_for(kind)
        return Template(
            "presenters/catalog_list.html", context={"spec": spec, "rows": await spec.list_rows(), "catalog": CATALOG}
        )

    @get("/{kind:str}/new")
    async def new(self, kind: Kind) -> Template:
        return await self._form(spec_for(kind), {}, {}, None)

    @post("/{kind:str}/new", responses=answers(302, 409, s409=CONFLICT))
    async def create(self, kind: Kind, data: FormBody) -> Response:
        spec = spec_for(kind)
        form = parse_form(spec.fields, data, await choice_lists())
        if not form.ok:
            return await self._form(spec, form.raw, form.errors, None, 400)
        await save_row(spec, form.values)
        return Redirect(path=f"/organiser/catalog/{kind}")

    @get("/{kind:str}/{row_id:int}/edit")
    async def edit(self, kind: Kind, row_id: FromPath[int]) -> Template:
        spec = spec_for(kind)
        row = await spec.get_row(row_id)
        if row is None:
            raise NotFoundException()
        raw = {f.name: "" if row.get(f.name) is None else str(row.get(f.name)) for f in spec.fields}
        raw["version"] = str(row["version"])
        return await self._form(spec, raw, {}, row_id)

    @post("/{kind:str}/{row_id:int}/edit", responses=answers(302, 409))
    async def update(self, kind: Kind, row_id: FromPath[int], data: FormBody) -> Response:
        spec = spec_for(kind)
        if await spec.get_row(row_id) is None:
            raise NotFoundException()
        form = parse_form(spec.fields, data, await choice_lists())
        form.raw["version"] = str(data.get("version") or "")
        if not form.ok:
            return await self._form(spec, form.raw, form.errors, row_id, 400)
        await save_row(spec, form.values, row_id, loaded_version(data.get("version")))
        return Redirect(path=f"/organiser/catalog/{kind}")

    @get("/{kind:str}/{row_id:int}/delete")
    async def confirm_remove(self, kind: Kind, row_id: FromPath[int], on_agenda: OnAgenda) -> Template:
        """Deleting asks first, and says up front when it cannot be done."""
        spec = spec_for(kind)
        row = await spec.get_row(row_id)
        if row is None:
            raise NotFoundException()
        reason = await in_use(spec, row_id, on_agenda)
        label = quoted(row.get("title") or row.get("name") or "")
        return Template(
            "presenters/catalog_delete.html",
            context={"spec": spec, "row_id": row_id, "label": label, "reason": _(reason) if reason else ""},
        )

    @post(
        "/{kind:str}/{row_id:int}/delete", responses=answers(409, s409="Still in use (by a method, or on an agenda).")
    )
    async def remove(self, kind: Kind, row_id: FromPath[int], on_agenda: OnAgenda) -> Redirect:
        await delete_row(spec_for(kind), row_id, on_agenda)
        return Redirect(path=f"/organiser/catalog/{kind}")


def make_api(spec: CatalogSpec) -> type[Controller]:
    """A typed JSON CRUD controller for one catalog kind (its Structs appear in OpenAPI)."""
    In, Out = spec.api_in, spec.api_out

    async def validate(data: msgspec.Struct) -> dict[str, Any]:
        values = msgspec.structs.asdict(data)
        errors = await check_references(spec, values)
        if errors:
            raise ClientException(
                status_code=400,
                detail=_("Validation failed"),
                extra=[{"key": k, "message": _(v)} for k, v in errors.items()],
            )
        return values

    async def one(row_id: int) -> Any:
        row = await spec.get_row(row_id)
        if row is None:
            raise NotFoundException(detail=f"No {spec.singular} with id {row_id}")
        return msgspec.convert(row, Out)

    class Api(Controller):
        path = f"/api/{spec.kind}"
        guards = [organiser_guard]
        tags = [spec.kind]

        @get("/")
        async def list_all(self) -> list[Out]:  # type: ignore[valid-type]
            return [msgspec.convert(row, Out) for row in await spec.list_rows()]

        @get("/{row_id:int}")
        async def read(self, row_id: FromPath[int]) -> Out:  # type: ignore[valid-type]
            return await one(row_id)

        @post("/", responses=answers(409, s409=CONFLICT))
        async def create(self, data: JSONBody[In]) -> Out:  # type: ignore[valid-type]
            return await one(await save_row(spec, await validate(data)))

        @put(
            "/{row_id:int}",
            responses=answers(409, s409=f"{CONFLICT} Or someone else saved it after the version given."),
        )
        async def replace(self, request: Request, row_id: FromPath[int], data: JSONBody[In]) -> Out:  # type: ignore[valid-type]
            await one(row_id)
            given = data.version if data.version is not None else loaded_version(request.headers.get("if-match"))  # type: ignore[attr-defined]
            return await one(await save_row(spec, await validate(data), row_id, given))

        @delete("/{row_id:int}", responses=answers(409, s409="Still in use (by a method, or on an agenda)."))
        async def remove(self, row_id: FromPath[int], on_agenda: OnAgenda) -> None:
            await delete_row(spec, row_id, on_agenda)

    Api.__name__ = Api.__qualname__ = f"{spec.kind.title()}Api"
    return Api


ROUTERS: list[type[Controller]] = [CatalogPages, *(make_api(spec) for spec in CATALOG.values())]
