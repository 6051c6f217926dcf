"""The web front's clock: the wall clock, or one a test moves (a link that must expire, a session gone idle)."""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)
