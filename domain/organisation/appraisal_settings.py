"""Appraisal settings (issue 5): the rating scale and the rebuttal rules."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from domain.organisation.fields import _KIND, Text, _Frozen
from domain.organisation.problems import OrganisationLookupError


class RatingLevel(_Frozen):
    code: Annotated[str, Field(pattern=_KIND.pattern)]
    label: Text


class AppraisalSettings(_Frozen):
    """The rating scale, listed from the highest rating to the lowest, and the rebuttal rules.

    A rating below `fully_meets` opens a rebuttal window of `rebuttal_working_days`; a rebuttal goes to
    `rebuttal_reviewer` (a person id or a role).
    """

    rating_scale: tuple[RatingLevel, ...] = Field(min_length=2)
    fully_meets: str
    rebuttal_working_days: int = Field(ge=1)
    rebuttal_reviewer: str | None = None

    def level(self, code: str) -> RatingLevel:
        for level in self.rating_scale:
            if level.code == code:
                return level
        codes = ", ".join(level.code for level in self.rating_scale)
        raise OrganisationLookupError(f"Unknown rating {code!r}; the scale is: {codes}.")

    def rank(self, code: str) -> int:
        """0 for the highest rating; larger is lower."""
        return self.rating_scale.index(self.level(code))

    def is_below_fully_meets(self, code: str) -> bool:
        return self.rank(code) > self.rank(self.fully_meets)
