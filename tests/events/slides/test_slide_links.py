"""A portal link the organiser has just made is on the page it lands on, ready to send:
the whole link with a copy button, its QR code and when it stops working."""

import re

from tests.conftest import text_of
from tests.events.slides.test_slides import demo_slots


def new_link_card(page: str) -> str:
    found = re.search(r'<section class="card new-link"[^>]*>(.*?)</section>', page, re.S)
    assert found, "no card for the new link"
    return found.group(1)


async def test_a_new_link_is_shown_at_once_with_copy_button_qr_and_expiry(organiser, demo):
    slots = await demo_slots(organiser)
    event, presenter = slots["event"], slots["presenters"][0]
    made = await organiser.form(f"/organiser/events/{event}/slides/links/{presenter}", {"days": "7"})
    assert made.status_code == 200
    card = new_link_card(made.text)
    link = re.search(r'<input id="([^"]+)" class="copy" readonly value="(http://testserver.local/p/[^"]+)"', card)
    assert link, card
    assert f'data-copy="{link.group(1)}"' in card and "复制链接" in text_of(card)
    assert "<svg" in card  # the QR code
    assert re.search(r"有效期至 \S+", text_of(card))
    assert "/assets/js/copy.js" in made.text
    assert (await organiser.get(link.group(2).removeprefix("http://testserver.local"))).status_code == 200


async def test_a_link_without_expiry_says_so_and_the_card_is_gone_on_the_next_visit(organiser, demo):
    slots = await demo_slots(organiser)
    event, presenter = slots["event"], slots["presenters"][0]
    made = await organiser.form(f"/organiser/events/{event}/slides/links/{presenter}", {"days": ""})
    assert "长期有效" in text_of(new_link_card(made.text))
    again = await organiser.get(f"/organiser/events/{event}/slides/")
    assert 'class="card new-link"' not in again.text
    forged = await organiser.get(f"/organiser/events/{event}/slides/", params={"made": "abc"})
    assert forged.status_code == 200 and 'class="card new-link"' not in forged.text
