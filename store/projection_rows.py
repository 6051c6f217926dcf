"""What each projection row holds, derived from a folded case: one definition for the append, the rebuild and
the check. Times are canonical UTC text (as in `audit_events`), so they sort and compare as text in SQL."""

import json
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from domain.case import CaseState
from domain.timed_step import Task
from store.canonical import canonical_time
from store.case_fold import CaseFold

CASE_COLUMNS: tuple[str, ...] = (
    "case_id",
    "kind",
    "parent_id",
    "stage",
    "closed",
    "outcome",
    "version",
    "title",
    "amount_usd",
    "requester",
    "opened_at",
    "last_event_at",
    "last_seq",
    "next_due_at",
    "problem",
    "summary",
)
#: Kinds whose summary a list shows (`govern plan status` shows each plan's milestones): kept as JSON in their
#: row, so that the list reads it without folding the case. Other rows keep none.
SUMMARY_KINDS = frozenset({"strategic_plan"})
#: Set when a case's row is first written and never changed after.
CASE_FIXED_COLUMNS: tuple[str, ...] = ("case_id", "kind", "parent_id", "opened_at")
TASK_COLUMNS: tuple[str, ...] = (
    "case_id",
    "task_id",
    "kind",
    "title",
    "assignee",
    "action",
    "opened_at",
    "due_at",
    "time_zone",
    "due_local",
    "on_due",
    "officer",
    "reminders_sent",
    "escalations_sent",
    "lapsed",
)
DELEGATION_COLUMNS: tuple[str, ...] = (
    "case_id",
    "number",
    "absent",
    "substitute",
    "starts_on",
    "ends_on",
    "granted_by",
)
PARTICIPANT_COLUMNS: tuple[str, ...] = ("person", "case_id")


def parent_of(case_id: str) -> str | None:
    """The case that opened this one, read off the id: `grant/X/board/1` -> `grant/X`, `plan/P/awp/2028` ->
    `plan/P`, `appraisal/2027/someone` -> `appraisal/2027`; None for a case nobody opened."""
    parts = case_id.split("/")
    if len(parts) >= 4:
        return "/".join(parts[:-2])
    if len(parts) == 3:
        return "/".join(parts[:-1])
    return None


def open_tasks_of(fold: CaseFold) -> dict[str, Task]:
    """The steps a desk shows: none for a closed case, nor for one whose events cannot be folded."""
    state = fold.state
    if fold.problem is not None or state is None or state.closed:
        return {}
    return state.tasks


def case_values(fold: CaseFold) -> tuple[Any, ...]:
    """The projection_cases row, in CASE_COLUMNS order."""
    state: CaseState | None = fold.state
    title = amount_usd = kept_summary = None
    if state is not None and fold.decider is not None and fold.problem is None:
        summary = fold.decider.stage_summary(state)
        title = summary.get("title") if isinstance(summary.get("title"), str) else None
        amount = summary.get("amount_usd")
        amount_usd = str(amount) if amount is not None else None
        if state.kind in SUMMARY_KINDS:
            kept_summary = json.dumps(summary, default=str, sort_keys=True)
    dues = [task.due_at for task in open_tasks_of(fold).values() if task.due_at is not None]
    return (
        fold.case_id,
        state.kind if state is not None else None,
        parent_of(fold.case_id),
        state.stage if state is not None else None,
        bool(state.closed) if state is not None else False,
        state.outcome if state is not None else None,
        fold.version,
        title,
        amount_usd,
        state.requester if state is not None else None,
        fold.opened_at,
        fold.last_event_at,
        fold.last_seq,
        canonical_time(min(dues)) if dues else None,
        fold.problem,
        kept_summary,
    )


#: Zones by name, kept: `ZoneInfo` itself keeps only the last eight strongly, so a store whose people live in more
#: zones than that reloaded a zone file for most steps it wrote.
_zone = lru_cache(maxsize=512)(ZoneInfo)


def task_values(case_id: str, task: Task) -> tuple[Any, ...]:
    due = task.due_at
    zone = task.schedule.time_zone if task.schedule is not None else None
    return (
        case_id,
        task.task_id,
        task.kind,
        task.title,
        task.assignee,
        task.action,
        canonical_time(task.opened_at),
        canonical_time(due) if due is not None else None,
        zone,
        due.astimezone(_zone(zone)).isoformat() if due is not None and zone is not None else None,
        task.on_due,
        task.officer,
        task.reminders_sent,
        task.escalations_sent,
        bool(task.lapsed),
    )


def delegation_values(fold: CaseFold) -> list[tuple[Any, ...]]:
    if fold.state is None:
        return []
    return [
        (
            fold.case_id,
            number,
            delegation.absent,
            delegation.substitute,
            delegation.starts_on.isoformat(),
            delegation.ends_on.isoformat(),
            delegation.granted_by,
        )
        for number, delegation in enumerate(fold.state.delegations, start=1)
    ]
