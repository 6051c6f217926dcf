"""The scenario file of `govern simulate`: an organisation, a start time, cases, actions, expectations.

See the README's "Scenario format" section; this module is its reference. Times are ISO-8601 with a zone
(`2027-03-01T09:00:00+01:00` or `...Z`). Relative paths are relative to the scenario file.
"""

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from domain.grant.application import GrantApplication
from runtime.file_loading import FileInvalid, invalid, load_mapping, validate

WHAT = "the scenario"


class ScenarioInvalid(FileInvalid):
    """The scenario file (or a file it names) does not load; the message names every problem."""


def _date_as_text(value: Any) -> Any:
    """A date given as a date object (YAML, or a test's dict) becomes the ISO text the plan's fields carry."""
    return value.isoformat() if isinstance(value, date) and not isinstance(value, datetime) else value


IsoDate = Annotated[str, BeforeValidator(_date_as_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PlanOpening(_Strict):
    """A Strategic Plan cycle, as `govern plan start FILE` reads it."""

    start_year: int
    end_year: int
    milestones: dict[str, IsoDate] = Field(description="concept_note_due, consultation_draft_due, final_draft_due")
    consultation_closes: IsoDate
    requested_by: str = "director"

    @property
    def case_id(self) -> str:
        return f"plan/{self.start_year}-{self.end_year}"


class CycleLaunch(_Strict):
    """An appraisal cycle's launch, as `govern appraisal launch` sends it."""

    cycle: int
    actor: str = Field(default="director", alias="as")
    units: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    reporting_to: str | None = None
    people: list[str] = Field(default_factory=list)
    phases: dict[str, date] = Field(default_factory=dict, description="Phase days that replace the defaults.")
    comment: str | None = None

    @property
    def case_id(self) -> str:
        return f"appraisal/{self.cycle}"

    def fields(self) -> dict[str, Any]:
        scope = {"units": self.units, "roles": self.roles, "reporting_to": self.reporting_to, "people": self.people}
        phases = {name: day.isoformat() for name, day in self.phases.items()}
        return {"cycle": self.cycle, "scope": scope, "phases": phases}


class CaseOpening(_Strict):
    kind: Literal["grant", "policy_register", "strategic_plan", "appraisal_cycle"] = "grant"
    at: AwareDatetime | None = Field(default=None, description="When it is submitted; default: the start.")
    application: dict[str, Any] | None = None
    file: Path | None = Field(default=None, description="A grant application file instead of `application`.")
    instrument: str | None = Field(default=None, description="For a policy_register: the instrument's id.")
    plan: PlanOpening | None = Field(default=None, description="For a strategic_plan: its period and milestones.")
    launch: CycleLaunch | None = Field(default=None, description="For an appraisal_cycle: its first launch.")

    @model_validator(mode="after")
    def _one_source(self) -> "CaseOpening":
        if self.kind == "appraisal_cycle":
            if self.launch is None or self.application is not None or self.file is not None:
                raise ValueError("an appraisal_cycle takes 'launch' (and no application)")
        elif self.launch is not None:
            raise ValueError("only an appraisal_cycle takes 'launch'")
        elif self.kind == "strategic_plan":
            if self.plan is None or self.application is not None or self.file is not None:
                raise ValueError("a strategic_plan takes 'plan' (and no application)")
        elif self.kind == "policy_register":
            if self.instrument is None or self.application is not None or self.file is not None:
                raise ValueError("a policy_register takes 'instrument' (and no application)")
        elif (self.application is None) == (self.file is None):
            raise ValueError("give exactly one of 'application' or 'file'")
        return self


class Action(_Strict):
    at: AwareDatetime
    case: str
    action: str
    actor: str = Field(alias="as")
    fields: dict[str, Any] = Field(default_factory=dict)
    comment: str | None = None
    expect: Literal["accepted", "refused"] = "accepted"
    refusal: str | None = Field(default=None, description="Text the refusal sentence must contain.")


class EventExpectation(_Strict):
    """Events of the audit trail: `type` and every key given must match. `on_behalf_of: null` and
    `outcome: null` mean none (a key left out means any); `payload` is a subset match, mappings within it
    too; `count` asks for exactly that many matching events (default: at least one)."""

    case: str | None = None
    type: str
    actor: str | None = None
    on_behalf_of: str | None = None
    outcome: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, description="Payload keys that must have these values.")
    count: int | None = Field(default=None, ge=0, description="Exactly this many matching events.")

    def requires(self, name: str) -> bool:
        """Whether the expectation constrains this envelope field (a null given counts; an omitted key not)."""
        if name in NULL_MEANS_NONE:
            return name in self.model_fields_set
        return getattr(self, name) is not None


#: Envelope fields an event may lack, where `null` in an expectation asks that it be absent.
NULL_MEANS_NONE = ("on_behalf_of", "outcome")


class NoticeExpectation(_Strict):
    """A reminder or an escalation: to whom, for which case and task, and when (UTC `at`, or recipient-local)."""

    to: str
    case: str | None = None
    task: str | None = None
    at: AwareDatetime | None = None
    local: str | None = Field(default=None, description="'YYYY-MM-DD HH:MM' on the recipient's clock.")
    level: int | None = None


class Expectations(_Strict):
    stages: dict[str, str] = Field(default_factory=dict)
    outcomes: dict[str, str] = Field(default_factory=dict)
    events: list[EventExpectation] = Field(default_factory=list)
    absent_events: list[EventExpectation] = Field(default_factory=list)
    reminders: list[NoticeExpectation] = Field(default_factory=list)
    no_reminders: list[NoticeExpectation] = Field(default_factory=list)
    escalations: list[NoticeExpectation] = Field(default_factory=list)
    no_escalations: list[NoticeExpectation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_count_on_absent(self) -> "Expectations":
        for index, expected in enumerate(self.absent_events):
            if expected.count is not None:
                raise ValueError(
                    f"absent_events[{index}] has a count; an absent event appears 0 times (for a number of "
                    "events, put the expectation under events with count: N)"
                )
        return self


class Scenario(_Strict):
    name: str | None = None
    description: str | None = None
    organisation: Path | dict[str, Any] = Field(description="A path to an organisation file, or one inline.")
    start: AwareDatetime
    until: AwareDatetime | None = Field(default=None, description="Run time on to here after the last action.")
    cases: list[CaseOpening] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    expect: Expectations = Field(default_factory=Expectations)

    @model_validator(mode="after")
    def _in_order(self) -> "Scenario":
        for opening in self.cases:
            if opening.at is not None and opening.at < self.start:
                raise ValueError(f"a case opens at {opening.at.isoformat()}, before the start")
        for action in self.actions:
            if action.at < self.start:
                raise ValueError(f"an action at {action.at.isoformat()} comes before the start")
        if self.until is not None and self.until < self.start:
            raise ValueError("'until' is before the start")
        return self


def load_scenario(path: Path) -> tuple[Scenario, Path]:
    """The scenario and the folder its relative paths are resolved from; `ScenarioInvalid` naming every
    problem, in the scenario or in a grant application file it names."""
    try:
        scenario = validate(Scenario, load_mapping(path, WHAT), path, WHAT)
    except FileInvalid as error:
        raise ScenarioInvalid(str(error), error.problems) from None
    base = Path(path).resolve().parent
    problems: list[str] = []
    for index, opening in enumerate(scenario.cases):
        if opening.file is not None:
            try:
                load_application(opening.file, base)
            except FileInvalid as error:
                problems.append(f"cases[{index}].file: {str(error).rstrip('.')}")
    if problems:
        problem = invalid(WHAT, path, problems)
        raise ScenarioInvalid(str(problem), problem.problems)
    return scenario, base


def load_application(file: Path, base: Path) -> dict[str, Any]:
    """A grant application file named by a scenario, as the fields `govern grant submit` would send."""
    path = file if file.is_absolute() else base / file
    data = load_mapping(path, "the application")
    validate(GrantApplication, data, path, "the application")
    return data


def timeline(scenario: Scenario) -> list[tuple[datetime, int, CaseOpening | Action]]:
    """Openings and actions in time order; at the same instant, file order."""
    items: list[tuple[datetime, int, CaseOpening | Action]] = []
    for order, opening in enumerate(scenario.cases):
        items.append((opening.at or scenario.start, order, opening))
    for order, action in enumerate(scenario.actions, start=len(scenario.cases)):
        items.append((action.at, order, action))
    return sorted(items, key=lambda item: (item[0], item[1]))
