"""What a person's desk and case lists read from the trail: their own steps, the steps they hold as an absent
colleague's substitute (only while the delegation runs, in the colleague's calendar), and the cases they take
part in."""

from datetime import UTC, datetime, timedelta

from domain.events import DomainEvent
from domain.organisation import Organisation
from store.event_store import EventStore
from store.projections import case_rows, participants, tasks_for

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _event(case_id: str, number: int, event_type: str, actor: str, payload: dict) -> DomainEvent:
    return DomainEvent(
        event_id=f"{case_id}#{number}",
        stream_id=case_id,
        type=event_type,
        occurred_at=T0 + timedelta(minutes=number),
        actor=actor,
        payload=payload,
    )


def _task(case_id: str, number: int, task_id: str, assignee: str, due: datetime) -> DomainEvent:
    return _event(
        case_id,
        number,
        "TaskOpened",
        "system",
        {
            "task_id": task_id,
            "kind": "approval",
            "title": f"Approve {case_id}",
            "assignee": assignee,
            "action": "approve",
            "schedule_request": {"opened_at": T0.isoformat()},
            "schedule": {"due_at": due.isoformat(), "reminders": [], "escalations": []},
        },
    )


def test_a_substitute_sees_the_absent_persons_steps_only_while_the_delegation_runs(
    audit_store: EventStore, organisation: Organisation
) -> None:
    audit_store.append("grant/D-1", [_task("grant/D-1", 1, "approval", "director", T0 + timedelta(days=3))], None)
    audit_store.append(
        "grant/D-1",
        [
            _event(
                "grant/D-1",
                2,
                "DelegationGranted",
                "director",
                {
                    "absent": "director",
                    "substitute": "head-of-operations",
                    "starts_on": "2027-03-02",
                    "ends_on": "2027-03-05",
                    "granted_by": "director",
                },
            )
        ],
        None,
    )
    audit_store.append("grant/D-2", [_task("grant/D-2", 1, "approval", "head-of-operations", T0)], None)

    before = tasks_for(audit_store, datetime(2027, 3, 1, 12, tzinfo=UTC), "head-of-operations", organisation)
    assert [(row.case_id, row.on_behalf_of) for row in before] == [("grant/D-2", None)]

    during = tasks_for(audit_store, datetime(2027, 3, 3, 12, tzinfo=UTC), "head-of-operations", organisation)
    assert [(row.case_id, row.on_behalf_of, row.overdue) for row in during] == [
        ("grant/D-2", None, True),
        ("grant/D-1", "director", False),
    ]
    # The Director's own desk still shows the step, as theirs.
    director = tasks_for(audit_store, datetime(2027, 3, 3, 12, tzinfo=UTC), "director", organisation)
    assert [(row.case_id, row.on_behalf_of) for row in director] == [("grant/D-1", None)]

    assert participants(audit_store, "grant/D-1") == {"director", "head-of-operations"}
    # Most recently changed first: the delegation (minute 2) is later than D-2's opening (minute 1).
    assert [row.case_id for row in case_rows(audit_store, participant="head-of-operations")] == [
        "grant/D-1",
        "grant/D-2",
    ]
    assert [row.case_id for row in case_rows(audit_store, participant="finance-officer")] == []
