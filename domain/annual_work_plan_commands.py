"""The actions of one Annual Work Plan (`domain.annual_work_plan`): the Director's draft, and the Board
referral's command recording a Board meeting's decision (`domain.board_referral`)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.board_referral import RecordMeetingDecision
from domain.command_model import ActionCommand, CommandFamily
from domain.document_hash import Sha256


class DraftFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_sha256: Sha256
    document_name: str = Field(min_length=1)
    targets: str | list[str] = Field(description="The plan's target ids this plan serves: 'T1,T2' or a list.")


class SubmitDraft(ActionCommand[DraftFields]):
    fields_model = DraftFields
    action: Literal["submit-draft"] = "submit-draft"


AnnualWorkPlanCommand = SubmitDraft | RecordMeetingDecision

ANNUAL_WORK_PLAN_COMMANDS: CommandFamily[AnnualWorkPlanCommand] = CommandFamily(SubmitDraft, RecordMeetingDecision)
