"""The events of a quarterly report to the Board (`domain.board_report`), each payload a frozen model.

A submission states either the progress (one value per target of the plan) or the key risks, by the report's
kind; the other key is left out.
"""

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.event_model import EventFamily, EventPayload, Instant, omitted_when_none

ReportKind = Literal["progress", "risk"]
Rating = Literal["low", "medium", "high", "critical"]
RATINGS = ("low", "medium", "high", "critical")
RISK_ID = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")


class KeyRisk(BaseModel):
    """One of the Director's key risks, with its rating."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=RISK_ID.pattern)
    title: str = Field(min_length=1)
    rating: Rating


class TargetValue(BaseModel):
    """The value reported for one target of the plan."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: str
    value: str = Field(description="The decimal number as reported, e.g. '3.5'.")


class BoardReportOpened(EventPayload):
    """A quarter's report is opened: whose it is, and (for progress) the plan's targets it reports against."""

    type: Literal["BoardReportOpened"] = "BoardReportOpened"
    report_kind: ReportKind
    plan_case: str
    quarter: str
    quarter_end: date
    responsible: str
    targets: tuple[str, ...]
    working_days: int | None
    requested_by: str


class QuarterlyReportSubmitted(EventPayload):
    """The report goes to the Board: its values or key risks, its document, and whether it came late."""

    type: Literal["QuarterlyReportSubmitted"] = "QuarterlyReportSubmitted"
    report_kind: ReportKind
    quarter: str
    progress: tuple[TargetValue, ...] | None = omitted_when_none()
    risks: tuple[KeyRisk, ...] | None = omitted_when_none()
    document_sha256: str | None
    due_at: Instant | None
    late: bool


class ReportAcknowledged(EventPayload):
    """The Board Chair acknowledges the report for the Management Board."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True, serialize_by_alias=True)

    type: Literal["ReportAcknowledged"] = "ReportAcknowledged"
    report_kind: ReportKind
    quarter: str
    for_: Literal["management_board"] = Field(default="management_board", alias="for")
    submitted_late: bool


BoardReportEvent = BoardReportOpened | QuarterlyReportSubmitted | ReportAcknowledged

BOARD_REPORT_EVENTS: EventFamily[BoardReportEvent] = EventFamily(
    BoardReportOpened, QuarterlyReportSubmitted, ReportAcknowledged
)
