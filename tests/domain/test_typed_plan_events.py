"""Every recorded event of the Strategic Plan and the Annual Work Plan reads back as its typed model and dumps
to exactly the payload it was read from: the saved Temporal histories of the example plan's Annual Work Plans
(what the workflows sent to the audit activity) and the trail the example scenarios recorded in the store
(channels stamped)."""

from pathlib import Path
from typing import Any

import pytest

from domain import annual_work_plan, strategic_plan
from domain.annual_work_plan_commands import ANNUAL_WORK_PLAN_COMMANDS
from domain.annual_work_plan_events import ANNUAL_WORK_PLAN_EVENTS
from domain.event_model import EventFamily
from domain.events import DomainEvent
from domain.strategic_plan_commands import STRATEGIC_PLAN_COMMANDS
from domain.strategic_plan_events import STRATEGIC_PLAN_EVENTS
from tests.support import recorded_events as recorded
from tests.support.recorded_events import HISTORIES, recorded_in_history, recorded_in_trail

FAMILIES: tuple[EventFamily[Any], ...] = (STRATEGIC_PLAN_EVENTS, ANNUAL_WORK_PLAN_EVENTS)
#: The plan's own saved history starts after a continue-as-new, past its events; its Annual Work Plans' do not.
PLAN_HISTORIES = [path for path in HISTORIES if path.stem.endswith(("awp_2028", "awp_2029"))]


def typed(event: DomainEvent) -> bool:
    return any(event.type in family.models for family in FAMILIES)


def assert_round_trip(event: DomainEvent) -> None:
    recorded.assert_round_trip(event, *FAMILIES)


def test_the_plan_histories_are_found() -> None:
    assert len(PLAN_HISTORIES) == 2


@pytest.mark.parametrize("history", PLAN_HISTORIES, ids=lambda p: p.stem)
def test_every_plan_event_of_a_saved_history_parses_and_dumps_back_unchanged(history: Path) -> None:
    events = [event for event in recorded_in_history(history) if typed(event)]
    assert events
    for event in events:
        assert_round_trip(event)


def test_every_plan_event_of_the_example_trail_parses_and_dumps_back_unchanged() -> None:
    events = [event for event in recorded_in_trail() if typed(event)]
    assert all("channel" in event.payload for event in events)  # stamped keys survive the round trip
    for event in events:
        assert_round_trip(event)


def test_every_plan_event_type_is_seen_in_the_recorded_trails() -> None:
    """So that the tests above cover each model, not only some."""
    seen = {event.type for event in recorded_in_trail()}
    for history in PLAN_HISTORIES:
        seen |= {event.type for event in recorded_in_history(history)}
    assert {name for family in FAMILIES for name in family.models} - seen == set()


def test_an_annual_work_plan_opened_before_the_nominal_days_were_recorded_dumps_without_them() -> None:
    """The saved history's opening has no `draft_due_on`: the model leaves it out rather than writing null."""
    (path,) = [path for path in PLAN_HISTORIES if path.stem.endswith("awp_2028")]
    (opened,) = [event for event in recorded_in_history(path) if event.type == "AnnualWorkPlanOpened"]
    assert "draft_due_on" not in opened.payload
    assert "draft_due_on" not in ANNUAL_WORK_PLAN_EVENTS.parse(opened).payload()


def test_published_targets_keep_their_values_as_recorded() -> None:
    (published,) = [event for event in recorded_in_trail() if event.type == "StrategicPlanPublished"][:1]
    model = STRATEGIC_PLAN_EVENTS.parse(published)
    assert [target.id for target in model.targets] == [item["id"] for item in published.payload["targets"]]
    altered = published.model_copy(update={"payload": {**published.payload, "version": str(model.version)}})
    assert STRATEGIC_PLAN_EVENTS.parse(altered).payload() != altered.payload


def test_each_plan_decider_parses_exactly_the_actions_it_handles() -> None:
    """A handler without its typed command (or a command no handler takes) would fail only when first used."""
    assert STRATEGIC_PLAN_COMMANDS.actions == list(strategic_plan._HANDLERS)
    assert ANNUAL_WORK_PLAN_COMMANDS.actions == list(annual_work_plan._HANDLERS)
