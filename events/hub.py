"""The day's notice board for screens: server-sent updates of the live day, shared by the
features that change what screens show (check-in counts, the stage). Per app process and event, one watcher reads the
stage from the database (once a second, or at once when this process changed it) and hands
the new board to every connected screen; a board is encoded once, whatever the number of
viewers. Nothing lives only here: another process sees the same database and tells its own
viewers, so any number of processes can serve the day."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("showcase.live")


@dataclass(eq=False)
class Viewer:
    event_id: int
    with_count: bool  # organisers' screens also show the check-in count
    pending: str | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def give(self, board: str) -> None:
        self.pending = board  # a slow screen skips to the newest board: each one is whole
        self.ready.set()

    async def next(self, timeout: float) -> str | None:
        """The next board with the server's clock stamped in, or None after ``timeout``."""
        try:
            await asyncio.wait_for(self.ready.wait(), timeout)
        except TimeoutError:
            return None
        self.ready.clear()
        board, self.pending = self.pending, None
        if board is None:
            return None
        return board[:-1] + f',"now":{int(dt.datetime.now(dt.UTC).timestamp() * 1000)}}}'


@dataclass(eq=False)
class _Watch:
    viewers: set[Viewer] = field(default_factory=set)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    boards: dict[bool, str] = field(default_factory=dict)  # with_count -> newest board
    task: asyncio.Task | None = None


CHANNEL = "showcase:live"
COALESCE = 0.25  # seconds: check-ins of one burst share one message to the other processes


class LiveHub:
    def __init__(self, read_stage: Callable[[int], Awaitable[Any]], interval: float = 1.0) -> None:
        # How a stage is read (events.live.queries.read_stage, handed in by app.py): the hub
        # carries boards and knows nothing of what is on them.
        self.read_stage = read_stage
        self.interval = interval
        self._watches: dict[int, _Watch] = {}
        self._redis: Redis | None = None  # with SHOWCASE_REDIS_URL: every process hears of a change at once
        self._pending: set[int] = set()
        self._tasks: set[asyncio.Task] = set()

    async def announce(self, event_id: int) -> None:
        """The stage of this event changed: tell this process's watcher, and through Redis
        every other process's, so their screens need not wait for the next read."""
        self.poke(event_id)
        if self._redis is not None:
            try:
                await self._redis.publish(CHANNEL, str(event_id))
            except Exception as exc:  # noqa: BLE001 - other processes still read within a second
                log.warning("live change not published: %r", exc)

    def announce_soon(self, event_id: int) -> None:
        """A check-in: tell this process's screens now and the others' within COALESCE
        seconds, one message for a whole burst, without making the check-in wait."""
        self.poke(event_id)
        if self._redis is None or event_id in self._pending:
            return
        self._pending.add(event_id)

        async def later() -> None:
            try:
                await asyncio.sleep(COALESCE)
                await self.announce(event_id)
            finally:
                self._pending.discard(event_id)

        task = asyncio.get_running_loop().create_task(later())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def listen(self, url: str) -> None:
        """Subscribe to the other processes' changes until cancelled; reconnect when Redis
        goes away (meanwhile every process still reads the database once a second)."""
        import redis.asyncio as redis  # noqa: PLC0415 -- Redis is loaded only with SHOWCASE_REDIS_URL

        self._redis = redis.Redis.from_url(url)
        delay = 0.5
        try:
            while True:
                try:
                    async with self._redis.pubsub() as pubsub:
                        await pubsub.subscribe(CHANNEL)
                        delay = 0.5
                        async for message in pubsub.listen():
                            if message.get("type") == "message":
                                try:
                                    self.poke(int(message["data"]))
                                except (TypeError, ValueError):
                                    continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - Redis away: retry with a growing pause
                    log.warning("live updates from Redis interrupted: %r", exc)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 10)
        finally:
            client, self._redis = self._redis, None
            await client.aclose()

    def join(self, event_id: int, with_count: bool) -> Viewer:
        viewer = Viewer(event_id, with_count)
        watch = self._watches.get(event_id)
        if watch is None or watch.task is None or watch.task.done():
            watch = self._watches[event_id] = _Watch()
            watch.task = asyncio.get_running_loop().create_task(self._watch(event_id, watch))
        watch.viewers.add(viewer)
        if with_count in watch.boards:
            viewer.give(watch.boards[with_count])  # a newcomer (or a reconnect) catches up at once
        return viewer

    def leave(self, viewer: Viewer) -> None:
        watch = self._watches.get(viewer.event_id)
        if watch is not None:
            watch.viewers.discard(viewer)
            watch.wake.set()

    def poke(self, event_id: int) -> None:
        """This process just changed the stage: read it now rather than at the next tick."""
        watch = self._watches.get(event_id)
        if watch is not None:
            watch.wake.set()

    def total(self) -> int:
        return sum(len(w.viewers) for w in self._watches.values())

    async def _watch(self, event_id: int, watch: _Watch) -> None:
        try:
            while watch.viewers:
                watch.wake.clear()
                try:
                    await self._read(event_id, watch)
                except Exception as exc:  # noqa: BLE001 - the database away: screens keep the last board
                    log.warning("live board for event %s not read: %r", event_id, exc)
                try:
                    await asyncio.wait_for(watch.wake.wait(), self.interval)
                except TimeoutError:
                    pass
        finally:
            if self._watches.get(event_id) is watch:
                del self._watches[event_id]

    async def _read(self, event_id: int, watch: _Watch) -> None:
        stage = await self.read_stage(event_id)
        now = dt.datetime.now(dt.UTC)
        for with_count in (True, False):
            if stage is None:
                board = json.dumps({"gone": True})
            else:
                board = json.dumps(stage.board(now, with_count), separators=(",", ":"), ensure_ascii=False)
            if watch.boards.get(with_count) == board:
                continue
            watch.boards[with_count] = board
            for viewer in list(watch.viewers):
                if viewer.with_count == with_count:
                    viewer.give(board)
