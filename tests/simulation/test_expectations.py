"""Event expectations as a scenario author writes them: `on_behalf_of: null` means on behalf of nobody (an
omitted key means anyone), payloads match nested mappings as subsets, and `count` asks for exactly N events."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from runtime.organisation_loader import load_organisation
from runtime.settings import EXAMPLE_ORGANISATION
from simulation.expectations import check
from simulation.scenario import Expectations, ScenarioInvalid, load_scenario
from store.models import StoredEvent

ORGANISATION = load_organisation(EXAMPLE_ORGANISATION)
CASE = "grant/2027-014"


def stored(seq: int, event_type: str, actor: str, payload: dict[str, Any], **envelope: Any) -> StoredEvent:
    return StoredEvent(
        seq=seq,
        stream_id=CASE,
        stream_version=seq,
        event_id=f"e{seq}",
        type=event_type,
        occurred_at=datetime(2027, 3, seq, 9, tzinfo=UTC),
        recorded_at=datetime(2027, 3, seq, 9, tzinfo=UTC),
        actor=actor,
        payload=payload,
        prev_hash="0" * 64,
        hash=f"{seq:064d}",
        **envelope,
    )


TRAIL = [
    stored(1, "GrantApproved", "director", {"by": "director"}, outcome="approved"),
    stored(2, "GrantApproved", "deputy-director", {"by": "director"}, on_behalf_of="director", outcome="approved"),
    stored(3, "TrancheReleased", "system", {"tranche": 1, "release": {"amount": "60000", "currency": "USD"}}),
    stored(4, "TrancheReleased", "finance-officer", {"tranche": 2, "release": {"amount": "60000", "currency": "USD"}}),
    stored(5, "ReviewersAssigned", "head-of-programmes", {"reviewers": ["a", "b"]}),
    stored(6, "TaskOpened", "system", {"task_id": "screening"}),
]


def failures(**expect: Any) -> list[str]:
    return check(Expectations.model_validate(expect), TRAIL, {}, ORGANISATION)


def test_on_behalf_of_null_means_on_behalf_of_nobody_and_omitted_means_anyone() -> None:
    assert failures(events=[{"type": "GrantApproved", "on_behalf_of": None, "actor": "director"}]) == []
    assert failures(events=[{"type": "GrantApproved", "on_behalf_of": None, "actor": "deputy-director"}]) == [
        "Expected event GrantApproved actor=deputy-director on_behalf_of=none, but it is not in the audit trail."
    ]
    assert failures(events=[{"type": "GrantApproved", "actor": "deputy-director"}]) == []
    assert failures(absent_events=[{"type": "GrantApproved", "on_behalf_of": None}]) == [
        "Expected no event GrantApproved on_behalf_of=none, but sequence 1 is one."
    ]
    # outcome: null likewise asks for an event without an outcome.
    assert failures(events=[{"type": "TrancheReleased", "outcome": None}]) == []
    assert failures(events=[{"type": "GrantApproved", "outcome": None}]) == [
        "Expected event GrantApproved outcome=none, but it is not in the audit trail."
    ]


def test_payloads_match_nested_mappings_as_subsets() -> None:
    assert failures(events=[{"type": "TrancheReleased", "payload": {"release": {"currency": "USD"}}}]) == []
    assert (
        failures(events=[{"type": "TrancheReleased", "payload": {"tranche": 2, "release": {"amount": "60000"}}}]) == []
    )
    assert failures(events=[{"type": "TrancheReleased", "payload": {"release": {"currency": "EUR"}}}]) == [
        'Expected event TrancheReleased release={"currency": "EUR"}, but it is not in the audit trail.'
    ]
    # A list is matched whole, in order.
    assert failures(events=[{"type": "ReviewersAssigned", "payload": {"reviewers": ["a", "b"]}}]) == []
    assert failures(events=[{"type": "ReviewersAssigned", "payload": {"reviewers": ["a"]}}]) != []
    assert failures(events=[{"type": "ReviewersAssigned", "payload": {"reviewers": ["b", "a"]}}]) != []


def test_count_asks_for_exactly_that_many_matching_events() -> None:
    assert failures(events=[{"type": "TrancheReleased", "count": 2}]) == []
    assert failures(events=[{"type": "GrantApproved", "payload": {"by": "director"}, "count": 1}]) == [
        'Expected 1 event(s) GrantApproved by="director", but the audit trail has 2 (sequences 1, 2).'
    ]
    assert failures(events=[{"type": "TrancheReleased", "payload": {"tranche": 3}, "count": 1}]) == [
        "Expected 1 event(s) TrancheReleased tranche=3, but the audit trail has 0."
    ]
    assert failures(events=[{"type": "EscalationRaised", "count": 0}]) == []


def test_an_absent_event_with_a_count_does_not_load(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "organisation": str(EXAMPLE_ORGANISATION),
                "start": "2027-03-01T08:00:00Z",
                "expect": {"absent_events": [{"type": "EscalationRaised", "count": 2}]},
            }
        )
    )
    with pytest.raises(ScenarioInvalid) as invalid:
        load_scenario(path)
    assert str(invalid.value) == (
        f"The scenario {path} is invalid: expect: absent_events[0] has a count; an absent event appears 0 times "
        "(for a number of events, put the expectation under events with count: N)."
    )


def test_the_readme_scenario_format_loads_and_its_event_expectations_mean_what_it_says(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Scenario format", 1)[1].split("```yaml", 1)[1].split("```", 1)[0]
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "grants").symlink_to(EXAMPLE_ORGANISATION.parent / "grants")
    path = tmp_path / "scenarios" / "readme.yaml"
    path.write_text(block, encoding="utf-8")
    scenario, _ = load_scenario(path)
    approved, released, submitted = scenario.expect.events
    assert approved.requires("on_behalf_of") and approved.on_behalf_of is None
    assert not released.requires("on_behalf_of") and released.count == 2
    trail = [
        stored(1, "GrantApproved", "director", {"by": "director"}, outcome="approved"),
        stored(2, "TrancheReleased", "system", {"tranche": 1}, outcome="released"),
        stored(3, "TrancheReleased", "finance-officer", {"tranche": 2}, outcome="released"),
        stored(4, "GrantSubmitted", "programme-officer-pretoria", {"application": {"currency": "USD", "amount": "1"}}),
    ]
    met = Expectations.model_validate(
        {"events": [e.model_dump(exclude_unset=True) for e in (approved, released, submitted)]}
    )
    assert check(met, trail, {}, ORGANISATION) == []
    on_behalf = [trail[0].model_copy(update={"on_behalf_of": "head-of-programmes"}), *trail[1:3], trail[3]]
    assert check(met, on_behalf, {}, ORGANISATION) == [
        "Expected event GrantApproved case=grant/2027-014 actor=director on_behalf_of=none outcome=approved "
        'by="director", but it is not in the audit trail.'
    ]
