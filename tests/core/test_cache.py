"""The per-process cache: a crowd that misses together loads once, and nothing stays past its time."""

from __future__ import annotations

import asyncio

from core.cache import TTLCache, clear_all


async def test_requests_that_miss_together_share_one_load() -> None:
    cache = TTLCache(ttl=60)
    loads: list[str] = []

    async def load() -> dict[str, str]:
        loads.append("read")
        await asyncio.sleep(0.01)
        return {"slug": "shuixin-2026"}

    answers = await asyncio.gather(*(cache.get_or_load("shuixin-2026", load) for _ in range(500)))
    assert loads == ["read"] and all(a == {"slug": "shuixin-2026"} for a in answers)
    assert await cache.get_or_load("shuixin-2026", load) == {"slug": "shuixin-2026"} and loads == ["read"]


async def test_nothing_found_is_not_kept_and_clear_all_empties_every_cache() -> None:
    cache = TTLCache(ttl=60)
    found: list[dict | None] = [None, {"id": 1}]

    async def load() -> dict | None:
        return found.pop(0)

    assert await cache.get_or_load(1, load) is None  # not there yet: asked again next time
    assert await cache.get_or_load(1, load) == {"id": 1}
    clear_all()
    assert cache.get(1) is None


async def test_a_waiter_that_gives_up_does_not_cancel_the_others_load() -> None:
    cache = TTLCache(ttl=60)

    async def load() -> str:
        await asyncio.sleep(0.02)
        return "row"

    first = asyncio.ensure_future(cache.get_or_load("k", load))
    second = asyncio.ensure_future(cache.get_or_load("k", load))
    await asyncio.sleep(0)
    first.cancel()
    assert await second == "row"
