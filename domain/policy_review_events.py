"""The events of one review of a governance instrument (`domain.policy_review`), each payload a frozen model.

The approval chain's events are the review's own; the staff attestation's two (`AttestationAdded`,
`PolicyAcknowledged`) are stated by `domain.attestation` and belong to the same family, since they are
recorded on the review's case. A key without a value is recorded as null, not left out. The Board's events
(`BoardDecisionRequested`, `BoardDecisionRecorded`) are the Board referral's (`domain.board_referral`).
"""

from datetime import date
from typing import Literal

from domain.event_model import EventFamily, EventPayload


class PolicyReviewOpened(EventPayload):
    type: Literal["PolicyReviewOpened"] = "PolicyReviewOpened"
    instrument: str
    title: str
    owner: str
    reason: Literal["due", "early"]
    requested_by: str
    version_under_review: str
    current_sha256: str | None = None
    approving_body: Literal["director", "board"]
    board_procedure: str | None = None
    review_interval_months: int
    attestation_working_days: int
    attestation_scope: tuple[str, ...]


class InstrumentReaffirmed(EventPayload):
    type: Literal["InstrumentReaffirmed"] = "InstrumentReaffirmed"
    version: str
    sha256: str | None


class RevisionSubmitted(EventPayload):
    type: Literal["RevisionSubmitted"] = "RevisionSubmitted"
    version: str
    sha256: str
    name: str
    change_summary: str


class ComplianceReviewAccepted(EventPayload):
    type: Literal["ComplianceReviewAccepted"] = "ComplianceReviewAccepted"
    version: str
    sha256: str


class ChangesRequested(EventPayload):
    type: Literal["ChangesRequested"] = "ChangesRequested"
    version: str
    sha256: str


class DirectorEndorsed(EventPayload):
    type: Literal["DirectorEndorsed"] = "DirectorEndorsed"
    by: str
    version: str
    sha256: str | None


class ReturnedToOwner(EventPayload):
    type: Literal["ReturnedToOwner"] = "ReturnedToOwner"
    from_stage: str
    version: str | None


class InstrumentApproved(EventPayload):
    type: Literal["InstrumentApproved"] = "InstrumentApproved"
    by: Literal["director", "board"]
    approver: str
    version: str
    sha256: str | None
    reaffirmed: bool
    decision_reference: str


class ApprovalsRestarted(EventPayload):
    type: Literal["ApprovalsRestarted"] = "ApprovalsRestarted"
    from_stage: str
    previous_version: str | None
    previous_sha256: str | None
    new_version: str
    new_sha256: str
    superseded_board_case: str | None
    superseded_approval: str | None


class InstrumentPublished(EventPayload):
    type: Literal["InstrumentPublished"] = "InstrumentPublished"
    instrument: str
    version: str
    sha256: str | None
    document_name: str | None = None
    published_on: date
    next_review_on: date
    approver: str
    approved_by: Literal["director", "board"]
    decision_reference: str
    reaffirmed: bool
    attestation_scope: tuple[str, ...]
    joining_later: dict[str, date]


class AttestationAdded(EventPayload):
    type: Literal["AttestationAdded"] = "AttestationAdded"
    person: str
    version: str


class PolicyAcknowledged(EventPayload):
    type: Literal["PolicyAcknowledged"] = "PolicyAcknowledged"
    person: str
    version: str


PolicyReviewEvent = (
    PolicyReviewOpened
    | InstrumentReaffirmed
    | RevisionSubmitted
    | ComplianceReviewAccepted
    | ChangesRequested
    | DirectorEndorsed
    | ReturnedToOwner
    | InstrumentApproved
    | ApprovalsRestarted
    | InstrumentPublished
    | AttestationAdded
    | PolicyAcknowledged
)

POLICY_REVIEW_EVENTS: EventFamily[PolicyReviewEvent] = EventFamily(
    PolicyReviewOpened,
    InstrumentReaffirmed,
    RevisionSubmitted,
    ComplianceReviewAccepted,
    ChangesRequested,
    DirectorEndorsed,
    ReturnedToOwner,
    InstrumentApproved,
    ApprovalsRestarted,
    InstrumentPublished,
    AttestationAdded,
    PolicyAcknowledged,
)
