"""A Multi-Donor Fund grant application as submitted: what `govern grant submit FILE` reads.

The amount is converted to USD at a rate recorded on the case, so the delegation of authority is applied to
the same figure forever, whatever the exchange rate does later.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Reference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
CENT = Decimal("0.01")


class PlannedTranche(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: Decimal = Field(gt=0, description="In the application's currency.")
    report_due_working_days: int | None = Field(
        default=None,
        gt=0,
        description="Working days after release for the progress report; else the step plan.",
    )


class GrantApplication(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reference: Reference = Field(description="Case reference, e.g. '2027-014'; the case is grant/<reference>.")
    title: str = Field(min_length=3)
    applicant: str = Field(min_length=2, description="The applicant city or partner.")
    country: str = Field(min_length=2)
    amount: Decimal = Field(gt=0)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    fx_rate_to_usd: Decimal | None = Field(default=None, gt=0, description="USD per one unit of `currency`.")
    fx_rate_source: str | None = None
    duration_months: int = Field(gt=0, le=120)
    submitted_by: str = Field(description="The programme officer who submits on the applicant's behalf.")
    screening_officer: str
    grantee_contact: str
    tranches: list[PlannedTranche] = Field(min_length=1)
    final_report_working_days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> "GrantApplication":
        if self.currency != "USD" and self.fx_rate_to_usd is None:
            raise ValueError(f"an amount in {self.currency} needs fx_rate_to_usd, the rate recorded on the case")
        total = sum((tranche.amount for tranche in self.tranches), Decimal(0))
        if total != self.amount:
            raise ValueError(f"the tranches add up to {total}, not to the amount {self.amount}")
        return self

    @property
    def case_id(self) -> str:
        return f"grant/{self.reference}"

    @property
    def rate(self) -> Decimal:
        return Decimal(1) if self.currency == "USD" else (self.fx_rate_to_usd or Decimal(1))

    @property
    def amount_usd(self) -> Decimal:
        return (self.amount * self.rate).quantize(CENT, rounding=ROUND_HALF_UP)
