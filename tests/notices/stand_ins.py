"""Real servers standing in for the outside world: an SMTP server (aiosmtpd) on loopback
that keeps what arrives, and an HTTP server standing in for WeCom's robot webhook."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from tests.servers import free_port


class Mailbox:
    """aiosmtpd's handler: every message that arrives, parsed, with its envelope."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.delay = delay  # seconds each message takes: a slow server

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 -- aiosmtpd's name
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


class SmtpServer:
    """An SMTP server on a loopback port, started and stopped by the test (the port stays)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.box = Mailbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpServer:
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


class Webhook:
    """A stand-in for https://qyapi.weixin.qq.com/cgi-bin/webhook/send: keeps every JSON body
    posted, and answers with the next of ``answers`` ((status, body)), then 200 errcode 0."""

    def __init__(self, answers: list[tuple[int, dict | str]] | None = None) -> None:
        self.posted: list[dict] = []
        self.keys: list[str] = []
        self.answers = list(answers or [])
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 -- http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.posted.append(json.loads(body))
                outer.keys.append(self.path.partition("key=")[2])
                status, answer = outer.answers.pop(0) if outer.answers else (200, {"errcode": 0, "errmsg": "ok"})
                data = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send?key=robot-key-1234567890"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class StallingMailbox(Mailbox):
    """Keeps each message as it arrives, then (while ``stall``) answers nothing: the sender
    waits with the message delivered but unconfirmed, the window a crash may fall into."""

    def __init__(self) -> None:
        super().__init__()
        self.stall = True
        self.stalled = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 -- aiosmtpd's name
        import asyncio

        answer = await super().handle_DATA(server, session, envelope)
        while self.stall:
            self.stalled.set()
            await asyncio.sleep(0.05)
        return answer
