"""The actions of one review of a governance instrument (`domain.policy_review`): each action's fields, and its
typed command. `acknowledge` and `add-attestation` are the staff attestation's (`domain.attestation`)."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.board_request import MeetingFields
from domain.command_model import ActionCommand, CommandFamily, NoFields


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RevisionFields(_Fields):
    document_sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="SHA-256 of the stored document.")
    document_name: str = Field(min_length=1)
    change_summary: str = Field(min_length=1)
    version: str | None = Field(default=None, pattern=r"^[0-9]+(\.[0-9]+)*$")


class ComplianceFields(_Fields):
    decision: Literal["accept", "request-changes"]


class EndorseFields(_Fields):
    decision: Literal["approve", "return"]


class PublishFields(_Fields):
    published_on: date | None = None


class AttestationFields(_Fields):
    person: str = Field(min_length=1)


class Reaffirm(ActionCommand[NoFields]):
    action: Literal["reaffirm"] = "reaffirm"


class SubmitRevision(ActionCommand[RevisionFields]):
    fields_model = RevisionFields
    action: Literal["submit-revision"] = "submit-revision"


class ComplianceReview(ActionCommand[ComplianceFields]):
    fields_model = ComplianceFields
    action: Literal["compliance-review"] = "compliance-review"


class Endorse(ActionCommand[EndorseFields]):
    fields_model = EndorseFields
    action: Literal["endorse"] = "endorse"


class RecordMeetingDecision(ActionCommand[MeetingFields]):
    fields_model = MeetingFields
    action: Literal["record-meeting-decision"] = "record-meeting-decision"


class Publish(ActionCommand[PublishFields]):
    fields_model = PublishFields
    action: Literal["publish"] = "publish"


class Acknowledge(ActionCommand[NoFields]):
    action: Literal["acknowledge"] = "acknowledge"


class AddAttestation(ActionCommand[AttestationFields]):
    fields_model = AttestationFields
    action: Literal["add-attestation"] = "add-attestation"


PolicyReviewCommand = (
    Reaffirm
    | SubmitRevision
    | ComplianceReview
    | Endorse
    | RecordMeetingDecision
    | Publish
    | Acknowledge
    | AddAttestation
)

POLICY_REVIEW_COMMANDS: CommandFamily[PolicyReviewCommand] = CommandFamily(
    Reaffirm,
    SubmitRevision,
    ComplianceReview,
    Endorse,
    RecordMeetingDecision,
    Publish,
    Acknowledge,
    AddAttestation,
)
