"""The actions of a quarterly report to the Board (`domain.board_report`): each action's fields, and its typed
command. What a submission gives depends on the report's kind: progress against the targets, or key risks."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.board_report_events import ReportKind
from domain.command_model import ActionCommand, CommandFamily, NoFields
from domain.document_hash import Sha256


class ProgressFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    progress: str | dict[str, Any] = Field(description="TARGET=value;... or a mapping.")
    document_sha256: Sha256 | None = None


class RiskFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    risks: str | list[dict[str, Any]] = Field(description="ID=description:rating;... or a list.")
    document_sha256: Sha256 | None = None


#: The fields of `submit-report`, by the report's kind.
SUBMISSION_FIELDS: dict[ReportKind, type[ProgressFields | RiskFields]] = {
    "progress": ProgressFields,
    "risk": RiskFields,
}


class SubmitReport(ActionCommand[ProgressFields | RiskFields]):
    fields_model = ProgressFields  # a risk report's case asks `RiskFields` instead (SUBMISSION_FIELDS)
    action: Literal["submit-report"] = "submit-report"


class Acknowledge(ActionCommand[NoFields]):
    action: Literal["acknowledge"] = "acknowledge"


BoardReportCommand = SubmitReport | Acknowledge

BOARD_REPORT_COMMANDS: CommandFamily[BoardReportCommand] = CommandFamily(SubmitReport, Acknowledge)
