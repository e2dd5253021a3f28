"""The scope matrix can fail: each case takes one scope filter out of a copy of the code and
runs tests/test_scope_matrix.py against it, which must then fail, naming the leak. (The
copies run on SQLite, whatever engine this suite is on: the point is the test, not the engine.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (file, the code as it is, the code without its scope, the roles whose check must catch it)
MUTANTS = {
    "no filter in the queries": (
        "presenters/review/queries.py",
        "    return query.where(Application.org_unit.is_in(sorted(scope) or [-1]))",
        "    return query",
        "organiser",
    ),
    "an organiser sees every unit": (
        "presenters/review/controllers.py",
        'return await scope_of(request.user, "organiser", tree=tree)',
        "return None",
        "organiser",
    ),
    "the queue ignores where a role is held": (
        "presenters/review/controllers.py",
        "scope = await scope_of(request.user, role, tree=tree)",
        "scope = None",
        "screener",
    ),
    "one application is fetched without the scope": (
        "presenters/review/controllers.py",
        "row = await rq.get_application(application_id, scope=await scope_of(request.user, *REVIEW_ROLES, tree=tree))",
        "row = await rq.get_application(application_id, scope=None)",
        "approver",
    ),
    "the export forgets the scope": (
        "presenters/review/controllers.py",
        "for r in await rq.all_applications(call_id, scope=scope, units=within)",
        "for r in await rq.all_applications(call_id, scope=None, units=within)",
        "organiser",
    ),
}


def copy_of_the_code(into: Path) -> Path:
    skip = shutil.ignore_patterns(".venv", ".git", "var", "__pycache__", ".pytest_cache", ".mypy_cache", "assets")
    shutil.copytree(ROOT, into, ignore=skip)
    (into / "assets").symlink_to(ROOT / "assets")  # read only, and large (fonts)
    return into


@pytest.mark.parametrize("name", MUTANTS)
def test_taking_a_scope_filter_out_fails_the_matrix(tmp_path, name):
    path, original, mutant, role = MUTANTS[name]
    code = copy_of_the_code(tmp_path / "code")
    source = (code / path).read_text(encoding="utf-8")
    assert source.count(original) == 1, f"{path} no longer holds the line this case takes out: update MUTANTS"
    (code / path).write_text(source.replace(original, mutant), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOWCASE_", "PYTEST_"))}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_scope_matrix.py",
            "-x",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            f"bureau and {role}",
        ],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    leaks = ("reached a sibling's applications", "saw a sibling's applications", "a sibling's application was changed")
    assert any(leak in done.stdout for leak in leaks), done.stdout[-3000:]
