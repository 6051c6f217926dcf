"""A case's state as its audit trail says it is: its latest snapshot, with the events recorded after it folded
on, read on a DB-API cursor (so it is never behind the log, whatever the projections' lag). Shared by
`store.projections.case_state` and the lean `govern status` (`cli.quick`), which has no SQLAlchemy."""

from typing import Any

from store.case_fold import CaseFold
from store.projection_writer import SNAPSHOT_SELECT
from store.rows import SELECT_LIST

TRAIL_AFTER = (
    f"SELECT {SELECT_LIST} FROM audit_events WHERE stream_id = ? AND stream_version > ? ORDER BY stream_version"
)
WHOLE_TRAIL = f"SELECT {SELECT_LIST} FROM audit_events WHERE stream_id = ? ORDER BY stream_version"


def folded_case(cursor: Any, case_id: str, mark: str = "?") -> CaseFold:
    """The case folded to its last event (version 0: no events). `mark` is the backend's placeholder."""
    cursor.execute(SNAPSHOT_SELECT.replace("?", mark), (case_id,))
    found = cursor.fetchone()
    fold = CaseFold.empty(case_id) if found is None else CaseFold.from_snapshot(case_id, *found)
    cursor.execute(TRAIL_AFTER.replace("?", mark), (case_id, fold.version))
    for row in cursor.fetchall():
        fold.apply_row(row)
    return fold
