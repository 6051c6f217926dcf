"""Checking a scenario's expectations against the audit trail it produced. Each failure is one sentence."""

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.organisation import Organisation
from domain.step_events import STEP_EVENTS, EscalationRaised, ReminderSent
from simulation.scenario import NULL_MEANS_NONE, EventExpectation, Expectations, NoticeExpectation
from store.models import StoredEvent

TOLERANCE = timedelta(seconds=60)


def contains(actual: Any, expected: Any) -> bool:
    """Whether `actual` holds `expected`: a mapping holds the keys given (recursively, so a nested mapping is a
    subset match too), a list holds exactly those items in that order (each matched the same way), and any
    other value is equal."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and contains(actual[key], value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(contains(item, wanted) for item, wanted in zip(actual, expected, strict=True))
        )
    return actual == expected


def _matches(event: StoredEvent, expected: EventExpectation) -> bool:
    if event.type != expected.type:
        return False
    for name, value in (("case", event.stream_id), ("actor", event.actor), *_nullable(event)):
        if expected.requires(name) and value != getattr(expected, name):
            return False
    return contains(event.payload, expected.payload)


def _nullable(event: StoredEvent) -> tuple[tuple[str, str | None], ...]:
    return tuple((name, getattr(event, name)) for name in NULL_MEANS_NONE)


def _describe(expected: EventExpectation) -> str:
    parts = [expected.type]
    for name in ("case", "actor", *NULL_MEANS_NONE):
        if expected.requires(name):
            value = getattr(expected, name)
            parts.append(f"{name}={'none' if value is None else value}")
    parts.extend(f"{key}={json.dumps(value, default=str)}" for key, value in expected.payload.items())
    return " ".join(parts)


def _notice(event: StoredEvent) -> ReminderSent | EscalationRaised:
    """A reminder or an escalation, the two notices a scenario expects."""
    notice = STEP_EVENTS.parse(event)
    assert isinstance(notice, ReminderSent | EscalationRaised), event.type
    return notice


def _notice_at(event: StoredEvent) -> datetime:
    planned = _notice(event).planned_at
    return datetime.fromisoformat(planned) if planned else event.occurred_at


def _notice_matches(event: StoredEvent, expected: NoticeExpectation, organisation: Organisation) -> bool:
    notice = _notice(event)
    if notice.to != expected.to:
        return False
    if expected.case is not None and event.stream_id != expected.case:
        return False
    if expected.task is not None and notice.task_id != expected.task:
        return False
    level = notice.level if isinstance(notice, EscalationRaised) else None
    if expected.level is not None and level != expected.level:
        return False
    at = _notice_at(event)
    if expected.at is not None and abs(at - expected.at) > TOLERANCE:
        return False
    if expected.local is not None:
        zone = ZoneInfo(organisation.person(expected.to).time_zone)
        if at.astimezone(zone).strftime("%Y-%m-%d %H:%M") != expected.local:
            return False
    return True


def _describe_notice(kind: str, expected: NoticeExpectation) -> str:
    parts = [f"{kind} to {expected.to}"]
    if expected.case:
        parts.append(f"on {expected.case}")
    if expected.task:
        parts.append(f"task {expected.task}")
    if expected.at:
        parts.append(f"at {expected.at.isoformat()}")
    if expected.local:
        parts.append(f"at {expected.local} local time")
    return " ".join(parts)


def check(
    expectations: Expectations,
    events: list[StoredEvent],
    stages: dict[str, tuple[str, str | None]],
    organisation: Organisation,
) -> list[str]:
    """Every unmet expectation, as a sentence. `stages` maps case id to (stage, outcome)."""
    failures: list[str] = []
    for case_id, stage in expectations.stages.items():
        actual = stages.get(case_id)
        if actual is None:
            failures.append(f"Expected case {case_id} at stage {stage}, but the case does not exist.")
        elif actual[0] != stage:
            failures.append(f"Expected case {case_id} at stage {stage}, but it is at {actual[0]}.")
    for case_id, outcome in expectations.outcomes.items():
        actual = stages.get(case_id)
        if actual is None or actual[1] != outcome:
            got = "no such case" if actual is None else (actual[1] or "no outcome yet")
            failures.append(f"Expected case {case_id} to end {outcome}, but got {got}.")
    for expected in expectations.events:
        found = [event for event in events if _matches(event, expected)]
        if expected.count is None and not found:
            failures.append(f"Expected event {_describe(expected)}, but it is not in the audit trail.")
        elif expected.count is not None and len(found) != expected.count:
            numbers = ", ".join(str(event.seq) for event in found)
            where = f" (sequence{'s' if len(found) > 1 else ''} {numbers})" if found else ""
            failures.append(
                f"Expected {expected.count} event(s) {_describe(expected)}, but the audit trail has "
                f"{len(found)}{where}."
            )
    for expected in expectations.absent_events:
        found = [event for event in events if _matches(event, expected)]
        if found:
            failures.append(f"Expected no event {_describe(expected)}, but sequence {found[0].seq} is one.")
    for kind, wanted, present in (
        ("ReminderSent", expectations.reminders, True),
        ("ReminderSent", expectations.no_reminders, False),
        ("EscalationRaised", expectations.escalations, True),
        ("EscalationRaised", expectations.no_escalations, False),
    ):
        label = "reminder" if kind == "ReminderSent" else "escalation"
        candidates = [event for event in events if event.type == kind]
        for notice in wanted:
            hit = next((e for e in candidates if _notice_matches(e, notice, organisation)), None)
            if present and hit is None:
                seen = (
                    ", ".join(
                        f"{_notice(e).to}@{_notice_at(e).isoformat()}"
                        for e in candidates
                        if notice.case in (None, e.stream_id)
                    )
                    or "none"
                )
                failures.append(f"Expected a {_describe_notice(label, notice)}; {label}s seen: {seen}.")
            if not present and hit is not None:
                failures.append(f"Expected no {_describe_notice(label, notice)}, but sequence {hit.seq} is one.")
    return failures
