"""Hostile files for the tests and `make bench`, made in a second or two without ever
holding what they claim to hold: a zip whose member unpacks to 1 GiB, a sheet of a
million rows, pictures whose headers claim enormous sizes."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

GIB = 1 << 30
_MIB = 1 << 20


def zip_bomb(path: Path, name: str = "mimetype", unpacked: int = GIB, others: dict[str, bytes] | None = None) -> Path:
    """A zip of about 1 MB with one deflated member of ``unpacked`` zero bytes (a whole
    number of MiB): every MiB of zeros deflates to the same bytes after a full flush, so
    the stream is one compressed MiB repeated, written straight into the zip's records."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(_MIB)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(unpacked // _MIB):
        crc = zlib.crc32(chunk, crc)
    ending = compressor.flush(zlib.Z_FINISH)
    compressed = len(block) * (unpacked // _MIB) + len(ending)
    members: list[tuple[bytes, int, int, int, int, int]] = []  # name, method, crc, packed, size, offset
    with path.open("wb") as fh:
        for other, data in (others or {}).items():
            members.append((other.encode(), 0, zlib.crc32(data), len(data), len(data), fh.tell()))
            fh.write(
                struct.pack(
                    "<4s5H3L2H",
                    b"PK\x03\x04",
                    20,
                    0,
                    0,
                    0,
                    0,
                    zlib.crc32(data),
                    len(data),
                    len(data),
                    len(other.encode()),
                    0,
                )
                + other.encode()
                + data
            )
        members.append((name.encode(), 8, crc, compressed, unpacked, fh.tell()))
        fh.write(
            struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, compressed, unpacked, len(name.encode()), 0)
            + name.encode()
        )
        for _ in range(unpacked // _MIB):
            fh.write(block)
        fh.write(ending)
        directory = fh.tell()
        for member, method, member_crc, packed, size, offset in members:
            fh.write(
                struct.pack(
                    "<4s6H3L5H2L",
                    b"PK\x01\x02",
                    20,
                    20,
                    0,
                    method,
                    0,
                    0,
                    member_crc,
                    packed,
                    size,
                    len(member),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + member
            )
        length = fh.tell() - directory
        fh.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), length, directory, 0))
    return path


XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def huge_sheet(rows: int = 1_000_000, header: tuple[str, ...] = ("姓名", "手机")) -> bytes:
    """An .xlsx of ``rows`` rows (a header, then one name a row) that declares no
    dimension, as many tools write them: about 5 MB for a million rows."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            sheet.write(
                ('<row r="1">' + "".join(_cell(f"{letters[i]}1", t) for i, t in enumerate(header)) + "</row>").encode()
            )
            batch = []
            for n in range(2, rows + 1):
                batch.append(f'<row r="{n}">{_cell(f"A{n}", "彭强")}</row>')
                if len(batch) == 10_000:
                    sheet.write("".join(batch).encode())
                    batch = []
            sheet.write(("".join(batch) + "</sheetData></worksheet>").encode())
    return buffer.getvalue()


def xlsx_bomb(path: Path) -> Path:
    """A workbook whose shared strings part claims to unpack to 1 GiB (of zeros)."""
    return zip_bomb(path, "xl/sharedStrings.xml", GIB, {k: v.encode() for k, v in XLSX_PARTS.items()})


def png_claiming(width: int, height: int) -> bytes:
    """A real small PNG whose header (IHDR, with a correct CRC) claims ``width``×``height``."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (183, 28, 28)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    data[16:24] = struct.pack(">2L", width, height)
    data[29:33] = struct.pack(">L", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header (SOF0) claims ``width``×``height``."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (183, 28, 28)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    at = data.find(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">2H", height, width)
    return bytes(data)


def traced_peak_mb(fn, *args):
    """(what ``fn(*args)`` returns, the most memory Python held meanwhile above the start, in MB)."""
    import tracemalloc

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = fn(*args)
        return result, (tracemalloc.get_traced_memory()[1] - before) / _MIB
    finally:
        tracemalloc.stop()


def peak_rss_mb(pid: int) -> float:
    """A process's peak resident size (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")
