"""The stored and hashed form of an instant: UTC, microseconds, 'Z' (`2027-03-12T16:00:00.000000Z`).

Fixed-width UTC text sorts as time does, so SQL compares and indexes it directly. Its own module, with the
standard library's datetime alone, so that the CLI's lean reads can use it (`store.canonical` has the rest).
"""

from datetime import UTC, datetime


def canonical_time(instant: datetime) -> str:
    """An aware datetime as the stored and hashed text: UTC, microseconds, 'Z'."""
    if instant.tzinfo is not UTC:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("a naive datetime has no canonical UTC form; give it a time zone")
        instant = instant.astimezone(UTC)
    # isoformat of a UTC instant ends in "+00:00"; the canonical form says "Z".
    return instant.isoformat(timespec="microseconds")[:-6] + "Z"


def parse_canonical_time(text: str) -> datetime:
    """The inverse of `canonical_time`."""
    return datetime.fromisoformat(text).astimezone(UTC)
