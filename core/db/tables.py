"""The base of every Showcase table. Piccolo adds an implicit ``id`` (Serial) primary key when a
table class is made, which a type checker cannot see: it is declared here once, for the checker
only. At run time ``Table`` is piccolo.table.Table itself, so tables and migrations are unchanged."""

from typing import TYPE_CHECKING

from piccolo.table import Table as _PiccoloTable

__all__ = ["Table", "VersionedTable"]

if TYPE_CHECKING:
    from piccolo.columns import Integer, Serial

    class Table(_PiccoloTable):
        id: Serial  # the implicit primary key Piccolo adds

    class VersionedTable(Table):
        version: Integer  # each such table declares its own version column
else:
    Table = VersionedTable = _PiccoloTable
