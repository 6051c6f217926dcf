"""The Management Board: its members, its quorum and when a motion carries."""

from __future__ import annotations

from fractions import Fraction
from math import ceil
from typing import Any

from pydantic import Field, field_validator, model_validator

from domain.organisation.fields import Ratio, _Frozen


class PassThreshold(_Frozen):
    """When a motion carries, counting only votes for and against (abstentions count for quorum only).

    Exactly one of `more_than` (e.g. 1/2: a simple majority) or `at_least` (e.g. 2/3). The file may also say
    `simple_majority`, `two_thirds` or `unanimous`.
    """

    more_than: Ratio | None = None
    at_least: Ratio | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        shorthands = {
            "simple_majority": {"more_than": "1/2"},
            "two_thirds": {"at_least": "2/3"},
            "unanimous": {"at_least": "1"},
        }
        if isinstance(value, str):
            if value not in shorthands:
                raise ValueError(
                    f"unknown threshold {value!r}; write simple_majority, two_thirds, unanimous, "
                    "{more_than: 1/2} or {at_least: 2/3}"
                )
            return shorthands[value]
        return value

    @model_validator(mode="after")
    def _one_rule_in_range(self) -> PassThreshold:
        if (self.more_than is None) == (self.at_least is None):
            raise ValueError("give exactly one of more_than or at_least")
        if self.more_than is not None and not Fraction(1, 2) <= self.more_than < 1:
            raise ValueError(f"more_than {self.more_than} is out of range: it must be at least 1/2 and below 1")
        if self.at_least is not None and not Fraction(1, 2) < self.at_least <= 1:
            raise ValueError(f"at_least {self.at_least} is out of range: it must be above 1/2 and at most 1")
        return self

    def is_met(self, approvals: int, rejections: int) -> bool:
        cast = approvals + rejections
        if cast == 0:
            return False
        share = Fraction(approvals, cast)
        if self.more_than is not None:
            return share > self.more_than
        assert self.at_least is not None
        return share >= self.at_least

    def describe(self) -> str:
        if self.more_than is not None:
            return f"more than {self.more_than} of the votes cast for or against"
        return f"at least {self.at_least} of the votes cast for or against"


class Board(_Frozen):
    """The Management Board and its voting rules.

    Quorum: a vote is quorate when the members who responded (approve, reject or abstain) are at least
    `quorum` x the voting members eligible to vote; recused members are not eligible. With nine members and
    quorum 1/2, five responses are needed. The motion carries when approvals meet `pass_threshold` over the
    votes cast for or against. `no_objection_working_days` is the default circulation period of a written
    no-objection procedure.
    """

    voting_members: tuple[str, ...] = Field(min_length=1)
    chair: str
    observers: tuple[str, ...] = ()
    quorum: Ratio
    pass_threshold: PassThreshold
    no_objection_working_days: int = Field(default=10, ge=1)
    meeting_referral: str | None = Field(
        default=None, description="What an objection refers the matter to, e.g. 'the next Board meeting'."
    )

    @field_validator("quorum")
    @classmethod
    def _quorum_in_range(cls, value: Fraction) -> Fraction:
        if not 0 < value <= 1:
            raise ValueError(f"quorum {value} is out of range: it is a fraction of voting members, above 0, at most 1")
        return value

    def quorum_needed(self, eligible: int) -> int:
        """Responses needed for quorum when `eligible` members may vote (never fewer than one)."""
        return max(1, ceil(self.quorum * eligible))

    def quorum_met(self, responses: int, eligible: int) -> bool:
        return eligible > 0 and responses >= self.quorum_needed(eligible)

    def motion_carries(self, approvals: int, rejections: int) -> bool:
        return self.pass_threshold.is_met(approvals, rejections)
