"""Who is told what, for each event of a case: the assignee when a step opens, is extended or reassigned;
the assignee when a reminder falls due; the escalation target (and the assignee) when a step is late;
the requester when the case closes."""

from domain import timed_step
from domain.case import CASE_CLOSED, CaseState
from domain.events import DomainEvent
from domain.notice import Notice, NoticeKind, message_id_for
from domain.organisation import Organisation


def _notice(
    event: DomainEvent,
    organisation: Organisation,
    recipient: str,
    kind: NoticeKind,
    subject: str,
    task: timed_step.Task | None,
    lines: list[str],
) -> Notice:
    person = organisation.person(recipient)
    return Notice(
        message_id=message_id_for(event.event_id, recipient),
        case_id=event.stream_id,
        task_id=task.task_id if task else None,
        kind=kind,
        recipient_id=recipient,
        recipient_name=person.name,
        recipient_email=person.email,
        recipient_time_zone=person.time_zone,
        subject=subject,
        due_at=task.due_at if task else None,
        task_title=task.title if task else None,
        how_to_act=(
            f"govern act {event.stream_id} {task.action} --as {task.assignee}"
            if task and kind != "escalation"
            else None
        ),
        body_lines=lines,
        issued_at=event.occurred_at,
    )


def notices_for(event: DomainEvent, state_after: CaseState, organisation: Organisation) -> list[Notice]:
    """The messages one recorded event causes. `state_after` is the case with the event applied."""
    task_id = event.payload.get("task_id")
    task = state_after.tasks.get(task_id) if task_id else None
    case = event.stream_id
    if event.type == timed_step.TASK_OPENED and task is not None:
        return [
            _notice(
                event,
                organisation,
                task.assignee,
                "task_opened",
                f"[{case}] New task: {task.title}",
                task,
                ["A new task is assigned to you."],
            )
        ]
    if event.type == timed_step.REMINDER_SENT and task is not None:
        return [
            _notice(
                event,
                organisation,
                task.assignee,
                "reminder",
                f"[{case}] Reminder: {task.title}",
                task,
                [f"Reminder {event.payload['number']}: this task is not yet done."],
            )
        ]
    if event.type == timed_step.ESCALATION_RAISED and task is not None:
        assignee = organisation.person(task.assignee).name
        return [
            _notice(
                event,
                organisation,
                event.payload["to"],
                "escalation",
                f"[{case}] Overdue: {task.title} ({assignee})",
                task,
                [
                    f"This task, assigned to {assignee}, is overdue and is escalated to you "
                    f"(level {event.payload['level']})."
                ],
            ),
        ]
    if event.type == timed_step.DEADLINE_EXTENDED and task is not None:
        return [
            _notice(
                event,
                organisation,
                task.assignee,
                "deadline_extended",
                f"[{case}] Deadline extended: {task.title}",
                task,
                [f"The deadline was extended by {event.actor}: {event.reason}"],
            )
        ]
    if event.type == timed_step.TASK_REASSIGNED and task is not None:
        return [
            _notice(
                event,
                organisation,
                task.assignee,
                "task_reassigned",
                f"[{case}] Task reassigned to you: {task.title}",
                task,
                [f"Reassigned from {event.payload['from']} by {event.actor}: {event.reason}"],
            )
        ]
    if event.type == CASE_CLOSED and state_after.requester and organisation.has_person(state_after.requester):
        return [
            _notice(
                event,
                organisation,
                state_after.requester,
                "decision",
                f"[{case}] Case closed: {event.outcome}",
                None,
                [f"Outcome: {event.outcome}", *([f"Reason: {event.reason}"] if event.reason else [])],
            )
        ]
    return []
