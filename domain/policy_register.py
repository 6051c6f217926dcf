"""The register of one governance instrument; case id `policy/<instrument>`.

A long-lived case: it holds the instrument's published versions and the date its next review falls due, and
it starts each review as a child case `policy/<instrument>/review/<n>`. Its workflow sleeps on one timed step,
the owner's `policy_review_due` task, due at 09:00 in the owner's zone on the next review date: the owner is
reminded `warning_working_days` working days ahead (the warning period), and when the date comes the step
lapses and the review starts (`ReviewStarted`, reason `due`). The owner, the Director or the Compliance Officer
may start one earlier with `start-review`, which cancels the waiting step.

When a review closes published or reaffirmed, `record_review_outcome` records the version and opens the next
waiting step: one full review interval after publication, whenever the approval came (inside the warning
window too). The workflow continues-as-new between reviews and rebuilds this state from the audit trail.
"""

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain import policy_register_events as events
from domain import timed_step
from domain.calendar_months import add_months
from domain.case import CaseState, Context, handler_for
from domain.command_model import NoFields as NoFields  # the fields of `start-review`, as the action table names them
from domain.commands import Command, EventDraft
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.organisation import Instrument, OrganisationLookupError
from domain.policy_register_commands import POLICY_REGISTER_COMMANDS, StartReview
from domain.policy_register_events import POLICY_REGISTER_EVENTS
from domain.policy_review import review_case_id
from domain.working_days import due_instant

KIND = "policy_register"

# The event types, as the typed events of `domain.policy_register_events` name them.
REGISTER_OPENED = events.RegisterOpened.model_fields["type"].default
REVIEW_STARTED = events.ReviewStarted.model_fields["type"].default
VERSION_RECORDED = events.VersionRecorded.model_fields["type"].default
REVIEW_ENDED = events.ReviewEnded.model_fields["type"].default

WAITING = "waiting"
REVIEW_OPEN = "review_open"

DUE_TASK_KIND = "policy_review_due"
DUE_TASK_PREFIX = "review-due-"
#: The local hour at which a review falls due (and its waiting step lapses) in the owner's zone.
REVIEW_DUE_TIME = time(9, 0)
#: Outcomes of a review case that put a new version (or the same one, reaffirmed) on the register.
PUBLISHED_OUTCOMES = frozenset({"published", "reaffirmed"})


class VersionRecord(BaseModel):
    """One published version, as `govern policy history` lists it."""

    model_config = ConfigDict(frozen=True)

    version: str
    sha256: str | None = None
    published_on: date
    approver: str | None = None
    decision_reference: str | None = None
    reaffirmed: bool = False
    review_case: str | None = Field(default=None, description="None for the version the register started from.")


class PublishedVersion(BaseModel):
    """What a closed review hands the register (`domain.policy_review.publication_of`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    version: str
    sha256: str | None = None
    published_on: date
    next_review_on: date | None = None
    approver: str | None = None
    decision_reference: str | None = None
    reaffirmed: bool = False


class PolicyRegisterState(CaseState):
    kind: str = KIND
    instrument_id: str | None = None
    title: str | None = None
    owner: str | None = None
    review_interval_months: int | None = None
    warning_working_days: int | None = None
    current_version: str | None = None
    current_sha256: str | None = None
    last_published_on: date | None = None
    next_review_on: date | None = None
    next_review_due_at: datetime | None = None
    reviews_started: int = 0
    open_review: str | None = None
    open_review_reason: str | None = None
    open_review_requested_by: str | None = None
    open_review_comment: str | None = None
    versions: tuple[VersionRecord, ...] = ()


# -- helpers ----------------------------------------------------------------------------------------------------
def register_case_id(instrument_id: str) -> str:
    return f"policy/{instrument_id}"


def _instrument(context: Context, instrument_id: str) -> Instrument:
    try:
        return context.organisation.instrument(instrument_id)
    except OrganisationLookupError as error:
        raise NotAllowed(str(error), rule="organisation") from None


def _due_at(context: Context, owner: str, next_review_on: date) -> datetime:
    return due_instant(context.organisation, owner, next_review_on, REVIEW_DUE_TIME)


def _due_task(
    context: Context,
    *,
    number: int,
    title: str,
    owner: str,
    next_review_on: date,
    warning_working_days: int,
) -> EventDraft:
    """The owner's waiting step: reminded once, the warning period ahead; it lapses when the review falls due."""
    return timed_step.open_task(
        task_id=f"{DUE_TASK_PREFIX}{number}",
        kind=DUE_TASK_KIND,
        title=f"The review of the {title} falls due on {next_review_on.isoformat()}",
        assignee=owner,
        action="start-review",
        opened_at=context.now,
        on_due="lapse",
        due_at=_due_at(context, owner, next_review_on),
        officer=owner,
        reminder_offsets=(-warning_working_days,),
    )


def _next_due_task(state: PolicyRegisterState, context: Context, next_review_on: date) -> EventDraft:
    assert state.title is not None and state.owner is not None
    warning = state.warning_working_days if state.warning_working_days is not None else 0
    return _due_task(
        context,
        number=state.reviews_started + 1,
        title=state.title,
        owner=state.owner,
        next_review_on=next_review_on,
        warning_working_days=warning,
    )


def _review_started(
    state: PolicyRegisterState, *, reason: Literal["due", "early"], requested_by: str, actor: str, why: str | None
) -> EventDraft:
    assert state.instrument_id is not None  # a register decides only once opened
    return events.ReviewStarted(
        review_case=review_case_id(state.instrument_id, state.reviews_started + 1),
        reason=reason,
        requested_by=requested_by,
        instrument=state.instrument_id,
        version_under_review=state.current_version,
        current_sha256=state.current_sha256,
        due_on=state.next_review_on,
    ).draft(actor, reason=why, outcome=reason)


# -- opening ----------------------------------------------------------------------------------------------------
def open_register(case_id: str, instrument_id: str, context: Context) -> list[EventDraft]:
    """The register starts from the organisation file: its current version, when it was published, and the
    review that falls due one interval later, with the owner's waiting step for it."""
    instrument = _instrument(context, instrument_id)
    if case_id != register_case_id(instrument_id):
        raise NotAllowed(
            f"The register of the {instrument.title} is case {register_case_id(instrument_id)}, not {case_id}.",
            rule="input",
        )
    if not context.organisation.has_person(instrument.owner):
        raise NotAllowed(
            f"The owner of the {instrument.title}, '{instrument.owner}', is not in the organisation file.",
            rule="organisation",
        )
    next_review_on = instrument.next_review_on(instrument.last_published_on)
    return [
        events.RegisterOpened(
            instrument=instrument.id,
            title=instrument.title,
            owner=instrument.owner,
            review_interval_months=instrument.review_interval_months,
            warning_working_days=instrument.warning_working_days,
            current_version=instrument.current_version,
            last_published_on=instrument.last_published_on,
            next_review_on=next_review_on,
            next_review_due_at=_due_at(context, instrument.owner, next_review_on),
        ).draft(
            SYSTEM_ACTOR,
            reason=f"the {instrument.title} is reviewed every {instrument.review_interval_months} months",
            outcome="opened",
        ),
        _due_task(
            context,
            number=1,
            title=instrument.title,
            owner=instrument.owner,
            next_review_on=next_review_on,
            warning_working_days=instrument.warning_working_days,
        ),
    ]


# -- the decider ------------------------------------------------------------------------------------------------
class PolicyRegisterDecider:
    kind = KIND

    def initial_state(self, case_id: str) -> PolicyRegisterState:
        return PolicyRegisterState(case_id=case_id)

    def decide(self, state: PolicyRegisterState, command: Command, context: Context) -> list[EventDraft]:
        handler = handler_for(_HANDLERS, command, "an instrument's register")
        if state.instrument_id is None:
            raise NotAllowed(f"Register {state.case_id} has not been opened.", rule="stage")
        return handler(self, state, POLICY_REGISTER_COMMANDS.parse(command), context)

    def start_review(self, state: PolicyRegisterState, command: StartReview, context: Context) -> list[EventDraft]:
        organisation = context.organisation
        actor = command.actor
        if not (
            actor == state.owner
            or organisation.has_role(actor, "director")
            or organisation.has_role(actor, "compliance_officer")
        ):
            assert state.owner is not None
            raise NotAllowed(
                f"Only the owner of the {state.title} ({organisation.person(state.owner).name}), the Director or "
                "the Compliance Officer may start a review early (policy review).",
                rule="policy-review",
            )
        if state.open_review is not None:
            raise NotAllowed(f"A review of the {state.title} is already open: {state.open_review}.", rule="stage")
        command.refuse_bad_input()
        waiting = [task for task in state.tasks.values() if task.kind == DUE_TASK_KIND]
        return [
            _review_started(
                state,
                reason="early",
                requested_by=actor,
                actor=actor,
                why=command.comment or f"started early by {organisation.person(actor).name}",
            ),
            *(timed_step.cancel_task(task, "the review was started early", actor) for task in waiting),
        ]

    def record_review_outcome(
        self,
        state: PolicyRegisterState,
        review_case: str,
        outcome: str,
        published: dict[str, Any] | None,
        context: Context,
    ) -> list[EventDraft]:
        """The child review has closed. A publication (or reaffirmation) goes on the register and sets the next
        review one full interval after it; either way the register waits for the next review again. An outcome
        for a review that is not the open one is stale and changes nothing."""
        if state.closed or review_case != state.open_review:
            return []
        assert state.review_interval_months is not None and state.next_review_on is not None
        if outcome in PUBLISHED_OUTCOMES and published is not None:
            version = PublishedVersion.model_validate(published)
            next_review_on = version.next_review_on or add_months(version.published_on, state.review_interval_months)
            assert state.owner is not None
            return [
                events.VersionRecorded(
                    version=version.version,
                    sha256=version.sha256,
                    published_on=version.published_on,
                    approver=version.approver,
                    decision_reference=version.decision_reference,
                    reaffirmed=version.reaffirmed,
                    review_case=review_case,
                    next_review_on=next_review_on,
                    next_review_due_at=_due_at(context, state.owner, next_review_on),
                ).draft(SYSTEM_ACTOR, reason=f"{review_case} closed: {outcome}", outcome=outcome),
                _next_due_task(state, context, next_review_on),
            ]
        # Nothing was published: the instrument is still due as before (at once, if that date has passed).
        return [
            events.ReviewEnded(review_case=review_case, next_review_on=state.next_review_on).draft(
                SYSTEM_ACTOR, reason=f"{review_case} closed without a publication: {outcome}", outcome=outcome
            ),
            _next_due_task(state, context, state.next_review_on),
        ]

    # reactions and timers ---------------------------------------------------------------------------------------
    def react(self, state: PolicyRegisterState, context: Context) -> list[EventDraft]:
        return []

    def on_deadline(self, state: PolicyRegisterState, task: timed_step.Task, context: Context) -> list[EventDraft]:
        if task.kind != DUE_TASK_KIND or state.open_review is not None:
            return []
        return [
            _review_started(
                state,
                reason="due",
                requested_by=SYSTEM_ACTOR,
                actor=SYSTEM_ACTOR,
                why=f"the review of the {state.title} fell due on "
                f"{state.next_review_on.isoformat() if state.next_review_on else 'its date'}",
            ),
            timed_step.complete_task(task, SYSTEM_ACTOR, None, "review-started"),
        ]

    def check_assignee(self, state: PolicyRegisterState, task: timed_step.Task, person: str, context: Context) -> None:
        if not context.organisation.person(person).staff:
            raise NotAllowed(
                f"{context.organisation.person(person).name} is not Secretariat staff and cannot be told when the "
                f"review of the {state.title} falls due.",
                rule="policy-review",
            )

    # evolve -----------------------------------------------------------------------------------------------------
    def evolve(self, state: PolicyRegisterState, event: DomainEvent) -> PolicyRegisterState:
        update: dict[str, Any] = {}
        match POLICY_REGISTER_EVENTS.parse(event):
            case events.RegisterOpened() as opened:
                update = {
                    "instrument_id": opened.instrument,
                    "title": opened.title,
                    "owner": opened.owner,
                    "review_interval_months": opened.review_interval_months,
                    "warning_working_days": opened.warning_working_days,
                    "current_version": opened.current_version,
                    "last_published_on": opened.last_published_on,
                    "next_review_on": opened.next_review_on,
                    "next_review_due_at": opened.next_review_due_at,
                    "versions": (VersionRecord(version=opened.current_version, published_on=opened.last_published_on),),
                    "stage": WAITING,
                }
            case events.ReviewStarted() as started:
                update = {
                    "reviews_started": state.reviews_started + 1,
                    "open_review": started.review_case,
                    "open_review_reason": started.reason,
                    "open_review_requested_by": started.requested_by,
                    "open_review_comment": event.reason,
                    "stage": REVIEW_OPEN,
                }
            case events.VersionRecorded() as recorded:
                record = VersionRecord(
                    version=recorded.version,
                    sha256=recorded.sha256,
                    published_on=recorded.published_on,
                    approver=recorded.approver,
                    decision_reference=recorded.decision_reference,
                    reaffirmed=recorded.reaffirmed,
                    review_case=recorded.review_case,
                )
                update = {
                    "current_version": record.version,
                    # A reaffirmation of a text the register never hashed keeps the hash unknown.
                    "current_sha256": record.sha256 or (state.current_sha256 if record.reaffirmed else None),
                    "last_published_on": record.published_on,
                    "next_review_on": recorded.next_review_on,
                    "next_review_due_at": recorded.next_review_due_at,
                    "versions": (*state.versions, record),
                    "open_review": None,
                    "stage": WAITING,
                }
            case events.ReviewEnded():
                update = {"open_review": None, "stage": WAITING}
        return state.model_copy(update=update) if update else state

    def stage_summary(self, state: PolicyRegisterState) -> dict[str, Any]:
        return {
            "instrument": state.instrument_id,
            "title": state.title,
            "owner": state.owner,
            "current_version": state.current_version,
            "last_published_on": state.last_published_on.isoformat() if state.last_published_on else None,
            "next_review_on": state.next_review_on.isoformat() if state.next_review_on else None,
            "reviews_started": state.reviews_started,
            "open_review": state.open_review,
            "versions": len(state.versions),
        }


# -- for the CLI ------------------------------------------------------------------------------------------------
def register_summary(state: PolicyRegisterState, now: datetime) -> dict[str, Any]:
    """One row of `govern policy list`. Overdue: the review date (09:00 in the owner's zone) has passed and no
    new publication has been recorded since; `warning_at` is when the owner is (or was) warned."""
    waiting = next((task for task in state.tasks.values() if task.kind == DUE_TASK_KIND), None)
    warning_at = waiting.schedule.reminders[0] if waiting and waiting.schedule and waiting.schedule.reminders else None
    return {
        "instrument": state.instrument_id,
        "title": state.title,
        "owner": state.owner,
        "current_version": state.current_version,
        "last_published_on": state.last_published_on.isoformat() if state.last_published_on else None,
        "next_review_on": state.next_review_on.isoformat() if state.next_review_on else None,
        "warning_at": warning_at.isoformat() if warning_at else None,
        "open_review": state.open_review,
        "overdue": state.next_review_due_at is not None and now > state.next_review_due_at,
    }


def unstarted_summary(instrument: Instrument, now: datetime) -> dict[str, Any]:
    """The `govern policy list` row of an instrument whose register has not started: the organisation file's
    dates, overdue once the review date has passed."""
    next_review_on = instrument.next_review_on()
    return {
        "instrument": instrument.id,
        "title": instrument.title,
        "owner": instrument.owner,
        "current_version": instrument.current_version,
        "last_published_on": instrument.last_published_on.isoformat() if instrument.last_published_on else None,
        "next_review_on": next_review_on.isoformat(),
        "open_review": None,
        "overdue": next_review_on < now.date(),
    }


def version_history(state: PolicyRegisterState) -> list[dict[str, Any]]:
    """Every version on the register, oldest first, for `govern policy history`."""
    return [record.model_dump(mode="json") for record in state.versions]


#: Each action's handler, given the typed command of its action.
_HANDLERS: dict[str, Callable[..., list[EventDraft]]] = {
    "start-review": PolicyRegisterDecider.start_review,
}

POLICY_REGISTER = PolicyRegisterDecider()
