"""Launching one year's appraisal cycle (`domain.appraisal_cycle`), and the cycle's phase dates.

The Director or the HR Officer launches the cycle for a scope; the first launch fixes the phase dates, later
launches add people under the same dates and never anyone twice. Each launched person's appraisal then opens as
its own case (`domain.appraisal.open_appraisal`), which the last tests do for every person a launch names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from domain import appraisal_cycle
from domain.appraisal import OPENED, open_appraisal
from domain.appraisal_cycle import APPRAISAL_CYCLE, AppraisalCycleState
from domain.appraisal_phases import PhaseDates, default_phase_dates, phase_dates
from domain.case import Context
from domain.errors import NotAllowed
from domain.events import DomainEvent
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation
from tests.support.case_run import CaseRun

EXAMPLE_ORGANISATION = Path(__file__).resolve().parents[2] / "examples" / "organisation.yaml"
#: A Monday in January 2027, after the year-end closure.
JANUARY = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
#: Monday 1 March 2027, the Brussels partnerships officer's first day.
MARCH = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

MANAGEMENT_TEAM = (
    "head-of-programmes",
    "head-of-operations",
    "head-of-partnerships",
    "fund-manager",
    "hub-manager-hanoi",
)
PROGRAMMES = (
    "head-of-programmes",
    "programme-officer-brussels",
    "programme-officer-pretoria",
    "programme-officer-hanoi",
    "programme-assistant-pretoria",
)
PHASE_ORDER = (
    "objectives_due",
    "mid_year_opens",
    "mid_year_due",
    "self_assessment_opens",
    "self_assessment_due",
    "assessment_due",
    "second_review_due",
)


@dataclass(kw_only=True)
class Cycle(CaseRun):
    """One cycle as its workflow holds it: the state, and the audit trail appended so far."""

    decider = APPRAISAL_CYCLE

    state: AppraisalCycleState
    clock: datetime = JANUARY

    def launch(
        self, actor: str = "director", *, at: datetime | None = None, comment: str | None = None, **fields: Any
    ) -> list[DomainEvent]:
        fields.setdefault("cycle", 2027)
        return self.act(actor, "launch", at=at, comment=comment, **fields)

    def refusal(self, actor: str = "director", *, at: datetime | None = None, **fields: Any) -> str:  # type: ignore[override]
        """The sentence a person reads; the state and the trail stay as they were."""
        fields.setdefault("cycle", 2027)
        sentence = super().refusal(actor, "launch", at=at, **fields)
        assert sentence.endswith("."), f"a refusal is a sentence: {sentence!r}"
        return sentence

    def launched(self, events: list[DomainEvent]) -> dict[str, Any]:
        [launch] = [event for event in events if event.type == appraisal_cycle.LAUNCHED]
        return launch.payload


@pytest.fixture(scope="module")
def org() -> Organisation:
    return parse_organisation(EXAMPLE_ORGANISATION.read_text(encoding="utf-8"))


@pytest.fixture
def cycle(org: Organisation) -> Cycle:
    return Cycle(organisation=org, state=APPRAISAL_CYCLE.initial_state("appraisal/2027"))


def skipped(payload: dict[str, Any]) -> dict[str, str]:
    return {item["person"]: item["reason"] for item in payload["skipped"]}


# -- who launches -----------------------------------------------------------------------------------------------
class TestWhoLaunches:
    @pytest.mark.parametrize("launcher", ["director", "hr-officer"])
    def test_the_director_or_the_hr_officer(self, cycle: Cycle, launcher: str) -> None:
        events = cycle.launch(launcher, scope={"roles": ["management_team"]}, comment="2027 cycle")
        assert [event.type for event in events] == [appraisal_cycle.CYCLE_OPENED, appraisal_cycle.LAUNCHED]
        assert all(event.actor == launcher for event in events)
        assert events[1].reason == "2027 cycle"
        assert events[1].outcome == "launched"

    @pytest.mark.parametrize(
        ("actor", "name"),
        [
            ("head-of-operations", "Head of Operations"),
            ("compliance-officer", "Compliance Officer"),
            ("board-chair", "Board Chair (Member State)"),
            ("unops-regional-director", "UNOPS Regional Director (reporting line)"),
        ],
    )
    def test_nobody_else(self, cycle: Cycle, actor: str, name: str) -> None:
        assert cycle.refusal(actor) == (
            f"Only the Director or the HR Officer may launch an appraisal cycle; {name} is neither."
        )

    def test_an_unknown_actor(self, cycle: Cycle) -> None:
        assert cycle.refusal("nobody") == "Unknown person 'nobody': not in the organisation file."

    def test_the_case_is_the_cycles(self, cycle: Cycle) -> None:
        assert cycle.refusal(cycle=2028) == "The 2028 cycle is the case appraisal/2028, not appraisal/2027."

    def test_no_appraisal_section_no_cycle(self) -> None:
        text = EXAMPLE_ORGANISATION.read_text(encoding="utf-8")
        without = text[: text.index("\nappraisal:\n")] + "\n"
        bare = Cycle(organisation=parse_organisation(without), state=APPRAISAL_CYCLE.initial_state("appraisal/2027"))
        assert "has no 'appraisal' section" in bare.refusal()


# -- scope ------------------------------------------------------------------------------------------------------
class TestScope:
    def test_the_management_team_without_the_director(self, cycle: Cycle) -> None:
        payload = cycle.launched(cycle.launch(scope={"roles": ["management_team"]}))
        assert tuple(payload["people"]) == MANAGEMENT_TEAM
        assert payload["cases"] == [f"appraisal/2027/{person}" for person in MANAGEMENT_TEAM]
        assert payload["already_in_cycle"] == []
        reasons = skipped(payload)
        assert list(reasons) == ["director"]
        assert "no first reporting officer" in reasons["director"]
        assert payload["scope"] == {"units": [], "roles": ["management_team"], "reporting_to": None, "people": []}
        assert cycle.state.launched == MANAGEMENT_TEAM
        assert cycle.state.launches == 1

    def test_a_unit(self, cycle: Cycle) -> None:
        payload = cycle.launched(cycle.launch(scope={"units": ["Programmes"]}))
        assert tuple(payload["people"]) == PROGRAMMES
        assert payload["skipped"] == []

    def test_several_units(self, cycle: Cycle) -> None:
        payload = cycle.launched(cycle.launch(scope={"units": ["Operations", "Oversight"]}))
        assert payload["people"] == [
            "head-of-operations",
            "finance-officer",
            "compliance-officer",
            "hr-officer",
            "internal-auditor",
        ]

    def test_a_unit_and_a_role_must_both_match(self, cycle: Cycle) -> None:
        payload = cycle.launched(cycle.launch(scope={"units": ["Programmes"], "roles": ["programme_officer"]}))
        assert payload["people"] == [
            "programme-officer-brussels",
            "programme-officer-pretoria",
            "programme-officer-hanoi",
        ]

    def test_those_reporting_to_someone(self, cycle: Cycle) -> None:
        payload = cycle.launched(cycle.launch(scope={"reporting_to": "head-of-partnerships"}))
        assert payload["people"] == ["communications-officer-hanoi"]
        assert skipped(payload) == {"partnerships-officer-brussels": "joins on 2027-03-01"}

    def test_all_staff_when_no_scope_is_given(self, cycle: Cycle) -> None:
        payload = cycle.launched(cycle.launch("hr-officer"))
        staff = [person.id for person in cycle.organisation.staff()]
        assert payload["people"] == [p for p in staff if p not in ("director", "partnerships-officer-brussels")]
        assert set(skipped(payload)) == {"director", "partnerships-officer-brussels"}
        assert "rebuttal-reviewer" not in payload["people"]  # not Secretariat staff
        assert "unops-regional-director" not in payload["people"]

    def test_an_unknown_unit(self, cycle: Cycle) -> None:
        sentence = cycle.refusal(scope={"units": ["Procurement"]})
        assert sentence.startswith("No unit 'Procurement' is in the organisation file; its units are: ")
        assert "Programmes" in sentence and "Operations" in sentence

    def test_an_unknown_role(self, cycle: Cycle) -> None:
        assert cycle.refusal(scope={"roles": ["procurement_officer"]}) == (
            "Nobody in the organisation file holds the role 'procurement_officer'."
        )

    @pytest.mark.parametrize("scope", [{"people": ["jane-doe"]}, {"reporting_to": "jane-doe"}])
    def test_an_unknown_person(self, cycle: Cycle, scope: dict[str, Any]) -> None:
        assert cycle.refusal(scope=scope) == "Unknown person 'jane-doe': not in the organisation file."

    def test_a_scope_with_nobody_to_appraise(self, cycle: Cycle) -> None:
        assert cycle.refusal(scope={"people": ["director"]}) == (
            "Nothing to launch: 1 cannot be appraised in it now (director)."
        )
        assert cycle.state.phases is None  # the refused launch did not open the cycle


# -- joiners and later launches ---------------------------------------------------------------------------------
class TestLaterLaunches:
    def test_a_joiner_is_skipped_until_they_join_then_launched(self, cycle: Cycle) -> None:
        january = cycle.launched(cycle.launch(scope={"units": ["Partnerships and Communications"]}))
        assert january["people"] == ["head-of-partnerships", "communications-officer-hanoi"]
        assert skipped(january) == {"partnerships-officer-brussels": "joins on 2027-03-01"}

        # 28 February, 23:59 in Brussels: not yet.
        assert cycle.refusal(
            scope={"people": ["partnerships-officer-brussels"]}, at=datetime(2027, 2, 28, 22, 59, tzinfo=UTC)
        ) == ("Nothing to launch: 1 cannot be appraised in it now (partnerships-officer-brussels).")
        assert cycle.refusal(
            scope={"units": ["Partnerships and Communications"]}, at=datetime(2027, 2, 28, 22, 59, tzinfo=UTC)
        ).startswith("Nothing to launch: ")

        march = cycle.launch(scope={"units": ["Partnerships and Communications"]}, at=MARCH)
        assert [event.type for event in march] == [appraisal_cycle.LAUNCHED]  # the cycle is already open
        payload = cycle.launched(march)
        assert payload["people"] == ["partnerships-officer-brussels"]
        assert payload["already_in_cycle"] == ["head-of-partnerships", "communications-officer-hanoi"]
        assert payload["skipped"] == []
        assert cycle.state.launched == (
            "head-of-partnerships",
            "communications-officer-hanoi",
            "partnerships-officer-brussels",
        )
        assert cycle.state.launches == 2

    def test_the_joining_day_is_the_joiners_local_day(self, cycle: Cycle) -> None:
        midnight_in_brussels = datetime(2027, 2, 28, 23, 0, tzinfo=UTC)
        payload = cycle.launched(
            cycle.launch(scope={"people": ["partnerships-officer-brussels"]}, at=midnight_in_brussels)
        )
        assert payload["people"] == ["partnerships-officer-brussels"]

    def test_the_same_scope_twice_launches_nothing(self, cycle: Cycle) -> None:
        cycle.launch(scope={"roles": ["management_team"]})
        assert cycle.refusal(scope={"roles": ["management_team"]}) == (
            "Nothing to launch: 5 in scope are already in the 2027 cycle and 1 cannot be appraised in it now "
            "(director)."
        )
        assert cycle.refusal("hr-officer", scope={"people": ["head-of-programmes"]}) == (
            "Nothing to launch: 1 in scope is already in the 2027 cycle."
        )
        assert cycle.state.launched == MANAGEMENT_TEAM

    def test_nothing_to_launch_does_not_claim_a_skipped_joiner_already_has_an_appraisal(self, cycle: Cycle) -> None:
        """When some of the scope is already in the cycle and the rest is skipped, the refusal says which is which."""
        cycle.launch(scope={"units": ["Partnerships and Communications"]})
        sentence = cycle.refusal(scope={"units": ["Partnerships and Communications"]})
        assert sentence.startswith("Nothing to launch: ")
        assert "everyone in scope already has" not in sentence, (
            f"partnerships-officer-brussels (joins on 2027-03-01) has no appraisal, yet: {sentence!r}"
        )

    def test_a_later_launch_never_adds_anyone_twice(self, cycle: Cycle) -> None:
        cycle.launch(scope={"roles": ["management_team"]})
        payload = cycle.launched(cycle.launch("hr-officer", scope={"units": ["Programmes"]}))
        assert tuple(payload["people"]) == PROGRAMMES[1:]
        assert payload["already_in_cycle"] == ["head-of-programmes"]
        assert len(cycle.state.launched) == len(set(cycle.state.launched)) == 9

    def test_a_later_launch_keeps_the_cycles_phase_dates(self, cycle: Cycle) -> None:
        cycle.launch(scope={"roles": ["management_team"]}, phases={"objectives_due": "2027-03-15"})
        assert cycle.state.phases is not None
        assert cycle.state.phases.objectives_due == date(2027, 3, 15)

        assert cycle.refusal(scope={"units": ["Programmes"]}, phases={"objectives_due": "2027-03-31"}) == (
            "The 2027 cycle was launched with objectives_due 2027-03-15; a later launch keeps the cycle's phase dates."
        )
        assert "was launched with mid_year_opens 2027-06-01" in cycle.refusal(
            scope={"units": ["Programmes"]}, phases={"mid_year_opens": "2027-06-02"}
        )

        same = cycle.launch(scope={"units": ["Operations"]}, phases={"objectives_due": "2027-03-15"})
        assert [event.type for event in same] == [appraisal_cycle.LAUNCHED]
        none_given = cycle.launch(scope={"units": ["Programmes"]})
        assert [event.type for event in none_given] == [appraisal_cycle.LAUNCHED]
        assert cycle.state.phases.objectives_due == date(2027, 3, 15)
        assert len(cycle.events) == 4  # opened once, launched three times


# -- phase dates ------------------------------------------------------------------------------------------------
class TestPhaseDates:
    @pytest.mark.parametrize("year", [2026, 2027, 2028, 2031])
    def test_the_defaults_are_in_order(self, year: int) -> None:
        days = [getattr(default_phase_dates(year), name) for name in PHASE_ORDER]
        assert days == sorted(days)
        assert days[0].year == year and days[-1].year == year + 1

    def test_the_first_launch_records_the_default_dates(self, cycle: Cycle) -> None:
        [opened, _] = cycle.launch(scope={"roles": ["management_team"]})
        assert opened.payload == {"cycle": 2027, "phases": default_phase_dates(2027).model_dump(mode="json")}
        assert opened.payload["phases"] == {
            "objectives_due": "2027-03-31",
            "mid_year_opens": "2027-06-01",
            "mid_year_due": "2027-07-31",
            "self_assessment_opens": "2027-12-01",
            "self_assessment_due": "2028-01-31",
            "assessment_due": "2028-02-28",
            "second_review_due": "2028-03-15",
        }
        assert cycle.state.phases == default_phase_dates(2027)
        summary = APPRAISAL_CYCLE.stage_summary(cycle.state)
        assert summary["phases"] == opened.payload["phases"]
        assert summary["appraisals"] == [f"appraisal/2027/{person}" for person in MANAGEMENT_TEAM]
        assert summary["launches"] == 1

    def test_given_days_replace_the_defaults(self, cycle: Cycle) -> None:
        [opened, _] = cycle.launch(
            scope={"roles": ["management_team"]}, phases={"mid_year_opens": "2027-06-15", "mid_year_due": "2027-08-15"}
        )
        expected = default_phase_dates(2027).model_copy(
            update={"mid_year_opens": date(2027, 6, 15), "mid_year_due": date(2027, 8, 15)}
        )
        assert PhaseDates.model_validate(opened.payload["phases"]) == expected

    def test_days_out_of_order_are_refused_naming_the_two_days(self, cycle: Cycle) -> None:
        sentence = cycle.refusal(phases={"mid_year_opens": "2027-03-01"})
        assert sentence.startswith("The phase dates of the 2027 cycle are out of order: ")
        assert "mid_year_opens (2027-03-01) comes before objectives_due (2027-03-31)" in sentence
        assert cycle.state.phases is None

    def test_the_out_of_order_sentence_carries_no_pydantic_detail(self, cycle: Cycle) -> None:
        """Regression: the sentence keeps pydantic's tail
        "[type=value_error, input_value={...}, input_type=dict]" after the two days."""
        sentence = cycle.refusal(phases={"mid_year_opens": "2027-03-01"})
        assert "[type=" not in sentence and "input_value" not in sentence, f"pydantic detail in {sentence!r}"
        assert sentence == (
            "The phase dates of the 2027 cycle are out of order: mid_year_opens (2027-03-01) comes before "
            "objectives_due (2027-03-31)."
        )

    def test_phase_dates_directly_out_of_order(self) -> None:
        with pytest.raises(NotAllowed) as refused:
            phase_dates(2027, {"second_review_due": date(2028, 2, 1)})
        sentence = str(refused.value)
        assert "second_review_due (2028-02-01) comes before assessment_due (2028-02-28)" in sentence
        assert sentence.endswith(".")

    def test_an_unknown_phase_name_is_not_called_out_of_order(self, cycle: Cycle) -> None:
        # Regression: a misspelt phase is refused as
        # "The phase dates of the 2027 cycle are out of order: objective_due." -- it is not out of order, it is
        # not a phase; the sentence should say so (and name the known phases).
        sentence = cycle.refusal(phases={"objective_due": "2027-03-15"})
        assert "objective_due" in sentence
        assert "out of order" not in sentence, f"an unknown phase is reported as out of order: {sentence!r}"


# -- what a launch opens ----------------------------------------------------------------------------------------
class TestLaunchedAppraisalsOpen:
    def test_every_launched_person_has_an_appraisal_with_the_cycles_dates(self, cycle: Cycle) -> None:
        payload = cycle.launched(cycle.launch("hr-officer", phases={"objectives_due": "2027-03-15"}))
        assert cycle.state.phases is not None
        for person, case_id in zip(payload["people"], payload["cases"], strict=True):
            context = Context(organisation=cycle.organisation, now=cycle.clock)
            drafts = open_appraisal(case_id, 2027, person, cycle.state.phases, "hr-officer", context)
            opened = drafts[0]
            assert (opened.type, opened.actor) == (OPENED, "hr-officer")
            assert opened.payload["phases"]["objectives_due"] == "2027-03-15"
            first, second = opened.payload["first_reporting_officer"], opened.payload["second_reporting_officer"]
            assert len({person, first, second}) == 3
            assert drafts[1].payload["assignee"] == person
