"""The desk, the overdue list and the plan's schedule read in process from the million-event store, against the
same indexed SQL run bare through `sqlite3` on the same file (issue 10: at least half its speed).

"The same query" is every statement the read function runs, in the same order, with the same parameters: the check
that the projections have reached the log's head, then the indexed look-ups. The bare side fetches the rows and
stops; ours turns them into the rows a person sees (due dates parsed, overdue flagged, a substitute's steps found,
the plan's state folded from its snapshot and summarised). Each side is called many times, interleaved; the
figure is the ratio of the medians, bare over ours (higher is better).
"""

import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import fixtures
from bench.fixtures import describe, million_store
from runtime.organisation_loader import load_organisation
from store import desk_sql
from store.canonical import canonical_time
from store.event_store import EventStore
from store.projections import overdue_tasks, plan_status, tasks_for

# The very statements `store.projections` runs (`store.desk_sql`), executed and fetched by bare sqlite3.
DESK_ORDER = desk_sql.desk_order(desk_sql.SQLITE)


def _bare_tasks_for(connection: sqlite3.Connection, person: str, now: datetime) -> None:
    today = now.date()
    connection.execute(desk_sql.LAG).fetchone()
    connection.execute(
        f"{desk_sql.TASK_SELECT} WHERE assignee = ?{DESK_ORDER}", (person, canonical_time(now))
    ).fetchall()
    connection.execute(
        desk_sql.DELEGATIONS,
        (person, (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()),
    ).fetchall()


def _bare_overdue(connection: sqlite3.Connection, now: datetime) -> None:
    connection.execute(desk_sql.LAG).fetchone()
    now_text = canonical_time(now)
    connection.execute(f"{desk_sql.TASK_SELECT} WHERE due_at < ?{DESK_ORDER}", (now_text, now_text)).fetchall()


def _bare_plan_status(connection: sqlite3.Connection, now: datetime) -> None:
    connection.execute(desk_sql.LAG).fetchone()
    now_text = canonical_time(now)
    plans = connection.execute(f"{desk_sql.PLANS} ORDER BY case_id", (desk_sql.STRATEGIC_PLAN_KIND,)).fetchall()
    for plan_id, *_ in plans:
        connection.execute(desk_sql.PLAN_OVERDUE, (plan_id, now_text)).fetchall()
        connection.execute(f"{desk_sql.PLAN_CASES} ORDER BY case_id", (plan_id,)).fetchall()


def _median_seconds(calls: list[Callable[[], Any]], repeats: int) -> list[float]:
    """Median seconds per call of each, called in turn `repeats` times after a warm-up call."""
    for call in calls:
        call()
    samples: list[list[float]] = [[] for _ in calls]
    for _ in range(repeats):
        for index, call in enumerate(calls):
            started = time.perf_counter()
            call()
            samples[index].append(time.perf_counter() - started)
    return [statistics.median(values) for values in samples]


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    quick = quick or fixtures.quick()
    store_info = million_store()
    repeats = 50 if quick else 300
    now = datetime.now(UTC)
    organisation = load_organisation(fixtures.REPO / "examples" / "governance-year" / "organisation.yaml")
    person = store_info.busiest_person
    bare = sqlite3.connect(store_info.path)
    figures: dict[str, dict[str, Any]] = {}
    with EventStore.open_existing(store_info.url) as store:
        desk = tasks_for(store, now, person, organisation)
        overdue = overdue_tasks(store, now)
        plans = plan_status(store, now)
        contenders = {
            "reads.tasks_for.vs_sqlite3": (
                lambda: tasks_for(store, now, person, organisation),
                lambda: _bare_tasks_for(bare, person, now),
                f"{person}'s desk ({len(desk)} steps)",
            ),
            "reads.overdue.vs_sqlite3": (
                lambda: overdue_tasks(store, now),
                lambda: _bare_overdue(bare, now),
                f"every overdue step ({len(overdue)})",
            ),
            "reads.plan_status.vs_sqlite3": (
                lambda: plan_status(store, now),
                lambda: _bare_plan_status(bare, now),
                f"the plan's schedule ({sum(len(plan['cases']) for plan in plans)} cases)",
            ),
        }
        for name, (ours, theirs, what) in contenders.items():
            our_seconds, bare_seconds = _median_seconds([ours, theirs], repeats)
            figures[name] = {
                "value": round(our_seconds * 1000, 4),
                "unit": "ms per call",
                "baseline": f"the same statements through bare sqlite3, rows fetched: {what}; {describe(store_info)}",
                "baseline_value": round(bare_seconds * 1000, 4),
                "ratio": round(bare_seconds / our_seconds, 3),
                "target": 0.5,
                "bound": "at_least",
            }
    bare.close()
    return figures
