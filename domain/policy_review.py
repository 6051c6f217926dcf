"""The rules of one review of one governance instrument; case id `policy/<instrument>/review/<n>`.

The owner either reaffirms the instrument unchanged, with a reason, or submits a revised text (stored by the
CLI under its SHA-256 content hash; the case records the hash, never the file). A revision goes through a
compliance review (accept, or request changes, which sends it back to the owner), then the Director's
endorsement; a reaffirmation goes straight to the Director, since its text is unchanged. Where the organisation
file makes the Board the approving body, the Director's endorsement asks the Board (a vote or a written
no-objection, as the instrument says). Once approved, the owner (or the Director) publishes the version: the
next review falls due one full review interval after publication, even when the approval came inside the
warning window. Every staff member in the instrument's attestation scope then acknowledges the version
within the instrument's working days, with reminders and escalation to their supervisor (step plan
`attestation`); when the last one has, the review closes `published` (or `reaffirmed`).

Restart-on-edit: the owner may still change the document once approvals have started (compliance review,
Director endorsement, Board, Board meeting, or approved but not yet published). That records
`ApprovalsRestarted`, cancels the approval steps, forgets any pending Board decision (its outcome arrives
stale and is ignored) and opens a fresh compliance review. After publication the text of this review is fixed.

Version numbers: a revision without `version` takes the next major number of the version under review:
the leading whole number plus one, then ".0" ("2.1" -> "3.0", "5" -> "6.0").
"""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain import timed_step
from domain.acting import local_date, require_known_person
from domain.board_decision import BoardOutcome
from domain.board_referral import BoardReferringState, RefersToBoard, meeting_decision, outcome_recorded
from domain.board_request import (
    BOARD_DECISION_RECORDED,
    BOARD_DECISION_REQUESTED,
    MEETING_TASK,
    BoardProcedure,
    meeting_referral_task,
)
from domain.calendar_months import add_months
from domain.case import Context, acting_on, close_case, handler_for, state_after, waiting_for
from domain.commands import Command, EventDraft, parse_fields, required_comment
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.organisation import OrganisationLookupError

KIND = "policy_review"

OPENED = "PolicyReviewOpened"
REAFFIRMED = "InstrumentReaffirmed"
REVISION_SUBMITTED = "RevisionSubmitted"
COMPLIANCE_ACCEPTED = "ComplianceReviewAccepted"
CHANGES_REQUESTED = "ChangesRequested"
ENDORSED = "DirectorEndorsed"
RETURNED = "ReturnedToOwner"
BOARD_REQUESTED = BOARD_DECISION_REQUESTED
BOARD_RECORDED = BOARD_DECISION_RECORDED
APPROVED = "InstrumentApproved"
RESTARTED = "ApprovalsRestarted"
PUBLISHED = "InstrumentPublished"
ATTESTATION_ADDED = "AttestationAdded"
ACKNOWLEDGED = "PolicyAcknowledged"

# Stages
OWNER_REVIEW = "owner_review"
COMPLIANCE_REVIEW = "compliance_review"
DIRECTOR_ENDORSEMENT = "director_endorsement"
BOARD = "board"
BOARD_MEETING = "board_meeting"
PUBLICATION = "publication"
ATTESTATION = "attestation"
#: Stages in which a change to the document restarts the approvals.
APPROVAL_STAGES = frozenset({COMPLIANCE_REVIEW, DIRECTOR_ENDORSEMENT, BOARD, BOARD_MEETING, PUBLICATION})

# Task ids
REVISE_TASK = "revise"
COMPLIANCE_TASK = "compliance-review"
ENDORSEMENT_TASK = "endorsement"
PUBLICATION_TASK = "publication"
ATTESTATION_PREFIX = "attestation-"


AttestationStatus = Literal["acknowledged", "pending", "overdue"]


class Draft(BaseModel):
    """The revised text under approval, as the CLI stored it."""

    model_config = ConfigDict(frozen=True)

    version: str
    sha256: str
    name: str
    change_summary: str


class Approval(BaseModel):
    model_config = ConfigDict(frozen=True)

    by: Literal["director", "board"]
    approver: str = Field(description="The Director's person id, or 'board'.")
    decision_reference: str
    approved_at: datetime


class Publication(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    sha256: str | None
    document_name: str | None
    published_on: date
    next_review_on: date
    approver: str
    decision_reference: str
    reaffirmed: bool


class PolicyReviewState(BoardReferringState):
    kind: str = KIND
    instrument_id: str | None = None
    title: str | None = None
    owner: str | None = None
    reason: str | None = Field(default=None, description="'due' or 'early'.")
    version_under_review: str | None = None
    current_sha256: str | None = Field(default=None, description="Hash of the version under review, if known.")
    approving_body: Literal["director", "board"] | None = None
    board_procedure: str | None = None
    review_interval_months: int | None = None
    attestation_working_days: int | None = None
    attestation_scope: tuple[str, ...] = ()
    draft: Draft | None = None
    reaffirmed: bool = False
    endorsed_by: str | None = None
    approval: Approval | None = None
    restarts: int = 0
    published: Publication | None = None
    acknowledged: dict[str, str] = Field(default_factory=dict, description="Person -> ISO instant acknowledged.")

    @property
    def proposed_version(self) -> str | None:
        """The version this review would publish: the revision's, or the unchanged one when reaffirmed."""
        if self.draft is not None:
            return self.draft.version
        return self.version_under_review if self.reaffirmed else None

    @property
    def proposed_sha256(self) -> str | None:
        return self.draft.sha256 if self.draft is not None else self.current_sha256

    def awaiting_elsewhere(self) -> str | None:
        if self.pending_board_case is not None:
            return f"the Management Board's decision {self.pending_board_case}"
        return None


# -- command fields ---------------------------------------------------------------------------------------------
class NoFields(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RevisionFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document_sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$", description="SHA-256 of the stored document.")
    document_name: str = Field(min_length=1)
    change_summary: str = Field(min_length=1)
    version: str | None = Field(default=None, pattern=r"^[0-9]+(\.[0-9]+)*$")


class ComplianceFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["accept", "request-changes"]


class EndorseFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "return"]


class PublishFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    published_on: date | None = None


class AttestationFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    person: str = Field(min_length=1)


# -- helpers ----------------------------------------------------------------------------------------------------
def next_major(version: str) -> str:
    """The next major version number: '2.0' -> '3.0', '5.2' -> '6.0', '3' -> '4.0'."""
    head = version.split(".", 1)[0]
    if not head.isdigit():
        raise NotAllowed(
            f"Version '{version}' has no leading number to count from; give the new one with --field version=.",
            rule="input",
        )
    return f"{int(head) + 1}.0"


def review_case_id(instrument_id: str, number: int) -> str:
    return f"policy/{instrument_id}/review/{number}"


def _name(context: Context, person: str) -> str:
    return context.organisation.person(person).name


def _open(context: Context, **kwargs: Any) -> EventDraft:
    return timed_step.open_task(opened_at=context.now, **kwargs)


def _attestation_task_id(person: str) -> str:
    return f"{ATTESTATION_PREFIX}{person}"


def _pick_compliance_reviewer(state: PolicyReviewState, context: Context) -> str:
    """A compliance officer who is not the owner; failing one, the internal auditor (independent oversight)."""
    for role in ("compliance_officer", "internal_auditor"):
        for person in context.organisation.people_with_role(role):
            if person.id != state.owner:
                return person.id
    raise NotAllowed(
        f"Nobody but the owner of the {state.title} holds the compliance officer's or the internal auditor's "
        "role, so the compliance review has no independent reviewer (separation of duties).",
        rule="separation-of-duties",
    )


def _owner_task(state: PolicyReviewState, context: Context, reason: str | None = None) -> EventDraft:
    """The owner's step. Its action is `submit-revision`, the `govern act` line a notice prints; its title names
    the other answer, `reaffirm`."""
    assert state.owner is not None
    return _open(
        context,
        task_id=REVISE_TASK,
        kind="policy_review",
        title=f"Reaffirm or revise {state.title}",
        assignee=state.owner,
        action="submit-revision",
        officer=state.owner,
        reason=reason,
    )


def _compliance_task(state: PolicyReviewState, context: Context, version: str) -> EventDraft:
    return _open(
        context,
        task_id=COMPLIANCE_TASK,
        kind="compliance_review",
        title=f"Compliance review of {state.title} version {version}",
        assignee=_pick_compliance_reviewer(state, context),
        action="compliance-review",
        officer=state.owner,
    )


def _endorsement_task(state: PolicyReviewState, context: Context, version: str) -> EventDraft:
    if state.approving_body == "director":
        title = f"Approve {state.title} version {version}"
    else:
        title = f"Endorse {state.title} version {version} for the Management Board"
    return _open(
        context,
        task_id=ENDORSEMENT_TASK,
        kind="director_endorsement",
        title=title,
        assignee=context.organisation.director().id,
        action="endorse",
        officer=state.owner,
    )


def _publication_task(state: PolicyReviewState, context: Context, version: str) -> EventDraft:
    assert state.owner is not None
    return _open(
        context,
        task_id=PUBLICATION_TASK,
        kind="publication",
        title=f"Publish {state.title} version {version}",
        assignee=state.owner,
        action="publish",
        officer=state.owner,
    )


def _attestation_task(state: PolicyReviewState, context: Context, person: str, version: str) -> EventDraft:
    return _open(
        context,
        task_id=_attestation_task_id(person),
        kind="attestation",
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


def _scope_now(state: PolicyReviewState, context: Context) -> tuple[str, ...]:
    assert state.instrument_id is not None
    try:
        return tuple(person.id for person in context.organisation.attestation_scope_of(state.instrument_id))
    except OrganisationLookupError:
        # The instrument left the organisation file after this review opened: its scope is the one recorded.
        return state.attestation_scope


def _approved(
    state: PolicyReviewState,
    context: Context,
    *,
    by: Literal["director", "board"],
    approver: str,
    actor: str,
    actor_role: str,
    on_behalf_of: str | None,
    reference: str,
    reason: str | None,
) -> list[EventDraft]:
    version = state.proposed_version
    assert version is not None
    return [
        EventDraft(
            type=APPROVED,
            actor=actor,
            actor_role=actor_role,
            on_behalf_of=on_behalf_of,
            reason=reason,
            outcome="approved",
            payload={
                "by": by,
                "approver": approver,
                "version": version,
                "sha256": state.proposed_sha256,
                "reaffirmed": state.reaffirmed,
                "decision_reference": reference,
            },
        ),
        _publication_task(state, context, version),
    ]


def _returned(
    state: PolicyReviewState,
    context: Context,
    *,
    actor: str,
    actor_role: str | None,
    on_behalf_of: str | None,
    reason: str,
    outcome: str,
) -> list[EventDraft]:
    return [
        EventDraft(
            type=RETURNED,
            actor=actor,
            actor_role=actor_role,
            on_behalf_of=on_behalf_of,
            reason=reason,
            outcome=outcome,
            payload={"from_stage": state.stage, "version": state.proposed_version},
        ),
        _owner_task(state, context, reason),
    ]


# -- opening ----------------------------------------------------------------------------------------------------
def open_policy_review(
    case_id: str,
    instrument_id: str,
    reason: Literal["due", "early"],
    requested_by: str,
    context: Context,
    *,
    current_version: str | None = None,
    current_sha256: str | None = None,
    comment: str | None = None,
) -> list[EventDraft]:
    """The events that open a review: what is under review, by whose rules, then the owner's step.

    `current_version` and `current_sha256` come from the instrument's register (its last published version);
    without them the organisation file's `current_version` is under review and its hash is unknown.
    `requested_by` is a person for an early review, or `system` when the review fell due."""
    organisation = context.organisation
    try:
        instrument = organisation.instrument(instrument_id)
    except OrganisationLookupError as error:
        raise NotAllowed(str(error), rule="organisation") from None
    prefix = f"policy/{instrument_id}/review/"
    if not case_id.startswith(prefix) or not case_id.removeprefix(prefix).isdigit():
        raise NotAllowed(f"A review of {instrument.title} has a case id like {prefix}1, not {case_id}.", rule="input")
    if requested_by != SYSTEM_ACTOR:
        require_known_person(organisation, requested_by)
    if not organisation.has_person(instrument.owner):
        raise NotAllowed(
            f"The owner of the {instrument.title}, '{instrument.owner}', is not in the organisation file.",
            rule="organisation",
        )
    scope = [person.id for person in organisation.attestation_scope_of(instrument_id)]
    version = current_version or instrument.current_version
    state = PolicyReviewState(
        case_id=case_id,
        instrument_id=instrument.id,
        title=instrument.title,
        owner=instrument.owner,
        approving_body=instrument.approving_body,
    )
    why = comment or (
        f"the review of {instrument.title} fell due"
        if reason == "due"
        else f"review of {instrument.title} started early by {requested_by}"
    )
    return [
        EventDraft(
            type=OPENED,
            actor=requested_by,
            reason=why,
            outcome=reason,
            payload={
                "instrument": instrument.id,
                "title": instrument.title,
                "owner": instrument.owner,
                "reason": reason,
                "requested_by": requested_by,
                "version_under_review": version,
                "current_sha256": current_sha256,
                "approving_body": instrument.approving_body,
                "board_procedure": BoardProcedure.named(instrument.board_procedure).value
                if instrument.approving_body == "board"
                else None,
                "review_interval_months": instrument.review_interval_months,
                "attestation_working_days": instrument.attestation_working_days,
                "attestation_scope": scope,
            },
        ),
        _owner_task(state, context),
    ]


# -- the decider ------------------------------------------------------------------------------------------------
class PolicyReviewDecider(RefersToBoard):
    kind = KIND

    def initial_state(self, case_id: str) -> PolicyReviewState:
        return PolicyReviewState(case_id=case_id)

    # commands --------------------------------------------------------------------------------------------------
    def decide(self, state: PolicyReviewState, command: Command, context: Context) -> list[EventDraft]:
        handler = handler_for(_HANDLERS, command, "a policy review")
        if state.instrument_id is None:
            raise NotAllowed(f"Policy review {state.case_id} has not been opened.", rule="stage")
        return handler(self, state, command, context)

    def reaffirm(self, state: PolicyReviewState, command: Command, context: Context) -> list[EventDraft]:
        task = state.tasks.get(REVISE_TASK)
        if task is None:
            raise NotAllowed(
                f"The {state.title} can be reaffirmed only while the review is with its owner (stage: "
                f"{state.stage}); to change the text now, submit a revision, which restarts the approvals.",
                rule="stage",
            )
        parse_fields(command, NoFields)
        on_behalf = acting_on(state, context, command.actor, task.assignee, f"reaffirm the {state.title}")
        reason = required_comment(command, "Reaffirming an instrument unchanged")
        assert state.version_under_review is not None
        drafts = [
            EventDraft(
                type=REAFFIRMED,
                actor=command.actor,
                actor_role="owner",
                on_behalf_of=on_behalf,
                reason=reason,
                outcome="reaffirmed",
                payload={"version": state.version_under_review, "sha256": state.current_sha256},
            ),
            timed_step.complete_task(task, command.actor, on_behalf, "reaffirmed"),
        ]
        # The text is unchanged, so there is nothing for compliance to review: straight to the Director, who
        # approves it or endorses it for the Board (the Director sees that every instrument is reviewed).
        reaffirmed = state_after(self, state, drafts, context.now)
        return drafts + [_endorsement_task(reaffirmed, context, state.version_under_review)]

    def submit_revision(self, state: PolicyReviewState, command: Command, context: Context) -> list[EventDraft]:
        if state.published is not None:
            raise NotAllowed(
                f"Version {state.published.version} of the {state.title} is published; the text cannot change in "
                "this review. A further change needs a new review.",
                rule="restart-on-edit",
            )
        fields = parse_fields(command, RevisionFields)
        task = state.tasks.get(REVISE_TASK)
        assert state.owner is not None and state.version_under_review is not None
        on_behalf = acting_on(
            state,
            context,
            command.actor,
            task.assignee if task else state.owner,
            f"submit a revision of the {state.title}",
        )
        sha256 = fields.document_sha256.lower()
        version = fields.version or next_major(state.version_under_review)
        if version == state.version_under_review:
            raise NotAllowed(
                f"A revised text needs a new version number; {version} is the version under review (use "
                "reaffirm to keep it unchanged).",
                rule="versioning",
            )
        if sha256 == state.current_sha256:
            raise NotAllowed(
                f"This document is the text of version {state.version_under_review} unchanged; reaffirm it "
                "instead of submitting it as a revision.",
                rule="versioning",
            )
        submitted = EventDraft(
            type=REVISION_SUBMITTED,
            actor=command.actor,
            actor_role="owner",
            on_behalf_of=on_behalf,
            reason=command.comment,
            outcome="submitted",
            payload={
                "version": version,
                "sha256": sha256,
                "name": fields.document_name,
                "change_summary": fields.change_summary,
            },
        )
        if task is not None:
            return [
                submitted,
                timed_step.complete_task(task, command.actor, on_behalf, "revised"),
                _compliance_task(state, context, version),
            ]
        if state.stage not in APPROVAL_STAGES:
            raise state.no_step(
                "submit a revision",
                f"Policy review {state.case_id}",
                context,
                when="the owner submits a revision while the review is with them, or while approvals run (which "
                "restarts them)",
            )
        if state.draft is not None and sha256 == state.draft.sha256:
            raise NotAllowed(
                f"This document is the one already under approval (version {state.draft.version}); nothing "
                "changed, so the approvals go on.",
                rule="restart-on-edit",
            )
        restarted = EventDraft(
            type=RESTARTED,
            actor=command.actor,
            actor_role="owner",
            on_behalf_of=on_behalf,
            reason=command.comment.strip()
            if command.comment and command.comment.strip()
            else "the document changed after approvals had started (restart-on-edit)",
            outcome="restarted",
            payload={
                "from_stage": state.stage,
                "previous_version": state.proposed_version,
                "previous_sha256": state.proposed_sha256,
                "new_version": version,
                "new_sha256": sha256,
                "superseded_board_case": state.pending_board_case,
                "superseded_approval": state.approval.decision_reference if state.approval else None,
            },
        )
        return [
            restarted,
            *(
                timed_step.cancel_task(t, "the document changed; approvals restart", command.actor)
                for t in state.tasks.values()
            ),
            submitted,
            _compliance_task(state, context, version),
        ]

    def compliance_review(self, state: PolicyReviewState, command: Command, context: Context) -> list[EventDraft]:
        task = state.open_step(
            COMPLIANCE_TASK,
            "review for compliance",
            f"Policy review {state.case_id}",
            context,
            when="a compliance review follows each revision the owner submits; a reaffirmed text, unchanged, goes to "
            "the Director without one",
        )
        fields = parse_fields(command, ComplianceFields)
        if command.actor == state.owner:
            raise NotAllowed(
                f"{_name(context, command.actor)} owns the {state.title}, and an owner cannot review compliance "
                "(separation of duties).",
                rule="separation-of-duties",
            )
        on_behalf = acting_on(state, context, command.actor, task.assignee, f"review the {state.title} for compliance")
        assert state.draft is not None
        completed = timed_step.complete_task(task, command.actor, on_behalf, fields.decision)
        if fields.decision == "request-changes":
            reason = required_comment(command, "Requesting changes")
            return [
                EventDraft(
                    type=CHANGES_REQUESTED,
                    actor=command.actor,
                    actor_role="compliance_officer",
                    on_behalf_of=on_behalf,
                    reason=reason,
                    outcome="changes-requested",
                    payload={"version": state.draft.version, "sha256": state.draft.sha256},
                ),
                completed,
                _owner_task(state, context, reason),
            ]
        return [
            EventDraft(
                type=COMPLIANCE_ACCEPTED,
                actor=command.actor,
                actor_role="compliance_officer",
                on_behalf_of=on_behalf,
                reason=command.comment,
                outcome="accepted",
                payload={"version": state.draft.version, "sha256": state.draft.sha256},
            ),
            completed,
            _endorsement_task(state, context, state.draft.version),
        ]

    def endorse(self, state: PolicyReviewState, command: Command, context: Context) -> list[EventDraft]:
        task = state.open_step(
            ENDORSEMENT_TASK,
            "endorse",
            f"Policy review {state.case_id}",
            context,
            when="the Director endorses once compliance has accepted a revision, or once the owner has reaffirmed the "
            "instrument",
        )
        fields = parse_fields(command, EndorseFields)
        if context.organisation.has_role(command.actor, "director"):
            on_behalf = None
        else:
            on_behalf = acting_on(state, context, command.actor, task.assignee, f"endorse the {state.title}")
        completed = timed_step.complete_task(task, command.actor, on_behalf, fields.decision)
        if fields.decision == "return":
            reason = required_comment(command, "Returning an instrument to its owner")
            return [
                completed,
                *_returned(
                    state,
                    context,
                    actor=command.actor,
                    actor_role="director",
                    on_behalf_of=on_behalf,
                    reason=reason,
                    outcome="returned",
                ),
            ]
        version = state.proposed_version
        assert version is not None
        if state.approving_body == "director":
            return [
                completed,
                *_approved(
                    state,
                    context,
                    by="director",
                    approver=on_behalf or command.actor,
                    actor=command.actor,
                    actor_role="director",
                    on_behalf_of=on_behalf,
                    reference=state.case_id,
                    reason=command.comment,
                ),
            ]
        procedure = BoardProcedure.NO_OBJECTION if state.board_procedure == "no_objection" else BoardProcedure.VOTE
        what = "reaffirmation" if state.reaffirmed else "revision"
        return [
            EventDraft(
                type=ENDORSED,
                actor=command.actor,
                actor_role="director",
                on_behalf_of=on_behalf,
                reason=command.comment,
                outcome="endorsed",
                payload={"by": command.actor, "version": version, "sha256": state.proposed_sha256},
            ),
            completed,
            state.board.request(
                parent_case=state.case_id,
                procedure=procedure,
                matter=f"{state.title}: approval of the {what}, version {version} ({state.case_id})",
                actor=command.actor,
                actor_role="director",
                on_behalf_of=on_behalf,
                reason=f"the Management Board approves the {state.title} (approving body)",
            ),
        ]

    def record_meeting_decision(self, state: PolicyReviewState, command: Command, context: Context) -> list[EventDraft]:
        task = state.open_step(
            MEETING_TASK,
            "record the Board meeting's decision on",
            f"Policy review {state.case_id}",
            context,
            when="a Board meeting decides an instrument only after an objection in the no-objection procedure "
            "referred it there",
        )
        decided = meeting_decision(state, command, context, task)
        return [
            decided.recorded(command.comment, tally={}),
            decided.completes(task),
            *self._after_board(
                state,
                context,
                outcome=decided.outcome,
                reference=decided.reference,
                actor=command.actor,
                actor_role="board_chair",
                on_behalf_of=decided.on_behalf_of,
            ),
        ]

    def board_outcome(self, state: PolicyReviewState, outcome: BoardOutcome, context: Context) -> list[EventDraft]:
        """The child Board decision has closed. An outcome for a Board case that is no longer the pending one
        (the document changed and the approvals restarted) is stale (`RefersToBoard`): nothing happens."""
        return [
            outcome_recorded(outcome),
            *self._after_board(
                state,
                context,
                outcome=outcome.outcome,
                reference=outcome.board_case,
                actor=SYSTEM_ACTOR,
                actor_role="management_board",
                on_behalf_of=None,
            ),
        ]

    def _after_board(
        self,
        state: PolicyReviewState,
        context: Context,
        *,
        outcome: str,
        reference: str,
        actor: str,
        actor_role: str,
        on_behalf_of: str | None,
    ) -> list[EventDraft]:
        if outcome == "approved":
            return _approved(
                state,
                context,
                by="board",
                approver="board",
                actor=actor,
                actor_role=actor_role,
                on_behalf_of=on_behalf_of,
                reference=reference,
                reason=f"approved by the Management Board ({reference})",
            )
        if outcome == "referred_to_meeting":
            return [meeting_referral_task(context, subject=f"the {state.title}", officer=state.owner)]
        return _returned(
            state,
            context,
            actor=actor,
            actor_role=actor_role,
            on_behalf_of=on_behalf_of,
            reason=f"the Management Board did not approve ({outcome}, {reference})",
            outcome=outcome,
        )

    def publish(self, state: PolicyReviewState, command: Command, context: Context) -> list[EventDraft]:
        task = state.open_step(
            PUBLICATION_TASK,
            "publish",
            f"Policy review {state.case_id}",
            context,
            when="a version is published once its approving body has approved it",
        )
        fields = parse_fields(command, PublishFields)
        organisation = context.organisation
        if organisation.has_role(command.actor, "director"):
            on_behalf = None
        else:
            on_behalf = acting_on(state, context, command.actor, task.assignee, f"publish the {state.title}")
        approval = state.approval
        version = state.proposed_version
        assert approval is not None and version is not None and state.review_interval_months is not None
        today = local_date(organisation, command.actor, context.now)
        published_on = fields.published_on or today
        approved_on = local_date(organisation, command.actor, approval.approved_at)
        if published_on > today:
            raise NotAllowed(
                f"A publication is recorded when it happens; {published_on.isoformat()} is still ahead.",
                rule="publication",
            )
        if published_on < approved_on:
            raise NotAllowed(
                f"A publication cannot precede the approval: {published_on.isoformat()} is before "
                f"{approved_on.isoformat()}, when the {state.title} version {version} was approved.",
                rule="publication",
            )
        # One full interval from publication, even when the approval came inside the warning window.
        next_review_on = add_months(published_on, state.review_interval_months)
        scope = _scope_now(state, context)
        later = {person: day for person in scope if (day := _not_yet_joined(context, person)) is not None}
        attesting = [person for person in scope if person not in later]
        drafts = [
            EventDraft(
                type=PUBLISHED,
                actor=command.actor,
                actor_role="director" if organisation.has_role(command.actor, "director") else "owner",
                on_behalf_of=on_behalf,
                reason=command.comment,
                outcome="reaffirmed" if state.reaffirmed else "published",
                payload={
                    "instrument": state.instrument_id,
                    "version": version,
                    "sha256": state.proposed_sha256,
                    "document_name": state.draft.name if state.draft else None,
                    "published_on": published_on.isoformat(),
                    "next_review_on": next_review_on.isoformat(),
                    "approver": approval.approver,
                    "approved_by": approval.by,
                    "decision_reference": approval.decision_reference,
                    "reaffirmed": state.reaffirmed,
                    "attestation_scope": attesting,
                    "joining_later": {person: day.isoformat() for person, day in later.items()},
                },
            ),
            timed_step.complete_task(task, command.actor, on_behalf, "published"),
        ]
        drafts += [_attestation_task(state, context, person, version) for person in attesting]
        return drafts

    def acknowledge(self, state: PolicyReviewState, command: Command, context: Context) -> list[EventDraft]:
        task = state.tasks.get(_attestation_task_id(command.actor))
        parse_fields(command, NoFields)
        name = _name(context, command.actor)
        if task is None:
            if command.actor in state.acknowledged and state.published is not None:
                raise NotAllowed(
                    f"{name} already acknowledged the {state.title} version {state.published.version}.",
                    rule="attestation",
                )
            if state.published is None:
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
        assert state.published is not None
        return [
            EventDraft(
                type=ACKNOWLEDGED,
                actor=command.actor,
                reason=command.comment,
                outcome="acknowledged",
                payload={"person": command.actor, "version": state.published.version},
            ),
            timed_step.complete_task(task, command.actor, None, "acknowledged"),
        ]

    def add_attestation_command(self, state: PolicyReviewState, command: Command, context: Context) -> list[EventDraft]:
        fields = parse_fields(command, AttestationFields)
        if not context.organisation.has_role(command.actor, "compliance_officer"):
            raise NotAllowed(
                f"Only the Compliance Officer may add a staff member to the attestation of the {state.title}; "
                "those who join later are added by the system.",
                rule="attestation",
            )
        return add_attestation(state, fields.person, context, actor=command.actor, reason=command.comment)

    # reactions and timers ---------------------------------------------------------------------------------------
    def react(self, state: PolicyReviewState, context: Context) -> list[EventDraft]:
        if state.stage == ATTESTATION and not state.tasks_of_kind("attestation"):
            outcome = "reaffirmed" if state.reaffirmed else "published"
            count = len(state.acknowledged)
            return close_case(
                state,
                actor=SYSTEM_ACTOR,
                outcome=outcome,
                reason=f"{count} acknowledgement{'s' if count != 1 else ''} of version "
                f"{state.published.version if state.published else ''} complete",
                stage="closed",
            )
        return []

    def on_deadline(self, state: PolicyReviewState, task: timed_step.Task, context: Context) -> list[EventDraft]:
        return []  # every step of a review escalates; none lapses

    def check_assignee(self, state: PolicyReviewState, task: timed_step.Task, person: str, context: Context) -> None:
        """A reassignment passes the same rules as the original assignment."""
        organisation = context.organisation
        if task.kind == "attestation":
            raise NotAllowed(
                "An acknowledgement is personal: each staff member in scope acknowledges the instrument "
                "themselves, so it cannot be reassigned (attestation).",
                rule="attestation",
            )
        if task.task_id == COMPLIANCE_TASK:
            if person == state.owner:
                raise NotAllowed(
                    f"{_name(context, person)} owns the {state.title}, and an owner cannot review compliance "
                    "(separation of duties).",
                    rule="separation-of-duties",
                )
            if not organisation.person(person).staff:
                raise NotAllowed(
                    f"{_name(context, person)} is not Secretariat staff and cannot review compliance.",
                    rule="separation-of-duties",
                )
        elif task.task_id == ENDORSEMENT_TASK and not organisation.has_role(person, "director"):
            raise NotAllowed(
                f"Only the Director may endorse the {state.title} (delegation of authority).",
                rule="delegation-of-authority",
            )

    # evolve -----------------------------------------------------------------------------------------------------
    def evolve(self, state: PolicyReviewState, event: DomainEvent) -> PolicyReviewState:
        p = event.payload
        t = event.type
        update: dict[str, Any] = {}
        if t == OPENED:
            update = {
                "instrument_id": p["instrument"],
                "title": p["title"],
                "owner": p["owner"],
                "reason": p["reason"],
                "requester": p["requested_by"],
                "version_under_review": p["version_under_review"],
                "current_sha256": p.get("current_sha256"),
                "approving_body": p["approving_body"],
                "board_procedure": p.get("board_procedure"),
                "review_interval_months": p["review_interval_months"],
                "attestation_working_days": p["attestation_working_days"],
                "attestation_scope": tuple(p["attestation_scope"]),
                "stage": OWNER_REVIEW,
            }
        elif t == REAFFIRMED:
            update = {"reaffirmed": True, "draft": None, "stage": DIRECTOR_ENDORSEMENT}
        elif t == REVISION_SUBMITTED:
            update = {
                "draft": Draft(
                    version=p["version"], sha256=p["sha256"], name=p["name"], change_summary=p["change_summary"]
                ),
                "reaffirmed": False,
                "stage": COMPLIANCE_REVIEW,
            }
        elif t == COMPLIANCE_ACCEPTED:
            update = {"stage": DIRECTOR_ENDORSEMENT}
        elif t == CHANGES_REQUESTED:
            update = {"stage": OWNER_REVIEW}
        elif t == ENDORSED:
            update = {"endorsed_by": p["by"]}
        elif t == BOARD_REQUESTED:
            update = {"board": state.board.after(event), "stage": BOARD}
        elif t == BOARD_RECORDED:
            update = {"board": state.board.after(event)}
            if event.outcome == "referred_to_meeting":
                update["stage"] = BOARD_MEETING
        elif t == RETURNED:
            update = {"stage": OWNER_REVIEW, "approval": None, "endorsed_by": None, "board": state.board.forgotten()}
        elif t == APPROVED:
            update = {
                "approval": Approval(
                    by=p["by"],
                    approver=p["approver"],
                    decision_reference=p["decision_reference"],
                    approved_at=event.occurred_at,
                ),
                "stage": PUBLICATION,
            }
        elif t == RESTARTED:
            update = {
                "approval": None,
                "endorsed_by": None,
                "board": state.board.forgotten(),
                "restarts": state.restarts + 1,
            }
        elif t == PUBLISHED:
            update = {
                "published": Publication(
                    version=p["version"],
                    sha256=p["sha256"],
                    document_name=p.get("document_name"),
                    published_on=date.fromisoformat(p["published_on"]),
                    next_review_on=date.fromisoformat(p["next_review_on"]),
                    approver=p["approver"],
                    decision_reference=p["decision_reference"],
                    reaffirmed=p["reaffirmed"],
                ),
                "stage": ATTESTATION,
            }
        elif t == ACKNOWLEDGED:
            update = {"acknowledged": {**state.acknowledged, p["person"]: event.occurred_at.isoformat()}}
        return state.model_copy(update=update) if update else state

    def stage_summary(self, state: PolicyReviewState) -> dict[str, Any]:
        return {
            "instrument": state.instrument_id,
            "title": state.title,
            "owner": state.owner,
            "reason": state.reason,
            "version_under_review": state.version_under_review,
            "approving_body": state.approving_body,
            "board_procedure": state.board_procedure,
            "reaffirmed": state.reaffirmed,
            "draft": state.draft.model_dump() if state.draft else None,
            "approval": state.approval.model_dump(mode="json") if state.approval else None,
            "board_cases": list(state.board_cases),
            "restarts": state.restarts,
            "published": publication_of(state),
            "acknowledged": len(state.acknowledged),
            "attestations_open": len(state.tasks_of_kind("attestation")),
        }


# -- for the runtime and the CLI --------------------------------------------------------------------------------
def publication_of(state: PolicyReviewState) -> dict[str, Any] | None:
    """What the register records of this review (`record_review_outcome`'s `published`), once published."""
    if state.published is None:
        return None
    return state.published.model_dump(mode="json")


def add_attestation(
    state: PolicyReviewState,
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
    if state.published is None:
        raise NotAllowed(
            f"Acknowledgements follow publication, which this review of the {state.title} has not reached "
            f"(stage: {state.stage}); {waiting_for(state, organisation)}.",
            rule="attestation",
        )
    require_known_person(organisation, person)
    name = _name(context, person)
    if person not in _scope_now(state, context):
        assert state.instrument_id is not None
        try:
            scope = ", ".join(organisation.instrument(state.instrument_id).attestation_scope)
        except OrganisationLookupError:
            scope = "as recorded when the review opened"
        raise NotAllowed(f"{name} is not in the attestation scope of the {state.title} ({scope}).", rule="attestation")
    if person in state.acknowledged:
        raise NotAllowed(
            f"{name} already acknowledged the {state.title} version {state.published.version}.", rule="attestation"
        )
    if _attestation_task_id(person) in state.tasks:
        raise NotAllowed(
            f"{name} already has an open acknowledgement of the {state.title} version {state.published.version}.",
            rule="attestation",
        )
    joins_on = _not_yet_joined(context, person)
    if joins_on is not None:
        raise NotAllowed(
            f"{name} joins on {joins_on.isoformat()}; their acknowledgement can be added from that day.",
            rule="attestation",
        )
    return [
        EventDraft(
            type=ATTESTATION_ADDED,
            actor=actor,
            actor_role="compliance_officer" if actor != SYSTEM_ACTOR else None,
            reason=reason or f"{name} joined after version {state.published.version} was published",
            outcome="added",
            payload={"person": person, "version": state.published.version},
        ),
        _attestation_task(state, context, person, state.published.version),
    ]


def missing_attestations(state: PolicyReviewState, context: Context) -> list[str]:
    """People in scope today (joined, no task, not acknowledged) who have no acknowledgement to make yet."""
    if state.closed or state.published is None:
        return []
    return [
        person
        for person in _scope_now(state, context)
        if person not in state.acknowledged
        and _attestation_task_id(person) not in state.tasks
        and _not_yet_joined(context, person) is None
    ]


def add_missing_attestations(state: PolicyReviewState, context: Context) -> list[EventDraft]:
    """Every late joiner's acknowledgement, for the runtime to apply when the organisation changes or a
    joining date arrives; nothing when there is none."""
    drafts: list[EventDraft] = []
    for person in missing_attestations(state, context):
        drafts += add_attestation(state, person, context)
    return drafts


def attestation_status(state: PolicyReviewState, now: datetime) -> dict[str, AttestationStatus]:
    """Who has acknowledged the published version, who has not yet, and whose step is past its due date."""
    status: dict[str, AttestationStatus] = {person: "acknowledged" for person in state.acknowledged}
    for task in state.tasks_of_kind("attestation"):
        status[task.assignee] = "overdue" if task.is_overdue(now) else "pending"
    return status


_HANDLERS = {
    "reaffirm": PolicyReviewDecider.reaffirm,
    "submit-revision": PolicyReviewDecider.submit_revision,
    "compliance-review": PolicyReviewDecider.compliance_review,
    "endorse": PolicyReviewDecider.endorse,
    "record-meeting-decision": PolicyReviewDecider.record_meeting_decision,
    "publish": PolicyReviewDecider.publish,
    "acknowledge": PolicyReviewDecider.acknowledge,
    "add-attestation": PolicyReviewDecider.add_attestation_command,
}

POLICY_REVIEW = PolicyReviewDecider()
