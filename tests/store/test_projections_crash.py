"""A writer killed at any moment (SIGKILL: no cleanup, no rollback of its own) never leaves the projections
apart from the log: the events and what they change in the projections commit together or not at all."""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from store.event_store import EventStore
from store.projection_check import check_projections

REPO = Path(__file__).resolve().parents[2]

# Appends real governance batches, one commit each, until killed; each run writes new copies of the trail.
WRITER = """
import sys
from store.event_store import EventStore
from tests.support.governance_trail import trail_batches

store = EventStore.open(sys.argv[1])
first_copy = int(sys.argv[2])
print("appending", flush=True)
for copy in range(first_copy, first_copy + 1000):
    for case_id, events in trail_batches(copy):
        store.append(case_id, events, expected_version=store.current_version(case_id))
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
