"""What crosses the boundary of a case workflow: how it is opened, and what an accepted command returns."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from domain.commands import Command


class OpenCase(BaseModel):
    case_id: str
    command: Command = Field(description="The opening command, e.g. a grant submission.")
    clock_offset_seconds: float = Field(
        default=0.0,
        description="Scenario time minus server time. Zero in production; `govern simulate` sets it so that a "
        "scenario dated in any year runs on the time-skipping server.",
    )
    parent_case: str | None = None


class OpenTask(BaseModel):
    task_id: str
    kind: str
    title: str
    assignee: str
    action: str
    due_at: datetime | None


class CaseView(BaseModel):
    case_id: str
    kind: str
    stage: str
    version: int
    closed: bool
    outcome: str | None
    open_tasks: list[OpenTask]
    next_wake: datetime | None = Field(default=None, description="The next recorded reminder/escalation/deadline.")
    children: list[str] = Field(default_factory=list, description="Child cases this case started (Board decisions).")
    summary: dict[str, Any] = Field(default_factory=dict)


class ActResult(BaseModel):
    case_id: str
    accepted: bool = True
    events: list[str] = Field(default_factory=list, description="Types of the events this command recorded.")
    stage: str
    closed: bool
    outcome: str | None = None
    # What a caller needs to know whether the case has moved on since (`govern simulate`'s settle); results
    # recorded before these fields have none.
    version: int | None = Field(default=None, description="The case's version once the command was recorded.")
    next_wake: datetime | None = Field(default=None, description="The case's next reminder, escalation or deadline.")
    children: list[str] = Field(default_factory=list, description="Child cases the case has started.")


class OpenBoardDecision(BaseModel):
    """A parent case asks the Management Board to decide (no-objection procedure or electronic vote)."""

    case_id: str
    procedure: str
    matter: str
    parent_case: str
    requested_by: str
    conflicted: list[str] = Field(default_factory=list)
    clock_offset_seconds: float = 0.0


class OpenPolicyReview(BaseModel):
    """The register asks for one review of its instrument."""

    case_id: str
    instrument: str
    reason: str
    requested_by: str
    current_version: str | None = None
    current_sha256: str | None = None
    comment: str | None = None
    clock_offset_seconds: float = 0.0


class OpenRegister(BaseModel):
    """An instrument's register; `state` carries it across continue-as-new (it is also its audit trail's fold)."""

    case_id: str
    instrument: str
    clock_offset_seconds: float = 0.0
    state: dict[str, Any] | None = None


class OpenPlan(BaseModel):
    """A Strategic Plan cycle; after publication the same workflow opens the plan's yearly cases."""

    case_id: str
    start_year: int
    end_year: int
    milestones: dict[str, str] = Field(description="concept_note_due, consultation_draft_due, final_draft_due.")
    consultation_closes: str
    requested_by: str
    clock_offset_seconds: float = 0.0
    state: dict[str, Any] | None = None
    next_year: int | None = Field(default=None, description="Across continue-as-new: the year to open next.")


class OpenPlanCase(BaseModel):
    """An Annual Work Plan or a quarterly report of an approved plan."""

    case_id: str
    kind: str
    year: int
    targets: list[str] = Field(default_factory=list)
    requested_by: str = "system"
    clock_offset_seconds: float = 0.0


class OpenAppraisalCycle(BaseModel):
    """One year's appraisal cycle; launches arrive as `act` updates with the action `launch`."""

    case_id: str
    cycle: int
    clock_offset_seconds: float = 0.0
    state: dict[str, Any] | None = Field(
        default=None, description="The cycle as its audit trail says, when a new run takes over from an ended one."
    )


class OpenAppraisal(BaseModel):
    """One person's appraisal in a launched cycle, under the cycle's phase dates."""

    case_id: str
    cycle: int
    person: str
    phases: dict[str, Any]
    launched_by: str
    clock_offset_seconds: float = 0.0
