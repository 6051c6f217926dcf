"""Who is told what, for each event of a case: the assignee when a step opens, is extended or reassigned;
the assignee when a reminder falls due; the escalation target when a step is late; the requester when the case
closes.

Each message leads to its page (`link_path`, which the mail puts behind GOVERN_PUBLIC_URL) and carries the
action catalogue's lines for the recipient (`domain.action_catalogue`): every action open to them on that
step, one line per choice, each of which runs as written. The catalogue asks the case's decider at the
instant of the event, so a line that works in the mail is one the decider accepts. A Board member's notice
also says what silence means under the Board rules the procedure opened with.
"""

from datetime import datetime

from domain import step_events, timed_step
from domain.action_catalogue import (
    ActionOffer,
    how_to_act,
    offers_on_step,
    refusal_for,
    runs_as_written,
)
from domain.board_decision import TASK_KINDS as BOARD_TASK_KINDS
from domain.board_decision import BoardDecisionState, close_instant
from domain.case import CaseState, Context
from domain.events import DomainEvent
from domain.notice import Notice, NoticeKind, case_path, format_local, message_id_for, task_path
from domain.organisation import Organisation
from domain.step_events import STEP_EVENTS
from domain.task_management import EXTEND, REASSIGN

#: Notices whose recipient holds the step and is told how to take it.
_TO_THE_HOLDER: frozenset[NoticeKind] = frozenset({"task_opened", "reminder", "deadline_extended", "task_reassigned"})


def _offers(
    state: CaseState, organisation: Organisation, recipient: str, kind: NoticeKind, task: timed_step.Task, now: datetime
) -> list[ActionOffer]:
    context = Context(organisation=organisation, now=now)
    if kind == "escalation":
        # The person a late step is escalated to may give it more time or another holder.
        managing = offers_on_step(state, recipient, task, context, managing=True)
        return [offer for offer in managing if offer.action in (EXTEND, REASSIGN)]
    return offers_on_step(state, recipient, task, context)


def _notice(
    event: DomainEvent,
    state: CaseState,
    organisation: Organisation,
    recipient: str,
    kind: NoticeKind,
    subject: str,
    task: timed_step.Task | None,
    lines: list[str],
) -> Notice:
    person = organisation.person(recipient)
    runnable: list[str] = []
    with_document: list[str] = []
    body = list(lines)
    silence = None
    if task is not None and (kind in _TO_THE_HOLDER or kind == "escalation"):
        offers = _offers(state, organisation, recipient, kind, task, event.occurred_at)
        for offer in offers:
            for line in how_to_act(offer, recipient):
                (runnable if runs_as_written(line) else with_document).append(line)
        if not offers and kind in _TO_THE_HOLDER:
            why = refusal_for(state, recipient, task.action, Context(organisation=organisation, now=event.occurred_at))
            if why:
                body.append(f"You cannot act on it yet: {why}")
        if kind in _TO_THE_HOLDER:
            silence = what_silence_means(state, task, recipient, organisation)
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
        how_to_act_lines=runnable,
        document_lines=with_document,
        link_path=task_path(event.stream_id, task.task_id) if task else case_path(event.stream_id),
        silence=silence,
        body_lines=body,
        issued_at=event.occurred_at,
    )


def what_silence_means(
    state: CaseState, task: timed_step.Task, recipient: str, organisation: Organisation
) -> str | None:
    """For a Board member's response step: what not responding does, under the rules the procedure opened with
    (copied into the case, so a later change to the organisation file does not change what the notice says)."""
    if not isinstance(state, BoardDecisionState) or state.rules is None or task.kind not in BOARD_TASK_KINDS.values():
        return None
    rules = state.rules
    closes = close_instant(state)
    zone = organisation.person(recipient).time_zone
    when = format_local(closes, zone) if closes else "the deadline"
    if state.procedure == "no_objection":
        return (
            f"silence is assent. Unless a voting member objects by {when}, the matter is approved under the written "
            f"no-objection procedure; one objection (with its grounds) refers it to "
            f"{rules.meeting_referral or 'the next Board meeting'}. Declare a conflict of interest before "
            "responding if you have one."
        )
    eligible = len(state.eligible)
    needed = rules.quorum_needed(eligible) if eligible else 0
    return (
        f"a member who does not vote by {when} is not counted towards the quorum: at least {needed} of the "
        f"{eligible} eligible members must vote (abstentions count), or the vote fails without quorum. The motion "
        f"carries with {rules.pass_threshold.describe()} of the votes for and against (abstentions excluded). "
        "You may change your vote until the close."
    )


def notices_for(event: DomainEvent, state_after: CaseState, organisation: Organisation) -> list[Notice]:
    """The messages one recorded event causes. `state_after` is the case with the event applied."""
    step = STEP_EVENTS.parse(event)
    task_id = getattr(step, "task_id", None)
    task = state_after.tasks.get(task_id) if task_id else None
    case = event.stream_id

    def notice(recipient: str, kind: NoticeKind, subject: str, lines: list[str]) -> Notice:
        return _notice(event, state_after, organisation, recipient, kind, subject, task, lines)

    if isinstance(step, step_events.TaskOpened) and task is not None:
        opened = ["A new task is assigned to you."]
        return [notice(task.assignee, "task_opened", f"[{case}] New task: {task.title}", opened)]
    if isinstance(step, step_events.ReminderSent) and task is not None:
        return [
            notice(
                task.assignee,
                "reminder",
                f"[{case}] Reminder: {task.title}",
                [f"Reminder {step.number}: this task is not yet done."],
            )
        ]
    if isinstance(step, step_events.EscalationRaised) and task is not None:
        assignee = organisation.person(task.assignee).name
        return [
            notice(
                step.to,
                "escalation",
                f"[{case}] Overdue: {task.title} ({assignee})",
                [f"This task, assigned to {assignee}, is overdue and is escalated to you (level {step.level})."],
            ),
        ]
    if isinstance(step, step_events.DeadlineExtended) and task is not None:
        return [
            notice(
                task.assignee,
                "deadline_extended",
                f"[{case}] Deadline extended: {task.title}",
                [f"The deadline was extended by {event.actor}: {event.reason}"],
            )
        ]
    if isinstance(step, step_events.TaskReassigned) and task is not None:
        return [
            notice(
                task.assignee,
                "task_reassigned",
                f"[{case}] Task reassigned to you: {task.title}",
                [f"Reassigned from {step.previous} by {event.actor}: {event.reason}"],
            )
        ]
    closed = isinstance(step, step_events.CaseClosed)
    if closed and state_after.requester and organisation.has_person(state_after.requester):
        return [
            notice(
                state_after.requester,
                "decision",
                f"[{case}] Case closed: {event.outcome}",
                [f"Outcome: {event.outcome}", *([f"Reason: {event.reason}"] if event.reason else [])],
            )
        ]
    return []
