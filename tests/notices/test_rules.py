"""Notices' pure decisions: backoff, addresses, robot URLs (checked and masked), Message-IDs,
and the SMTP URL as SHOWCASE_SMTP_URL gives it."""

from __future__ import annotations

import datetime as dt

import pytest

from notices import rules


def test_the_delay_doubles_and_stops_growing_at_six_hours() -> None:
    assert [rules.retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert rules.retry_delay(30) == 6 * 3600
    at = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    assert rules.after_failure(1, at) == ("pending", at + dt.timedelta(seconds=30))
    assert rules.after_failure(rules.MAX_ATTEMPTS, at) == ("failed", at)


@pytest.mark.parametrize(
    "text, ok",
    [
        ("tanling@example.org", True),
        (" Tan.Ling+review@mail.example.org ", True),
        ("13800001111", False),
        ("tanling@localhost", False),
        ("a@b.c, d@e.f", False),
        ("谭玲 <tanling@example.org>", False),
        ("x" * 250 + "@example.org", False),
    ],
)
def test_what_counts_as_an_address(text: str, ok: bool) -> None:
    assert rules.is_email(text) is ok


@pytest.mark.parametrize(
    "url, problem",
    [
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", None),
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6", "host"),
        ("https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=693a91f6", "host"),
        ("https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=693a91f6", "host"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/upload_media?key=693a91f6", "path"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=", "key"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a&key=b", "key"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=<script>", "key"),
        ("not a url", "host"),
    ],
)
def test_only_a_wecom_group_robots_webhook_is_taken(url: str, problem: str | None) -> None:
    assert rules.wecom_url_problem(url) == problem


def test_a_robots_url_is_shown_masked() -> None:
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
    assert rules.masked_url(url) == "https://qyapi.weixin.qq.com/…key=693a…5aaa"
    assert "2sif" not in rules.masked_url(url)
    assert rules.masked_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=short") == (
        "https://qyapi.weixin.qq.com/…key=…"
    )


def test_the_message_id_is_the_same_at_every_attempt() -> None:
    created = dt.datetime(2026, 7, 1, 8, tzinfo=dt.UTC)
    first = rules.message_id(12, created, "showcase.example.org")
    assert (
        first
        == rules.message_id(12, created, "showcase.example.org")
        == (f"<notice-12.{int(created.timestamp())}@showcase.example.org>")
    )
    assert first != rules.message_id(13, created, "showcase.example.org")


def test_the_smtp_url_names_server_login_and_encryption() -> None:
    from notices.sender import Smtp, smtp_of

    assert smtp_of("") is None
    assert smtp_of("smtp://mailer:p%40ss@mail.example.org:587?starttls=1") == Smtp(
        "mail.example.org", 587, "mailer", "p@ss", use_tls=False, start_tls=True
    )
    assert smtp_of("smtps://mail.example.org") == Smtp("mail.example.org", 465, None, None, True, False)
    assert smtp_of("smtp://127.0.0.1") == Smtp("127.0.0.1", 25, None, None, False, False)
    for bad in ("mail.example.org:25", "http://mail.example.org", "smtp://"):
        with pytest.raises(ValueError, match="SHOWCASE_SMTP_URL"):
            smtp_of(bad)
