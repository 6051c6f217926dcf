"""The events and the action of one year's appraisal cycle (`domain.appraisal_cycle`)."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.appraisal_phases import PhaseDates
from domain.command_model import ActionCommand, CommandFamily
from domain.event_model import EventFamily, EventPayload


class Scope(BaseModel):
    """Who a launch is for; empty means all staff. Within a list any entry matches; across lists all must."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    units: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    reporting_to: str | None = None
    people: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = []
        if self.units:
            parts.append("unit " + " or ".join(self.units))
        if self.roles:
            parts.append("role " + " or ".join(self.roles))
        if self.reporting_to:
            parts.append(f"reporting to {self.reporting_to}")
        if self.people:
            parts.append("people " + ", ".join(self.people))
        return "; ".join(parts) or "all staff"


class Skipped(BaseModel):
    """Someone in scope who is not launched, and why."""

    model_config = ConfigDict(frozen=True)

    person: str
    reason: str


# -- events -----------------------------------------------------------------------------------------------------
class AppraisalCycleOpened(EventPayload):
    """The first launch: the cycle's phase dates, which every later launch keeps."""

    type: Literal["AppraisalCycleOpened"] = "AppraisalCycleOpened"
    cycle: int
    phases: PhaseDates


class AppraisalsLaunched(EventPayload):
    """A launch: who it opened an appraisal for, who was already in the cycle, and who could not be."""

    type: Literal["AppraisalsLaunched"] = "AppraisalsLaunched"
    cycle: int
    scope: Scope
    people: tuple[str, ...]
    cases: tuple[str, ...]
    already_in_cycle: tuple[str, ...]
    skipped: tuple[Skipped, ...]


AppraisalCycleEvent = AppraisalCycleOpened | AppraisalsLaunched

APPRAISAL_CYCLE_EVENTS: EventFamily[AppraisalCycleEvent] = EventFamily(AppraisalCycleOpened, AppraisalsLaunched)


# -- the action -------------------------------------------------------------------------------------------------
class LaunchFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cycle: int = Field(ge=2000, le=2100)
    scope: Scope = Field(default_factory=Scope)
    phases: dict[str, date] = Field(default_factory=dict, description="Phase days that replace the defaults.")


class Launch(ActionCommand[LaunchFields]):
    fields_model = LaunchFields
    action: Literal["launch"] = "launch"


AppraisalCycleCommand = Launch

APPRAISAL_CYCLE_COMMANDS: CommandFamily[AppraisalCycleCommand] = CommandFamily(Launch)
