"""The house-rules checker on small fake projects: each rule caught once where broken, and left alone on a near miss."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tools.house_rules import Breach, check

WORKTREE = Path(__file__).resolve().parents[2]


def tree(root: Path, files: dict[str, str]) -> Path:
    """Write a fake project (every package gets an __init__.py, as in the real one) and return its root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        for folder in path.relative_to(root).parents[:-1]:
            (root / folder / "__init__.py").touch()
    return root


def only(breaches: list[Breach], rule: str, path: str, line: int) -> None:
    """Exactly one breach, of that rule, at that place."""
    assert [(b.rule, b.path, b.line) for b in breaches] == [(rule, path, line)], breaches


BREAKS = {
    "HR1 third party": ({"events/rules.py": "import datetime\nimport msgspec\n"}, "HR1", "events/rules.py", 2),
    "HR1 project": (
        {"events/rules.py": "import datetime\n\nfrom events import tables\n", "events/tables.py": ""},
        "HR1",
        "events/rules.py",
        3,
    ),
    "HR1 relative": (
        {"events/checkin/rules.py": "from . import queries\n", "events/checkin/queries.py": ""},
        "HR1",
        "events/checkin/rules.py",
        1,
    ),
    "HR2 litestar": (
        {"events/queries.py": "x = 1\nfrom litestar.exceptions import NotFoundException\n"},
        "HR2",
        "events/queries.py",
        2,
    ),
    "HR2 web": (
        {"presenters/queries.py": "from web import cache\n", "web/cache.py": ""},
        "HR2",
        "presenters/queries.py",
        1,
    ),
    "HR3 tables": (
        {"events/controllers/api.py": "import os\nfrom presenters.tables import Method\n", "presenters/tables.py": ""},
        "HR3",
        "events/controllers/api.py",
        2,
    ),
    "HR3 other controller": (
        {"events/checkin/controllers.py": "from ..agenda import controllers\n", "events/agenda/controllers.py": ""},
        "HR3",
        "events/checkin/controllers.py",
        1,
    ),
    "HR4 presenters": (
        {"presenters/review.py": "\nfrom events.queries import agenda\n", "events/queries.py": ""},
        "HR4",
        "presenters/review.py",
        2,
    ),
    "HR4 accounts": ({"accounts/pages.py": "import presenters\n"}, "HR4", "accounts/pages.py", 1),
    "HR4 notices import events": (
        {"notices/queries.py": "\nfrom events import tables\n", "events/tables.py": ""},
        "HR4",
        "notices/queries.py",
        2,
    ),
    "HR4 notices import accounts' controllers": (
        {"notices/sender.py": "from accounts.controllers import LoginPages\n", "accounts/controllers.py": ""},
        "HR4",
        "notices/sender.py",
        1,
    ),
    "HR4 presenters import the sender": (
        {"presenters/review/queries.py": "from notices import sender\n", "notices/sender.py": ""},
        "HR4",
        "presenters/review/queries.py",
        1,
    ),
    "HR5 core": ({"core/clock.py": "from litestar import Request\n"}, "HR5", "core/clock.py", 1),
    "HR5 web in a function": (
        {
            "web/auth.py": "def user():\n    from accounts import tables  # noqa: PLC0415 -- avoids a cycle\n",
            "accounts/tables.py": "",
        },
        "HR5",
        "web/auth.py",
        2,
    ),
    "HR6 attribute": ({"db.py": "import os\n\nURL = os.environ.get('X')\n"}, "HR6", "db.py", 3),
    "HR6 aliased": ({"db.py": "import os as o\n\nURL = o.getenv('X')\n"}, "HR6", "db.py", 3),
    "HR6 import os.path": ({"db.py": "import os.path\n\nURL = os.getenv('X')\n"}, "HR6", "db.py", 3),
    "HR6 from os": ({"backup.py": "from os import getenv, path\n"}, "HR6", "backup.py", 1),
    "HR7 call": (
        {"web/pages.py": "from settings import get_settings\n\nS = get_settings()\n", "settings.py": ""},
        "HR7",
        "web/pages.py",
        3,
    ),
    "HR7 from_env": (
        {"events/live.py": "import settings\n\nS = settings.Settings.from_env()\n", "settings.py": ""},
        "HR7",
        "events/live.py",
        3,
    ),
    "HR8 from import": (
        {"app.py": "from events import handouts\n\nhandouts.media_dir = 'x'\n", "events/handouts.py": ""},
        "HR8",
        "app.py",
        3,
    ),
    "HR8 alias augmented": ({"app.py": "import web.qr as qr\n\nqr.x += 1\n", "web/qr.py": ""}, "HR8", "app.py", 3),
    "HR8 setattr": ({"app.py": "import web.qr\n\nsetattr(web.qr, 'x', 1)\n", "web/qr.py": ""}, "HR8", "app.py", 3),
    "HR8 module of a function": (
        {
            "app.py": "def f():\n    from events.live import hub  # noqa: PLC0415 -- at "
            "start up\n    hub.interval = 1\n",
            "events/live/hub.py": "",
        },
        "HR8",
        "app.py",
        3,
    ),
    "HR9 no comment": ({"db.py": "def f():\n    import json\n"}, "HR9", "db.py", 2),
    "HR9 no reason": ({"db.py": "async def f():\n    import json  # noqa: PLC0415\n"}, "HR9", "db.py", 2),
    "HR9 one word": (
        {"db.py": "class A:\n    def f(self):\n        import json  # noqa: PLC0415 -- lazy\n"},
        "HR9",
        "db.py",
        3,
    ),
}

NEAR_MISSES = {
    "HR1 stdlib and future": {
        "events/rules.py": "from __future__ import annotations\n\nimport datetime\n"
        "from collections.abc import Iterable\n"
    },
    "HR2 queries may import core": {
        "events/queries.py": "from core import clock\nfrom events import tables\n",
        "core/clock.py": "",
        "events/tables.py": "",
    },
    "HR2 litestar outside queries": {"events/pages.py": "from litestar import get\n"},
    "HR3 own feature": {
        "events/checkin/controllers.py": "from . import queries\nfrom .api import thing\n",
        "events/checkin/queries.py": "",
        "events/checkin/api.py": "",
    },
    "HR3 shared controllers folder": {
        "events/controllers/a.py": "from events.controllers import b\n",
        "events/controllers/b.py": "",
    },
    "HR3 tables outside controllers": {
        "events/queries.py": "from events.tables import Event\n",
        "events/tables.py": "",
    },
    "HR4 events may import presenters": {
        "events/agenda.py": "from presenters import queries\n",
        "presenters/queries.py": "",
    },
    "HR4 events enqueue notices": {
        "events/featured/queries.py": "from notices.queries import Draft, enqueue\n",
        "presenters/review/queries.py": "from notices import queries\n",
        "notices/queries.py": "",
        "notices/controllers.py": "from accounts.guards import organiser_guard\n",
        "accounts/guards.py": "",
    },
    "HR5 web may import core": {"web/forms.py": "import core.clock\n", "core/clock.py": ""},
    "HR6 settings reads the environment": {"settings.py": "import os\nfrom os import environ\n\nX = os.environ\n"},
    "HR6 other os use": {"db.py": "import os\n\nP = os.path.join('a')\nenviron = {}\nE = environ.get('x')\n"},
    "HR7 entry points": {
        "app.py": "from settings import Settings\n\nS = Settings()\n",
        "demo.py": "from settings import get_settings\n\nS = get_settings()\n",
        "settings.py": "class Settings:\n    pass\n",
    },
    "HR7 type hints": {
        "web/pages.py": "from settings import Settings\n\n\ndef f(s: Settings) -> None:\n    pass\n",
        "settings.py": "",
    },
    "HR8 object not module": {
        "app.py": "from events.live.hub import hub\n\nhub.interval = 1\n",
        "events/live/hub.py": "hub = object()\n",
    },
    "HR8 attribute of a module's object": {
        "app.py": "import web.qr as qr\n\nqr.cache.size = 1\nx = qr.y\n",
        "web/qr.py": "",
    },
    "HR8 third-party module": {"app.py": "import logging\n\nlogging.raiseExceptions = False\n"},
    "HR9 reasoned": {
        "db.py": "def f():\n    from openpyxl import (  # noqa: PLC0415 -- a large package\n        Workbook,\n    )\n"
    },
    "HR9 module level in if and try": {
        "db.py": "import sys\nif sys:\n    import json\ntry:\n    import ssl\n"
        "except ImportError:\n    ssl = None\nclass A:\n    import re\n"
    },
    "skipped folders": {
        "tests/test_x.py": "import os\nos.environ\n",
        "bench/b.py": "import os\nos.environ\n",
        "tools/t.py": "import os\nos.environ\n",
        ".hidden/h.py": "import os\nos.environ\n",
        "events/piccolo_migrations/m.py": "import os\nos.environ\n",
        "var/v.py": "import os\nos.environ\n",
        "node_modules/n.py": "import os\nos.environ\n",
    },
}


@pytest.mark.parametrize("case", BREAKS)
def test_a_breach_is_reported_once_at_its_place(tmp_path: Path, case: str) -> None:
    files, rule, path, line = BREAKS[case]
    only(check(tree(tmp_path, files)), rule, path, line)


@pytest.mark.parametrize("case", NEAR_MISSES)
def test_a_near_miss_is_not_reported(tmp_path: Path, case: str) -> None:
    assert check(tree(tmp_path, NEAR_MISSES[case])) == []


def test_a_from_import_names_the_submodule_only_when_it_is_a_file(tmp_path: Path) -> None:
    """`from events import tables` in a controller is the tables module only if events/tables.py exists."""
    tree(tmp_path, {"events/controllers/x.py": "from events import tables\n"})
    assert check(tmp_path) == []
    tree(tmp_path, {"events/tables.py": ""})
    only(check(tmp_path), "HR3", "events/controllers/x.py", 1)


def test_relative_import_two_levels_up(tmp_path: Path) -> None:
    """`from ..y import z` starts from the importing module's package, not its own name."""
    tree(tmp_path, {"events/checkin/queries.py": "from ...web import forms\n", "web/forms.py": ""})
    only(check(tmp_path), "HR2", "events/checkin/queries.py", 1)


def test_command_line_reports_breaches_and_fails(tmp_path: Path) -> None:
    tree(tmp_path, {"core/clock.py": "import events\n"})
    run = subprocess.run(
        [sys.executable, "-m", "tools.house_rules", str(tmp_path)],
        cwd=WORKTREE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run
    assert "core/clock.py:1: HR5 " in run.stdout


def test_command_line_passes_a_clean_tree(tmp_path: Path) -> None:
    tree(tmp_path, {"core/clock.py": "import datetime\n", "events/rules.py": "import math\n"})
    run = subprocess.run(
        [sys.executable, "-m", "tools.house_rules", str(tmp_path)],
        cwd=WORKTREE,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run
    assert len(run.stdout.strip().splitlines()) == 1


def test_the_project_keeps_the_house_rules() -> None:
    """The checker on this very repository: every rule holds today (make lint runs the same)."""
    root = Path(__file__).resolve().parents[2]
    breaches = check(root)
    assert breaches == [], "\n".join(f"{b.path}:{b.line}: {b.rule} {b.message}" for b in breaches)
