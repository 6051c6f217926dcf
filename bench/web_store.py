"""A large audit store for the web benchmark, built fast: the real governance trail of the example scenarios
(`tests/store/fixtures/governance-trail.jsonl`, what `govern simulate` recorded) copied until the log holds the
wanted number of events, chained with the store's own hashing and inserted in one transaction, then folded into
the read projections by the store itself (`EventStore.open` catches them up).

The first `desk_copies` copies keep the organisation's people, so one person has a realistic desk (a handful of
open steps); every later copy is about other people (`<id>-c<n>`), as an installation's other cases are, so the
million events are there to be skipped, not shown.
"""

import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from store.canonical import GENESIS_HASH, canonical_payload, canonical_time, record_hash_from_row
from store.event_store import EventStore
from store.rows import SELECT_LIST
from tests.support.governance_trail import FIXTURE, renamed

RECORDED = canonical_time(datetime(2027, 12, 31, tzinfo=UTC))
DESK_PERSON = "compliance-officer"


def _people_pattern(known: set[str]) -> re.Pattern[str]:
    ids = sorted(known, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(person) for person in ids) + r")(?![\w-])")


def build(path: Path, total: int, people: set[str], desk_copies: int = 10) -> int:
    """Write `total` events to a new SQLite store at `path`; returns how many open steps DESK_PERSON has."""
    url = f"sqlite:///{path}"
    EventStore.open(url).close()
    records = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    pattern = _people_pattern(people)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")  # building the fixture, not measuring it
    connection.execute("PRAGMA cache_size=-262144")
    insert = f"INSERT INTO audit_events ({SELECT_LIST}) VALUES ({', '.join('?' * 17)})"
    prev_hash = GENESIS_HASH
    versions: dict[str, int] = {}
    seq = 0
    copy = 0
    rows: list[tuple[Any, ...]] = []
    connection.execute("BEGIN")
    while seq < total:
        for record in records:
            if seq >= total:
                break
            if copy >= desk_copies:
                record = json.loads(pattern.sub(rf"\1-c{copy}", json.dumps(record)))
            stream = renamed(record["stream_id"], copy) if copy else record["stream_id"]
            seq += 1
            versions[stream] = versions.get(stream, 0) + 1
            payload = canonical_payload(record["payload"])
            occurred = canonical_time(datetime.fromisoformat(record["occurred_at"]))
            header = (
                record["actor"],
                record["actor_role"],
                f"{record['event_id']}-c{copy}",
                occurred,
                record["on_behalf_of"],
                record["outcome"],
                prev_hash,
                record["reason"],
                RECORDED,
                None,
                seq,
                stream,
                versions[stream],
                record["type"],
                None,
            )
            prev_hash = record_hash_from_row(header, payload)
            rows.append((*header, payload, prev_hash))
            if len(rows) == 50_000:
                connection.executemany(insert, rows)
                rows.clear()
        copy += 1
    connection.executemany(insert, rows)
    connection.execute("COMMIT")
    connection.close()
    store = EventStore.open(url)  # folds the whole log into the projections
    store.close()
    return desk_copies
