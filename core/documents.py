"""PURE: what an uploaded document is, by its content and never its name (PDF, PPTX, PPT,
KEY, ODP: slides and application attachments), safe names and download headers."""

from __future__ import annotations

import contextlib
import io
import re
import struct
import unicodedata
import zipfile
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

KINDS = {  # kind: (extension, content type for downloads)
    "pdf": (".pdf", "application/pdf"),
    "pptx": (".pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "ppt": (".ppt", "application/vnd.ms-powerpoint"),
    "key": (".key", "application/vnd.apple.keynote"),
    "odp": (".odp", "application/vnd.oasis.opendocument.presentation"),
}
ACCEPTED = "PDF, PPTX, PPT, KEY, ODP"
OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
POWERPOINT_STREAM = "PowerPoint Document".encode("utf-16-le")
ODP_MIMETYPE = b"application/vnd.oasis.opendocument.presentation"


# Archives are judged by their directory before a byte of any member is unpacked: the
# counts and sizes a zip declares are what zipfile will produce at most (it stops a member
# at its declared size), so a 1 MB file that claims 1 GiB is refused without inflating it.
MAX_ENTRIES = 10_000  # a large deck has a few hundred parts
MAX_DIRECTORY = 8 * 1024 * 1024  # bytes of central directory: zipfile reads it whole
MAX_UNPACKED = 1 << 30  # all members together, as declared
MAX_RATIO = 200  # unpacked / packed for one member: XML packs 10–150×, pictures ~1×, zeros ~1000×
RATIO_FROM = 1 << 20  # members that unpack to less than this are too small to matter
IDENTIFY = 64  # bytes read of a member that only needs identifying


def _end_of_directory(fh: BinaryIO) -> tuple[int, int] | None:
    """(entries, directory size) as the end-of-central-directory record declares them
    (ZIP64's when the classic record points there), or None when there is none."""
    size = fh.seek(0, io.SEEK_END)
    tail_at = max(0, size - (22 + 0xFFFF))
    fh.seek(tail_at)
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    _sig, _disk, _start, _here, entries, directory, offset, _comment = struct.unpack("<4s4H2LH", tail[at : at + 22])
    if entries != 0xFFFF and directory != 0xFFFFFFFF and offset != 0xFFFFFFFF:
        return entries, directory
    locator = tail[at - 20 : at] if at >= 20 else b""
    if not locator.startswith(b"PK\x06\x07"):
        return None
    record_at = struct.unpack("<4sLQL", locator)[2]
    fh.seek(record_at)
    record = fh.read(56)
    if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
        return None
    fields = struct.unpack("<4sQ2H2L4Q", record)
    return fields[7], fields[8]


def archive_problem(source: Path | BinaryIO, max_unpacked: int = MAX_UNPACKED) -> str | None:
    """Why a zip is refused before anything in it is read ("too_many_entries" or
    "unpacks_too_far"), or None. Not a zip at all is None too: the caller's own reading
    finds that out."""
    with source.open("rb") if isinstance(source, Path) else contextlib.nullcontext(source) as fh:
        declared = _end_of_directory(fh)
        fh.seek(0)
        if declared is None:
            return None
        entries, directory = declared
        if entries > MAX_ENTRIES or directory > MAX_DIRECTORY:
            return "too_many_entries"
        try:
            with zipfile.ZipFile(fh) as archive:
                members = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
            return None
        finally:
            fh.seek(0)
    if len(members) > MAX_ENTRIES:
        return "too_many_entries"
    if sum(m.file_size for m in members) > max_unpacked:
        return "unpacks_too_far"
    if any(m.file_size > RATIO_FROM and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members):
        return "unpacks_too_far"
    return None


def _zip_kind(path: Path) -> str | None:
    """A zip container that really is a presentation: PPTX by its parts, ODP by its
    mimetype member (its first bytes only), Keynote by its index. A zip that merely claims
    to be one is None."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "ppt/presentation.xml" in names:
                return "pptx"
            if "mimetype" in names:
                member = archive.getinfo("mimetype")
                if member.file_size <= IDENTIFY:
                    with archive.open(member) as fh:
                        if fh.read(IDENTIFY).strip() == ODP_MIMETYPE:
                            return "odp"
            if "Index/Document.iwa" in names or "Index.zip" in names or "index.apxl" in names:
                return "key"
    # NotImplementedError is what zipfile raises for a member packed with a compression
    # method it cannot read (an encrypted or exotic "PPTX"): not ours to accept either.
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, NotImplementedError, EOFError):
        return None
    return None


def _is_powerpoint_97(path: Path) -> bool:
    """An OLE2 compound file (also Word and Excel's old format) holding a PowerPoint
    Document stream, whose name sits in the file's directory as UTF-16."""
    with path.open("rb") as fh:
        tail = b""
        while chunk := fh.read(1 << 20):
            if POWERPOINT_STREAM in tail + chunk:
                return True
            tail = chunk[-len(POWERPOINT_STREAM) :]
    return False


def examine(path: Path) -> tuple[str | None, str | None]:
    """(kind, None) for a document we accept; (None, why) for a zip refused by its
    directory (see archive_problem); (None, None) for anything else."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if not head:
        return None, None
    if b"%PDF-" in head:  # the header may follow a little junk, as readers allow
        return "pdf", None
    if head.startswith(b"PK\x03\x04"):
        problem = archive_problem(path)
        return (None, problem) if problem else (_zip_kind(path), None)
    if head.startswith(OLE2):
        return ("ppt" if _is_powerpoint_97(path) else None), None
    return None, None


def detect_kind(path: Path) -> str | None:
    """pdf | pptx | ppt | key | odp, or None for anything else (an .exe renamed .pdf, a
    zip dressed as .pptx, a zip bomb, an empty file...)."""
    return examine(path)[0]


def safe_filename(name: str, kind: str) -> str:
    """The uploaded name as people will see it on download: no folders (``..\\..\\x`` is
    ``x``), no control characters, at most 120 characters, and the extension of what the
    file really is."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    extension = KINDS[kind][0]
    stem = name[: -len(Path(name).suffix)] if Path(name).suffix else name
    stem = stem.strip()[:120] or "slides"
    return stem + extension


def content_disposition(filename: str) -> str:
    """RFC 6266 with RFC 5987 encoding: browsers show the Chinese name, old clients an
    ASCII fallback."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
