"""A round of applications imported once, whole, on the configured engine: a confirmation
sent twice (or from two tabs at once) imports once, rows already in the call are flagged
"已导入" and skipped, and a round of 4,096 rows is stored."""

from __future__ import annotations

import asyncio
import html
import re

from tests.conftest import text_of
from tests.presenters.review.test_review import log_in_as, open_call, round_of


async def preview(client, call: int, data: bytes):
    return await client.post(
        f"/organiser/calls/{call}/import/",
        files={"file": ("第一批申报.xlsx", data)},
        data={"_csrf_token": await client.csrf()},
    )


def payload_of(page: str) -> str:
    return html.unescape(re.search(r'name="payload" value="([^"]*)"', page).group(1))


async def count(client) -> tuple[int, int]:
    from presenters.tables import Application, ApplicationEvent

    return (
        await client.run(lambda: Application.count()),
        await client.run(lambda: ApplicationEvent.count().where(ApplicationEvent.actor == "import")),
    )


async def test_application_import_confirmed_twice_imports_once(client, demo):
    call, _area = await open_call(client)
    await log_in_as(client, "organiser2", "organiser")
    shown = await preview(client, call, round_of(12, {}))
    first = await client.form(f"/organiser/calls/{call}/import/confirm", {"payload": payload_of(shown.text)})
    second = await client.form(f"/organiser/calls/{call}/import/confirm", {"payload": payload_of(shown.text)})
    assert first.status_code == 200 and "已导入 12 份申报" in text_of(first.text)
    assert second.status_code == 200 and "没有新增" in text_of(second.text)
    assert await count(client) == (12, 12)


async def test_application_import_preview_flags_rows_already_in_the_call(client, demo):
    call, _area = await open_call(client)
    await log_in_as(client, "organiser2", "organiser")
    first = await preview(client, call, round_of(3, {}))
    await client.form(f"/organiser/calls/{call}/import/confirm", {"payload": payload_of(first.text)})
    again = await preview(client, call, round_of(5, {}))  # the same three, and two more
    text = text_of(again.text)
    assert again.status_code == 200 and "共 5 行，其中 2 行可以导入" in text and "3行已导入，将跳过" in text
    assert text.count("已导入") >= 4
    await client.form(f"/organiser/calls/{call}/import/confirm", {"payload": payload_of(again.text)})
    assert await count(client) == (5, 5)


async def test_application_import_from_two_tabs_at_once_imports_once(client, demo):
    from presenters.review import queries as rq

    call, area = await open_call(client)
    rows = [
        {
            "branch_name": f"第{n}党支部",
            "unit": "芙蓉区税务局",
            "secretary": "谭玲",
            "contact": "13800001111",
            "title": f"“{n}号”工作法",
            "area": area,
            "summary": "以支部为引擎。",
            "highlights": "",
        }
        for n in range(50)
    ]

    async def both() -> list[tuple[int, int]]:
        return list(await asyncio.gather(*(rq.import_round(call, "d" * 64, rows) for _ in range(2))))

    assert sorted(await client.run(both)) == [(0, 50), (50, 0)]
    assert await count(client) == (50, 50)


async def test_application_import_of_4096_rows_is_stored_whole(client, demo):
    call, _area = await open_call(client)
    await log_in_as(client, "organiser2", "organiser")
    shown = await preview(client, call, round_of(4096, {}))
    assert shown.status_code == 200 and "共 4096 行，其中 4096 行可以导入" in text_of(shown.text)
    confirmed = await client.form(f"/organiser/calls/{call}/import/confirm", {"payload": payload_of(shown.text)})
    assert confirmed.status_code == 200 and "已导入 4096 份申报" in text_of(confirmed.text)
    assert await count(client) == (4096, 4096)
