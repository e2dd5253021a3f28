"""The units migration on a database made by the previous schema: the demo's branches and a
round of 80 applications, unit names typed as people type them. Every distinct name becomes one
unit under the city, every row points at its unit, and nothing else changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

from tests.services import ROOT, fresh_postgres, instance_env

BEFORE = "2026-12-02T05:28:03:539500"  # the last presenters migration before units

# Written with the previous schema's columns only (raw SQL: today's tables know org_unit).
FILL = r"""
import asyncio, datetime as dt, json, random
from presenters.tables import Branch
UNITS = ["芙蓉区税务局", "天心区税务局", "开福区税务局", "长沙县税务局", "雨花区税务局", "宁乡市税务局",
         "望城区税务局", "长沙市税务局第二税务分局", "长沙市税务局第一稽查局"]
TYPED = {"芙蓉区税务局": ["芙蓉区税务局", " 芙蓉区税务局", "芙蓉区税务局  "], "开福区税务局": ["开福区  税务局"]}
STAGES = ["submitted", "screened", "approved", "returned", "rejected"]

async def main():
    now = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
    await Branch.raw("INSERT INTO area (name, position, version) VALUES ('党员教育', 1, 1)")
    area = (await Branch.raw("SELECT id FROM area"))[0]["id"]
    await Branch.raw(
        "INSERT INTO call (title, description, areas, opens_at, closes_at, archived, created_at) "
        "VALUES ('2026年征集', '', '', {}, {}, {}, {})", now, now + dt.timedelta(days=30), False, now)
    call = (await Branch.raw("SELECT id FROM call"))[0]["id"]
    rnd = random.Random(7)
    for i, unit in enumerate(UNITS):
        await Branch.raw("INSERT INTO branch (name, unit, secretary, contact, version, created_at) "
                         "VALUES ({}, {}, '', '', 1, {})", f"第{i + 1}党支部", unit, now)
    for i in range(80):
        unit = UNITS[i % len(UNITS)]
        unit = rnd.choice(TYPED.get(unit, [unit]))
        await Branch.raw(
            "INSERT INTO application (call, branch_name, unit, secretary, contact, title, area, summary, "
            "highlights, stage, version, nonce, attachment_sha256, attachment_name, attachment_kind, "
            "attachment_size, created_at, updated_at) VALUES ({}, {}, {}, '书记', '13800000000', {}, {}, "
            "'简介', '', {}, 1, {}, '', '', '', 0, {}, {})",
            call, f"第{i}党支部", unit, f"工作法{i}", area, STAGES[i % 5], f"n{i:030d}", now, now)

asyncio.run(main())
"""

READ = r"""
import asyncio, json
from presenters.tables import Branch
AFTER = %s

async def main():
    q = Branch.raw
    unit = ", org_unit" if AFTER else ""
    print(json.dumps({
        "units": await q("SELECT id, name, parent FROM unit ORDER BY id") if AFTER else [],
        "branches": await q(f"SELECT name, unit, secretary, created_at{unit} FROM branch ORDER BY id"),
        "applications": await q(
            f"SELECT title, unit, branch_name, stage, version, nonce, updated_at{unit} FROM application ORDER BY id"
        ),
    }, default=str))

asyncio.run(main())
"""


def piccolo(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "piccolo"), "migrations", "forwards", *args],
        cwd=ROOT,
        env={**env, "PICCOLO_CONF": "piccolo_conf"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and "failed" not in done.stdout.lower(), done.stdout + done.stderr


def python(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "PICCOLO_CONF": "piccolo_conf"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_existing_unit_names_become_units_and_nothing_is_lost(tmp_path):
    on_postgres = bool(os.environ.get("SHOWCASE_DATABASE_URL"))
    with fresh_postgres() if on_postgres else nullcontext("") as url:
        env = instance_env(tmp_path, url)
        piccolo(env, "user", "all")
        piccolo(env, "presenters", BEFORE)
        piccolo(env, "accounts", "all")
        piccolo(env, "events", "all")
        python(env, FILL)
        before = json.loads(python(env, READ % "False"))
        piccolo(env, "all")
        after = json.loads(python(env, READ % "True"))

    units = {u["id"]: u for u in after["units"]}
    (city,) = [u for u in units.values() if u["parent"] is None]
    assert city["name"] == "市局"
    names = sorted(u["name"] for u in units.values() if u["parent"] == city["id"])
    # spellings with stray outer spaces fold into one unit; one with a space inside stays a unit
    # of its own (the organisers merge it), its inner spaces folded to one
    assert names == sorted(
        [
            "芙蓉区税务局",
            "天心区税务局",
            "开福区税务局",
            "开福区 税务局",
            "长沙县税务局",
            "雨花区税务局",
            "宁乡市税务局",
            "望城区税务局",
            "长沙市税务局第二税务分局",
            "长沙市税务局第一稽查局",
        ]
    )
    assert len(units) == 11
    # Every row points at the unit of its name; names, stages and versions are untouched.
    for kind in ("branches", "applications"):
        assert len(after[kind]) == len(before[kind]) == (9 if kind == "branches" else 80)
        for old, new in zip(before[kind], after[kind], strict=True):
            assert {k: v for k, v in new.items() if k != "org_unit"} == {
                k: v for k, v in old.items() if k != "org_unit"
            }
            assert new["org_unit"] is not None
            assert units[new["org_unit"]]["name"] == " ".join(new["unit"].split())
    stages = [a["stage"] for a in after["applications"]]
    assert {s: stages.count(s) for s in set(stages)} == {
        s: 16 for s in ("submitted", "screened", "approved", "returned", "rejected")
    }


def test_a_new_database_gets_no_placeholder_city(tmp_path):
    on_postgres = bool(os.environ.get("SHOWCASE_DATABASE_URL"))
    with fresh_postgres() if on_postgres else nullcontext("") as url:
        env = instance_env(tmp_path, url)
        piccolo(env, "all")
        after = json.loads(python(env, READ % "True"))
    assert after["units"] == []
