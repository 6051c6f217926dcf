"""What the append writes for a step that moved on: only its progress columns when only its progress changed,
the whole row otherwise (`store.projection_writer`)."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.timed_step import Task, TaskSchedule
from store.projection_writer import PROGRESS_FIELDS, _only_progress

OPENED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STEP = Task(
    task_id="review",
    kind="review",
    title="Review the proposal",
    assignee="ana",
    action="review",
    opened_at=OPENED,
    schedule=TaskSchedule(due_at=OPENED + timedelta(days=5), reminders=[OPENED + timedelta(days=4)]),
)


def test_progress_fields_are_fields_of_a_step() -> None:
    assert PROGRESS_FIELDS <= set(Task.model_fields)


@pytest.mark.parametrize(
    "change", [{"reminders_sent": 1}, {"escalations_sent": 2}, {"lapsed": True}, {"reminders_sent": 1, "lapsed": True}]
)
def test_a_reminder_an_escalation_or_a_lapse_is_progress_only(change: dict) -> None:
    assert _only_progress(STEP, STEP.model_copy(update=change))


@pytest.mark.parametrize(
    "change",
    [
        {"assignee": "ben"},
        {"title": "Review the revised proposal"},
        {"schedule": TaskSchedule(due_at=OPENED + timedelta(days=9))},
        {"schedule": None},
        {"officer": "carla"},
        {"on_due": "lapse"},
        {"assignee": "ben", "reminders_sent": 1},
    ],
)
def test_any_other_change_is_not(change: dict) -> None:
    assert not _only_progress(STEP, STEP.model_copy(update=change))


def test_every_field_but_progress_counts() -> None:
    """Whatever field a step gains later, changing it is not progress: the comparison reads the fields, not a
    list of them."""
    for name in set(Task.model_fields) - PROGRESS_FIELDS:
        assert not _only_progress(STEP, STEP.model_copy(update={name: object()})), name
