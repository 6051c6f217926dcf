"""The organisation: who works where, who supervises whom, who sits on the Board, and who may approve what.

Every governance rule asks the organisation a question: who is this person's supervisor, which hub's calendar
counts their working days, who approves a grant of USD 120,000, how many Board members make a quorum. This
module answers them from one frozen snapshot, so a workflow that received the snapshot through an activity
asks the same questions and gets the same answers on replay.

The snapshot is validated as a whole: field rules live on the models, and the rules that tie sections together
(a supervisor must exist, the Chair must be a voting member, the delegation-of-authority bands must cover
every amount) live in `find_problems`, which reports every problem with its field path instead of stopping at
the first one. `domain.organisation_file.parse_organisation` turns a YAML file into an `Organisation`.

Pure: no I/O, no clock, no randomness. Time zone names are checked against the installed IANA database and
country codes against the `holidays` package; both are deterministic for a given install.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cache
from math import ceil
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import holidays
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

# ----------------------------------------------------------------------------------------------------------
# Errors a caller can catch


class OrganisationLookupError(LookupError):
    """A question about the organisation has no answer (unknown person, nobody in that relation).

    `str(error)` is a sentence a person understands, so a CLI or a refusal can show it as it is.
    """

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence

    def __str__(self) -> str:
        return self.sentence


class UnknownPerson(OrganisationLookupError):
    """The person id is not in the organisation file."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an organisation file, at one field path such as `people[3].hub`."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class OrganisationProblems(ValueError):
    """Raised from `Organisation`'s validation when sections do not fit together; carries every problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


# ----------------------------------------------------------------------------------------------------------
# Roles and relations


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

# ----------------------------------------------------------------------------------------------------------
# Field types with their own readable errors

_ROLE_LIKE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


def _role_like_id(value: Any) -> Any:
    if isinstance(value, str) and not _ROLE_LIKE_ID.match(value):
        raise ValueError(
            f"{value!r} is not a role-like id: use lower-case words joined by hyphens, "
            "e.g. 'programme-officer-brussels'"
        )
    return value


def _role(value: Any) -> Any:
    if isinstance(value, Role):
        return value
    if isinstance(value, str) and value in Role._value2member_map_:
        return Role(value)
    raise ValueError(f"unknown role {value!r}; known roles: {', '.join(role.value for role in Role)}")


def _time_zone(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be an IANA time zone name such as 'Europe/Brussels'")
    try:
        ZoneInfo(value)
    except Exception:  # ZoneInfoNotFoundError, ValueError for malformed keys, OSError for directories
        raise ValueError(
            f"unknown IANA time zone {value!r}; use a name such as 'Europe/Brussels' or 'Asia/Ho_Chi_Minh'"
        ) from None
    return value


def _email(value: Any) -> Any:
    if isinstance(value, str) and not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _local_time(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 17:00 as the base-60 number 1020; refuse numbers rather than guess.
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        match = _CLOCK.match(value)
        if match:
            return time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    raise ValueError(f"{value!r} is not a local time; write it as 'HH:MM' in quotes, e.g. '09:00'")


def _ratio(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a fraction")
    try:
        if isinstance(value, Fraction):
            return value
        if isinstance(value, int | Decimal):
            return Fraction(value)
        if isinstance(value, float):
            return Fraction(str(value))
        if isinstance(value, str):
            text = value.strip()
            if text.endswith("%"):
                return Fraction(text[:-1].strip()) / 100
            return Fraction(text)
    except (ValueError, ZeroDivisionError):
        pass
    raise ValueError(f"{value!r} is not a fraction; write e.g. 0.5, '1/2', '2/3' or '50%'")


def _version(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


PersonId = Annotated[str, BeforeValidator(_role_like_id)]
HubId = Annotated[str, BeforeValidator(_role_like_id)]
InstrumentId = Annotated[str, BeforeValidator(_role_like_id)]
RoleName = Annotated[Role, BeforeValidator(_role)]
TimeZoneName = Annotated[str, BeforeValidator(_time_zone)]
Email = Annotated[str, BeforeValidator(_email)]
LocalTime = Annotated[time, BeforeValidator(_local_time)]
#: An exact fraction; floats are read through their decimal text so 0.5 is exactly 1/2.
Ratio = Annotated[Fraction, BeforeValidator(_ratio), PlainSerializer(str, return_type=str)]
Text = Annotated[str, Field(min_length=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def format_usd(amount: Decimal) -> str:
    """'50,000' or '50,000.50': the way amounts read in refusals and band descriptions."""
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return f"{amount:,.2f}"


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = _calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@cache
def _holiday_calendar_problem(country: str, subdivision: str | None) -> str | None:
    """Whether the holidays package has this calendar, from its registry alone.

    Building a calendar here would read translation files through `locale`, which the Temporal workflow
    sandbox forbids; organisation snapshots are validated again inside workflows, so this check stays pure.
    """
    supported = holidays.list_supported_countries()
    if country not in supported:
        return f"the holidays package has no calendar for {country!r}"
    if subdivision is not None and subdivision not in supported[country]:
        known = ", ".join(supported[country]) or "none"
        return f"the holidays package knows these subdivisions of {country}: {known}"
    return None


# ----------------------------------------------------------------------------------------------------------
# Hubs


class ClosurePeriod(_Frozen):
    """Days a hub is closed beyond public holidays, e.g. the end-of-year closure. A bare date is one day."""

    first: date
    last: date
    reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_date(cls, value: Any) -> Any:
        if isinstance(value, date | str):
            return {"first": value, "last": value}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> ClosurePeriod:
        if self.last < self.first:
            raise ValueError(f"closure period ends ({self.last}) before it starts ({self.first})")
        return self

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)


class Hub(_Frozen):
    """A Secretariat hub: its country's public holidays and its closure days make its working-day calendar."""

    id: HubId
    name: Text
    country: str = Field(description="ISO 3166-1 alpha-2 code, as the `holidays` package knows it.")
    subdivision: str | None = None
    time_zone: TimeZoneName
    closure_days: tuple[ClosurePeriod, ...] = ()

    @field_validator("country", mode="before")
    @classmethod
    def _known_country(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper()
            if not re.fullmatch(r"[A-Z]{2}", value) or _holiday_calendar_problem(value, None):
                raise ValueError(
                    f"{value!r} is not a country code the holidays package knows (use ISO alpha-2, e.g. 'BE')"
                )
        return value

    @field_validator("subdivision")
    @classmethod
    def _known_subdivision(cls, value: str | None, info: ValidationInfo) -> str | None:
        country = info.data.get("country")
        if value is not None and country is not None:
            problem = _holiday_calendar_problem(country, value)
            if problem:
                raise ValueError(f"unknown subdivision {value!r} of {country}: {problem}")
        return value

    def closure_reasons(self) -> dict[date, str]:
        """Every closed date with its reason, periods expanded."""
        return {day: period.reason or "closure day" for period in self.closure_days for day in period.days()}


# ----------------------------------------------------------------------------------------------------------
# People


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


# ----------------------------------------------------------------------------------------------------------
# The Management Board


class PassThreshold(_Frozen):
    """When a motion carries, counting only votes for and against (abstentions count for quorum only).

    Exactly one of `more_than` (e.g. 1/2: a simple majority) or `at_least` (e.g. 2/3). The file may also say
    `simple_majority`, `two_thirds` or `unanimous`.
    """

    more_than: Ratio | None = None
    at_least: Ratio | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        shorthands = {
            "simple_majority": {"more_than": "1/2"},
            "two_thirds": {"at_least": "2/3"},
            "unanimous": {"at_least": "1"},
        }
        if isinstance(value, str):
            if value not in shorthands:
                raise ValueError(
                    f"unknown threshold {value!r}; write simple_majority, two_thirds, unanimous, "
                    "{more_than: 1/2} or {at_least: 2/3}"
                )
            return shorthands[value]
        return value

    @model_validator(mode="after")
    def _one_rule_in_range(self) -> PassThreshold:
        if (self.more_than is None) == (self.at_least is None):
            raise ValueError("give exactly one of more_than or at_least")
        if self.more_than is not None and not Fraction(1, 2) <= self.more_than < 1:
            raise ValueError(f"more_than {self.more_than} is out of range: it must be at least 1/2 and below 1")
        if self.at_least is not None and not Fraction(1, 2) < self.at_least <= 1:
            raise ValueError(f"at_least {self.at_least} is out of range: it must be above 1/2 and at most 1")
        return self

    def is_met(self, approvals: int, rejections: int) -> bool:
        cast = approvals + rejections
        if cast == 0:
            return False
        share = Fraction(approvals, cast)
        if self.more_than is not None:
            return share > self.more_than
        assert self.at_least is not None
        return share >= self.at_least

    def describe(self) -> str:
        if self.more_than is not None:
            return f"more than {self.more_than} of the votes cast for or against"
        return f"at least {self.at_least} of the votes cast for or against"


class Board(_Frozen):
    """The Management Board and its voting rules.

    Quorum: a vote is quorate when the members who responded (approve, reject or abstain) are at least
    `quorum` x the voting members eligible to vote; recused members are not eligible. With nine members and
    quorum 1/2, five responses are needed. The motion carries when approvals meet `pass_threshold` over the
    votes cast for or against. `no_objection_working_days` is the default circulation period of a written
    no-objection procedure.
    """

    voting_members: tuple[str, ...] = Field(min_length=1)
    chair: str
    observers: tuple[str, ...] = ()
    quorum: Ratio
    pass_threshold: PassThreshold
    no_objection_working_days: int = Field(default=10, ge=1)
    meeting_referral: str | None = Field(
        default=None, description="What an objection refers the matter to, e.g. 'the next Board meeting'."
    )

    @field_validator("quorum")
    @classmethod
    def _quorum_in_range(cls, value: Fraction) -> Fraction:
        if not 0 < value <= 1:
            raise ValueError(f"quorum {value} is out of range: it is a fraction of voting members, above 0, at most 1")
        return value

    def quorum_needed(self, eligible: int) -> int:
        """Responses needed for quorum when `eligible` members may vote (never fewer than one)."""
        return max(1, ceil(self.quorum * eligible))

    def quorum_met(self, responses: int, eligible: int) -> bool:
        return eligible > 0 and responses >= self.quorum_needed(eligible)

    def motion_carries(self, approvals: int, rejections: int) -> bool:
        return self.pass_threshold.is_met(approvals, rejections)


# ----------------------------------------------------------------------------------------------------------
# Delegation of authority


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


# ----------------------------------------------------------------------------------------------------------
# Step plans: deadlines, reminders, escalations


class ReminderPlan(_Frozen):
    """Reminders to the assignee, in working days relative to the due day (negative = before, 0 = on it)."""

    offsets: tuple[int, ...] = (-5, -1, 0)
    local_time: LocalTime = time(9, 0)

    @field_validator("offsets")
    @classmethod
    def _sorted_unique(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(value)) != len(value):
            raise ValueError(f"reminder offsets {list(value)} repeat a day")
        return tuple(sorted(value))


class Escalation(_Frozen):
    """After `after_working_days` overdue working days, tell `to`: a relation, a role or a person id."""

    after_working_days: int = Field(ge=1)
    to: Text
    local_time: LocalTime = time(9, 0)


class StepPlanSpec(_Frozen):
    """A step plan as written in the file: a field left out is taken from the `default` plan."""

    working_days: int | None = Field(default=None, ge=0)
    due_local_time: LocalTime | None = None
    reminders: ReminderPlan | None = None
    escalations: tuple[Escalation, ...] | None = None

    @field_validator("escalations")
    @classmethod
    def _increasing(cls, value: tuple[Escalation, ...] | None) -> tuple[Escalation, ...] | None:
        if value is not None:
            days = [escalation.after_working_days for escalation in value]
            if days != sorted(days):
                raise ValueError(f"escalations must come in increasing after_working_days order, got {days}")
            steps = [(escalation.after_working_days, escalation.to) for escalation in value]
            if len(set(steps)) != len(steps):
                raise ValueError("the same escalation is listed twice")
        return value


class StepPlan(_Frozen):
    """The resolved plan of one step kind: how long it has, when to remind, when and to whom to escalate.

    The step is due at `due_local_time` on the `working_days`-th working day after it opens, in the assignee's
    time zone and hub calendar (see `domain.working_days.due_at`).
    """

    kind: str
    working_days: int = Field(ge=0)
    due_local_time: LocalTime = time(17, 0)
    reminders: ReminderPlan = ReminderPlan()
    escalations: tuple[Escalation, ...] = ()


#: Applies to every step kind the file does not list, and fills what a listed kind leaves out.
BUILT_IN_DEFAULT_PLAN = StepPlan(
    kind="default",
    working_days=10,
    reminders=ReminderPlan(offsets=(-5, -1, 0), local_time=time(9, 0)),
    escalations=(
        Escalation(after_working_days=2, to=Relation.SUPERVISOR.value),
        Escalation(after_working_days=5, to=Relation.DIRECTOR.value),
    ),
)


def _resolve(kind: str, *specs: StepPlanSpec | None) -> StepPlan:
    values: dict[str, Any] = BUILT_IN_DEFAULT_PLAN.model_dump(exclude={"kind"})
    for spec in specs:
        if spec is not None:
            values.update({name: value for name, value in spec if value is not None})
    return StepPlan(kind=kind, **values)


# ----------------------------------------------------------------------------------------------------------
# Governance instruments (issue 4)


def _scope_entry(value: Any) -> Any:
    if value == ALL_STAFF:
        return ALL_STAFF
    return _role(value).value


ScopeEntry = Annotated[str, BeforeValidator(_scope_entry)]


class Instrument(_Frozen):
    """A policy or governance instrument whose regular review the Director must ensure.

    `attestation_scope` lists roles, or `all_staff`; people in scope acknowledge each new version within
    `attestation_working_days`. The owner is warned `warning_working_days` before a review falls due.
    """

    id: InstrumentId
    title: Text
    owner: str
    review_interval_months: int = Field(ge=1)
    warning_working_days: int = Field(default=20, ge=0)
    attestation_scope: tuple[ScopeEntry, ...] = (ALL_STAFF,)
    attestation_working_days: int = Field(default=10, ge=1)
    approving_body: Literal["director", "board"]
    board_procedure: BoardProcedure = "board_vote"
    current_version: Annotated[Text, BeforeValidator(_version)]
    last_published_on: date

    @field_validator("attestation_scope", mode="before")
    @classmethod
    def _single_entry(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def next_review_on(self, published_on: date | None = None) -> date:
        """The review falls due one full interval after publication, even when approved inside the warning."""
        return add_months(published_on or self.last_published_on, self.review_interval_months)


# ----------------------------------------------------------------------------------------------------------
# Appraisals (issue 5)


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


# ----------------------------------------------------------------------------------------------------------
# The organisation


def _month_day(value: Any) -> Any:
    if isinstance(value, str):
        match = _MONTH_DAY.match(value)
        if match:
            month, day = int(match.group(1)), int(match.group(2))
            if 1 <= month <= 12 and 1 <= day <= _calendar.monthrange(2027, month)[1]:
                return value
    raise ValueError(f"{value!r} is not a month-day; write it as 'MM-DD', e.g. '01-01'")


def _step_kind(value: Any) -> Any:
    if isinstance(value, str) and not _KIND.match(value):
        raise ValueError(f"{value!r} is not a step kind: use lower-case words joined by underscores, e.g. 'screening'")
    return value


StepKind = Annotated[str, BeforeValidator(_step_kind)]


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

    @model_validator(mode="after")
    def _sections_fit_together(self) -> Organisation:
        problems = find_problems(OrganisationParts.of(self))
        if problems:
            raise OrganisationProblems(problems)
        return self

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


def _resolved_bands(
    bands: Sequence[AuthorityBand],
) -> Iterator[tuple[Decimal, Decimal | None, AuthorityBand]]:
    previous_upper = Decimal(0)
    for band in bands:
        lower = band.above_usd if band.above_usd is not None else previous_upper
        yield lower, band.up_to_usd, band
        previous_upper = band.up_to_usd if band.up_to_usd is not None else lower


# ----------------------------------------------------------------------------------------------------------
# Cross-section checks


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
