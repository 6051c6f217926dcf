"""The domain event: one fact that happened to a governance case.

Every accepted command and every timer that fires becomes one of these. It carries who did what, when, on
behalf of whom, why, and with which outcome. The audit store adds the chain fields (sequence, version,
hashes) and the Temporal ids when it records it.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SYSTEM_ACTOR = "system"


class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    event_id: str = Field(description="Unique id; appending the same id twice is a no-op.")
    stream_id: str = Field(description="The governance case, e.g. 'grant/2027-014'.")
    type: str = Field(description="What happened, e.g. 'GrantSubmitted', 'ReminderSent'.")
    occurred_at: datetime = Field(description="UTC instant, in workflow time.")
    actor: str = Field(description="Person id who acted, or 'system' for timers.")
    actor_role: str | None = None
    on_behalf_of: str | None = None
    reason: str | None = None
    outcome: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def _must_be_aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("occurred_at must carry a time zone (UTC)")
        return value
