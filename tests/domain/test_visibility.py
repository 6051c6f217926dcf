"""Who may see a case, its content and the Board's responses (`domain.visibility`), in the example organisation
and in another one."""

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.action_catalogue import actions_open_to
from domain.board_decision import BOARD_DECISION, VOTE_CAST, BoardDecisionRequest, open_board_decision
from domain.case import decide_command
from domain.commands import Command
from domain.events import DomainEvent
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation
from domain.participation import people_named
from domain.visibility import (
    RESPONDED,
    asks_the_board,
    board_responses_visible,
    is_auditor,
    may_read_content,
    may_view_case,
    redacted_payload,
    response_detail_visible,
)
from tests.support.case_run import CaseRun

LAKES = Path(__file__).with_name("lakes-organisation.yaml")
OPENED_AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
CLOSES_AT = datetime(2027, 3, 15, 16, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def lakes() -> Organisation:
    return parse_organisation(LAKES.read_text(encoding="utf-8"))


def participants(events: Iterable[DomainEvent]) -> frozenset[str]:
    people: set[str] = set()
    for event in events:
        people |= people_named(event.actor, event.on_behalf_of, event.payload)
    return frozenset(people)


class Procedure(CaseRun):
    """A Board procedure as its workflow holds it."""

    decider = BOARD_DECISION

    def __init__(self, organisation: Organisation, procedure: str = "vote") -> None:
        super().__init__(
            organisation=organisation, state=BOARD_DECISION.initial_state("grant/2027-014/board/1"), clock=OPENED_AT
        )
        request = BoardDecisionRequest(
            procedure=procedure,  # type: ignore[arg-type]
            matter="Grant grant/2027-014",
            parent_case="grant/2027-014",
            requested_by=organisation.director().id,
            closes_at=CLOSES_AT,
        )
        self.append(open_board_decision(self.state.case_id, request, self.context(OPENED_AT)), OPENED_AT)

    def vote(self, member: str, choice: str, at: datetime) -> None:
        self.act(member, "vote", at=at, choice=choice)


# -- cases ------------------------------------------------------------------------------------------------------
def test_a_grant_is_seen_by_those_who_take_part_and_the_auditor_only(
    submit: Callable[..., Any], example_org: Organisation
) -> None:
    grant = submit()
    grant.screen_eligible()
    people = participants(grant.events)
    case_id = grant.state.case_id
    for person in ("programme-officer-pretoria", "programme-officer-brussels", "head-of-programmes"):
        assert may_view_case(example_org, person, case_id, people)
        assert may_read_content(example_org, person, case_id, people)
    # An unrelated staff member does not see it (the web answers 404); nor does a Board member, yet.
    assert not may_view_case(example_org, "communications-officer-hanoi", case_id, people)
    assert not may_view_case(example_org, "board-member-2", case_id, people)
    assert not may_view_case(example_org, "nobody-at-all", case_id, people)
    assert is_auditor(example_org, "internal-auditor") and not is_auditor(example_org, "director")
    assert may_view_case(example_org, "internal-auditor", case_id, people)
    assert may_read_content(example_org, "internal-auditor", case_id, people)


def test_board_members_and_observers_see_board_matters_and_observers_are_offered_nothing(
    submit: Callable[..., Any], example_org: Organisation
) -> None:
    lima = submit(kampala=False)
    assert not asks_the_board(lima.state)
    lima.through_reviews()
    lima.act("director", "endorse", decision="approve")
    assert asks_the_board(lima.state)
    people = participants(lima.events)
    for person in ("board-member-2", "board-observer-1", "board-chair"):
        assert may_view_case(example_org, person, lima.state.case_id, people, board_matter=True)
        assert may_view_case(example_org, person, "grant/2027-021/board/1", frozenset())
    assert not may_view_case(example_org, "communications-officer-hanoi", "grant/2027-021/board/1", frozenset())
    board = Procedure(example_org, "no_objection")
    context = board.context(OPENED_AT + timedelta(days=1))
    assert actions_open_to(board.state, "board-observer-1", context) == []
    assert [offer.action for offer in actions_open_to(board.state, "board-member-2", context)] == [
        "no-objection",
        "object",
        "declare-conflict",
    ]


def test_an_appraisal_is_seen_by_its_subject_officers_and_hr_and_its_content_not_by_the_auditor(
    example_org: Organisation,
) -> None:
    case_id = "appraisal/2027/programme-officer-hanoi"
    # Before any officer has held a step, the organisation file says who they are.
    people = frozenset({"programme-officer-hanoi", "hr-officer"})
    supervisor = example_org.supervisor_of("programme-officer-hanoi")
    second = example_org.second_reporting_officer_of("programme-officer-hanoi")
    assert supervisor and second and supervisor != second
    for person in ("programme-officer-hanoi", supervisor, second, "hr-officer"):
        assert may_view_case(example_org, person, case_id, people)
        assert may_read_content(example_org, person, case_id, people)
    # Another staff member cannot open it, not even a colleague in the same role.
    for person in ("programme-officer-brussels", "programme-officer-pretoria", "communications-officer-hanoi"):
        assert not may_view_case(example_org, person, case_id, people)
        assert not may_read_content(example_org, person, case_id, people)
    # The auditor sees that the process ran (the timeline), not what it says.
    assert may_view_case(example_org, "internal-auditor", case_id, people)
    assert not may_read_content(example_org, "internal-auditor", case_id, people)
    # A substitute who held an officer's step took part, and sees it.
    assert may_view_case(example_org, "head-of-operations", case_id, people | {"head-of-operations"})


def test_in_another_organisation_its_own_people_roles_and_board_decide(
    submit: Callable[..., Any], lakes: Organisation
) -> None:
    grant = submit(
        organisation=lakes, submitted_by="officer-a", screening_officer="officer-b", grantee_contact="partner-contact"
    )
    people = participants(grant.events)
    assert may_view_case(lakes, "officer-b", grant.state.case_id, people)
    assert not may_view_case(lakes, "officer-d", grant.state.case_id, people)
    assert may_view_case(lakes, "checker", grant.state.case_id, people)
    appraisal = "appraisal/2027/officer-a"
    assert may_read_content(lakes, "people-lead", appraisal, frozenset())  # HR
    assert may_read_content(lakes, "grants-manager", appraisal, frozenset())  # first reporting officer
    assert may_read_content(lakes, "chief-executive", appraisal, frozenset())  # second
    assert not may_view_case(lakes, "officer-b", appraisal, frozenset())
    assert not may_read_content(lakes, "checker", appraisal, frozenset())
    assert may_view_case(lakes, "watcher", "grant/2027-014/board/1", frozenset())
    assert not may_view_case(lakes, "board-member-2", "grant/2027-014/board/1", frozenset())  # not in this file
    board = Procedure(lakes)
    assert actions_open_to(board.state, "watcher", board.context(OPENED_AT + timedelta(days=1))) == []


# -- Board responses --------------------------------------------------------------------------------------------
def test_during_a_vote_members_see_who_responded_but_not_how_and_after_the_close_everything(
    lakes: Organisation,
) -> None:
    board = Procedure(lakes)
    board.vote("trustee-2", "approve", OPENED_AT + timedelta(days=1))
    assert board_responses_visible(board.state, "trustee-3", lakes) == {
        "trust-chair": "not_responded",
        "trustee-2": RESPONDED,
        "trustee-3": "not_responded",
    }
    # A member sees their own response; the auditor, who does not vote, sees each as it comes.
    assert board_responses_visible(board.state, "trustee-2", lakes)["trustee-2"] == "approve"
    assert board_responses_visible(board.state, "checker", lakes)["trustee-2"] == "approve"
    (cast,) = [event for event in board.events if event.type == VOTE_CAST]
    assert not response_detail_visible(board.state, cast.type, cast.actor, "trustee-3", lakes)
    assert not response_detail_visible(board.state, cast.type, cast.actor, "watcher", lakes)
    assert response_detail_visible(board.state, cast.type, cast.actor, "trustee-2", lakes)
    assert redacted_payload(cast.payload) == {"member": "trustee-2"}
    # The member's step closes with the response as its outcome: that completion is hidden the same way.
    (completed,) = [event for event in board.events if event.type == "TaskCompleted"]
    assert completed.outcome == "approve"
    assert not response_detail_visible(board.state, completed.type, completed.actor, "trustee-3", lakes)
    assert response_detail_visible(board.state, completed.type, completed.actor, "trustee-2", lakes)
    # Two of three have voted for: the motion carries at once, and every response is shown.
    board.vote("trustee-3", "approve", OPENED_AT + timedelta(days=2))
    assert board.state.closed
    assert board_responses_visible(board.state, "watcher", lakes) == {
        "trust-chair": "not_responded",
        "trustee-2": "approve",
        "trustee-3": "approve",
    }
    assert response_detail_visible(board.state, cast.type, cast.actor, "watcher", lakes)


def test_a_recusal_is_shown_to_everyone_and_a_non_board_case_has_no_responses(
    lakes: Organisation, submit: Callable[..., Any], example_org: Organisation
) -> None:
    board = Procedure(lakes, "no_objection")
    at = OPENED_AT + timedelta(days=1)
    command = Command(action="declare-conflict", actor="trustee-3", comment="Trustee of the applicant")
    board.append(decide_command(BOARD_DECISION, board.state, command, board.context(at)), at)
    assert board_responses_visible(board.state, "trust-chair", lakes)["trustee-3"] == "recused"
    assert board_responses_visible(submit().state, "director", example_org) == {}
