"""One person's annual appraisal, driven as its workflow drives it (`domain.appraisal`).

Steps are resolved by `plan_schedule`, as the calendar activity does, folded with `case.evolve`, and timers fire
with `decide_timers`. The example organisation: the Director (no supervisor; second reporting officer the UNOPS
Regional Director) appraises the Management Team, whose second reporting officer is therefore the UNOPS Regional
Director; the Head of Programmes appraises the programme officers, with the Director second.

Assertions are what a person or an auditor checks: who acted, on whose behalf, which step opened for whom and
when it is due, who was told what, the sentence of a refusal, and that no confidential content leaves
`payload["content"]`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain import appraisal, case, timed_step
from domain.appraisal import APPRAISAL, AppraisalState, open_appraisal, phase_status
from domain.appraisal_phases import default_phase_dates
from domain.case import CASE_CLOSED, Context
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.organisation import Organisation
from domain.organisation_file import parse_organisation
from tests.support.case_run import CaseRun

EXAMPLE_ORGANISATION = Path(__file__).resolve().parents[2] / "examples" / "organisation.yaml"
CYCLE = 2027
PHASES = default_phase_dates(CYCLE)

#: A Monday in January 2027, after the year-end closure: objective setting is open.
OPENING = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
#: A Wednesday just after the mid-year review opens (1 June).
MID_YEAR = datetime(2027, 6, 2, 9, 0, tzinfo=UTC)
#: Wednesday 1 December 2027, the day the self-assessment opens, well before the year-end closure.
YEAR_END = datetime(2027, 12, 1, 9, 0, tzinfo=UTC)

#: Plaintext that only ever travels under payload["content"].
OBJECTIVES_TEXT = "Deliver twelve grant agreements in the Sahel"
OBJECTIVES_REVISED = "Deliver eleven grant agreements and two audits"
RETURN_COMMENT = "Targets are not measurable yet"
MID_YEAR_COMMENT = "Halfway there with the Sahel grants"
ASSESSMENT_TEXT = "I closed nine agreements despite the freeze"
RATING_COMMENT = "Fell short on the agreed targets"
SECOND_COMMENT = "The rating reflects the freeze unfairly"
ACK_COMMENT = "I disagree with the rating"
STATEMENT = "The hiring freeze changed my targets mid-year"
FINDING = "Targets were changed mid-year without a written revision"
SECRETS = (
    OBJECTIVES_TEXT,
    OBJECTIVES_REVISED,
    RETURN_COMMENT,
    MID_YEAR_COMMENT,
    ASSESSMENT_TEXT,
    RATING_COMMENT,
    SECOND_COMMENT,
    ACK_COMMENT,
    STATEMENT,
    FINDING,
)
CONFIDENTIAL_FIELDS = {"objectives", "assessment", "rating", "comment", "statement", "finding", "decision"}


# -- the driver: decide, resolve schedules, evolve -------------------------------------------------------------


@dataclass(kw_only=True)
class Appraisal(CaseRun):
    """One appraisal as its workflow holds it: the state, and the audit trail appended so far."""

    decider = APPRAISAL

    state: AppraisalState
    clock: datetime = OPENING

    def refusal(
        self, actor: str, action: str, *, at: datetime | None = None, comment: str | None = None, **fields: Any
    ) -> str:
        """The sentence a person reads; the state and the trail stay as they were."""
        sentence = super().refusal(actor, action, at=at, comment=comment, **fields)
        assert sentence.endswith("."), f"a refusal is a sentence: {sentence!r}"
        return sentence

    def attempt(self, actor: str, action: str, *, comment: str | None = None, **fields: Any) -> str | None:
        """Act if the rules allow it: None when accepted (and appended), else the refusal."""
        try:
            self.act(actor, action, comment=comment, **fields)
        except NotAllowed as refused:
            return str(refused)
        return None

    # -- the usual road, step by step ----------------------------------------------------------------------
    @property
    def staff(self) -> str:
        assert self.state.staff_member is not None
        return self.state.staff_member

    @property
    def first(self) -> str:
        assert self.state.first_reporting_officer is not None
        return self.state.first_reporting_officer

    @property
    def second(self) -> str:
        assert self.state.second_reporting_officer is not None
        return self.state.second_reporting_officer

    def objectives_agreed(self) -> Appraisal:
        self.act(self.staff, "propose-objectives", objectives=OBJECTIVES_TEXT)
        self.act(self.first, "agree-objectives", decision="agree")
        return self

    def mid_year_signed(self) -> Appraisal:
        self.act(self.staff, "sign-mid-year", at=MID_YEAR, comment=MID_YEAR_COMMENT)
        self.act(self.first, "sign-mid-year")
        return self

    def self_assessed(self) -> Appraisal:
        self.act(self.staff, "submit-self-assessment", at=YEAR_END, assessment=ASSESSMENT_TEXT)
        return self

    def rated(self, rating: str) -> Appraisal:
        self.act(self.first, "rate", rating=rating, comment=RATING_COMMENT)
        return self

    def second_reviewed(self) -> Appraisal:
        self.act(self.second, "second-review", decision="comment", comment=SECOND_COMMENT)
        return self

    def acknowledged(self) -> Appraisal:
        self.act(self.staff, "acknowledge", comment=ACK_COMMENT)
        return self

    def through_rating(self, rating: str) -> Appraisal:
        return self.objectives_agreed().mid_year_signed().self_assessed().rated(rating)

    def through_acknowledgement(self, rating: str) -> Appraisal:
        return self.through_rating(rating).second_reviewed().acknowledged()


def open_for(organisation: Organisation, person: str, *, at: datetime = OPENING) -> Appraisal:
    case_id = appraisal.appraisal_case_id(CYCLE, person)
    opened = Appraisal(organisation=organisation, state=APPRAISAL.initial_state(case_id), clock=at)
    opened.append(open_appraisal(case_id, CYCLE, person, PHASES, "hr-officer", opened.context()))
    return opened


def types(events: list[DomainEvent]) -> list[str]:
    return [event.type for event in events]


def opened_tasks(events: list[DomainEvent]) -> dict[str, dict[str, Any]]:
    return {event.payload["task_id"]: event.payload for event in events if event.type == timed_step.TASK_OPENED}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture(scope="module")
def org() -> Organisation:
    return parse_organisation(EXAMPLE_ORGANISATION.read_text(encoding="utf-8"))


@pytest.fixture
def hop(org: Organisation) -> Appraisal:
    """The Head of Programmes' appraisal: the Director first, the UNOPS Regional Director second."""
    return open_for(org, "head-of-programmes")


# -- opening ----------------------------------------------------------------------------------------------------
class TestOpening:
    def test_opening_records_two_different_reporting_officers_and_the_phase_dates(self, hop: Appraisal) -> None:
        [opened, task] = hop.events
        assert opened.type == appraisal.OPENED
        assert opened.actor == "hr-officer"
        assert opened.payload["staff_member"] == "head-of-programmes"
        assert opened.payload["first_reporting_officer"] == "director"
        assert opened.payload["second_reporting_officer"] == "unops-regional-director"
        assert opened.payload["phases"] == PHASES.model_dump(mode="json")
        assert opened.payload["rating_scale"] == [
            "outstanding",
            "exceeds",
            "fully_meets",
            "partially_meets",
            "does_not_meet",
        ]
        assert opened.payload["fully_meets"] == "fully_meets"
        assert opened.payload["rebuttal_working_days"] == 15
        assert task.type == timed_step.TASK_OPENED
        assert task.payload["task_id"] == appraisal.OBJECTIVES_TASK
        assert task.payload["assignee"] == "head-of-programmes"
        assert task.payload["action"] == "propose-objectives"
        # Due on the phase's day at 17:00 Brussels (summer time).
        assert hop.task(appraisal.OBJECTIVES_TASK).due_at == utc(2027, 3, 31, 15)
        assert hop.state.stage == appraisal.OBJECTIVES
        assert hop.state.subjects == ("head-of-programmes",)

    @pytest.mark.parametrize(
        ("person", "first", "second"),
        [
            ("head-of-programmes", "director", "unops-regional-director"),
            ("head-of-operations", "director", "unops-regional-director"),
            ("hub-manager-hanoi", "director", "unops-regional-director"),
            ("programme-officer-brussels", "head-of-programmes", "director"),
            ("programme-assistant-pretoria", "programme-officer-pretoria", "head-of-programmes"),
        ],
    )
    def test_the_reporting_officers_are_two_people_other_than_the_staff_member(
        self, org: Organisation, person: str, first: str, second: str
    ) -> None:
        opened = open_for(org, person).events[0].payload
        assert (opened["first_reporting_officer"], opened["second_reporting_officer"]) == (first, second)
        assert len({person, first, second}) == 3

    def test_due_dates_follow_each_assignees_time_zone(self, org: Organisation) -> None:
        hanoi = open_for(org, "hub-manager-hanoi")
        assert hanoi.task(appraisal.OBJECTIVES_TASK).due_at == utc(2027, 3, 31, 10)  # 17:00 in Hanoi
        hanoi.act("hub-manager-hanoi", "propose-objectives", objectives=OBJECTIVES_TEXT)
        agreement = hanoi.task(appraisal.AGREEMENT_TASK)
        assert agreement.assignee == "director"
        assert agreement.due_at == utc(2027, 3, 31, 15)  # 17:00 in Brussels

    def test_a_phase_day_already_past_gives_the_step_plans_working_days_instead(self, org: Organisation) -> None:
        late = open_for(org, "head-of-programmes", at=utc(2027, 4, 5, 9))  # after objectives_due (31 March)
        task = late.task(appraisal.OBJECTIVES_TASK)
        assert task.due_at == utc(2027, 4, 26, 15)  # 15 Brussels working days
        assert [(step.level, step.to) for step in task.schedule.escalations] == [  # type: ignore[union-attr]
            (1, "director"),
            (2, "unops-regional-director"),
        ]

    def test_the_director_has_no_first_reporting_officer_so_no_appraisal_here(self, org: Organisation) -> None:
        with pytest.raises(NotAllowed) as refused:
            open_appraisal(
                "appraisal/2027/director",
                CYCLE,
                "director",
                PHASES,
                "hr-officer",
                Context(organisation=org, now=OPENING),
            )
        assert "has no first reporting officer" in str(refused.value)
        assert str(refused.value).endswith(".")

    def test_someone_outside_the_secretariat_has_no_appraisal(self, org: Organisation) -> None:
        with pytest.raises(NotAllowed) as refused:
            open_appraisal(
                "appraisal/2027/rebuttal-reviewer",
                CYCLE,
                "rebuttal-reviewer",
                PHASES,
                "director",
                Context(organisation=org, now=OPENING),
            )
        assert "is not Secretariat staff" in str(refused.value)
        assert str(refused.value).endswith(".")

    def test_the_case_id_must_name_the_cycle_and_person(self, org: Organisation) -> None:
        with pytest.raises(NotAllowed) as refused:
            open_appraisal(
                "appraisal/2027/head-of-operations",
                CYCLE,
                "head-of-programmes",
                PHASES,
                "director",
                Context(organisation=org, now=OPENING),
            )
        assert "has the case id appraisal/2027/head-of-programmes" in str(refused.value)

    def test_an_unopened_appraisal_accepts_no_action(self, org: Organisation) -> None:
        unopened = Appraisal(organisation=org, state=APPRAISAL.initial_state("appraisal/2027/head-of-programmes"))
        sentence = unopened.refusal("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_TEXT)
        assert sentence == "Appraisal appraisal/2027/head-of-programmes has not been opened."


# -- the phases -------------------------------------------------------------------------------------------------
class TestHappyPath:
    def test_a_rating_at_fully_meets_closes_right_after_acknowledgement(self, hop: Appraisal) -> None:
        proposed = hop.act("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_TEXT)
        assert types(proposed) == [appraisal.OBJECTIVES_PROPOSED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
        assert proposed[0].actor == "head-of-programmes"
        assert proposed[0].payload == {"content": {"objectives": OBJECTIVES_TEXT}}
        assert opened_tasks(proposed)[appraisal.AGREEMENT_TASK]["assignee"] == "director"
        assert hop.task(appraisal.AGREEMENT_TASK).due_at == utc(2027, 3, 31, 15)

        agreed = hop.act("director", "agree-objectives", decision="agree")
        assert types(agreed) == [
            appraisal.OBJECTIVES_AGREED,
            timed_step.TASK_COMPLETED,
            timed_step.TASK_OPENED,
            timed_step.TASK_OPENED,
        ]
        assert (agreed[0].actor, agreed[0].actor_role, agreed[0].on_behalf_of) == (
            "director",
            "first_reporting_officer",
            None,
        )
        signatures = opened_tasks(agreed)
        assert signatures[appraisal.MID_YEAR_STAFF_TASK]["assignee"] == "head-of-programmes"
        assert signatures[appraisal.MID_YEAR_SUPERVISOR_TASK]["assignee"] == "director"
        # 31 July 2027 is a Saturday: the review is due on the Friday before, 17:00 in Brussels.
        assert hop.task(appraisal.MID_YEAR_STAFF_TASK).due_at == utc(2027, 7, 30, 15)
        assert hop.state.stage == appraisal.MID_YEAR

        hop.mid_year_signed()
        assert hop.state.stage == appraisal.SELF_ASSESSMENT
        assert hop.task(appraisal.SELF_ASSESSMENT_TASK).assignee == "head-of-programmes"
        assert hop.task(appraisal.SELF_ASSESSMENT_TASK).due_at == utc(2028, 1, 31, 16)  # winter time

        assessed = hop.act("head-of-programmes", "submit-self-assessment", at=YEAR_END, assessment=ASSESSMENT_TEXT)
        assert types(assessed) == [appraisal.SELF_ASSESSED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
        assert hop.task(appraisal.ASSESSMENT_TASK).assignee == "director"
        assert hop.task(appraisal.ASSESSMENT_TASK).due_at == utc(2028, 2, 28, 16)

        rated = hop.act("director", "rate", rating="exceeds", comment=RATING_COMMENT)
        assert types(rated) == [appraisal.RATED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
        assert rated[0].payload == {"content": {"rating": "exceeds", "comment": RATING_COMMENT}}
        assert hop.task(appraisal.SECOND_REVIEW_TASK).assignee == "unops-regional-director"
        assert hop.task(appraisal.SECOND_REVIEW_TASK).due_at == utc(2028, 3, 15, 16)  # 17:00 Copenhagen
        assert hop.state.rating == "exceeds"

        reviewed = hop.act("unops-regional-director", "second-review", decision="concur")
        assert types(reviewed) == [appraisal.SECOND_REVIEWED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
        assert reviewed[0].actor_role == "second_reporting_officer"
        assert reviewed[0].payload == {"content": {"decision": "concur"}}
        assert hop.task(appraisal.ACKNOWLEDGEMENT_TASK).assignee == "head-of-programmes"
        assert hop.task(appraisal.ACKNOWLEDGEMENT_TASK).due_at == utc(2027, 12, 15, 16)  # 10 working days

        closing = hop.act("head-of-programmes", "acknowledge")
        assert types(closing) == [appraisal.ACKNOWLEDGED, timed_step.TASK_COMPLETED, appraisal.FINALISED, CASE_CLOSED]
        assert closing[2].payload == {"content": {"rating": "exceeds"}}
        assert (closing[3].outcome, closing[3].payload) == ("completed", {"stage": "completed"})
        assert not hop.of_type(appraisal.REBUTTAL_WINDOW_OPENED)
        assert not hop.of_type(timed_step.TASK_CANCELLED)
        assert hop.state.closed and hop.state.outcome == "completed" and hop.state.stage == appraisal.COMPLETED
        assert hop.state.final_rating == "exceeds"
        assert hop.state.tasks == {}
        assert set(hop.state.phases_done) == {
            "objectives",
            "mid_year",
            "self_assessment",
            "assessment",
            "second_review",
            "acknowledgement",
        }

    @pytest.mark.parametrize("rating", ["outstanding", "exceeds", "fully_meets"])
    def test_no_rebuttal_window_at_or_above_fully_meets(self, hop: Appraisal, rating: str) -> None:
        hop.through_acknowledgement(rating)
        assert hop.state.closed and hop.state.outcome == "completed"
        assert hop.state.rebuttal_applies is False
        assert hop.of_type(appraisal.FINALISED)[0].payload["content"] == {"rating": rating}
        assert hop.refusal("head-of-programmes", "rebut", comment=STATEMENT) == (
            "Case appraisal/2027/head-of-programmes is closed (completed); it accepts no further actions."
        )

    def test_nothing_is_done_before_its_step_is_open(self, hop: Appraisal) -> None:
        assert "has no open step to agree objectives (stage: objectives)" in hop.refusal(
            "director", "agree-objectives", decision="agree"
        )
        assert "has no open step to rate (stage: objectives)" in hop.refusal(
            "director", "rate", rating="exceeds", comment=RATING_COMMENT
        )
        assert "has no open step to sign the mid-year review (stage: objectives)" in hop.refusal(
            "head-of-programmes", "sign-mid-year", at=MID_YEAR
        )


class TestObjectives:
    def test_returned_objectives_are_proposed_again(self, hop: Appraisal) -> None:
        hop.act("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_TEXT)
        assert hop.refusal("director", "agree-objectives", decision="return") == (
            "Returning the objectives needs a reason: give --comment."
        )
        returned = hop.act("director", "agree-objectives", decision="return", comment=RETURN_COMMENT)
        assert types(returned) == [appraisal.OBJECTIVES_RETURNED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
        assert (returned[0].actor, returned[0].actor_role, returned[0].outcome) == (
            "director",
            "first_reporting_officer",
            "returned",
        )
        assert returned[0].payload == {"content": {"comment": RETURN_COMMENT}}
        assert returned[2].reason == "objectives returned for revision"
        assert returned[2].payload["task_id"] == appraisal.OBJECTIVES_TASK
        assert returned[2].payload["assignee"] == "head-of-programmes"
        assert hop.state.stage == appraisal.OBJECTIVES
        assert set(hop.state.tasks) == {appraisal.OBJECTIVES_TASK}
        assert "objectives" not in hop.state.phases_done

        hop.act("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_REVISED)
        hop.act("director", "agree-objectives", decision="agree")
        assert hop.state.stage == appraisal.MID_YEAR
        assert [event.payload["content"]["objectives"] for event in hop.of_type(appraisal.OBJECTIVES_PROPOSED)] == [
            OBJECTIVES_TEXT,
            OBJECTIVES_REVISED,
        ]
        assert "objectives" in hop.state.phases_done

    def test_objectives_need_text(self, hop: Appraisal) -> None:
        assert "bad input: field 'objectives'" in hop.refusal("head-of-programmes", "propose-objectives", objectives="")


class TestMidYear:
    @pytest.fixture
    def at_mid_year(self, hop: Appraisal) -> Appraisal:
        return hop.objectives_agreed()

    @pytest.mark.parametrize("order", [("head-of-programmes", "director"), ("director", "head-of-programmes")])
    def test_both_sign_in_either_order(self, at_mid_year: Appraisal, order: tuple[str, str]) -> None:
        first_signer, second_signer = order
        signed = at_mid_year.act(first_signer, "sign-mid-year", at=MID_YEAR)
        assert types(signed) == [appraisal.MID_YEAR_SIGNED, timed_step.TASK_COMPLETED]
        assert at_mid_year.state.stage == appraisal.MID_YEAR
        assert "mid_year" not in at_mid_year.state.phases_done
        assert appraisal.SELF_ASSESSMENT_TASK not in at_mid_year.state.tasks

        completed = at_mid_year.act(second_signer, "sign-mid-year")
        assert types(completed) == [appraisal.MID_YEAR_SIGNED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
        assert completed[2].payload["task_id"] == appraisal.SELF_ASSESSMENT_TASK
        assert completed[2].payload["assignee"] == "head-of-programmes"
        assert at_mid_year.state.stage == appraisal.SELF_ASSESSMENT
        assert "mid_year" in at_mid_year.state.phases_done
        signatories = {
            event.actor: event.payload["signatory"] for event in at_mid_year.of_type(appraisal.MID_YEAR_SIGNED)
        }
        assert signatories == {"head-of-programmes": "staff_member", "director": "first_reporting_officer"}

    def test_the_staff_member_cannot_sign_twice(self, at_mid_year: Appraisal) -> None:
        at_mid_year.act("head-of-programmes", "sign-mid-year", at=MID_YEAR)
        assert at_mid_year.refusal("head-of-programmes", "sign-mid-year") == (
            "Head of Programmes already signed the mid-year review."
        )
        assert at_mid_year.state.stage == appraisal.MID_YEAR

    def test_the_supervisor_cannot_sign_twice(self, at_mid_year: Appraisal) -> None:
        at_mid_year.act("director", "sign-mid-year", at=MID_YEAR)
        assert at_mid_year.refusal("director", "sign-mid-year") == "The supervisor already signed the mid-year review."
        assert at_mid_year.state.mid_year_signed == ("first_reporting_officer",)

    def test_refused_before_it_opens_on_the_staff_members_local_day(self, at_mid_year: Appraisal) -> None:
        # 31 May 23:00 in Brussels (UTC+2): not yet.
        for signer in ("head-of-programmes", "director"):
            assert at_mid_year.refusal(signer, "sign-mid-year", at=utc(2027, 5, 31, 21)) == (
                "The mid-year review of the 2027 cycle opens on 2027-06-01."
            )
        # 1 June 00:01 in Brussels: open.
        at_mid_year.act("head-of-programmes", "sign-mid-year", at=utc(2027, 5, 31, 22, 1))
        assert at_mid_year.state.mid_year_signed == ("staff_member",)

    def test_someone_else_cannot_sign(self, at_mid_year: Appraisal) -> None:
        sentence = at_mid_year.refusal("head-of-operations", "sign-mid-year", at=MID_YEAR)
        assert sentence == (
            "Only Director (director), or their substitute while they are away, may sign the mid-year review as "
            "supervisor."
        )


class TestSelfAssessment:
    def test_refused_before_it_opens(self, hop: Appraisal) -> None:
        hop.objectives_agreed().mid_year_signed()
        assert hop.refusal(
            "head-of-programmes", "submit-self-assessment", at=utc(2027, 11, 30, 22, 59), assessment=ASSESSMENT_TEXT
        ) == ("The end-of-year self-assessment of the 2027 cycle opens on 2027-12-01.")
        assessed = hop.act(
            "head-of-programmes", "submit-self-assessment", at=utc(2027, 11, 30, 23, 0), assessment=ASSESSMENT_TEXT
        )
        assert assessed[0].type == appraisal.SELF_ASSESSED
        assert assessed[0].payload == {"content": {"assessment": ASSESSMENT_TEXT}}


class TestRebuttal:
    def test_a_rating_below_fully_meets_opens_a_rebuttal_window_after_acknowledgement(self, hop: Appraisal) -> None:
        hop.through_rating("partially_meets").second_reviewed()
        assert hop.state.stage == appraisal.ACKNOWLEDGEMENT
        events = hop.act("head-of-programmes", "acknowledge", comment=ACK_COMMENT)
        assert types(events) == [
            appraisal.ACKNOWLEDGED,
            timed_step.TASK_COMPLETED,
            appraisal.REBUTTAL_WINDOW_OPENED,
            timed_step.TASK_OPENED,
        ]
        assert events[2].payload == {"working_days": 15}
        window = hop.task(appraisal.REBUTTAL_WINDOW_TASK)
        assert (window.assignee, window.on_due, window.action) == ("head-of-programmes", "lapse", "rebut")
        assert window.due_at == utc(2027, 12, 22, 16)  # 15 Brussels working days after 1 December
        assert window.schedule is not None and window.schedule.escalations == []
        assert hop.state.stage == appraisal.REBUTTAL_WINDOW
        assert hop.state.rebuttal_applies is True
        assert not hop.state.closed
        assert not hop.of_type(appraisal.FINALISED)

    @pytest.fixture
    def rebutted(self, hop: Appraisal) -> Appraisal:
        hop.through_acknowledgement("partially_meets")
        events = hop.act("head-of-programmes", "rebut", comment=STATEMENT)
        assert types(events) == [appraisal.REBUTTED, timed_step.TASK_COMPLETED, timed_step.TASK_OPENED]
        assert events[0].payload == {"reviewer": "rebuttal-reviewer", "content": {"statement": STATEMENT}}
        assert events[2].payload["task_id"] == appraisal.REBUTTAL_REVIEW_TASK
        assert events[2].payload["assignee"] == "rebuttal-reviewer"
        assert hop.state.stage == appraisal.REBUTTAL_REVIEW
        assert hop.state.rebuttal_reviewer == "rebuttal-reviewer"
        return hop

    def test_a_rebuttal_needs_a_statement(self, hop: Appraisal) -> None:
        hop.through_acknowledgement("partially_meets")
        assert hop.refusal("head-of-programmes", "rebut") == "A rebuttal needs a reason: give --comment."

    def test_upheld_keeps_the_original_rating(self, rebutted: Appraisal) -> None:
        events = rebutted.act("rebuttal-reviewer", "decide-rebuttal", finding="upheld", comment=FINDING)
        assert types(events) == [
            appraisal.REBUTTAL_DECIDED,
            timed_step.TASK_COMPLETED,
            appraisal.FINALISED,
            CASE_CLOSED,
        ]
        assert (events[0].actor, events[0].actor_role, events[0].on_behalf_of) == (
            "rebuttal-reviewer",
            "rebuttal_reviewer",
            None,
        )
        assert events[0].payload == {"content": {"finding": "upheld", "rating": "partially_meets", "comment": FINDING}}
        assert events[2].payload == {"content": {"rating": "partially_meets"}}
        assert rebutted.state.final_rating == "partially_meets"
        assert rebutted.state.closed and rebutted.state.outcome == "completed"
        assert not rebutted.of_type(timed_step.TASK_CANCELLED)

    def test_revised_needs_a_rating_on_the_scale_and_becomes_the_final_rating(self, rebutted: Appraisal) -> None:
        no_rating = rebutted.refusal("rebuttal-reviewer", "decide-rebuttal", finding="revised", comment=FINDING)
        assert "a 'revised' finding gives the new rating" in no_rating
        upheld_with_rating = rebutted.refusal(
            "rebuttal-reviewer", "decide-rebuttal", finding="upheld", rating="exceeds", comment=FINDING
        )
        assert "only a revised one does" in upheld_with_rating
        off_scale = rebutted.refusal(
            "rebuttal-reviewer", "decide-rebuttal", finding="revised", rating="brilliant", comment=FINDING
        )
        assert off_scale.startswith("'brilliant' is not on the rating scale (outstanding, exceeds, fully_meets")
        assert rebutted.refusal("rebuttal-reviewer", "decide-rebuttal", finding="upheld") == (
            "A rebuttal finding needs a reason: give --comment."
        )

        events = rebutted.act(
            "rebuttal-reviewer", "decide-rebuttal", finding="revised", rating="fully_meets", comment=FINDING
        )
        assert events[0].payload == {"content": {"finding": "revised", "rating": "fully_meets", "comment": FINDING}}
        assert rebutted.of_type(appraisal.FINALISED)[0].payload == {"content": {"rating": "fully_meets"}}
        assert rebutted.state.final_rating == "fully_meets"
        assert rebutted.state.rating == "partially_meets"  # the original stays on record
        assert rebutted.state.closed and rebutted.state.stage == appraisal.COMPLETED

    def test_the_reviewer_is_independent(self, rebutted: Appraisal) -> None:
        assert rebutted.refusal("head-of-programmes", "decide-rebuttal", finding="upheld", comment=FINDING) == (
            "Nobody appraises themselves: Head of Programmes cannot decide the rebuttal on their own appraisal."
        )
        assert "Only Independent Rebuttal Reviewer" in rebutted.refusal(
            "director", "decide-rebuttal", finding="upheld", comment=FINDING
        )
        for officer in ("director", "unops-regional-director"):
            sentence = rebutted.refusal(
                "director", "reassign", task=appraisal.REBUTTAL_REVIEW_TASK, to=officer, comment="away"
            )
            assert "is a reporting officer of this appraisal and cannot review its rebuttal independently." in sentence

    def test_waiving_the_rebuttal_closes_the_case(self, hop: Appraisal) -> None:
        hop.through_acknowledgement("does_not_meet")
        assert hop.refusal("director", "waive-rebuttal") == (
            "Only Head of Programmes, whose appraisal this is, may waive their rebuttal; nobody can do it for them."
        )
        events = hop.act("head-of-programmes", "waive-rebuttal")
        assert types(events) == [appraisal.REBUTTAL_WAIVED, timed_step.TASK_COMPLETED, appraisal.FINALISED, CASE_CLOSED]
        assert events[1].payload["task_id"] == appraisal.REBUTTAL_WINDOW_TASK
        assert events[2].payload == {"content": {"rating": "does_not_meet"}}
        assert hop.state.closed and hop.state.outcome == "completed"
        assert hop.state.final_rating == "does_not_meet"
        assert "rebuttal" in hop.state.phases_done
        assert not hop.of_type(timed_step.TASK_CANCELLED)
        assert hop.state.tasks == {}

    def test_an_unused_window_lapses_and_closes_with_its_task_cancelled_once(self, hop: Appraisal) -> None:
        hop.through_acknowledgement("partially_meets")
        due = hop.task(appraisal.REBUTTAL_WINDOW_TASK).due_at
        assert due is not None

        before = hop.fire(due - timedelta(seconds=1))
        assert timed_step.DEADLINE_PASSED not in types(before)
        assert {event.type for event in before} <= {timed_step.REMINDER_SENT}
        assert all(event.payload["to"] == "head-of-programmes" for event in before)
        assert not hop.state.closed

        lapsed = hop.fire(due)
        assert types(lapsed) == [
            timed_step.DEADLINE_PASSED,
            timed_step.TASK_CANCELLED,
            appraisal.FINALISED,
            CASE_CLOSED,
        ]
        assert all(event.actor == SYSTEM_ACTOR for event in lapsed)
        assert lapsed[1].payload == {"task_id": appraisal.REBUTTAL_WINDOW_TASK}
        assert lapsed[1].reason == "the rebuttal window closed unused"
        assert lapsed[2].payload == {"content": {"rating": "partially_meets"}}
        assert lapsed[3].outcome == "completed"
        cancelled = [event.payload["task_id"] for event in hop.of_type(timed_step.TASK_CANCELLED)]
        assert cancelled == [appraisal.REBUTTAL_WINDOW_TASK]
        assert hop.state.closed and hop.state.stage == appraisal.COMPLETED
        assert hop.state.final_rating == "partially_meets"
        assert "rebuttal" in hop.state.phases_done
        assert hop.fire(due + timedelta(days=30)) == []

    def test_a_late_timer_run_still_lapses_once(self, hop: Appraisal) -> None:
        hop.through_acknowledgement("partially_meets")
        due = hop.task(appraisal.REBUTTAL_WINDOW_TASK).due_at
        assert due is not None
        events = hop.fire(due + timedelta(days=3))
        assert types(events) == [
            timed_step.REMINDER_SENT,
            timed_step.REMINDER_SENT,
            timed_step.DEADLINE_PASSED,
            timed_step.TASK_CANCELLED,
            appraisal.FINALISED,
            CASE_CLOSED,
        ]
        assert len(hop.of_type(timed_step.TASK_CANCELLED)) == 1
        assert len(hop.of_type(CASE_CLOSED)) == 1


# -- who may act ------------------------------------------------------------------------------------------------
class TestReportingOfficersDiffer:
    def test_the_rating_step_cannot_go_to_the_second_reporting_officer(self, hop: Appraisal) -> None:
        hop.objectives_agreed().mid_year_signed().self_assessed()
        sentence = hop.refusal(
            "director", "reassign", task=appraisal.ASSESSMENT_TASK, to="unops-regional-director", comment="away"
        )
        assert sentence == (
            "UNOPS Regional Director (reporting line) is the second reporting officer of this appraisal; the first "
            "and second reporting officers must be different people."
        )

    def test_the_agreement_step_cannot_go_to_the_second_reporting_officer(self, org: Organisation) -> None:
        officer = open_for(org, "programme-officer-brussels")
        officer.act("programme-officer-brussels", "propose-objectives", objectives=OBJECTIVES_TEXT)
        sentence = officer.refusal(
            "director", "reassign", task=appraisal.AGREEMENT_TASK, to="director", comment="head away"
        )
        assert "Director is the second reporting officer of this appraisal" in sentence

    def test_the_second_review_cannot_go_to_the_first_reporting_officer(self, hop: Appraisal) -> None:
        hop.through_rating("exceeds")
        sentence = hop.refusal("director", "reassign", task=appraisal.SECOND_REVIEW_TASK, to="director", comment="x")
        assert sentence == (
            "Director is the first reporting officer of this appraisal; the first and second reporting officers "
            "must be different people."
        )

    def test_a_permitted_reassignment_names_the_new_officer(self, hop: Appraisal) -> None:
        hop.through_rating("exceeds")
        events = hop.act(
            "director", "reassign", task=appraisal.SECOND_REVIEW_TASK, to="head-of-operations", comment="RD away"
        )
        assert types(events) == [timed_step.TASK_REASSIGNED]
        assert hop.state.second_reporting_officer == "head-of-operations"
        assert hop.task(appraisal.SECOND_REVIEW_TASK).assignee == "head-of-operations"
        assert "Only Head of Operations" in hop.refusal("unops-regional-director", "second-review", decision="concur")
        hop.act("head-of-operations", "second-review", decision="concur")
        assert hop.state.stage == appraisal.ACKNOWLEDGEMENT

    def test_the_first_officer_moves_with_the_agreement_step(self, hop: Appraisal) -> None:
        hop.act("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_TEXT)
        hop.act("director", "reassign", task=appraisal.AGREEMENT_TASK, to="head-of-operations", comment="acting")
        assert hop.state.first_reporting_officer == "head-of-operations"
        hop.act("head-of-operations", "agree-objectives", decision="agree")
        assert hop.task(appraisal.MID_YEAR_SUPERVISOR_TASK).assignee == "head-of-operations"


class TestNobodyAppraisesThemselves:
    def test_the_staff_member_cannot_agree_their_own_objectives(self, hop: Appraisal) -> None:
        hop.act("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_TEXT)
        assert hop.refusal("head-of-programmes", "agree-objectives", decision="agree") == (
            "Nobody appraises themselves: Head of Programmes cannot agree the objectives on their own appraisal."
        )

    def test_the_staff_member_cannot_rate_themselves(self, hop: Appraisal) -> None:
        hop.objectives_agreed().mid_year_signed().self_assessed()
        assert hop.refusal("head-of-programmes", "rate", rating="outstanding", comment="x") == (
            "Nobody appraises themselves: Head of Programmes cannot rate their own appraisal."
        )

    def test_the_staff_member_cannot_give_their_own_second_review(self, hop: Appraisal) -> None:
        hop.through_rating("exceeds")
        assert hop.refusal("head-of-programmes", "second-review", decision="concur") == (
            "Nobody appraises themselves: Head of Programmes cannot give the second-level review on their own "
            "appraisal."
        )

    @pytest.mark.parametrize("step", ["agreement", "assessment", "second-review"])
    def test_no_officer_step_is_reassigned_to_the_staff_member(self, hop: Appraisal, step: str) -> None:
        if step == "agreement":
            hop.act("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_TEXT)
            task = appraisal.AGREEMENT_TASK
        elif step == "assessment":
            hop.objectives_agreed().mid_year_signed().self_assessed()
            task = appraisal.ASSESSMENT_TASK
        else:
            hop.through_rating("exceeds")
            task = appraisal.SECOND_REVIEW_TASK
        assert hop.refusal("director", "reassign", task=task, to="head-of-programmes", comment="x") == (
            "Nobody appraises themselves: Head of Programmes cannot take a step of their own appraisal."
        )

    def test_no_officer_step_is_reassigned_to_someone_reporting_to_the_staff_member(self, hop: Appraisal) -> None:
        hop.act("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_TEXT)
        assert hop.refusal(
            "director", "reassign", task=appraisal.AGREEMENT_TASK, to="programme-officer-brussels", comment="x"
        ) == ("Programme Officer (Brussels) reports to Head of Programmes and cannot take a step of their appraisal.")


class TestOnlyTheNamedOfficerRates:
    def test_another_person_cannot_rate(self, hop: Appraisal) -> None:
        hop.objectives_agreed().mid_year_signed().self_assessed()
        for other in ("unops-regional-director", "head-of-operations", "hr-officer"):
            assert hop.refusal(other, "rate", rating="exceeds", comment=RATING_COMMENT) == (
                "Only the officer named to rate this appraisal, Director (director), may rate it; a rating cannot "
                "be delegated."
            )

    def test_not_even_the_raters_substitute(self, hop: Appraisal) -> None:
        hop.objectives_agreed().mid_year_signed().self_assessed()
        hop.act("director", "delegate", substitute="head-of-operations", starts_on="2027-11-29", ends_on="2027-12-10")
        sentence = hop.refusal("head-of-operations", "rate", rating="exceeds", comment=RATING_COMMENT)
        assert "a rating cannot be delegated" in sentence
        assert not hop.of_type(appraisal.RATED)

    def test_a_rating_needs_a_reason_and_a_level_on_the_scale(self, hop: Appraisal) -> None:
        hop.objectives_agreed().mid_year_signed().self_assessed()
        assert hop.refusal("director", "rate", rating="exceeds") == "A rating needs a reason: give --comment."
        assert hop.refusal("director", "rate", rating="superb", comment="x") == (
            "'superb' is not on the rating scale (outstanding, exceeds, fully_meets, partially_meets, does_not_meet)."
        )


class TestStaffStepsAreTheirsAlone:
    def test_nobody_else_proposes_objectives_not_even_a_substitute(self, hop: Appraisal) -> None:
        assert hop.refusal("director", "propose-objectives", objectives=OBJECTIVES_TEXT) == (
            "Only Head of Programmes, whose appraisal this is, may propose their objectives; nobody can do it for them."
        )
        # The Director may name a substitute for the Head of Programmes, but not for their own appraisal.
        hop.act(
            "director",
            "delegate",
            absent="head-of-programmes",
            substitute="head-of-operations",
            starts_on="2027-01-01",
            ends_on="2027-01-31",
        )
        assert "nobody can do it for them" in hop.refusal(
            "head-of-operations", "propose-objectives", objectives=OBJECTIVES_TEXT
        )

    def test_nobody_else_signs_the_staff_members_mid_year(self, hop: Appraisal) -> None:
        hop.objectives_agreed()
        hop.act("director", "sign-mid-year", at=MID_YEAR)
        # The Director's second signature is not the staff member's: it is refused, the staff step stays open.
        assert hop.refusal("director", "sign-mid-year") == "The supervisor already signed the mid-year review."
        assert set(hop.state.tasks) == {appraisal.MID_YEAR_STAFF_TASK}

    def test_nobody_else_self_assesses_or_acknowledges_or_rebuts(self, hop: Appraisal) -> None:
        hop.objectives_agreed().mid_year_signed()
        assert hop.refusal("director", "submit-self-assessment", at=YEAR_END, assessment=ASSESSMENT_TEXT) == (
            "Only Head of Programmes, whose appraisal this is, may submit their self-assessment; nobody can do it for "
            "them."
        )
        hop.self_assessed().rated("partially_meets").second_reviewed()
        assert hop.refusal("director", "acknowledge") == (
            "Only Head of Programmes, whose appraisal this is, may acknowledge their appraisal; nobody can do it for "
            "them."
        )
        hop.acknowledged()
        assert hop.refusal("hr-officer", "rebut", comment=STATEMENT) == (
            "Only Head of Programmes, whose appraisal this is, may rebut their rating; nobody can do it for them."
        )

    @pytest.mark.parametrize(
        ("task", "title"),
        [
            (appraisal.OBJECTIVES_TASK, "Propose objectives"),
            (appraisal.MID_YEAR_STAFF_TASK, "Sign the mid-year review"),
            (appraisal.SELF_ASSESSMENT_TASK, "Submit the end-of-year self-assessment"),
            (appraisal.ACKNOWLEDGEMENT_TASK, "Acknowledge the appraisal"),
            (appraisal.REBUTTAL_WINDOW_TASK, "Rebut the rating, or let the window close"),
        ],
    )
    def test_a_staff_step_is_never_reassigned(self, hop: Appraisal, task: str, title: str) -> None:
        if task == appraisal.MID_YEAR_STAFF_TASK:
            hop.objectives_agreed()
        elif task == appraisal.SELF_ASSESSMENT_TASK:
            hop.objectives_agreed().mid_year_signed()
        elif task == appraisal.ACKNOWLEDGEMENT_TASK:
            hop.through_rating("partially_meets").second_reviewed()
        elif task == appraisal.REBUTTAL_WINDOW_TASK:
            hop.through_acknowledgement("partially_meets")
        assert hop.task(task).assignee == "head-of-programmes"
        assert hop.refusal("director", "reassign", task=task, to="head-of-operations", comment="away") == (
            f"Only Head of Programmes can take '{title}: 2027 appraisal of Head of Programmes'; it cannot be "
            "reassigned."
        )


class TestDelegation:
    def test_nobody_substitutes_on_their_own_appraisal(self, hop: Appraisal) -> None:
        sentence = hop.refusal(
            "director", "delegate", substitute="head-of-programmes", starts_on="2027-01-01", ends_on="2027-01-31"
        )
        assert sentence == (
            "Head of Programmes is the subject or requester of this case and cannot be a substitute on it "
            "(delegation rule)."
        )
        assert hop.state.delegations == ()

    def test_nobody_substitutes_on_their_own_supervisors_appraisal(self, hop: Appraisal) -> None:
        sentence = hop.refusal(
            "director",
            "delegate",
            substitute="programme-officer-brussels",
            starts_on="2027-01-01",
            ends_on="2027-01-31",
        )
        assert sentence == (
            "Programme Officer (Brussels) reports to Head of Programmes, the subject of this case, and cannot be a "
            "substitute on it (delegation rule)."
        )

    def test_a_legitimate_substitute_acts_on_behalf_of_the_officer(self, hop: Appraisal) -> None:
        hop.act("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_TEXT)
        granted = hop.act(
            "director", "delegate", substitute="head-of-operations", starts_on="2027-01-04", ends_on="2027-01-22"
        )
        assert types(granted) == ["DelegationGranted"]
        agreed = hop.act("head-of-operations", "agree-objectives", decision="agree")
        assert types(agreed)[:2] == [appraisal.OBJECTIVES_AGREED, timed_step.TASK_COMPLETED]
        for event in agreed[:2]:
            assert (event.actor, event.on_behalf_of) == ("head-of-operations", "director")
        assert agreed[0].actor_role == "first_reporting_officer"
        # The supervisor's mid-year signature stays with the officer, not with the substitute.
        assert hop.task(appraisal.MID_YEAR_SUPERVISOR_TASK).assignee == "director"
        assert hop.state.first_reporting_officer == "director"

    def test_a_substitute_acts_only_within_the_delegations_dates(self, hop: Appraisal) -> None:
        hop.act("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_TEXT)
        hop.act("director", "delegate", substitute="head-of-operations", starts_on="2027-02-01", ends_on="2027-02-12")
        assert hop.refusal("head-of-operations", "agree-objectives", decision="agree") == (
            "Only Director (director), or their substitute while they are away, may agree the objectives."
        )

    def test_the_first_officer_cannot_second_review_their_own_rating_as_a_substitute(self, hop: Appraisal) -> None:
        """Regression: a substitute is checked by `domain.acting` only (not the staff
        member, not reporting to them), never by `_officer_bar`. The Director, first reporting officer of the Head
        of Programmes, may name themselves the UNOPS Regional Director's substitute and then record the
        second-level review of their own rating, although a reassignment of that step to them is refused."""
        hop.through_rating("partially_meets")
        granted = hop.attempt(
            "director",
            "delegate",
            absent="unops-regional-director",
            substitute="director",
            starts_on="2027-11-29",
            ends_on="2027-12-31",
        )
        reviewed = hop.attempt("director", "second-review", decision="concur")
        assert granted is not None or reviewed is not None, (
            "the first reporting officer (director) recorded the second-level review of their own rating, as "
            "the second reporting officer's substitute"
        )
        assert not [event for event in hop.of_type(appraisal.SECOND_REVIEWED) if event.actor == "director"]

    def test_a_reporting_officer_cannot_decide_the_rebuttal_as_the_reviewers_substitute(self, hop: Appraisal) -> None:
        """Regression: the same hole on the rebuttal review. The Director, who rated,
        may name themselves the independent reviewer's substitute and uphold their own rating."""
        hop.through_acknowledgement("partially_meets")
        hop.act("head-of-programmes", "rebut", comment=STATEMENT)
        granted = hop.attempt(
            "director",
            "delegate",
            absent="rebuttal-reviewer",
            substitute="director",
            starts_on="2027-11-29",
            ends_on="2027-12-31",
        )
        decided = hop.attempt("director", "decide-rebuttal", finding="upheld", comment=FINDING)
        assert granted is not None or decided is not None, (
            "the first reporting officer (director) decided the rebuttal of their own rating, as the "
            "independent reviewer's substitute"
        )
        assert not [event for event in hop.of_type(appraisal.REBUTTAL_DECIDED) if event.actor == "director"]

    def test_the_reviewers_substitute_decides_and_closes_on_their_behalf(self, hop: Appraisal) -> None:
        hop.through_acknowledgement("partially_meets")
        hop.act("head-of-programmes", "rebut", comment=STATEMENT)
        hop.act(
            "rebuttal-reviewer",
            "delegate",
            substitute="internal-auditor",
            starts_on="2027-11-29",
            ends_on="2027-12-31",
        )
        closing = hop.act("internal-auditor", "decide-rebuttal", finding="upheld", comment=FINDING)
        by_type = {event.type: event for event in closing}
        for event_type in (appraisal.REBUTTAL_DECIDED, appraisal.FINALISED, CASE_CLOSED):
            assert (by_type[event_type].actor, by_type[event_type].on_behalf_of) == (
                "internal-auditor",
                "rebuttal-reviewer",
            )
        assert hop.state.closed and hop.state.outcome == "completed"


# -- escalations ------------------------------------------------------------------------------------------------
class TestEscalations:
    def test_a_late_self_assessment_goes_to_the_supervisor_then_the_second_officer(self, org: Organisation) -> None:
        hoo = open_for(org, "head-of-operations").objectives_agreed().mid_year_signed()
        task = hoo.task(appraisal.SELF_ASSESSMENT_TASK)
        assert task.due_at == utc(2028, 1, 31, 16)

        reminders = hoo.fire(utc(2028, 1, 31, 9))
        assert types(reminders) == [timed_step.REMINDER_SENT] * 3
        assert [(event.payload["to"], event.payload["number"]) for event in reminders] == [
            ("head-of-operations", 1),
            ("head-of-operations", 2),
            ("head-of-operations", 3),
        ]
        assert hoo.fire(utc(2028, 2, 2, 7, 59)) == []

        first = hoo.fire(utc(2028, 2, 2, 8))  # two working days late, 09:00 in Brussels
        assert types(first) == [timed_step.ESCALATION_RAISED]
        assert (first[0].payload["to"], first[0].payload["level"], first[0].payload["assignee"]) == (
            "director",
            1,
            "head-of-operations",
        )
        assert first[0].payload["task_id"] == appraisal.SELF_ASSESSMENT_TASK

        second = hoo.fire(utc(2028, 2, 7, 8))  # five working days late, 09:00 in Copenhagen
        assert types(second) == [timed_step.ESCALATION_RAISED]
        assert (second[0].payload["to"], second[0].payload["level"]) == ("unops-regional-director", 2)
        assert hoo.fire(utc(2028, 3, 1, 8)) == []
        assert phase_status(hoo.state, hoo.clock)["self_assessment"] == "late"

    def test_a_late_self_assessment_below_the_management_team(self, org: Organisation) -> None:
        assistant = open_for(org, "programme-assistant-pretoria").objectives_agreed().mid_year_signed()
        schedule = assistant.task(appraisal.SELF_ASSESSMENT_TASK).schedule
        assert schedule is not None
        assert [(step.level, step.to) for step in schedule.escalations] == [
            (1, "programme-officer-pretoria"),
            (2, "head-of-programmes"),
        ]

    def test_an_officers_late_step_escalates_along_the_staff_members_line_not_the_officers(
        self, org: Organisation
    ) -> None:
        # The assistant's supervisor is late: the next person up is the assistant's second reporting officer (the
        # Head of Programmes), and the officer's own second line (the Director) is not told.
        assistant = open_for(org, "programme-assistant-pretoria")
        assistant.act("programme-assistant-pretoria", "propose-objectives", objectives=OBJECTIVES_TEXT)
        task = assistant.task(appraisal.AGREEMENT_TASK)
        assert task.assignee == "programme-officer-pretoria"
        assert task.schedule is not None
        assert [(step.level, step.to) for step in task.schedule.escalations] == [(1, "head-of-programmes")]
        events = assistant.fire(utc(2027, 4, 30, 9))
        escalations = [event.payload for event in events if event.type == timed_step.ESCALATION_RAISED]
        assert [(payload["to"], payload["level"], payload["assignee"]) for payload in escalations] == [
            ("head-of-programmes", 1, "programme-officer-pretoria")
        ]

    def test_a_late_rating_by_the_director_goes_to_the_second_officer_not_to_the_director(self, hop: Appraisal) -> None:
        hop.objectives_agreed().mid_year_signed().self_assessed()
        task = hop.task(appraisal.ASSESSMENT_TASK)
        assert task.assignee == "director"
        assert task.schedule is not None
        assert [(step.level, step.to) for step in task.schedule.escalations] == [(1, "unops-regional-director")]
        events = hop.fire(utc(2028, 3, 31, 9))
        escalations = [event for event in events if event.type == timed_step.ESCALATION_RAISED]
        assert [(event.payload["to"], event.payload["level"]) for event in escalations] == [
            ("unops-regional-director", 1)
        ]
        reminders = [event for event in events if event.type == timed_step.REMINDER_SENT]
        assert reminders and all(event.payload["to"] == "director" for event in reminders)
        assert "director" not in {event.payload["to"] for event in escalations}


# -- confidentiality --------------------------------------------------------------------------------------------
def full_trail(org: Organisation) -> Appraisal:
    """Every content-bearing event at least once: a returned workplan, a comment at each step, a rebuttal."""
    hop = open_for(org, "head-of-programmes")
    hop.act("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_TEXT, comment=MID_YEAR_COMMENT)
    hop.act("director", "agree-objectives", decision="return", comment=RETURN_COMMENT)
    hop.act("head-of-programmes", "propose-objectives", objectives=OBJECTIVES_REVISED)
    hop.act("director", "agree-objectives", decision="agree", comment=RETURN_COMMENT)
    hop.act("head-of-programmes", "sign-mid-year", at=MID_YEAR, comment=MID_YEAR_COMMENT)
    hop.act("director", "sign-mid-year", comment=MID_YEAR_COMMENT)
    hop.act("head-of-programmes", "submit-self-assessment", at=YEAR_END, assessment=ASSESSMENT_TEXT)
    hop.act("director", "rate", rating="partially_meets", comment=RATING_COMMENT)
    hop.act("unops-regional-director", "second-review", decision="comment", comment=SECOND_COMMENT)
    hop.act("head-of-programmes", "acknowledge", comment=ACK_COMMENT)
    hop.act("head-of-programmes", "rebut", comment=STATEMENT)
    hop.act("rebuttal-reviewer", "decide-rebuttal", finding="revised", rating="exceeds", comment=FINDING)
    return hop


def without_content(event: DomainEvent) -> dict[str, Any]:
    data = event.model_dump(mode="json")
    data["payload"] = {key: value for key, value in data["payload"].items() if key != "content"}
    return data


def sealed(event: DomainEvent) -> DomainEvent:
    """What the audit activity stores: the content replaced by an opaque blob."""
    if "content" not in event.payload:
        return event
    payload = {key: value for key, value in event.payload.items() if key != "content"}
    payload["sealed"] = {"alg": "AES-256-GCM", "key_id": "k1", "nonce": "bm9uY2U=", "ciphertext": "Y2lwaGVy"}
    return event.model_copy(update={"payload": payload})


def fold(events: list[DomainEvent], case_id: str) -> AppraisalState:
    state = APPRAISAL.initial_state(case_id)
    for event in events:
        state = case.evolve(APPRAISAL, state, event)
    return state


class TestConfidentiality:
    def test_content_travels_only_under_content(self, org: Organisation) -> None:
        trail = full_trail(org).events
        assert trail[-1].type == CASE_CLOSED
        content_events = {event.type for event in trail if "content" in event.payload}
        assert content_events == {
            appraisal.OBJECTIVES_PROPOSED,
            appraisal.OBJECTIVES_RETURNED,
            appraisal.OBJECTIVES_AGREED,
            appraisal.MID_YEAR_SIGNED,
            appraisal.SELF_ASSESSED,
            appraisal.RATED,
            appraisal.SECOND_REVIEWED,
            appraisal.ACKNOWLEDGED,
            appraisal.REBUTTED,
            appraisal.REBUTTAL_DECIDED,
            appraisal.FINALISED,
        }
        for event in trail:
            if "content" in event.payload:
                assert set(event.payload["content"]) <= CONFIDENTIAL_FIELDS, event.type
                assert not set(event.payload) & (CONFIDENTIAL_FIELDS - {"decision"}), event.type
            clear = json.dumps(without_content(event))
            for secret in SECRETS:
                assert secret not in clear, f"{secret!r} in clear in {event.type}"
            if event.type != appraisal.OPENED:  # the opening records the scale itself, not a rating
                for code in ("partially_meets", "exceeds"):
                    assert code not in clear, f"rating {code!r} in clear in {event.type}"
            for decision in ("concur", "upheld", "revised"):
                assert decision not in clear, f"{decision!r} in clear in {event.type}"

    def test_every_secret_was_recorded_somewhere_under_content(self, org: Organisation) -> None:
        contents = json.dumps([event.payload.get("content") for event in full_trail(org).events])
        for secret in SECRETS:
            assert secret in contents

    def test_task_titles_name_the_step_and_the_person_not_the_content(self, org: Organisation) -> None:
        titles = [event.payload["title"] for event in full_trail(org).events if event.type == timed_step.TASK_OPENED]
        assert titles and all(title.endswith(": 2027 appraisal of Head of Programmes") for title in titles)

    def test_stage_summary_has_no_content(self, org: Organisation) -> None:
        hop = full_trail(org)
        summary = APPRAISAL.stage_summary(hop.state)
        assert set(summary) == {
            "cycle",
            "staff_member",
            "first_reporting_officer",
            "second_reporting_officer",
            "phases_done",
            "rebuttal_applies",
            "rebuttal_reviewer",
        }
        text = json.dumps(summary)
        for secret in (*SECRETS, "partially_meets", "exceeds", "fully_meets", "upheld", "revised", "concur"):
            assert secret not in text

    def test_a_state_folded_without_the_key_reaches_the_same_place(self, org: Organisation) -> None:
        hop = full_trail(org)
        clear = hop.state
        blind = fold([sealed(event) for event in hop.events], clear.case_id)
        assert not any("content" in event.payload for event in map(sealed, hop.events))
        for name in (
            "stage",
            "closed",
            "outcome",
            "phases_done",
            "mid_year_signed",
            "rebuttal_applies",
            "rebuttal_reviewer",
            "first_reporting_officer",
            "second_reporting_officer",
            "tasks",
            "version",
        ):
            assert getattr(blind, name) == getattr(clear, name), name
        assert (clear.rating, clear.final_rating) == ("partially_meets", "exceeds")
        assert (blind.rating, blind.final_rating) == (None, None)
        assert phase_status(blind, hop.clock) == phase_status(clear, hop.clock)
        assert APPRAISAL.stage_summary(blind) == APPRAISAL.stage_summary(clear)

    def test_the_sealed_fold_matches_at_every_step(self, org: Organisation) -> None:
        hop = full_trail(org)
        for end in range(1, len(hop.events) + 1):
            clear = fold(hop.events[:end], hop.state.case_id)
            blind = fold([sealed(event) for event in hop.events[:end]], hop.state.case_id)
            assert (blind.stage, blind.phases_done, blind.tasks.keys()) == (
                clear.stage,
                clear.phases_done,
                clear.tasks.keys(),
            ), hop.events[end - 1].type


# -- progress ---------------------------------------------------------------------------------------------------
class TestPhaseStatus:
    def test_a_case_in_progress(self, hop: Appraisal) -> None:
        assert phase_status(hop.state, hop.clock) == {
            "objectives": "open",
            "mid_year": "waiting",
            "self_assessment": "waiting",
            "assessment": "waiting",
            "second_review": "waiting",
            "acknowledgement": "waiting",
            "rebuttal": "waiting",
        }
        hop.objectives_agreed()
        hop.act("director", "sign-mid-year", at=MID_YEAR)
        assert phase_status(hop.state, hop.clock) == {
            "objectives": "done",
            "mid_year": "open",
            "self_assessment": "waiting",
            "assessment": "waiting",
            "second_review": "waiting",
            "acknowledgement": "waiting",
            "rebuttal": "waiting",
        }

    def test_a_late_phase(self, hop: Appraisal) -> None:
        due = hop.task(appraisal.OBJECTIVES_TASK).due_at
        assert due is not None
        assert phase_status(hop.state, due)["objectives"] == "open"
        assert phase_status(hop.state, due + timedelta(seconds=1))["objectives"] == "late"
        hop.act("head-of-programmes", "propose-objectives", at=due + timedelta(days=1), objectives=OBJECTIVES_TEXT)
        # The agreement step, due on the same (past) day, gets working days instead: open, not late.
        assert phase_status(hop.state, hop.clock)["objectives"] == "open"
        agreement_due = hop.task(appraisal.AGREEMENT_TASK).due_at
        assert agreement_due is not None and agreement_due.date() > PHASES.objectives_due
        assert phase_status(hop.state, agreement_due + timedelta(hours=1))["objectives"] == "late"

    def test_completed_without_a_rebuttal(self, hop: Appraisal) -> None:
        hop.through_acknowledgement("fully_meets")
        status = phase_status(hop.state, hop.clock)
        assert status == {
            "objectives": "done",
            "mid_year": "done",
            "self_assessment": "done",
            "assessment": "done",
            "second_review": "done",
            "acknowledgement": "done",
            "rebuttal": "n/a",
        }

    def test_in_the_rebuttal_window_and_completed_with_a_rebuttal(self, hop: Appraisal) -> None:
        hop.through_acknowledgement("partially_meets")
        status = phase_status(hop.state, hop.clock)
        assert status["acknowledgement"] == "done" and status["rebuttal"] == "open"
        due = hop.task(appraisal.REBUTTAL_WINDOW_TASK).due_at
        assert due is not None
        assert phase_status(hop.state, due + timedelta(seconds=1))["rebuttal"] == "late"
        hop.act("head-of-programmes", "rebut", comment=STATEMENT)
        assert phase_status(hop.state, hop.clock)["rebuttal"] == "open"
        hop.act("rebuttal-reviewer", "decide-rebuttal", finding="upheld", comment=FINDING)
        assert set(phase_status(hop.state, hop.clock).values()) == {"done"}

    def test_completed_by_a_lapsed_window(self, hop: Appraisal) -> None:
        hop.through_acknowledgement("does_not_meet")
        due = hop.task(appraisal.REBUTTAL_WINDOW_TASK).due_at
        assert due is not None
        hop.fire(due)
        assert hop.state.closed
        assert set(phase_status(hop.state, due).values()) == {"done"}


def test_the_phase_dates_are_the_cycles_defaults() -> None:
    assert PHASES.objectives_due == date(2027, 3, 31)
    assert PHASES.self_assessment_opens == date(2027, 12, 1)
