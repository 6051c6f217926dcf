"""The rules of one Annual Work Plan: the Director's draft, then the Management Board's approval by vote.

Case id `plan/<period>/awp/<fiscal year>`, e.g. `plan/2028-2032/awp/2029`, for the fiscal year that starts in
that year (the organisation file's `fiscal_year_start`). Two deadlines are fixed when the case opens and
recorded in its first event:

- the draft is due `draft_weeks_before` weeks (default 8) before the fiscal year starts, at 17:00
  Director-local: the Director's step `draft` (kind `awp_draft`), whose lateness escalates to the Board Chair;
- the Board's approval is due before the fiscal year starts: 17:00 Chair-local on its last day before. When
  the draft goes to the Board, the Chair gets the step `approval` (kind `awp_approval`): the Chair is reminded
  before the deadline and a late approval escalates to the Director. So whichever part is late, both the
  Director and the Chair hear of it.

Both days are fixed dates: a step due on one that is not a working day of its assignee is due on the previous
working day (the calendar activity moves it, `working_days.fixed_due_day`), and the state's `draft_due_at`
follows the draft step's recorded schedule. The opening event records the nominal days and instants.

Board approval is a vote (`request_board_decision(procedure="vote")`), as for the Strategic Plan. A rejected
draft or a vote without quorum reopens the Director's `draft` step for a revised version, which goes to a new
vote; the approval deadline does not move. The Chair may also record the decision the Board took in session
(`record-meeting-decision`, with the meeting's reference), which supersedes a vote still open: the Board in
session is the Board. A vote outcome that arrives after that is recorded as superseded and changes nothing.

A draft links to the Strategic Plan's targets by id; a target the plan does not have is refused.
"""

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from domain import annual_work_plan_events as events
from domain import timed_step
from domain.acting import require_known_person
from domain.annual_work_plan_commands import ANNUAL_WORK_PLAN_COMMANDS, SubmitDraft
from domain.annual_work_plan_events import ANNUAL_WORK_PLAN_EVENTS
from domain.board_decision import BoardOutcome
from domain.board_referral import (
    SUPERSEDED,
    BoardReferringState,
    RecordMeetingDecision,
    RefersToBoard,
    meeting_decision,
    outcome_recorded,
)
from domain.board_request import (
    BOARD_DECISION_RECORDED,
    BOARD_DECISION_REQUESTED,
    BoardProcedure,
    board_decision_recorded,
)
from domain.case import Context, acting_on, close_case, handler_for
from domain.commands import Command, EventDraft
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.instants import as_instant
from domain.plan_period import DUE_LOCAL_TIME, plan_years
from domain.plan_targets import listing, split_ids
from domain.step_events import STEP_EVENTS, TaskOpened, scheduled_due_at
from domain.working_days import due_instant

KIND = "annual_work_plan"
DEFAULT_DRAFT_WEEKS_BEFORE = 8
#: Working days the Director has for a revised draft after the Board did not approve one.
REVISION_WORKING_DAYS = 10

# Event types (the models are `domain.annual_work_plan_events`)
OPENED = "AnnualWorkPlanOpened"
DRAFT_SUBMITTED = "AnnualWorkPlanDraftSubmitted"
BOARD_REQUESTED = BOARD_DECISION_REQUESTED
BOARD_RECORDED = BOARD_DECISION_RECORDED
APPROVED = "AnnualWorkPlanApproved"

# Step kinds and task ids
DRAFT_KIND = "awp_draft"
APPROVAL_KIND = "awp_approval"
DRAFT_TASK = "draft"
APPROVAL_TASK = "approval"

_AWP_CASE = re.compile(r"^(plan/\d{4}-\d{4})/awp/(\d{4})$")


def awp_case_id(plan_case: str, fiscal_year: int) -> str:
    return f"{plan_case}/awp/{fiscal_year}"


class AnnualWorkPlanState(BoardReferringState):
    kind: str = KIND
    plan_case: str | None = None
    fiscal_year: int | None = None
    fiscal_year_starts_on: date | None = None
    draft_due_at: datetime | None = None
    approval_due_at: datetime | None = None
    plan_targets: tuple[str, ...] = ()
    draft_version: int = 0
    document_sha256: str | None = None
    document_name: str | None = None
    linked_targets: tuple[str, ...] = ()
    approved_reference: str | None = None

    @property
    def title(self) -> str:
        return f"Annual Work Plan {self.fiscal_year}"

    @property
    def period(self) -> str:
        return (self.plan_case or "plan/?").removeprefix("plan/")

    def awaiting_elsewhere(self) -> str | None:
        if self.pending_board_case is not None:
            return f"the Management Board's vote {self.pending_board_case}"
        return None


# -- opening ------------------------------------------------------------------------------------------------
def open_annual_work_plan(
    case_id: str,
    *,
    plan_targets: Sequence[str],
    fiscal_year: int,
    requested_by: str,
    context: Context,
    draft_weeks_before: int = DEFAULT_DRAFT_WEEKS_BEFORE,
) -> list[EventDraft]:
    """`AnnualWorkPlanOpened` with both deadlines, and the Director's draft step."""
    organisation = context.organisation
    match = _AWP_CASE.match(case_id)
    if not match or int(match.group(2)) != fiscal_year:
        raise NotAllowed(
            f"The Annual Work Plan for fiscal year {fiscal_year} is case plan/<period>/awp/{fiscal_year}, not "
            f"{case_id}.",
            rule="annual-work-plan",
        )
    plan_case = match.group(1)
    first, last = plan_years(plan_case)
    if not first <= fiscal_year <= last:
        raise NotAllowed(
            f"Fiscal year {fiscal_year} is outside the Strategic Plan {first}-{last}.", rule="annual-work-plan"
        )
    if requested_by != SYSTEM_ACTOR:
        require_known_person(organisation, requested_by)
    targets = list(dict.fromkeys(plan_targets))
    if not targets:
        raise NotAllowed(
            "An Annual Work Plan is opened with the Strategic Plan's targets; the plan has none.",
            rule="annual-work-plan",
        )
    if not 1 <= draft_weeks_before <= 52:
        raise NotAllowed(
            f"The draft is due between 1 and 52 weeks before the fiscal year starts, not {draft_weeks_before}.",
            rule="annual-work-plan",
        )
    starts_on = organisation.fiscal_year_start_in(fiscal_year)
    draft_due_on = starts_on - timedelta(weeks=draft_weeks_before)
    approval_due_on = starts_on - timedelta(days=1)
    director = organisation.director().id
    chair = organisation.board.chair
    draft_due_at = due_instant(organisation, director, draft_due_on, DUE_LOCAL_TIME)
    # nominal: 'before the fiscal year'
    approval_due_at = due_instant(organisation, chair, approval_due_on, DUE_LOCAL_TIME)
    opened = events.AnnualWorkPlanOpened(
        plan_case=plan_case,
        fiscal_year=fiscal_year,
        fiscal_year_starts_on=starts_on,
        draft_weeks_before=draft_weeks_before,
        draft_due_at=draft_due_at.isoformat(),
        draft_due_on=draft_due_on,
        approval_due_at=approval_due_at.isoformat(),
        approval_due_on=approval_due_on,
        plan_targets=tuple(targets),
        director=director,
        requested_by=requested_by,
    ).draft(
        requested_by, reason=f"the Annual Work Plan for fiscal year {fiscal_year} under {plan_case}", outcome="opened"
    )
    return [
        opened,
        timed_step.open_task(
            task_id=DRAFT_TASK,
            kind=DRAFT_KIND,
            title=f"Submit the draft Annual Work Plan {fiscal_year} ({draft_weeks_before} weeks before the fiscal "
            f"year starts on {starts_on.isoformat()})",
            assignee=director,
            action="submit-draft",
            opened_at=context.now,
            due_on=draft_due_on,
            due_time=DUE_LOCAL_TIME,
        ),
    ]


# -- helpers ------------------------------------------------------------------------------------------------
# -- the decider --------------------------------------------------------------------------------------------
class AnnualWorkPlanDecider(RefersToBoard):
    kind = KIND

    def initial_state(self, case_id: str) -> AnnualWorkPlanState:
        return AnnualWorkPlanState(case_id=case_id)

    def decide(self, state: AnnualWorkPlanState, command: Command, context: Context) -> list[EventDraft]:
        handler = handler_for(_HANDLERS, command, "an Annual Work Plan")
        if state.fiscal_year is None:
            raise NotAllowed(f"Annual Work Plan {state.case_id} has not been opened.", rule="stage")
        return handler(self, state, ANNUAL_WORK_PLAN_COMMANDS.parse(command), context)

    def submit_draft(self, state: AnnualWorkPlanState, command: SubmitDraft, context: Context) -> list[EventDraft]:
        task = state.tasks.get(DRAFT_TASK)
        if task is None:
            if state.pending_board_case is not None:
                raise NotAllowed(
                    f"Draft version {state.draft_version} of the {state.title} is before the Management Board "
                    f"({state.pending_board_case}); it can be revised only if the Board does not approve it.",
                    rule="stage",
                )
            raise state.no_step(
                "submit a draft",
                f"The {state.title}",
                context,
                when="the Director submits a draft when the case opens, and a revised one when the Management Board "
                "does not approve it",
            )
        fields = command.fields
        on_behalf = acting_on(state, context, command.actor, task.assignee, f"submit the {state.title}")
        linked = list(dict.fromkeys(split_ids(fields.targets)))
        if not linked:
            raise NotAllowed(
                f"An Annual Work Plan links to the Strategic Plan's targets: give targets=ID,ID (the plan's targets: "
                f"{listing(state.plan_targets)}).",
                rule="targets",
            )
        unknown = [target for target in linked if target not in state.plan_targets]
        if unknown:
            one = len(unknown) == 1
            raise NotAllowed(
                f"{'Target' if one else 'Targets'} {listing(unknown)} {'is not a target' if one else 'are not targets'}"
                f" of the Strategic Plan {state.period} (its targets: {listing(state.plan_targets)}).",
                rule="targets",
            )
        version = state.draft_version + 1
        assert state.draft_due_at is not None and state.approval_due_at is not None
        drafts = [
            events.AnnualWorkPlanDraftSubmitted(
                version=version,
                document_sha256=fields.document_sha256,
                document_name=fields.document_name,
                targets=tuple(linked),
                due_at=task.due_at.isoformat() if task.due_at else None,
                late=bool(task.due_at and context.now > task.due_at),
            ).draft(
                command.actor,
                actor_role="director",
                on_behalf_of=on_behalf,
                reason=command.comment,
                outcome="submitted",
            ),
            timed_step.complete_task(task, command.actor, on_behalf, "submitted"),
            state.board.request(
                parent_case=state.case_id,
                procedure=BoardProcedure.VOTE,
                matter=f"Approval of the {state.title} under the Strategic Plan {state.period} (draft version "
                f"{version}, {fields.document_name})",
                actor=command.actor,
                actor_role="director",
                on_behalf_of=on_behalf,
                reason="Annual Work Plans are approved by the Management Board by vote, before the fiscal year starts",
            ),
        ]
        if APPROVAL_TASK not in state.tasks:
            chair = context.organisation.board.chair
            drafts.append(
                timed_step.open_task(
                    task_id=APPROVAL_TASK,
                    kind=APPROVAL_KIND,
                    title=f"See that the Management Board approves the {state.title} before the fiscal year starts "
                    f"on {state.fiscal_year_starts_on}",
                    assignee=chair,
                    action="record-meeting-decision",
                    opened_at=context.now,
                    due_on=_approval_due_on(state, context),
                    due_time=DUE_LOCAL_TIME,
                    officer=task.assignee,
                )
            )
        return drafts

    def record_meeting_decision(
        self, state: AnnualWorkPlanState, command: RecordMeetingDecision, context: Context
    ) -> list[EventDraft]:
        task = state.tasks.get(APPROVAL_TASK)
        if task is None or state.draft_version == 0:
            raise state.no_step(
                "record the Board meeting's decision on",
                f"The {state.title}",
                context,
                when="the Board Chair records a Board meeting's decision once a draft is before the Management Board",
            )
        decided = meeting_decision(state, command, context, task)
        reason = command.comment or f"decided by the Management Board in session ({decided.reference})"
        superseded = state.board.pending
        recorded = decided.recorded(
            reason, version=state.draft_version, **({"superseded_vote": superseded} if superseded else {})
        )
        return [
            recorded,
            *self._after_board(
                state,
                context,
                actor=command.actor,
                on_behalf_of=decided.on_behalf_of,
                outcome=decided.outcome,
                reference=decided.reference,
                reason=reason,
            ),
        ]

    def board_outcome(self, state: AnnualWorkPlanState, outcome: BoardOutcome, context: Context) -> list[EventDraft]:
        """The child Board vote has closed; its outcome decides the plan."""
        return [
            outcome_recorded(outcome, version=state.draft_version),
            *self._after_board(
                state,
                context,
                actor=SYSTEM_ACTOR,
                on_behalf_of=None,
                outcome=outcome.outcome,
                reference=outcome.board_case,
                reason=f"Board decision {outcome.board_case} closed: {outcome.outcome}",
            ),
        ]

    def stale_board_outcome(
        self, state: AnnualWorkPlanState, outcome: BoardOutcome, context: Context
    ) -> list[EventDraft]:
        """A vote that closes after the Board decided in session is put on the record, and changes nothing."""
        return [
            board_decision_recorded(
                actor=SYSTEM_ACTOR,
                outcome=SUPERSEDED,
                reference=outcome.board_case,
                reason=f"Board decision {outcome.board_case} closed ({outcome.outcome}) after the Board decided in "
                "session; it changes nothing",
                tally=outcome.tally,
                vote_outcome=outcome.outcome,
                superseded=True,
            )
        ]

    def _after_board(
        self,
        state: AnnualWorkPlanState,
        context: Context,
        *,
        actor: str,
        on_behalf_of: str | None,
        outcome: str,
        reference: str,
        reason: str,
    ) -> list[EventDraft]:
        assert state.approval_due_at is not None
        drafts: list[EventDraft] = []
        approval = state.tasks.get(APPROVAL_TASK)
        if outcome == "approved":
            if approval is not None:
                drafts.append(timed_step.complete_task(approval, actor, on_behalf_of, "approved"))
            rest = {key: task for key, task in state.tasks.items() if key != APPROVAL_TASK}
            return drafts + [
                events.AnnualWorkPlanApproved(
                    reference=reference,
                    version=state.draft_version,
                    document_sha256=state.document_sha256,
                    document_name=state.document_name,
                    targets=state.linked_targets,
                    fiscal_year=state.fiscal_year,
                    before_fiscal_year=context.now <= state.approval_due_at,
                ).draft(
                    actor,
                    actor_role="management_board",
                    outcome="approved",
                    reason=f"approved by the Management Board ({reference})",
                ),
                *close_case(
                    state.model_copy(update={"tasks": rest}),
                    actor=actor,
                    outcome="approved",
                    reason=f"the {state.title} was approved by the Management Board ({reference})",
                    stage="approved",
                ),
            ]
        if outcome == "referred_to_meeting" or DRAFT_TASK in state.tasks:
            # A referral: the Chair's approval step is where the meeting's decision is recorded. A draft step
            # still open (a meeting rejected a version already under revision) keeps its due date.
            return drafts
        return drafts + [
            timed_step.open_task(
                task_id=DRAFT_TASK,
                kind=DRAFT_KIND,
                title=f"Revise the draft {state.title}: the Management Board did not approve version "
                f"{state.draft_version} ({outcome})",
                assignee=context.organisation.director().id,
                action="submit-draft",
                opened_at=context.now,
                working_days=REVISION_WORKING_DAYS,
                reason=reason,
            )
        ]

    # reactions and timers ---------------------------------------------------------------------------------
    def react(self, state: AnnualWorkPlanState, context: Context) -> list[EventDraft]:
        return []

    def on_deadline(self, state: AnnualWorkPlanState, task: timed_step.Task, context: Context) -> list[EventDraft]:
        return []

    def check_assignee(self, state: AnnualWorkPlanState, task: timed_step.Task, person: str, context: Context) -> None:
        organisation = context.organisation
        name = organisation.person(person).name
        if task.task_id == APPROVAL_TASK and not organisation.has_role(person, "board_chair"):
            raise NotAllowed(
                f"The Board Chair sees the {state.title} through the Board; {name} is not the Chair "
                "(Annual Work Plan).",
                rule="annual-work-plan",
            )
        if task.task_id == DRAFT_TASK and not organisation.has_role(person, "director"):
            raise NotAllowed(
                f"The Director leads the Annual Work Plans; '{task.title}' cannot go to {name}. While the Director "
                "is away, a substitute acts through a delegation (Annual Work Plan).",
                rule="annual-work-plan",
            )

    # evolve -----------------------------------------------------------------------------------------------
    def evolve(self, state: AnnualWorkPlanState, event: DomainEvent) -> AnnualWorkPlanState:
        update: dict[str, Any] = {}
        match ANNUAL_WORK_PLAN_EVENTS.parse(event):
            case events.AnnualWorkPlanOpened() as opened:
                update = {
                    "plan_case": opened.plan_case,
                    "fiscal_year": opened.fiscal_year,
                    "fiscal_year_starts_on": opened.fiscal_year_starts_on,
                    "draft_due_at": as_instant(opened.draft_due_at),
                    "approval_due_at": as_instant(opened.approval_due_at),
                    "plan_targets": opened.plan_targets,
                    "requester": opened.requested_by if opened.requested_by != SYSTEM_ACTOR else None,
                    "stage": "drafting",
                }
            case events.AnnualWorkPlanDraftSubmitted() as submitted:
                update = {
                    "draft_version": submitted.version,
                    "document_sha256": submitted.document_sha256,
                    "document_name": submitted.document_name,
                    "linked_targets": submitted.targets,
                }
            case events.AnnualWorkPlanApproved() as approved:
                update = {"approved_reference": approved.reference}
            case None:
                update = self._evolve_shared(state, event)
        return state.model_copy(update=update) if update else state

    def _evolve_shared(self, state: AnnualWorkPlanState, event: DomainEvent) -> dict[str, Any]:
        """The Board referral's events and the draft step's first schedule, as the plan's state follows them."""
        t = event.type
        if t == BOARD_REQUESTED:
            return {"board": state.board.after(event), "stage": "board_vote"}
        if t == BOARD_RECORDED and event.outcome != SUPERSEDED:
            return {
                "board": state.board.after(event),
                "stage": {"approved": "approved", "referred_to_meeting": "board_meeting"}.get(
                    event.outcome or "", "revision"
                ),
            }
        step = STEP_EVENTS.parse(event)
        if isinstance(step, TaskOpened) and step.task_id == DRAFT_TASK and state.draft_version == 0:
            due_at = scheduled_due_at(step)  # the first draft's deadline, as the calendar fixed it
            if due_at is not None:
                return {"draft_due_at": due_at}
        return {}

    def stage_summary(self, state: AnnualWorkPlanState) -> dict[str, Any]:
        return {
            "plan_case": state.plan_case,
            "fiscal_year": state.fiscal_year,
            "fiscal_year_starts_on": state.fiscal_year_starts_on.isoformat() if state.fiscal_year_starts_on else None,
            "draft_due_at": state.draft_due_at.isoformat() if state.draft_due_at else None,
            "approval_due_at": state.approval_due_at.isoformat() if state.approval_due_at else None,
            "draft_version": state.draft_version,
            "document_sha256": state.document_sha256,
            "targets": list(state.linked_targets),
            "plan_targets": list(state.plan_targets),
            "board_cases": list(state.board_cases),
            "approved_by": state.approved_reference,
        }


def _approval_due_on(state: AnnualWorkPlanState, context: Context) -> date:
    """The last day before the fiscal year starts (a fixed date: the calendar moves it off a weekend)."""
    assert state.fiscal_year_starts_on is not None
    return state.fiscal_year_starts_on - timedelta(days=1)


_HANDLERS: dict[str, Callable[..., list[EventDraft]]] = {
    "submit-draft": AnnualWorkPlanDecider.submit_draft,
    "record-meeting-decision": AnnualWorkPlanDecider.record_meeting_decision,
}

ANNUAL_WORK_PLAN = AnnualWorkPlanDecider()
