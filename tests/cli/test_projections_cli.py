"""`govern projections rebuild|check`, and what every read command does with projections that are behind the log
or a store of the schema before them: one sentence, a non-zero exit, nothing changed."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from domain.events import DomainEvent
from store.engine import create_store_engine
from store.event_store import EventStore
from store.migrate import head_revision, stored_revision, upgrade
from tests.support.governance_trail import replay, trail_batches

READS = (("tasks",), ("tasks", "--for", "director"), ("overdue",), ("plan", "status"), ("policy", "list"))


@pytest.fixture
def url(env: dict[str, str]) -> str:
    return env["GOVERN_DATABASE_URL"]


def test_check_says_the_projections_match_and_rebuild_recomputes_them(govern, url: str) -> None:
    with EventStore.open(url) as store:
        events = replay(store)
    checked = govern("projections", "check")
    assert checked.exit_code == 0, checked.output
    assert checked.output == f"Projections match the log: {events} events, 25 cases.\n"
    rebuilt = govern("projections", "rebuild")
    assert rebuilt.exit_code == 0
    assert rebuilt.output.startswith(f"Projections rebuilt from the log: {events} events, 25 cases, in ")
    assert json.loads(govern("projections", "check", "--json").output)["differences"] == []


def test_check_names_each_row_that_differs_and_exits_1_until_rebuilt(govern, url: str) -> None:
    with EventStore.open(url) as store:
        replay(store)
        with store.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE projection_cases SET outcome = 'approved' WHERE case_id = :c"), {"c": "grant/2027-031"}
            )
            connection.execute(sa.text("DELETE FROM projection_participants WHERE person = 'director'"))
    checked = govern("projections", "check")
    assert checked.exit_code == 1
    lines = checked.output.splitlines()
    assert "projection_cases grant/2027-031: outcome is 'approved', the log says nothing" in lines
    assert "projection_participants grant/2027-021: director is missing" in lines
    assert lines[-1] == (
        f"Projections differ from the log in {len(lines) - 1} row(s); `govern projections rebuild` recomputes them."
    )
    assert govern("projections", "rebuild").exit_code == 0
    assert govern("projections", "check").exit_code == 0


@pytest.mark.parametrize("command", [("projections", "check"), ("projections", "rebuild"), *READS])
def test_no_command_that_reads_creates_a_store(govern, env: dict[str, str], command: tuple[str, ...]) -> None:
    database = Path(env["GOVERN_DATA_DIR"]) / "audit.db"
    result = govern(*command)
    assert result.exit_code == 2
    assert result.output.strip() == f"No audit store at {database}."
    assert not database.parent.exists()


@pytest.mark.parametrize("command", [("projections", "check"), ("projections", "rebuild"), *READS])
def test_reads_refuse_a_store_of_the_release_before_projections_and_leave_it_as_it_is(
    govern, url: str, command: tuple[str, ...]
) -> None:
    engine = create_store_engine(url)
    try:
        upgrade(engine, "0001_audit_events")
        replay(EventStore(engine, projections=False), limit=20)
        result = govern(*command)
        assert result.exit_code == 2
        assert result.output.strip() == (
            f"The audit store at {url} is at schema revision 0001_audit_events, not {head_revision()}; "
            "run `govern migrate` to bring it up to date."
        )
        assert stored_revision(engine) == "0001_audit_events"
    finally:
        engine.dispose()
    assert govern("migrate").exit_code == 0
    assert govern("projections", "check").exit_code == 0
    assert govern(*command).exit_code == 0


def test_reads_are_told_when_the_projections_are_behind_the_log(govern, url: str) -> None:
    with EventStore.open(url) as store:
        replay(store, limit=20)
        reached = store.count()
        bulk = EventStore(store.engine, projections=False)
        bulk.append(*next(trail_batches(copy=1)), expected_version=0)
        head = store.count()
    sentence = (
        f"The read projections of the audit store at {url} stop at sequence {reached} but its log reaches {head}, "
        "so lists read from them would be out of date; run `govern projections rebuild` (or start a worker, which "
        "catches up)."
    )
    for command in READS:
        result = govern(*command)
        assert (result.exit_code, result.output.strip()) == (2, sentence), command
    assert govern("audit", "verify").exit_code == 0, "the log itself needs no projections"
    checked = govern("projections", "check")
    assert checked.exit_code == 1
    assert f"projection_cursor: at sequence {reached}, the log at {head}" in checked.output.splitlines()
    assert govern("projections", "rebuild").exit_code == 0
    for command in READS:
        assert govern(*command).exit_code == 0, command


def _step(case_id: str, number: int, task_id: str, assignee: str, due: datetime) -> DomainEvent:
    return DomainEvent(
        event_id=f"{case_id}#{number}",
        stream_id=case_id,
        type="TaskOpened",
        occurred_at=due - timedelta(days=10),
        actor="system",
        payload={
            "task_id": task_id,
            "kind": "approval",
            "title": f"Approve {case_id}",
            "assignee": assignee,
            "action": "approve",
            "schedule_request": {"opened_at": (due - timedelta(days=10)).isoformat()},
            "schedule": {"due_at": due.isoformat(), "reminders": [], "escalations": []},
        },
    )


def test_overdue_and_desks_come_from_the_projections(govern, url: str) -> None:
    now = datetime.now(UTC)
    late, later = now - timedelta(days=3), now + timedelta(days=3)
    with EventStore.open(url) as store:
        store.append("grant/L-1", [_step("grant/L-1", 1, "approval", "director", late)], 0)
        store.append("grant/L-2", [_step("grant/L-2", 1, "approval", "director", later)], 0)
        store.append("grant/L-3", [_step("grant/L-3", 1, "approval", "head-of-programmes", late - timedelta(1))], 0)
    overdue = json.loads(govern("overdue", "--json").output)
    assert {person: [row["case_id"] for row in rows] for person, rows in overdue.items()} == {
        "head-of-programmes": ["grant/L-3"],
        "director": ["grant/L-1"],
    }
    desk = json.loads(govern("tasks", "--for", "director", "--json").output)
    assert [(row["case_id"], row["overdue"]) for row in desk] == [("grant/L-1", True), ("grant/L-2", False)]
    assert govern("overdue").output.splitlines()[0] == "head-of-programmes:"
