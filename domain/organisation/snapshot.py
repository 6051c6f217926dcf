"""The organisation as one validated, frozen snapshot, and the questions every governance rule asks it."""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BeforeValidator, Field, PrivateAttr, model_validator

from domain.organisation.appraisal_settings import AppraisalSettings
from domain.organisation.board import Board
from domain.organisation.cross_checks import OrganisationParts, find_problems
from domain.organisation.delegation_of_authority import (
    ApprovalRoute,
    AuthorityBand,
    _describe_band,
    _resolved_bands,
    format_usd,
)
from domain.organisation.fields import Text, _Frozen
from domain.organisation.hubs import Hub
from domain.organisation.instruments import Instrument
from domain.organisation.people import Person
from domain.organisation.problems import OrganisationLookupError, OrganisationProblems, UnknownPerson
from domain.organisation.roles import ALL_STAFF, Relation, Role
from domain.organisation.step_plans import StepKind, StepPlan, StepPlanSpec, _resolve

_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


def _month_day(value: Any) -> Any:
    if isinstance(value, str):
        match = _MONTH_DAY.match(value)
        if match:
            month, day = int(match.group(1)), int(match.group(2))
            if 1 <= month <= 12 and 1 <= day <= _calendar.monthrange(2027, month)[1]:
                return value
    raise ValueError(f"{value!r} is not a month-day; write it as 'MM-DD', e.g. '01-01'")


class Organisation(_Frozen):
    """A validated snapshot of the organisation. Build it with `parse_organisation` or `model_validate`."""

    name: Text
    fiscal_year_start: Annotated[str, BeforeValidator(_month_day)]
    base_currency: Literal["USD"] = "USD"
    hubs: tuple[Hub, ...] = Field(min_length=1)
    people: tuple[Person, ...] = Field(min_length=1)
    board: Board
    delegation_of_authority: tuple[AuthorityBand, ...] = Field(min_length=1)
    step_plans: dict[StepKind, StepPlanSpec] = Field(default_factory=dict)
    instruments: tuple[Instrument, ...] = ()
    appraisal: AppraisalSettings | None = None

    _people_by_id: dict[str, Person] = PrivateAttr(default_factory=dict)
    _hubs_by_id: dict[str, Hub] = PrivateAttr(default_factory=dict)
    # Set once the cross-checks have passed. Pydantic runs an "after" validator again whenever a validated
    # snapshot is handed to another model (every `Context(organisation=..., now=...)`); the snapshot is frozen,
    # so what passed once still holds.
    _fits_together: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _sections_fit_together(self) -> Organisation:
        if self._fits_together:
            return self
        problems = find_problems(OrganisationParts.of(self))
        if problems:
            raise OrganisationProblems(problems)
        self._fits_together = True
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with changes has not passed the cross-checks: it is checked when next validated, as before."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            copied._fits_together = False
        return copied

    def model_post_init(self, context: Any, /) -> None:
        self._people_by_id = {person.id: person for person in self.people}
        self._hubs_by_id = {hub.id: hub for hub in self.hubs}

    # -- people and roles ------------------------------------------------------------------------------------

    def person(self, person_id: str) -> Person:
        try:
            return self._people_by_id[person_id]
        except KeyError:
            raise UnknownPerson(f"Nobody with id {person_id!r} is in the organisation file.") from None

    def has_person(self, person_id: str) -> bool:
        return person_id in self._people_by_id

    def has_role(self, person_id: str, role: Role | str) -> bool:
        return self.person(person_id).has_role(role)

    def people_with_role(self, role: Role | str) -> tuple[Person, ...]:
        wanted = Role(role)
        return tuple(person for person in self.people if wanted in person.roles)

    def staff(self) -> tuple[Person, ...]:
        return tuple(person for person in self.people if person.staff)

    def director(self) -> Person:
        return self.people_with_role(Role.DIRECTOR)[0]

    def board_chair(self) -> Person:
        return self.person(self.board.chair)

    def hub(self, hub_id: str) -> Hub:
        try:
            return self._hubs_by_id[hub_id]
        except KeyError:
            raise OrganisationLookupError(f"No hub {hub_id!r} is in the organisation file.") from None

    def hub_of(self, person_id: str) -> Hub | None:
        """The person's hub, or None for people outside the Secretariat (Board members, grantee contacts)."""
        hub_id = self.person(person_id).hub
        return None if hub_id is None else self.hub(hub_id)

    # -- reporting lines -------------------------------------------------------------------------------------

    def supervisor_of(self, person_id: str) -> str | None:
        """The first reporting officer's id, or None (the Director, Board members)."""
        return self.person(person_id).supervisor

    def second_reporting_officer_of(self, person_id: str) -> str:
        """The second reporting officer's id.

        The file's explicit `second_reporting_officer` wins. Otherwise it is the supervisor's supervisor;
        where the supervisor has none (people reporting to the Director), it is the supervisor's own reporting
        line, i.e. the Director's `second_reporting_officer`. It always differs from the person and the
        supervisor.
        """
        person = self.person(person_id)
        first = person.supervisor
        second = person.second_reporting_officer
        if second is None and first is not None:
            above = self.person(first)
            second = above.supervisor or above.second_reporting_officer
        if second is None:
            raise OrganisationLookupError(
                f"{person.name} ({person_id}) has no second reporting officer: give a supervisor whose own "
                "reporting line is known, or set second_reporting_officer in the organisation file."
            )
        if second in (person_id, first):
            raise OrganisationLookupError(
                f"The second reporting officer of {person.name} ({person_id}) must differ from the person "
                "and "
                "from the supervisor."
            )
        return second

    def escalation_target(self, relation: str, subject_person_id: str, case_officer: str | None = None) -> str:
        """Who receives an escalation about `subject_person_id` (the late assignee): a person id.

        `relation` is a `Relation` (supervisor, second_reporting_officer, director, board_chair, officer), a
        role (the one holder; among several, the one in the subject's hub), or a person id.
        """
        subject = self.person(subject_person_id)
        if relation == Relation.SUPERVISOR:
            if subject.supervisor is None:
                raise OrganisationLookupError(f"{subject.name} ({subject.id}) has no supervisor to escalate to.")
            return subject.supervisor
        if relation == Relation.SECOND_REPORTING_OFFICER:
            return self.second_reporting_officer_of(subject.id)
        if relation == Relation.DIRECTOR:
            return self.director().id
        if relation == Relation.BOARD_CHAIR:
            return self.board.chair
        if relation == Relation.OFFICER:
            if case_officer is None:
                raise OrganisationLookupError("This escalation goes to the case officer, but the case names none.")
            return self.person(case_officer).id
        if relation in Role._value2member_map_:
            holders = self.people_with_role(relation)
            if len(holders) > 1:
                holders = tuple(person for person in holders if person.hub is not None and person.hub == subject.hub)
            if len(holders) != 1:
                raise OrganisationLookupError(
                    f"The escalation to role {relation!r} for {subject.id} does not name one person "
                    f"({len(holders)} candidates)."
                )
            return holders[0].id
        return self.person(relation).id

    # -- money, plans, instruments ---------------------------------------------------------------------------

    def approval_route(self, amount_usd: Decimal | int | str) -> ApprovalRoute:
        """The delegation-of-authority route for a USD amount.

        A band holds amounts above its lower bound and up to its upper bound inclusive.
        """
        amount = Decimal(str(amount_usd)) if isinstance(amount_usd, float) else Decimal(amount_usd)
        if not amount > 0:
            raise ValueError(f"An amount to approve must be above USD 0, not USD {format_usd(amount)}.")
        for lower, upper, band in _resolved_bands(self.delegation_of_authority):
            if amount > lower and (upper is None or amount <= upper):
                return ApprovalRoute(
                    approver_role=band.approver_role,
                    needs_board=band.then is not None,
                    board_procedure=band.then,
                    band=_describe_band(lower, upper),
                    above_usd=lower,
                    up_to_usd=upper,
                )
        raise AssertionError("validated bands cover every amount above 0")  # pragma: no cover

    def plan_for(self, kind: str) -> StepPlan:
        """The resolved plan of a step kind: built-in default < file `default` < the kind's own entry.

        A `no_objection` step lasts `board.no_objection_working_days` unless its own entry says otherwise.
        """
        specs: list[StepPlanSpec | None] = [self.step_plans.get("default")]
        if kind == "no_objection":
            specs.append(StepPlanSpec(working_days=self.board.no_objection_working_days))
        if kind != "default":
            specs.append(self.step_plans.get(kind))
        return _resolve(kind, *specs)

    def instrument(self, instrument_id: str) -> Instrument:
        for instrument in self.instruments:
            if instrument.id == instrument_id:
                return instrument
        known = ", ".join(instrument.id for instrument in self.instruments) or "none"
        raise OrganisationLookupError(f"No instrument {instrument_id!r}; known instruments: {known}.")

    def attestation_scope_of(self, instrument_id: str) -> tuple[Person, ...]:
        """The people who must acknowledge a new version of the instrument, in file order."""
        scope = set(self.instrument(instrument_id).attestation_scope)
        return tuple(
            person
            for person in self.people
            if (ALL_STAFF in scope and person.staff) or any(role.value in scope for role in person.roles)
        )

    def fiscal_year_start_in(self, year: int) -> date:
        month, day = (int(part) for part in self.fiscal_year_start.split("-"))
        return date(year, month, day)
