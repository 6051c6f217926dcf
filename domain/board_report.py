"""The quarterly reports to the Management Board: progress against the Strategic Plan's targets, and key risks.

One decider for both kinds, told apart by the case id:

- `plan/<period>/report/<year>-Q<n>`: the progress report, one value for every target of the plan;
- `plan/<period>/risk/<year>-Q<n>`: the risk report, the Director's key risks, each with a rating.

`<year>` is the fiscal year (the one that starts in that calendar year) and `Q<n>` its quarter, so with a
fiscal year starting on 1 July, `2029-Q1` ends on 30 September 2029. `quarterly_schedule` gives a workflow
the four quarters of a year to open the eight cases.

The report is due a number of working days after the quarter ends (the step plan `quarterly_report` or
`risk_report`, or an override at opening), counted on the responsible person's hub calendar from the quarter's
last day, so the due date does not depend on when the case happens to open. The responsible person is the
Director unless the opening (or a later `reassign`) names a delegate in the Secretariat; the Director may
submit in any case, being the one who reports to the Board. Reminders go to the responsible person. A late
report escalates to the Director and is flagged to the Chair (the step plan's escalations to `director` and
`board_chair`; when the Director is the responsible person, the escalation to the Director is left out, since
they are the one who is late, and the Chair is flagged).

The Board Chair acknowledges each report on behalf of the Board, and the case closes `acknowledged`.
"""

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from pydantic import Field

from domain import board_report_events as events
from domain import timed_step
from domain.acting import require_known_person
from domain.board_report_commands import BOARD_REPORT_COMMANDS, SUBMISSION_FIELDS, Acknowledge, SubmitReport

# Each action's fields, as the action table (`domain.action_table`) names them here.
from domain.board_report_commands import ProgressFields as ProgressFields
from domain.board_report_commands import RiskFields as RiskFields
from domain.board_report_events import BOARD_REPORT_EVENTS, RATINGS, KeyRisk, ReportKind
from domain.board_report_events import RISK_ID as _RISK_ID
from domain.calendar_months import add_months
from domain.case import CaseState, Context, acting_on, close_case, handler_for
from domain.command_model import NoFields as NoFields
from domain.commands import Command, EventDraft
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.plan_period import plan_years
from domain.plan_targets import PlanFormatError, listing, split_entries
from domain.step_events import STEP_EVENTS, TaskOpened, TaskReassigned
from domain.working_days import local_instant, zone_for

KIND = "board_report"

# The event types, as the typed events of `domain.board_report_events` name them.
OPENED = events.BoardReportOpened.model_fields["type"].default
SUBMITTED = events.QuarterlyReportSubmitted.model_fields["type"].default
ACKNOWLEDGED = events.ReportAcknowledged.model_fields["type"].default

# Step kinds and task ids
STEP_KINDS: dict[str, str] = {"progress": "quarterly_report", "risk": "risk_report"}
ACKNOWLEDGEMENT_KIND = "report_acknowledgement"
REPORT_TASK = "report"
ACKNOWLEDGEMENT_TASK = "acknowledgement"

_PATH = {"progress": "report", "risk": "risk"}
_REPORT_CASE = re.compile(r"^(plan/\d{4}-\d{4})/(report|risk)/(\d{4})-Q([1-4])$")


# -- the quarters of a fiscal year ------------------------------------------------------------------------------
class ReportDueRule(NamedTuple):
    """When a quarter's report is due: `working_days` after `quarter_end` on the responsible person's calendar
    (None: the step plan's working days for the report kind)."""

    quarter_end: date
    working_days: int | None = None

    def describe(self) -> str:
        days = f"{self.working_days} working days" if self.working_days else "the step plan's working days"
        return f"{days} after {self.quarter_end.isoformat()}"


class QuarterSlot(NamedTuple):
    label: str
    quarter_end: date
    due: ReportDueRule

    @property
    def quarter(self) -> int:
        return int(self.label[-1])


def quarterly_schedule(fiscal_year_start: date, year: int, working_days: int | None = None) -> list[QuarterSlot]:
    """The four quarters of the fiscal year that starts in `year` on `fiscal_year_start`'s month and day.

    `quarterly_schedule(organisation.fiscal_year_start_in(2029), 2029)` with a 1 January start gives
    2029-Q1 ending 2029-03-31, ..., 2029-Q4 ending 2029-12-31."""
    starts = date(year, fiscal_year_start.month, fiscal_year_start.day)
    slots = []
    for quarter in range(1, 5):
        quarter_end = add_months(starts, 3 * quarter) - timedelta(days=1)
        slots.append(QuarterSlot(f"{year}-Q{quarter}", quarter_end, ReportDueRule(quarter_end, working_days)))
    return slots


def report_case_id(plan_case: str, report_kind: ReportKind, label: str) -> str:
    """`plan/2028-2032/report/2029-Q1` (progress) or `plan/2028-2032/risk/2029-Q1` (risk)."""
    return f"{plan_case}/{_PATH[report_kind]}/{label}"


# -- report contents as `--field` text ---------------------------------------------------------------------------
PROGRESS_FORMAT = "TARGET=value, entries separated by ';' (e.g. T1=12;T2=3.5)"
RISKS_FORMAT = f"ID=description:rating with rating one of {', '.join(RATINGS)}, entries separated by ';'"


def parse_progress(text: str) -> dict[str, Decimal]:
    """`T1=12;T2=3.5` as target id -> value; raises `PlanFormatError` with a sentence."""
    progress: dict[str, Decimal] = {}
    for number, entry in enumerate(split_entries(text), 1):
        key, sep, value = (part.strip() for part in entry.partition("="))
        if not sep or not key or not value:
            raise PlanFormatError(f"Entry {number} ('{entry}') is not in the form {PROGRESS_FORMAT}.")
        if key in progress:
            raise PlanFormatError(f"Target {key} is reported twice.")
        progress[key] = _number(value, number, entry)
    return progress


def parse_risks(text: str) -> list[KeyRisk]:
    """`R1=Core funding shortfall:high;R2=...` as key risks; raises `PlanFormatError` with a sentence."""
    risks = []
    for number, entry in enumerate(split_entries(text), 1):
        key, sep, rest = (part.strip() for part in entry.partition("="))
        title, colon, rating = rest.rpartition(":")
        if not sep or not _RISK_ID.match(key) or not colon or not title.strip():
            raise PlanFormatError(f"Entry {number} ('{entry}') is not in the form {RISKS_FORMAT}.")
        if rating.strip().lower() not in RATINGS:
            raise PlanFormatError(
                f"Entry {number} ('{entry}'): '{rating.strip()}' is not a rating ({', '.join(RATINGS)})."
            )
        risks.append(KeyRisk(id=key, title=title.strip(), rating=rating.strip().lower()))
    _unique([risk.id for risk in risks])
    return risks


def _number(text: str, number: int, entry: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except ArithmeticError:
        raise PlanFormatError(f"Entry {number} ('{entry}'): '{text}' is not a number.") from None
    if not value.is_finite():
        raise PlanFormatError(f"Entry {number} ('{entry}'): '{text}' is not a number.")
    return value


def _unique(ids: list[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise PlanFormatError(f"Risk {item} is listed twice.")
        seen.add(item)


def progress_from(value: str | dict[str, Any]) -> dict[str, Decimal]:
    if isinstance(value, str):
        return parse_progress(value)
    return {
        str(key): _number(str(item), number, f"{key}={item}") for number, (key, item) in enumerate(value.items(), 1)
    }


def risks_from(value: str | list[dict[str, Any]]) -> list[KeyRisk]:
    if isinstance(value, str):
        return parse_risks(value)
    risks = []
    for number, item in enumerate(value, 1):
        try:
            risks.append(KeyRisk.model_validate(item))
        except ValueError:
            raise PlanFormatError(
                f"Risk {number} is not a risk with id, title and rating ({', '.join(RATINGS)})."
            ) from None
    _unique([risk.id for risk in risks])
    return risks


# -- state ----------------------------------------------------------------------------------------------------
class BoardReportState(CaseState):
    kind: str = KIND
    report_kind: ReportKind | None = None
    plan_case: str | None = None
    quarter: str | None = None
    quarter_end: date | None = None
    responsible: str | None = None
    targets: tuple[str, ...] = ()
    progress: dict[str, Decimal] = Field(default_factory=dict)
    risks: tuple[KeyRisk, ...] = ()
    document_sha256: str | None = None
    submitted_at: datetime | None = None
    submitted_late: bool = False
    acknowledged_by: str | None = None

    @property
    def title(self) -> str:
        period = (self.plan_case or "plan/?").removeprefix("plan/")
        if self.report_kind == "risk":
            return f"risk report {self.quarter} (key risks, Strategic Plan {period})"
        return f"progress report {self.quarter} on the Strategic Plan {period}"


# -- opening --------------------------------------------------------------------------------------------------
def open_board_report(
    case_id: str,
    *,
    requested_by: str,
    context: Context,
    targets: Sequence[str] = (),
    responsible: str | None = None,
    working_days: int | None = None,
) -> list[EventDraft]:
    """`BoardReportOpened` and the responsible person's step, due `working_days` (else the step plan's) working
    days after the quarter ends."""
    organisation = context.organisation
    match = _REPORT_CASE.match(case_id)
    if not match:
        raise NotAllowed(
            f"'{case_id}' is not a quarterly report case (plan/<period>/report/<year>-Q<n> or "
            "plan/<period>/risk/<year>-Q<n>).",
            rule="board-report",
        )
    plan_case, path, year_text, quarter_text = match.groups()
    report_kind: ReportKind = "progress" if path == "report" else "risk"
    year = int(year_text)
    first, last = plan_years(plan_case)
    if not first <= year <= last:
        raise NotAllowed(f"Fiscal year {year} is outside the Strategic Plan {first}-{last}.", rule="board-report")
    if requested_by != SYSTEM_ACTOR:
        require_known_person(organisation, requested_by)
    responsible = responsible or organisation.director().id
    require_known_person(organisation, responsible)
    _require_staff(organisation.person(responsible).name, organisation.person(responsible).staff)
    plan_targets = list(dict.fromkeys(targets))
    if report_kind == "progress" and not plan_targets:
        raise NotAllowed(
            "A progress report reports against the Strategic Plan's targets; the plan has none.", rule="board-report"
        )
    if working_days is not None and working_days < 1:
        raise NotAllowed(f"A report is due at least 1 working day after its quarter, not {working_days}.", rule="input")
    slot = quarterly_schedule(organisation.fiscal_year_start_in(year), year, working_days)[int(quarter_text) - 1]
    opened = events.BoardReportOpened(
        report_kind=report_kind,
        plan_case=plan_case,
        quarter=slot.label,
        quarter_end=slot.quarter_end,
        responsible=responsible,
        targets=tuple(plan_targets) if report_kind == "progress" else (),
        working_days=working_days,
        requested_by=requested_by,
    ).draft(
        requested_by,
        reason=f"the {report_kind} report for {slot.label} is due {slot.due.describe()}",
        outcome="opened",
    )
    state = BoardReportState(case_id=case_id, report_kind=report_kind, plan_case=plan_case, quarter=slot.label)
    task = timed_step.open_task(
        task_id=REPORT_TASK,
        kind=STEP_KINDS[report_kind],
        title=f"Submit the {state.title} to the Management Board",
        assignee=responsible,
        action="submit-report",
        opened_at=context.now,
        working_days=working_days,
    )
    # Working days count from the quarter's last day on the responsible person's calendar, whenever the case
    # opens: the schedule request's `count_from` is that day, at noon in their zone.
    count_from = local_instant(slot.quarter_end, time(12, 0), zone_for(organisation, responsible)).astimezone(UTC)
    step = STEP_EVENTS.parse(task)
    assert isinstance(step, TaskOpened)
    step = step.model_copy(update={"schedule_request": {**step.schedule_request, "count_from": count_from.isoformat()}})
    return [opened, task.model_copy(update={"payload": step.payload()})]


def _require_staff(name: str, staff: bool) -> None:
    if not staff:
        raise NotAllowed(
            f"{name} is not Secretariat staff; a report to the Board comes from the Director or a delegate in the "
            "Secretariat.",
            rule="board-report",
        )


# -- the decider ----------------------------------------------------------------------------------------------
class BoardReportDecider:
    kind = KIND

    def initial_state(self, case_id: str) -> BoardReportState:
        return BoardReportState(case_id=case_id)

    def decide(self, state: BoardReportState, command: Command, context: Context) -> list[EventDraft]:
        handler = handler_for(_HANDLERS, command, "a report to the Board")
        if state.report_kind is None:
            raise NotAllowed(f"Report {state.case_id} has not been opened.", rule="stage")
        fields = {SubmitReport.model_fields["action"].default: SUBMISSION_FIELDS[state.report_kind]}
        return handler(self, state, BOARD_REPORT_COMMANDS.parse(command, case_fields=fields), context)

    def submit_report(self, state: BoardReportState, command: SubmitReport, context: Context) -> list[EventDraft]:
        task = state.tasks.get(REPORT_TASK)
        if task is None:
            raise NotAllowed(
                f"The {state.title} was already submitted; it awaits the Board Chair's acknowledgement.",
                rule="stage",
            )
        organisation = context.organisation
        if command.actor == task.assignee or organisation.has_role(command.actor, "director"):
            on_behalf = None  # the responsible person, or the Director, who reports to the Board in their own right
        else:
            on_behalf = acting_on(
                state,
                context,
                command.actor,
                task.assignee,
                f"submit the {state.title} (or the Director)",
            )
        actor_role = "director" if organisation.has_role(command.actor, "director") else "delegate"
        assert state.report_kind is not None and state.quarter is not None
        reported: list[events.TargetValue] | None = None
        key_risks: list[KeyRisk] | None = None
        try:
            match command.fields:  # the report's kind chose them (SUBMISSION_FIELDS)
                case ProgressFields() as progress_fields:
                    document = progress_fields.document_sha256
                    progress = progress_from(progress_fields.progress)
                    self._check_progress(state, progress)
                    reported = [events.TargetValue(target=key, value=str(progress[key])) for key in state.targets]
                case RiskFields() as risk_fields:
                    document = risk_fields.document_sha256
                    key_risks = risks_from(risk_fields.risks)
                    if not key_risks:
                        raise NotAllowed(
                            f"The risk report lists the Director's key risks: give risks={RISKS_FORMAT}.", rule="input"
                        )
        except PlanFormatError as error:
            raise NotAllowed(f"The {state.title} does not read: {error}", rule="input") from None
        late = bool(task.due_at and context.now > task.due_at)
        return [
            events.QuarterlyReportSubmitted(
                report_kind=state.report_kind,
                quarter=state.quarter,
                progress=tuple(reported) if reported is not None else None,
                risks=tuple(key_risks) if key_risks is not None else None,
                document_sha256=document,
                due_at=task.due_at,
                late=late,
            ).draft(
                command.actor,
                actor_role=actor_role,
                on_behalf_of=on_behalf,
                reason=command.comment,
                outcome="submitted",
            ),
            timed_step.complete_task(task, command.actor, on_behalf, "submitted"),
            timed_step.open_task(
                task_id=ACKNOWLEDGEMENT_TASK,
                kind=ACKNOWLEDGEMENT_KIND,
                title=f"Acknowledge, for the Management Board, the {state.title}",
                assignee=organisation.board.chair,
                action="acknowledge",
                opened_at=context.now,
                officer=task.assignee,
            ),
        ]

    def _check_progress(self, state: BoardReportState, progress: dict[str, Decimal]) -> None:
        unknown = [target for target in progress if target not in state.targets]
        if unknown:
            one = len(unknown) == 1
            raise NotAllowed(
                f"{'Target' if one else 'Targets'} {listing(unknown)} {'is not a target' if one else 'are not targets'}"
                f" of the Strategic Plan (its targets: {listing(state.targets)}).",
                rule="targets",
            )
        missing = [target for target in state.targets if target not in progress]
        if missing:
            raise NotAllowed(
                f"The {state.title} gives no value for {listing(missing)}; report every target of the plan "
                f"({listing(state.targets)}).",
                rule="targets",
            )

    def acknowledge(self, state: BoardReportState, command: Acknowledge, context: Context) -> list[EventDraft]:
        task = state.tasks.get(ACKNOWLEDGEMENT_TASK)
        if task is None:
            raise NotAllowed(
                f"The {state.title} has not been submitted yet; there is nothing to acknowledge.", rule="stage"
            )
        command.refuse_bad_input()
        on_behalf = acting_on(
            state,
            context,
            command.actor,
            task.assignee,
            f"acknowledge the {state.title} for the Management Board",
        )
        rest = {key: open_task for key, open_task in state.tasks.items() if key != task.task_id}
        assert state.report_kind is not None and state.quarter is not None
        return [
            events.ReportAcknowledged(
                report_kind=state.report_kind, quarter=state.quarter, submitted_late=state.submitted_late
            ).draft(
                command.actor,
                actor_role="board_chair",
                on_behalf_of=on_behalf,
                reason=command.comment,
                outcome="acknowledged",
            ),
            timed_step.complete_task(task, command.actor, on_behalf, "acknowledged"),
            *close_case(
                state.model_copy(update={"tasks": rest}),
                actor=command.actor,
                outcome="acknowledged",
                reason=f"the Management Board acknowledged the {state.title}",
                stage="acknowledged",
            ),
        ]

    # reactions and timers ---------------------------------------------------------------------------------
    def react(self, state: BoardReportState, context: Context) -> list[EventDraft]:
        return []

    def on_deadline(self, state: BoardReportState, task: timed_step.Task, context: Context) -> list[EventDraft]:
        return []

    def check_assignee(self, state: BoardReportState, task: timed_step.Task, person: str, context: Context) -> None:
        organisation = context.organisation
        target = organisation.person(person)
        if task.task_id == REPORT_TASK:
            _require_staff(target.name, target.staff)
        elif task.task_id == ACKNOWLEDGEMENT_TASK and not organisation.has_role(person, "board_chair"):
            raise NotAllowed(
                f"The Board Chair acknowledges reports for the Management Board; {target.name} is not the Chair.",
                rule="board-report",
            )

    # evolve -----------------------------------------------------------------------------------------------
    def evolve(self, state: BoardReportState, event: DomainEvent) -> BoardReportState:
        update: dict[str, Any] = {}
        match BOARD_REPORT_EVENTS.parse(event):
            case events.BoardReportOpened() as opened:
                update = {
                    "report_kind": opened.report_kind,
                    "plan_case": opened.plan_case,
                    "quarter": opened.quarter,
                    "quarter_end": opened.quarter_end,
                    "responsible": opened.responsible,
                    "targets": opened.targets,
                    "requester": opened.requested_by if opened.requested_by != SYSTEM_ACTOR else None,
                    "stage": "reporting",
                }
            case events.QuarterlyReportSubmitted() as submitted:
                update = {
                    "progress": {item.target: Decimal(item.value) for item in submitted.progress or ()},
                    "risks": submitted.risks or (),
                    "document_sha256": submitted.document_sha256,
                    "submitted_at": event.occurred_at,
                    "submitted_late": submitted.late,
                    "stage": "acknowledgement",
                }
            case events.ReportAcknowledged():
                update = {"acknowledged_by": event.on_behalf_of or event.actor}
            case None if event.type == timed_step.TASK_REASSIGNED:  # a step's event, read as the steps read it
                reassigned = STEP_EVENTS.parse(event)
                assert isinstance(reassigned, TaskReassigned)
                if reassigned.task_id == REPORT_TASK:
                    update = {"responsible": reassigned.to}
        return state.model_copy(update=update) if update else state

    def stage_summary(self, state: BoardReportState) -> dict[str, Any]:
        return {
            "report_kind": state.report_kind,
            "plan_case": state.plan_case,
            "quarter": state.quarter,
            "quarter_end": state.quarter_end.isoformat() if state.quarter_end else None,
            "responsible": state.responsible,
            "targets": list(state.targets),
            "progress": {key: str(value) for key, value in state.progress.items()},
            "risks": [risk.model_dump(mode="json") for risk in state.risks],
            "submitted_at": state.submitted_at.isoformat() if state.submitted_at else None,
            "submitted_late": state.submitted_late,
            "acknowledged_by": state.acknowledged_by,
        }


#: Each action's handler, given the typed command of its action.
_HANDLERS: dict[str, Callable[..., list[EventDraft]]] = {
    "submit-report": BoardReportDecider.submit_report,
    "acknowledge": BoardReportDecider.acknowledge,
}

BOARD_REPORT = BoardReportDecider()
