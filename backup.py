"""`manage.py backup PATH` and `manage.py restore PATH`: everything an installation holds, in
one .tar.gz: the database (SQLite through its online backup API, consistent while the server
runs; PostgreSQL through `pg_dump --format=custom`), the uploaded files (slides, application
attachments, featured pictures) and the secret key that signs sessions and private links.

Caches (rendered PDFs, slide previews and packs) are left out: they are made again on demand.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from settings import Settings

FORMAT = 1
# The folders under the data dir that hold uploads (everything else there is a cache).
UPLOAD_FOLDERS = ("slides/objects", "featured")
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
# Bookkeeping tables that do not make a database "in use".
BOOKKEEPING = {"migration", "sqlite_sequence"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the command line."""


def backup(settings: Settings, path: Path) -> dict:
    """Write the archive to ``path`` (via a temporary name, so a failed backup never leaves a
    half archive under the real one); return its manifest."""
    path = Path(path)
    if not path.name.endswith((".tar.gz", ".tgz")):
        raise BackupError("the backup file name must end in .tar.gz")
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = "postgres" if settings.uses_postgres else "sqlite"
    files = list(_uploaded_files(settings.data_dir))
    secret = settings.data_dir / "secret_key"
    manifest = {
        "format": FORMAT,
        "engine": engine,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "files": len(files),
        "secret_key": secret.is_file(),
        "secret_key_from_environment": bool(settings.secret_key),
    }
    partial = path.with_name(path.name + ".part")
    with tempfile.TemporaryDirectory(prefix="showcase-backup-") as work:
        dump = Path(work) / (PG_MEMBER if engine == "postgres" else SQLITE_MEMBER)
        if engine == "postgres":
            _pg_dump(settings.database_url, dump)
        else:
            _sqlite_copy(settings.sqlite_path, dump)
        try:
            with tarfile.open(partial, "w:gz") as archive:
                data = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo("MANIFEST.json")
                info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
                archive.addfile(info, io.BytesIO(data))
                archive.add(dump, arcname=dump.name)
                if secret.is_file():
                    archive.add(secret, arcname="secret_key")
                for relative in files:
                    archive.add(settings.data_dir / relative, arcname=f"files/{relative}")
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def restore(settings: Settings, path: Path, force: bool = False) -> dict:
    """Put an archive back: the database, the uploaded files and the secret key. Refuses a
    database that already holds data unless ``force``; return the archive's manifest."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such backup file: {path}")
    try:
        archive = tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"not a backup archive: {exc}") from None
    with archive, tempfile.TemporaryDirectory(prefix="showcase-restore-") as work:
        manifest = _manifest(archive)
        engine = "postgres" if settings.uses_postgres else "sqlite"
        if manifest.get("engine") != engine:
            raise BackupError(
                f"this backup is of a {manifest.get('engine')} database, but this installation uses {engine}"
            )
        if not force and _database_in_use(settings):
            raise BackupError(
                "the database already holds data: restoring would replace it. "
                "Run restore with --force to replace it anyway."
            )
        member = PG_MEMBER if engine == "postgres" else SQLITE_MEMBER
        dump = Path(work) / member
        _extract_one(archive, member, dump)
        if engine == "postgres":
            _pg_restore(settings.database_url, dump)
        else:
            _sqlite_restore(dump, settings.sqlite_path)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        for info in archive.getmembers():
            if info.name.startswith("files/") and info.isfile():
                relative = info.name[len("files/") :]
                if not relative.startswith(tuple(f + "/" for f in UPLOAD_FOLDERS)):
                    continue
                _extract_one(archive, info.name, settings.data_dir / relative, info)
        if manifest.get("secret_key"):
            target = settings.data_dir / "secret_key"
            _extract_one(archive, "secret_key", target)
            target.chmod(0o600)
    return manifest


def _uploaded_files(data_dir: Path):
    for folder in UPLOAD_FOLDERS:
        root = data_dir / folder
        if root.is_dir():
            for file in sorted(root.rglob("*")):
                if file.is_file() and not file.name.endswith(".part"):
                    yield file.relative_to(data_dir).as_posix()


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while the server reads and writes (WAL)."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sqlite_restore(dump: Path, target: Path) -> None:
    """Copy the archived database into the live file through the backup API, which takes
    SQLite's locks (a server still running waits rather than reading half a file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(dump)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = WAL")
    finally:
        dst.close()
        src.close()


def _pg_dump(url: str, target: Path) -> None:
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
            f"--dbname={_with_connect_timeout(url)}",
        ],
        "pg_dump",
    )


def _pg_restore(url: str, dump: Path) -> None:
    """One transaction: either the whole backup is in, or the database is as it was."""
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={_with_connect_timeout(url)}",
            str(dump),
        ],
        "pg_restore",
    )


def _with_connect_timeout(url: str) -> str:
    """The database URL with libpq's connect_timeout (10 s) unless it names one: an
    unreachable server is an error, not a wait of minutes."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    if not any(key == "connect_timeout" for key, _ in query):
        query.append(("connect_timeout", "10"))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _run(command: list[str], name: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise BackupError(f"{name} failed: {done.stderr.strip()[-2000:]}")


def _manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.extractfile("MANIFEST.json")
        manifest = json.loads(member.read(64 * 1024)) if member else None
    except (KeyError, ValueError, tarfile.TarError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a Showcase backup (no MANIFEST.json of a known format)")
    return manifest


def _extract_one(archive: tarfile.TarFile, name: str, target: Path, info: tarfile.TarInfo | None = None) -> None:
    """One regular file of the archive to ``target``, by name: never a path the archive
    chooses (no links, no ``..``)."""
    info = info or archive.getmember(name)
    if not info.isfile() or ".." in Path(info.name).parts or info.name.startswith("/"):
        raise BackupError(f"refusing archive member {info.name!r}")
    source = archive.extractfile(info)
    if source is None:
        raise BackupError(f"unreadable archive member {info.name!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with source, open(partial, "wb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)
    partial.replace(target)


def _database_in_use(settings: Settings) -> bool:
    """Whether any table of the database holds a row (a migrated but empty database does
    not count: restoring into it loses nothing)."""
    if settings.uses_postgres:
        return _run_async(_pg_in_use(settings.database_url))
    if not settings.sqlite_path.is_file():
        return False
    connection = sqlite3.connect(f"{settings.sqlite_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return any(
            connection.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()
            for t in tables
            if t not in BOOKKEEPING and not t.startswith("sqlite_")
        )
    finally:
        connection.close()


async def _pg_in_use(url: str) -> bool:
    import asyncpg  # noqa: PLC0415 -- the PostgreSQL driver, loaded only where PostgreSQL is used

    connection = await asyncpg.connect(url, timeout=10)
    try:
        tables = [
            r["tablename"]
            for r in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        for table in tables:
            if table not in BOOKKEEPING and await connection.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{table}")'):
                return True
        return False
    finally:
        await connection.close()


def _run_async(coroutine):

    return asyncio.run(coroutine)
