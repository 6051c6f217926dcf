"""The store's boundary types: what callers get back and what they ask with."""

from datetime import datetime
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_PAGE_SIZE = 10_000


class StoredEvent(BaseModel):
    """A domain event as recorded: the envelope plus its place in the case and in the chain."""

    model_config = ConfigDict(frozen=True)

    seq: int = Field(description="Global sequence number: 1, 2, 3… with no gaps.")
    stream_id: str
    stream_version: int = Field(description="1, 2, 3… within the case.")
    event_id: str
    type: str
    occurred_at: datetime = Field(description="UTC, workflow time.")
    recorded_at: datetime = Field(description="UTC, when the store wrote it.")
    actor: str
    actor_role: str | None = None
    on_behalf_of: str | None = None
    reason: str | None = None
    outcome: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    workflow_id: str | None = None
    run_id: str | None = None
    prev_hash: str
    hash: str


class ChainHead(NamedTuple):
    """The last record's sequence number and hash; (0, 64 zeros) for an empty log."""

    seq: int
    hash: str


class EventFilter(BaseModel):
    """Which events to read. Every criterion is optional; results come in sequence order, one page at a time.

    `since` is inclusive and `until` exclusive, both on occurred_at; `after_seq` is the paging cursor.
    """

    model_config = ConfigDict(frozen=True)

    stream_id: str | None = None
    actor: str | None = None
    type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int = Field(default=0, ge=0)
    limit: int = Field(default=100, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("since", "until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise ValueError("must carry a time zone (UTC)")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> "EventFilter":
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ValueError("until is before since")
        return self


class Page(BaseModel):
    """One page of events and the cursor for the next (None when this was the last page)."""

    model_config = ConfigDict(frozen=True)

    events: list[StoredEvent]
    next_after_seq: int | None = None
