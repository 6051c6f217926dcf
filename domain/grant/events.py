"""The events of a Multi-Donor Fund grant (`domain.grant`), each payload a frozen model.

The Board's request and its recorded decision are the shared Board referral's events (`domain.board_request`),
and the steps' events are `domain.timed_step`'s: neither is among these.
"""

from datetime import date
from decimal import Decimal
from typing import Literal

from domain.event_model import EventFamily, EventPayload, omitted_when_none
from domain.grant.application import GrantApplication


class GrantSubmitted(EventPayload):
    """The application, its USD amount at the rate recorded on the case, and the approval route it takes."""

    type: Literal["GrantSubmitted"] = "GrantSubmitted"
    application: GrantApplication
    amount_usd: Decimal
    fx_rate_to_usd: Decimal
    approver_role: str | None
    authorised_roles: tuple[str, ...]
    needs_board: bool
    band: str


class EligibilityScreened(EventPayload):
    type: Literal["EligibilityScreened"] = "EligibilityScreened"
    screener: str


class InformationProvided(EventPayload):
    type: Literal["InformationProvided"] = "InformationProvided"


class ReviewersAssigned(EventPayload):
    type: Literal["ReviewersAssigned"] = "ReviewersAssigned"
    reviewers: tuple[str, ...]


class InterestsDeclared(EventPayload):
    type: Literal["InterestsDeclared"] = "InterestsDeclared"
    reviewer: str
    conflict: bool


class TechnicalReviewSubmitted(EventPayload):
    type: Literal["TechnicalReviewSubmitted"] = "TechnicalReviewSubmitted"
    reviewer: str
    score: int
    recommendation: str


class ApprovalRouted(EventPayload):
    type: Literal["ApprovalRouted"] = "ApprovalRouted"
    approver_role: str | None
    needs_board: bool
    band: str | None


class DirectorEndorsed(EventPayload):
    type: Literal["DirectorEndorsed"] = "DirectorEndorsed"
    by: str


class GrantApproved(EventPayload):
    """`by` is the approver's id, or 'board'; a Board approval states no band."""

    type: Literal["GrantApproved"] = "GrantApproved"
    by: str | None = omitted_when_none()  # always recorded; read as optional, as the fold always has
    band: str | None = omitted_when_none()


class GrantRejected(EventPayload):
    type: Literal["GrantRejected"] = "GrantRejected"
    by: str


class GrantAgreementSigned(EventPayload):
    type: Literal["GrantAgreementSigned"] = "GrantAgreementSigned"
    signed_on: date


class TrancheReleased(EventPayload):
    """Tranche `tranche` of `of`, in the application's currency."""

    type: Literal["TrancheReleased"] = "TrancheReleased"
    tranche: int
    of: int
    amount: Decimal
    currency: str


class ProgressReportSubmitted(EventPayload):
    type: Literal["ProgressReportSubmitted"] = "ProgressReportSubmitted"
    report: int


class ProgressReportReviewed(EventPayload):
    type: Literal["ProgressReportReviewed"] = "ProgressReportReviewed"
    report: int


class FinalReportSubmitted(EventPayload):
    type: Literal["FinalReportSubmitted"] = "FinalReportSubmitted"


class FinalReportReviewed(EventPayload):
    type: Literal["FinalReportReviewed"] = "FinalReportReviewed"


class GrantWithdrawn(EventPayload):
    type: Literal["GrantWithdrawn"] = "GrantWithdrawn"


GrantEvent = (
    GrantSubmitted
    | EligibilityScreened
    | InformationProvided
    | ReviewersAssigned
    | InterestsDeclared
    | TechnicalReviewSubmitted
    | ApprovalRouted
    | DirectorEndorsed
    | GrantApproved
    | GrantRejected
    | GrantAgreementSigned
    | TrancheReleased
    | ProgressReportSubmitted
    | ProgressReportReviewed
    | FinalReportSubmitted
    | FinalReportReviewed
    | GrantWithdrawn
)

GRANT_EVENTS: EventFamily[GrantEvent] = EventFamily(
    GrantSubmitted,
    EligibilityScreened,
    InformationProvided,
    ReviewersAssigned,
    InterestsDeclared,
    TechnicalReviewSubmitted,
    ApprovalRouted,
    DirectorEndorsed,
    GrantApproved,
    GrantRejected,
    GrantAgreementSigned,
    TrancheReleased,
    ProgressReportSubmitted,
    ProgressReportReviewed,
    FinalReportSubmitted,
    FinalReportReviewed,
    GrantWithdrawn,
)
