"""The actions of one Strategic Plan cycle (`domain.strategic_plan`): each action's fields, and its typed
command. Recording a Board meeting's decision is the Board referral's command (`domain.board_referral`)."""

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.board_referral import RecordMeetingDecision
from domain.command_model import ActionCommand, CommandFamily, NoFields
from domain.document_hash import Sha256


class MilestoneFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    milestone: Literal["concept_note", "consultation_draft", "final_draft"]
    document_sha256: Sha256
    document_name: str = Field(min_length=1)
    consultation_closes: date | None = Field(default=None, description="Consultation draft only: a new close.")


class CommentFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attachment_sha256: Sha256 | None = None


class BoardReviewFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve-for-vote", "revise"]


class PublishFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    targets: str | list[dict[str, Any]]
    milestones: str | list[dict[str, Any]] = ""
    targets_file_sha256: Sha256 | None = None


class SubmitMilestone(ActionCommand[MilestoneFields]):
    fields_model = MilestoneFields
    action: Literal["submit-milestone"] = "submit-milestone"


class Comment(ActionCommand[CommentFields]):
    fields_model = CommentFields
    action: Literal["comment"] = "comment"


class RequestBoardReview(ActionCommand[NoFields]):
    action: Literal["request-board-review"] = "request-board-review"


class BoardReview(ActionCommand[BoardReviewFields]):
    fields_model = BoardReviewFields
    action: Literal["board-review"] = "board-review"


class Publish(ActionCommand[PublishFields]):
    fields_model = PublishFields
    action: Literal["publish"] = "publish"


StrategicPlanCommand = SubmitMilestone | Comment | RequestBoardReview | BoardReview | RecordMeetingDecision | Publish

STRATEGIC_PLAN_COMMANDS: CommandFamily[StrategicPlanCommand] = CommandFamily(
    SubmitMilestone, Comment, RequestBoardReview, BoardReview, RecordMeetingDecision, Publish
)
