"""The read projections on both backends: kept by every append, equal to folding the whole log, rebuilt and
checked, caught up after appends that did not keep them, and filled by the migration for a store built by the
release before them."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from domain import case
from domain.case import CaseState
from domain.case_kinds import decider_for
from domain.events import DomainEvent
from domain.participation import people_named
from store.engine import create_store_engine
from store.errors import ProjectionsBehind, StoreUnavailable
from store.event_store import EventStore, _prepare
from store.migrate import head_revision, stored_revision, upgrade
from store.projection_check import check_projections
from store.projections import (
    CaseUnreadable,
    all_events,
    case_row,
    case_rows,
    case_state,
    open_tasks,
    participants,
    plan_status,
)
from tests.support.governance_trail import replay, trail_batches

# In the middle of the trail's year: some steps are already late, others not yet due.
NOW = datetime(2027, 9, 1, 12, 0, tzinfo=UTC)


def folded(store: EventStore) -> dict[str, CaseState]:
    """Every case folded from its whole trail, the way the reads worked before the projections."""
    states = {}
    for case_id in dict.fromkeys(event.stream_id for event in all_events(store)):
        decider = decider_for(case_id)
        state = decider.initial_state(case_id)
        for event in store.read_stream(case_id):
            state = case.evolve(decider, state, event)
        states[case_id] = state
    return states


def expected_tasks(states: dict[str, CaseState], now: datetime) -> list[tuple]:
    rows = [
        (case_id, task.task_id, task.assignee, task.due_at, task.is_overdue(now))
        for case_id, state in states.items()
        if not state.closed
        for task in state.tasks.values()
    ]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(rows, key=lambda row: (not row[4], row[3] or far, row[0], row[1]))


def assert_reads_equal_the_log(store: EventStore) -> None:
    states = folded(store)
    assert states
    for case_id, state in states.items():
        assert case_state(store, case_id) == state
        row = case_row(store, case_id)
        assert row is not None and (row.stage, row.closed, row.outcome, row.version) == (
            state.stage,
            state.closed,
            state.outcome,
            state.version,
        )
        named: set[str] = set()
        for event in store.read_stream(case_id):
            named |= people_named(event.actor, event.on_behalf_of, event.payload)
        assert participants(store, case_id) == named
    tasks = [(row.case_id, row.task_id, row.assignee, row.due_at, row.overdue) for row in open_tasks(store, NOW)]
    assert tasks == expected_tasks(states, NOW)
    assert check_projections(store).differences == []


def test_every_append_keeps_the_projections_equal_to_the_log(store: EventStore) -> None:
    replay(store)
    assert_reads_equal_the_log(store)
    overdue = [row.overdue for row in open_tasks(store, NOW)]
    assert True in overdue and False in overdue, "the trail must show both late and not-yet-due steps"
    result = check_projections(store)
    assert result.ok and result.events == store.count() and result.cases == len(folded(store))
    assert result.sentence() == f"Projections match the log: {result.events} events, {result.cases} cases."


def test_appends_through_two_stores_on_one_database_never_fold_a_stale_case(store_url: str) -> None:
    """Two workers: each keeps the cases it folded in memory, keyed by version, so neither builds on a state the
    other has since moved past."""
    first, second = EventStore.open(store_url), EventStore.open(store_url)
    try:
        versions: dict[str, int] = {}
        for number, (case_id, events) in enumerate(trail_batches()):
            writer = first if number % 3 else second
            writer.append(case_id, events, expected_version=versions.get(case_id, 0))
            versions[case_id] = versions.get(case_id, 0) + len(events)
        assert_reads_equal_the_log(first)
    finally:
        first.close()
        second.close()


def _rows(store: EventStore) -> dict[str, list[tuple]]:
    tables = {
        "projection_cases": "case_id, kind, parent_id, stage, closed, outcome, version, title, amount_usd, requester, "
        "opened_at, last_event_at, last_seq, next_due_at, problem",
        "projection_tasks": "*",
        "projection_delegations": "*",
        "projection_participants": "*",
    }
    with store.engine.connect() as connection:
        return {
            table: sorted(tuple(row) for row in connection.execute(sa.text(f"SELECT {columns} FROM {table}")))
            for table, columns in tables.items()
        }


def test_rebuild_recomputes_the_same_rows(store: EventStore) -> None:
    replay(store)
    kept = _rows(store)
    with store.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM projection_tasks"))
        connection.execute(sa.text("UPDATE projection_cases SET stage = 'lost'"))
    events, cases = store.rebuild_projections()
    assert (events, cases) == (store.count(), len(kept["projection_cases"]))
    assert _rows(store) == kept
    assert store.projection_lag() is None
    assert check_projections(store).ok


def test_check_names_every_row_that_differs(store: EventStore) -> None:
    replay(store)
    open_task = open_tasks(store, NOW)[0]
    with store.engine.begin() as connection:
        connection.execute(sa.text("UPDATE projection_cases SET stage = 'lost' WHERE case_id = 'grant/2027-031'"))
        connection.execute(
            sa.text("DELETE FROM projection_tasks WHERE case_id = :case AND task_id = :task"),
            {"case": open_task.case_id, "task": open_task.task_id},
        )
        connection.execute(sa.text("INSERT INTO projection_participants VALUES ('intruder', 'grant/2027-021')"))
        connection.execute(
            sa.text(
                "INSERT INTO projection_cases (case_id, closed, version, opened_at, last_event_at, last_seq) "
                "VALUES ('grant/2099-001', false, 1, 'x', 'x', 1)"
            )
        )
    result = check_projections(store)
    assert not result.ok
    stage = [line for line in result.differences if line.startswith("projection_cases grant/2027-031: stage")]
    assert len(stage) == 1 and stage[0].startswith("projection_cases grant/2027-031: stage is 'lost', the log says")
    assert set(result.differences) == {
        stage[0],
        f"projection_tasks {open_task.case_id} {open_task.task_id}: missing (the log has it open)",
        "projection_participants grant/2027-021: intruder is listed, but no event names them",
        "projection_cases grant/2099-001: listed, but the log has no such case",
    }
    assert result.sentence() == (
        "Projections differ from the log in 4 row(s); `govern projections rebuild` recomputes them."
    )


def test_a_store_built_by_the_release_before_projections_is_filled_by_its_migration(store_url: str) -> None:
    engine = create_store_engine(store_url)
    try:
        upgrade(engine, "0001_audit_events")
        previous_release = EventStore(engine, projections=False)
        replay(previous_release)
        assert stored_revision(engine) == "0001_audit_events"
        # A read refuses the old schema and changes nothing.
        with pytest.raises(StoreUnavailable, match="run `govern migrate` to bring it up to date"):
            EventStore.open_existing(store_url)
        assert stored_revision(engine) == "0001_audit_events"
    finally:
        engine.dispose()
    with EventStore.open(store_url) as migrated:
        assert stored_revision(migrated.engine) == head_revision()
        assert_reads_equal_the_log(migrated)
    with EventStore.open_existing(store_url) as reader:
        assert reader.projection_lag() is None


def _cursor(store: EventStore) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT seq FROM projection_cursor WHERE id = 1")).scalar_one())


def test_in_step_is_read_off_the_head_events_case_row_not_a_cursor_every_append_moves(store: EventStore) -> None:
    """An append writes its case's row, not the cursor; the projections are in step because the log's last event
    is on its case's row, whichever case that is, and a log appended to behind their back is told however far
    the last keeping append reached."""
    replay(store, limit=25)
    assert _cursor(store) == 0 and store.projection_lag() is None
    for copy in (1, 2):
        replay(store, copy=copy, limit=3)
        assert store.projection_lag() is None
    head = store.count()
    case_id, events = next(iter(trail_batches(copy=3)))
    EventStore(store.engine, projections=False).append(case_id, events, expected_version=0)
    assert store.projection_lag() == (head, head + len(events))
    assert store.catch_up_projections() == len(events)
    assert (_cursor(store), store.projection_lag()) == (head + len(events), None)
    assert_reads_equal_the_log(store)


def test_downgrading_puts_the_cursor_where_the_projections_reach(store_url: str) -> None:
    """The code before revision 0101 reads the cursor alone; downgrading leaves it where the last append reached."""
    with EventStore.open(store_url) as store:
        replay(store, limit=20)
        head = store.count()
        assert _cursor(store) < head
    engine = create_store_engine(store_url)
    try:
        from alembic import command

        from store.migrate import alembic_config

        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0100_web_sessions")
        assert stored_revision(engine) == "0100_web_sessions"
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT seq FROM projection_cursor WHERE id = 1")).scalar_one() == head
        upgrade(engine)
        assert stored_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_a_log_appended_without_projections_is_told_until_something_catches_up(store_url: str) -> None:
    with EventStore.open(store_url) as keeper:
        replay(keeper, limit=40)
        head = keeper.count()
        bulk = EventStore(keeper.engine, projections=False)
        versions = {}
        for number, (case_id, events) in enumerate(trail_batches()):
            if number >= 40:
                bulk.append(case_id, events, expected_version=None)
            versions[case_id] = versions.get(case_id, 0) + len(events)
        total = keeper.count()
        sentence = (
            f"The read projections of the audit store at {keeper.engine.url.render_as_string(hide_password=True)} "
            f"stop at sequence {head} but its log reaches {total}, so lists read from them would be out of date; "
            "run `govern projections rebuild` (or start a worker, which catches up)."
        )
        with pytest.raises(ProjectionsBehind) as told:
            open_tasks(keeper, NOW)
        assert str(told.value) == sentence
        with pytest.raises(ProjectionsBehind) as told:
            EventStore.open_existing(store_url)
        assert str(told.value) == sentence
        # A case's state folds its own trail on from its snapshot, so it is right even now.
        assert case_state(keeper, "policy/coi-policy/review/1") == folded(keeper)["policy/coi-policy/review/1"]
        assert not check_projections(keeper).ok
    # Opening the store as a writer (a worker, `govern migrate`) catches up.
    with EventStore.open(store_url) as worker:
        assert worker.projection_lag() is None
        assert_reads_equal_the_log(worker)


def test_the_next_append_catches_up_what_was_appended_without_projections(store: EventStore) -> None:
    replay(store, limit=30)
    EventStore(store.engine, projections=False).append(
        *next((case_id, events) for case_id, events in trail_batches(copy=1)), expected_version=0
    )
    assert store.projection_lag() is not None
    replay(store, copy=2)
    assert store.projection_lag() is None
    assert_reads_equal_the_log(store)


def test_a_case_its_rules_cannot_fold_is_recorded_and_said_so(store: EventStore, make_event) -> None:
    replay(store, limit=10)
    seq = store.count() + 1
    store.append("grant/2027-900", [make_event(1, "grant/2027-900")], expected_version=0)
    store.append("grant/2027-900", [make_event(2, "grant/2027-900", type="TaskOpened", payload={})], 1)
    with pytest.raises(CaseUnreadable) as told:
        case_state(store, "grant/2027-900")
    problem = f"event {seq} (GrantSubmitted, version 1) cannot be folded by the grant rules: 'application'"
    assert str(told.value) == f"Case grant/2027-900 cannot be rebuilt from its audit trail: {problem}."
    assert "grant/2027-900" not in {row.case_id for row in case_rows(store)}
    assert "grant/2027-900" not in {row.case_id for row in open_tasks(store, NOW)}
    result = check_projections(store)
    assert result.ok and result.unreadable == [f"grant/2027-900: {problem}"]


def test_case_lists_filter_by_participant_kind_and_parent_and_page(store: EventStore) -> None:
    replay(store)
    every = case_rows(store)
    assert [row.last_event_at for row in every] == sorted((row.last_event_at for row in every), reverse=True)
    assert [row.case_id for row in case_rows(store, limit=3, offset=2)] == [row.case_id for row in every[2:5]]
    assert {row.case_id for row in case_rows(store, kind="board_decision")} == {
        "grant/2027-021/board/1",
        "plan/2028-2032/board/1",
        "plan/2028-2032/awp/2028/board/1",
        "plan/2028-2032/awp/2029/board/1",
    }
    assert [row.case_id for row in case_rows(store, parent="grant/2027-021")] == ["grant/2027-021/board/1"]
    mine = {row.case_id for row in case_rows(store, participant="grantee-contact-kampala")}
    assert mine == {case_id for case_id in folded(store) if "grantee-contact-kampala" in participants(store, case_id)}
    assert mine and len(mine) < len(every)
    grant = case_row(store, "grant/2027-021")
    assert grant is not None and grant.amount_usd == "432000.00" and grant.title
    assert case_row(store, "grant/2099-404") is None


def test_a_case_folds_on_from_an_older_snapshot_and_past_an_unreadable_one(store: EventStore) -> None:
    replay(store)
    truth = folded(store)
    with store.engine.connect() as connection:
        behind = (
            connection.execute(
                sa.text(
                    "SELECT c.case_id FROM projection_cases c JOIN projection_snapshots s ON s.case_id = c.case_id "
                    "WHERE s.version < c.version ORDER BY c.case_id"
                )
            )
            .scalars()
            .all()
        )
    assert behind, "some open case must have events after its last snapshot"
    for case_id in behind:
        assert case_state(store, case_id) == truth[case_id]
    with store.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE projection_snapshots SET state = :bad WHERE case_id = :case"),
            {"bad": '{"case_id": 3}', "case": behind[0]},
        )
    # A snapshot that no longer reads (a state model changed shape) is folded past, from the case's first event.
    assert case_state(store, behind[0]) == truth[behind[0]]
    assert check_projections(store).ok


@pytest.mark.parametrize(
    ("cut", "now"),
    [
        (None, NOW),
        (30, datetime(2028, 7, 20, 12, 0, tzinfo=UTC)),  # the trail stops as the second quarter's reports are due
        (30, datetime(2028, 8, 10, 12, 0, tzinfo=UTC)),
    ],
)
def test_plan_status_is_what_folding_every_plan_case_says(store: EventStore, cut: int | None, now: datetime) -> None:
    """The plan's summary, and each case it opened with its stage, next due date and overdue steps, exactly as
    `govern plan status` computed them by folding every plan case of the log."""
    batches = len(list(trail_batches()))
    replay(store, limit=None if cut is None else batches - cut)
    states = folded(store)
    expected = []
    for plan_id in sorted(case_id for case_id in states if case_id.startswith("plan/") and case_id.count("/") == 1):
        plan = states[plan_id]
        cases = []
        for case_id in sorted(case_id for case_id in states if case_id.startswith(plan_id + "/")):
            if case_id.count("/") != 3:
                continue
            state = states[case_id]
            due = min((task.due_at for task in state.tasks.values() if task.due_at is not None), default=None)
            overdue = [task.task_id for task in state.tasks.values() if task.is_overdue(now)]
            cases.append(
                {
                    "case": case_id,
                    "stage": state.stage,
                    "outcome": state.outcome,
                    "next_due_at": due.isoformat() if due else None,
                    "overdue": overdue,
                }
            )
        summary = decider_for(plan_id).stage_summary(plan)
        expected.append(
            {"plan": plan_id, "stage": plan.stage, "outcome": plan.outcome, "summary": summary, "cases": cases}
        )
    assert [item["plan"] for item in expected] == ["plan/2028-2032"]
    assert plan_status(store, now) == expected
    if now.month == 8:
        assert any(case["overdue"] for case in expected[0]["cases"]), "the second quarter's reports are late by then"


def test_an_event_in_utc_is_folded_as_given_and_any_other_as_the_store_reads_it() -> None:
    """The projector folds what the log holds. An event that came through Temporal carries pydantic's own UTC
    tzinfo: the same instant, read and written the same, so it is folded as given, without a copy. An event in
    another zone is folded as the store will read it back: in UTC."""
    fields = {
        "event_id": "e-1",
        "stream_id": "grant/2027-014",
        "type": "ApplicationSubmitted",
        "actor": "applicant",
        "payload": {"amount_usd": "1000"},
    }
    through_temporal = DomainEvent.model_validate({**fields, "occurred_at": "2027-03-01T09:01:00.000006Z"})
    assert through_temporal.occurred_at.tzinfo is not UTC
    assert _prepare("grant/2027-014", [through_temporal], 0)[0].as_stored() is through_temporal

    in_brussels = DomainEvent.model_validate({**fields, "occurred_at": "2027-03-01T10:01:00.000006+01:00"})
    stored = _prepare("grant/2027-014", [in_brussels], 0)[0].as_stored()
    assert stored is not in_brussels
    assert stored.occurred_at.utcoffset() == timedelta(0) and stored.occurred_at == in_brussels.occurred_at
    assert stored.occurred_at.isoformat() == "2027-03-01T09:01:00.000006+00:00"
