"""Branches and applications move onto the tree of units, losing nothing: every distinct unit
name they carry becomes a unit under one top unit (the city bureau, named 市局 until the
organisers rename it), and each row points at its unit. The names stay as they were."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-12-02T07:22:27:000000"
VERSION = "1.38.0"
DESCRIPTION = "existing unit names become units under the city"

CITY = "市局"


class Unit(Table, tablename="unit"):
    name = Varchar(length=100)
    short_name = Varchar(length=30, default="")
    parent = Integer(null=True, default=None)
    position = Integer(default=0)
    version = Integer(default=1)
    created_at = Timestamptz(default=TimestamptzNow())


class Branch(Table, tablename="branch"):
    unit = Varchar(length=100)
    org_unit = Integer(null=True)


class Application(Table, tablename="application"):
    unit = Varchar(length=100)
    org_unit = Integer(null=True)


def _clean(name: str) -> str:
    return " ".join((name or "").split())


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="presenters", description=DESCRIPTION)

    async def onto_the_tree() -> None:
        names: dict[str, set[str]] = {}  # cleaned name -> the spellings stored
        for table in (Branch, Application):
            for row in await table.select(table.unit).distinct():
                raw = row["unit"] or ""
                if _clean(raw):
                    names.setdefault(_clean(raw), set()).add(raw)
        if not names and not await Unit.count():
            return  # a new database: the organisers (or the demo) make the tree
        root = await Unit.select(Unit.id).where(Unit.parent.is_null()).order_by(Unit.id).first()
        if root is None:
            root_id = (await Unit.insert(Unit(name=CITY, short_name=CITY)).returning(Unit.id))[0]["id"]
        else:
            root_id = root["id"]
        for position, name in enumerate(sorted(names), start=1):
            found = await Unit.select(Unit.id).where(Unit.name == name).first()
            if found is not None:
                unit_id = found["id"]
            else:
                rows = await Unit.insert(Unit(name=name, parent=root_id, position=position)).returning(Unit.id)
                unit_id = rows[0]["id"]
            spellings = list(names[name])
            for table in (Branch, Application):
                await table.update({table.org_unit: unit_id}).where(table.unit.is_in(spellings))

    manager.add_raw(onto_the_tree)
    return manager
