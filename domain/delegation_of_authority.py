"""Who may approve a grant of a given USD amount.

The matrix in the organisation file names one approving role per band. A holder of the role of a higher band
may also approve (the Director may approve what the Head of Programmes may), never the reverse: "Only the
Director may approve grants between USD 50,000 and 250,000 (delegation of authority)."
"""

from decimal import Decimal

from domain.organisation import Organisation

_SMALL_WORDS = {"of", "and", "the"}


def role_title(role: str) -> str:
    """'head_of_programmes' -> 'Head of Programmes'."""
    words = str(role).split("_")
    return " ".join(word if word in _SMALL_WORDS and index else word.capitalize() for index, word in enumerate(words))


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
