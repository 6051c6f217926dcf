"""Roles and relations: rules name roles and relations to a person, never people."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Role(StrEnum):
    """The closed set of roles. Rules name roles, never people, so a reorganisation only edits the file."""

    DIRECTOR = "director"
    HEAD_OF_PROGRAMMES = "head_of_programmes"
    HEAD_OF_OPERATIONS = "head_of_operations"
    HEAD_OF_PARTNERSHIPS = "head_of_partnerships"
    MANAGEMENT_TEAM = "management_team"
    PROGRAMME_OFFICER = "programme_officer"
    FINANCE_OFFICER = "finance_officer"
    COMPLIANCE_OFFICER = "compliance_officer"
    INTERNAL_AUDITOR = "internal_auditor"
    HR_OFFICER = "hr_officer"
    STAFF = "staff"
    BOARD_CHAIR = "board_chair"
    BOARD_MEMBER = "board_member"
    BOARD_OBSERVER = "board_observer"
    GRANTEE_CONTACT = "grantee_contact"
    MEMBER_REPRESENTATIVE = "member_representative"
    #: Outside the Secretariat: the Director's UNOPS reporting line (the Director's second reporting officer).
    REPORTING_LINE = "reporting_line"
    #: Independent reviewer of appraisal rebuttals (issue 5).
    REBUTTAL_REVIEWER = "rebuttal_reviewer"


#: Holding any of these makes a person Secretariat staff unless the file says `staff:` explicitly.
SECRETARIAT_ROLES: frozenset[Role] = frozenset(
    {
        Role.DIRECTOR,
        Role.HEAD_OF_PROGRAMMES,
        Role.HEAD_OF_OPERATIONS,
        Role.HEAD_OF_PARTNERSHIPS,
        Role.MANAGEMENT_TEAM,
        Role.PROGRAMME_OFFICER,
        Role.FINANCE_OFFICER,
        Role.COMPLIANCE_OFFICER,
        Role.INTERNAL_AUDITOR,
        Role.HR_OFFICER,
        Role.STAFF,
    }
)

#: A Board voting member must hold one of these.
BOARD_VOTING_ROLES: frozenset[Role] = frozenset({Role.BOARD_MEMBER, Role.BOARD_CHAIR})


class Relation(StrEnum):
    """Whom an escalation goes to, relative to the late person (the subject) or the case."""

    SUPERVISOR = "supervisor"
    SECOND_REPORTING_OFFICER = "second_reporting_officer"
    DIRECTOR = "director"
    BOARD_CHAIR = "board_chair"
    #: The case officer, e.g. the programme officer who screened a grant whose progress report is late.
    OFFICER = "officer"


BoardProcedure = Literal["board_no_objection", "board_vote"]

#: Attestation scope entry meaning "every Secretariat staff member".
ALL_STAFF = "all_staff"

_SMALL_WORDS = {"of", "and", "the"}


def role_title(role: str) -> str:
    """'head_of_programmes' -> 'Head of Programmes'."""
    words = str(role).split("_")
    return " ".join(word if word in _SMALL_WORDS and index else word.capitalize() for index, word in enumerate(words))
