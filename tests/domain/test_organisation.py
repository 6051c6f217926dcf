"""The organisation file: the shipped example loads and answers governance questions; broken files are refused
with every error and its field path, and nothing is half-loaded."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from domain.organisation import (
    ALL_STAFF,
    Organisation,
    OrganisationLookupError,
    Role,
    UnknownPerson,
    add_months,
)
from domain.organisation_file import OrganisationInvalid, parse_organisation

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "organisation.yaml"
EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def org() -> Organisation:
    return parse_organisation(EXAMPLE_TEXT)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_EXAMPLE_RAW = yaml.load(EXAMPLE_TEXT, Loader=_LOADER)


def _raw() -> dict[str, Any]:
    return copy.deepcopy(_EXAMPLE_RAW)


def _dump(raw: dict[str, Any]) -> str:
    return yaml.dump(raw, Dumper=_DUMPER, sort_keys=False)


def _index(raw: dict[str, Any], person_id: str) -> int:
    return next(i for i, person in enumerate(raw["people"]) if person["id"] == person_id)


def _refused(mutate: Callable[[dict[str, Any]], None]) -> OrganisationInvalid:
    raw = _raw()
    mutate(raw)
    with pytest.raises(OrganisationInvalid) as caught:
        parse_organisation(_dump(raw))
    return caught.value


# ------------------------------------------------------------------------------------------------------------
# The example


def test_example_describes_a_secretariat_with_three_hubs_and_a_nine_member_board(org: Organisation) -> None:
    assert [hub.id for hub in org.hubs] == ["brussels", "pretoria", "hanoi"]
    assert len({hub.time_zone for hub in org.hubs}) == 3
    assert org.base_currency == "USD"
    assert org.fiscal_year_start_in(2027) == date(2027, 1, 1)
    assert len(org.board.voting_members) == 9
    assert org.board_chair().id == "board-chair"
    assert org.person("board-member-4").name == "Board Member 4 (UNOPS, ex officio)"
    assert {person.id for person in org.people_with_role(Role.MANAGEMENT_TEAM)} == {
        "director",
        "head-of-programmes",
        "head-of-operations",
        "head-of-partnerships",
        "fund-manager",
        "hub-manager-hanoi",
    }
    assert {instrument.id for instrument in org.instruments} == {
        "charter",
        "sops",
        "coi-policy",
        "risk-framework",
        "results-framework",
    }


def test_every_id_is_role_like_not_a_personal_name(org: Organisation) -> None:
    for person in org.people:
        assert person.id == person.id.lower() and " " not in person.id


def test_the_director_reports_to_the_unops_line(org: Organisation) -> None:
    director = org.director()
    assert director.id == "director"
    assert org.supervisor_of("director") is None
    assert org.second_reporting_officer_of("director") == "unops-regional-director"


def test_second_reporting_officer_is_the_supervisors_supervisor_or_the_directors_line(
    org: Organisation,
) -> None:
    assert org.supervisor_of("programme-officer-hanoi") == "head-of-programmes"
    assert org.second_reporting_officer_of("programme-officer-hanoi") == "director"
    # The Management Team reports to the Director, who has no supervisor: the Director's UNOPS line is second.
    assert org.second_reporting_officer_of("head-of-programmes") == "unops-regional-director"
    assert org.second_reporting_officer_of("programme-assistant-pretoria") == "head-of-programmes"
    with pytest.raises(OrganisationLookupError, match="no second reporting officer"):
        org.second_reporting_officer_of("board-member-2")


def test_staff_follows_roles_unless_stated(org: Organisation) -> None:
    assert org.person("hr-officer").staff
    assert org.person("director").staff
    assert not org.person("board-member-5").staff
    assert not org.person("grantee-contact-lima").staff
    assert not org.person("unops-regional-director").staff
    assert org.hub_of("programme-officer-hanoi") is not None
    assert org.hub_of("programme-officer-hanoi").time_zone == "Asia/Ho_Chi_Minh"  # type: ignore[union-attr]
    assert org.hub_of("board-member-5") is None


def test_roles_and_lookups(org: Organisation) -> None:
    assert org.has_role("finance-officer", Role.FINANCE_OFFICER)
    assert org.has_role("finance-officer", "finance_officer")
    assert not org.has_role("finance-officer", Role.DIRECTOR)
    assert len(org.people_with_role("programme_officer")) == 3
    with pytest.raises(UnknownPerson, match="Nobody with id 'nobody'"):
        org.person("nobody")


@pytest.mark.parametrize(
    ("amount", "approver", "needs_board", "band"),
    [
        (Decimal("0.01"), Role.HEAD_OF_PROGRAMMES, False, "up to USD 50,000"),
        (Decimal("50000"), Role.HEAD_OF_PROGRAMMES, False, "up to USD 50,000"),
        (Decimal("50000.01"), Role.DIRECTOR, False, "between USD 50,000 and 250,000"),
        (Decimal("250000"), Role.DIRECTOR, False, "between USD 50,000 and 250,000"),
        (Decimal("250000.01"), Role.DIRECTOR, True, "above USD 250,000"),
        (Decimal("1000000"), Role.DIRECTOR, True, "above USD 250,000"),
    ],
)
def test_delegation_of_authority_up_to_is_inclusive(
    org: Organisation, amount: Decimal, approver: Role, needs_board: bool, band: str
) -> None:
    route = org.approval_route(amount)
    assert route.approver_role is approver
    assert route.needs_board is needs_board
    assert route.band == band
    assert route.board_procedure == ("board_no_objection" if needs_board else None)


def test_approval_route_refuses_amounts_that_are_not_positive(org: Organisation) -> None:
    with pytest.raises(ValueError, match="above USD 0"):
        org.approval_route(Decimal("0"))
    assert org.approval_route(50000).approver_role is Role.HEAD_OF_PROGRAMMES
    assert org.approval_route("50000.01").approver_role is Role.DIRECTOR


def test_step_plans_fall_back_to_the_default(org: Organisation) -> None:
    screening = org.plan_for("screening")
    assert screening.kind == "screening"
    assert screening.working_days == 5
    assert screening.reminders.offsets == (-2, 0)
    assert screening.reminders.local_time.isoformat() == "09:00:00"
    assert screening.due_local_time.isoformat() == "17:00:00"
    # escalations were left out of `screening`, so they come from the default
    assert [(e.after_working_days, e.to) for e in screening.escalations] == [
        (2, "supervisor"),
        (5, "director"),
    ]

    unknown = org.plan_for("some_new_kind")
    assert unknown.kind == "some_new_kind"
    assert unknown.working_days == 10
    assert unknown.reminders.offsets == (-5, -1, 0)

    progress = org.plan_for("progress_report")
    assert [(e.after_working_days, e.to) for e in progress.escalations] == [
        (2, "officer"),
        (10, "head_of_programmes"),
    ]


def test_a_no_objection_lasts_the_boards_circulation_period(org: Organisation) -> None:
    plan = org.plan_for("no_objection")
    assert plan.working_days == org.board.no_objection_working_days == 10
    assert plan.escalations == ()


def test_escalation_targets(org: Organisation) -> None:
    late = "programme-officer-hanoi"
    assert org.escalation_target("supervisor", late) == "head-of-programmes"
    assert org.escalation_target("second_reporting_officer", late) == "director"
    assert org.escalation_target("director", late) == "director"
    assert org.escalation_target("board_chair", late) == "board-chair"
    assert org.escalation_target("officer", "grantee-contact-lima", case_officer=late) == late
    assert org.escalation_target("hr_officer", late) == "hr-officer"
    # several programme officers: the one in the late person's hub
    assert org.escalation_target("programme_officer", "communications-officer-hanoi") == "programme-officer-hanoi"
    assert org.escalation_target("internal-auditor", late) == "internal-auditor"
    with pytest.raises(OrganisationLookupError, match="case officer"):
        org.escalation_target("officer", "grantee-contact-lima")
    with pytest.raises(OrganisationLookupError, match="no supervisor"):
        org.escalation_target("supervisor", "director")


def test_board_quorum_and_threshold(org: Organisation) -> None:
    board = org.board
    assert board.quorum_needed(9) == 5
    assert board.quorum_needed(8) == 4  # one member recused
    assert board.quorum_met(responses=5, eligible=9)
    assert not board.quorum_met(responses=4, eligible=9)
    assert board.motion_carries(approvals=5, rejections=4)
    assert not board.motion_carries(approvals=4, rejections=4)
    assert board.motion_carries(approvals=2, rejections=1)  # abstentions are not counted
    assert not board.motion_carries(approvals=0, rejections=0)


def test_two_thirds_is_exact() -> None:
    raw = _raw()
    raw["board"]["pass_threshold"] = "two_thirds"
    board = parse_organisation(_dump(raw)).board
    assert board.motion_carries(approvals=6, rejections=3)
    assert not board.motion_carries(approvals=5, rejections=3)


def test_instruments_and_attestation_scope(org: Organisation) -> None:
    charter = org.instrument("charter")
    assert charter.approving_body == "board"
    assert charter.attestation_scope == (ALL_STAFF,)
    assert charter.next_review_on() == date(2028, 6, 30)
    assert org.instrument("sops").next_review_on(date(2027, 1, 31)) == date(2028, 1, 31)
    coi_scope = {person.id for person in org.attestation_scope_of("coi-policy")}
    assert {"hr-officer", "board-chair", "board-member-9"} <= coi_scope
    assert "grantee-contact-lima" not in coi_scope
    risk_scope = {person.id for person in org.attestation_scope_of("risk-framework")}
    assert risk_scope == {
        "director",
        "head-of-programmes",
        "head-of-operations",
        "head-of-partnerships",
        "fund-manager",
        "hub-manager-hanoi",
        "finance-officer",
        "compliance-officer",
        "internal-auditor",
    }
    with pytest.raises(OrganisationLookupError, match="known instruments"):
        org.instrument("constitution")


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 15), 3) == date(2028, 2, 15)


def test_appraisal_scale(org: Organisation) -> None:
    appraisal = org.appraisal
    assert appraisal is not None
    assert appraisal.is_below_fully_meets("partially_meets")
    assert not appraisal.is_below_fully_meets("fully_meets")
    assert not appraisal.is_below_fully_meets("outstanding")
    assert appraisal.level("exceeds").label == "Exceeds expectations"


def test_the_snapshot_survives_a_json_round_trip(org: Organisation) -> None:
    # Workflows receive the organisation through an activity, i.e. as JSON.
    assert Organisation.model_validate_json(org.model_dump_json()) == org
    assert Organisation.model_validate(org.model_dump(mode="json")) == org


def test_the_snapshot_is_frozen(org: Organisation) -> None:
    with pytest.raises(ValidationError):
        org.person("director").name = "Someone"  # type: ignore[misc]


def test_yaml_one_point_one_surprises_are_avoided() -> None:
    # NO is Norway, not false; an unquoted 17:00 is a time, not the number 1020.
    text = EXAMPLE_TEXT.replace("country: VN", "country: NO").replace(
        'due_local_time: "17:00"', "due_local_time: 17:00"
    )
    org = parse_organisation(text)
    assert org.hub("hanoi").country == "NO"
    assert org.plan_for("default").due_local_time.hour == 17


# ------------------------------------------------------------------------------------------------------------
# Invalid files: each refused with its field path


def test_bad_yaml_reports_the_line() -> None:
    with pytest.raises(OrganisationInvalid) as caught:
        parse_organisation("name: Example\npeople: [\n  {id: director\n")
    assert caught.value.errors[0].startswith("yaml: line ")


def test_a_key_given_twice_is_refused() -> None:
    with pytest.raises(OrganisationInvalid, match="line 2.*found the key 'name' twice"):
        parse_organisation("name: A\nname: B\n")


def test_a_file_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(OrganisationInvalid, match="organisation: the file must be a YAML mapping"):
        parse_organisation("- just\n- a list\n")


def _hub(raw: dict[str, Any], person_id: str, hub: str) -> None:
    raw["people"][_index(raw, person_id)]["hub"] = hub


def _set(raw: dict[str, Any], person_id: str, **fields: Any) -> None:
    raw["people"][_index(raw, person_id)].update(fields)


INVALID_FILES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "missing field",
        lambda raw: raw["people"][_index(raw, "finance-officer")].pop("email"),
        "people[8].email: required field is missing",
    ),
    (
        "unknown hub",
        lambda raw: _hub(raw, "head-of-operations", "nairobi"),
        "people[3].hub: unknown hub 'nairobi'; known hubs: brussels, pretoria, hanoi",
    ),
    (
        "invalid time zone",
        lambda raw: _set(raw, "head-of-operations", time_zone="Europe/Brusels"),
        "people[3].time_zone: unknown IANA time zone 'Europe/Brusels'",
    ),
    (
        "unknown supervisor",
        lambda raw: _set(raw, "programme-officer-brussels", supervisor="head-of-nothing"),
        "people[5].supervisor: unknown person 'head-of-nothing'",
    ),
    (
        "supervisor cycle",
        lambda raw: _set(raw, "director", supervisor="programme-officer-hanoi"),
        "people[0].supervisor: supervisor cycle: director -> programme-officer-hanoi -> head-of-programmes -> director",
    ),
    (
        "supervising oneself",
        lambda raw: _set(raw, "hr-officer", supervisor="hr-officer"),
        "people[10].supervisor: a person cannot supervise themselves",
    ),
    (
        "chair not voting",
        lambda raw: raw["board"].update(voting_members=raw["board"]["voting_members"][1:]),
        "board.chair: 'board-chair' is not a voting member",
    ),
    (
        "board member lacking the role",
        lambda raw: raw["board"]["voting_members"].append("finance-officer"),
        "board.voting_members[9]: 'finance-officer' does not hold role board_chair or board_member",
    ),
    (
        "unknown board member",
        lambda raw: raw["board"]["voting_members"].__setitem__(3, "board-member-99"),
        "board.voting_members[3]: unknown person 'board-member-99'",
    ),
    (
        "quorum out of range",
        lambda raw: raw["board"].update(quorum=1.5),
        "board.quorum: quorum 3/2 is out of range",
    ),
    (
        "threshold out of range",
        lambda raw: raw["board"].update(pass_threshold={"more_than": 0.3}),
        "board.pass_threshold: more_than 3/10 is out of range",
    ),
    (
        "delegation gap",
        lambda raw: raw["delegation_of_authority"][2].update(above_usd=300000),
        "delegation_of_authority[2].above_usd: gap: amounts above USD 250,000 up to 300,000 have no approver",
    ),
    (
        "delegation overlap",
        lambda raw: raw["delegation_of_authority"][2].update(above_usd=200000),
        "delegation_of_authority[2].above_usd: overlap: this band starts at USD 200,000",
    ),
    (
        "delegation not covering large amounts",
        lambda raw: raw["delegation_of_authority"].pop(),
        "delegation_of_authority[1].up_to_usd: amounts above USD 250,000 have no approver",
    ),
    (
        "delegation out of order",
        lambda raw: raw["delegation_of_authority"].insert(2, {"up_to_usd": 100000, "approver_role": "director"}),
        "delegation_of_authority[2].up_to_usd: overlap: the band ends at USD 100,000, not above where it starts",
    ),
    (
        "unknown role",
        lambda raw: raw["people"][3]["roles"].append("chief_of_everything"),
        "people[3].roles[2]: unknown role 'chief_of_everything'; known roles: director,",
    ),
    (
        "unknown delegation role",
        lambda raw: raw["delegation_of_authority"][0].update(approver_role="treasurer"),
        "delegation_of_authority[0].approver_role: unknown role 'treasurer'",
    ),
    (
        "duplicate person id",
        lambda raw: raw["people"].append({**raw["people"][_index(raw, "hr-officer")]}),
        "people[33].id: duplicate person id 'hr-officer' (first used by people[10])",
    ),
    (
        "invalid email",
        lambda raw: _set(raw, "compliance-officer", email="compliance at example"),
        "people[9].email: 'compliance at example' is not an e-mail address",
    ),
    (
        "two directors",
        lambda raw: raw["people"][_index(raw, "head-of-programmes")]["roles"].append("director"),
        "people: exactly one person must hold role 'director'; found 2: director, head-of-programmes",
    ),
    (
        "no director",
        lambda raw: _set(raw, "director", roles=["management_team"]),
        "people: exactly one person must hold role 'director'; found none",
    ),
    (
        "unknown instrument owner",
        lambda raw: raw["instruments"][1].update(owner="head-of-nothing"),
        "instruments[1].owner: unknown person 'head-of-nothing'",
    ),
    (
        "personal name as id",
        lambda raw: raw["people"].append({**raw["people"][_index(raw, "hr-officer")], "id": "Jane Doe"}),
        "people[33].id: 'Jane Doe' is not a role-like id",
    ),
    (
        "misspelt field",
        lambda raw: _set(raw, "hr-officer", supervsior="head-of-operations"),
        "people[10].supervsior: unknown field",
    ),
    (
        "staff without a hub",
        lambda raw: raw["people"][_index(raw, "hr-officer")].pop("hub"),
        "people[10].hub: staff members need a hub",
    ),
    (
        "unknown escalation target",
        lambda raw: raw["step_plans"]["screening"].update(escalations=[{"after_working_days": 2, "to": "somebody"}]),
        "step_plans.screening.escalations[0].to: 'somebody' is neither a relation",
    ),
    (
        "unquoted clock time read as a number",
        lambda raw: raw["step_plans"]["screening"].update(due_local_time=1020),
        "step_plans.screening.due_local_time: 1020 is not a local time",
    ),
    (
        "unknown country",
        lambda raw: raw["hubs"][1].update(country="XX"),
        "hubs[1].country: 'XX' is not a country code the holidays package knows",
    ),
    (
        "closure period backwards",
        lambda raw: raw["hubs"][0]["closure_days"].append({"first": "2027-08-10", "last": "2027-08-01"}),
        "hubs[0].closure_days[3]: closure period ends (2027-08-01) before it starts (2027-08-10)",
    ),
    (
        "fully meets not on the scale",
        lambda raw: raw["appraisal"].update(fully_meets="satisfactory"),
        "appraisal.fully_meets: 'satisfactory' is not on the rating scale",
    ),
    (
        "country the holidays package does not know",
        lambda raw: raw["hubs"][1].update(country="QQ"),
        "hubs[1].country: 'QQ' is not a country code the holidays package knows (use ISO alpha-2, e.g. 'BE')",
    ),
    (
        "unknown subdivision",
        lambda raw: raw["hubs"][0].update(subdivision="ZZ"),
        "hubs[0].subdivision: unknown subdivision 'ZZ' of BE: the holidays package knows these subdivisions of "
        "BE: Flemish, French, German",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [case[1:] for case in INVALID_FILES], ids=[c[0] for c in INVALID_FILES]
)
def test_an_invalid_file_is_refused_with_its_field_path(
    mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    refusal = _refused(mutate)
    assert any(error.startswith(expected) for error in refusal.errors), refusal.errors
    assert expected in str(refusal)


def test_three_errors_are_all_reported() -> None:
    def three_mistakes(raw: dict[str, Any]) -> None:
        _hub(raw, "head-of-operations", "nairobi")
        _set(raw, "head-of-partnerships", time_zone="Mars/Olympus")
        _set(raw, "director", supervisor="programme-officer-hanoi")

    refusal = _refused(three_mistakes)
    assert len(refusal.errors) == 3, refusal.errors
    paths = sorted(error.split(":")[0] for error in refusal.errors)
    assert paths == ["people[0].supervisor", "people[3].hub", "people[4].time_zone"]
    assert "has 3 errors" in str(refusal)


def test_a_broken_record_does_not_hide_cross_reference_errors_elsewhere() -> None:
    def mistakes(raw: dict[str, Any]) -> None:
        raw["people"][_index(raw, "head-of-programmes")].pop("email")  # field error on a supervisor
        _set(raw, "internal-auditor", supervisor="head-of-nothing")  # cross-reference error
        raw["board"].update(quorum=0)  # board fails its own validation; the chair check still runs
        raw["board"]["chair"] = "board-member-99"

    errors = _refused(mistakes).errors
    assert "people[2].email: required field is missing" in errors
    assert "people[11].supervisor: unknown person 'head-of-nothing'" in errors
    assert any(error.startswith("board.quorum:") for error in errors)
    assert any(error.startswith("board.chair: 'board-member-99' is not a voting member") for error in errors)
    # people supervised by the broken head-of-programmes record are not reported as orphans
    assert not any("unknown person 'head-of-programmes'" in error for error in errors)


def test_building_the_model_directly_runs_the_same_cross_checks(org: Organisation) -> None:
    data = org.model_dump(mode="json")
    data["board"]["chair"] = "board-member-2"  # a voting member, but without the board_chair role
    with pytest.raises(ValidationError, match="board.chair: 'board-member-2' does not hold role board_chair"):
        Organisation.model_validate(data)


def test_a_snapshot_is_cross_checked_once_and_a_changed_copy_again(
    org: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Handing the validated snapshot to a `Context` does not run its cross-checks again; a copy with changes is
    checked when it is next validated, and refused if its sections no longer fit together."""
    import domain.organisation.snapshot as snapshot
    from domain.case import Context

    checked: list[int] = []
    real = snapshot.find_problems

    def counting(parts: Any) -> Any:
        checked.append(1)
        return real(parts)

    monkeypatch.setattr(snapshot, "find_problems", counting)
    for _ in range(3):
        assert Context(organisation=org, now=datetime(2027, 1, 4, tzinfo=UTC)).organisation is org
    assert checked == []

    stranger = org.model_copy(update={"board": org.board.model_copy(update={"chair": "nobody-here"})})
    with pytest.raises(ValidationError):
        Context(organisation=stranger, now=datetime(2027, 1, 4, tzinfo=UTC))
    assert checked == [1]


def test_a_hub_in_any_country_or_subdivision_the_holidays_package_knows_is_accepted() -> None:
    raw = _raw()
    raw["hubs"][0].update(country="ch", subdivision="GE")  # lower case is the same code
    raw["hubs"][1].update(country="US", subdivision="NY")
    raw["hubs"][2].update(country="KE")
    hubs = {hub.id: hub for hub in parse_organisation(_dump(raw)).hubs}
    assert (hubs["brussels"].country, hubs["brussels"].subdivision) == ("CH", "GE")
    assert (hubs["pretoria"].country, hubs["pretoria"].subdivision) == ("US", "NY")
    assert hubs["hanoi"].country == "KE"


def test_checking_a_hubs_country_loads_no_calendar() -> None:
    """Reading an organisation file whose hubs name no subdivision loads none of the holidays package's country
    modules (all 250 load together, a tenth of a second on every command); its calendars load when used."""
    probe = (
        "import sys, pathlib; from domain.organisation_file import parse_organisation; "
        f"org = parse_organisation(pathlib.Path({str(EXAMPLE)!r}).read_text()); "
        "print(sum(m.startswith('holidays.countries.') for m in sys.modules)); "
        "from domain.working_days import HubCalendar; HubCalendar.for_hub(org.hubs[0]); "
        "print(sum(m.startswith('holidays.countries.') for m in sys.modules) > 0)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "True"]
