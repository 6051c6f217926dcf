"""Staff attestation: every staff member in an instrument's attestation scope acknowledges its published version,
each for themselves, within the instrument's working days (step plan `attestation`: reminders, then escalation
to their supervisor). Composed into the policy review (`domain.policy_review`) the way the Board referral is.

It holds one slice of the review's state (`AttestingState`: the instrument, the scope recorded at opening, the
working days, who has acknowledged) and its moves: the steps opened at publication (`open_attestations`), a
staff member's acknowledgement (`acknowledge`), a late joiner's step (`add_attestation`, by the system or the
Compliance Officer), and the status `govern policy attestations` shows. Nobody acknowledges for another, so an
acknowledgement step is never reassigned. The review closes once no acknowledgement step is open (`complete`).
"""

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from domain import policy_review_events as events
from domain import timed_step
from domain.acting import local_date, require_known_person
from domain.case import CaseState, Context, waiting_for
from domain.commands import EventDraft
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR
from domain.organisation import OrganisationLookupError
from domain.policy_review_commands import Acknowledge, AddAttestation

TASK_KIND = "attestation"
TASK_PREFIX = "attestation-"

AttestationStatus = Literal["acknowledged", "pending", "overdue"]


class AttestingState(CaseState):
    """A case whose published text the staff in scope acknowledge; `published_version` says which, once any."""

    instrument_id: str | None = None
    title: str | None = None
    owner: str | None = None
    attestation_working_days: int | None = None
    attestation_scope: tuple[str, ...] = ()
    acknowledged: dict[str, str] = Field(default_factory=dict, description="Person -> ISO instant acknowledged.")

    @property
    def published_version(self) -> str | None:
        return None


def task_id(person: str) -> str:
    return f"{TASK_PREFIX}{person}"


def _name(context: Context, person: str) -> str:
    return context.organisation.person(person).name


def _task(state: AttestingState, context: Context, person: str, version: str) -> EventDraft:
    return timed_step.open_task(
        opened_at=context.now,
        task_id=task_id(person),
        kind=TASK_KIND,
        title=f"Acknowledge {state.title} version {version}",
        assignee=person,
        action="acknowledge",
        working_days=state.attestation_working_days,
        officer=state.owner,
    )


def _not_yet_joined(context: Context, person: str) -> date | None:
    """The day a person in the file joins, while it is still ahead of their local today."""
    joined_on = context.organisation.person(person).joined_on
    if joined_on is not None and joined_on > local_date(context.organisation, person, context.now):
        return joined_on
    return None


def scope_now(state: AttestingState, context: Context) -> tuple[str, ...]:
    assert state.instrument_id is not None
    try:
        return tuple(person.id for person in context.organisation.attestation_scope_of(state.instrument_id))
    except OrganisationLookupError:
        # The instrument left the organisation file after this review opened: its scope is the one recorded.
        return state.attestation_scope


def scope_at_publication(state: AttestingState, context: Context) -> tuple[list[str], dict[str, date]]:
    """Who acknowledges from publication, and who joins later (each with their joining day)."""
    scope = scope_now(state, context)
    later = {person: day for person in scope if (day := _not_yet_joined(context, person)) is not None}
    return [person for person in scope if person not in later], later


def open_attestations(state: AttestingState, context: Context, people: list[str], version: str) -> list[EventDraft]:
    """The acknowledgement step of each person, for the version just published."""
    return [_task(state, context, person, version) for person in people]


def acknowledge(state: AttestingState, command: Acknowledge, context: Context) -> list[EventDraft]:
    """A staff member acknowledges the published version, for themselves only."""
    task = state.tasks.get(task_id(command.actor))
    command.refuse_bad_input()
    name = _name(context, command.actor)
    version = state.published_version
    if task is None:
        if command.actor in state.acknowledged and version is not None:
            raise NotAllowed(f"{name} already acknowledged the {state.title} version {version}.", rule="attestation")
        if version is None:
            raise NotAllowed(
                f"Acknowledgements follow publication, which this review of the {state.title} has not reached "
                f"(stage: {state.stage}); {waiting_for(state, context.organisation)}.",
                rule="attestation",
            )
        raise NotAllowed(
            f"{name} has no acknowledgement of the {state.title} to make on {state.case_id}: only staff in "
            "its attestation scope acknowledge, each for themselves (attestation is personal).",
            rule="attestation",
        )
    assert version is not None
    return [
        events.PolicyAcknowledged(person=command.actor, version=version).draft(
            command.actor, reason=command.comment, outcome="acknowledged"
        ),
        timed_step.complete_task(task, command.actor, None, "acknowledged"),
    ]


def add_attestation_command(state: AttestingState, command: AddAttestation, context: Context) -> list[EventDraft]:
    """The Compliance Officer adds a staff member's acknowledgement."""
    fields = command.fields
    if not context.organisation.has_role(command.actor, "compliance_officer"):
        raise NotAllowed(
            f"Only the Compliance Officer may add a staff member to the attestation of the {state.title}; "
            "those who join later are added by the system.",
            rule="attestation",
        )
    return add_attestation(state, fields.person, context, actor=command.actor, reason=command.comment)


def add_attestation(
    state: AttestingState,
    person: str,
    context: Context,
    *,
    actor: str = SYSTEM_ACTOR,
    reason: str | None = None,
) -> list[EventDraft]:
    """A staff member who joined after publication acknowledges the published version too.

    The runtime calls this (actor `system`) for each of `missing_attestations`; the Compliance Officer may
    ask for it with `add-attestation`."""
    organisation = context.organisation
    if state.closed:
        raise NotAllowed(
            f"Case {state.case_id} is closed ({state.outcome or state.stage}); it accepts no further actions.",
            rule="closed",
        )
    version = state.published_version
    if version is None:
        raise NotAllowed(
            f"Acknowledgements follow publication, which this review of the {state.title} has not reached "
            f"(stage: {state.stage}); {waiting_for(state, organisation)}.",
            rule="attestation",
        )
    require_known_person(organisation, person)
    name = _name(context, person)
    if person not in scope_now(state, context):
        assert state.instrument_id is not None
        try:
            scope = ", ".join(organisation.instrument(state.instrument_id).attestation_scope)
        except OrganisationLookupError:
            scope = "as recorded when the review opened"
        raise NotAllowed(f"{name} is not in the attestation scope of the {state.title} ({scope}).", rule="attestation")
    if person in state.acknowledged:
        raise NotAllowed(f"{name} already acknowledged the {state.title} version {version}.", rule="attestation")
    if task_id(person) in state.tasks:
        raise NotAllowed(
            f"{name} already has an open acknowledgement of the {state.title} version {version}.",
            rule="attestation",
        )
    joins_on = _not_yet_joined(context, person)
    if joins_on is not None:
        raise NotAllowed(
            f"{name} joins on {joins_on.isoformat()}; their acknowledgement can be added from that day.",
            rule="attestation",
        )
    return [
        events.AttestationAdded(person=person, version=version).draft(
            actor,
            actor_role="compliance_officer" if actor != SYSTEM_ACTOR else None,
            reason=reason or f"{name} joined after version {version} was published",
            outcome="added",
        ),
        _task(state, context, person, version),
    ]


def missing_attestations(state: AttestingState, context: Context) -> list[str]:
    """People in scope today (joined, no task, not acknowledged) who have no acknowledgement to make yet."""
    if state.closed or state.published_version is None:
        return []
    return [
        person
        for person in scope_now(state, context)
        if person not in state.acknowledged
        and task_id(person) not in state.tasks
        and _not_yet_joined(context, person) is None
    ]


def add_missing_attestations(state: AttestingState, context: Context) -> list[EventDraft]:
    """Every late joiner's acknowledgement, for the runtime to apply when the organisation changes or a
    joining date arrives; nothing when there is none."""
    drafts: list[EventDraft] = []
    for person in missing_attestations(state, context):
        drafts += add_attestation(state, person, context)
    return drafts


def refuse_reassignment(task: timed_step.Task) -> None:
    """An acknowledgement is personal: its step stays with the staff member it was opened for."""
    if task.kind == TASK_KIND:
        raise NotAllowed(
            "An acknowledgement is personal: each staff member in scope acknowledges the instrument "
            "themselves, so it cannot be reassigned (attestation).",
            rule="attestation",
        )


def complete(state: AttestingState) -> bool:
    """No acknowledgement step is open."""
    return not state.tasks_of_kind(TASK_KIND)


def after(state: AttestingState, event: events.PolicyReviewEvent | None, occurred_at: datetime) -> dict[str, object]:
    """What an attestation event changes in the state (an added step is a step's own event)."""
    if isinstance(event, events.PolicyAcknowledged):
        return {"acknowledged": {**state.acknowledged, event.person: occurred_at.isoformat()}}
    return {}


def attestation_status(state: AttestingState, now: datetime) -> dict[str, AttestationStatus]:
    """Who has acknowledged the published version, who has not yet, and whose step is past its due date."""
    status: dict[str, AttestationStatus] = {person: "acknowledged" for person in state.acknowledged}
    for task in state.tasks_of_kind(TASK_KIND):
        status[task.assignee] = "overdue" if task.is_overdue(now) else "pending"
    return status
