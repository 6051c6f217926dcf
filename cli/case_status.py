"""What `govern status CASE` prints: the case's stage, its summary, its open steps and its history, from its state
and its stored events. One definition for the full path (`cli.cases.status`) and the lean one (`cli.quick`), so
that the two cannot print differently; it loads neither Typer, the settings nor SQLAlchemy."""

from collections.abc import Sequence
from typing import Any

from cli.summary import due_text, summary_lines
from domain.case import CaseDecider, CaseState
from domain.organisation import Organisation
from store.models import StoredEvent


def task_data(state: CaseState) -> list[dict[str, Any]]:
    """The open tasks for `--json`: due instants in UTC ISO-8601."""
    return [
        {
            "task": task.task_id,
            "assignee": task.assignee,
            "action": task.action,
            "due_at": task.due_at.isoformat() if task.due_at else None,
        }
        for task in state.tasks.values()
    ]


def task_lines(state: CaseState, organisation: Organisation) -> list[str]:
    """Each open task with its due date on the assignee's clock."""
    return [
        f"  open: {task.task_id} -> {task.assignee} ({task.action}), due "
        f"{due_text(task.due_at, task.assignee, organisation, task.schedule.time_zone if task.schedule else None)}"
        for task in state.tasks.values()
    ]


def status_data(case_id: str, decider: CaseDecider, state: CaseState, history: Sequence[StoredEvent]) -> dict[str, Any]:
    """The case as `--json` prints it."""
    return {
        "case": case_id,
        "kind": state.kind,
        "stage": state.stage,
        "closed": state.closed,
        "outcome": state.outcome,
        "version": state.version,
        "summary": decider.stage_summary(state),
        "open_tasks": task_data(state),
        "history": [
            {
                "seq": e.seq,
                "at": e.occurred_at.isoformat(),
                "type": e.type,
                "actor": e.actor,
                "on_behalf_of": e.on_behalf_of,
                "outcome": e.outcome,
                "reason": e.reason,
            }
            for e in history
        ],
    }


def status_text(
    data: dict[str, Any], state: CaseState, history: Sequence[StoredEvent], organisation: Organisation
) -> str:
    """The case as a person reads it: people named as in the organisation file, due dates on their clocks."""
    case_id = data["case"]
    lines = [f"{case_id} ({state.kind}): stage {state.stage}" + (f", closed: {state.outcome}" if state.closed else "")]
    lines.extend(summary_lines(data["summary"], organisation))
    lines.append("Open tasks:" if state.tasks else "Open tasks: none")
    lines.extend(task_lines(state, organisation))
    lines.append(f"History ({len(history)} events, times in UTC):")
    for e in history:
        who = e.actor + (f" for {e.on_behalf_of}" if e.on_behalf_of else "")
        lines.append(f"  {e.occurred_at:%Y-%m-%d %H:%M} {e.type:<26} {who:<32} {e.outcome or ''}")
    return "\n".join(lines)
