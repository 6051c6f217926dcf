"""A recorded instant read back from an event's payload: a datetime while in memory, ISO text once stored."""

from datetime import datetime


def as_instant(value: str | datetime) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
