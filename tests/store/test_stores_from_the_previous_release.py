"""Stores written by the release before issue 13's refactor (commit 0cc7368) read back unchanged under today's
code, for every process: a grant decided by the Director, a grant with its Board referral, a late progress
report, a policy reaffirmed with staff attestation, a charter revised through the Board, a Strategic Plan with
its Annual Work Plans and a year of Board reports, and five appraisals (the appraisal store of
test_appraisals_store_from_the_previous_release). Each store is that release's own `govern simulate` of the
example scenario of the same name (tests/fixtures/previous-release-0cc7368/NAME.db.gz), and the states are what
that release's rules folded each case to (states.json, written by fold.py there, which says how).

For each store: its chain verifies; every event parses to exactly one typed model (its process's own, a shared
step's or the case's close, or its Board referral's) and dumps back to exactly its stored payload; today's rules
fold every case to the state that release folded, read through today's state model (the Board referral moved
`board_cases` and `pending_board_case` into a `board` slice whose loader reads the old shape); and the
projections match what today's rules fold from the log. Each is read as a newer release reads it: after
`govern migrate`, which every writer runs on opening it."""

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain import case
from domain.annual_work_plan_events import ANNUAL_WORK_PLAN_EVENTS
from domain.appraisal_cycle_events import APPRAISAL_CYCLE_EVENTS
from domain.appraisal_events import APPRAISAL_EVENTS
from domain.board_decision_events import BOARD_DECISION_EVENTS
from domain.board_report_events import BOARD_REPORT_EVENTS
from domain.board_request import BOARD_REQUEST_EVENTS
from domain.case_kinds import case_kinds, decider_for
from domain.event_model import EventFamily
from domain.grant.events import GRANT_EVENTS
from domain.policy_register_events import POLICY_REGISTER_EVENTS
from domain.policy_review_events import POLICY_REVIEW_EVENTS
from domain.step_events import STEP_EVENTS
from domain.strategic_plan_events import STRATEGIC_PLAN_EVENTS
from store.event_store import EventStore
from store.projection_check import check_projections
from store.verify import verify
from tests.support.previous_release import events_of, migrated, unpack_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RELEASE = FIXTURES / "previous-release-0cc7368"
STATES: dict[str, dict[str, Any]] = {
    **json.loads((RELEASE / "states.json").read_text(encoding="utf-8")),
    "management-team-appraisals": json.loads(
        (FIXTURES / "appraisals-store-0cc7368.states.json").read_text(encoding="utf-8")
    ),
}
PACKED = {name: RELEASE / f"{name}.db.gz" for name in STATES} | {
    "management-team-appraisals": FIXTURES / "appraisals-store-0cc7368.db.gz"
}
#: How many events each scenario recorded in that release.
RECORDED = {
    "small-grant-director": 45,
    "large-grant-board": 69,
    "late-progress-report": 39,
    "coi-policy-reaffirmed": 101,
    "charter-review": 103,
    "strategic-plan-approval": 236,
    "management-team-appraisals": 157,
}
#: State fields of that release that today's states hold under another name (the Board referral's slice).
MOVED = {"board_cases", "pending_board_case"}
#: Each process's own events, by its case kind; besides them any case records the shared steps and the case's
#: close, and a case that refers to the Board its referral's request and record.
OWN: dict[str, EventFamily[Any]] = {
    "grant": GRANT_EVENTS,
    "board_decision": BOARD_DECISION_EVENTS,
    "policy_register": POLICY_REGISTER_EVENTS,
    "policy_review": POLICY_REVIEW_EVENTS,
    "strategic_plan": STRATEGIC_PLAN_EVENTS,
    "annual_work_plan": ANNUAL_WORK_PLAN_EVENTS,
    "board_report": BOARD_REPORT_EVENTS,
    "appraisal_cycle": APPRAISAL_CYCLE_EVENTS,
    "appraisal": APPRAISAL_EVENTS,
}
SHARED: tuple[EventFamily[Any], ...] = (STEP_EVENTS, BOARD_REQUEST_EVENTS)
CASES = [(name, case_id) for name in sorted(STATES) for case_id in sorted(STATES[name])]


def test_every_kind_of_case_has_its_event_family_here() -> None:
    assert set(OWN) == {kind.name for kind in case_kinds()}


@pytest.fixture(params=sorted(STATES))
def scenario(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def unpacked(scenario: str, tmp_path: Path) -> Path:
    return unpack_store(PACKED[scenario], tmp_path / "audit.db")


@pytest.fixture
def previous_store(unpacked: Path) -> Iterator[EventStore]:
    store = EventStore.open_existing(migrated(unpacked))
    yield store
    store.close()


def test_each_store_verifies_and_its_states_cover_every_case(
    scenario: str, unpacked: Path, previous_store: EventStore
) -> None:
    result = verify(previous_store)
    assert result.ok and result.count == RECORDED[scenario]
    with sqlite3.connect(unpacked) as connection:
        cases = {row[0] for row in connection.execute("select distinct stream_id from audit_events")}
    assert cases == set(STATES[scenario])


def test_every_event_parses_to_its_typed_model_and_dumps_back_to_its_stored_payload(
    scenario: str, previous_store: EventStore
) -> None:
    parsed = 0
    for case_id in STATES[scenario]:
        families = (OWN[decider_for(case_id).kind], *SHARED)
        for event in events_of(previous_store, case_id):
            (model,) = [model for family in families if (model := family.parse(event)) is not None]
            assert type(model).__name__ == event.type
            assert model.payload() == event.payload, (case_id, event.type)
            parsed += 1
    assert parsed == RECORDED[scenario]


@pytest.mark.parametrize(("scenario", "case_id"), CASES)
def test_todays_rules_fold_each_case_to_the_state_the_previous_release_folded(
    scenario: str, previous_store: EventStore, case_id: str
) -> None:
    old = STATES[scenario][case_id]
    decider = decider_for(case_id)
    state = decider.initial_state(case_id)
    for event in events_of(previous_store, case_id):
        state = case.evolve(decider, state, event)
    today = state.model_dump(mode="json")
    assert today == type(state).model_validate(old).model_dump(mode="json")
    assert set(old) - set(today) <= MOVED  # reading the old state through today's model dropped nothing else


def test_its_projections_match_what_todays_rules_fold_from_its_log(previous_store: EventStore) -> None:
    """The rows that release wrote, migrated but not caught up or rebuilt: in step, and equal to the fold."""
    assert previous_store.projection_lag() is None
    assert check_projections(previous_store).differences == []
