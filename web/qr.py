"""QR codes as inline SVG (vector: sharp on a projector and on paper), cached by content."""

from __future__ import annotations

import re
from functools import lru_cache

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


@lru_cache(maxsize=2048)
def qr_svg(data: str, label: str = "") -> str:
    """An <svg> element for ``data`` with error correction M and a quiet zone.

    ``label`` becomes the accessible name (role=img, aria-label).
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(data)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    svg = svg[svg.index("<svg"):]  # drop the XML declaration: this goes inside HTML
    svg = re.sub(r' (width|height)="[^"]*mm"', "", svg, count=2)  # CSS sizes it
    from markupsafe import escape

    attrs = f' role="img" aria-label="{escape(label)}" class="qr"' if label else ' class="qr"'
    return svg.replace("<svg", "<svg" + attrs, 1)
