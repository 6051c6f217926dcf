"""Who takes part in a case: the people its events name.

Taking part is what lets a person see a case (see `domain.visibility`): its requester and subjects, everyone who
acted on it or on whose behalf someone acted, everyone a step was given to, reassigned from or escalated to,
every named reviewer and substitute. It is read off each event, so a projection keeps it as events are appended
and a case's participants can be rebuilt from its audit trail alone.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from domain.events import SYSTEM_ACTOR

#: Payload keys whose value names a person (or a list of people) in the events of every process.
PERSON_KEYS = frozenset(
    {
        "assignee",
        "to",
        "from",
        "reviewer",
        "reviewers",
        "screener",
        "substitute",
        "absent",
        "granted_by",
        "owner",
        "person",
        "requested_by",
        "submitted_by",
        "grantee_contact",
        "screening_officer",
        "member",
        "officer",
        "recipient",
        "told",
    }
)
_NOT_PEOPLE = frozenset({SYSTEM_ACTOR, "board", ""})


def _named(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, str):
                yield item


def people_named(actor: str, on_behalf_of: str | None, payload: Mapping[str, Any]) -> frozenset[str]:
    """The people one event names: its actor, on whose behalf, and the people in its payload."""
    people = {actor, on_behalf_of or ""}
    for key, value in payload.items():
        if key in PERSON_KEYS:
            people.update(_named(value))
        elif key == "application" and isinstance(value, Mapping):
            for name in ("submitted_by", "screening_officer", "grantee_contact"):
                people.update(_named(value.get(name)))
    return frozenset(person for person in people if isinstance(person, str) and person not in _NOT_PEOPLE)
