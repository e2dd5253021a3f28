"""Following a check-in, a slide upload and the agenda into the booklet through the code:
each step is a real import of the one before, and each stays in its feature's folder plus
core/, web/ and what the events app shares (its tables, the day, the notice board for
screens). Read from the code's own imports (tools/house_rules.py), so a step that wanders
into another feature fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.house_rules import imports_of, reach, within

ROOT = Path(__file__).resolve().parents[2]
# What every events feature may lean on besides its own folder: the plumbing, the app's
# tables and shared modules, who is logged in, and the settings.
SHARED = (
    "core",
    "web",
    "events.tables",
    "events.caches",
    "events.days",
    "events.http",
    "events.hub",
    "accounts",
    "presenters.tables",
    "settings",
)

# Each path: the modules a request passes through, in order (each imports the next), and the
# feature folders it may touch.
PATHS = {
    "a scanner's check-in": (
        ["events.checkin.api", "events.checkin.windows", "events.checkin.queries", "core.db.group_commit"],
        ("events.checkin",),
    ),
    "a check-in nudging the screens": (
        ["events.checkin.api", "events.http", "events.hub"],
        ("events.checkin",),
    ),
    "a slide upload through the portal": (
        ["events.slides.controllers", "web.uploads", "core.documents"],
        ("events.slides",),
    ),
    "the uploaded file kept once per content": (
        ["events.slides.controllers", "web.uploads", "core.storage"],
        ("events.slides",),
    ),
    "a slide version numbered": (
        ["events.slides.controllers", "events.slides.queries", "core.db.transactions"],
        ("events.slides",),
    ),
    "the agenda into the booklet": (
        ["events.handouts.controllers", "events.handouts.documents", "events.agenda.views", "events.agenda.queries"],
        ("events.handouts", "events.agenda"),
    ),
    "the booklet rendered and answered": (
        ["events.handouts.controllers", "events.handouts.responses", "events.handouts.render", "core.qr"],
        ("events.handouts",),
    ),
}


@pytest.mark.parametrize("name", PATHS)
def test_each_step_is_an_import_of_the_one_before_and_stays_in_its_rooms(name: str) -> None:
    steps, features = PATHS[name]
    graph = imports_of(ROOT)
    for here, there in zip(steps, steps[1:], strict=False):
        assert there in graph[here], f"{name}: {here} does not import {there}"
    strays = [m for m in steps if not within(m, *features, *SHARED)]
    assert strays == [], f"{name} leaves its rooms: {strays}"


def test_the_scanners_api_reaches_nothing_of_another_feature() -> None:
    """The hot path of the day, whole: everything the check-in API imports, and everything
    that imports, is check-in's own or shared. The one exception is the agenda's pure rules
    (the day's start and planned end, from which the door opens)."""
    reached = reach(ROOT, "events.checkin.api")
    strays = sorted(m for m in reached if not within(m, "events.checkin", "events.agenda.rules", *SHARED))
    assert strays == []


def test_a_path_into_another_feature_is_caught(tmp_path: Path) -> None:
    """The check above can fail: a check-in module that imports the feedback feature."""
    for folder in ("events", "events/checkin", "events/feedback"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "events/checkin/api.py").write_text("from events.feedback import queries\n")
    (tmp_path / "events/feedback/queries.py").write_text("")
    reached = reach(tmp_path, "events.checkin.api")
    assert sorted(m for m in reached if not within(m, "events.checkin", *SHARED)) == ["events.feedback.queries"]


def feature_graph(root: Path) -> dict[str, set[str]]:
    """Which feature folder uses which (events.checkin -> events.agenda), from the imports."""

    def feature(name: str) -> str | None:
        parts = name.split(".")
        return ".".join(parts[:2]) if parts[0] in ("events", "presenters", "accounts") and len(parts) > 2 else None

    graph: dict[str, set[str]] = {}
    for module, targets in imports_of(root).items():
        here = feature(module)
        if here:
            graph.setdefault(here, set()).update(t for t in map(feature, targets) if t and t != here)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_features_lean_on_each_other_one_way_only() -> None:
    """No two features import each other, however indirectly: each can be read (and moved)
    knowing only those below it."""
    assert circles(feature_graph(ROOT)) == []


def test_a_circle_between_features_is_caught() -> None:
    assert circles({"events.agenda": {"events.programme"}, "events.programme": {"events.agenda"}}) == [
        ["events.agenda", "events.programme", "events.agenda"]
    ]
