"""What several benchmark modules share, built once per `make bench` run: the governance year's audit store (from a
real `govern simulate` run) and a store of about 1,000,000 events of governance traffic built from it.

The million-event store is bulk-inserted with the hash chain computed, not driven through Temporal: copies of the
governance year's trail under new case and event ids, each moved in time by whole weeks (the occurred-at times and
every date and instant inside the payloads alike). Most copies are whole years of closed cases, one year behind
the other, as a log that has carried a secretariat for a long time holds; the newest copies stop at different
points of their year, some weeks ago, so that their open steps (a few thousand of them) are on desks now, some of
them overdue. Only the newest of all keeps the registers and the Strategic Plan under their own ids, so that
`govern policy list` and `govern plan status` read one organisation. Its projections are then rebuilt by the
store's own code (`EventStore.rebuild_projections`), which is itself a figure.
"""

import atexit
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from store.canonical import GENESIS_HASH, canonical_time, parse_canonical_time, record_hash_from_row
from store.case_fold import CaseFold
from store.event_store import EventStore
from store.projection_rows import open_tasks_of
from store.rows import COLUMN_INDEX, SELECT_LIST

REPO = Path(__file__).resolve().parents[1]
BENCH_ROOT = REPO / "var" / "bench"
GOVERNANCE_YEAR = REPO / "examples" / "governance-year" / "scenario.yaml"
QUICK_YEAR = REPO / "examples" / "scenarios" / "strategic-plan-approval.yaml"
TARGET_EVENTS = 1_000_000
QUICK_EVENTS = 40_000


def quick() -> bool:
    return os.environ.get("GOVERN_BENCH_QUICK") == "1"


@cache
def workdir() -> Path:
    """One temporary directory for the whole run under var/bench/, removed when the run ends."""
    BENCH_ROOT.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="run-", dir=BENCH_ROOT))
    atexit.register(shutil.rmtree, path, True)
    return path


def govern_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


@dataclass(frozen=True)
class SimulationRun:
    seconds: float
    events: int
    store: Path


def simulate(scenario: Path, data_dir: Path, command: list[str] | None = None) -> SimulationRun:
    """One `govern simulate` process (or `command`, which takes the same arguments), timed from outside; it must
    meet the scenario's expectations."""
    if data_dir.exists():
        shutil.rmtree(data_dir)
    argv = (command or govern_command()) + ["--data-dir", str(data_dir), "simulate", str(scenario)]
    started = time.perf_counter()
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - started
    if result.returncode != 0 or "All expectations met." not in result.stdout:
        raise RuntimeError(f"{scenario.name} failed under {' '.join(argv[:4])}: {result.stdout[-2000:]}{result.stderr}")
    (store,) = (data_dir / "simulations").glob("*/audit.db")
    with EventStore.open_existing(f"sqlite:///{store}", projections_current=False) as opened:
        events = opened.count()
    return SimulationRun(seconds=seconds, events=events, store=store)


def year_scenario() -> Path:
    """The governance year, or the Strategic Plan scenario in a quick run."""
    return QUICK_YEAR if quick() else GOVERNANCE_YEAR


@cache
def governance_year() -> SimulationRun:
    """The governance year through `govern simulate` (the Strategic Plan scenario in a quick run); its
    projections must match its log, as `govern projections check` says after every example scenario."""
    from store.projection_check import check_projections

    run = simulate(year_scenario(), workdir() / "governance-year")
    with EventStore.open_existing(f"sqlite:///{run.store}") as store:
        checked = check_projections(store)
    if not checked.ok:
        raise RuntimeError(f"The governance year's projections differ from its log: {checked.differences[:5]}")
    return run


# -- the million-event store --------------------------------------------------------------------------------------

_STREAM = COLUMN_INDEX["stream_id"]
_EVENT_ID = COLUMN_INDEX["event_id"]
_OCCURRED = COLUMN_INDEX["occurred_at"]
_RECORDED = COLUMN_INDEX["recorded_at"]
_PAYLOAD = COLUMN_INDEX["payload"]
_SEQ = COLUMN_INDEX["seq"]
_PREV = COLUMN_INDEX["prev_hash"]
_HASH = COLUMN_INDEX["hash"]
_INSTANT = re.compile(r'"(\d{4}-\d{2}-\d{2})(T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?"')


@dataclass(frozen=True)
class MillionStore:
    url: str
    path: Path
    events: int
    open_tasks: int
    overdue_tasks: int
    busiest_person: str
    busiest_tasks: int
    rebuild_seconds: float
    build_seconds: float


def _singleton(case_id: str) -> bool:
    """A case an organisation has one of: an instrument's register, the Strategic Plan and what it opens."""
    parts = case_id.split("/")
    return parts[0] == "plan" or (parts[0] == "policy" and len(parts) == 2)


def _renamed(case_id: str, copy: int) -> str:
    parts = case_id.split("/")
    parts[1] = f"{parts[1]}{copy:04d}" if parts[0] == "appraisal" else f"{parts[1]}-y{copy}"
    return "/".join(parts)


class _Template:
    """The governance year's rows, with each payload split where case ids and dates sit, so that a copy is
    written by joining pieces rather than by searching every payload again."""

    def __init__(self, rows: list[tuple[Any, ...]], closed: set[str]) -> None:
        self.rows = rows
        self.closed = closed
        ids = sorted({row[_STREAM] for row in rows}, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(f'"{case_id}') for case_id in ids) + "|" + _INSTANT.pattern)
        self.pieces: list[list[Any]] = []
        for row in rows:
            text = row[_PAYLOAD]
            pieces: list[Any] = []
            position = 0
            for match in pattern.finditer(text):
                pieces.append(text[position : match.start()])
                token = match.group(0)
                if match.group(1) is not None:
                    pieces.append(("instant", match.group(1), match.group(2)))
                else:
                    pieces.append(("case", token[1:]))
                position = match.end()
            pieces.append(text[position:])
            self.pieces.append(pieces)

    def payload(self, index: int, rename: Callable[[str], str], days: int) -> str:
        out = []
        for piece in self.pieces[index]:
            if isinstance(piece, str):
                out.append(piece)
            elif piece[0] == "case":
                out.append('"' + rename(piece[1]))
            else:
                out.append('"' + _shifted_instant(piece[1], piece[2], days) + '"')
        return "".join(out)


@cache
def _shifted_day(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def _shifted_instant(day: str, rest: str | None, days: int) -> str:
    try:
        return _shifted_day(day, days) + (rest or "")
    except ValueError:
        return day + (rest or "")


def _busy_days(rows: list[tuple[Any, ...]], first_day: date, count: int) -> list[int]:
    """`count` days (counted from `first_day`), evenly spread between the first and the last day on which the
    template has at least half as many open steps as it ever has at once."""
    folds: dict[str, CaseFold] = {}
    open_steps: dict[str, int] = {}
    by_day: dict[int, int] = {}
    for row in rows:
        case_id = row[_STREAM]
        fold = folds.get(case_id) or folds.setdefault(case_id, CaseFold.empty(case_id))
        fold.apply_row(row)
        open_steps[case_id] = len(open_tasks_of(fold))
        by_day[(parse_canonical_time(row[_OCCURRED]).date() - first_day).days] = sum(open_steps.values())
    peak = max(by_day.values(), default=0)
    busy = sorted(day for day, steps in by_day.items() if steps * 2 >= peak) or [0]
    first, last = busy[0], busy[-1]
    return [first + (last - first) * index // max(1, count - 1) for index in range(count)]


def _weeks_between(later: date, earlier: date) -> int:
    """Whole weeks, in days, so that a shifted copy keeps every weekday (and so its working days) as it was."""
    return (later - earlier).days // 7 * 7


def build_million_store(template_store: Path, target: int, now: datetime) -> MillionStore:
    started = time.perf_counter()
    source = sqlite3.connect(template_store)
    rows = source.execute(f"SELECT {SELECT_LIST} FROM audit_events ORDER BY seq").fetchall()
    closed = {case_id for (case_id,) in source.execute("SELECT case_id FROM projection_cases WHERE closed")}
    source.close()
    template = _Template(rows, closed)
    first_day = parse_canonical_time(rows[0][_OCCURRED]).date()
    last_day = parse_canonical_time(rows[-1][_OCCURRED]).date()

    path = workdir() / "million.db"
    url = f"sqlite:///{path}"
    EventStore.open(url).close()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")  # building the fixture, not measuring it
    connection.execute("PRAGMA cache_size=-262144")
    insert = f"INSERT INTO audit_events ({SELECT_LIST}) VALUES ({', '.join('?' * len(rows[0]))})"
    state = {"seq": 0, "prev": GENESIS_HASH, "batch": []}

    def write(row: tuple[Any, ...], case_id: str, event_id: str, occurred: str, payload: str) -> None:
        state["seq"] += 1
        values = list(row)
        values[_STREAM], values[_EVENT_ID], values[_OCCURRED], values[_PAYLOAD] = case_id, event_id, occurred, payload
        values[_SEQ], values[_PREV] = state["seq"], state["prev"]
        header = tuple(values[:15])
        state["prev"] = values[_HASH] = record_hash_from_row(header, payload)
        state["batch"].append(tuple(values))
        if len(state["batch"]) >= 20_000:
            connection.executemany(insert, state["batch"])
            state["batch"].clear()

    def copy(copy_number: int, days: int, keep: Callable[[str, int], bool], rename: Callable[[str], str]) -> None:
        shift = timedelta(days=days)
        for index, row in enumerate(rows):
            case_id = row[_STREAM]
            if not keep(case_id, index):
                continue
            occurred = canonical_time(parse_canonical_time(row[_OCCURRED]) + shift)
            write(
                row,
                rename(case_id),
                f"{row[_EVENT_ID]}-y{copy_number}",
                occurred,
                template.payload(index, rename, days),
            )

    connection.execute("BEGIN")
    closed_rows = sum(1 for row in rows if row[_STREAM] in closed and not _singleton(row[_STREAM]))
    # The newest copies: the year stopped at a different point in each, a few weeks ago, spread over the part of
    # the year when most steps are open.
    recent = 4 if target < 100_000 else 45
    cut_days = _busy_days(rows, first_day, recent)
    recent_rows = sum(
        sum(1 for row in rows if parse_canonical_time(row[_OCCURRED]).date() <= first_day + timedelta(days=cut))
        for cut in cut_days
    )
    years = max(0, target - recent_rows) // closed_rows if closed_rows else 0
    today = now.date()
    for year in range(years, 0, -1):
        days = _weeks_between(today, last_day) - 364 * year
        copy(
            year + recent,
            days,
            lambda case_id, _: case_id in closed and not _singleton(case_id),
            lambda case_id, year=year: _renamed(case_id, year + recent),
        )
    for number, cut in enumerate(cut_days):
        cut_day = first_day + timedelta(days=cut)
        lag = 7 * (number % 6)  # stopped between today and five weeks ago
        days = _weeks_between(today - timedelta(days=lag), cut_day)
        newest = number == len(cut_days) - 1

        def keep(case_id: str, index: int, cut_day: date = cut_day, newest: bool = newest) -> bool:
            if not newest and _singleton(case_id):
                return False
            return parse_canonical_time(rows[index][_OCCURRED]).date() <= cut_day

        rename = (lambda case_id: case_id) if newest else (lambda case_id, number=number: _renamed(case_id, number + 1))
        copy(number + 1, days, keep, rename)
    if state["batch"]:
        connection.executemany(insert, state["batch"])
    connection.execute("COMMIT")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    built = time.perf_counter() - started

    with EventStore.open(url) as store:  # catches up: every projection row is folded from the log here
        rebuild_started = time.perf_counter()
        events, _ = store.rebuild_projections()
        rebuild_seconds = time.perf_counter() - rebuild_started
    probe = sqlite3.connect(path)
    now_text = canonical_time(now)
    open_tasks = probe.execute("SELECT count(*) FROM projection_tasks").fetchone()[0]
    overdue = probe.execute("SELECT count(*) FROM projection_tasks WHERE due_at < ?", (now_text,)).fetchone()[0]
    busiest = probe.execute(
        "SELECT assignee, count(*) FROM projection_tasks GROUP BY assignee ORDER BY 2 DESC, 1 LIMIT 1"
    ).fetchone()
    person, person_tasks = busiest if busiest is not None else ("director", 0)
    probe.close()
    return MillionStore(
        url=url,
        path=path,
        events=events,
        open_tasks=open_tasks,
        overdue_tasks=overdue,
        busiest_person=person,
        busiest_tasks=person_tasks,
        rebuild_seconds=rebuild_seconds,
        build_seconds=built,
    )


@cache
def million_store() -> MillionStore:
    return build_million_store(governance_year().store, QUICK_EVENTS if quick() else TARGET_EVENTS, datetime.now(UTC))


def describe(store: MillionStore) -> str:
    return (
        f"{store.events:,} events, {store.open_tasks:,} open steps ({store.overdue_tasks:,} overdue), "
        f"{store.busiest_person} holding {store.busiest_tasks}"
    )


def dump(value: Any) -> str:
    return json.dumps(value, default=str)
