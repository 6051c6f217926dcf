"""A desk's rows are built without validating each one (`store.projections._task_rows`); they must be exactly
the models validation gives, for every shape a desk row takes."""

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter

from store.desk_sql import TaskTuple
from store.projections import TaskRow, _task_rows

VALIDATED = TypeAdapter(list[TaskRow])
ROWS = [
    # (case_id, task_id, kind, title, assignee, action, due_at, time_zone, due_local, overdue, on_behalf_of)
    ("grant/2027-014", "screening", "screening", "Screen it", "ana", "screen", "2027-03-08T16:00:00.000000Z",
     "Europe/Brussels", "2027-03-08T17:00:00+01:00", True, None),
    ("grant/2027-015", "decision", "director_decision", "Decide", "ben", "decide", None, None, None, False, None),
    ("plan/2028/awp/2028", "submit", "plan_milestone", "Submit the AWP", "carla", "submit-milestone",
     "2027-11-30T23:59:59.999999Z", "Asia/Manila", "2027-12-01T07:59:59.999999+08:00", False, "dev"),
    ("policy/coi/review/1", "attestation-é", "attestation", "Attestér", "dev", "acknowledge",
     "2027-01-01T00:00:00.000000Z", None, None, True, "ana"),
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_a_built_row_is_the_validated_row(row: tuple) -> None:
    (built,) = _task_rows([TaskTuple(row)])
    (validated,) = VALIDATED.validate_python([TaskTuple(row)], from_attributes=True)
    assert built == validated
    assert built.model_dump() == validated.model_dump()
    assert built.model_dump_json() == validated.model_dump_json()
    assert built.model_fields_set == validated.model_fields_set
    if built.due_at is not None:
        assert built.due_at.utcoffset() is not None and built.due_at.astimezone(UTC) == built.due_at
        assert built.due_at == datetime.fromisoformat(row[6])


def test_built_rows_are_models_of_their_own() -> None:
    first, second = _task_rows([TaskTuple(ROWS[0]), TaskTuple(ROWS[0])])
    assert first == second and first is not second
    assert first.__dict__ is not second.__dict__
