"""Who may take which part of a grant: separation of duties, conflicts of interest and the delegation of
authority, and the rule that no accepted command may leave a later step that nobody is allowed to take."""

from itertools import combinations
from typing import Literal

from domain.acting import require_known_person
from domain.case import Context
from domain.errors import NotAllowed
from domain.grant.state import REVIEWERS_NEEDED, GrantState
from domain.organisation import role_title


# -- helpers ----------------------------------------------------------------------------------------------------
def name_of(context: Context, person: str) -> str:
    return context.organisation.person(person).name


def separation_of_duties(state: GrantState, context: Context, person: str, role_word: str) -> None:
    """Whoever screened or reviewed an application cannot approve it; nobody approves their own request."""
    if person == state.requester:
        raise NotAllowed(
            f"{name_of(context, person)} submitted this application and cannot {role_word} it "
            "(separation of duties: nobody approves their own request).",
            rule="separation-of-duties",
        )
    if person == state.screener:
        raise NotAllowed(
            f"{name_of(context, person)} screened this application and cannot {role_word} it (separation of duties).",
            rule="separation-of-duties",
        )
    if person in state.recused:
        raise NotAllowed(
            f"{name_of(context, person)} declared a conflict of interest on this case and cannot {role_word} it.",
            rule="conflict-of-interest",
        )
    if person in state.reviewers:
        raise NotAllowed(
            f"{name_of(context, person)} was a technical reviewer of this application and cannot {role_word} it "
            "(separation of duties).",
            rule="separation-of-duties",
        )


def check_reviewer(state: GrantState, context: Context, person: str) -> None:
    """Who may review: known Secretariat staff, not already a reviewer, free of a declared conflict, and
    neither the submitter nor the screener (separation of duties)."""
    organisation = context.organisation
    require_known_person(organisation, person)
    if not organisation.person(person).staff:
        raise NotAllowed(
            f"{name_of(context, person)} is not Secretariat staff and cannot review applications.",
            rule="independent-review",
        )
    if person in state.reviewers:
        raise NotAllowed(
            f"{name_of(context, person)} is already a reviewer of this application.", rule="independent-review"
        )
    if person in state.recused:
        raise NotAllowed(
            f"{name_of(context, person)} declared a conflict of interest on this case and cannot review it.",
            rule="conflict-of-interest",
        )
    if person in (state.requester, state.screener):
        raise NotAllowed(
            f"{name_of(context, person)} submitted or screened this application and cannot review it "
            "(separation of duties).",
            rule="separation-of-duties",
        )


def authority_sentence(state: GrantState, context: Context) -> str:
    holders = " or the ".join(role_title(role) for role in state.authorised_roles)
    return f"Only the {holders} may approve grants {state.band} (delegation of authority)."


def holds_authority(state: GrantState, context: Context, person: str) -> bool:
    return any(context.organisation.has_role(person, role) for role in state.authorised_roles)


#: Who names the technical reviewers: the Head of Programmes, or the Director if the Head is conflicted.
REVIEWER_NAMERS = ("head_of_programmes", "director")


#: Who endorses a grant above the Director's authority for the Board.
ENDORSERS = ("director",)


def _deciding_roles(state: GrantState) -> tuple[str, ...]:
    """The roles of whoever decides after the reviews: the Director's endorsement, or the matrix's approvers."""
    return ENDORSERS if state.needs_board else state.authorised_roles


def _deciding_authority(state: GrantState) -> str:
    if state.needs_board:
        return f"only the Director may endorse grants {state.band} for the Board"
    holders = " or the ".join(role_title(role) for role in state.authorised_roles)
    return f"only the {holders} may approve grants {state.band}"


def _free_holders(context: Context, roles: tuple[str, ...], excluded: set[str]) -> list[str]:
    """Holders of `roles`, in role order then file order, who are not excluded."""
    free: list[str] = []
    for role in roles:
        for person in context.organisation.people_with_role(role):
            if person.id not in excluded and person.id not in free:
                free.append(person.id)
    return free


def pick(context: Context, roles: tuple[str, ...], excluded: set[str]) -> str:
    """The first free holder. Every command that could leave none is refused up front
    (`refuse_unworkable`), so reaching the refusal here means the organisation changed under the case."""
    free = _free_holders(context, roles, excluded)
    if free:
        return free[0]
    titles = " or the ".join(role_title(role) for role in roles)
    raise NotAllowed(
        f"Nobody who holds the role of the {titles} is free of this grant (separation of duties); the Director "
        "may reassign the open step to someone who is.",
        rule="separation-of-duties",
    )


def names_of(context: Context, people: list[str]) -> str:
    names = [name_of(context, person) for person in people]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _workability(
    state: GrantState,
    context: Context,
    *,
    screener: str | None,
    reviewers: tuple[str, ...],
    undeclared: tuple[str, ...],
) -> Literal["decide", "name"] | None:
    """What a later step would lack with these people in these places, or None. Whoever submitted, screened,
    reviewed or declared a conflict cannot approve (or endorse), so a holder of that authority must stay outside
    them all ('decide'); and someone who may name a replacement reviewer must stay outside the reviewers who have
    still to declare, in case every one of them declares a conflict ('name')."""
    involved = {p for p in (state.requester, screener, *reviewers, *state.recused) if p}
    if not _free_holders(context, _deciding_roles(state), involved):
        return "decide"
    if not _free_holders(context, REVIEWER_NAMERS, {p for p in (state.requester, *undeclared, *state.recused) if p}):
        return "name"
    return None


def panel_can_be_completed(
    state: GrantState,
    context: Context,
    *,
    screener: str | None,
    reviewers: tuple[str, ...],
    undeclared: tuple[str, ...],
) -> bool:
    """Whether staff are left to complete the panel of two reviewers without breaking `_workability`."""
    excluded = {p for p in (state.requester, screener, *reviewers, *state.recused) if p}
    candidates = [person.id for person in context.organisation.staff() if person.id not in excluded]
    needed = max(REVIEWERS_NEEDED - len(reviewers), 0)
    return any(
        _workability(state, context, screener=screener, reviewers=(*reviewers, *more), undeclared=(*undeclared, *more))
        is None
        for more in combinations(candidates, needed)
    )


def refuse_unworkable(
    state: GrantState,
    context: Context,
    *,
    screener: str | None,
    reviewers: tuple[str, ...],
    undeclared: tuple[str, ...],
    what: str,
    instead: str,
) -> None:
    """No accepted command may leave a later step that nobody is allowed to take: refused up front instead.
    `reviewers` and `undeclared` are as they would be after the change; `what` is the change refused ('Naming X
    as a reviewer'), `instead` what to do."""
    problem = _workability(state, context, screener=screener, reviewers=reviewers, undeclared=undeclared)
    if problem == "decide":
        raise NotAllowed(
            f"{what} would leave nobody to decide this grant: {_deciding_authority(state)}, and whoever submitted, "
            f"screened or reviewed an application cannot decide it (separation of duties); {instead}.",
            rule="separation-of-duties",
        )
    if problem == "name":
        raise NotAllowed(
            f"{what} would leave nobody free to name a replacement should a reviewer declare a conflict of interest "
            "(the Head of Programmes names reviewers, or the Director if the Head is conflicted); keep one of them "
            "out of the review.",
            rule="conflict-of-interest",
        )
    if not panel_can_be_completed(state, context, screener=screener, reviewers=reviewers, undeclared=undeclared):
        raise NotAllowed(
            f"{what} would leave too few staff to review this application: two technical reviewers are needed from "
            "the Secretariat staff who did not submit or screen it, leaving someone free to decide it (two "
            f"independent technical reviews); {instead}.",
            rule="independent-review",
        )
