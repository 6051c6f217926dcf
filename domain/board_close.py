"""When a Board procedure closes: the close is a recorded instant, counted in the Chair's calendar like any
step, with the no-objection period or the voting period as its length."""

from datetime import datetime

from domain.board_request import BoardProcedure
from domain.organisation import Organisation
from domain.timed_step import ScheduleRequest


def close_request(procedure: str, organisation: Organisation, opened_at: datetime) -> ScheduleRequest:
    kind = BoardProcedure.named(procedure).step_kind
    return ScheduleRequest(assignee=organisation.board.chair, kind=kind, opened_at=opened_at)
