"""Organisers' notice pages: the outbox (each notice's state, attempts and last error; resend)
and the WeCom group robots notices may go to (their URLs masked)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.guards import organiser_guard
from core.text import clean_text
from notices import queries as nq
from notices import rules
from web.errors import Said
from web.forms import FormBody
from web.i18n import gettext as _
from web.i18n import lazy

PER_PAGE = 50
STATE_NAMES = {
    "pending": lazy("waiting to be sent"),
    "sending": lazy("being sent"),
    "sent": lazy("sent"),
    "failed": lazy("failed"),
    "held": lazy("held (no mail server)"),
}
CHANNEL_NAMES = {"email": lazy("E-mail"), "wecom": lazy("WeCom group")}
URL_PROBLEMS = {
    "host": lazy(
        "Paste the group robot's webhook address as WeCom shows it: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
    ),
    "path": lazy("This is not a group robot's webhook: the address goes to /cgi-bin/webhook/send?key=…"),
    "key": lazy("The webhook address has no robot key (…/send?key=… followed by the key)."),
}
# The organisation's units (presenters' knowledge), handed in by app.py as ``unit_choices``.
UnitChoices = NamedDependency[Callable[[], Awaitable[list[tuple[int, str]]]]]


class OutboxPages(Controller):
    path = "/organiser/notices"
    guards = [organiser_guard]

    @get("/")
    async def index(self, request: Request) -> Template:
        state = request.query_params.get("state", "")
        state = state if state in rules.STATES else ""
        page = request.query_params.get("page", "1")
        number = int(page) if page.isdecimal() and 0 < len(page) < 6 and int(page) > 0 else 1
        rows, total = await nq.outbox(state, number, PER_PAGE)
        robots = {str(r["id"]): r["name"] for r in await nq.robots()}
        return Template(
            "notices/outbox.html",
            context={
                "rows": rows,
                "total": total,
                "page": number,
                "pages": max(1, -(-total // PER_PAGE)),
                "state": state,
                "counts": await nq.state_counts(),
                "states": {k: _(v) for k, v in STATE_NAMES.items()},
                "channels": {k: _(v) for k, v in CHANNEL_NAMES.items()},
                "robots": robots,
                "saved": request.query_params.get("saved", ""),
            },
        )

    @get("/{notice_id:int}")
    async def detail(self, notice_id: FromPath[int]) -> Template:
        notice = await nq.get_notice(notice_id)
        if notice is None:
            raise NotFoundException(detail=lazy("No such notice."))
        robots = {str(r["id"]): r["name"] for r in await nq.robots()}
        return Template(
            "notices/notice.html",
            context={
                "notice": notice,
                "attempts": await nq.attempts_of(notice_id),
                "states": {k: _(v) for k, v in STATE_NAMES.items()},
                "channels": {k: _(v) for k, v in CHANNEL_NAMES.items()},
                "robots": robots,
            },
        )

    @post("/{notice_id:int}/resend")
    async def resend(self, notice_id: FromPath[int], data: FormBody) -> Redirect:
        if await nq.get_notice(notice_id) is None:
            raise NotFoundException(detail=lazy("No such notice."))
        if not await nq.resend(notice_id):
            raise ClientException(status_code=409, detail=Said(_("This notice is being sent already.")))
        back = str(data.get("state", ""))
        return Redirect(
            path=f"/organiser/notices/?saved={notice_id}" + (f"&state={back}" if back in rules.STATES else "")
        )

    @get("/robots")
    async def robots(self, request: Request, unit_choices: UnitChoices) -> Template:
        return await self._robots(unit_choices)

    async def _robots(
        self, unit_choices: Any, status: int = 200, raw: dict | None = None, errors: dict | None = None
    ) -> Template:
        return Template(
            "notices/robots.html",
            status_code=status,
            context={
                "robots": await nq.robots(),
                "units": dict(await unit_choices()),
                "choices": await unit_choices(),
                "raw": raw or {},
                "errors": errors or {},
            },
        )

    @post("/robots")
    async def add_robot(self, unit_choices: UnitChoices, data: FormBody) -> Response:
        raw = {k: str(data.get(k, "")) for k in ("name", "url", "unit")}
        errors: dict[str, str] = {}
        name = clean_text(raw["name"]).strip()
        if not name or len(name) > 100:
            errors["name"] = _("Give the group a name (at most 100 characters).")
        problem = rules.wecom_url_problem(raw["url"])
        if problem:
            errors["url"] = _(URL_PROBLEMS[problem])
        unit: int | None = None
        if raw["unit"]:
            known = dict(await unit_choices())
            unit = int(raw["unit"]) if raw["unit"].isdecimal() and len(raw["unit"]) < 10 else -1
            if unit not in known:
                errors["unit"] = _("Choose a unit from the list.")
        if errors:
            return await self._robots(unit_choices, 400, {**raw, "url": ""}, errors)
        await nq.add_robot(name, raw["url"], unit)
        return Redirect(path="/organiser/notices/robots?saved=1")

    @post("/robots/{robot_id:int}/delete")
    async def delete_robot(self, robot_id: FromPath[int]) -> Redirect:
        if not await nq.delete_robot(robot_id):
            raise NotFoundException(detail=lazy("No such group robot."))
        return Redirect(path="/organiser/notices/robots?saved=1")


ROUTERS = [OutboxPages]
