"""PURE: what an uploaded document is, by its content and never its name (PDF, PPTX, PPT,
KEY, ODP: slides and application attachments), safe names and download headers."""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Optional
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


def _zip_kind(path: Path) -> Optional[str]:
    """A zip container that really is a presentation: PPTX by its parts, ODP by its
    mimetype member, Keynote by its index. A zip that merely claims to be one is None."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "ppt/presentation.xml" in names:
                return "pptx"
            if "mimetype" in names and archive.read("mimetype").strip() == ODP_MIMETYPE:
                return "odp"
            if "Index/Document.iwa" in names or "Index.zip" in names or "index.apxl" in names:
                return "key"
    # NotImplementedError is what zipfile raises for a member packed with a compression
    # method it cannot read (an encrypted or exotic "PPTX"): not ours to accept either.
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, NotImplementedError):
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
            tail = chunk[-len(POWERPOINT_STREAM):]
    return False


def detect_kind(path: Path) -> Optional[str]:
    """pdf | pptx | ppt | key | odp, or None for anything else (an .exe renamed .pdf, a
    zip dressed as .pptx, an empty file...)."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if not head:
        return None
    if b"%PDF-" in head:  # the header may follow a little junk, as readers allow
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if head.startswith(OLE2):
        return "ppt" if _is_powerpoint_97(path) else None
    return None


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
