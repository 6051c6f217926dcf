"""How `govern status` prints a case's summary and its due dates: as a person reads them, never as Python.

The deciders' `stage_summary` is data (JSON under `--json`); here it becomes lines like
`reviewers: Programme Officer (Hanoi), Partnerships Officer (Brussels)` and
`reviews: Programme Officer (Hanoi): score 4, approve`. People are named as in the organisation file, instants
are shown in UTC with the zone named, and a due date in the zone of the person it is due from
(`domain.notice.format_local`, the same words their mail uses).
"""

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from domain.notice import format_local
from domain.organisation import Organisation

_CODE = re.compile(r"[a-z][a-z0-9_-]*")  # an outcome, a choice, a stage: readable without its key
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)")


def due_text(due_at: datetime | None, assignee: str, organisation: Organisation, counted_in: str | None = None) -> str:
    """A due date on the assignee's clock, with their zone's name: the zone it was counted in (`counted_in`, as
    the step recorded it, as `govern tasks` shows it), else the file's zone for them, else UTC for someone the
    file no longer has."""
    if due_at is None:
        return "no due date"
    zone = counted_in or (organisation.person(assignee).time_zone if organisation.has_person(assignee) else "UTC")
    return format_local(due_at, zone)


def _empty(value: Any) -> bool:
    return value is None or value is False or value == 0 or value in ([], {}, "")


def _label(key: Any) -> str:
    return str(key).replace("_", " ")


def _scalar(value: Any, organisation: Organisation) -> str:
    if value is True:
        return "yes"
    if isinstance(value, str):
        if organisation.has_person(value):
            return organisation.person(value).name
        if _INSTANT.fullmatch(value):
            return f"{datetime.fromisoformat(value).astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return str(value)


def _pairs(mapping: Mapping[Any, Any], organisation: Organisation) -> str:
    """'score 4, approve': a code stands alone, anything else is named by its key."""
    parts = []
    for key, value in mapping.items():
        if _empty(value):
            continue
        if value is True:
            parts.append(_label(key))
        elif isinstance(value, str) and _CODE.fullmatch(value) and not organisation.has_person(value):
            parts.append(value)
        else:
            parts.append(f"{_label(key)} {_value(value, organisation)}")
    return ", ".join(parts) or "none"


def _value(value: Any, organisation: Organisation) -> str:
    if isinstance(value, Mapping):
        if all(isinstance(item, Mapping) for item in value.values()):
            # One record per key (reviews by reviewer): 'Programme Officer (Hanoi): score 4, approve; ...'
            return "; ".join(
                f"{_scalar(key, organisation)}: {_pairs(item, organisation)}" for key, item in value.items()
            )
        return _pairs(value, organisation)
    if isinstance(value, list | tuple):
        return ", ".join(_value(item, organisation) for item in value)
    return _scalar(value, organisation)


def summary_lines(summary: Mapping[str, Any], organisation: Organisation) -> list[str]:
    """One line per fact that is set; a list of records gets one indented line per record."""
    lines = []
    for key, value in summary.items():
        if _empty(value):
            continue
        if isinstance(value, list) and value and all(isinstance(item, Mapping) for item in value):
            lines.append(f"  {_label(key)}:")
            lines.extend(f"    - {_pairs(item, organisation)}" for item in value)
        else:
            lines.append(f"  {_label(key)}: {_value(value, organisation)}")
    return lines
