"""What `govern appraisal progress YEAR` prints: completion per phase and who is late in one appraisal cycle, with
no content (no objectives, comments or ratings). One definition for the full path (`cli.appraisal`) and the lean
one (`cli.quick`), so that the two cannot print differently; it loads neither Typer, the settings nor SQLAlchemy."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from domain.appraisal import AppraisalState, phase_status
from domain.appraisal_cycle import APPRAISAL_CYCLE, AppraisalCycleState
from domain.appraisal_phases import PHASES
from domain.case import CaseState

STATUSES = ("done", "open", "late", "waiting", "n/a")


def progress_data(
    cycle: int, now: datetime, state: AppraisalCycleState, appraisal_of: Callable[[str], CaseState | None]
) -> dict[str, Any]:
    """The cycle as `--json` prints it; `appraisal_of` gives an appraisal's state (None: not opened yet)."""
    rows = []
    late = []
    for case_id in APPRAISAL_CYCLE.stage_summary(state)["appraisals"]:
        appraisal = appraisal_of(case_id)
        if not isinstance(appraisal, AppraisalState):
            rows.append({"case": case_id, "stage": "not opened", "phases": {}})
            continue
        rows.append(
            {
                "case": case_id,
                "staff_member": appraisal.staff_member,
                "stage": appraisal.stage,
                "phases": phase_status(appraisal, now),
            }
        )
        for task in appraisal.tasks.values():
            if task.is_overdue(now):
                assert task.due_at is not None
                late.append(
                    {
                        "case": case_id,
                        "step": task.task_id,
                        "assignee": task.assignee,
                        "due_at": task.due_at.isoformat(),
                        "days_late": (now - task.due_at).days,
                        "escalations_sent": task.escalations_sent,
                    }
                )
    totals = {
        phase: {status: sum(1 for row in rows if row["phases"].get(phase) == status) for status in STATUSES}
        for phase, _ in PHASES
    }
    return {
        "cycle": cycle,
        "as_of": now.isoformat(),
        "appraisals": len(rows),
        "phases": totals,
        "cases": rows,
        "late": late,
    }


def progress_text(data: dict[str, Any], now: datetime) -> str:
    totals, late = data["phases"], data["late"]
    header = f"  {'phase':<22}" + "".join(f"{status:>9}" for status in STATUSES)
    lines = [f"Appraisal cycle {data['cycle']}: {data['appraisals']} appraisals, as of {now:%Y-%m-%d %H:%M %Z}", header]
    for phase, label in PHASES:
        lines.append(f"  {label:<22}" + "".join(f"{totals[phase][s]:>9}" for s in STATUSES))
    lines.append("Late:" if late else "Late: nobody")
    for item in late:
        lines.append(
            f"  {item['case']:<40} {item['step']:<20} {item['assignee']:<26} due {item['due_at']} "
            f"({item['days_late']} days late, {item['escalations_sent']} escalation(s) sent)"
        )
    return "\n".join(lines)


def as_of_instant(text: str) -> datetime | None:
    """`--as-of`: an ISO-8601 date or time, UTC when it names no zone; None when it does not read."""
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant
