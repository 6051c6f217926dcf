"""People: staff, Board members, grantee contacts and reporting-line officers, with their reporting lines."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import Field, model_validator

from domain.organisation.fields import Email, PersonId, RoleName, Text, TimeZoneName, _Frozen
from domain.organisation.roles import SECRETARIAT_ROLES, Role


class Person(_Frozen):
    """Someone the engine addresses: staff, Board member, grantee contact, reporting-line officer.

    `staff` defaults to whether the person holds a Secretariat role; staff need a hub, whose calendar counts
    their working days. People outside the Secretariat (Board, grantees) need only a time zone.
    """

    id: PersonId
    name: Text
    email: Email
    hub: str | None = None
    time_zone: TimeZoneName
    supervisor: str | None = None
    second_reporting_officer: str | None = Field(
        default=None,
        description="Overrides the second reporting officer for appraisals, e.g. the Director's UNOPS line.",
    )
    roles: tuple[RoleName, ...] = Field(min_length=1)
    staff: bool
    unit: str | None = None
    joined_on: date | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive_staff(cls, value: Any) -> Any:
        if isinstance(value, Mapping) and "staff" not in value:
            roles = value.get("roles")
            if isinstance(roles, list | tuple):
                staff = any(str(role) in {r.value for r in SECRETARIAT_ROLES} for role in roles)
                return {**value, "staff": staff}
        return value

    def has_role(self, role: Role | str) -> bool:
        return Role(role) in self.roles
