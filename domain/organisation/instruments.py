"""Governance instruments (issue 4): policies whose regular review the Director must ensure."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator

from domain.calendar_months import add_months
from domain.organisation.fields import InstrumentId, Text, _Frozen, _role, _version
from domain.organisation.roles import ALL_STAFF, BoardProcedure


def _scope_entry(value: Any) -> Any:
    if value == ALL_STAFF:
        return ALL_STAFF
    return _role(value).value


ScopeEntry = Annotated[str, BeforeValidator(_scope_entry)]


class Instrument(_Frozen):
    """A policy or governance instrument whose regular review the Director must ensure.

    `attestation_scope` lists roles, or `all_staff`; people in scope acknowledge each new version within
    `attestation_working_days`. The owner is warned `warning_working_days` before a review falls due.
    """

    id: InstrumentId
    title: Text
    owner: str
    review_interval_months: int = Field(ge=1)
    warning_working_days: int = Field(default=20, ge=0)
    attestation_scope: tuple[ScopeEntry, ...] = (ALL_STAFF,)
    attestation_working_days: int = Field(default=10, ge=1)
    approving_body: Literal["director", "board"]
    board_procedure: BoardProcedure = "board_vote"
    current_version: Annotated[Text, BeforeValidator(_version)]
    last_published_on: date

    @field_validator("attestation_scope", mode="before")
    @classmethod
    def _single_entry(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def next_review_on(self, published_on: date | None = None) -> date:
        """The review falls due one full interval after publication, even when approved inside the warning."""
        return add_months(published_on or self.last_published_on, self.review_interval_months)
