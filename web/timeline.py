"""A case's audit events as a person reads them: what happened, when on their own clock, who did it, on whose
behalf, why, with which outcome, and how the person was identified (the channel)."""

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.organisation import Organisation
from domain.visibility import redacted_payload
from runtime.sealing import SEALED_KEY, ContentKeyError, ContentSealer
from store.models import StoredEvent

#: Whether a viewer may see how an event went (a Board response while the procedure is open may be hidden).
DetailVisible = Callable[[StoredEvent], bool]

_WORDS = re.compile(r"(?<!^)(?=[A-Z])")
#: Payload keys the timeline shows elsewhere, or that are bookkeeping rather than content.
_NOT_DETAILS = frozenset({"channel", SEALED_KEY})


class TimelineRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int
    case_id: str
    occurred_at: datetime
    what: str
    type: str
    actor: str
    actor_name: str
    actor_role: str | None
    on_behalf_of: str | None
    on_behalf_of_name: str | None
    reason: str | None
    outcome: str | None
    channel: str
    details: list[tuple[str, str]]
    content: str | None


def readable_type(event_type: str) -> str:
    """'EligibilityScreened' -> 'Eligibility screened'."""
    words = _WORDS.sub(" ", event_type).split(" ")
    return " ".join([words[0], *(word.lower() for word in words[1:])]) if words else event_type


def describe_channel(channel: Any) -> str:
    """'web (email-link, session 3f2a…)', 'cli (alice@host)', 'timer'; events before channels: 'not recorded'."""
    if not isinstance(channel, dict) or "name" not in channel:
        return "not recorded"
    name = str(channel["name"])
    if name == "web":
        parts = [str(channel[key]) for key in ("sign_in",) if channel.get(key)]
        if channel.get("session"):
            parts.append(f"session {channel['session']}")
        return f"web ({', '.join(parts)})" if parts else "web"
    if name == "cli" and channel.get("os_user"):
        return f"cli ({channel['os_user']}@{channel.get('host', '?')})"
    return name


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def timeline_rows(
    events: list[StoredEvent],
    organisation: Organisation,
    *,
    show_content: bool,
    sealer: ContentSealer | None,
    detail_visible: DetailVisible | None = None,
) -> list[TimelineRow]:
    """`show_content`: the viewer may read the case's confidential content (domain.visibility); it is shown only
    when the server also holds the key. `detail_visible`: False for an event whose outcome, reason and payload
    this viewer may not see (it is shown that it happened, by whom and when)."""

    def name(person_id: str | None) -> str | None:
        if person_id is None:
            return None
        return organisation.person(person_id).name if organisation.has_person(person_id) else person_id

    rows = []
    for event in events:
        payload = event.payload
        shown = detail_visible is None or detail_visible(event)
        if not shown:
            payload = {**redacted_payload(payload), "channel": payload.get("channel")}
        content: str | None = None
        if SEALED_KEY in payload:
            content = "Confidential content, encrypted."
            if show_content and sealer is not None:
                try:
                    content = _value(sealer.unseal(event))
                except ContentKeyError:
                    content = "Confidential content; this server's keys do not open it."
        rows.append(
            TimelineRow(
                seq=event.seq,
                case_id=event.stream_id,
                occurred_at=event.occurred_at,
                what=readable_type(event.type),
                type=event.type,
                actor=event.actor,
                actor_name=name(event.actor) or event.actor,
                actor_role=event.actor_role,
                on_behalf_of=event.on_behalf_of,
                on_behalf_of_name=name(event.on_behalf_of),
                reason=event.reason if shown else None,
                outcome=event.outcome if shown else "not shown until the close",
                channel=describe_channel(payload.get("channel")),
                details=[(key, _value(value)) for key, value in payload.items() if key not in _NOT_DETAILS],
                content=content,
            )
        )
    return rows
