"""The demo showcase day from the report: 税心向党·书记说, its branches, methods and people."""

from __future__ import annotations

import datetime as dt
import uuid

from events.tables import AgendaItem, Event
from presenters.tables import Area, Branch, Method, Presenter, Unit

AREAS = ["党员教育", "党业融合", "监督管理", "组织建设", "文化建设"]

# (unit, branch, secretary, method, area, summary)
PRESENTING = [
    (
        "芙蓉区税务局",
        "党建工作科党支部",
        "",
        "“37℃学习法”",
        "党员教育",
        "以“37℃”的温度开展党员学习：学习有温度、交流有热度、落实有力度，让理论学习贴近党员、贴近业务。",
    ),
    (
        "天心区税务局",
        "文源税务所党支部",
        "",
        "“三小”工作法",
        "党业融合",
        "从小切口入手、以小举措推进、凭小成效积累，把党建工作融入纳税服务的日常细节。",
    ),
    (
        "开福区税务局",
        "芙蓉北路税务分局党支部",
        "",
        "“五微”工作法",
        "党业融合",
        "以微课堂、微服务、微治理等“五微”载体，推动党建与税收业务同频共振。",
    ),
    (
        "长沙县税务局",
        "第一税务所党支部",
        "",
        "青年党员成长“三三制”工作法",
        "党员教育",
        "围绕青年党员成长，建立“三个阶段、三项机制、三类平台”的培养体系。",
    ),
]

# Other branches and people named in the report: applicants, reviewers, attendees.
OTHERS = [
    ("雨花区税务局", "侯家塘税务分局党支部", "彭强"),
    ("望城区税务局", "丁字税务分局党支部", "褚方彬"),
    ("长沙市税务局第一稽查局", "党建工作科党支部", "谭玲"),
]


# The city bureau and the bureaus under it, as the report names them: (name, short name).
CITY = ("国家税务总局长沙市税务局", "市局")
BUREAUS = [
    ("芙蓉区税务局", "芙蓉区"),
    ("天心区税务局", "天心区"),
    ("开福区税务局", "开福区"),
    ("雨花区税务局", "雨花区"),
    ("望城区税务局", "望城区"),
    ("长沙县税务局", "长沙县"),
    ("宁乡市税务局", "宁乡市"),
    ("长沙市税务局第二税务分局", "第二税务分局"),
    ("长沙市税务局第一稽查局", "第一稽查局"),
]


async def load_units() -> dict[str, int]:
    """The tree of units: the city bureau with its bureaus under it; ids by name."""
    city = (await Unit.insert(Unit(name=CITY[0], short_name=CITY[1])).returning(Unit.id))[0]["id"]
    ids = {CITY[0]: city}
    for position, (name, short) in enumerate(BUREAUS, start=1):
        rows = await Unit.insert(Unit(name=name, short_name=short, parent=city, position=position)).returning(Unit.id)
        ids[name] = rows[0]["id"]
    return ids


async def load_demo() -> bool:
    """Load the demo day into an empty database; returns False if anything is there already."""
    if await Event.count() or await Branch.count() or await Unit.count():
        return False
    areas = {}
    for position, name in enumerate(AREAS, start=1):
        rows = await Area.insert(Area(name=name, position=position)).returning(Area.id)
        areas[name] = rows[0]["id"]
    units = await load_units()
    talks = []
    for unit, branch, secretary, title, area, summary in PRESENTING:
        branch_id = (
            await Branch.insert(Branch(name=branch, unit=unit, org_unit=units[unit], secretary=secretary)).returning(
                Branch.id
            )
        )[0]["id"]
        method_id = (
            await Method.insert(Method(title=title, area=areas[area], summary=summary, branch=branch_id)).returning(
                Method.id
            )
        )[0]["id"]
        presenter_id = (
            await Presenter.insert(Presenter(name=f"{branch}书记", role="支部书记", branch=branch_id)).returning(
                Presenter.id
            )
        )[0]["id"]
        talks.append((method_id, presenter_id))
    for unit, branch, secretary in OTHERS:
        branch_id = (
            await Branch.insert(Branch(name=branch, unit=unit, org_unit=units[unit], secretary=secretary)).returning(
                Branch.id
            )
        )[0]["id"]
        await Presenter.insert(Presenter(name=secretary, role="支部书记", branch=branch_id))
    await Presenter.insert(Presenter(name="罗亿成", role="党建工作科科长（宁乡市税务局）"))
    await Presenter.insert(Presenter(name="曾辉", role="党委书记、局长（长沙市税务局第二税务分局）"))

    event_id = (
        await Event.insert(
            Event(
                title="税心向党·书记说",
                theme="主题党日 · 支部工作法展示",
                date=dt.date(2026, 7, 1),
                start_time=dt.time(9, 0),
                end_time=dt.time(11, 30),
                timezone="Asia/Shanghai",
                venue="国家税务总局长沙市税务局 会议室",
                description="四个党支部的书记上台讲述本支部的工作法：立 · 育 · 树，让好方法被看见、被学习。",
                theme_color="#b71c1c",
                slug="shuixin-2026",
                status="published",
            )
        ).returning(Event.id)
    )[0]["id"]
    plan = [("opening", "开场", 10, None, None)]
    for index, (method_id, presenter_id) in enumerate(talks, start=1):
        plan.append(("presentation", "", 20, method_id, presenter_id))
        if index == 2:
            plan.append(("break", "茶歇", 10, None, None))
    plan.append(("remarks", "领导点评", 15, None, None))
    plan.append(("closing", "合影留念", 5, None, None))
    await AgendaItem.insert(
        *[
            AgendaItem(
                event=event_id,
                position=i,
                kind=kind,
                title=title,
                duration=minutes,
                method=method,
                presenter=presenter,
                guid=uuid.uuid4(),
            )
            for i, (kind, title, minutes, method, presenter) in enumerate(plan, start=1)
        ]
    )
    return True
