"""Checking a scenario's expectations against the audit trail it produced. Each failure is one sentence."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.organisation import Organisation
from simulation.scenario import EventExpectation, Expectations, NoticeExpectation
from store.models import StoredEvent

TOLERANCE = timedelta(seconds=60)


def _matches(event: StoredEvent, expected: EventExpectation) -> bool:
    if event.type != expected.type:
        return False
    if expected.case is not None and event.stream_id != expected.case:
        return False
    for name in ("actor", "on_behalf_of", "outcome"):
        wanted = getattr(expected, name)
        if wanted is not None and getattr(event, name) != wanted:
            return False
    return all(event.payload.get(key) == value for key, value in expected.payload.items())


def _describe(expected: EventExpectation) -> str:
    parts = [expected.type]
    for name in ("case", "actor", "on_behalf_of", "outcome"):
        value = getattr(expected, name)
        if value is not None:
            parts.append(f"{name}={value}")
    parts.extend(f"{key}={value}" for key, value in expected.payload.items())
    return " ".join(parts)


def _notice_at(event: StoredEvent) -> datetime:
    planned = event.payload.get("planned_at")
    return datetime.fromisoformat(planned) if planned else event.occurred_at


def _notice_matches(event: StoredEvent, expected: NoticeExpectation, organisation: Organisation) -> bool:
    if event.payload.get("to") != expected.to:
        return False
    if expected.case is not None and event.stream_id != expected.case:
        return False
    if expected.task is not None and event.payload.get("task_id") != expected.task:
        return False
    if expected.level is not None and event.payload.get("level") != expected.level:
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
        if not any(_matches(event, expected) for event in events):
            failures.append(f"Expected event {_describe(expected)}, but it is not in the audit trail.")
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
        for expected in wanted:
            hit = next((e for e in candidates if _notice_matches(e, expected, organisation)), None)
            if present and hit is None:
                seen = (
                    ", ".join(
                        f"{e.payload.get('to')}@{_notice_at(e).isoformat()}"
                        for e in candidates
                        if expected.case in (None, e.stream_id)
                    )
                    or "none"
                )
                failures.append(f"Expected a {_describe_notice(label, expected)}; {label}s seen: {seen}.")
            if not present and hit is not None:
                failures.append(f"Expected no {_describe_notice(label, expected)}, but sequence {hit.seq} is one.")
    return failures
