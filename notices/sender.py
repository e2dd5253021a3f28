"""The sender: works the outbox off outside requests. E-mail goes over SMTP (aiosmtplib),
group-chat notices to WeCom group robots' webhooks (httpx). ``Sender.send_due`` takes one
batch; ``Sender.run`` loops (started by app.py's lifespan when SHOWCASE_NOTICE_WORKER=1)."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import httpx

from notices import queries as nq
from notices import rules

log = logging.getLogger("showcase.notices")


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # TLS from the first byte (smtps://)
    start_tls: bool  # STARTTLS after the greeting (?starttls=1)


def smtp_of(url: str) -> Smtp | None:
    """The server in SHOWCASE_SMTP_URL (None when empty); ValueError names what is wrong."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("SHOWCASE_SMTP_URL: smtp://user:password@host:port or smtps://… (TLS)")
    query = parse_qs(parts.query)
    return Smtp(
        host=parts.hostname,
        port=parts.port or (465 if parts.scheme == "smtps" else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=parts.scheme == "smtps",
        start_tls=query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
    )


def sender_address(mail_from: str, base_url: str) -> str:
    return mail_from or f"Showcase <noreply@{urlsplit(base_url).hostname or 'localhost'}>"


def email_message(notice: dict[str, Any], mail_from: str, domain: str) -> EmailMessage:
    """The notice as a message: plain text, HTML beside it, small attachments; the same
    Message-ID at every attempt."""
    message = EmailMessage()
    message["Subject"] = notice["subject"]
    message["From"] = mail_from
    message["To"] = notice["recipient"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = rules.message_id(notice["id"], notice["created_at"], domain)
    message["Content-Language"] = "zh-CN" if notice["locale"].startswith("zh") else "en"
    message.set_content(notice["text"])
    if notice["html"]:
        message.add_alternative(notice["html"], subtype="html")
    attachments = notice["attachments"]
    for item in json.loads(attachments) if isinstance(attachments, str) else attachments or []:
        maintype, _, subtype = item["mime"].partition("/")
        message.add_attachment(
            base64.b64decode(item["base64"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=item["name"],
        )
    return message


class Sender:
    """One process's sender. Several may run (each claims its own notices)."""

    def __init__(
        self,
        smtp_url: str,
        mail_from: str,
        base_url: str,
        lease: float = 120.0,
        batch: int = 20,
        timeout: float = 20.0,
        max_attempts: int = rules.MAX_ATTEMPTS,
        first_delay: float = rules.FIRST_DELAY,
    ) -> None:
        self.smtp = smtp_of(smtp_url)
        self.mail_from = sender_address(mail_from, base_url)
        self.domain = urlsplit(base_url).hostname or "showcase.invalid"
        self.lease, self.batch, self.timeout = lease, batch, timeout
        self.max_attempts, self.first_delay = max_attempts, first_delay
        self._released = False

    async def send_due(self) -> int:
        """Send one batch of due notices; how many were claimed. An e-mail with no SMTP
        server configured is held, not tried; once one is, held e-mails are sent."""
        if self.smtp is not None and not self._released:
            await nq.release_held("email")
            self._released = True
        claimed = await nq.claim(self.batch, self.lease, max_attempts=self.max_attempts)
        held = [n["id"] for n in claimed if n["channel"] == "email" and self.smtp is None]
        await nq.hold(held)
        sent = 0
        for notice in claimed:
            if notice["id"] in held:
                continue
            try:
                await self.deliver(notice)
            except Exception as exc:  # noqa: BLE001 -- whatever went wrong is this attempt's error, on the record
                state = await nq.mark_failed(notice["id"], describe(exc), self.max_attempts, self.first_delay)
                log.warning("notice %s not sent (%s): %s", notice["id"], state, describe(exc))
            else:
                await nq.mark_sent(notice["id"])
                sent += 1
        if claimed:
            log.info("notices: %d sent, %d held, %d not sent", sent, len(held), len(claimed) - sent - len(held))
        return len(claimed)

    async def deliver(self, notice: dict[str, Any]) -> None:
        if notice["channel"] == "email":
            await self.send_email(notice)
        elif notice["channel"] == "wecom":
            await self.post_wecom(notice)
        else:
            raise ValueError(f"unknown channel {notice['channel']!r}")

    async def send_email(self, notice: dict[str, Any]) -> None:
        smtp = self.smtp
        assert smtp is not None
        await aiosmtplib.send(
            email_message(notice, self.mail_from, self.domain),
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.username,
            password=smtp.password,
            use_tls=smtp.use_tls,
            start_tls=smtp.start_tls,
            timeout=self.timeout,
        )

    async def post_wecom(self, notice: dict[str, Any]) -> None:
        """The stored message (msgtype text, markdown or news) to the robot's webhook: not
        sent unless it answers 200 with errcode 0."""
        url = await nq.robot_url(int(notice["recipient"]))
        if url is None:
            raise LookupError("this group robot was deleted")
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.post(url, json=json.loads(notice["text"]))
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            answer = response.json()
        except ValueError:
            raise RuntimeError(f"not JSON: {response.text[:200]}") from None
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            raise RuntimeError(f"errcode {answer.get('errcode') if isinstance(answer, dict) else '?'}: {answer}")

    async def run(self, interval: float = 2.0) -> None:
        """Forever: a batch, then the next at once if there was one, else after ``interval``.
        A database away for a while is waited out."""
        while True:
            try:
                busy = await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 -- the loop outlives a database that is away
                log.error("notice sender: %s", describe(exc))
                busy = 0
            await asyncio.sleep(0 if busy else interval)


def describe(exc: BaseException) -> str:
    """An error as the outbox shows it: the kind and what it said, without the robot's key."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return re.sub(r"key=[^&\s'\"]+", "key=…", text)[:2000]
