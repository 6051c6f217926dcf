"""What a case's page shows, gathered from the audit trail for one viewer: stage, summary, open steps,
documents and timeline, each only as far as `domain.visibility` allows."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from domain.board_decision import BoardDecisionState
from domain.case import CaseState
from domain.case_kinds import decider_for
from domain.notice import format_local
from domain.timed_step import Task
from web.board_view import BoardView, board_view, response_details
from web.context import WebContext
from web.documents import DocumentRef, documents_of
from web.summary import summary_lines
from web.timeline import TimelineRow, timeline_rows
from web.visible import may_see, reads_content, visible_case


class OpenStep(BaseModel):
    model_config = ConfigDict(frozen=True)

    task: Task
    yours: bool


class CasePage(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    case_id: str
    title: str
    state: CaseState
    summary: list[tuple[str, str]]
    steps: list[OpenStep]
    documents: list[DocumentRef]
    timeline: list[TimelineRow]
    parent_case: str | None
    related: list[str]
    board: BoardView | None


def case_page_data(web: WebContext, person_id: str, case_id: str) -> CasePage:
    state, people = visible_case(web, person_id, case_id)
    zone = web.organisation.person(person_id).time_zone
    summary = decider_for(case_id).stage_summary(state)
    events = web.store.read_stream(case_id)
    parent = summary.get("parent_case") if isinstance(summary.get("parent_case"), str) else None
    documents = documents_of(events, web.documents_dir)
    if parent is not None:
        # A Board matter's papers are those of the case it decides (domain.visibility lets its members see them).
        papers = documents_of(web.store.read_stream(parent), web.documents_dir)
        documents += [ref for ref in papers if ref not in documents]
    related = [child for child in summary.get("board_cases", []) or [] if isinstance(child, str)]
    title = summary.get("title") or summary.get("matter") or case_id
    board = state if isinstance(state, BoardDecisionState) and state.rules is not None else None

    def local(instant: datetime) -> str:
        return format_local(instant, zone)

    return CasePage(
        case_id=case_id,
        title=str(title),
        state=state,
        summary=summary_lines(summary, web.organisation, local),
        steps=[OpenStep(task=task, yours=task.assignee == person_id) for task in state.tasks.values()],
        documents=documents,
        timeline=timeline_rows(
            events,
            web.organisation,
            show_content=reads_content(web, person_id, state, people),
            sealer=web.sealer,
            detail_visible=response_details(board, person_id, web.organisation) if board is not None else None,
        ),
        parent_case=parent,
        related=[child for child in related if may_see(web, person_id, child)],
        board=board_view(board, person_id, web.organisation) if board is not None else None,
    )
