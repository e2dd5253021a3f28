"""What an upload's preview read, kept on the server until it is confirmed: a file under
the data dir named by an unguessable token, for an hour.

The preview page shows a sample and the rows with errors; its confirm form posts only the
token, never the rows. Each file holds the digest of its owner (the kind of import, the
event, the person and their login), and only the same owner gets it back. A token is
checked for its form before it becomes a file name, so it names nothing outside the folder.
Files older than ``MAX_AGE`` are refused and swept away whenever a new one is kept.

Blocking file work throughout: callers run it in a worker thread. Every process of one
machine shares the folder; several machines need it on shared storage (see the README).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from pathlib import Path

MAX_AGE = 3600  # seconds a preview may wait for its confirmation
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32): 256 bits
_SUFFIX = ".pending"


def folder(data_dir: Path) -> Path:
    return Path(data_dir) / "imports"


def well_formed(token: str) -> bool:
    return TOKEN.fullmatch(token) is not None


def _owner_line(owner: str) -> bytes:
    return hashlib.sha256(owner.encode()).hexdigest().encode() + b"\n"


def keep(data_dir: Path, owner: str, body: bytes, max_age: float = MAX_AGE) -> str:
    """Store ``body`` for ``owner``; its new token. Sweeps away what has expired first.
    Written under a temporary name and renamed, so a half-written file is never read."""
    sweep(data_dir, max_age)
    place = folder(data_dir)
    place.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    temporary = place / f".{token}.{os.getpid()}.part"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # personal data: ours only
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(_owner_line(owner))
            out.write(body)
        temporary.replace(place / (token + _SUFFIX))
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return token


def take(data_dir: Path, token: str, owner: str, max_age: float = MAX_AGE) -> bytes | None:
    """The body kept under ``token`` for ``owner``; None when the token is malformed, was
    never issued, was used, has expired (the file then goes), or is someone else's."""
    if not well_formed(token):
        return None
    path = folder(data_dir) / (token + _SUFFIX)
    try:
        if time.time() - path.stat().st_mtime > max_age:
            path.unlink(missing_ok=True)
            return None
        with path.open("rb") as kept:
            line = kept.readline()
            if not hmac.compare_digest(line, _owner_line(owner)):
                return None
            return kept.read()
    except FileNotFoundError:  # never issued, used, or swept away meanwhile
        return None


def discard(data_dir: Path, token: str) -> None:
    """Remove what was kept under ``token`` (confirmed: a second confirmation finds nothing)."""
    if well_formed(token):
        (folder(data_dir) / (token + _SUFFIX)).unlink(missing_ok=True)


def sweep(data_dir: Path, max_age: float = MAX_AGE) -> int:
    """Remove kept files (and abandoned partial ones) older than ``max_age``; how many."""
    place = folder(data_dir)
    removed = 0
    limit = time.time() - max_age
    try:
        entries = list(os.scandir(place))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if not (entry.name.endswith(_SUFFIX) or entry.name.endswith(".part")):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime < limit:
                os.unlink(entry.path)
                removed += 1
        except FileNotFoundError:  # another process swept it first
            continue
    return removed
