"""The Board decision's rules, driven exactly as the workflow drives them, without Temporal.

Each test opens a Board decision with the example organisation (nine voting members, quorum 1/2, a simple
majority of votes for or against), then applies commands through `decide_command` and timers through
`decide_timers`, folding every draft with `case.evolve` as the workflow does. The calendar activity that fills
each task's schedule at run time is stood in for by `_fixed_schedules`, so reminders and lapses fire at instants
the tests choose. Assertions are what a member, the Chair or an auditor would check: who was reminded, what
closed the procedure and when, the tally on the record, and the sentence a refused person reads.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import case, timed_step
from domain.board_decision import (
    APPROVED,
    ASSENT_RECORDED,
    BOARD_DECISION,
    BOARD_DECISION_CLOSED,
    BOARD_DECISION_OPENED,
    MEMBER_RECUSED,
    NO_QUORUM,
    OBJECTION_LODGED,
    REFERRED_TO_MEETING,
    REJECTED,
    VOTE_CAST,
    BoardDecisionRequest,
    BoardDecisionState,
    initial_state,
    open_board_decision,
    outcome_at_close,
    outcome_is_settled,
    tally,
)
from domain.case import Context, decide_command
from domain.commands import Command
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.organisation import Board, Organisation, PassThreshold
from domain.organisation_file import parse_organisation
from tests.support.case_run import CaseRun

ROOT = Path(__file__).resolve().parents[2]
ORGANISATION = parse_organisation((ROOT / "examples" / "organisation.yaml").read_text(encoding="utf-8"))
BOARD = ORGANISATION.board
MEMBERS = BOARD.voting_members
CHAIR = BOARD.chair
OBSERVER = BOARD.observers[0]
DIRECTOR = ORGANISATION.director().id

CASE_ID = "grant/2027-014/board/1"
PARENT = "grant/2027-014"
MATTER = "Grant grant/2027-014: USD 400,000 to Kampala Capital City Authority"
OPENED_AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CLOSES_AT = datetime(2027, 3, 15, 16, 0, tzinfo=UTC)
REMINDERS = (datetime(2027, 3, 10, 8, 0, tzinfo=UTC), datetime(2027, 3, 14, 8, 0, tzinfo=UTC))
DURING = datetime(2027, 3, 5, 10, 0, tzinfo=UTC)


def _fixed_schedules(requests: Sequence[timed_step.ScheduleRequest]) -> list[timed_step.TaskSchedule]:
    """What the calendar activity does at run time: turn each recorded request into timer instants."""
    schedules = []
    for request in requests:
        assert request.due_at is not None, "a Board procedure's steps are due at its close"
        reminders = [instant for instant in REMINDERS if instant < request.due_at]
        schedules.append(timed_step.TaskSchedule(due_at=request.due_at, reminders=reminders))
    return schedules


@dataclass(kw_only=True)
class Procedure(CaseRun):
    """One Board decision as the workflow holds it: the state, and every event appended so far."""

    decider = BOARD_DECISION

    state: BoardDecisionState
    clock: datetime = OPENED_AT

    def schedules(self, requests: Sequence[timed_step.ScheduleRequest]) -> list[timed_step.TaskSchedule]:
        return _fixed_schedules(requests)

    def act(
        self, actor: str, action: str, *, at: datetime | None = DURING, comment: str | None = None, **fields: Any
    ) -> list[DomainEvent]:
        return super().act(actor, action, at=at, comment=comment, **fields)

    def refusal(
        self, actor: str, action: str, *, at: datetime | None = DURING, comment: str | None = None, **fields: Any
    ) -> str:
        return super().refusal(actor, action, at=at, comment=comment, **fields)

    def advance(self, to: datetime) -> list[DomainEvent]:
        return self.fire(to)

    def closed_event(self) -> DomainEvent:
        (closed,) = self.of_type(BOARD_DECISION_CLOSED)
        return closed


def open_procedure(
    procedure: str = "vote", conflicted: tuple[str, ...] = (), organisation: Organisation = ORGANISATION
) -> Procedure:
    request = BoardDecisionRequest(
        procedure=procedure,  # type: ignore[arg-type]
        matter=MATTER,
        parent_case=PARENT,
        requested_by=DIRECTOR,
        closes_at=CLOSES_AT,
        conflicted=list(conflicted),
    )
    run = Procedure(organisation=organisation, state=initial_state(CASE_ID))
    run.append(open_board_decision(CASE_ID, request, run.context(OPENED_AT)), at=OPENED_AT)
    return run


def with_board(**rules: Any) -> Organisation:
    return ORGANISATION.model_copy(update={"board": BOARD.model_copy(update=rules)})


def cast(run: Procedure, votes: dict[str, str]) -> None:
    for member, choice in votes.items():
        run.act(member, "vote", choice=choice)


# ------------------------------------------------------------------------------------------------------------
# Opening


def test_opening_records_the_rules_in_force_and_gives_each_eligible_member_a_task() -> None:
    run = open_procedure(conflicted=("board-member-3", DIRECTOR))

    opened = run.of_type(BOARD_DECISION_OPENED)[0].payload
    assert opened["procedure"] == "vote"
    assert opened["matter"] == MATTER and opened["parent_case"] == PARENT
    assert opened["closes_at"] == CLOSES_AT.isoformat()
    assert opened["voting_members"] == list(MEMBERS)
    assert "board-member-3" not in opened["eligible"] and len(opened["eligible"]) == 8
    assert opened["quorum"] == "1/2" and opened["pass_threshold"] == {"more_than": "1/2"}
    assert opened["threshold_rule"] == "more than 1/2 of the votes cast for or against"
    assert opened["observers"] == list(BOARD.observers)

    # The Director is conflicted on the grant but is not on the Board: nothing to recuse from here.
    (recused,) = run.of_type(MEMBER_RECUSED)
    assert recused.payload["member"] == "board-member-3" and recused.actor == "system"
    assert recused.reason == f"conflict of interest declared on {PARENT}"

    tasks = run.state.tasks
    assert sorted(task.assignee for task in tasks.values()) == sorted(set(MEMBERS) - {"board-member-3"})
    assert {(task.kind, task.action, task.on_due, task.due_at) for task in tasks.values()} == {
        ("board_vote", "vote", "lapse", CLOSES_AT)
    }
    assert run.state.stage == "voting" and not run.state.closed


def test_a_request_may_name_the_procedure_as_the_organisation_file_does() -> None:
    request = BoardDecisionRequest(
        procedure="board_no_objection",  # type: ignore[arg-type]
        matter=MATTER,
        parent_case=PARENT,
        requested_by=DIRECTOR,
        closes_at=CLOSES_AT,
    )
    assert request.procedure == "no_objection"


def test_a_procedure_cannot_close_before_it_opens() -> None:
    request = BoardDecisionRequest(
        procedure="vote", matter=MATTER, parent_case=PARENT, requested_by=DIRECTOR, closes_at=OPENED_AT
    )
    with pytest.raises(NotAllowed, match="must close after it opens"):
        open_board_decision(CASE_ID, request, Context(organisation=ORGANISATION, now=OPENED_AT))


def test_when_every_member_is_conflicted_the_decision_closes_at_opening_without_quorum() -> None:
    run = open_procedure(conflicted=MEMBERS)

    assert run.state.closed and run.state.outcome == NO_QUORUM
    assert run.state.tasks == {}
    assert run.closed_event().payload["tally"]["eligible"] == 0


# ------------------------------------------------------------------------------------------------------------
# The written no-objection procedure


def test_no_objection_is_approved_at_the_deadline_by_one_lapse() -> None:
    run = open_procedure("no_objection")
    run.act("board-member-4", "no-objection")

    assert run.advance(CLOSES_AT - timedelta(seconds=1))  # only reminders before the close
    assert not run.state.closed

    at_close = run.advance(CLOSES_AT)
    kinds = [event.type for event in at_close]
    assert kinds.count(timed_step.DEADLINE_PASSED) == 1, "one lapse drives the close"
    assert kinds[:2] == [timed_step.DEADLINE_PASSED, BOARD_DECISION_CLOSED]
    assert kinds[-1] == case.CASE_CLOSED
    assert kinds.count(timed_step.TASK_CANCELLED) == 8  # every silent member's task, the lapsed one too

    closed = run.closed_event()
    assert closed.outcome == APPROVED and closed.payload["closed_early"] is False
    assert closed.reason is not None and closed.reason.startswith("Approved under the no-objection procedure")
    assert closed.payload["tally"]["assented"] == 1 and closed.payload["tally"]["not_responded"] == 8
    assert closed.payload["responses"]["board-member-4"] == "no_objection"
    assert closed.payload["responses"]["board-member-5"] == "not_responded"
    assert run.state.closed and run.state.outcome == APPROVED and run.state.tasks == {}
    assert run.advance(CLOSES_AT + timedelta(days=3)) == []


def test_an_objection_refers_the_matter_to_the_next_meeting_at_once() -> None:
    run = open_procedure("no_objection")
    committed = run.act("board-member-6", "object", comment="The city's co-financing is not confirmed.")

    kinds = [event.type for event in committed]
    assert kinds[:3] == [OBJECTION_LODGED, timed_step.TASK_COMPLETED, BOARD_DECISION_CLOSED]
    assert kinds[-1] == case.CASE_CLOSED
    objection = committed[0]
    assert objection.actor == "board-member-6"
    assert objection.payload["grounds"] == "The city's co-financing is not confirmed."
    assert run.closed_event().payload["responses"]["board-member-6"] == "objected"

    closed = run.closed_event()
    assert closed.outcome == REFERRED_TO_MEETING and closed.payload["closed_early"] is True
    assert closed.reason == (
        "An objection refers the matter to the next Management Board meeting (objection by board-member-6)."
    )
    assert run.state.outcome == REFERRED_TO_MEETING and run.state.tasks == {}
    assert not run.of_type(timed_step.DEADLINE_PASSED)


def test_an_objection_needs_its_grounds() -> None:
    run = open_procedure("no_objection")
    assert run.refusal("board-member-6", "object") == ("An objection must state its grounds: give them with --comment.")


def test_a_member_who_recorded_no_objection_may_still_object_before_the_close() -> None:
    run = open_procedure("no_objection")
    run.act("board-member-6", "no-objection")
    run.act("board-member-6", "object", comment="New information on the procurement plan.")

    assert run.of_type(OBJECTION_LODGED)[0].payload["previous"] == "no_objection"
    assert run.state.outcome == REFERRED_TO_MEETING


def test_no_objection_from_every_eligible_member_approves_at_once() -> None:
    run = open_procedure("no_objection", conflicted=("board-member-2",))
    for member in MEMBERS:
        if member != "board-member-2":
            run.act(member, "no-objection")

    closed = run.closed_event()
    assert closed.outcome == APPROVED and closed.payload["closed_early"] is True
    assert closed.payload["responses"]["board-member-2"] == "recused"
    assert run.of_type(ASSENT_RECORDED) and run.state.closed


def test_the_no_objection_procedure_has_no_vote_and_a_vote_has_no_objection() -> None:
    written = open_procedure("no_objection")
    assert written.refusal("board-member-2", "vote", choice="approve") == (
        f"{MATTER} is under the written no-objection procedure: there is no vote; a member may 'object' "
        "(with grounds) or record 'no-objection'."
    )
    vote = open_procedure("vote")
    assert vote.refusal("board-member-2", "object", comment="no") == (
        f"{MATTER} is decided by vote: use 'vote' with choice approve, reject or abstain; 'object' belongs "
        "to the no-objection procedure."
    )


# ------------------------------------------------------------------------------------------------------------
# The electronic vote: quorum and threshold


def test_a_quorate_vote_with_a_majority_for_is_approved_at_the_close() -> None:
    run = open_procedure()
    cast(run, {CHAIR: "approve", "board-member-2": "approve", "board-member-3": "approve"})
    cast(run, {"board-member-4": "reject", "board-member-5": "abstain"})
    assert not run.state.closed, "four members could still reject: 3 for, 5 against"

    run.advance(CLOSES_AT)
    closed = run.closed_event()
    assert closed.outcome == APPROVED and closed.payload["quorum_met"] is True
    assert closed.payload["quorum_needed"] == 5
    assert closed.payload["tally"] == {
        "eligible": 9,
        "approve": 3,
        "reject": 1,
        "abstain": 1,
        "objected": 0,
        "assented": 0,
        "recused": 0,
        "not_responded": 4,
    }
    assert closed.payload["responses"] == {
        CHAIR: "approve",
        "board-member-2": "approve",
        "board-member-3": "approve",
        "board-member-4": "reject",
        "board-member-5": "abstain",
        "board-member-6": "not_responded",
        "board-member-7": "not_responded",
        "board-member-8": "not_responded",
        "board-member-9": "not_responded",
    }
    assert run.state.outcome == APPROVED


def test_without_quorum_the_vote_fails_as_no_quorum_whatever_the_votes_say() -> None:
    run = open_procedure()
    cast(run, {CHAIR: "approve", "board-member-2": "approve", "board-member-3": "approve"})
    cast(run, {"board-member-4": "reject"})

    run.advance(CLOSES_AT)
    closed = run.closed_event()
    assert closed.outcome == NO_QUORUM and closed.payload["quorum_met"] is False
    assert closed.reason is not None and closed.reason.startswith("Not quorate: 4 responded, quorum 5 of 9")


def test_abstentions_count_for_quorum_but_not_for_the_threshold() -> None:
    # Two of five responses are for: short of a majority of responses, but a majority of votes for or against.
    run = open_procedure()
    cast(run, {"board-member-2": "approve", "board-member-3": "approve", "board-member-4": "reject"})
    cast(run, {"board-member-5": "abstain", "board-member-6": "abstain"})
    run.advance(CLOSES_AT)
    assert run.closed_event().outcome == APPROVED

    # Without the abstentions the same votes are not quorate.
    run = open_procedure()
    cast(run, {"board-member-2": "approve", "board-member-3": "approve", "board-member-4": "reject"})
    run.advance(CLOSES_AT)
    assert run.closed_event().outcome == NO_QUORUM


def test_a_tie_does_not_carry_a_simple_majority() -> None:
    run = open_procedure()
    cast(run, {"board-member-2": "approve", "board-member-3": "approve"})
    cast(run, {"board-member-4": "reject", "board-member-5": "reject", "board-member-6": "abstain"})
    run.advance(CLOSES_AT)
    assert run.closed_event().outcome == REJECTED


def test_the_threshold_comes_from_the_organisation_file() -> None:
    two_thirds = with_board(pass_threshold=PassThreshold(at_least=Fraction(2, 3)))
    votes = {"board-member-2": "approve", "board-member-3": "approve", "board-member-4": "approve"}
    votes |= {"board-member-5": "reject", "board-member-6": "reject"}

    simple = open_procedure()
    cast(simple, votes)
    simple.advance(CLOSES_AT)
    assert simple.closed_event().outcome == APPROVED  # 3 of 5 is more than 1/2

    qualified = open_procedure(organisation=two_thirds)
    cast(qualified, votes)
    qualified.advance(CLOSES_AT)
    assert qualified.closed_event().outcome == REJECTED  # but not 2/3
    assert qualified.of_type(BOARD_DECISION_OPENED)[0].payload["pass_threshold"] == {"at_least": "2/3"}


def test_the_rules_copied_at_opening_govern_the_count() -> None:
    run = open_procedure()
    run.organisation = with_board(quorum=Fraction(1))  # the file changes during the vote
    cast(run, {"board-member-2": "approve", "board-member-3": "approve", "board-member-4": "reject"})
    cast(run, {"board-member-5": "abstain", "board-member-6": "abstain"})
    run.advance(CLOSES_AT)
    assert run.closed_event().outcome == APPROVED


# ------------------------------------------------------------------------------------------------------------
# Recusal


def test_a_pre_declared_conflict_is_recorded_and_leaves_the_quorum_base() -> None:
    conflicted = ("board-member-2", "board-member-3", "board-member-4")
    run = open_procedure(conflicted=conflicted)
    cast(run, {"board-member-5": "approve", "board-member-6": "abstain", "board-member-7": "abstain"})

    run.advance(CLOSES_AT)
    closed = run.closed_event()
    assert closed.outcome == APPROVED  # three of six eligible respond: quorum 3 of 6
    assert closed.payload["quorum_needed"] == 3
    assert closed.payload["tally"]["eligible"] == 6 and closed.payload["tally"]["recused"] == 3
    assert all(closed.payload["responses"][member] == "recused" for member in conflicted)
    assert set(closed.payload["recused"]) == set(conflicted)


def test_a_recused_member_cannot_vote() -> None:
    run = open_procedure(conflicted=("board-member-3",))
    assert run.refusal("board-member-3", "vote", choice="approve") == (
        "Board Member 3 (Donor) declared a conflict of interest on this decision and cannot vote on it "
        "(conflict of interest)."
    )


def test_a_conflict_declared_during_the_vote_cancels_the_task_and_lowers_the_quorum_base() -> None:
    run = open_procedure()
    cast(run, {CHAIR: "approve", "board-member-2": "approve", "board-member-3": "approve"})
    cast(run, {"board-member-4": "reject"})
    committed = run.act("board-member-9", "declare-conflict", comment="Board member of the applicant's partner.")

    assert [event.type for event in committed] == [MEMBER_RECUSED, timed_step.TASK_CANCELLED]
    assert committed[0].actor == "board-member-9"
    assert committed[0].payload == {
        "member": "board-member-9",
        "interest": "Board member of the applicant's partner.",
        "declared_on": CASE_ID,
    }
    assert "vote/board-member-9" not in run.state.tasks

    # Four responses: not quorate among nine (see above), quorate among eight.
    run.advance(CLOSES_AT)
    closed = run.closed_event()
    assert closed.outcome == APPROVED and closed.payload["quorum_needed"] == 4
    assert closed.payload["responses"]["board-member-9"] == "recused"


def test_a_member_who_has_voted_cannot_then_recuse() -> None:
    run = open_procedure()
    run.act("board-member-5", "vote", choice="reject")
    assert run.refusal("board-member-5", "declare-conflict", comment="late") == (
        "A member who has responded cannot then recuse; Board Member 5 (Local Government Association) has "
        "already responded (reject) on this decision, and a conflict must be declared before responding "
        "(conflict of interest)."
    )


def test_a_conflict_must_name_the_interest_and_is_declared_once() -> None:
    run = open_procedure()
    assert run.refusal("board-member-5", "declare-conflict") == (
        "A conflict of interest must say what the interest is: give it with --comment."
    )
    run.act("board-member-5", "declare-conflict", comment="Former employee of the applicant.")
    assert run.refusal("board-member-5", "declare-conflict", comment="again") == (
        "Board Member 5 (Local Government Association) has already declared a conflict of interest on this decision."
    )


# ------------------------------------------------------------------------------------------------------------
# Early close


def test_the_vote_closes_approved_as_soon_as_the_rest_cannot_overturn_it() -> None:
    run = open_procedure()
    for member in MEMBERS[:4]:
        run.act(member, "vote", choice="approve")
        assert not run.state.closed
    committed = run.act(MEMBERS[4], "vote", choice="approve")  # 5 for; even 4 against would not overturn it

    assert [event.type for event in committed][:3] == [
        VOTE_CAST,
        timed_step.TASK_COMPLETED,
        BOARD_DECISION_CLOSED,
    ]
    closed = run.closed_event()
    assert closed.outcome == APPROVED and closed.payload["closed_early"] is True
    assert closed.reason is not None and closed.reason.startswith("The outcome can no longer change")
    assert run.state.closed and run.state.tasks == {}
    assert run.advance(CLOSES_AT) == [], "nothing is left to lapse"


def test_the_vote_closes_rejected_as_soon_as_approval_is_out_of_reach() -> None:
    run = open_procedure()
    for member in MEMBERS[:4]:
        run.act(member, "vote", choice="reject")
    assert not run.state.closed, "five approvals could still carry it"
    run.act(MEMBERS[4], "vote", choice="reject")

    assert run.closed_event().outcome == REJECTED and run.state.outcome == REJECTED


def test_the_vote_does_not_close_early_while_quorum_is_still_open() -> None:
    # With quorum 1, nobody's silence is harmless: five for is settled only once everyone has responded.
    run = open_procedure(organisation=with_board(quorum=Fraction(1)))
    for member in MEMBERS[:8]:
        run.act(member, "vote", choice="approve")
        assert not run.state.closed
    run.act(MEMBERS[8], "vote", choice="abstain")
    assert run.closed_event().outcome == APPROVED


# ------------------------------------------------------------------------------------------------------------
# Responses: changes before the close, none after


def test_a_member_may_change_their_vote_before_the_close() -> None:
    run = open_procedure()
    run.act("board-member-7", "vote", choice="approve")
    run.act("board-member-7", "vote", choice="reject")

    first, second = run.of_type(VOTE_CAST)
    assert first.payload == {"member": "board-member-7", "choice": "approve", "previous": None}
    assert second.payload == {"member": "board-member-7", "choice": "reject", "previous": "approve"}
    assert second.reason == "changed vote from approve to reject before the close"
    assert tally(run.state).approve == 0 and tally(run.state).reject == 1
    assert run.refusal("board-member-7", "vote", choice="reject") == (
        "Board Member 7 (Multilateral Development Bank) has already voted reject on this decision; nothing to change."
    )


def test_no_response_is_accepted_after_the_close() -> None:
    run = open_procedure()
    cast(run, {member: "approve" for member in MEMBERS[:5]})
    assert run.state.closed

    # The common rule of every case answers first.
    assert run.refusal(MEMBERS[0], "vote", choice="reject") == (
        f"Case {CASE_ID} is closed (approved); it accepts no further actions."
    )
    # The Board decision's own sentence, for a caller that asks the decider directly.
    command = Command(action="vote", actor=MEMBERS[6], fields={"choice": "reject"})
    with pytest.raises(NotAllowed) as refused:
        BOARD_DECISION.decide(run.state, command, run.context(CLOSES_AT))
    assert str(refused.value) == (
        f"Voting on {MATTER} closed at {DURING.isoformat()}; responses can no longer be changed."
    )


def test_a_response_at_the_close_is_refused_even_before_the_lapse_is_processed() -> None:
    run = open_procedure()
    run.act("board-member-2", "vote", choice="approve")

    command = Command(action="vote", actor="board-member-3", fields={"choice": "reject"})
    with pytest.raises(NotAllowed) as refused:
        decide_command(BOARD_DECISION, run.state, command, run.context(CLOSES_AT))
    assert str(refused.value) == (
        f"Voting on {MATTER} closed at {CLOSES_AT.isoformat()}; responses can no longer be changed."
    )
    assert run.act("board-member-3", "vote", at=CLOSES_AT - timedelta(minutes=1), choice="reject")


def test_the_close_moves_only_when_every_open_members_task_is_extended() -> None:
    """Pins the documented behaviour: `extend` moves one task; the first open task to lapse is the close."""
    later = (CLOSES_AT + timedelta(days=7)).date().isoformat()

    one = open_procedure()
    one.act(CHAIR, "extend", task="vote/board-member-5", until=later, comment="travelling")
    one.advance(CLOSES_AT)
    assert one.state.closed, "the other members' tasks still lapse at the original close"

    every = open_procedure()
    cast(every, {member: "approve" for member in MEMBERS[:4]})
    for member in MEMBERS[4:]:
        every.act(CHAIR, "extend", task=f"vote/{member}", until=later, comment="quorum at risk")
    at_old_close = every.advance(CLOSES_AT)
    assert timed_step.DEADLINE_PASSED not in {event.type for event in at_old_close} and not every.state.closed
    every.act("board-member-9", "vote", at=CLOSES_AT + timedelta(days=1), choice="approve")
    assert every.state.closed and every.closed_event().outcome == APPROVED


def test_a_choice_must_be_approve_reject_or_abstain() -> None:
    run = open_procedure()
    refusal = run.refusal("board-member-2", "vote", choice="maybe")
    assert refusal.startswith("Action 'vote' has bad input: field 'choice'")


# ------------------------------------------------------------------------------------------------------------
# Who may take part


def test_observers_and_people_outside_the_board_cannot_respond() -> None:
    run = open_procedure()
    assert run.refusal(OBSERVER, "vote", choice="approve") == (
        "Only voting members of the Management Board may vote; Board Observer 1 (Partner Foundation) is an observer."
    )
    assert run.refusal(DIRECTOR, "vote", choice="approve") == (
        "Director is not a voting member of the Management Board."
    )
    assert run.refusal("nobody-at-all", "vote", choice="approve") == (
        "Unknown person 'nobody-at-all': not in the organisation file."
    )
    written = open_procedure("no_objection")
    assert written.refusal(OBSERVER, "object", comment="I object") == (
        "Only voting members of the Management Board may object; Board Observer 1 (Partner Foundation) is an observer."
    )


def test_a_members_task_cannot_be_reassigned() -> None:
    run = open_procedure(conflicted=("board-member-8",))
    reason = "travelling"
    assert run.refusal(CHAIR, "reassign", task="vote/board-member-2", to=OBSERVER, comment=reason) == (
        "Only voting members of the Management Board may vote; Board Observer 1 (Partner Foundation) is an observer."
    )
    assert run.refusal(CHAIR, "reassign", task="vote/board-member-2", to=DIRECTOR, comment=reason) == (
        "Director is not a voting member of the Management Board."
    )
    assert run.refusal(CHAIR, "reassign", task="vote/board-member-2", to="board-member-8", comment=reason) == (
        "Board Member 8 (Civil Society) declared a conflict of interest on this decision and cannot take "
        "part in it (conflict of interest)."
    )
    assert run.refusal(CHAIR, "reassign", task="vote/board-member-2", to="board-member-3", comment=reason) == (
        f"A Board member's response is personal: 'Board vote: {MATTER}' belongs to Board Member 2 (Donor) "
        "and cannot be reassigned to Board Member 3 (Donor) (Board procedure)."
    )


# ------------------------------------------------------------------------------------------------------------
# Reminders and status


def test_only_members_who_have_not_responded_are_reminded_before_the_close() -> None:
    run = open_procedure()
    cast(run, {CHAIR: "approve", "board-member-2": "reject"})
    run.act("board-member-3", "declare-conflict", comment="Adviser to the applicant.")

    reminded = run.advance(REMINDERS[0])
    assert {event.type for event in reminded} == {timed_step.REMINDER_SENT}
    assert sorted(event.payload["to"] for event in reminded) == sorted(MEMBERS[3:])
    assert all(event.payload["due_at"] == CLOSES_AT.isoformat() for event in reminded)


def test_stage_summary_shows_the_procedure_the_tally_so_far_and_the_outcome() -> None:
    run = open_procedure(conflicted=("board-member-9",))
    cast(run, {CHAIR: "approve", "board-member-2": "abstain"})

    summary = BOARD_DECISION.stage_summary(run.state)
    assert summary["procedure"] == "vote" and summary["closes_at"] == CLOSES_AT.isoformat()
    assert summary["tally"]["approve"] == 1 and summary["tally"]["abstain"] == 1
    assert summary["tally"]["not_responded"] == 6 and summary["quorum_needed"] == 4
    assert summary["recused"] == ["board-member-9"] and summary["outcome"] is None
    assert CHAIR not in summary["awaiting"] and "board-member-9" not in summary["awaiting"]

    run.advance(CLOSES_AT)
    assert BOARD_DECISION.stage_summary(run.state)["outcome"] == NO_QUORUM


def test_the_record_alone_rebuilds_the_same_state() -> None:
    """Projections fold stored events with the same evolve, so the audit trail must be enough."""
    run = open_procedure(conflicted=("board-member-4",))
    cast(run, {CHAIR: "approve", "board-member-2": "reject", "board-member-3": "approve"})
    run.advance(CLOSES_AT)

    rebuilt: BoardDecisionState = initial_state(CASE_ID)
    for event in run.events:
        stored = DomainEvent.model_validate_json(event.model_dump_json())
        rebuilt = case.evolve(BOARD_DECISION, rebuilt, stored)
    assert rebuilt == run.state


# ------------------------------------------------------------------------------------------------------------
# Properties


RULE_SETS = [
    {"quorum": Fraction(1, 2), "pass_threshold": PassThreshold(more_than=Fraction(1, 2))},
    {"quorum": Fraction(2, 3), "pass_threshold": PassThreshold(at_least=Fraction(2, 3))},
    {"quorum": Fraction(1, 3), "pass_threshold": PassThreshold(at_least=Fraction(1))},
    {"quorum": Fraction(1), "pass_threshold": PassThreshold(more_than=Fraction(3, 5))},
]


def _deadline_outcome(board: Board, votes: dict[str, str], eligible: int) -> str:
    """An oracle that counts from the raw votes, independently of the module's tally."""
    approve = sum(choice == "approve" for choice in votes.values())
    reject = sum(choice == "reject" for choice in votes.values())
    if not board.quorum_met(len(votes), eligible):
        return NO_QUORUM
    return APPROVED if board.motion_carries(approve, reject) else REJECTED


@settings(max_examples=150, deadline=None)
@given(
    rules=st.sampled_from(RULE_SETS),
    conflicted=st.sets(st.sampled_from(MEMBERS), max_size=4),
    sequence=st.lists(
        st.tuples(st.sampled_from(MEMBERS), st.sampled_from(["approve", "reject", "abstain"])), max_size=20
    ),
)
def test_an_early_close_gives_the_outcome_the_deadline_would_give_with_the_same_votes(
    rules: dict[str, Any], conflicted: set[str], sequence: list[tuple[str, str]]
) -> None:
    organisation = with_board(**rules)
    run = open_procedure(conflicted=tuple(sorted(conflicted)), organisation=organisation)
    votes: dict[str, str] = {}
    for member, choice in sequence:
        if run.state.closed:
            break
        if member in conflicted or votes.get(member) == choice:
            continue
        run.act(member, "vote", choice=choice)
        votes[member] = choice

    eligible = len(MEMBERS) - len(conflicted)
    expected = _deadline_outcome(organisation.board, votes, eligible)
    if run.state.closed:
        assert run.closed_event().payload["closed_early"] is True
    else:
        run.advance(CLOSES_AT)
        assert len(run.of_type(timed_step.DEADLINE_PASSED)) == 1
    assert run.state.outcome == expected
    assert run.closed_event().payload["responses"] == {
        member: "recused" if member in conflicted else votes.get(member, "not_responded") for member in MEMBERS
    }


def _state_with(eligible: int, approve: int, reject: int, abstain: int, rules: Board) -> BoardDecisionState:
    members = tuple(f"member-{number}" for number in range(eligible))
    choices = ["approve"] * approve + ["reject"] * reject + ["abstain"] * abstain
    return BoardDecisionState(
        case_id=CASE_ID,
        procedure="vote",
        rules=rules.model_copy(update={"voting_members": members, "chair": members[0] if members else "x"}),
        responses=dict(zip(members, choices, strict=False)),
    )


@settings(max_examples=300, deadline=None)
@given(
    rules=st.sampled_from(RULE_SETS),
    eligible=st.integers(min_value=0, max_value=12),
    data=st.data(),
)
def test_settled_means_every_way_the_rest_could_respond_gives_the_same_outcome(
    rules: dict[str, Any], eligible: int, data: st.DataObject
) -> None:
    board = BOARD.model_copy(update=rules)
    approve = data.draw(st.integers(0, eligible))
    reject = data.draw(st.integers(0, eligible - approve))
    abstain = data.draw(st.integers(0, eligible - approve - reject))
    state = _state_with(eligible, approve, reject, abstain, board)
    left = eligible - approve - reject - abstain

    reachable = set()
    for more_approve, more_reject, more_abstain in itertools.product(range(left + 1), repeat=3):
        if more_approve + more_reject + more_abstain <= left:
            completed = _state_with(
                eligible, approve + more_approve, reject + more_reject, abstain + more_abstain, board
            )
            reachable.add(outcome_at_close(completed, board))

    settled = outcome_is_settled(state, board)
    assert (settled is not None) == (len(reachable) == 1)
    if settled is not None:
        assert reachable == {settled}
