"""Export the whole log for auditors, with every chain field, in JSON lines or CSV.

Both formats carry exactly the stored values, so the procedure in ``store/VERIFYING.md`` re-verifies an export
offline. In JSON lines ``payload`` is the payload object (re-encode it canonically to hash it); in CSV it is
the stored canonical payload text itself, and an empty cell is null (the store never keeps empty text).
"""

import csv
import json
from typing import IO, Literal

from sqlalchemy.engine import Engine

from store.event_store import EventStore
from store.rows import ROW_COLUMNS
from store.scan import chain_rows

ExportFormat = Literal["jsonl", "csv"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv")

# A reading order for people: place in the log, the case, what happened, who, the chain fields, the payload.
EXPORT_COLUMNS: tuple[str, ...] = (
    "seq",
    "stream_id",
    "stream_version",
    "event_id",
    "type",
    "occurred_at",
    "recorded_at",
    "actor",
    "actor_role",
    "on_behalf_of",
    "reason",
    "outcome",
    "workflow_id",
    "run_id",
    "prev_hash",
    "hash",
    "payload",
)
assert sorted(EXPORT_COLUMNS) == sorted(ROW_COLUMNS)
_POSITIONS = tuple(ROW_COLUMNS.index(name) for name in EXPORT_COLUMNS)
_PAYLOAD_POSITION = EXPORT_COLUMNS.index("payload")


def export_events(target: EventStore | Engine, export_format: ExportFormat, out: IO[str]) -> int:
    """Write every record, in sequence order, to `out`; return how many were written."""
    if export_format not in EXPORT_FORMATS:
        raise ValueError(f"Unknown export format {export_format!r}; use jsonl or csv.")
    engine = target.engine if isinstance(target, EventStore) else target
    count = 0
    positions = _POSITIONS
    with chain_rows(engine) as batches:
        if export_format == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(EXPORT_COLUMNS)
            for batch in batches:
                writer.writerows([[row[i] for i in positions] for row in batch])
                count += len(batch)
        else:
            dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
            for batch in batches:
                lines = []
                for row in batch:
                    values = [row[i] for i in positions]
                    values[_PAYLOAD_POSITION] = json.loads(values[_PAYLOAD_POSITION])
                    lines.append(dumps(dict(zip(EXPORT_COLUMNS, values, strict=True))))
                out.write("\n".join(lines) + "\n")
                count += len(batch)
    return count
