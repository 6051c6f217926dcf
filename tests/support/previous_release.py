"""Stores that an earlier release wrote, kept gzipped under tests/fixtures, as the tests that read them back
need them: unpacked into a fresh file, and a case's events as the domain events that release recorded."""

import gzip
import shutil
from pathlib import Path

from domain.events import DomainEvent
from store.engine import create_store_engine
from store.event_store import EventStore
from store.migrate import upgrade


def unpack_store(packed: Path, into: Path) -> Path:
    """The SQLite store in `packed` (gzip), written out as `into`."""
    with gzip.open(packed, "rb") as source, into.open("wb") as target:
        shutil.copyfileobj(source, target)
    return into


def migrated(store_file: Path) -> str:
    """The store's URL, once `govern migrate` (the migrations alone, no catch-up) has brought it to this code's
    revision, as every writer does on opening it: what a newer release reads."""
    url = f"sqlite:///{store_file}"
    engine = create_store_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return url


def events_of(store: EventStore, case_id: str) -> list[DomainEvent]:
    """The case's stored events as domain events (without the chain's fields)."""
    return [
        DomainEvent.model_validate(event.model_dump(include=set(DomainEvent.model_fields)))
        for event in store.read_stream(case_id)
    ]
