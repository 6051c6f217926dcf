"""A notice that can never be delivered: it goes on the case's record, and someone else is told.

A reminder that nobody receives is a deadline nobody knows about. When a notice fails for good (a permanent
5xx rejection, an address no mail system takes, or GOVERN_NOTICE_GIVE_UP_HOURS of failed attempts) the case
records `NoticeUndeliverable`, and the message goes by another route: to the recipient's supervisor, else the
case's officer (the requester), else the Director. If that message fails too, it is recorded, and nobody else is
tried: the worker's log, which the operator watches, says so at error level.
"""

from domain.case import CaseState
from domain.commands import EventDraft
from domain.events import SYSTEM_ACTOR
from domain.notice import Notice, message_id_for
from domain.organisation import Organisation

NOTICE_UNDELIVERABLE = "NoticeUndeliverable"


def other_route(notice: Notice, state: CaseState, organisation: Organisation) -> str | None:
    """Who is told instead of the recipient: their supervisor, else the case's officer, else the Director."""
    if notice.fallback_for is not None:
        return None
    recipient = notice.recipient_id
    candidates = [organisation.supervisor_of(recipient) if organisation.has_person(recipient) else None]
    candidates.append(state.requester)
    candidates.append(organisation.director().id)
    for person in candidates:
        if person and person != recipient and organisation.has_person(person):
            return person
    return None


def undeliverable(
    notice: Notice, reason: str, state: CaseState, organisation: Organisation
) -> tuple[EventDraft, Notice | None]:
    """The event to record, and the message to the person told instead (None when there is nobody)."""
    told = other_route(notice, state, organisation)
    draft = EventDraft(
        type=NOTICE_UNDELIVERABLE,
        actor=SYSTEM_ACTOR,
        reason=reason,
        outcome="undeliverable",
        payload={
            "message_id": notice.message_id,
            "recipient": notice.recipient_id,
            "kind": notice.kind,
            "task_id": notice.task_id,
            "told": told,
        },
    )
    if told is None:
        return draft, None
    person = organisation.person(told)
    fallback = Notice(
        message_id=message_id_for(notice.message_id, told),
        case_id=notice.case_id,
        task_id=notice.task_id,
        kind="information",
        recipient_id=told,
        recipient_name=person.name,
        recipient_email=person.email,
        recipient_time_zone=person.time_zone,
        subject=f"[{notice.case_id}] Could not reach {notice.recipient_name}: {notice.subject}"[:900],
        due_at=notice.due_at,
        task_title=notice.task_title,
        link_path=notice.link_path,
        body_lines=[
            f"govern could not deliver a message to {notice.recipient_name} ({notice.recipient_email}): {reason}",
            "Please make sure they know, and correct their address in the organisation file if it is wrong.",
            "",
            "The message said:",
            *(f"    {line}" for line in (notice.body_lines or [notice.subject])),
        ],
        issued_at=notice.issued_at,
        fallback_for=notice.message_id,
    )
    return draft, fallback
