"""Refused attempts on the record.

Auditors look for attempted breaches (an approval above someone's delegated authority, a response by someone
recused), and NIST 800-53 AU-2/AU-12 and ISO 27001 A.8.15 count unsuccessful attempts among the events to log.
A refused command changes nothing in its case, so it is not written to the case's stream (whose versions and
Temporal history stay exactly as they were) but to a stream of its own per month, `refusals/2027-03`: who tried
which action on which case, under which rule, the sentence they were shown, how they were identified, when.

The names of the fields are kept, never their values: a refused appraisal comment is still confidential.
One person's flood of refusals cannot fill the disk: after `MONTHLY_LIMIT` in a month, one `RefusalsBounded`
says so, and further refusals by that person that month are not written.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from domain.commands import Command, EventDraft

STREAM_PREFIX = "refusals/"
COMMAND_REFUSED = "CommandRefused"
REFUSALS_BOUNDED = "RefusalsBounded"
MONTHLY_LIMIT = 500


def refusal_stream(now: datetime) -> str:
    """`refusals/2027-03`: the month's stream, in UTC."""
    return f"{STREAM_PREFIX}{now.astimezone(UTC):%Y-%m}"


def is_refusal_stream(stream_id: str) -> bool:
    return stream_id.startswith(STREAM_PREFIX)


def refusal_draft(case_id: str, command: Command, rule: str | None, sentence: str) -> EventDraft:
    return EventDraft(
        type=COMMAND_REFUSED,
        actor=command.actor or "unknown",
        reason=sentence,
        outcome="refused",
        payload={
            "case": case_id,
            "action": command.action,
            "rule": rule or "unnamed",
            "fields": sorted(command.fields),
            "comment_given": bool(command.comment and command.comment.strip()),
            **({"channel": command.channel.recorded()} if command.channel else {}),
        },
    )


def bounded_draft(actor: str, limit: int) -> EventDraft:
    return EventDraft(
        type=REFUSALS_BOUNDED,
        actor=actor,
        reason=f"{limit} refused attempts by {actor} are on the record this month; further ones this month are "
        "not written (refusal flood bound)",
        outcome="bounded",
        payload={"limit": limit},
    )


def drafts_for(
    case_id: str,
    command: Command,
    rule: str | None,
    sentence: str,
    earlier_this_month: Iterable[str],
    limit: int | None = None,
) -> list[EventDraft]:
    """What to write for one refusal, given the types already written for this actor this month."""
    limit = MONTHLY_LIMIT if limit is None else limit
    earlier = list(earlier_this_month)
    if REFUSALS_BOUNDED in earlier:
        return []
    if earlier.count(COMMAND_REFUSED) >= limit:
        return [bounded_draft(command.actor or "unknown", limit)]
    return [refusal_draft(case_id, command, rule, sentence)]
