"""Cross-checks: the rules that tie the sections of an organisation file together.

A supervisor must exist, the Chair must be a voting member, the delegation-of-authority bands must cover every
amount. `find_problems` reports every problem with its field path instead of stopping at the first one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain.organisation.appraisal_settings import AppraisalSettings
from domain.organisation.delegation_of_authority import AuthorityBand, format_usd
from domain.organisation.hubs import Hub
from domain.organisation.instruments import Instrument
from domain.organisation.people import Person
from domain.organisation.problems import Problem
from domain.organisation.roles import BOARD_VOTING_ROLES, Relation, Role
from domain.organisation.step_plans import StepPlanSpec

if TYPE_CHECKING:
    from domain.organisation.snapshot import Organisation


@dataclass
class OrganisationParts:
    """The sections of an organisation that validated on their own, with their positions in the file.

    Cross-checks run over whatever is here, so one broken person record does not hide a supervisor cycle
    elsewhere. `*_ids_unchecked` are ids of records that failed their own validation: references to them are
    not reported as unknown (their own errors are). None means the section could not be read at all.
    """

    hubs: list[tuple[int, Hub]] | None = None
    hub_ids_unchecked: set[str] = field(default_factory=set)
    people: list[tuple[int, Person]] | None = None
    person_ids_unchecked: set[str] = field(default_factory=set)
    people_complete: bool = False
    board_voting_members: list[Any] | None = None
    board_chair: Any = None
    board_observers: list[Any] | None = None
    delegation_of_authority: list[tuple[int, AuthorityBand]] | None = None
    delegation_complete: bool = False
    step_plans: dict[str, StepPlanSpec] | None = None
    instruments: list[tuple[int, Instrument]] | None = None
    appraisal: AppraisalSettings | None = None

    @classmethod
    def of(cls, organisation: Organisation) -> OrganisationParts:
        return cls(
            hubs=list(enumerate(organisation.hubs)),
            people=list(enumerate(organisation.people)),
            people_complete=True,
            board_voting_members=list(organisation.board.voting_members),
            board_chair=organisation.board.chair,
            board_observers=list(organisation.board.observers),
            delegation_of_authority=list(enumerate(organisation.delegation_of_authority)),
            delegation_complete=True,
            step_plans=dict(organisation.step_plans),
            instruments=list(enumerate(organisation.instruments)),
            appraisal=organisation.appraisal,
        )


def find_problems(parts: OrganisationParts) -> list[Problem]:
    """Every way the sections fail to fit together, each with its field path, in file order."""
    problems: list[Problem] = []
    checker = _Checker(parts, problems)
    checker.check_hubs()
    checker.check_people()
    checker.check_board()
    checker.check_delegation()
    checker.check_step_plans()
    checker.check_instruments()
    checker.check_appraisal()
    return problems


class _Checker:
    def __init__(self, parts: OrganisationParts, problems: list[Problem]) -> None:
        self.parts = parts
        self.problems = problems
        self.hub_ids: list[str] = [hub.id for _, hub in parts.hubs or []]
        self.people: dict[str, Person] = {}
        for _, person in parts.people or []:
            self.people.setdefault(person.id, person)
        self.person_ids = set(self.people) | parts.person_ids_unchecked
        self.all_people_checked = parts.people is not None and parts.people_complete

    def add(self, path: str, reason: str) -> None:
        self.problems.append(Problem(path, reason))

    def holders(self, role: Role) -> list[str]:
        return [person.id for person in self.people.values() if role in person.roles]

    def check_hubs(self) -> None:
        seen: dict[str, int] = {}
        for index, hub in self.parts.hubs or []:
            if hub.id in seen:
                self.add(f"hubs[{index}].id", f"duplicate hub id {hub.id!r} (first used by hubs[{seen[hub.id]}])")
            seen.setdefault(hub.id, index)

    def check_people(self) -> None:
        if self.parts.people is None:
            return
        known_hubs = set(self.hub_ids) | self.parts.hub_ids_unchecked
        first_index: dict[str, int] = {}
        for index, person in self.parts.people:
            path = f"people[{index}]"
            if person.id in first_index:
                self.add(
                    f"{path}.id",
                    f"duplicate person id {person.id!r} (first used by people[{first_index[person.id]}])",
                )
                continue
            first_index[person.id] = index
            if person.hub is not None and self.parts.hubs is not None and person.hub not in known_hubs:
                self.add(
                    f"{path}.hub",
                    f"unknown hub {person.hub!r}; known hubs: {', '.join(self.hub_ids) or 'none'}",
                )
            if person.hub is None and person.staff:
                self.add(f"{path}.hub", "staff members need a hub: its calendar counts their working days")
            if person.supervisor is not None:
                if person.supervisor == person.id:
                    self.add(f"{path}.supervisor", "a person cannot supervise themselves")
                elif person.supervisor not in self.person_ids:
                    self.add(f"{path}.supervisor", f"unknown person {person.supervisor!r}")
            second = person.second_reporting_officer
            if second is not None:
                if second not in self.person_ids:
                    self.add(f"{path}.second_reporting_officer", f"unknown person {second!r}")
                elif second == person.id:
                    self.add(f"{path}.second_reporting_officer", "a person cannot be their own reporting officer")
                elif second == person.supervisor:
                    self.add(
                        f"{path}.second_reporting_officer",
                        f"{second!r} is already the supervisor; the second reporting officer must differ",
                    )
        self.supervisor_cycles(first_index)
        directors = self.holders(Role.DIRECTOR)
        if len(directors) > 1:
            self.add(
                "people",
                f"exactly one person must hold role 'director'; found {len(directors)}: " + ", ".join(directors),
            )
        elif not directors and self.all_people_checked:
            self.add("people", "exactly one person must hold role 'director'; found none")

    def supervisor_cycles(self, index_of: dict[str, int]) -> None:
        reported: set[str] = set()
        for start in index_of:
            chain: list[str] = []
            current: str | None = start
            while current is not None and current in self.people and current not in chain:
                if current in reported:
                    break
                chain.append(current)
                current = self.people[current].supervisor
            if current is not None and current in chain and current not in reported:
                cycle = chain[chain.index(current) :]
                reported.update(cycle)
                if len(cycle) == 1:
                    continue  # reported as "cannot supervise themselves"
                first = min(cycle, key=lambda person_id: index_of[person_id])
                rotated = cycle[cycle.index(first) :] + cycle[: cycle.index(first)]
                self.add(
                    f"people[{index_of[first]}].supervisor",
                    "supervisor cycle: " + " -> ".join([*rotated, first]),
                )
            reported.update(chain)

    def check_board(self) -> None:
        voting = self.parts.board_voting_members
        if voting is not None:
            seen: set[Any] = set()
            for index, member in enumerate(voting):
                path = f"board.voting_members[{index}]"
                if not isinstance(member, str):
                    continue
                if member in seen:
                    self.add(path, f"{member!r} is listed twice")
                seen.add(member)
                self._board_person(path, member, BOARD_VOTING_ROLES)
        chair = self.parts.board_chair
        if isinstance(chair, str):
            if voting is not None and chair not in voting:
                self.add("board.chair", f"{chair!r} is not a voting member; the Chair must be one")
            else:
                self._board_person("board.chair", chair, frozenset({Role.BOARD_CHAIR}))
        for index, observer in enumerate(self.parts.board_observers or []):
            path = f"board.observers[{index}]"
            if not isinstance(observer, str):
                continue
            if self.parts.people is not None and observer not in self.person_ids:
                self.add(path, f"unknown person {observer!r}")
            elif voting is not None and observer in voting:
                self.add(path, f"{observer!r} is a voting member and cannot also be an observer")

    def _board_person(self, path: str, person_id: str, roles: frozenset[Role]) -> bool:
        if self.parts.people is None:
            return True
        if person_id not in self.person_ids:
            self.add(path, f"unknown person {person_id!r}")
            return False
        person = self.people.get(person_id)
        if person is not None and not roles & set(person.roles):
            wanted = " or ".join(sorted(role.value for role in roles))
            self.add(path, f"{person_id!r} does not hold role {wanted}")
            return False
        return True

    def check_delegation(self) -> None:
        bands = self.parts.delegation_of_authority
        if bands is None:
            return
        for index, band in bands:
            if self.parts.people is not None and self.all_people_checked and not self.holders(band.approver_role):
                self.add(
                    f"delegation_of_authority[{index}].approver_role",
                    f"nobody holds role {band.approver_role.value!r}",
                )
        if not self.parts.delegation_complete:
            return
        previous_upper = Decimal(0)
        for position, (index, band) in enumerate(bands):
            path = f"delegation_of_authority[{index}]"
            lower = band.above_usd if band.above_usd is not None else previous_upper
            if lower > previous_upper:
                self.add(
                    f"{path}.above_usd",
                    f"gap: amounts above USD {format_usd(previous_upper)} up to {format_usd(lower)} have no approver",
                )
            elif lower < previous_upper:
                self.add(
                    f"{path}.above_usd",
                    f"overlap: this band starts at USD {format_usd(lower)}, below the previous band's end "
                    f"(USD {format_usd(previous_upper)})",
                )
            is_last = position == len(bands) - 1
            if band.up_to_usd is None:
                if not is_last:
                    self.add(
                        f"{path}.up_to_usd",
                        "only the last band may be open-ended; list bands in ascending order",
                    )
                    return
            elif band.up_to_usd <= lower:
                self.add(
                    f"{path}.up_to_usd",
                    f"overlap: the band ends at USD {format_usd(band.up_to_usd)}, not above where it starts "
                    f"(USD {format_usd(lower)}); list bands in ascending order",
                )
                return
            elif is_last:
                self.add(
                    f"{path}.up_to_usd",
                    f"amounts above USD {format_usd(band.up_to_usd)} have no approver: the last band must "
                    "have no up_to_usd",
                )
            previous_upper = band.up_to_usd if band.up_to_usd is not None else lower

    def _target_problem(self, target: str) -> str | None:
        if target in Relation._value2member_map_:
            return None
        if target in Role._value2member_map_:
            if self.all_people_checked and not self.holders(Role(target)):
                return f"nobody holds role {target!r}"
            return None
        if self.parts.people is None or target in self.person_ids:
            return None
        relations = ", ".join(relation.value for relation in Relation)
        return f"{target!r} is neither a relation ({relations}), a role, nor a person id"

    def check_step_plans(self) -> None:
        for kind, spec in (self.parts.step_plans or {}).items():
            for index, escalation in enumerate(spec.escalations or ()):
                problem = self._target_problem(escalation.to)
                if problem:
                    self.add(f"step_plans.{kind}.escalations[{index}].to", problem)

    def check_instruments(self) -> None:
        seen: dict[str, int] = {}
        for index, instrument in self.parts.instruments or []:
            path = f"instruments[{index}]"
            if instrument.id in seen:
                self.add(
                    f"{path}.id",
                    f"duplicate instrument id {instrument.id!r} (first used by instruments[{seen[instrument.id]}])",
                )
            seen.setdefault(instrument.id, index)
            if self.parts.people is not None and instrument.owner not in self.person_ids:
                self.add(f"{path}.owner", f"unknown person {instrument.owner!r}")

    def check_appraisal(self) -> None:
        settings = self.parts.appraisal
        if settings is None:
            return
        codes = [level.code for level in settings.rating_scale]
        for index, code in enumerate(codes):
            if code in codes[:index]:
                self.add(f"appraisal.rating_scale[{index}].code", f"duplicate rating code {code!r}")
        if settings.fully_meets not in codes:
            self.add(
                "appraisal.fully_meets",
                f"{settings.fully_meets!r} is not on the rating scale ({', '.join(codes)})",
            )
        if settings.rebuttal_reviewer is not None:
            problem = self._target_problem(settings.rebuttal_reviewer)
            if problem:
                self.add("appraisal.rebuttal_reviewer", problem)
