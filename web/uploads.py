"""File uploads streamed straight to disk: a multipart form is parsed as it arrives
(defnull's ``multipart``, the parser Litestar itself ships with), the file part is written
and hashed chunk by chunk, and the size limit is enforced while it streams. Nothing is
ever held whole in memory, and an upload that breaks a rule leaves no file behind."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from litestar import Request
from litestar.exceptions import ClientException, NotFoundException
from litestar.response import File
from multipart import MultipartError, MultipartSegment, PushMultipartParser, parse_options_header

from core import documents
from core.documents import ACCEPTED
from core.storage import keep_file, upload_folder
from web.errors import Said
from web.i18n import gettext as _
from web.i18n import lazy

MAX_FIELD = 4096  # the form's other fields are short
BATCH = 1 << 20  # file bytes handed to the writer thread at a time
IN_FLIGHT = 3  # batches queued for it at most: memory stays a few MB whatever the file size


class _Sink:
    """Hashes and writes the file on threads of their own while the event loop goes on
    receiving and parsing: hashlib and file writes release the GIL, so the three proceed
    side by side. Each runs its batches in order (one thread each); the loop waits only
    when IN_FLIGHT batches are queued, so memory stays bounded."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("wb")
        self.hasher = hashlib.sha256()
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.futures: list[tuple[asyncio.Future, asyncio.Future]] = []

    def _hash(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.hasher.update(chunk)

    def _write(self, chunks: list[bytes]) -> None:
        self.file.writelines(chunks)

    async def feed(self, data: bytes) -> None:
        self.pending.append(data)
        self.pending_size += len(data)
        if self.pending_size >= BATCH:
            await self._flush()

    async def _flush(self) -> None:
        if self.pending:
            chunks, self.pending, self.pending_size = self.pending, [], 0
            loop = asyncio.get_running_loop()
            self.futures.append(
                (
                    loop.run_in_executor(_hashing, self._hash, chunks),
                    loop.run_in_executor(_writing, self._write, chunks),
                )
            )
        while len(self.futures) >= IN_FLIGHT:
            for future in self.futures.pop(0):
                await future

    async def finish(self) -> str:
        await self._flush()
        for pair in self.futures:
            for future in pair:
                await future
        self.futures = []
        self.file.close()
        return self.hasher.hexdigest()

    async def abandon(self) -> None:
        for pair in self.futures:
            for future in pair:
                try:
                    await future
                except OSError:
                    pass
        try:
            self.file.close()
        except OSError:  # the flush of a full disk fails again
            pass


class UploadError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Received:
    path: Path  # a temporary file: the caller moves it or deletes it
    filename: str
    size: int
    sha256: str
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            pass


_hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-hash")
_writing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-write")


async def receive_file(
    request: Request[Any, Any, Any],
    folder: Path,
    limit: int,
    messages: dict[str, str],
    field_name: str = "file",
    required: bool = True,
) -> Received:
    """Stream the multipart body of ``request`` into a new file under ``folder``
    (``required=False``: a form without a file part gives an empty Received, its fields kept).

    ``messages`` gives the user's-language text for: too_big, not_multipart, broken, no_file.
    Raises UploadError (413 too big, 400 otherwise) and leaves nothing on disk."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != "multipart/form-data" or not options.get("boundary"):
        raise UploadError(400, messages["not_multipart"])
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > limit + 64 * 1024:
        raise UploadError(413, messages["too_big"])  # refused before a byte of it is read

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise UploadError(507, messages.get("no_space", "no space")) from None
    path = folder / f"upload-{os.getpid()}-{secrets.token_hex(8)}.part"
    sink: _Sink | None = None
    size, filename, fields = 0, None, {}
    current: MultipartSegment | None = None
    value = b""
    try:
        parser = PushMultipartParser(options["boundary"], max_segment_count=16, strict=False)
        async for chunk in request.stream():
            for event in parser.parse(chunk):
                if isinstance(event, MultipartSegment):
                    current, value = event, b""
                    if event.name == field_name and event.filename is not None and sink is None:
                        filename = event.filename
                        sink = _Sink(path)
                elif event is None:  # end of a part
                    if current is not None and current.filename is None and current.name:
                        fields[current.name] = value.decode("utf-8", "replace")
                    current = None
                elif (
                    current is not None
                    and current.name == field_name
                    and current.filename is not None
                    and sink is not None
                ):
                    size += len(event)
                    if size > limit:
                        raise UploadError(413, messages["too_big"])
                    await sink.feed(event)
                elif current is not None and current.filename is None:
                    value += event
                    if len(value) > MAX_FIELD:
                        raise UploadError(400, messages["broken"])
        parser.close()
        if sink is None and not required:
            return Received(path, "", 0, "", fields)
        if sink is None:
            raise UploadError(400, messages["no_file"])
        digest = await sink.finish()
    except MultipartError:
        await _cleanup(sink, path)
        raise UploadError(400, messages["broken"]) from None
    except OSError:  # disk full, file too large for the file system, read-only data folder
        await _cleanup(sink, path)
        raise UploadError(507, messages.get("no_space", "no space")) from None
    except BaseException:
        await _cleanup(sink, path)
        raise
    return Received(path, filename or "", size, digest, fields)


async def _cleanup(sink: _Sink | None, path: Path) -> None:
    if sink is not None:
        await sink.abandon()
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


# -- documents: received, checked by content, stored once per content (core.storage) --


def upload_messages(limit_mb: float) -> dict[str, str]:

    return {
        "too_big": _("The file is too large: at most %(mb)s MB.", mb=f"{limit_mb:g}"),
        "not_multipart": _("Send the file with the upload form."),
        "broken": _("The upload was incomplete or malformed. Please try again."),
        "no_file": _("Choose a file to upload."),
        "empty": _("The file is empty."),
        "kind": _("This is not a presentation we accept. Accepted: %(kinds)s.", kinds=ACCEPTED),
        "archive": _(
            "This file is an archive that unpacks to far more than its size (too many parts, or parts "
            "that inflate too much): it was refused."
        ),
        "no_space": _(
            "The server could not store the file: its disk is full or cannot be written. Nothing was "
            "changed (the previous version stays). Please try again later, or tell the organisers."
        ),
    }


@dataclass
class StoredDocument:
    sha256: str
    size: int
    filename: str  # safe, with the extension of what it really is
    kind: str


async def receive_document(
    request: Request[Any, Any, Any], data_dir: Path, limit_mb: float
) -> tuple[StoredDocument | None, str]:
    """Receive an uploaded document as it streams, check it by content, store it by hash.
    Returns (document, "") or (None, the user's-language reason); a body over the limit is
    a 413. Nothing is left behind on a refusal."""

    messages = upload_messages(limit_mb)
    try:
        received = await receive_file(request, upload_folder(data_dir), int(limit_mb * 1024 * 1024), messages)
    except UploadError as error:
        if error.status in (413, 507):
            raise ClientException(status_code=error.status, detail=Said(error.message)) from None
        return None, error.message
    return await _keep_document(received, data_dir, messages)


async def receive_form_with_document(
    request: Request[Any, Any, Any], data_dir: Path, limit_mb: float
) -> tuple[StoredDocument | None, str, dict[str, str]]:
    """A streamed form whose document is optional: (document or None, the user's-language
    reason it was refused or "", the form's other fields). No file chosen is no document and
    no error; the fields come back even when the document is refused."""
    messages = upload_messages(limit_mb)
    try:
        received = await receive_file(
            request, upload_folder(data_dir), int(limit_mb * 1024 * 1024), messages, required=False
        )
    except UploadError as error:
        if error.status in (413, 507):
            raise ClientException(status_code=error.status, detail=Said(error.message)) from None
        return None, error.message, {}
    if received.size == 0 and not received.filename:
        received.discard()
        return None, "", received.fields
    stored, reason = await _keep_document(received, data_dir, messages)
    return stored, reason, received.fields


async def _keep_document(
    received: Received, data_dir: Path, messages: dict[str, str]
) -> tuple[StoredDocument | None, str]:
    try:
        if received.size == 0:
            return None, messages["empty"]
        kind, problem = await anyio.to_thread.run_sync(documents.examine, received.path)
        if kind is None:
            return None, messages["archive" if problem else "kind"]
        try:
            await anyio.to_thread.run_sync(keep_file, data_dir, received.path, received.sha256)
        except OSError:
            raise ClientException(status_code=507, detail=Said(messages["no_space"])) from None
    finally:
        received.discard()  # a no-op once kept
    return StoredDocument(received.sha256, received.size, documents.safe_filename(received.filename, kind), kind), ""


def download_document(path: Path, filename: str, kind: str) -> Any:
    """An attachment with its name and the content type of what it is: nothing uploaded is
    ever shown as a page."""

    if not path.is_file():  # storage not mounted, or the file removed by hand
        raise NotFoundException(detail=lazy("This file is missing from the slides storage: upload it again."))
    return File(
        path=path,
        media_type=documents.KINDS[kind][1],
        content_disposition_type="attachment",
        headers={
            "Content-Disposition": documents.content_disposition(filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


# What a spreadsheet import says when the file itself cannot be read (core.spreadsheets'
# codes); each import adds its own "missing_columns" and "too_many_rows".
SPREADSHEET_ERRORS = {
    "too_big": lazy("The file is too large (at most 5 MB)."),
    "empty": lazy("The file is empty."),
    "bad_xlsx": lazy("This .xlsx file cannot be read."),
    "not_a_table": lazy("This is not a spreadsheet: use .xlsx or .csv."),
    "bad_encoding": lazy("The text encoding is not recognised: save the file as UTF-8 or GBK."),
    "too_many_cells": lazy("A row has too many cells (at most 200)."),
    "cell_too_long": lazy("A cell is too long (at most 10,000 characters)."),
    "bad_archive": lazy(
        "This file is an archive that unpacks to far more than its size (too many parts, or parts "
        "that inflate too much): it was refused."
    ),
}
