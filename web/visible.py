"""The web's gate onto a case: it exists and `domain.visibility` lets this person see it, or the page is a 404.

The same answer (404) for "no such case" and "not yours to see", so a page never reveals that a case exists.
"""

from domain.case import CaseState
from domain.case_kinds import decider_for
from domain.errors import UnknownCase
from domain.visibility import asks_the_board, is_board_person, may_read_content, may_view_case
from store.projections import case_state, participants
from web.context import WebContext
from web.guards import NotVisible


def visible_case(web: WebContext, person_id: str, case_id: str) -> tuple[CaseState, frozenset[str]]:
    """The case's state and participants; NotVisible when it is unknown or not this person's to see."""
    try:
        decider_for(case_id)
    except UnknownCase:
        raise NotVisible() from None
    state = case_state(web.store, case_id)
    if state is None:
        raise NotVisible()
    people = participants(web.store, case_id)
    if not may_view_case(web.organisation, person_id, case_id, people, board_matter=asks_the_board(state)):
        raise NotVisible()
    return state, people


def may_see(web: WebContext, person_id: str, case_id: str) -> bool:
    """For lists: the participants alone settle most cases; the case's state is read only when being a Board
    matter could make the difference."""
    people = participants(web.store, case_id)
    if may_view_case(web.organisation, person_id, case_id, people):
        return True
    if not is_board_person(web.organisation, person_id):
        return False
    try:
        visible_case(web, person_id, case_id)
    except NotVisible:
        return False
    return True


def reads_content(web: WebContext, person_id: str, state: CaseState, people: frozenset[str]) -> bool:
    return may_read_content(web.organisation, person_id, state.case_id, people, board_matter=asks_the_board(state))
