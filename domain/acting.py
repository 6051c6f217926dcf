"""Who may act on a step: the assignee, or their out-of-office substitute, recorded as acting on their behalf.

A substitute can never act on a case in which they are themselves the subject or the requester, nor on a case
whose subject is their own supervisor: an out-of-office arrangement must not become a way to approve one's own
request, sign one's own appraisal, or sit in judgement on one's own supervisor's.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from domain.errors import NotAllowed
from domain.organisation import Organisation
from domain.suggestions import did_you_mean


class Delegation(BaseModel):
    model_config = ConfigDict(frozen=True)

    absent: str
    substitute: str
    starts_on: date
    ends_on: date
    granted_by: str


def require_known_person(organisation: Organisation, person_id: str) -> None:
    """Every person a command names must be in the organisation file; a near miss is named."""
    if not organisation.has_person(person_id):
        suggestion = did_you_mean(person_id, (person.id for person in organisation.people))
        raise NotAllowed(
            f"Unknown person '{person_id}': not in the organisation file{'; ' + suggestion if suggestion else '.'}",
            rule="organisation",
        )


def require_desk_owner(organisation: Organisation, person_id: str, holds_steps: bool) -> None:
    """Whose desk may be read: anyone who holds steps, even someone the file no longer lists (they left, and
    their desk shows what must be taken over); a name that holds nothing must be in the file."""
    if not holds_steps:
        require_known_person(organisation, person_id)


def substitute_refusal(
    organisation: Organisation, subjects: tuple[str, ...], requester: str | None, person: str
) -> str | None:
    """Why `person` may not stand in for anyone on a case with these subjects and requester (a clause the caller
    finishes with what is refused), or None."""
    name = organisation.person(person).name
    if person in subjects or person == requester:
        return f"{name} is the subject or requester of this case"
    supervisor = organisation.supervisor_of(person)
    if supervisor is not None and supervisor in subjects:
        return f"{name} reports to {organisation.person(supervisor).name}, the subject of this case,"
    return None


def local_date(organisation: Organisation, person_id: str, instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(organisation.person(person_id).time_zone)).date()


def acting_for(
    *,
    organisation: Organisation,
    delegations: tuple[Delegation, ...],
    subjects: tuple[str, ...],
    requester: str | None,
    actor: str,
    responsible: str,
    now: datetime,
    what: str,
) -> str | None:
    """`None` when the actor is the responsible person; the absent person's id when acting as substitute.

    Raises NotAllowed with the rule's sentence otherwise."""
    if actor == responsible:
        return None
    today = local_date(organisation, responsible, now)
    for delegation in delegations:
        if (
            delegation.absent == responsible
            and delegation.substitute == actor
            and delegation.starts_on <= today <= delegation.ends_on
        ):
            refusal = substitute_refusal(organisation, subjects, requester, actor)
            if refusal is not None:
                raise NotAllowed(
                    f"{refusal} and cannot act on it, even as {organisation.person(responsible).name}'s substitute "
                    "(delegation rule).",
                    rule="delegation",
                )
            return responsible
    raise NotAllowed(
        f"Only {organisation.person(responsible).name} ({responsible}), or their substitute while they are "
        f"away, may {what}.",
        rule="assignment",
    )


def active_substitutions(
    organisation: Organisation, delegations: tuple[Delegation, ...], substitute: str, now: datetime
) -> frozenset[str]:
    """The people `substitute` stands in for on a case right now (each delegation counted in the absent
    person's own calendar day)."""
    return frozenset(
        delegation.absent
        for delegation in delegations
        if delegation.substitute == substitute
        and organisation.has_person(delegation.absent)
        and delegation.starts_on <= local_date(organisation, delegation.absent, now) <= delegation.ends_on
    )
