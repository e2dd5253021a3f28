"""One Settings object, read from SHOWCASE_* environment variables."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from web.hosts import allowed_names

ROOT = Path(__file__).resolve().parent


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"SHOWCASE_{name}", default)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(_env("DATA_DIR", str(ROOT / "var"))).resolve())
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL"))
    host: str = field(default_factory=lambda: _env("HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("PORT", "8000")))
    secret_key: str = field(default_factory=lambda: _env("SECRET_KEY"))
    # Where phones reach this service: every absolute link and printed QR code starts with it.
    base_url: str = field(default_factory=lambda: _env("BASE_URL"))
    # Host names answered (comma-separated, "*" for any); empty: the base URL's host and loopback.
    allowed_hosts: str = field(default_factory=lambda: _env("ALLOWED_HOSTS"))
    default_locale: str = field(default_factory=lambda: _env("DEFAULT_LOCALE", "zh_Hans_CN"))
    default_timezone: str = field(default_factory=lambda: _env("TIMEZONE", "Asia/Shanghai"))
    secure_cookies: bool = field(default_factory=lambda: _env("SECURE_COOKIES", "0") == "1")
    db_pool_size: int = field(default_factory=lambda: int(_env("DB_POOL_SIZE", "10")))
    # How long a SQLite write waits for a lock another process (or a backup) holds before the
    # request answers 503: long enough for any transaction of ours, short enough to tell a phone.
    sqlite_busy_seconds: float = field(default_factory=lambda: float(_env("SQLITE_BUSY_SECONDS", "10")))
    attendee_posts_per_minute: int = field(default_factory=lambda: int(_env("ATTENDEE_POSTS_PER_MINUTE", "30")))
    login_attempts_per_minute: int = field(default_factory=lambda: int(_env("LOGIN_ATTEMPTS_PER_MINUTE", "10")))
    address_posts_per_minute: int = field(default_factory=lambda: int(_env("ADDRESS_POSTS_PER_MINUTE", "600")))
    public_form_posts_per_minute: int = field(default_factory=lambda: int(_env("PUBLIC_FORM_POSTS_PER_MINUTE", "10")))
    live_streams_max: int = field(default_factory=lambda: int(_env("LIVE_STREAMS_MAX", "4000")))
    # Shared store for several app processes: rate limits and live-day pushes (empty: none).
    redis_url: str = field(default_factory=lambda: _env("REDIS_URL"))
    debug: bool = field(default_factory=lambda: _env("DEBUG", "0") == "1")
    # Presenters' slides: the largest upload accepted, in MB (refused with 413 as it streams).
    slides_max_mb: float = field(default_factory=lambda: float(_env("SLIDES_MAX_MB", "100")))
    # Load the PDF fonts in the background at start, so the first handout is not slower.
    pdf_warm_up: bool = field(default_factory=lambda: _env("PDF_WARM_UP", "1") == "1")
    # The live day: how often each process reads the stage for its screens, and how long one
    # server-sent stream lasts before the browser reconnects (proxies drop idle long ones).
    live_poll_seconds: float = field(default_factory=lambda: float(_env("LIVE_POLL_SECONDS", "1")))
    live_stream_seconds: float = field(default_factory=lambda: float(_env("LIVE_STREAM_SECONDS", "300")))
    # Notices: the mail server (smtp://user:pass@host:587?starttls=1, smtps://... for TLS;
    # empty: e-mails are held in the outbox) and the sender's address (empty: noreply@ the base URL's host).
    smtp_url: str = field(default_factory=lambda: _env("SMTP_URL"))
    mail_from: str = field(default_factory=lambda: _env("MAIL_FROM"))
    # Send the outbox from this process (every process may: each notice is claimed by one),
    # and how long a claimed notice is a sender's before another may take it over.
    notice_worker: bool = field(default_factory=lambda: _env("NOTICE_WORKER", "1") == "1")
    notice_lease_seconds: float = field(default_factory=lambda: float(_env("NOTICE_LEASE_SECONDS", "120")))

    @property
    def slides_max_bytes(self) -> int:
        return int(self.slides_max_mb * 1024 * 1024)

    @property
    def public_base_url(self) -> str:
        """The base of every absolute link: SHOWCASE_BASE_URL, else the address we listen on.
        Never the request's Host header, which anyone can forge."""
        if self.base_url:
            return self.base_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def allowed_host_names(self) -> frozenset[str] | None:
        """The Host names served; None when SHOWCASE_ALLOWED_HOSTS is ``*`` (no check)."""

        return allowed_names(self.allowed_hosts, self.base_url, self.host)

    @property
    def uses_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "showcase.sqlite3"

    def session_secret(self) -> bytes:
        """The cookie-session key: from SHOWCASE_SECRET_KEY, else a file in the data dir.

        Every process that shares the data dir (or the variable) shares the key, so any of
        them can read a session another one wrote: the processes stay stateless.
        """
        if self.secret_key:
            raw = self.secret_key.encode()
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path = self.data_dir / "secret_key"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w") as fh:
                    fh.write(secrets.token_hex(32))
            raw = path.read_text().strip().encode()

        return hashlib.sha256(raw).digest()


def get_settings() -> Settings:
    return Settings()
