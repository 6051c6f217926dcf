"""The events of an instrument's register (`domain.policy_register`), each payload a frozen model.

A value the register does not know yet (the hash of a text it never hashed, the version under review of a
register opened without one) is recorded as null, not left out.
"""

from datetime import date
from typing import Literal

from domain.event_model import EventFamily, EventPayload, Instant


class RegisterOpened(EventPayload):
    """The register starts from the organisation file: the current version, and when its review falls due."""

    type: Literal["RegisterOpened"] = "RegisterOpened"
    instrument: str
    title: str
    owner: str
    review_interval_months: int
    warning_working_days: int
    current_version: str
    last_published_on: date
    next_review_on: date
    next_review_due_at: Instant


class ReviewStarted(EventPayload):
    """A review starts as its own case, because it fell due or because someone started it early."""

    type: Literal["ReviewStarted"] = "ReviewStarted"
    review_case: str
    reason: Literal["due", "early"]
    requested_by: str
    instrument: str
    version_under_review: str | None
    current_sha256: str | None
    due_on: date | None


class VersionRecorded(EventPayload):
    """A closed review published a version (or reaffirmed the current one); the next review is set from it."""

    type: Literal["VersionRecorded"] = "VersionRecorded"
    version: str
    sha256: str | None
    published_on: date
    approver: str | None
    decision_reference: str | None
    reaffirmed: bool
    review_case: str
    next_review_on: date
    next_review_due_at: Instant


class ReviewEnded(EventPayload):
    """A review closed without a publication; the instrument stays due as before."""

    type: Literal["ReviewEnded"] = "ReviewEnded"
    review_case: str
    next_review_on: date


PolicyRegisterEvent = RegisterOpened | ReviewStarted | VersionRecorded | ReviewEnded

POLICY_REGISTER_EVENTS: EventFamily[PolicyRegisterEvent] = EventFamily(
    RegisterOpened, ReviewStarted, VersionRecorded, ReviewEnded
)
