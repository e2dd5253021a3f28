"""This process's short-lived copies of events, shared by the query modules. Every change an
event goes through here drops them, so this process sees its own changes at once; other
processes see them within ``SECONDS`` (processes stay interchangeable)."""

from core.cache import TTLCache

SECONDS = 2.0
by_id = TTLCache(SECONDS)  # check-in settings, by event id
by_slug = TTLCache(SECONDS, size=256)  # what attendee pages ask first, by slug


def forget_event(event_id: int | None = None) -> None:
    """After any change to an event (the slug cache is small: it is simply emptied)."""
    if event_id is not None:
        by_id.drop(event_id)
    by_slug.clear()
