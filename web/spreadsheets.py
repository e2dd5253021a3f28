"""CSV and XLSX downloads from rows: Chinese intact when opened in Excel or WPS."""

from __future__ import annotations

import csv
import io
from typing import Sequence
from urllib.parse import quote

from litestar import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet(filename: str, header: Sequence[str], rows: Sequence[Sequence[object]], fmt: str,
                sheet_title: str = "Sheet1") -> Response[bytes]:
    """``fmt`` is "csv" (UTF-8 with a BOM, which Excel needs to read UTF-8) or "xlsx"."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        data, media_type = ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = sheet_title[:31]
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
        out = io.BytesIO()
        book.save(out)
        data, media_type = out.getvalue(), XLSX
    name = f"{filename}.{fmt}"
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{name.encode('ascii', 'replace').decode()}\"; filename*=UTF-8''{quote(name)}"})
