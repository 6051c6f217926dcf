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

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain import attestation, timed_step
from domain import policy_review_events as events
from domain.acting import local_date, require_known_person

# The staff attestation's moves and status, as the runtime, the CLI and the action table name them here.
from domain.attestation import AttestationStatus as AttestationStatus
from domain.attestation import AttestingState
from domain.attestation import add_attestation as add_attestation
from domain.attestation import add_missing_attestations as add_missing_attestations
from domain.attestation import attestation_status as attestation_status
from domain.attestation import missing_attestations as missing_attestations
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
from domain.case import Context, acting_on, close_case, handler_for, state_after
from domain.command_model import NoFields as NoFields
from domain.commands import Command, EventDraft, required_comment
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.organisation import OrganisationLookupError
from domain.policy_review_commands import (
    POLICY_REVIEW_COMMANDS,
    ComplianceReview,
    Endorse,
    Publish,
    Reaffirm,
    RecordMeetingDecision,
    SubmitRevision,
)

# Each action's fields, as the action table (`domain.action_table`) names them here.
from domain.policy_review_commands import AttestationFields as AttestationFields
from domain.policy_review_commands import ComplianceFields as ComplianceFields
from domain.policy_review_commands import EndorseFields as EndorseFields
from domain.policy_review_commands import PublishFields as PublishFields
from domain.policy_review_commands import RevisionFields as RevisionFields
from domain.policy_review_events import POLICY_REVIEW_EVENTS

KIND = "policy_review"

# The event types, as the typed events of `domain.policy_review_events` name them.
OPENED = events.PolicyReviewOpened.model_fields["type"].default
REAFFIRMED = events.InstrumentReaffirmed.model_fields["type"].default
REVISION_SUBMITTED = events.RevisionSubmitted.model_fields["type"].default
COMPLIANCE_ACCEPTED = events.ComplianceReviewAccepted.model_fields["type"].default
CHANGES_REQUESTED = events.ChangesRequested.model_fields["type"].default
ENDORSED = events.DirectorEndorsed.model_fields["type"].default
RETURNED = events.ReturnedToOwner.model_fields["type"].default
BOARD_REQUESTED = BOARD_DECISION_REQUESTED
BOARD_RECORDED = BOARD_DECISION_RECORDED
APPROVED = events.InstrumentApproved.model_fields["type"].default
RESTARTED = events.ApprovalsRestarted.model_fields["type"].default
PUBLISHED = events.InstrumentPublished.model_fields["type"].default
ATTESTATION_ADDED = events.AttestationAdded.model_fields["type"].default
ACKNOWLEDGED = events.PolicyAcknowledged.model_fields["type"].default

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
ATTESTATION_PREFIX = attestation.TASK_PREFIX


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


class PolicyReviewState(BoardReferringState, AttestingState):
    """The approval chain's state; the instrument, its attestation scope and who acknowledged are the
    attestation's slice (`AttestingState`)."""

    kind: str = KIND
    reason: str | None = Field(default=None, description="'due' or 'early'.")
    version_under_review: str | None = None
    current_sha256: str | None = Field(default=None, description="Hash of the version under review, if known.")
    approving_body: Literal["director", "board"] | None = None
    board_procedure: str | None = None
    review_interval_months: int | None = None
    draft: Draft | None = None
    reaffirmed: bool = False
    endorsed_by: str | None = None
    approval: Approval | None = None
    restarts: int = 0
    published: Publication | None = None

    @property
    def published_version(self) -> str | None:
        return self.published.version if self.published is not None else None

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
        events.InstrumentApproved(
            by=by,
            approver=approver,
            version=version,
            sha256=state.proposed_sha256,
            reaffirmed=state.reaffirmed,
            decision_reference=reference,
        ).draft(actor, actor_role=actor_role, on_behalf_of=on_behalf_of, reason=reason, outcome="approved"),
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
        events.ReturnedToOwner(from_stage=state.stage, version=state.proposed_version).draft(
            actor, actor_role=actor_role, on_behalf_of=on_behalf_of, reason=reason, outcome=outcome
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
        events.PolicyReviewOpened(
            instrument=instrument.id,
            title=instrument.title,
            owner=instrument.owner,
            reason=reason,
            requested_by=requested_by,
            version_under_review=version,
            current_sha256=current_sha256,
            approving_body=instrument.approving_body,
            board_procedure=BoardProcedure.named(instrument.board_procedure).value
            if instrument.approving_body == "board"
            else None,
            review_interval_months=instrument.review_interval_months,
            attestation_working_days=instrument.attestation_working_days,
            attestation_scope=tuple(scope),
        ).draft(requested_by, reason=why, outcome=reason),
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
        return handler(self, state, POLICY_REVIEW_COMMANDS.parse(command), context)

    def reaffirm(self, state: PolicyReviewState, command: Reaffirm, context: Context) -> list[EventDraft]:
        task = state.tasks.get(REVISE_TASK)
        if task is None:
            raise NotAllowed(
                f"The {state.title} can be reaffirmed only while the review is with its owner (stage: "
                f"{state.stage}); to change the text now, submit a revision, which restarts the approvals.",
                rule="stage",
            )
        command.refuse_bad_input()
        on_behalf = acting_on(state, context, command.actor, task.assignee, f"reaffirm the {state.title}")
        reason = required_comment(command, "Reaffirming an instrument unchanged")
        assert state.version_under_review is not None
        drafts = [
            events.InstrumentReaffirmed(version=state.version_under_review, sha256=state.current_sha256).draft(
                command.actor, actor_role="owner", on_behalf_of=on_behalf, reason=reason, outcome="reaffirmed"
            ),
            timed_step.complete_task(task, command.actor, on_behalf, "reaffirmed"),
        ]
        # The text is unchanged, so there is nothing for compliance to review: straight to the Director, who
        # approves it or endorses it for the Board (the Director sees that every instrument is reviewed).
        reaffirmed = state_after(self, state, drafts, context.now)
        return drafts + [_endorsement_task(reaffirmed, context, state.version_under_review)]

    def submit_revision(self, state: PolicyReviewState, command: SubmitRevision, context: Context) -> list[EventDraft]:
        if state.published is not None:
            raise NotAllowed(
                f"Version {state.published.version} of the {state.title} is published; the text cannot change in "
                "this review. A further change needs a new review.",
                rule="restart-on-edit",
            )
        fields = command.fields
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
        submitted = events.RevisionSubmitted(
            version=version, sha256=sha256, name=fields.document_name, change_summary=fields.change_summary
        ).draft(command.actor, actor_role="owner", on_behalf_of=on_behalf, reason=command.comment, outcome="submitted")
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
        restarted = events.ApprovalsRestarted(
            from_stage=state.stage,
            previous_version=state.proposed_version,
            previous_sha256=state.proposed_sha256,
            new_version=version,
            new_sha256=sha256,
            superseded_board_case=state.pending_board_case,
            superseded_approval=state.approval.decision_reference if state.approval else None,
        ).draft(
            command.actor,
            actor_role="owner",
            on_behalf_of=on_behalf,
            reason=command.comment.strip()
            if command.comment and command.comment.strip()
            else "the document changed after approvals had started (restart-on-edit)",
            outcome="restarted",
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

    def compliance_review(
        self, state: PolicyReviewState, command: ComplianceReview, context: Context
    ) -> list[EventDraft]:
        task = state.open_step(
            COMPLIANCE_TASK,
            "review for compliance",
            f"Policy review {state.case_id}",
            context,
            when="a compliance review follows each revision the owner submits; a reaffirmed text, unchanged, goes to "
            "the Director without one",
        )
        fields = command.fields
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
                events.ChangesRequested(version=state.draft.version, sha256=state.draft.sha256).draft(
                    command.actor,
                    actor_role="compliance_officer",
                    on_behalf_of=on_behalf,
                    reason=reason,
                    outcome="changes-requested",
                ),
                completed,
                _owner_task(state, context, reason),
            ]
        return [
            events.ComplianceReviewAccepted(version=state.draft.version, sha256=state.draft.sha256).draft(
                command.actor,
                actor_role="compliance_officer",
                on_behalf_of=on_behalf,
                reason=command.comment,
                outcome="accepted",
            ),
            completed,
            _endorsement_task(state, context, state.draft.version),
        ]

    def endorse(self, state: PolicyReviewState, command: Endorse, context: Context) -> list[EventDraft]:
        task = state.open_step(
            ENDORSEMENT_TASK,
            "endorse",
            f"Policy review {state.case_id}",
            context,
            when="the Director endorses once compliance has accepted a revision, or once the owner has reaffirmed the "
            "instrument",
        )
        fields = command.fields
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
            events.DirectorEndorsed(by=command.actor, version=version, sha256=state.proposed_sha256).draft(
                command.actor, actor_role="director", on_behalf_of=on_behalf, reason=command.comment, outcome="endorsed"
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

    def record_meeting_decision(
        self, state: PolicyReviewState, command: RecordMeetingDecision, context: Context
    ) -> list[EventDraft]:
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

    def publish(self, state: PolicyReviewState, command: Publish, context: Context) -> list[EventDraft]:
        task = state.open_step(
            PUBLICATION_TASK,
            "publish",
            f"Policy review {state.case_id}",
            context,
            when="a version is published once its approving body has approved it",
        )
        fields = command.fields
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
        attesting, later = attestation.scope_at_publication(state, context)
        drafts = [
            events.InstrumentPublished(
                instrument=state.instrument_id,
                version=version,
                sha256=state.proposed_sha256,
                document_name=state.draft.name if state.draft else None,
                published_on=published_on,
                next_review_on=next_review_on,
                approver=approval.approver,
                approved_by=approval.by,
                decision_reference=approval.decision_reference,
                reaffirmed=state.reaffirmed,
                attestation_scope=tuple(attesting),
                joining_later=later,
            ).draft(
                command.actor,
                actor_role="director" if organisation.has_role(command.actor, "director") else "owner",
                on_behalf_of=on_behalf,
                reason=command.comment,
                outcome="reaffirmed" if state.reaffirmed else "published",
            ),
            timed_step.complete_task(task, command.actor, on_behalf, "published"),
        ]
        return drafts + attestation.open_attestations(state, context, attesting, version)

    # reactions and timers ---------------------------------------------------------------------------------------
    def react(self, state: PolicyReviewState, context: Context) -> list[EventDraft]:
        if state.stage == ATTESTATION and attestation.complete(state):
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
        attestation.refuse_reassignment(task)
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
        parsed = POLICY_REVIEW_EVENTS.parse(event)
        update: dict[str, Any] = {}
        match parsed:
            case events.PolicyReviewOpened() as opened:
                update = {
                    "instrument_id": opened.instrument,
                    "title": opened.title,
                    "owner": opened.owner,
                    "reason": opened.reason,
                    "requester": opened.requested_by,
                    "version_under_review": opened.version_under_review,
                    "current_sha256": opened.current_sha256,
                    "approving_body": opened.approving_body,
                    "board_procedure": opened.board_procedure,
                    "review_interval_months": opened.review_interval_months,
                    "attestation_working_days": opened.attestation_working_days,
                    "attestation_scope": opened.attestation_scope,
                    "stage": OWNER_REVIEW,
                }
            case events.InstrumentReaffirmed():
                update = {"reaffirmed": True, "draft": None, "stage": DIRECTOR_ENDORSEMENT}
            case events.RevisionSubmitted() as submitted:
                update = {
                    "draft": Draft(
                        version=submitted.version,
                        sha256=submitted.sha256,
                        name=submitted.name,
                        change_summary=submitted.change_summary,
                    ),
                    "reaffirmed": False,
                    "stage": COMPLIANCE_REVIEW,
                }
            case events.ComplianceReviewAccepted():
                update = {"stage": DIRECTOR_ENDORSEMENT}
            case events.ChangesRequested():
                update = {"stage": OWNER_REVIEW}
            case events.DirectorEndorsed() as endorsed:
                update = {"endorsed_by": endorsed.by}
            case events.ReturnedToOwner():
                update = {
                    "stage": OWNER_REVIEW,
                    "approval": None,
                    "endorsed_by": None,
                    "board": state.board.forgotten(),
                }
            case events.InstrumentApproved() as approved:
                update = {
                    "approval": Approval(
                        by=approved.by,
                        approver=approved.approver,
                        decision_reference=approved.decision_reference,
                        approved_at=event.occurred_at,
                    ),
                    "stage": PUBLICATION,
                }
            case events.ApprovalsRestarted():
                update = {
                    "approval": None,
                    "endorsed_by": None,
                    "board": state.board.forgotten(),
                    "restarts": state.restarts + 1,
                }
            case events.InstrumentPublished() as published:
                update = {
                    "published": Publication(
                        version=published.version,
                        sha256=published.sha256,
                        document_name=published.document_name,
                        published_on=published.published_on,
                        next_review_on=published.next_review_on,
                        approver=published.approver,
                        decision_reference=published.decision_reference,
                        reaffirmed=published.reaffirmed,
                    ),
                    "stage": ATTESTATION,
                }
            case events.AttestationAdded() | events.PolicyAcknowledged():
                update = attestation.after(state, parsed, event.occurred_at)
            case None if event.type == BOARD_REQUESTED:  # the Board referral's events, read as it reads them
                update = {"board": state.board.after(event), "stage": BOARD}
            case None if event.type == BOARD_RECORDED:
                update = {"board": state.board.after(event)}
                if event.outcome == "referred_to_meeting":
                    update["stage"] = BOARD_MEETING
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
            "attestations_open": len(state.tasks_of_kind(attestation.TASK_KIND)),
        }


# -- for the runtime and the CLI --------------------------------------------------------------------------------
def publication_of(state: PolicyReviewState) -> dict[str, Any] | None:
    """What the register records of this review (`record_review_outcome`'s `published`), once published."""
    if state.published is None:
        return None
    return state.published.model_dump(mode="json")


class ReviewResult(BaseModel):
    """The review's result as its register receives it: which review, how it closed, and what it published.

    It is read from the closed review's `CaseView` (its outcome and the stage summary's `published`, which is
    `publication_of`), whose shape is what saved workflow histories hold, so that shape does not change."""

    model_config = ConfigDict(frozen=True)

    review_case: str
    outcome: str = Field(description="published, reaffirmed, or how else the review closed ('ended' if unsaid).")
    published: Publication | None = None

    @classmethod
    def reported(cls, review_case: str, outcome: str | None, summary: dict[str, Any]) -> "ReviewResult":
        published = summary.get("published")
        return cls(
            review_case=review_case,
            outcome=outcome or "ended",
            published=Publication.model_validate(published) if published is not None else None,
        )

    @property
    def publication(self) -> dict[str, Any] | None:
        """The publication as the register records it (`record_review_outcome`'s `published`)."""
        return self.published.model_dump(mode="json") if self.published is not None else None


#: Each action's handler, given the typed command of its action.
_HANDLERS: dict[str, Callable[..., list[EventDraft]]] = {
    "reaffirm": PolicyReviewDecider.reaffirm,
    "submit-revision": PolicyReviewDecider.submit_revision,
    "compliance-review": PolicyReviewDecider.compliance_review,
    "endorse": PolicyReviewDecider.endorse,
    "record-meeting-decision": PolicyReviewDecider.record_meeting_decision,
    "publish": PolicyReviewDecider.publish,
    "acknowledge": lambda decider, state, command, context: attestation.acknowledge(state, command, context),
    "add-attestation": lambda decider, state, command, context: attestation.add_attestation_command(
        state, command, context
    ),
}

POLICY_REVIEW = PolicyReviewDecider()
