"""The dates of one annual appraisal cycle, fixed when the cycle is launched and recorded with it.

A cycle is a calendar year: objectives are agreed early in it, the mid-year review is signed in its middle,
and the end-of-year self-assessment, the supervisor's rating and the second-level review follow after it
ends. Steps that cannot sensibly be done early (the mid-year review, the self-assessment) open on a date;
the others may be done any time before they are due.
"""

from datetime import date

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from domain.errors import NotAllowed

#: The phases in the order a case goes through them, with the words `govern appraisal progress` prints.
PHASES: tuple[tuple[str, str], ...] = (
    ("objectives", "Objective setting"),
    ("mid_year", "Mid-year review"),
    ("self_assessment", "Self-assessment"),
    ("assessment", "Supervisor rating"),
    ("second_review", "Second-level review"),
    ("acknowledgement", "Acknowledgement"),
    ("rebuttal", "Rebuttal"),
)


class PhaseDates(BaseModel):
    """Due days (and opening days) of a cycle's phases, each due at the step plan's local hour."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    objectives_due: date
    mid_year_opens: date
    mid_year_due: date
    self_assessment_opens: date
    self_assessment_due: date
    assessment_due: date
    second_review_due: date

    @model_validator(mode="after")
    def _in_order(self) -> "PhaseDates":
        order = [
            ("objectives_due", self.objectives_due),
            ("mid_year_opens", self.mid_year_opens),
            ("mid_year_due", self.mid_year_due),
            ("self_assessment_opens", self.self_assessment_opens),
            ("self_assessment_due", self.self_assessment_due),
            ("assessment_due", self.assessment_due),
            ("second_review_due", self.second_review_due),
        ]
        for (earlier, first), (later, second) in zip(order, order[1:], strict=False):
            if second < first:
                raise ValueError(f"{later} ({second}) comes before {earlier} ({first})")
        return self


def default_phase_dates(cycle: int) -> PhaseDates:
    """The usual calendar: objectives by the end of March, mid-year review in June-July, self-assessment from
    December to the end of January, rating by the end of February, second-level review by mid-March."""
    return PhaseDates(
        objectives_due=date(cycle, 3, 31),
        mid_year_opens=date(cycle, 6, 1),
        mid_year_due=date(cycle, 7, 31),
        self_assessment_opens=date(cycle, 12, 1),
        self_assessment_due=date(cycle + 1, 1, 31),
        assessment_due=date(cycle + 1, 2, 28),
        second_review_due=date(cycle + 1, 3, 15),
    )


def phase_dates(cycle: int, overrides: dict[str, date] | None) -> PhaseDates:
    """The cycle's defaults with the given days instead; a refusal naming an unknown phase or the days out of
    order."""
    values = default_phase_dates(cycle).model_dump()
    unknown = sorted(set(overrides or {}) - set(values))
    if unknown:
        raise NotAllowed(
            f"Unknown phase date {', '.join(unknown)}; the phase dates are: {', '.join(values)}.", rule="input"
        )
    values.update(overrides or {})
    try:
        return PhaseDates.model_validate(values)
    except ValidationError as error:
        problem = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
        raise NotAllowed(f"The phase dates of the {cycle} cycle are out of order: {problem}.", rule="input") from None
