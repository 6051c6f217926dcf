"""The Board referral every parent case composes: which Board decision it awaits, the one rule for a stale
outcome, the procedure's names, and reading the Board's answer in the shape saved histories hold."""

from datetime import UTC, datetime

import pytest

from domain.annual_work_plan import AnnualWorkPlanState
from domain.board_decision import BoardOutcome
from domain.board_referral import SUPERSEDED, BoardReferral
from domain.board_request import BOARD_DECISION_RECORDED, BOARD_DECISION_REQUESTED, BoardProcedure
from domain.events import DomainEvent
from domain.grant import GrantState
from domain.policy_review import PolicyReviewState
from domain.strategic_plan import StrategicPlanState


def _event(event_type: str, outcome: str | None = None, **payload: object) -> DomainEvent:
    return DomainEvent(
        event_id=f"{event_type}-{outcome}",
        stream_id="grant/2027-021",
        type=event_type,
        actor="system",
        outcome=outcome,
        occurred_at=datetime(2027, 3, 1, 9, tzinfo=UTC),
        payload=payload,
    )


def _requested(board_case: str) -> DomainEvent:
    return _event(BOARD_DECISION_REQUESTED, board_case=board_case, procedure="vote", matter="grant 2027-021")


def test_a_request_is_awaited_until_an_outcome_is_recorded_but_not_past_a_superseded_one() -> None:
    referral = BoardReferral().after(_requested("grant/2027-021/board/1"))
    first = BoardOutcome(board_case="grant/2027-021/board/1", outcome="approved")
    assert referral.awaits(first)
    assert not referral.awaits(BoardOutcome(board_case="grant/2027-021/board/2", outcome="approved"))

    again = referral.after(_requested("grant/2027-021/board/2"))
    assert again.cases == ("grant/2027-021/board/1", "grant/2027-021/board/2")
    assert not again.awaits(first), "only the latest request is awaited"
    # A late vote recorded as superseded does not end the wait for the newer Board decision.
    assert (
        again.after(_event(BOARD_DECISION_RECORDED, SUPERSEDED, reference="grant/2027-021/board/1")).pending
        == "grant/2027-021/board/2"
    )
    assert again.after(_event(BOARD_DECISION_RECORDED, "rejected", reference="BM-2027-04")).pending is None
    assert again.forgotten().pending is None


@pytest.mark.parametrize("state_type", [GrantState, StrategicPlanState, PolicyReviewState, AnnualWorkPlanState])
def test_a_state_saved_with_the_flat_board_fields_still_loads(state_type: type) -> None:
    saved = {"case_id": "x/1", "board_cases": ["x/1/board/1", "x/1/board/2"], "pending_board_case": "x/1/board/2"}
    state = state_type.model_validate(saved)
    assert state.board_cases == ("x/1/board/1", "x/1/board/2")
    assert state.pending_board_case == "x/1/board/2"
    assert state_type.model_validate_json(state.model_dump_json()) == state


def test_the_procedure_goes_by_its_organisation_name_its_step_kind_and_its_stage() -> None:
    assert BoardProcedure.named("board_vote") is BoardProcedure.VOTE
    assert BoardProcedure.named("no_objection") is BoardProcedure.NO_OBJECTION
    assert BoardProcedure.NO_OBJECTION.organisation_name == "board_no_objection"
    assert [(p.step_kind, p.stage) for p in BoardProcedure] == [
        ("no_objection", "no_objection_period"),
        ("board_vote", "voting"),
    ]


def test_the_boards_answer_is_read_from_the_board_decisions_view() -> None:
    tally = {"eligible": 9, "approve": 7, "reject": 1, "abstain": 1}
    answer = BoardOutcome.reported("plan/2028-2032/board/1", "approved", {"procedure": "vote", "tally": tally})
    assert answer == BoardOutcome(board_case="plan/2028-2032/board/1", outcome="approved", tally=tally)
    # A Board decision that closed without an outcome did not approve.
    assert BoardOutcome.reported("plan/2028-2032/board/1", None, {}).outcome == "rejected"
