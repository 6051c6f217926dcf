"""Every recorded event of the policy reviews reads back as its typed model and dumps to exactly the payload it
was read from (the saved Temporal histories and the example trail), and the register reads the review's result
as a typed `ReviewResult` built from the very view a review workflow returns.

A review's events are picked by case, not by type alone: a grant records a `DirectorEndorsed` of its own."""

import re
from pathlib import Path

import pytest

from domain.events import DomainEvent
from domain.policy_review import PolicyReviewState, Publication, ReviewResult, publication_of
from domain.policy_review_events import POLICY_REVIEW_EVENTS
from tests.support import recorded_events as recorded
from tests.support.recorded_events import HISTORIES, recorded_in_history, recorded_in_trail

REVIEW_CASE = re.compile(r"^policy/[^/]+/review/\d+$")


def review_events(events: list[DomainEvent]) -> list[DomainEvent]:
    return [
        event for event in events if REVIEW_CASE.match(event.stream_id) and event.type in POLICY_REVIEW_EVENTS.models
    ]


def assert_round_trip(event: DomainEvent) -> None:
    recorded.assert_round_trip(event, POLICY_REVIEW_EVENTS)


@pytest.mark.parametrize(
    "history", [path for path in HISTORIES if re.search(r"--policy_.+_review_\d+$", path.stem)], ids=lambda p: p.stem
)
def test_every_review_event_of_a_saved_history_parses_and_dumps_back_unchanged(history: Path) -> None:
    events = review_events(recorded_in_history(history))
    assert events
    for event in events:
        assert_round_trip(event)


def test_every_review_event_of_the_example_trail_parses_and_dumps_back_unchanged() -> None:
    events = review_events(recorded_in_trail())
    assert {event.type for event in events} >= {"PolicyReviewOpened", "InstrumentPublished", "PolicyAcknowledged"}
    assert all("channel" in event.payload for event in events)  # the stamped key survives the round trip
    for event in events:
        assert_round_trip(event)


def test_every_review_event_type_is_seen_in_the_recorded_trails() -> None:
    """So that the two tests above cover each model, not only some."""
    events = recorded_in_trail() + [event for history in HISTORIES for event in recorded_in_history(history)]
    missing = set(POLICY_REVIEW_EVENTS.types) - {event.type for event in review_events(events)}
    # No example scenario returns an instrument, restarts its approvals or adds a late joiner; tests/domain do.
    assert missing <= {"ReturnedToOwner", "ApprovalsRestarted", "AttestationAdded"}, missing


def test_a_nulled_key_is_kept_not_dropped() -> None:
    """A review records a hash it does not know as null; the model must write it back as null."""
    (opened, *_) = [event for event in review_events(recorded_in_trail()) if event.type == "PolicyReviewOpened"]
    assert "current_sha256" in opened.payload and opened.payload["current_sha256"] is None
    altered = opened.model_copy(update={"payload": {**opened.payload, "attestation_working_days": "5"}})
    assert POLICY_REVIEW_EVENTS.parse(altered).payload() != altered.payload


PUBLISHED = Publication.model_validate(
    {
        "version": "4.0",
        "sha256": "a" * 64,
        "document_name": "charter-v4.pdf",
        "published_on": "2027-03-22",
        "next_review_on": "2030-03-22",
        "approver": "board",
        "decision_reference": "policy/charter/review/1/board/1",
        "reaffirmed": False,
    }
)


def test_the_register_reads_the_publication_the_review_reported() -> None:
    state = PolicyReviewState(case_id="policy/charter/review/1", published=PUBLISHED)
    summary = {"published": publication_of(state), "acknowledged": 16}
    result = ReviewResult.reported("policy/charter/review/1", "published", summary)
    assert result.published == PUBLISHED
    assert result.publication == publication_of(state)  # what the register records, unchanged


def test_a_review_that_published_nothing_reports_no_publication() -> None:
    result = ReviewResult.reported("policy/charter/review/1", None, {"published": None})
    assert (result.outcome, result.published, result.publication) == ("ended", None, None)
