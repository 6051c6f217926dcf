"""A writer killed at any moment (SIGKILL: no cleanup, no rollback of its own) never leaves the projections
apart from the log: the events and what they change in the projections commit together or not at all."""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store.errors import ProjectionsBehind
from store.event_store import EventStore
from store.projection_check import check_projections
from tests.support.governance_trail import trail_batches

REPO = Path(__file__).resolve().parents[2]

# Appends real governance batches, one commit each, until killed; each run writes new copies of the trail.
WRITER = """
import sys
from store.event_store import EventStore
from tests.support.governance_trail import trail_batches

store = EventStore.open(sys.argv[1])
first_copy = int(sys.argv[2])
told = False
for copy in range(first_copy, first_copy + 1000):
    for case_id, events in trail_batches(copy):
        store.append(case_id, events, expected_version=store.current_version(case_id))
        if not told:
            # Said once the first batch has committed, so every run appends something however loaded the machine.
            print("appending", flush=True)
            told = True
"""

KILLS = 6


def test_a_writer_killed_mid_append_leaves_projections_equal_to_the_log(store_url: str) -> None:
    EventStore.open(store_url).close()
    chooser = random.Random(20270301)
    counts = []
    for run in range(KILLS):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, store_url, str(1 + run * 1000)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "appending", writer.stderr.read() if writer.stderr else ""
        time.sleep(chooser.uniform(0.3, 1.2))
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        assert writer.returncode == -signal.SIGKILL
        with EventStore.open_existing(store_url, projections_current=False) as reader:
            counts.append(reader.count())
            # Nothing was left half-done: the projections stand exactly at the log's head.
            assert reader.projection_lag() is None
    assert counts == sorted(counts) and len(set(counts)) == KILLS, f"every run must have appended: {counts}"
    with EventStore.open_existing(store_url) as store:
        result = check_projections(store)
        assert result.differences == []
        assert result.events == counts[-1]


# Opens the store as a writer (a worker, `govern migrate`), which catches the projections up to the log.
CATCHER = """
import sys
from store.event_store import EventStore
print("catching up", flush=True)
EventStore.open(sys.argv[1]).close()
print("caught up", flush=True)
"""

CATCH_UP_KILLS = 4
BULK_COPIES = 60


def test_a_writer_killed_mid_catch_up_leaves_projections_told_behind_or_equal_to_the_log(store_url: str) -> None:
    EventStore.open(store_url).close()
    with EventStore.open_existing(store_url) as keeper:
        # A bulk load that kept no projections: the next writer has the whole of it to catch up.
        bulk = EventStore(keeper.engine, projections=False)
        for copy in range(1, BULK_COPIES + 1):
            for case_id, events in trail_batches(copy):
                bulk.append(case_id, events, expected_version=None)
        total = keeper.count()
        assert keeper.projection_lag() is not None
    chooser = random.Random(20270302)
    killed_mid_way = 0
    for _ in range(CATCH_UP_KILLS):
        catcher = subprocess.Popen(
            [sys.executable, "-c", CATCHER, store_url],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert catcher.stdout is not None
        assert catcher.stdout.readline().strip() == "catching up", catcher.stderr.read() if catcher.stderr else ""
        time.sleep(chooser.uniform(0.05, 0.5))
        catcher.send_signal(signal.SIGKILL)
        catcher.wait(timeout=30)
        if catcher.returncode == -signal.SIGKILL and catcher.stdout.read().strip() != "caught up":
            killed_mid_way += 1
        with EventStore.open_existing(store_url, projections_current=False) as reader:
            assert reader.count() == total
            if reader.projection_lag() is None:
                # It got to the end before the signal: then every row is right.
                assert check_projections(reader).differences == []
            else:
                # Otherwise a reader is told the lists are behind; it is never shown a half-caught-up list.
                with pytest.raises(ProjectionsBehind):
                    EventStore.open_existing(store_url)
    assert killed_mid_way, "no kill landed during the catch-up; the bulk load must be larger"
    with EventStore.open(store_url) as writer:
        assert writer.projection_lag() is None
        result = check_projections(writer)
        assert result.differences == [] and result.events == total
