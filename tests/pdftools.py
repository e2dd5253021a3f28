"""The real tools people check PDFs with: poppler's pdffonts, pdftotext, pdfinfo and
pdftoppm, and zbarimg for QR codes. With CI=true a missing tool fails the run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

TOOLS = ("pdffonts", "pdftotext", "pdfinfo", "pdftoppm", "zbarimg")


def need_tools() -> None:
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        message = f"missing {', '.join(missing)} (make deps installs poppler-utils and zbar-tools as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _file(pdf: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="showcase-pdf-"))
    path = folder / "doc.pdf"
    path.write_bytes(pdf)
    return path


def fonts(pdf: bytes) -> list[dict[str, str]]:
    """pdffonts' table: name, type, emb(edded)."""
    out = subprocess.run(["pdffonts", str(_file(pdf))], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID: the last five columns are fixed
        rows.append({"name": parts[0], "emb": parts[-5], "type": " ".join(parts[1:-6])})
    return rows


def info(pdf: bytes) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(_file(pdf))], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def pages(pdf: bytes) -> list[str]:
    """The text of each page (pdftotext, layout kept)."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(_file(pdf)), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def qr_codes(pdf: bytes, dpi: int = 100) -> list[list[str]]:
    """Every QR code zbarimg reads on each page rendered at ``dpi`` (about what a phone
    camera sees of a printed page at arm's length)."""
    path = _file(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(path.parent / "p")], check=True)
    found = []
    for png in sorted(path.parent.glob("p-*.png"), key=lambda p: int(re.search(r"-(\d+)\.png$", p.name).group(1))):
        result = subprocess.run(
            ["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", str(png)], capture_output=True, text=True
        )
        found.append([line for line in result.stdout.splitlines() if line])
    return found


def qr_codes_per_card(
    pdf: bytes, dpi: int, origin_mm: tuple[float, float], card_mm: tuple[float, float], columns: int, rows: int
) -> list[list[str]]:
    """Per page, the code zbarimg reads on each card cut out of the sheet on its own, as a
    door scanner sees one ticket at a time ("" where a card has no readable code)."""
    from PIL import Image

    path = _file(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(path.parent / "p")], check=True)
    scale = dpi / 25.4
    found = []
    for png in sorted(path.parent.glob("p-*.png"), key=lambda p: int(re.search(r"-(\d+)\.png$", p.name).group(1))):
        page, codes = Image.open(png), []
        for row in range(rows):
            for column in range(columns):
                left, top = (origin_mm[0] + column * card_mm[0]) * scale, (origin_mm[1] + row * card_mm[1]) * scale
                card = png.parent / f"{png.stem}-{row}-{column}.png"
                page.crop((int(left), int(top), int(left + card_mm[0] * scale), int(top + card_mm[1] * scale))).save(
                    card
                )
                result = subprocess.run(
                    ["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", str(card)],
                    capture_output=True,
                    text=True,
                )
                codes.append(result.stdout.strip())
        found.append(codes)
    return found


def drawn_glyphs(pdf: bytes) -> list[tuple[str, int, str]]:
    """(font, glyph id, text) for every glyph a font of the PDF draws text with, from each
    font's ToUnicode map: font is its name without the subset tag (``Showcase-Sans``). No
    tool of poppler's shows glyph ids, and they are what tells a character from a box."""
    import zlib

    objects: dict[int, bytes] = {}
    streams: dict[int, bytes] = {}
    for match in re.finditer(rb"(\d+) 0 obj\s*(<<.*?>>)\s*stream\r?\n", pdf, re.S):
        start = match.end()
        body = pdf[start : pdf.index(b"endstream", start)]
        try:
            streams[int(match.group(1))] = zlib.decompress(body)
        except zlib.error:
            continue
    for data in list(streams.values()):  # compressed object streams: "n offset n offset ... objects"
        header = re.match(rb"\s*((?:\d+\s+\d+\s+)+)", data)
        if not header or b"/Type" not in data:
            continue
        numbers = [int(n) for n in header.group(1).split()]
        pairs = list(zip(numbers[::2], numbers[1::2], strict=False))
        first = len(header.group(0))
        for i, (number, offset) in enumerate(pairs):
            end = first + pairs[i + 1][1] if i + 1 < len(pairs) else len(data)
            objects[number] = data[first + offset : end]
    found = []
    for body in objects.values():
        font = re.search(rb"/BaseFont\s*/([^\s/<>\[\]]+)", body)
        unicode_map = re.search(rb"/ToUnicode\s+(\d+)\s+0\s+R", body)
        if not font or not unicode_map or int(unicode_map.group(1)) not in streams:
            continue
        name = font.group(1).decode().split("+", 1)[-1]
        cmap = streams[int(unicode_map.group(1))]
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            for cid, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                found.append((name, int(cid, 16), bytes.fromhex(text.decode()).decode("utf-16-be")))
    return found
