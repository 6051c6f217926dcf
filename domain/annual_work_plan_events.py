"""The events of one Annual Work Plan (`domain.annual_work_plan`), each payload a frozen model.

Instants are kept as the ISO text they were recorded with (`as_instant` reads them). The Board's vote is the
Board referral's events (`domain.board_request`) and each step's are the timed step's: neither is in this
family.
"""

from datetime import date
from typing import Literal

from domain.event_model import EventFamily, EventPayload, omitted_when_none


class AnnualWorkPlanOpened(EventPayload):
    type: Literal["AnnualWorkPlanOpened"] = "AnnualWorkPlanOpened"
    plan_case: str
    fiscal_year: int
    fiscal_year_starts_on: date
    draft_weeks_before: int
    draft_due_at: str
    draft_due_on: date | None = omitted_when_none()  # the nominal days: not recorded by plans opened before
    approval_due_at: str
    approval_due_on: date | None = omitted_when_none()
    plan_targets: tuple[str, ...]
    director: str
    requested_by: str


class AnnualWorkPlanDraftSubmitted(EventPayload):
    type: Literal["AnnualWorkPlanDraftSubmitted"] = "AnnualWorkPlanDraftSubmitted"
    version: int
    document_sha256: str
    document_name: str
    targets: tuple[str, ...]
    due_at: str | None
    late: bool


class AnnualWorkPlanApproved(EventPayload):
    type: Literal["AnnualWorkPlanApproved"] = "AnnualWorkPlanApproved"
    by: Literal["board"] = "board"
    reference: str
    version: int
    document_sha256: str | None
    document_name: str | None
    targets: tuple[str, ...]
    fiscal_year: int | None
    before_fiscal_year: bool


AnnualWorkPlanEvent = AnnualWorkPlanOpened | AnnualWorkPlanDraftSubmitted | AnnualWorkPlanApproved

ANNUAL_WORK_PLAN_EVENTS: EventFamily[AnnualWorkPlanEvent] = EventFamily(
    AnnualWorkPlanOpened, AnnualWorkPlanDraftSubmitted, AnnualWorkPlanApproved
)
