"""Piccolo's configuration: the engine comes from Settings (SQLite file or PostgreSQL URL)."""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

from settings import get_settings

_settings = get_settings()


def _postgres_config(url: str) -> dict:
    parts = urlparse(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or "") or None,
        "database": (parts.path or "/showcase").lstrip("/") or "showcase",
    }


if _settings.uses_postgres:
    from piccolo.engine.postgres import PostgresEngine

    DB: Engine = PostgresEngine(config=_postgres_config(_settings.database_url))
else:
    from core.db.engine import ShowcaseSQLiteEngine

    _settings.data_dir.mkdir(parents=True, exist_ok=True)
    DB = ShowcaseSQLiteEngine(path=str(_settings.sqlite_path), busy_seconds=_settings.sqlite_busy_seconds)

APP_REGISTRY = AppRegistry(
    apps=[
        "piccolo.apps.user.piccolo_app",
        "accounts.piccolo_app",
        "presenters.piccolo_app",
        "events.piccolo_app",
        "notices.piccolo_app",
    ]
)
