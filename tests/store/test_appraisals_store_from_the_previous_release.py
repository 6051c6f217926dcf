"""A store written by the release before typed events (commit 0cc7368, `govern simulate
examples/scenarios/management-team-appraisals.yaml`: five appraisals, content sealed) reads back unchanged: its
chain verifies, every appraisal event parses to its typed model and dumps to its stored payload, and today's
rules fold each case to exactly the state that release folded it to (tests/fixtures/*.states.json, written by
it). It is read as a newer release reads it: after `govern migrate`, which every writer runs on opening it.
Regenerate both files only for an intended change of what that scenario records."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain import case
from domain.appraisal_cycle_events import APPRAISAL_CYCLE_EVENTS
from domain.appraisal_events import APPRAISAL_EVENTS
from domain.case_kinds import decider_for
from store.event_store import EventStore
from store.projection_check import check_projections
from store.verify import verify
from tests.support.previous_release import events_of, migrated, unpack_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
STORE = FIXTURES / "appraisals-store-0cc7368.db.gz"
STATES: dict[str, Any] = json.loads((FIXTURES / "appraisals-store-0cc7368.states.json").read_text(encoding="utf-8"))


@pytest.fixture
def previous_store(tmp_path: Path) -> Iterator[EventStore]:
    store = EventStore.open_existing(migrated(unpack_store(STORE, tmp_path / "audit.db")))
    yield store
    store.close()


def test_the_store_of_the_previous_release_still_verifies(previous_store: EventStore) -> None:
    result = verify(previous_store)
    assert result.ok and result.count == 157


def test_its_appraisal_events_parse_and_dump_back_to_their_stored_payloads(previous_store: EventStore) -> None:
    parsed = 0
    for case_id in STATES:
        for event in events_of(previous_store, case_id):
            for family in (APPRAISAL_EVENTS, APPRAISAL_CYCLE_EVENTS):
                model = family.parse(event)
                if model is not None:
                    assert model.payload() == event.payload
                    parsed += 1
    assert parsed > 40


@pytest.mark.parametrize("case_id", sorted(STATES))
def test_todays_rules_fold_each_case_to_the_state_the_previous_release_folded(
    previous_store: EventStore, case_id: str
) -> None:
    decider = decider_for(case_id)
    state = decider.initial_state(case_id)
    for event in events_of(previous_store, case_id):
        state = case.evolve(decider, state, event)
    assert state.model_dump(mode="json") == STATES[case_id]


def test_its_projections_match_what_todays_rules_fold_from_its_log(previous_store: EventStore) -> None:
    assert check_projections(previous_store).differences == []
