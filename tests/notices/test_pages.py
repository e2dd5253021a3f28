"""The organisers' notice pages: the outbox (state, attempts, last error, resend, filter,
pages) and the WeCom group robots (the URL checked, then never shown whole); publishing a
每周一例 case pushes a news card to the groups chosen on the form."""

from __future__ import annotations

import json

from tests.conftest import text_of
from tests.events.featured.test_featured import a_png, feature, methods
from tests.notices.stand_ins import Webhook
from tests.presenters.review.test_review import log_in_as

KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
ROBOT_URL = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"


async def notices_of(client) -> list[dict]:
    from notices.tables import Notice

    return await client.run(lambda: Notice.select().order_by(Notice.id))


async def test_robots_are_checked_and_their_key_is_never_shown_back(organiser):
    page = await organiser.get("/organiser/notices/robots")
    assert page.status_code == 200 and "企业微信群机器人" in text_of(page.text)
    for bad, words in [
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh12", "Webhook 地址"),
        ("https://example.org/cgi-bin/webhook/send?key=abcdefgh12", "Webhook 地址"),
        ("https://qyapi.weixin.qq.com/cgi-bin/message/send?key=abcdefgh12", "不是群机器人"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "缺少机器人密钥"),
    ]:
        refused = await organiser.form("/organiser/notices/robots", {"name": "党建群", "url": bad})
        assert refused.status_code == 400 and words in text_of(refused.text), bad
    nameless = await organiser.form("/organiser/notices/robots", {"name": "", "url": ROBOT_URL})
    assert nameless.status_code == 400 and "群名称" in text_of(nameless.text) and KEY not in nameless.text
    added = await organiser.form("/organiser/notices/robots", {"name": "城区党建群", "url": ROBOT_URL})
    assert added.status_code == 200
    shown = added.text
    assert "城区党建群" in shown and KEY not in shown and KEY[4:-4] not in shown
    assert "https://qyapi.weixin.qq.com/…key=693a…5aaa" in shown
    robot_id = int(shown.split("/organiser/notices/robots/")[1].split("/")[0])
    assert (await organiser.form(f"/organiser/notices/robots/{robot_id}/delete")).status_code == 200
    assert "城区党建群" not in (await organiser.get("/organiser/notices/robots")).text


async def test_only_organisers_see_the_notice_pages(client):
    await log_in_as(client, "screener1", "screener")
    assert (await client.get("/organiser/notices/")).status_code == 403
    assert (await client.get("/organiser/notices/robots")).status_code == 403


async def test_the_outbox_shows_states_and_errors_and_resends(organiser):
    from notices.queries import Draft, enqueue
    from notices.sender import Sender
    from tests.notices.stand_ins import SmtpServer

    async def make() -> None:
        await enqueue(*(Draft("test", "email", f"p{n}@example.org", f"主题{n}", "text") for n in range(60)))
        await Sender(SmtpServer().url, "", "http://testserver.local", batch=100, max_attempts=1).send_due()

    await organiser.run(make)  # nobody listens at that port: every one fails
    page = text_of((await organiser.get("/organiser/notices/")).text)
    assert "发送失败 (60)" in page and "SMTPConnectError" in page, page[:2000]
    assert "第 1 页 / 共 2 页" in page
    second = text_of((await organiser.get("/organiser/notices/?state=failed&page=2")).text)
    assert "p0@example.org" in second and "p59@example.org" not in second  # newest first
    first_id = (await notices_of(organiser))[0]["id"]
    resent = await organiser.form(f"/organiser/notices/{first_id}/resend", {"state": "failed"})
    assert resent.status_code == 200 and f"第{first_id}条通知已重新排队发送" in text_of(resent.text)
    states = [n["state"] for n in await notices_of(organiser)]
    assert states.count("pending") == 1 and states.count("failed") == 59
    again = await organiser.form(f"/organiser/notices/{first_id}/resend")
    assert again.status_code == 409 and "正在发送" in text_of(again.text)
    detail = text_of((await organiser.get(f"/organiser/notices/{first_id}")).text)
    assert "主题0" in detail and "SMTPConnectError" in detail
    assert (await organiser.get("/organiser/notices/99999")).status_code == 404
    pending = text_of((await organiser.get("/organiser/notices/?state=pending")).text)
    assert "p0@example.org" in pending and "p1@example.org" not in pending


async def test_publishing_a_case_pushes_a_news_card_to_the_chosen_groups(organiser, demo):
    from notices.queries import add_robot
    from notices.sender import Sender

    hook = Webhook()
    try:
        chosen = await organiser.run(add_robot, "城区党建群", hook.url, None)
        other = await organiser.run(add_robot, "机关党建群", hook.url.replace("robot-key", "other-key"), None)
        form = await organiser.get("/organiser/featured/")
        assert "城区党建群" in form.text and f'name="robots" value="{chosen}"' in form.text
        method = (await methods(organiser))[0]
        data = {
            "method": str(method),
            "week_of": "2026-07-06",
            "writeup": "把党建融入纳税服务的细节。",
            "robots": [str(chosen)],
            "_csrf_token": await organiser.csrf(),
        }
        published = await organiser.post(
            "/organiser/featured/", data=data, files={"picture": ("photo.png", a_png(), "image/png")}
        )
        assert published.status_code == 200
        await organiser.run(lambda: Sender("", "", "http://testserver.local").send_due())
        (card,) = hook.posted
        assert hook.keys == ["robot-key-1234567890"]  # only the group chosen
        (article,) = card["news"]["articles"]
        assert card["msgtype"] == "news" and "纳税服务" in article["description"]
        case_id = int(article["url"].rsplit("/", 1)[1])
        assert article["url"] == f"http://testserver.local/cases/{case_id}"
        assert article["picurl"] == f"http://testserver.local/cases/{case_id}/picture"
        title = (await organiser.get(f"/cases/{case_id}")).text
        assert json.dumps(article["title"], ensure_ascii=False).strip('"').split("：")[-1] in title
        assert [n["state"] for n in await notices_of(organiser)] == ["sent"] and other
        unknown = await organiser.post(
            "/organiser/featured/",
            data={**data, "week_of": "2026-07-13", "robots": ["99999"]},
        )
        assert unknown.status_code == 400 and "群" in text_of(unknown.text)
        plain = await feature(organiser, method, "2026-07-20")  # no group chosen: nothing pushed
        assert plain.status_code == 200 and len(await notices_of(organiser)) == 1
    finally:
        hook.close()
