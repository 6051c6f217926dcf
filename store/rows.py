"""One row layout for the whole package: the hashed header in canonical order, then payload, then hash.

Appends insert tuples in this order, and reads, verification and export select columns in this order, so the
first 15 values of any row feed the hash function directly with no renaming or reshuffling.
"""

import json
from collections.abc import Sequence
from typing import Any

from store.canonical import HEADER_FIELDS
from store.models import StoredEvent

ROW_COLUMNS: tuple[str, ...] = (*HEADER_FIELDS, "payload", "hash")
HEADER_LEN = len(HEADER_FIELDS)
PAYLOAD_INDEX = HEADER_LEN
HASH_INDEX = HEADER_LEN + 1
_INDEX = {name: i for i, name in enumerate(ROW_COLUMNS)}
COLUMN_INDEX: dict[str, int] = dict(_INDEX)
SEQ_INDEX = _INDEX["seq"]
STREAM_VERSION_INDEX = _INDEX["stream_version"]
PREV_HASH_INDEX = _INDEX["prev_hash"]
OCCURRED_AT_INDEX = _INDEX["occurred_at"]
RECORDED_AT_INDEX = _INDEX["recorded_at"]
STREAM_ID_INDEX = _INDEX["stream_id"]
EVENT_ID_INDEX = _INDEX["event_id"]

SELECT_LIST = ", ".join(ROW_COLUMNS)


def row_as_dict(row: Sequence[Any]) -> dict[str, Any]:
    """A stored row by column name, with the payload left as its canonical text."""
    return dict(zip(ROW_COLUMNS, row, strict=True))


def stored_event_from_row(row: Sequence[Any]) -> StoredEvent:
    """Decode a row selected in ROW_COLUMNS order."""
    values = row_as_dict(row)
    values["payload"] = json.loads(values["payload"])
    # pydantic-core parses the canonical timestamps (UTC, 'Z') and is faster than model_construct.
    return StoredEvent.model_validate(values)
