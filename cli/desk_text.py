"""What `govern tasks`, `govern overdue` and `govern plan status` print, from plain rows.

One rendering for both ways a command can run: the full path (Typer, the organisation file) and the lean path
(`cli.quick`, sqlite3 alone). Standard library only. Each due date prints on the assignee's clock with the
zone named, as their mail does; `--json` gives instants in UTC.
"""

from __future__ import annotations

from datetime import datetime

from domain.clock_text import format_wall_clock

# Standard library only, and not even `typing` at run time: this module is on the lean path of `cli.quick`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any


def instant(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def iso(value: datetime | str | None) -> str | None:
    """An instant as `--json` prints it: ISO-8601 in UTC with 'Z' (microseconds only when there are some)."""
    moment = instant(value)
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def due(task: Any, zone_of: Callable[[str], str] | None) -> str:
    """The due date on the assignee's clock: the local time the projection holds (the lean path's rows), else
    in `zone_of(assignee)`, the organisation file's zone (the full path's), else in UTC. Both are the zone the
    step's due date was counted in."""
    moment = instant(task.due_at)
    if moment is None:
        return "no due date"
    local, zone = getattr(task, "due_local", None), getattr(task, "time_zone", None)
    if local and zone:
        return format_wall_clock(datetime.fromisoformat(local), zone)
    from domain.notice import format_local  # the full path: the assignee's zone from the organisation file

    zone = zone or (zone_of(task.assignee) if zone_of is not None else "UTC")
    return format_local(moment, zone)


def task_json(task: Any) -> dict[str, Any]:
    return {
        "case_id": task.case_id,
        "task_id": task.task_id,
        "kind": task.kind,
        "title": task.title,
        "assignee": task.assignee,
        "action": task.action,
        "due_at": iso(task.due_at),
        "overdue": task.overdue,
        "on_behalf_of": task.on_behalf_of,
    }


def dumps(data: Any) -> str:
    import json

    return json.dumps(data, default=str, indent=2)


def tasks_text(tasks: Sequence[Any], zone_of: Callable[[str], str] | None, person: str | None) -> str:
    """Each step on three lines: the case, step and title; who holds it and when it is due; how to act on it."""
    if not tasks:
        return "No open tasks."
    lines = []
    for task in tasks:
        actor = person or task.assignee
        holder = f"{task.assignee}, held by {actor} on their behalf" if task.on_behalf_of else task.assignee
        lines.append(
            f"{'OVERDUE ' if task.overdue else ''}{task.case_id} {task.task_id}: {task.title}\n"
            f"    {holder}, due {due(task, zone_of)}\n"
            f"    what to do: govern actions {task.case_id} --as {actor}"
        )
    return "\n".join(lines)


def overdue_data(tasks: Iterable[Any]) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for task in tasks:
        grouped.setdefault(task.assignee, []).append(task)
    return grouped


def overdue_text(grouped: dict[str, list[Any]], zone_of: Callable[[str], str] | None) -> str:
    lines: list[str] = []
    for person, items in grouped.items():
        lines.append(f"{person}:")
        lines += [f"  {task.case_id} {task.task_id}: {task.title} (due {due(task, zone_of)})" for task in items]
    return "\n".join(lines) if lines else "Nothing is overdue."


def plan_status_text(plans: Sequence[dict[str, Any]]) -> str:
    lines: list[str] = []
    for item in plans:
        lines.append(f"{item['plan']}: {item['stage']}")
        for milestone in item["summary"].get("milestones", []):
            state = "late" if milestone.get("late") else ("submitted" if milestone.get("submitted_at") else "open")
            lines.append(f"  milestone {milestone['milestone']:<20} due {milestone['due_at']}  {state}")
        for row in item["cases"]:
            flag = "  OVERDUE: " + ", ".join(row["overdue"]) if row["overdue"] else ""
            lines.append(f"  {row['case']:<36} {row['stage']:<16} next due {row['next_due_at'] or '-'}{flag}")
    return "\n".join(lines) if lines else "No Strategic Plan has been opened."
