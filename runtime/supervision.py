"""`govern up` supervises what it started: the embedded Temporal server, the worker and the web front.

If one of them stops working, `govern up` stops the rest and exits non-zero with one line naming it, so that a
supervisor (systemd, a container runtime) restarts the whole, rather than running on while reminders and
escalations silently stop.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Watched:
    """A part and how to tell it still works; `misses_allowed` failed checks in a row are tolerated."""

    name: str
    alive: Callable[[], Awaitable[bool]]
    misses_allowed: int = 0


async def watch(parts: list[Watched], stop: asyncio.Event, interval: float = 1.0) -> str | None:
    """Until `stop` is set: check each part every `interval` seconds; the name of the first part that failed
    more checks in a row than it is allowed (and `stop` is then set), or None on an ordinary stop."""
    misses = {part.name: 0 for part in parts}
    while not stop.is_set():
        for part in parts:
            try:
                alive = await asyncio.wait_for(part.alive(), timeout=max(interval, 1.0) * 2)
            except Exception:  # noqa: BLE001 - a check that cannot even answer is a failed check
                alive = False
            misses[part.name] = 0 if alive else misses[part.name] + 1
            if misses[part.name] > part.misses_allowed:
                stop.set()
                return part.name
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
    return None
