"""Calls for methods, applications and their three-step review: async queries. Every move
is one transaction that checks the stage and version the mover saw, writes the new stage
and the history row together, or changes nothing."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, cast

from piccolo.columns import ForeignKey
from piccolo.query.functions.aggregate import Count

from core.clock import now
from core.db.transactions import claim_import, insert_in_chunks, write_transaction
from core.signing import capability_token, token_id
from core.storage import object_path
from presenters.review import rules as review
from presenters.tables import Application, ApplicationEvent, ApplicationImport, Area, Branch, Call, Method
from presenters.units.queries import Scope

# Told inside a move's transaction (application as it is now, the stage it moved to, the
# note, the call's title): presenters.review.notices.ApplicantMail.on_move writes the
# applicant's notice into the outbox, so the move and its notice are kept together or not at all.
Notify = Callable[[dict[str, Any], str, str, str], Awaitable[None]]

APPLICATION_FIELDS = ("branch_name", "unit", "secretary", "contact", "title", "area", "summary", "highlights")


def scoped(query: Any, scope: Scope) -> Any:
    """Only the applications of units the viewer reaches (``scope`` None: all of them). An
    application of no unit is the whole organisation's: only an unscoped viewer sees it."""
    if scope is None:
        return query
    return query.where(Application.org_unit.is_in(sorted(scope) or [-1]))


def area_ids(call: dict[str, Any]) -> set[int]:
    return {int(a) for a in (call.get("areas") or "").split(",") if a.strip().isdecimal()}


async def create_call(
    title: str, description: str, areas: list[int], opens_at: dt.datetime, closes_at: dt.datetime
) -> int:
    rows = await Call.insert(
        Call(
            title=title,
            description=description,
            areas=",".join(map(str, sorted(areas))),
            opens_at=opens_at,
            closes_at=closes_at,
            created_at=now(),
        )
    ).returning(Call.id)
    return rows[0]["id"]


async def get_call(call_id: int) -> dict[str, Any] | None:
    return await Call.select().where(Call.id == call_id).first()


async def list_calls(archived: bool = False) -> list[dict[str, Any]]:
    """The calls in use (``archived``: the archived ones instead), newest first."""
    return await Call.select().where(Call.archived == archived).order_by(Call.opens_at, ascending=False)


async def update_call(
    call_id: int, title: str, description: str, areas: list[int], opens_at: dt.datetime, closes_at: dt.datetime
) -> bool:
    """False when there is no such call."""
    rows = (
        await Call.update(
            {
                Call.title: title,
                Call.description: description,
                Call.areas: ",".join(map(str, sorted(areas))),
                Call.opens_at: opens_at,
                Call.closes_at: closes_at,
            }
        )
        .where(Call.id == call_id)
        .returning(Call.id)
    )
    return bool(rows)


async def set_call_times(call_id: int, opens_at: dt.datetime | None, closes_at: dt.datetime) -> bool:
    """Close early (closes now) or reopen (closes later; opens now if it had not opened)."""
    changes: dict[Any, Any] = {Call.closes_at: closes_at}
    if opens_at is not None:
        changes[Call.opens_at] = opens_at
    return bool(await Call.update(changes).where(Call.id == call_id).returning(Call.id))


async def set_call_archived(call_id: int, archived: bool) -> bool:
    return bool(await Call.update({Call.archived: archived}).where(Call.id == call_id).returning(Call.id))


async def call_areas(call: dict[str, Any]) -> list[dict[str, Any]]:
    wanted = area_ids(call)
    rows = await Area.select(Area.id, Area.name).order_by(Area.position).order_by(Area.name)
    return [r for r in rows if not wanted or r["id"] in wanted]


def application_token(secret: bytes, application: dict[str, Any]) -> str:
    return capability_token(secret, "application", application["id"], application["nonce"])


async def submit(
    call_id: int, values: dict[str, Any], actor: str = "applicant", notify: Notify | None = None
) -> dict[str, Any]:
    """A new application (自荐), with its first history row (``actor``: "import" for a row
    of an imported list) and, through ``notify``, the applicant's notice."""
    at = now()
    async with write_transaction():
        rows = await Application.insert(
            Application(
                call=call_id,
                **{k: values[k] for k in APPLICATION_FIELDS},
                org_unit=values.get("org_unit"),
                stage="submitted",
                version=1,
                nonce=secrets.token_hex(16),
                created_at=at,
                updated_at=at,
            )
        ).returning(Application.id, Application.nonce)
        await ApplicationEvent.insert(
            ApplicationEvent(
                application=rows[0]["id"],
                at=at,
                actor=actor,
                role="applicant" if actor == "applicant" else "organiser",
                from_stage="",
                to_stage="submitted",
            )
        )
        if notify is not None:
            await notify(
                {**values, **rows[0], "call": call_id, "stage": "submitted"}, "submitted", "", await _title(call_id)
            )
    return rows[0]


async def _title(call_id: int) -> str:
    row = await Call.select(Call.title).where(Call.id == call_id).first()
    return row["title"] if row else ""


def same_application(values: dict[str, Any]) -> tuple[str, str]:
    """What makes two applications of one call the same, for imports: title and branch."""
    return (values["title"], values["branch_name"])


async def applications_in_call(call_id: int) -> set[tuple[str, str]]:
    rows = await Application.select(Application.title, Application.branch_name).where(Application.call == call_id)
    return {same_application(r) for r in rows}


async def import_round(call_id: int, digest: str, rows: list[dict[str, Any]]) -> tuple[int, int]:
    """A confirmed round: the applications not yet in the call, each with its first history
    row, in one transaction, recorded under the digest of the rows. (added, skipped).

    A second confirmation of the same rows (a double click, two tabs) meets the first on
    the import's row and then finds its applications already there."""
    at = now()
    async with write_transaction():
        import_id = await claim_import(ApplicationImport, ApplicationImport.call, call_id, digest, len(rows))
        present = await applications_in_call(call_id)
        new = [v for v in rows if same_application(v) not in present]
        made = await insert_in_chunks(
            Application,
            [
                Application(
                    call=call_id,
                    **{k: v[k] for k in APPLICATION_FIELDS},
                    org_unit=v.get("org_unit"),
                    stage="submitted",
                    version=1,
                    nonce=secrets.token_hex(16),
                    created_at=at,
                    updated_at=at,
                )
                for v in new
            ],
            Application.id,
        )
        await insert_in_chunks(
            ApplicationEvent,
            [
                ApplicationEvent(
                    application=r["id"], at=at, actor="import", role="organiser", from_stage="", to_stage="submitted"
                )
                for r in made
            ],
        )
        await ApplicationImport.update({ApplicationImport.added: len(new)}).where(ApplicationImport.id == import_id)
    return len(new), len(rows) - len(new)


async def by_token(secret: bytes, token: str) -> dict[str, Any] | None:
    application_id = token_id(token)
    if application_id is None:
        return None
    row = await get_application(application_id, scope=None)  # the applicant's own link: no viewer scope
    if row is None:
        return None

    return row if hmac.compare_digest(application_token(secret, row).encode(), token.encode()) else None


async def get_application(application_id: int, *, scope: Scope) -> dict[str, Any] | None:
    """The application, if the viewer's ``scope`` reaches it."""
    query = Application.select(
        *Application.all_columns(),
        Application.area.name.as_alias("area_name"),
        Application.call.title.as_alias("call_title"),
        Application.call.closes_at.as_alias("call_closes_at"),
    ).where(Application.id == application_id)
    row: dict[str, Any] | None = await scoped(query, scope).first()
    return row


async def attach(application_id: int, sha256: str, filename: str, kind: str, size: int) -> str | None:
    """The applicant's attachment, replacing any before it, while the application is still
    theirs. None when stored, else "locked"."""
    async with write_transaction():
        row = (
            await Application.select(Application.stage, Application.version)
            .where(Application.id == application_id)
            .first()
        )
        if row is None or not review.applicant_may_edit(row["stage"]):
            return "locked"
        await Application.update(
            {
                Application.attachment_sha256: sha256,
                Application.attachment_name: filename,
                Application.attachment_kind: kind,
                Application.attachment_size: size,
                Application.version: row["version"] + 1,
                Application.updated_at: now(),
            }
        ).where(Application.id == application_id)
    return None


async def forget_unused_file(data_dir: Any, sha256: str, keep: str = "") -> bool:
    """Delete a stored file no application and no slide version refers to any more. The
    slides live in the events app, which this app does not import: its table is named."""

    if not sha256 or sha256 == keep:
        return False
    if await Application.exists().where(Application.attachment_sha256 == sha256):
        return False
    if await Application.raw("SELECT 1 AS used FROM slide_version WHERE sha256 = {} LIMIT 1", sha256):
        return False
    path = object_path(data_dir, sha256)
    try:
        path.unlink(missing_ok=True)
    except OSError:
        return False
    return True


async def history(application_id: int) -> list[dict[str, Any]]:
    return (
        await ApplicationEvent.select()
        .where(ApplicationEvent.application == application_id)
        .order_by(ApplicationEvent.id)
    )


async def edit(
    application_id: int,
    seen_version: int,
    values: dict[str, Any],
    resubmit: bool,
    organiser: str = "",
    attachment: tuple[str, str, str, int] | None = None,
) -> str | None:
    """The applicant's edit while the application is still theirs (submitted or returned),
    or an organiser's on their behalf (``organiser``: their user name, always written into
    the history); ``attachment`` (sha256, name, kind, size) replaces the attachment in the
    same write. None when saved, else why not: conflict (it moved meanwhile) or locked."""
    at = now()
    async with write_transaction():
        row = (
            await Application.select(Application.stage, Application.version)
            .where(Application.id == application_id)
            .first()
        )
        if row is None or row["version"] != seen_version:
            return "conflict"
        if not review.applicant_may_edit(row["stage"]):
            return "locked"
        stage = "submitted" if resubmit and row["stage"] == "returned" else row["stage"]
        changes: dict[Any, Any] = {
            **{getattr(Application, k): values[k] for k in APPLICATION_FIELDS},
            Application.org_unit: values.get("org_unit"),
            Application.stage: stage,
            Application.version: row["version"] + 1,
            Application.updated_at: at,
        }
        if attachment is not None:
            sha256, name, kind, size = attachment
            changes.update(
                {
                    Application.attachment_sha256: sha256,
                    Application.attachment_name: name,
                    Application.attachment_kind: kind,
                    Application.attachment_size: size,
                }
            )
        await Application.update(changes).where(Application.id == application_id)
        if organiser:
            await ApplicationEvent.insert(
                ApplicationEvent(
                    application=application_id,
                    at=at,
                    actor=organiser,
                    role="organiser",
                    from_stage=row["stage"],
                    to_stage=stage,
                )
            )
        elif stage != row["stage"]:
            await ApplicationEvent.insert(
                ApplicationEvent(
                    application=application_id,
                    at=at,
                    actor="applicant",
                    role="applicant",
                    from_stage=row["stage"],
                    to_stage=stage,
                )
            )
    return None


async def move(
    application_id: int,
    seen_version: int,
    action_name: str,
    roles: set[str],
    actor: str,
    note: str,
    notify: Notify | None = None,
) -> str | None:
    """A reviewer's move. None when made, else why not: missing, conflict (someone moved it
    since this reviewer looked), or one of review.check's reasons. An approval puts the
    method into the pool agendas are planned from, and ``notify`` writes the applicant's
    notice, in the same transaction."""
    at = now()
    action = review.ACTIONS.get(action_name)
    try:
        return await _move(application_id, seen_version, action_name, action, roles, actor, note, at, notify)
    except _Lost:
        return "conflict"


class _Lost(Exception):
    """Raised inside the transaction so that nothing of a lost race is kept."""


async def _move(
    application_id: int,
    seen_version: int,
    action_name: str,
    action: review.Action | None,
    roles: set[str],
    actor: str,
    note: str,
    at: dt.datetime,
    notify: Notify | None,
) -> str | None:
    async with write_transaction():
        row = await Application.select().where(Application.id == application_id).first()
        if row is None:
            return "missing"
        if row["version"] != seen_version:
            return "conflict"
        reason = review.check(action_name, roles, row["stage"], note)
        if reason or action is None:
            return reason or "unknown_action"
        changes: dict[Any, Any] = {
            Application.stage: action.target,
            Application.version: row["version"] + 1,
            Application.updated_at: at,
        }
        if action.target == "approved":
            changes[Application.method] = await _into_pool(row)
        updated = (
            await Application.update(changes)
            .where((Application.id == application_id) & (Application.version == seen_version))
            .returning(Application.id)
        )
        if not updated:  # PostgreSQL: another transaction won between our read and this write
            raise _Lost
        await ApplicationEvent.insert(
            ApplicationEvent(
                application=application_id,
                at=at,
                actor=actor,
                role=action.role,
                from_stage=row["stage"],
                to_stage=action.target,
                note=note.strip(),
            )
        )
        if notify is not None:
            moved = {**row, "stage": action.target, "version": row["version"] + 1}
            await notify(moved, action.target, note.strip(), await _title(row["call"]))
    return None


async def applications_by_contact(call_id: int, address: str) -> list[dict[str, Any]]:
    """The applications of a call whose contact is this e-mail address (any case): whose
    private links a "send me my link again" may send to it."""
    rows = await Application.select(
        Application.id, Application.nonce, Application.contact, Application.secretary, Application.title
    ).where((Application.call == call_id) & Application.contact.like("%@%"))
    wanted = address.strip().lower()
    return [r for r in rows if r["contact"].strip().lower() == wanted]


async def _into_pool(row: dict[str, Any]) -> int:
    """The approved method, under its branch (found by name and unit, or made)."""
    branch = (
        await Branch.select(Branch.id).where((Branch.name == row["branch_name"]) & (Branch.unit == row["unit"])).first()
    )
    if branch is None:
        branch = (
            await Branch.insert(
                Branch(name=row["branch_name"], unit=row["unit"], secretary=row["secretary"], contact=row["contact"])
            ).returning(Branch.id)
        )[0]
    method = await Method.insert(
        Method(title=row["title"], area=row["area"], summary=row["summary"], branch=branch["id"])
    ).returning(Method.id)
    return method[0]["id"]


async def decided_by(actor: str, roles: set[str], application_id: int | None = None) -> list[int]:
    """The applications this reviewer moved themselves (in one of ``roles``), or whether
    ``application_id`` is one of them."""
    query = (
        ApplicationEvent.select(ApplicationEvent.application)
        .where((ApplicationEvent.actor == actor) & ApplicationEvent.role.is_in(sorted(roles) or [""]))
        .distinct()
    )
    if application_id is not None:
        query = query.where(ApplicationEvent.application == application_id)
    return [r["application"] for r in await query]


async def queue(
    stages: list[str],
    area: int | None = None,
    unit: str = "",
    call: int | None = None,
    ids: list[int] | None = None,
    *,
    scope: Scope,
) -> list[dict[str, Any]]:
    """Applications in ``stages``, or (``ids``) these applications whatever their stage,
    of the units ``scope`` reaches."""
    query = Application.select(
        Application.id,
        Application.title,
        Application.branch_name,
        Application.unit,
        Application.stage,
        Application.version,
        Application.updated_at,
        Application.area.name.as_alias("area_name"),
    ).order_by(Application.updated_at)
    if ids is not None:
        query = query.where(Application.id.is_in(ids or [-1]))
    else:
        query = query.where(Application.stage.is_in(stages or [""]))
    if area:
        query = query.where(Application.area == area)
    if unit:
        query = query.where(Application.unit == unit)
    if call:
        query = query.where(Application.call == call)
    return await scoped(query, scope)


async def units(*, scope: Scope) -> list[str]:
    """The unit names applications carry, of the units ``scope`` reaches: the queue's filter."""
    rows = await scoped(Application.select(Application.unit).distinct().order_by(Application.unit), scope)
    return [r["unit"] for r in rows]


async def counts(*, scope: Scope) -> dict[str, int]:
    rows = await scoped(Application.select(Application.stage, Count(alias="n")).group_by(Application.stage), scope)
    return {r["stage"]: r["n"] for r in rows}


async def all_applications(call: int | None = None, *, scope: Scope, units: Scope = None) -> list[dict[str, Any]]:
    """Every application the viewer's ``scope`` reaches (``call``: of that call only;
    ``units``: of these units only, a drill-down)."""
    query = Application.select(
        *Application.all_columns(),
        Application.area.name.as_alias("area_name"),
        Application.call.title.as_alias("call_title"),
    ).order_by(Application.id)
    if call:
        query = query.where(Application.call == call)
    if units is not None:
        query = query.where(Application.org_unit.is_in(sorted(units) or [-1]))
    return await scoped(query, scope)


async def all_history(*, scope: Scope) -> dict[int, list[dict[str, Any]]]:
    query = ApplicationEvent.select().order_by(ApplicationEvent.id)
    if scope is not None:
        query = query.where(ApplicationEvent.application.org_unit.is_in(sorted(scope) or [-1]))
    rows = await query
    history: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        history.setdefault(row["application"], []).append(row)
    return history


def tally(rows: list[dict[str, Any]], key: str) -> list[tuple[str, dict[str, int], int]]:
    """Counts per value of ``key`` (area, unit) and stage, largest total first."""
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = table.setdefault(row[key] or "—", {})
        counts[row["stage"]] = counts.get(row["stage"], 0) + 1
    return sorted(((name, counts, sum(counts.values())) for name, counts in table.items()), key=lambda t: (-t[2], t[0]))


async def areas() -> list[dict[str, Any]]:
    """The areas, in their order: what the review's filters and forms offer."""
    rows: list[dict[str, Any]] = await Area.select(Area.id, Area.name).order_by(Area.position)
    return rows


# -- what the agenda generator plans from ------------------------------------------------------


async def calls_for_planning() -> list[dict[str, Any]]:
    """The calls in use (not archived), newest first, each with ``approved``: how many of its
    approved applications have their method in the pool."""
    calls: list[dict[str, Any]] = (
        await Call.select(Call.id, Call.title, Call.opens_at, Call.closes_at)
        .where(Call.archived == False)  # noqa: E712 -- a Piccolo condition, not a comparison
        .order_by(Call.opens_at, ascending=False)
        .order_by(Call.id, ascending=False)
    )
    counts = (
        await Application.select(Application.call, Count(alias="n"))
        .where((Application.stage == "approved") & Application.method.is_not_null())
        .group_by(Application.call)
    )
    approved = {r["call"]: r["n"] for r in counts}
    return [{**c, "approved": approved.get(c["id"], 0)} for c in calls]


async def set_recommended(application_id: int, recommended: bool, *, scope: Scope) -> bool:
    """Mark (or unmark) an approved application's method as recommended to the city; False
    when there is no such approved application within the viewer's scope."""
    row = await scoped(
        Application.select(Application.method).where(
            (Application.id == application_id) & (Application.stage == "approved") & Application.method.is_not_null()
        ),
        scope,
    ).first()
    if row is None:
        return False
    await Method.update({Method.recommended: recommended}).where(Method.id == row["method"])
    return True


async def recommended_methods() -> set[int]:
    return {r["id"] for r in await Method.select(Method.id).where(Method.recommended == True)}  # noqa: E712 -- a Piccolo condition


async def approved_methods(call_id: int | None = None) -> list[dict[str, Any]]:
    """The methods approved in a call (None: in every call) as the pool holds them now (the
    catalog may have edited them since): id, title, branch_id, branch, unit, area, with the
    application's stage and the call they came from. A method deleted from the pool since is
    not here. Those recommended to the city first, then in the pool's order: by unit, then method."""
    method = Application.method
    # two joins deep (application → method → branch): Piccolo's types stop at one
    branch, area = cast(ForeignKey, method.branch), cast(ForeignKey, method.area)
    query = (
        Application.select(
            method.as_alias("id"),
            method.title.as_alias("title"),
            method.recommended.as_alias("recommended"),
            branch.as_alias("branch_id"),
            branch.name.as_alias("branch"),
            branch.unit.as_alias("unit"),
            area.name.as_alias("area"),
            Application.id.as_alias("application_id"),
            Application.stage,
            Application.call.as_alias("call_id"),
            Application.call.title.as_alias("call_title"),
        )
        .where((Application.stage == "approved") & method.is_not_null())
        .order_by(method.recommended, ascending=False)
        .order_by(branch.unit)
        .order_by(method.id)
    )
    if call_id is not None:
        query = query.where(Application.call == call_id)
    rows: list[dict[str, Any]] = await query
    return rows
