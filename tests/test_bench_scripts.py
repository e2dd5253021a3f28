"""`make bench` runs small scripts held in strings (a fresh process each); the code moves,
the strings do not follow by themselves. Every import in those scripts must still resolve."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IMPORT = re.compile(r"^\s*from ([\w.]+) import ([\w, ]+?)\s*$|^\s*import ([\w., ]+?)\s*$", re.M)


def script_imports() -> list[tuple[str, str, tuple[str, ...]]]:
    """(bench file, module, names) for every import line inside a string of bench/*.py."""
    found = []
    for path in sorted((ROOT / "bench").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "import " in node.value:
                for match in IMPORT.finditer(node.value):
                    if match.group(1):
                        names = tuple(n.split(" as ")[0].strip() for n in match.group(2).split(","))
                        found.append((path.name, match.group(1), names))
                    else:
                        for module in match.group(3).split(","):
                            found.append((path.name, module.split(" as ")[0].strip(), ()))
    return found


def test_the_bench_holds_scripts_to_check() -> None:
    assert len(script_imports()) >= 10


@pytest.mark.parametrize(("where", "module", "names"), script_imports())
def test_every_import_in_a_bench_script_resolves(where: str, module: str, names: tuple[str, ...]) -> None:
    imported = importlib.import_module(module)
    for name in names:
        assert hasattr(imported, name) or importlib.util.find_spec(f"{module}.{name}") is not None, (
            f"{where}: from {module} import {name}"
        )
