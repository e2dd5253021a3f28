"""QR codes as inline SVG (vector: sharp on a projector and on paper), cached by content.

The drawing is one path of horizontal strokes (each row's neighbouring dark modules merged
into one run): a tenth of the path points of qrcode's own SVG path, which is what
WeasyPrint spends most of a programme booklet drawing, and a smaller page for phones."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from markupsafe import escape
from qrcode.constants import ERROR_CORRECT_M

BORDER = 4  # the quiet zone, in modules, that scanners need


def runs(matrix: list[list[bool]]) -> str:
    """Path data: every row's runs of dark modules as horizontal strokes one module thick
    (drawn through the middle of the row), two coordinates and one length per run."""
    parts = []
    for y, row in enumerate(matrix):
        x, width = 0, len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                parts.append(f"M{start} {y}.5h{x - start}")
            else:
                x += 1
    return "".join(parts)


@lru_cache(maxsize=2048)
def qr_matrix(data: str) -> list[list[bool]]:
    """The modules of ``data``'s QR code, error correction M, quiet zone included."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=BORDER)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


@lru_cache(maxsize=2048)
def qr_svg(data: str, label: str = "") -> str:
    """An <svg> element for ``data`` with error correction M and a quiet zone; CSS sizes it.

    ``label`` becomes the accessible name (role=img, aria-label).
    """
    matrix = qr_matrix(data)
    size = len(matrix)
    attrs = f' role="img" aria-label="{escape(label)}" class="qr"' if label else ' class="qr"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"{attrs} viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path stroke="#000" stroke-width="1" fill="none" d="{runs(matrix)}"/></svg>'
    )
