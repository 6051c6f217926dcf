"""The rules of a Multi-Donor Fund grant, from submission to closure.

Stages: screening (with an optional request for more information on the applicant's clock), reviewer
assignment, conflict-of-interest declarations, two independent technical reviews, approval by the authority
the delegation-of-authority matrix names for the USD amount (above the Director's limit: a Director
endorsement, then a Board no-objection procedure), the grant agreement, disbursement in tranches gated by
approved progress reports, the final report, closure. Rejection or withdrawal ends the case with its reason.

The seams, one module each: `intake` (the application and its screening), `review` (reviewers, declarations,
technical reviews), `approval` (the delegation of authority and the Board), `disbursement` (agreement, tranches,
reports), `duties` (who may take which part), `state`, and the `decider` that composes them; `events` and
`commands` are the grant's typed events and actions. What the rest of the tree uses is named here.
"""

from domain.command_model import NoFields
from domain.grant.application import GrantApplication
from domain.grant.commands import (
    AssignReviewersFields,
    DecisionFields,
    DeclareFields,
    ReleaseFields,
    ReportReviewFields,
    ReviewFields,
    ScreenFields,
    SignFields,
)
from domain.grant.decider import (
    AGREEMENT_SIGNED,
    APPROVED,
    BOARD_RECORDED,
    BOARD_REQUESTED,
    ENDORSED,
    FINAL_REVIEWED,
    FINAL_SUBMITTED,
    GRANT,
    INFORMATION_PROVIDED,
    INTERESTS_DECLARED,
    REJECTED,
    REPORT_REVIEWED,
    REPORT_SUBMITTED,
    REVIEW_SUBMITTED,
    REVIEWERS_ASSIGNED,
    ROUTED,
    SCREENED,
    SUBMITTED,
    TRANCHE_RELEASED,
    WITHDRAWN,
    GrantDecider,
)
from domain.grant.events import GRANT_EVENTS
from domain.grant.intake import validate_application
from domain.grant.state import KIND, REVIEWERS_NEEDED, GrantState, Review

__all__ = [
    "AssignReviewersFields",
    "DecisionFields",
    "DeclareFields",
    "ReleaseFields",
    "ReportReviewFields",
    "ReviewFields",
    "ScreenFields",
    "SignFields",
    "AGREEMENT_SIGNED",
    "APPROVED",
    "BOARD_RECORDED",
    "BOARD_REQUESTED",
    "ENDORSED",
    "FINAL_REVIEWED",
    "FINAL_SUBMITTED",
    "GRANT",
    "INFORMATION_PROVIDED",
    "INTERESTS_DECLARED",
    "REJECTED",
    "REPORT_REVIEWED",
    "REPORT_SUBMITTED",
    "REVIEW_SUBMITTED",
    "REVIEWERS_ASSIGNED",
    "ROUTED",
    "SCREENED",
    "SUBMITTED",
    "TRANCHE_RELEASED",
    "WITHDRAWN",
    "GrantDecider",
    "NoFields",
    "GrantApplication",
    "GRANT_EVENTS",
    "validate_application",
    "KIND",
    "REVIEWERS_NEEDED",
    "GrantState",
    "Review",
]
