"""PURE logic of the three-step review of method applications (自荐 → 初审 → 审定):
which stage an application is in, who may move it where, and what a move needs. No
database and no web framework here; presenters/review_queries.py stores the moves."""

from __future__ import annotations

from dataclasses import dataclass

STAGES = ("submitted", "returned", "screened", "approved", "rejected")
OPEN_FOR_APPLICANT = ("submitted", "returned")  # the applicant may still edit
NOTE_MAX = 1000


@dataclass(frozen=True)
class Action:
    name: str
    role: str  # the role that may take it
    source: str  # the stage it starts from
    target: str
    needs_note: bool


ACTIONS = {
    a.name: a
    for a in (
        # screening, by the party-building department
        Action("screen", "screener", "submitted", "screened", False),
        Action("return_at_screening", "screener", "submitted", "returned", True),
        Action("reject_at_screening", "screener", "submitted", "rejected", True),
        # approval, by the grassroots party committee
        Action("approve", "approver", "screened", "approved", False),
        Action("return_at_approval", "approver", "screened", "returned", True),
        Action("reject_at_approval", "approver", "screened", "rejected", True),
        # the applicant sends a returned application back in
        Action("resubmit", "applicant", "returned", "submitted", False),
    )
}


def check(action_name: str, roles: frozenset[str] | set[str], stage: str, note: str) -> str | None:
    """None when the move may be made, else why not (a key for the user's message):
    unknown_action, not_your_step, wrong_stage, note_required, note_too_long."""
    action = ACTIONS.get(action_name)
    if action is None:
        return "unknown_action"
    if action.role not in roles:
        return "not_your_step"
    if stage != action.source:
        return "wrong_stage"
    if action.needs_note and not note.strip():
        return "note_required"
    if len(note) > NOTE_MAX:
        return "note_too_long"
    return None


def actions_for(roles: frozenset[str] | set[str], stage: str) -> list[Action]:
    """What these roles may do to an application in this stage, in the order shown."""
    return [a for a in ACTIONS.values() if a.role in roles and a.source == stage and a.role != "applicant"]


def applicant_may_edit(stage: str) -> bool:
    return stage in OPEN_FOR_APPLICANT


REVIEW_STEPS = (("screener", "submitted"), ("approver", "screened"))  # who reviews which stage


def stages_waiting_for(roles: frozenset[str] | set[str]) -> list[str]:
    """The stages that wait for these roles' step: a screener's, then an approver's."""
    return [stage for role, stage in REVIEW_STEPS if role in roles]


def reviewer_may_see(roles: frozenset[str] | set[str], stage: str, decided: bool) -> bool:
    """A reviewer sees what waits for their step, and what they decided themselves
    (``decided``: a move of theirs is in its history); nothing else, whatever they ask for."""
    return stage in stages_waiting_for(roles) or (decided and bool(stages_waiting_for(roles)))
