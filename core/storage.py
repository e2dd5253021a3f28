"""Where uploaded documents live: once per content, under the data dir, by their SHA-256.

Slides and application attachments share one store, so the same bytes uploaded twice
take the space once and a half-written file is never visible under its address."""

from __future__ import annotations

from pathlib import Path


def object_path(data_dir: Path, sha256: str) -> Path:
    return Path(data_dir) / "slides" / "objects" / sha256[:2] / sha256


def upload_folder(data_dir: Path) -> Path:
    return Path(data_dir) / "slides" / "incoming"


def keep_file(data_dir: Path, temporary: Path, sha256: str) -> Path:
    """Move an uploaded file to its content address (blocking: run it in a thread). The
    same bytes uploaded twice are stored once; a rename never exposes a half file."""
    target = object_path(data_dir, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        temporary.unlink(missing_ok=True)
    else:
        temporary.replace(target)
    return target
