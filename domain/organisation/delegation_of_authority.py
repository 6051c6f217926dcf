"""Delegation of authority: who may approve a grant of a given USD amount.

The matrix in the organisation file names one approving role per band. A holder of the role of a higher band
may also approve (the Director may approve what the Head of Programmes may), never the reverse: "Only the
Director may approve grants between USD 50,000 and 250,000 (delegation of authority)."
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import Field

from domain.organisation.fields import RoleName, _Frozen
from domain.organisation.roles import BoardProcedure, Role

if TYPE_CHECKING:
    from domain.organisation.snapshot import Organisation


def format_usd(amount: Decimal) -> str:
    """'50,000' or '50,000.50': the way amounts read in refusals and band descriptions."""
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount:,.2f}"


class AuthorityBand(_Frozen):
    """One row of the delegation-of-authority matrix.

    Bands are listed in ascending order. A band covers amounts above its lower bound up to and including
    `up_to_usd` ("up to" is inclusive). The lower bound is `above_usd` when given, else the previous band's
    `up_to_usd` (0 for the first). The last band has no `up_to_usd`, so every amount has an approver. `then`
    names the Board procedure that must follow the approver's endorsement.
    """

    above_usd: Decimal | None = Field(default=None, ge=0)
    up_to_usd: Decimal | None = Field(default=None, gt=0)
    approver_role: RoleName
    then: BoardProcedure | None = None


class ApprovalRoute(_Frozen):
    """Who approves an amount, and whether the Board must follow: the answer the grant decider enforces."""

    approver_role: Role
    needs_board: bool
    board_procedure: BoardProcedure | None
    band: str = Field(description="E.g. 'between USD 50,000 and 250,000', for refusal sentences.")
    above_usd: Decimal
    up_to_usd: Decimal | None


def _describe_band(lower: Decimal, upper: Decimal | None) -> str:
    if upper is None:
        return f"above USD {format_usd(lower)}" if lower > 0 else "of any amount"
    if lower == 0:
        return f"up to USD {format_usd(upper)}"
    return f"between USD {format_usd(lower)} and {format_usd(upper)}"


def _resolved_bands(
    bands: Sequence[AuthorityBand],
) -> Iterator[tuple[Decimal, Decimal | None, AuthorityBand]]:
    previous_upper = Decimal(0)
    for band in bands:
        lower = band.above_usd if band.above_usd is not None else previous_upper
        yield lower, band.up_to_usd, band
        previous_upper = band.up_to_usd if band.up_to_usd is not None else lower


def authorised_roles(organisation: Organisation, amount_usd: Decimal) -> tuple[str, ...]:
    """The band's approving role first, then the roles of every higher band, without repeats."""
    route = organisation.approval_route(amount_usd)
    roles: list[str] = []
    reached = False
    for band in organisation.delegation_of_authority:
        if band.approver_role == route.approver_role and (band.above_usd or Decimal(0)) <= route.above_usd:
            reached = True
        if reached and str(band.approver_role) not in roles:
            roles.append(str(band.approver_role))
    return tuple(roles) or (str(route.approver_role),)
