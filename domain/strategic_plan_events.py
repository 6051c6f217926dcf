"""The events of one Strategic Plan cycle (`domain.strategic_plan`), each payload a frozen model.

Instants are kept as the ISO text they were recorded with (`as_instant` reads them), so that a payload dumps
back to the very text the store hashed. The Board's vote is the Board referral's events (`domain.board_request`)
and each step's are the timed step's: neither is in this family.
"""

from datetime import date
from typing import Literal

from domain.event_model import EventFamily, EventPayload, omitted_when_none
from domain.plan_targets import PlanMilestone, Target

Milestone = Literal["concept_note", "consultation_draft", "final_draft"]


class StrategicPlanOpened(EventPayload):
    type: Literal["StrategicPlanOpened"] = "StrategicPlanOpened"
    period: str
    period_start_year: int
    period_end_year: int
    milestones_due: dict[str, str]
    milestone_dates: dict[str, date] | None = omitted_when_none()  # not recorded by cycles opened before it was
    consultation_closes_on: date
    director: str
    requested_by: str


class MilestoneSubmitted(EventPayload):
    type: Literal["MilestoneSubmitted"] = "MilestoneSubmitted"
    milestone: Milestone
    version: int
    document_sha256: str
    document_name: str
    due_at: str | None
    late: bool | None = omitted_when_none()  # not recorded by submissions before it was


class ConsultationOpened(EventPayload):
    type: Literal["ConsultationOpened"] = "ConsultationOpened"
    closes_at: str
    closes_on: date
    members: tuple[str, ...]
    document_sha256: str
    document_name: str


class MemberCommentReceived(EventPayload):
    type: Literal["MemberCommentReceived"] = "MemberCommentReceived"
    member: str
    comment: str
    number: int
    document_sha256: str
    attachment_sha256: str | None


class ConsultationClosed(EventPayload):
    type: Literal["ConsultationClosed"] = "ConsultationClosed"
    comments: int
    commenters: tuple[str, ...]
    silent: tuple[str, ...]
    closes_at: str | None


class BoardReviewRequested(EventPayload):
    type: Literal["BoardReviewRequested"] = "BoardReviewRequested"
    version: int
    document_sha256: str
    document_name: str
    reviewer: str


class BoardReviewCompleted(EventPayload):
    type: Literal["BoardReviewCompleted"] = "BoardReviewCompleted"
    decision: Literal["approve-for-vote", "revise"]
    version: int
    review: int


class StrategicPlanApproved(EventPayload):
    type: Literal["StrategicPlanApproved"] = "StrategicPlanApproved"
    by: Literal["board"] = "board"
    reference: str
    version: int
    document_sha256: str
    document_name: str


class StrategicPlanPublished(EventPayload):
    type: Literal["StrategicPlanPublished"] = "StrategicPlanPublished"
    period: str
    version: int | None
    document_sha256: str
    document_name: str
    approved_by: str | None
    targets: tuple[Target, ...]
    milestones: tuple[PlanMilestone, ...]
    targets_file_sha256: str | None


StrategicPlanEvent = (
    StrategicPlanOpened
    | MilestoneSubmitted
    | ConsultationOpened
    | MemberCommentReceived
    | ConsultationClosed
    | BoardReviewRequested
    | BoardReviewCompleted
    | StrategicPlanApproved
    | StrategicPlanPublished
)

STRATEGIC_PLAN_EVENTS: EventFamily[StrategicPlanEvent] = EventFamily(
    StrategicPlanOpened,
    MilestoneSubmitted,
    ConsultationOpened,
    MemberCommentReceived,
    ConsultationClosed,
    BoardReviewRequested,
    BoardReviewCompleted,
    StrategicPlanApproved,
    StrategicPlanPublished,
)
