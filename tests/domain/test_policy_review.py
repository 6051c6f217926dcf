"""One review of one governance instrument, driven as its workflow drives it.

The example organisation's instruments: the Charter (owner: the Director; the Board approves by vote), the
Risk Management Framework (owner: the Head of Operations; Board no-objection), the Standard Operating
Procedures (owner: the Head of Operations; the Director approves) and the Conflict of Interest Policy (owner:
the Compliance Officer; the Director approves; staff and Board members acknowledge it). Steps are resolved by
`plan_schedule`, as the calendar activity does, and timers fire with `decide_timers`.

Assertions are what a person or an auditor checks: who acted, with which outcome and payload, who was told
what and when, and the exact sentence of a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain import policy_review, timed_step
from domain.board_request import BOARD_DECISION_REQUESTED
from domain.case import CASE_CLOSED, Context
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation
from domain.policy_review import POLICY_REVIEW, PolicyReviewState
from tests.support.case_run import CaseRun

EXAMPLE_ORGANISATION = Path(__file__).resolve().parents[2] / "examples" / "organisation.yaml"
#: A Monday in March 2027: no holiday or closure in any hub that week.
MONDAY = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SHA_A = "a" * 64
SHA_B = "b" * 64
SHA_C = "c" * 64
SHA_CURRENT = "0123456789abcdef" * 4

CHARTER = "Charter of the Partnership"
COI = "Conflict of Interest Policy"
STAFF = (
    "director",
    "head-of-programmes",
    "head-of-operations",
    "head-of-partnerships",
    "programme-officer-brussels",
    "programme-officer-pretoria",
    "programme-officer-hanoi",
    "finance-officer",
    "compliance-officer",
    "hr-officer",
    "internal-auditor",
    "programme-assistant-pretoria",
    "communications-officer-hanoi",
    "partnerships-officer-brussels",
    "fund-manager",
    "hub-manager-hanoi",
)
BOARD = ("board-chair", *(f"board-member-{n}" for n in range(2, 10)))


# -- the driver: decide, resolve schedules, evolve -------------------------------------------------------------


@dataclass(kw_only=True)
class Review(CaseRun):
    """One review as its workflow holds it: the state, and the audit trail appended so far."""

    decider = POLICY_REVIEW

    state: PolicyReviewState
    clock: datetime = MONDAY

    def board_outcome(self, outcome: str, board_case: str | None = None) -> list[DomainEvent]:
        """What the runtime records when a child Board decision closes."""
        closing = board_case or self.state.board_cases[-1]
        return self.apply(
            lambda state, context: POLICY_REVIEW.record_board_outcome(
                state, closing, outcome, {"approve": 6, "reject": 1}, context
            )
        )


def open_review(
    organisation: Organisation,
    instrument: str,
    *,
    number: int = 1,
    reason: str = "due",
    requested_by: str = "system",
    at: datetime = MONDAY,
    **extra: Any,
) -> Review:
    case_id = f"policy/{instrument}/review/{number}"
    review = Review(organisation=organisation, state=POLICY_REVIEW.initial_state(case_id), clock=at)
    review.apply(
        lambda state, context: policy_review.open_policy_review(
            case_id,
            instrument,
            reason,  # type: ignore[arg-type]
            requested_by,
            context,
            **extra,
        )
    )
    return review


def types(events: list[DomainEvent]) -> list[str]:
    return [event.type for event in events]


def opened(events: list[DomainEvent]) -> dict[str, dict[str, Any]]:
    return {event.payload["task_id"]: event.payload for event in events if event.type == timed_step.TASK_OPENED}


def local(organisation: Organisation, person: str, instant: datetime) -> datetime:
    return instant.astimezone(ZoneInfo(organisation.person(person).time_zone))


def revise(review: Review, sha256: str = SHA_A, actor: str | None = None, **fields: Any) -> list[DomainEvent]:
    return review.act(
        actor or review.state.owner or "",
        "submit-revision",
        document_sha256=sha256,
        document_name=fields.pop("document_name", "draft.pdf"),
        change_summary=fields.pop("change_summary", "Updated to the 2027 governance reform"),
        **fields,
    )


def approved_by_director(review: Review, sha256: str = SHA_A) -> Review:
    """Revised, accepted by compliance and approved by the Director: the publication step is open."""
    revise(review, sha256)
    review.act("compliance-officer", "compliance-review", decision="accept")
    review.act("director", "endorse", decision="approve")
    return review


@pytest.fixture(scope="module")
def org() -> Organisation:
    return parse_organisation(EXAMPLE_ORGANISATION.read_text(encoding="utf-8"))


# -- opening ---------------------------------------------------------------------------------------------------
def test_opening_records_what_is_under_review_and_asks_the_owner_to_reaffirm_or_revise(org: Organisation) -> None:
    review = open_review(org, "charter", reason="early", requested_by="director", current_sha256=SHA_CURRENT)

    opened_event, owner_step = review.events
    assert (opened_event.type, opened_event.actor, opened_event.outcome) == (
        policy_review.OPENED,
        "director",
        "early",
    )
    assert opened_event.payload == {
        "instrument": "charter",
        "title": CHARTER,
        "owner": "director",
        "reason": "early",
        "requested_by": "director",
        "version_under_review": "3.0",
        "current_sha256": SHA_CURRENT,
        "approving_body": "board",
        "board_procedure": "vote",
        "review_interval_months": 36,
        "attestation_working_days": 15,
        "attestation_scope": list(STAFF),
    }
    assert owner_step.type == timed_step.TASK_OPENED
    assert owner_step.payload["task_id"] == "revise"
    assert owner_step.payload["kind"] == "policy_review"
    assert owner_step.payload["title"] == f"Reaffirm or revise {CHARTER}"
    assert (owner_step.payload["assignee"], owner_step.payload["action"]) == ("director", "submit-revision")
    assert review.state.stage == "owner_review"
    assert review.state.requester == "director"


def test_a_review_that_fell_due_is_opened_by_the_system_with_the_registers_version(org: Organisation) -> None:
    review = open_review(org, "sops", current_version="6.0", current_sha256=SHA_CURRENT)

    opened_event = review.events[0]
    assert (opened_event.actor, opened_event.outcome) == ("system", "due")
    assert opened_event.reason == "the review of Standard Operating Procedures fell due"
    assert opened_event.payload["version_under_review"] == "6.0"
    assert opened_event.payload["board_procedure"] is None
    assert review.task("revise").assignee == "head-of-operations"


def test_opening_refuses_an_unknown_instrument_or_a_case_id_that_does_not_match(org: Organisation) -> None:
    context = Context(organisation=org, now=MONDAY)
    with pytest.raises(NotAllowed) as unknown:
        policy_review.open_policy_review("policy/gdpr/review/1", "gdpr", "due", "system", context)
    assert str(unknown.value) == (
        "No instrument 'gdpr'; known instruments: charter, sops, coi-policy, risk-framework, results-framework."
    )
    with pytest.raises(NotAllowed) as mismatched:
        policy_review.open_policy_review("policy/sops/review/1", "charter", "due", "system", context)
    assert str(mismatched.value) == (
        f"A review of {CHARTER} has a case id like policy/charter/review/1, not policy/sops/review/1."
    )
    with pytest.raises(NotAllowed) as nobody:
        policy_review.open_policy_review("policy/charter/review/1", "charter", "early", "someone-else", context)
    assert str(nobody.value) == "Unknown person 'someone-else': not in the organisation file."


@pytest.mark.parametrize(
    ("current", "expected"), [("2.0", "3.0"), ("2.1", "3.0"), ("5.2", "6.0"), ("3", "4.0"), ("10.4.1", "11.0")]
)
def test_a_revision_without_a_version_takes_the_next_major_number(current: str, expected: str) -> None:
    assert policy_review.next_major(current) == expected


# -- the Charter: compliance bounces once, then the Board approves by vote ------------------------------------
def test_the_charter_revision_bounced_once_by_compliance_then_approved_by_the_board(org: Organisation) -> None:
    review = open_review(org, "charter", reason="early", requested_by="director", current_sha256=SHA_CURRENT)

    submitted = revise(review, SHA_A, document_name="charter-v4-draft1.pdf", change_summary="Adds hub governance")
    assert types(submitted) == [policy_review.REVISION_SUBMITTED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    assert (submitted[0].actor, submitted[0].actor_role, submitted[0].outcome) == ("director", "owner", "submitted")
    assert submitted[0].payload == {
        "version": "4.0",
        "sha256": SHA_A,
        "name": "charter-v4-draft1.pdf",
        "change_summary": "Adds hub governance",
    }
    compliance = opened(submitted)["compliance-review"]
    assert (compliance["kind"], compliance["action"], compliance["assignee"]) == (
        "compliance_review",
        "compliance-review",
        "compliance-officer",
    )
    assert compliance["title"] == f"Compliance review of {CHARTER} version 4.0"
    assert review.state.stage == "compliance_review"

    assert review.refusal("compliance-officer", "compliance-review", decision="request-changes") == (
        "Requesting changes needs a reason: give --comment."
    )
    bounced = review.act(
        "compliance-officer",
        "compliance-review",
        decision="request-changes",
        comment="Section 4 conflicts with the SOPs",
    )
    assert types(bounced) == [policy_review.CHANGES_REQUESTED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    assert (bounced[0].reason, bounced[0].payload) == (
        "Section 4 conflicts with the SOPs",
        {"version": "4.0", "sha256": SHA_A},
    )
    back = opened(bounced)["revise"]
    assert (back["assignee"], back["title"]) == ("director", f"Reaffirm or revise {CHARTER}")
    assert review.state.stage == "owner_review"

    revise(review, SHA_B, document_name="charter-v4-draft2.pdf")
    accepted = review.act("compliance-officer", "compliance-review", decision="accept")
    assert types(accepted) == [policy_review.COMPLIANCE_ACCEPTED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    endorsement = opened(accepted)["endorsement"]
    assert (endorsement["kind"], endorsement["action"], endorsement["assignee"]) == (
        "director_endorsement",
        "endorse",
        "director",
    )
    assert endorsement["title"] == f"Endorse {CHARTER} version 4.0 for the Management Board"

    endorsed = review.act("director", "endorse", decision="approve")
    assert types(endorsed) == [policy_review.ENDORSED, timed_step.TASK_COMPLETED, BOARD_DECISION_REQUESTED]
    requested = endorsed[-1]
    assert (requested.actor, requested.actor_role) == ("director", "director")
    assert requested.payload == {
        "board_case": "policy/charter/review/1/board/1",
        "procedure": "vote",
        "matter": f"{CHARTER}: approval of the revision, version 4.0 (policy/charter/review/1)",
        "conflicted": [],
    }
    assert review.state.stage == "board"
    assert review.state.tasks == {}

    approved = review.board_outcome("approved")
    assert types(approved) == [policy_review.BOARD_RECORDED, policy_review.APPROVED, timed_step.TASK_OPENED]
    assert approved[0].payload == {"reference": "policy/charter/review/1/board/1", "tally": {"approve": 6, "reject": 1}}
    assert (approved[1].actor, approved[1].actor_role) == ("system", "management_board")
    assert approved[1].payload == {
        "by": "board",
        "approver": "board",
        "version": "4.0",
        "sha256": SHA_B,
        "reaffirmed": False,
        "decision_reference": "policy/charter/review/1/board/1",
    }
    publication = opened(approved)["publication"]
    assert (publication["assignee"], publication["action"]) == ("director", "publish")
    assert review.state.stage == "publication"

    published = review.act("director", "publish", at=datetime(2027, 3, 22, 10, 0, tzinfo=UTC))
    announcement = published[0]
    assert announcement.type == policy_review.PUBLISHED
    assert announcement.outcome == "published"
    assert announcement.payload == {
        "instrument": "charter",
        "version": "4.0",
        "sha256": SHA_B,
        "document_name": "charter-v4-draft2.pdf",
        "published_on": "2027-03-22",
        "next_review_on": "2030-03-22",
        "approver": "board",
        "approved_by": "board",
        "decision_reference": "policy/charter/review/1/board/1",
        "reaffirmed": False,
        "attestation_scope": list(STAFF),
        "joining_later": {},
    }
    attestations = opened(published)
    assert set(attestations) == {f"attestation-{person}" for person in STAFF}
    assert {(p["kind"], p["action"]) for p in attestations.values()} == {("attestation", "acknowledge")}
    assert review.state.stage == "attestation"

    for person in STAFF[:-1]:
        review.act(person, "acknowledge")
    assert not review.state.closed
    last = review.act(STAFF[-1], "acknowledge")
    assert types(last) == [policy_review.ACKNOWLEDGED, timed_step.TASK_COMPLETED, CASE_CLOSED]
    assert last[0].payload == {"person": "hub-manager-hanoi", "version": "4.0"}
    assert (last[-1].outcome, last[-1].reason) == ("published", "16 acknowledgements of version 4.0 complete")
    assert review.state.closed and review.state.outcome == "published"
    assert policy_review.publication_of(review.state) == {
        "version": "4.0",
        "sha256": SHA_B,
        "document_name": "charter-v4-draft2.pdf",
        "published_on": "2027-03-22",
        "next_review_on": "2030-03-22",
        "approver": "board",
        "decision_reference": "policy/charter/review/1/board/1",
        "reaffirmed": False,
    }


def test_the_attestation_deadline_is_the_instruments_working_days(org: Organisation) -> None:
    review = open_review(org, "charter")
    revise(review)
    review.act("compliance-officer", "compliance-review", decision="accept")
    review.act("director", "endorse", decision="approve")
    review.board_outcome("approved")
    review.act("director", "publish", at=datetime(2027, 3, 22, 10, 0, tzinfo=UTC))

    # Charter: 15 working days (not the attestation plan's 10), at 17:00 in each person's zone.
    due = review.task("attestation-finance-officer").due_at
    assert due is not None
    assert local(org, "finance-officer", due).replace(tzinfo=None) == datetime(2027, 4, 13, 17, 0)


# -- the COI Policy: reaffirmed by the Director, two late acknowledgements escalated -------------------------
def test_the_coi_policy_reaffirmed_then_two_late_staff_are_escalated_to_their_supervisors(org: Organisation) -> None:
    opening = datetime(2027, 11, 1, 8, 0, tzinfo=UTC)
    review = open_review(org, "coi-policy", at=opening, current_sha256=SHA_CURRENT)

    assert review.refusal("compliance-officer", "reaffirm") == (
        "Reaffirming an instrument unchanged needs a reason: give --comment."
    )
    reaffirmed = review.act(
        "compliance-officer", "reaffirm", at=opening + timedelta(days=1), comment="Still fit; no new legal requirement"
    )
    assert types(reaffirmed) == [policy_review.REAFFIRMED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
    assert (reaffirmed[0].actor, reaffirmed[0].reason) == ("compliance-officer", "Still fit; no new legal requirement")
    assert reaffirmed[0].payload == {"version": "2.1", "sha256": SHA_CURRENT}
    # The text is unchanged: no compliance review, straight to the Director.
    assert list(opened(reaffirmed)) == ["endorsement"]
    assert opened(reaffirmed)["endorsement"]["title"] == f"Approve {COI} version 2.1"
    assert review.state.stage == "director_endorsement"

    approved = review.act("director", "endorse", decision="approve", comment="Reaffirmed")
    assert types(approved) == [timed_step.TASK_COMPLETED, policy_review.APPROVED, timed_step.TASK_OPENED]
    assert approved[1].payload == {
        "by": "director",
        "approver": "director",
        "version": "2.1",
        "sha256": SHA_CURRENT,
        "reaffirmed": True,
        "decision_reference": "policy/coi-policy/review/1",
    }
    assert opened(approved)["publication"]["assignee"] == "compliance-officer"

    published = review.act("compliance-officer", "publish", at=datetime(2027, 11, 4, 9, 0, tzinfo=UTC))
    announcement = published[0]
    assert announcement.outcome == "reaffirmed"
    assert {key: announcement.payload[key] for key in ("version", "sha256", "published_on", "next_review_on")} == {
        "version": "2.1",
        "sha256": SHA_CURRENT,
        "published_on": "2027-11-04",
        "next_review_on": "2029-11-04",
    }
    everyone = (*STAFF, *BOARD)
    assert set(opened(published)) == {f"attestation-{person}" for person in everyone}

    late = ("programme-assistant-pretoria", "communications-officer-hanoi")
    for person in everyone:
        if person not in late:
            review.act(person, "acknowledge", at=datetime(2027, 11, 8, 10, 0, tzinfo=UTC))
    tasks = [review.task(f"attestation-{person}") for person in late]
    due = max(task.due_at for task in tasks if task.due_at is not None)
    assert policy_review.attestation_status(review.state, due + timedelta(minutes=1)) == {
        **{person: "acknowledged" for person in everyone if person not in late},
        **{person: "overdue" for person in late},
    }
    assert policy_review.attestation_status(review.state, review.clock)[late[0]] == "pending"

    last_escalation = max(step.at for task in tasks for step in task.schedule.escalations)  # type: ignore[union-attr]
    fired = review.fire(last_escalation)

    escalations = [event for event in fired if event.type == timed_step.ESCALATION_RAISED]
    assert {(event.payload["assignee"], event.payload["to"], event.payload["level"]) for event in escalations} == {
        ("programme-assistant-pretoria", "programme-officer-pretoria", 1),
        ("communications-officer-hanoi", "head-of-partnerships", 1),
    }
    for event in escalations:
        at = datetime.fromisoformat(event.payload["planned_at"])
        assert local(org, event.payload["to"], at).time() == time(9, 0)
    reminded = {event.payload["to"] for event in review.events if event.type == timed_step.REMINDER_SENT}
    assert reminded == set(late)

    review.act("programme-assistant-pretoria", "acknowledge")
    closing = review.act("communications-officer-hanoi", "acknowledge")
    assert types(closing)[-1] == CASE_CLOSED
    assert closing[-1].outcome == "reaffirmed"
    assert review.state.outcome == "reaffirmed"
    assert policy_review.attestation_status(review.state, review.clock) == {p: "acknowledged" for p in everyone}


def test_the_owners_substitute_reaffirms_on_their_behalf(org: Organisation) -> None:
    review = open_review(org, "coi-policy")
    review.act(
        "compliance-officer", "delegate", substitute="internal-auditor", starts_on="2027-03-01", ends_on="2027-03-12"
    )

    events = review.act("internal-auditor", "reaffirm", comment="Unchanged")

    assert (events[0].actor, events[0].on_behalf_of) == ("internal-auditor", "compliance-officer")


# -- restart-on-edit ------------------------------------------------------------------------------------------
def test_a_change_after_compliance_accepted_restarts_the_approvals(org: Organisation) -> None:
    review = open_review(org, "risk-framework", current_sha256=SHA_CURRENT)
    revise(review, SHA_A)
    review.act("compliance-officer", "compliance-review", decision="accept")
    assert review.state.stage == "director_endorsement"

    restarted = revise(review, SHA_B, change_summary="Adds the climate risk register")

    assert types(restarted) == [
        policy_review.RESTARTED,
        timed_step.TASK_CANCELLED,
        policy_review.REVISION_SUBMITTED,
        timed_step.TASK_OPENED,
    ]
    record = restarted[0]
    assert (record.actor, record.outcome) == ("head-of-operations", "restarted")
    assert record.reason == "the document changed after approvals had started (restart-on-edit)"
    assert record.payload == {
        "from_stage": "director_endorsement",
        "previous_version": "2.0",
        "previous_sha256": SHA_A,
        "new_version": "2.0",
        "new_sha256": SHA_B,
        "superseded_board_case": None,
        "superseded_approval": None,
    }
    assert restarted[1].payload == {"task_id": "endorsement"}
    assert list(review.state.tasks) == ["compliance-review"]
    assert review.state.stage == "compliance_review"
    assert review.state.restarts == 1


def test_a_change_while_the_board_decides_makes_its_outcome_stale(org: Organisation) -> None:
    review = open_review(org, "risk-framework")
    revise(review, SHA_A)
    review.act("compliance-officer", "compliance-review", decision="accept")
    endorsed = review.act("director", "endorse", decision="approve")
    assert endorsed[-1].payload["procedure"] == "no_objection"

    restarted = revise(review, SHA_B, comment="Late correction of the risk appetite table")
    assert restarted[0].reason == "Late correction of the risk appetite table"
    assert restarted[0].payload["from_stage"] == "board"
    assert restarted[0].payload["superseded_board_case"] == "policy/risk-framework/review/1/board/1"
    assert review.state.pending_board_case is None

    # The first Board decision closes later: its outcome is about a text that is no longer proposed.
    assert review.board_outcome("approved", "policy/risk-framework/review/1/board/1") == []
    assert review.state.approval is None and review.state.stage == "compliance_review"

    review.act("compliance-officer", "compliance-review", decision="accept")
    again = review.act("director", "endorse", decision="approve")
    assert again[-1].payload["board_case"] == "policy/risk-framework/review/1/board/2"
    approved = review.board_outcome("approved")
    assert approved[1].payload["decision_reference"] == "policy/risk-framework/review/1/board/2"
    assert approved[1].payload["sha256"] == SHA_B
    assert review.state.board_cases == (
        "policy/risk-framework/review/1/board/1",
        "policy/risk-framework/review/1/board/2",
    )


def test_a_change_after_approval_but_before_publication_withdraws_the_approval(org: Organisation) -> None:
    review = approved_by_director(open_review(org, "sops"), SHA_A)

    restarted = revise(review, SHA_B)

    assert restarted[0].payload["from_stage"] == "publication"
    assert restarted[0].payload["superseded_approval"] == "policy/sops/review/1"
    assert restarted[1].payload == {"task_id": "publication"}
    assert review.state.approval is None


def test_the_same_document_again_does_not_restart_and_after_publication_nothing_can_change(
    org: Organisation,
) -> None:
    review = open_review(org, "sops")
    revise(review, SHA_A)

    assert review.refusal(
        "head-of-operations",
        "submit-revision",
        document_sha256=SHA_A.upper(),
        document_name="sops.pdf",
        change_summary="same",
    ) == ("This document is the one already under approval (version 6.0); nothing changed, so the approvals go on.")

    review.act("compliance-officer", "compliance-review", decision="accept")
    review.act("director", "endorse", decision="approve")
    review.act("head-of-operations", "publish")

    assert review.refusal(
        "head-of-operations", "submit-revision", document_sha256=SHA_C, document_name="x.pdf", change_summary="x"
    ) == (
        "Version 6.0 of the Standard Operating Procedures is published; the text cannot change in this review. "
        "A further change needs a new review."
    )


# -- other ways back to the owner, and the Board meeting ------------------------------------------------------
def test_the_director_returns_a_revision_to_its_owner_with_a_reason(org: Organisation) -> None:
    review = open_review(org, "sops")
    revise(review)
    review.act("compliance-officer", "compliance-review", decision="accept")

    assert review.refusal("director", "endorse", decision="return") == (
        "Returning an instrument to its owner needs a reason: give --comment."
    )
    events = review.act("director", "endorse", decision="return", comment="Align with the new delegation matrix")

    assert types(events) == [timed_step.TASK_COMPLETED, policy_review.RETURNED, timed_step.TASK_OPENED]
    assert events[1].payload == {"from_stage": "director_endorsement", "version": "6.0"}
    assert opened(events)["revise"]["assignee"] == "head-of-operations"
    assert review.state.stage == "owner_review"


@pytest.mark.parametrize("outcome", ["rejected", "no_quorum"])
def test_a_board_that_does_not_approve_sends_the_instrument_back_to_its_owner(org: Organisation, outcome: str) -> None:
    review = open_review(org, "charter")
    revise(review)
    review.act("compliance-officer", "compliance-review", decision="accept")
    review.act("director", "endorse", decision="approve")

    events = review.board_outcome(outcome)

    assert types(events) == [policy_review.BOARD_RECORDED, policy_review.RETURNED, timed_step.TASK_OPENED]
    assert events[1].reason == f"the Management Board did not approve ({outcome}, policy/charter/review/1/board/1)"
    assert events[1].outcome == outcome
    assert review.state.stage == "owner_review" and not review.state.closed
    assert list(review.state.tasks) == ["revise"]


def test_a_referral_to_the_board_meeting_is_recorded_by_the_chair(org: Organisation) -> None:
    review = open_review(org, "risk-framework")
    revise(review)
    review.act("compliance-officer", "compliance-review", decision="accept")
    review.act("director", "endorse", decision="approve")

    referred = review.board_outcome("referred_to_meeting")
    meeting = opened(referred)["board-meeting"]
    assert (meeting["assignee"], meeting["action"]) == ("board-chair", "record-meeting-decision")
    assert review.state.stage == "board_meeting"

    assert review.refusal("director", "record-meeting-decision", decision="approve", reference="MB/2027/03") == (
        "Only Board Chair (Member State) (board-chair), or their substitute while they are away, may record the "
        "Board meeting's decision."
    )
    events = review.act("board-chair", "record-meeting-decision", decision="approve", reference="MB/2027/03")
    assert types(events) == [
        policy_review.BOARD_RECORDED,
        timed_step.TASK_COMPLETED,
        policy_review.APPROVED,
        timed_step.TASK_OPENED,
    ]
    assert events[2].payload["decision_reference"] == "MB/2027/03"
    assert review.state.stage == "publication"


def test_a_closed_review_ignores_a_late_board_outcome(org: Organisation) -> None:
    review = open_review(org, "results-framework")
    revise(review)
    review.act("compliance-officer", "compliance-review", decision="accept")
    review.act("director", "endorse", decision="approve")
    review.board_outcome("approved")
    review.act("head-of-programmes", "publish")
    for person in list(review.state.tasks):
        review.act(person.removeprefix("attestation-"), "acknowledge")
    assert review.state.closed

    assert review.board_outcome("approved", "policy/results-framework/review/1/board/1") == []
    assert review.refusal("head-of-programmes", "acknowledge") == (
        "Case policy/results-framework/review/1 is closed (published); it accepts no further actions."
    )


# -- publication ---------------------------------------------------------------------------------------------
def test_publication_by_the_director_on_a_given_date_and_its_refusals(org: Organisation) -> None:
    review = approved_by_director(open_review(org, "sops", at=datetime(2027, 3, 1, 9, 0, tzinfo=UTC)))

    assert review.refusal("finance-officer", "publish") == (
        "Only Head of Operations (head-of-operations), or their substitute while they are away, may publish the "
        "Standard Operating Procedures."
    )
    assert review.refusal("head-of-operations", "publish", published_on="2027-03-02") == (
        "A publication is recorded when it happens; 2027-03-02 is still ahead."
    )
    assert review.refusal("head-of-operations", "publish", published_on="2027-02-28") == (
        "A publication cannot precede the approval: 2027-02-28 is before 2027-03-01, when the Standard Operating "
        "Procedures version 6.0 was approved."
    )
    assert review.refusal("head-of-operations", "publish", published_on="soon") == (
        "Action 'publish' has bad input: field 'published_on': input should be a valid date or datetime, input is "
        "too short."
    )

    events = review.act("director", "publish", published_on="2027-03-01", at=datetime(2027, 3, 3, 9, 0, tzinfo=UTC))

    assert (events[0].actor, events[0].actor_role) == ("director", "director")
    assert events[0].payload["published_on"] == "2027-03-01"
    assert events[0].payload["next_review_on"] == "2028-03-01"
    assert events[0].payload["approver"] == "director"


def test_the_next_review_is_a_full_interval_from_publication(org: Organisation) -> None:
    # Approved inside the warning window of the SOPs (due 2027-09-15, warned 20 working days ahead): the
    # next review is twelve months after publication, not after the date the review was due.
    review = approved_by_director(open_review(org, "sops", at=datetime(2027, 8, 30, 9, 0, tzinfo=UTC)))

    events = review.act("head-of-operations", "publish", at=datetime(2027, 8, 31, 12, 0, tzinfo=UTC))

    assert events[0].payload["next_review_on"] == "2028-08-31"


# -- attestation: personal, late joiners --------------------------------------------------------------------
def test_someone_who_has_not_joined_yet_is_added_on_their_first_day(org: Organisation) -> None:
    # The Partnerships Officer joins on 2027-03-01; the SOPs are published the week before.
    review = approved_by_director(open_review(org, "sops", at=datetime(2027, 2, 15, 9, 0, tzinfo=UTC)))
    published = review.act("head-of-operations", "publish", at=datetime(2027, 2, 22, 9, 0, tzinfo=UTC))

    assert published[0].payload["joining_later"] == {"partnerships-officer-brussels": "2027-03-01"}
    assert "attestation-partnerships-officer-brussels" not in review.state.tasks
    assert (
        review.refusal("compliance-officer", "add-attestation", person="partnerships-officer-brussels")
        == "Partnerships Officer (Brussels) joins on 2027-03-01; their acknowledgement can be added from that day."
    )
    assert policy_review.missing_attestations(review.state, review.context()) == []

    first_day = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    review.clock = first_day
    assert policy_review.missing_attestations(review.state, review.context()) == ["partnerships-officer-brussels"]
    added = review.apply(policy_review.add_missing_attestations)

    assert types(added) == [policy_review.ATTESTATION_ADDED, timed_step.TASK_OPENED]
    assert (added[0].actor, added[0].outcome) == ("system", "added")
    assert added[0].payload == {"person": "partnerships-officer-brussels", "version": "6.0"}
    assert added[0].reason == "Partnerships Officer (Brussels) joined after version 6.0 was published"
    assert opened(added)["attestation-partnerships-officer-brussels"]["assignee"] == "partnerships-officer-brussels"
    assert review.apply(policy_review.add_missing_attestations) == []


def test_a_staff_member_new_to_the_organisation_file_is_added_by_the_compliance_officer(org: Organisation) -> None:
    review = approved_by_director(open_review(org, "sops"))
    review.act("head-of-operations", "publish")
    newcomer = """  - id: finance-assistant-hanoi
    name: Finance Assistant (Hanoi)
    email: finance-assistant-hanoi@secretariat.example.org
    hub: hanoi
    time_zone: Asia/Ho_Chi_Minh
    supervisor: finance-officer
    roles: [staff]
    unit: Operations
"""
    source = EXAMPLE_ORGANISATION.read_text(encoding="utf-8")
    marker = "  # Outside the Secretariat"
    assert marker in source
    review.organisation = parse_organisation(source.replace(marker, newcomer + marker))

    assert review.refusal("head-of-operations", "add-attestation", person="finance-assistant-hanoi") == (
        "Only the Compliance Officer may add a staff member to the attestation of the Standard Operating "
        "Procedures; those who join later are added by the system."
    )
    events = review.act("compliance-officer", "add-attestation", person="finance-assistant-hanoi", comment="Joined")

    assert (events[0].actor, events[0].actor_role, events[0].reason) == (
        "compliance-officer",
        "compliance_officer",
        "Joined",
    )
    task = review.task("attestation-finance-assistant-hanoi")
    assert task.schedule is not None and task.schedule.escalations[0].to == "finance-officer"

    assert review.refusal("compliance-officer", "add-attestation", person="finance-assistant-hanoi") == (
        "Finance Assistant (Hanoi) already has an open acknowledgement of the Standard Operating Procedures "
        "version 6.0."
    )
    review.act("finance-assistant-hanoi", "acknowledge")
    assert review.refusal("compliance-officer", "add-attestation", person="finance-assistant-hanoi") == (
        "Finance Assistant (Hanoi) already acknowledged the Standard Operating Procedures version 6.0."
    )
    assert review.refusal("finance-assistant-hanoi", "acknowledge") == (
        "Finance Assistant (Hanoi) already acknowledged the Standard Operating Procedures version 6.0."
    )
    assert review.refusal("compliance-officer", "add-attestation", person="board-member-2") == (
        "Board Member 2 (Donor) is not in the attestation scope of the Standard Operating Procedures (all_staff)."
    )
    assert review.refusal("compliance-officer", "add-attestation", person="nobody") == (
        "Unknown person 'nobody': not in the organisation file."
    )


def test_acknowledgements_are_personal(org: Organisation) -> None:
    review = approved_by_director(open_review(org, "sops"))
    assert review.refusal("finance-officer", "acknowledge") == (
        "Acknowledgements follow publication, which this review of the Standard Operating Procedures has not "
        "reached (stage: publication); it is waiting for Head of Operations (head-of-operations) to 'publish'."
    )
    assert review.refusal("compliance-officer", "add-attestation", person="finance-officer") == (
        "Acknowledgements follow publication, which this review of the Standard Operating Procedures has not "
        "reached (stage: publication); it is waiting for Head of Operations (head-of-operations) to 'publish'."
    )
    review.act("head-of-operations", "publish")
    review.act("finance-officer", "delegate", substitute="hr-officer", starts_on="2027-03-01", ends_on="2027-03-31")

    assert review.refusal("board-member-2", "acknowledge") == (
        "Board Member 2 (Donor) has no acknowledgement of the Standard Operating Procedures to make on "
        "policy/sops/review/1: only staff in its attestation scope acknowledge, each for themselves (attestation "
        "is personal)."
    )
    # The HR Officer acknowledges for themselves only, even as the Finance Officer's substitute.
    review.act("hr-officer", "acknowledge")
    assert "attestation-finance-officer" in review.state.tasks
    assert review.refusal(
        "director", "reassign", task="attestation-finance-officer", to="hr-officer", comment="away"
    ) == (
        "An acknowledgement is personal: each staff member in scope acknowledges the instrument themselves, so it "
        "cannot be reassigned (attestation)."
    )


# -- who may do what -----------------------------------------------------------------------------------------
def test_refusals_name_the_rule(org: Organisation) -> None:
    review = open_review(org, "charter", current_sha256=SHA_CURRENT)

    assert review.refusal("director", "approve") == (
        "Unknown action 'approve' for a policy review; known actions: acknowledge, add-attestation, "
        "compliance-review, endorse, publish, reaffirm, record-meeting-decision, submit-revision."
    )
    assert review.refusal("head-of-operations", "reaffirm", comment="fine") == (
        f"Only Director (director), or their substitute while they are away, may reaffirm the {CHARTER}."
    )
    assert review.refusal(
        "head-of-operations", "submit-revision", document_sha256=SHA_A, document_name="c.pdf", change_summary="x"
    ) == (f"Only Director (director), or their substitute while they are away, may submit a revision of the {CHARTER}.")
    assert review.refusal(
        "director", "submit-revision", document_sha256="abc", document_name="c.pdf", change_summary="x"
    ) == (
        "Action 'submit-revision' has bad input: field 'document_sha256': string should match pattern "
        "'^[0-9a-fA-F]{64}$'."
    )
    assert review.refusal("director", "submit-revision", document_sha256=SHA_A, document_name="c.pdf") == (
        "Action 'submit-revision' has bad input: field 'change_summary' is required."
    )
    assert review.refusal(
        "director", "submit-revision", document_sha256=SHA_A, document_name="c.pdf", change_summary="x", version="3.0"
    ) == (
        "A revised text needs a new version number; 3.0 is the version under review "
        "(use reaffirm to keep it unchanged)."
    )
    assert (
        review.refusal(
            "director", "submit-revision", document_sha256=SHA_CURRENT, document_name="c.pdf", change_summary="x"
        )
        == "This document is the text of version 3.0 unchanged; reaffirm it instead of submitting it as a revision."
    )
    assert review.refusal("compliance-officer", "compliance-review", decision="accept") == (
        "Policy review policy/charter/review/1 has no open step to review for compliance (stage: owner_review): a "
        "compliance review follows each revision the owner submits; a reaffirmed text, unchanged, goes to the "
        "Director without one; it is waiting for Director (director) to 'submit-revision'."
    )
    assert review.refusal("director", "endorse", decision="approve") == (
        "Policy review policy/charter/review/1 has no open step to endorse (stage: owner_review): the Director "
        "endorses once compliance has accepted a revision, or once the owner has reaffirmed the instrument; it is "
        "waiting for Director (director) to 'submit-revision'."
    )
    assert review.refusal("director", "publish") == (
        "Policy review policy/charter/review/1 has no open step to publish (stage: owner_review): a version is "
        "published once its approving body has approved it; it is waiting for Director (director) to "
        "'submit-revision'."
    )

    revise(review, SHA_A, version="3.1")
    assert review.state.draft is not None and review.state.draft.version == "3.1"
    assert review.refusal("director", "reaffirm", comment="after all") == (
        f"The {CHARTER} can be reaffirmed only while the review is with its owner (stage: compliance_review); to "
        "change the text now, submit a revision, which restarts the approvals."
    )
    assert review.refusal("internal-auditor", "compliance-review", decision="accept") == (
        f"Only Compliance Officer (compliance-officer), or their substitute while they are away, may review the "
        f"{CHARTER} for compliance."
    )
    assert review.refusal("compliance-officer", "compliance-review", decision="maybe") == (
        "Action 'compliance-review' has bad input: field 'decision': input should be 'accept' or 'request-changes'."
    )
    review.act("compliance-officer", "compliance-review", decision="accept")
    assert review.refusal("head-of-operations", "endorse", decision="approve") == (
        f"Only Director (director), or their substitute while they are away, may endorse the {CHARTER}."
    )


def test_the_owner_never_reviews_compliance_and_only_the_director_endorses(org: Organisation) -> None:
    review = open_review(org, "sops")
    revise(review)

    assert review.refusal(
        "director", "reassign", task="compliance-review", to="head-of-operations", comment="workload"
    ) == (
        "Head of Operations owns the Standard Operating Procedures, and an owner cannot review compliance "
        "(separation of duties)."
    )
    assert review.refusal("director", "reassign", task="compliance-review", to="board-chair", comment="x") == (
        "Board Chair (Member State) is not Secretariat staff and cannot review compliance."
    )
    review.act("director", "reassign", task="compliance-review", to="internal-auditor", comment="Compliance on leave")
    review.act("internal-auditor", "compliance-review", decision="accept")

    assert review.refusal("director", "reassign", task="endorsement", to="head-of-programmes", comment="away") == (
        "Only the Director may endorse the Standard Operating Procedures (delegation of authority)."
    )


def test_the_owner_who_is_the_compliance_officer_is_reviewed_by_the_internal_auditor(org: Organisation) -> None:
    review = open_review(org, "coi-policy")

    events = revise(review)

    assert opened(events)["compliance-review"]["assignee"] == "internal-auditor"
    assert review.refusal("compliance-officer", "compliance-review", decision="accept") == (
        "Compliance Officer owns the Conflict of Interest Policy, and an owner cannot review compliance "
        "(separation of duties)."
    )


def test_the_status_summary_shows_where_the_review_stands(org: Organisation) -> None:
    review = open_review(org, "risk-framework")
    revise(review, SHA_A, document_name="rmf.pdf", change_summary="New appetite")

    summary = POLICY_REVIEW.stage_summary(review.state)

    assert summary == {
        "instrument": "risk-framework",
        "title": "Risk Management Framework",
        "owner": "head-of-operations",
        "reason": "due",
        "version_under_review": "1.4",
        "approving_body": "board",
        "board_procedure": "no_objection",
        "reaffirmed": False,
        "draft": {"version": "2.0", "sha256": SHA_A, "name": "rmf.pdf", "change_summary": "New appetite"},
        "approval": None,
        "board_cases": [],
        "restarts": 0,
        "published": None,
        "acknowledged": 0,
        "attestations_open": 0,
    }


def test_nobody_is_late_on_a_review_until_its_steps_are(org: Organisation) -> None:
    review = open_review(org, "sops", at=MONDAY)
    owner_step = review.task("revise")
    assert owner_step.schedule is not None
    # The owner's step (policy_review plan: 20 working days) escalates to the Director, then the Board Chair.
    assert [step.to for step in owner_step.schedule.escalations] == ["director", "board-chair"]

    assert POLICY_REVIEW.on_deadline(review.state, owner_step, review.context()) == []
    first = owner_step.schedule.escalations[0].at
    fired = review.fire(first)
    assert [event.type for event in fired if event.type != timed_step.REMINDER_SENT] == [timed_step.ESCALATION_RAISED]
    assert review.state.stage == "owner_review"
    # Due on 30 March (Easter Monday does not count), escalated two working days later at 09:00 in Brussels.
    assert local(org, "head-of-operations", owner_step.schedule.due_at).replace(tzinfo=None) == datetime(
        2027, 3, 30, 17, 0
    )
    assert local(org, "director", first).replace(tzinfo=None) == datetime(2027, 4, 1, 9, 0)
