"""Matching who signed in (an e-mail address, from a form or an identity provider's claim) to a person of the
organisation file. An address shared by several people signs in none of them: govern would have to guess."""

from domain.organisation import Organisation, Person


def person_by_email(organisation: Organisation, address: str | None) -> Person | None:
    if not address:
        return None
    wanted = address.strip().casefold()
    if not wanted or "@" not in wanted:
        return None
    matches = [person for person in organisation.people if person.email.casefold() == wanted]
    return matches[0] if len(matches) == 1 else None
