"""Who may see a case, its content, and how each Board member responded: rules, so they live in the domain.

- A person sees the cases they take part in (`domain.participation`: the people a case's events name).
- Board members, voting and observers, see Board matters: every Board procedure (`<parent>/board/<n>`) and the
  case that asked for it, whose summary and papers are what the Board decides on.
- The internal auditor sees every case and its timeline: independent oversight needs the whole trail, and the
  trail already holds, in clear, who did what when for every case.
- An appraisal is seen only by its subject, their first and second reporting officers, HR, the people who held
  one of its steps (an officer's substitute, the independent reviewer of a rebuttal) and the auditor, who sees
  its timeline (who, when, which step) but never its content: a performance record is a personnel matter, and
  the clear part of its trail is enough to show that the process was followed.
- Anyone else does not see the case at all. The web answers 404, never 403, so a page does not even reveal
  that the case exists.

Board responses during a procedure (`board_responses_visible`, `response_detail_visible`): while it is open, a
member sees who has responded and who is recused, but not how anyone responded except themselves. An open
count would let the first responses sway the later ones and let a member time a recusal to move the quorum
base, which the Board decider forbids for the same reason (a conflict is declared before responding). Once
the procedure has closed, every response and the tally are shown, as `BoardDecisionClosed` records them for
the minutes. The auditor, who does not vote, sees the responses as they come.
"""

from collections.abc import Mapping
from typing import Any

from domain.appraisal import is_appraisal_case
from domain.board_decision import (
    ASSENT_RECORDED,
    NOT_RESPONDED,
    OBJECTION_LODGED,
    RECUSED,
    VOTE_CAST,
    BoardDecisionState,
)
from domain.case import CaseState
from domain.organisation import Organisation, OrganisationLookupError
from domain.timed_step import TASK_COMPLETED

AUDITOR_ROLE = "internal_auditor"
HR_ROLE = "hr_officer"
#: What a viewer reads for a member who has responded while the procedure is open.
RESPONDED = "responded"
#: Events that carry how a member responded: hidden from others until the procedure closes. Every step of a Board
#: decision is a member's response task, and the response is its completion's outcome, so that completion
#: carries the response too.
RESPONSE_EVENTS = frozenset({VOTE_CAST, OBJECTION_LODGED, ASSENT_RECORDED, TASK_COMPLETED})


def is_auditor(organisation: Organisation, person_id: str) -> bool:
    """The internal auditor's role."""
    return organisation.has_person(person_id) and organisation.has_role(person_id, AUDITOR_ROLE)


def is_board_case(case_id: str) -> bool:
    """`grant/2027-014/board/1`: a Board procedure some case asked for."""
    parts = case_id.split("/")
    return len(parts) >= 4 and parts[-2] == "board" and parts[-1].isdigit()


def asks_the_board(state: CaseState) -> bool:
    """Whether the case has asked the Board for a decision (its summary and papers are then a Board matter)."""
    return bool(getattr(state, "board_cases", ()))


def is_board_person(organisation: Organisation, person_id: str) -> bool:
    board = organisation.board
    return person_id in board.voting_members or person_id in board.observers


def may_view_case(
    organisation: Organisation,
    person_id: str,
    case_id: str,
    participants: frozenset[str],
    *,
    board_matter: bool = False,
) -> bool:
    """Whether the person may see the case at all (its stage, steps and timeline). `board_matter`: the case has
    asked the Board for a decision (`asks_the_board(state)`), which lets Board members see it too."""
    if not organisation.has_person(person_id):
        return False
    if is_auditor(organisation, person_id):
        return True
    if is_appraisal_case(case_id):
        return person_id in appraisal_circle(organisation, case_id, participants)
    if person_id in participants:
        return True
    return (is_board_case(case_id) or board_matter) and is_board_person(organisation, person_id)


def may_read_content(
    organisation: Organisation,
    person_id: str,
    case_id: str,
    participants: frozenset[str],
    *,
    board_matter: bool = False,
) -> bool:
    """Whether the person may read what the case says (summary, documents, comments), beyond who did what when.
    The same as seeing the case, except that an appraisal's content is for its own circle only, never the
    auditor's as such. Showing it also needs the server to hold the key that opens it."""
    if is_appraisal_case(case_id):
        return organisation.has_person(person_id) and person_id in appraisal_circle(organisation, case_id, participants)
    return may_view_case(organisation, person_id, case_id, participants, board_matter=board_matter)


def appraisal_circle(organisation: Organisation, case_id: str, participants: frozenset[str]) -> frozenset[str]:
    """Who may see one appraisal: the subject, their reporting officers as the organisation file names them
    (before they hold a step) and as the case named them (a reassignment), the people who held its steps,
    and HR."""
    subject = case_id.split("/")[2]
    circle = {subject, *participants}
    if organisation.has_person(subject):
        supervisor = organisation.supervisor_of(subject)
        if supervisor:
            circle.add(supervisor)
        try:
            circle.add(organisation.second_reporting_officer_of(subject))
        except OrganisationLookupError:
            pass
    circle.update(person.id for person in organisation.people_with_role(HR_ROLE))
    return frozenset(circle)


def board_responses_visible(state: CaseState, person_id: str, organisation: Organisation) -> dict[str, str]:
    """Each voting member of a Board procedure -> what this viewer may know of their response.

    Open: `recused`, `responded` or `not_responded`, except the viewer's own response and, for the auditor,
    every response. Closed: every response as the close recorded it (`approve`, `reject`, `abstain`,
    `objected`, `no_objection`, `recused`, `not_responded`). Empty for anything but a Board procedure."""
    if not isinstance(state, BoardDecisionState) or state.rules is None:
        return {}
    shown_as_given = state.decided or state.closed or is_auditor(organisation, person_id)
    visible: dict[str, str] = {}
    for member in state.voting_members:
        if member in state.recused:
            visible[member] = RECUSED
        elif member not in state.responses:
            visible[member] = NOT_RESPONDED
        elif shown_as_given or member == person_id:
            visible[member] = state.responses[member]
        else:
            visible[member] = RESPONDED
    return visible


def response_detail_visible(
    state: CaseState, event_type: str, actor: str, viewer: str, organisation: Organisation
) -> bool:
    """Whether a timeline may show a Board response event's outcome, reason and payload to this viewer: always
    once the procedure has closed, and to the member who responded and the auditor while it is open. (That a
    member responded, and when, is shown either way.)"""
    if not isinstance(state, BoardDecisionState) or event_type not in RESPONSE_EVENTS:
        return True
    return state.decided or state.closed or actor == viewer or is_auditor(organisation, viewer)


def redacted_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A hidden response's payload as a timeline may show it: who responded, and nothing of how."""
    return {key: value for key, value in payload.items() if key == "member"}
