"""What a grant knows of itself: its application, who took which part, and how far it has come."""

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain import timed_step
from domain.board_referral import BoardReferringState
from domain.case import Context
from domain.commands import EventDraft
from domain.grant.application import GrantApplication

KIND = "grant"
REVIEWERS_NEEDED = 2


class Review(BaseModel):
    model_config = ConfigDict(frozen=True)

    score: int
    recommendation: str


class GrantState(BoardReferringState):
    kind: str = KIND
    application: GrantApplication | None = None
    amount_usd: Decimal | None = None
    screener: str | None = None
    reviewers: tuple[str, ...] = ()
    recused: tuple[str, ...] = ()
    reviews: dict[str, Review] = Field(default_factory=dict)
    approver_role: str | None = None
    authorised_roles: tuple[str, ...] = ()
    needs_board: bool = False
    band: str | None = None
    endorsed_by: str | None = None
    approved_by: str | None = None
    tranches_released: int = 0
    reports_approved: int = 0

    @property
    def officer(self) -> str | None:
        return self.requester

    def awaiting_elsewhere(self) -> str | None:
        if self.stage == "board_no_objection" and self.board_cases:
            return f"the Management Board's no-objection procedure {self.board_cases[-1]}"
        return None


def open_step_now(context: Context, **kwargs: Any) -> EventDraft:
    """A step of the grant, opened at the decision's instant."""
    return timed_step.open_task(opened_at=context.now, **kwargs)
