"""Managing a grant's steps: extending a deadline, reassigning a step, delegating while away.

These actions are common to every case kind (`domain.task_management`); here they run on a grant, through
`decide_command`, with schedules resolved by `plan_schedule` as the calendar activity does. The Kampala grant
is submitted on Thursday 29 April 2027 at 10:00 in Brussels: the Brussels officer's screening is due on Monday
10 May at 17:00 (Ascension Day and the bridge day do not count), with reminders on 4 and 10 May at 09:00.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain import case, grant, timed_step
from domain.events import DomainEvent

Submit = Callable[..., Any]

BRUSSELS = ZoneInfo("Europe/Brussels")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
OPENING = datetime(2027, 4, 29, 8, 0, tzinfo=UTC)
ORIGINAL_DUE = "2027-05-10T15:00:00+00:00"
SCREENING_TITLE = "Screen the eligibility of 'Citywide slum upgrading strategy for Kampala'"
DIRECTOR_BAND = "Only the Director may approve grants between USD 50,000 and 250,000 (delegation of authority)."


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def local(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%a %d %b %H:%M")


def kinds(events: list[DomainEvent]) -> list[tuple[str, Any]]:
    return [(event.type, event.payload.get("planned_at")) for event in events]


# -- extend --------------------------------------------------------------------------------------------------
def test_the_supervisor_extends_with_a_reason_and_the_timers_move(submit: Submit) -> None:
    kampala = submit(at=OPENING)
    kampala.fire(utc(2027, 5, 4, 7, 0))  # the first reminder went out

    (extended,) = kampala.act(
        "head-of-programmes",
        "extend",
        task="screening",
        working_days=3,
        comment="Waiting for the city's land-tenure annex",
        at=utc(2027, 5, 5, 12, 0),
    )

    assert (extended.type, extended.actor, extended.actor_role) == (
        timed_step.DEADLINE_EXTENDED,
        "head-of-programmes",
        "supervisor",
    )
    assert (extended.outcome, extended.reason) == ("extended", "Waiting for the city's land-tenure annex")
    assert extended.payload["previous_due_at"] == ORIGINAL_DUE
    schedule = kampala.task("screening").schedule
    # Three working days after Monday 10 May.
    assert local(schedule.due_at, BRUSSELS) == "Thu 13 May 17:00"
    assert [local(at, BRUSSELS) for at in schedule.reminders] == ["Tue 11 May 09:00", "Thu 13 May 09:00"]
    assert [(step.to, local(step.at, BRUSSELS)) for step in schedule.escalations] == [
        ("head-of-programmes", "Tue 18 May 09:00"),  # past Pentecost Monday
        ("director", "Fri 21 May 09:00"),
    ]

    # The old instants are gone: nothing on the old due day, nothing at the old first escalation.
    assert kampala.fire(utc(2027, 5, 10, 7, 0)) == []
    assert kinds(kampala.fire(utc(2027, 5, 11, 7, 0))) == [(timed_step.REMINDER_SENT, "2027-05-11T07:00:00+00:00")]
    assert kampala.fire(utc(2027, 5, 12, 7, 0)) == []
    assert kampala.of_type(timed_step.REMINDER_SENT)[-1].payload["due_at"] == "2027-05-13T15:00:00+00:00"


def test_reminders_already_past_at_the_extension_are_not_replayed(submit: Submit) -> None:
    kampala = submit(at=OPENING)
    kampala.fire(utc(2027, 5, 10, 7, 0))  # both reminders of the original plan went out
    changed_at = utc(2027, 5, 10, 12, 0)

    kampala.act("director", "extend", task="screening", working_days=2, comment="Data delayed", at=changed_at)

    schedule = kampala.task("screening").schedule
    assert local(schedule.due_at, BRUSSELS) == "Wed 12 May 17:00"
    # The new plan's first reminder (Monday 10 May, 09:00) is already behind the change: it is not sent late.
    assert [local(at, BRUSSELS) for at in schedule.reminders] == ["Wed 12 May 09:00"]
    assert kampala.fire(changed_at) == []
    assert kinds(kampala.fire(utc(2027, 5, 12, 7, 0))) == [(timed_step.REMINDER_SENT, "2027-05-12T07:00:00+00:00")]


def test_an_extension_until_a_day_ends_at_the_end_of_that_day_in_the_assignees_zone(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    (extended,) = kampala.act(
        "director",
        "extend",
        task="screening",
        until="2027-05-14",
        comment="Mission",
        at=utc(2027, 5, 5, 12, 0),
    )

    assert extended.actor_role == "director"
    schedule = kampala.task("screening").schedule
    assert schedule.due_at.astimezone(BRUSSELS).strftime("%a %d %b %H:%M:%S") == "Fri 14 May 23:59:59"
    assert [local(at, BRUSSELS) for at in schedule.reminders] == ["Wed 12 May 09:00", "Fri 14 May 09:00"]


def test_an_extension_needs_a_reason(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    refused = kampala.refusal("head-of-programmes", "extend", task="screening", working_days=3)

    assert str(refused) == "Action 'extend' needs a reason: give --comment."


def test_only_the_director_or_the_assignees_supervisor_may_extend(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    refused = kampala.refusal("programme-officer-hanoi", "extend", task="screening", working_days=3, comment="Busy")

    assert str(refused) == (
        "Only the Director or Programme Officer (Brussels)'s supervisor may extend or reassign "
        f"'{SCREENING_TITLE}' (step management)."
    )
    assert refused.rule == "step-management"


def test_an_extension_must_move_the_due_date_later(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    refused = kampala.refusal("director", "extend", task="screening", until="2027-05-07", comment="Earlier")

    assert str(refused) == f"An extension must move the due date later than {ORIGINAL_DUE}."


def test_extending_a_step_that_is_not_open_is_refused(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    refused = kampala.refusal("director", "extend", task="approval", working_days=3, comment="Later")

    assert str(refused) == "Case grant/2027-014 has no open task 'approval' (open tasks: screening)."


# -- reassign ------------------------------------------------------------------------------------------------
def test_a_reassigned_step_follows_the_new_assignees_calendar_and_zone(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    (reassigned,) = kampala.act(
        "head-of-programmes",
        "reassign",
        task="screening",
        to="programme-officer-hanoi",
        comment="The Brussels officer is on mission",
        at=utc(2027, 5, 5, 8, 0),
    )

    assert (reassigned.type, reassigned.actor, reassigned.actor_role, reassigned.outcome) == (
        timed_step.TASK_REASSIGNED,
        "head-of-programmes",
        "supervisor",
        "reassigned",
    )
    assert (reassigned.payload["from"], reassigned.payload["to"]) == (
        "programme-officer-brussels",
        "programme-officer-hanoi",
    )
    task = kampala.task("screening")
    assert task.assignee == "programme-officer-hanoi"
    assert task.due_at == utc(2027, 5, 10, 15, 0)  # the due instant stays
    # Hanoi keeps neither Ascension nor the Brussels bridge day: two working days before 10 May is Thursday 6.
    assert [local(at, HANOI) for at in task.schedule.reminders] == ["Thu 06 May 09:00", "Mon 10 May 09:00"]
    assert [(step.to, local(step.at, BRUSSELS)) for step in task.schedule.escalations] == [
        ("head-of-programmes", "Wed 12 May 09:00"),
        ("director", "Mon 17 May 09:00"),  # Pentecost Monday is a working day in Hanoi
    ]

    assert str(kampala.refusal("programme-officer-brussels", "screen", outcome="eligible")) == (
        "Only Programme Officer (Hanoi) (programme-officer-hanoi), or their substitute while they are away, "
        "may screen this application."
    )
    (screened, *_) = kampala.act("programme-officer-hanoi", "screen", outcome="eligible")
    assert (screened.actor, screened.on_behalf_of) == ("programme-officer-hanoi", None)
    assert kampala.state.screener == "programme-officer-hanoi"


def test_escalations_already_past_are_not_replayed_after_a_reassignment(submit: Submit) -> None:
    kampala = submit(at=OPENING)
    kampala.fire(utc(2027, 5, 12, 7, 0))  # overdue: the Head of Programmes has been told
    changed_at = utc(2027, 5, 13, 12, 0)

    kampala.act(
        "head-of-programmes",
        "reassign",
        task="screening",
        to="programme-officer-hanoi",
        comment="Overdue",
        at=changed_at,
    )

    assert kampala.fire(changed_at) == []
    (escalated,) = kampala.fire(utc(2027, 5, 17, 7, 0))
    assert (escalated.payload["to"], escalated.payload["level"]) == ("director", 2)
    assert escalated.payload["assignee"] == "programme-officer-hanoi"


def test_a_reassignment_needs_a_reason_a_manager_and_a_different_known_person(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    assert str(kampala.refusal("head-of-programmes", "reassign", task="screening", to="programme-officer-hanoi")) == (
        "Action 'reassign' needs a reason: give --comment."
    )
    assert str(
        kampala.refusal("finance-officer", "reassign", task="screening", to="programme-officer-hanoi", comment="x")
    ) == (
        "Only the Director or Programme Officer (Brussels)'s supervisor may extend or reassign "
        f"'{SCREENING_TITLE}' (step management)."
    )
    assert str(kampala.refusal("director", "reassign", task="screening", to="nobody", comment="x")) == (
        "Unknown person 'nobody': not in the organisation file."
    )
    assert (
        str(kampala.refusal("director", "reassign", task="screening", to="programme-officer-brussels", comment="x"))
        == f"'{SCREENING_TITLE}' is already assigned to programme-officer-brussels."
    )


def test_screening_cannot_be_reassigned_to_the_submitting_officer(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    refused = kampala.refusal(
        "director", "reassign", task="screening", to="programme-officer-pretoria", comment="Brussels is away"
    )

    assert str(refused) == (
        "Programme Officer (Pretoria) submitted this application and cannot screen it (separation of duties)."
    )


def test_an_approval_cannot_be_reassigned_to_the_screener(
    submit: Submit, org_where_head_of_programmes_is_an_officer: Any
) -> None:
    small = submit(
        amount=40000,
        screening_officer="head-of-programmes",
        organisation=org_where_head_of_programmes_is_an_officer,
    ).through_reviews()
    assert small.task("approval").assignee == "director"

    refused = small.refusal("director", "reassign", task="approval", to="head-of-programmes", comment="Travelling")

    assert str(refused) == "Head of Programmes screened this application and cannot approve it (separation of duties)."
    assert refused.rule == "separation-of-duties"


def test_an_approval_cannot_be_reassigned_to_a_technical_reviewer(submit: Submit) -> None:
    small = submit(amount=40000).through_reviews(reviewers=("head-of-programmes", "compliance-officer"))

    refused = small.refusal("director", "reassign", task="approval", to="head-of-programmes", comment="Travelling")

    assert str(refused) == (
        "Head of Programmes was a technical reviewer of this application and cannot approve it (separation of duties)."
    )


def test_an_approval_cannot_be_reassigned_below_the_delegation_of_authority(submit: Submit) -> None:
    kampala = submit().through_reviews()

    refused = kampala.refusal("director", "reassign", task="approval", to="head-of-programmes", comment="Travelling")

    assert str(refused) == DIRECTOR_BAND
    assert refused.rule == "delegation-of-authority"


def test_the_board_endorsement_cannot_be_reassigned_away_from_the_director(submit: Submit) -> None:
    lima = submit(kampala=False).through_reviews()
    assert lima.task("endorsement").assignee == "director"

    refused = lima.refusal("director", "reassign", task="endorsement", to="head-of-programmes", comment="Travelling")

    assert str(refused) == (
        "Only the Director may endorse grants above USD 250,000 for the Board (delegation of authority)."
    )


def test_a_technical_review_cannot_be_reassigned_at_all(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()
    kampala.assign_reviewers("compliance-officer", "internal-auditor")
    kampala.act("compliance-officer", "declare-interests", conflict=False)

    refused = kampala.refusal(
        "director",
        "reassign",
        task="review-compliance-officer",
        to="programme-officer-hanoi",
        comment="Leave",
    )

    assert str(refused) == (
        "A technical review cannot be reassigned: the reviewer declares a conflict of interest and a replacement "
        "is named, who declares before reviewing (conflict of interest)."
    )


def test_a_reviewer_declaration_cannot_be_reassigned_to_the_screener(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()
    kampala.assign_reviewers("compliance-officer", "internal-auditor")

    refused = kampala.refusal(
        "director",
        "reassign",
        task="coi-compliance-officer",
        to="programme-officer-brussels",
        comment="Leave",
    )

    assert refused.rule == "separation-of-duties"
    assert str(refused) == (
        "Programme Officer (Brussels) submitted or screened this application and cannot review it "
        "(separation of duties)."
    )


def test_a_reviewer_declaration_cannot_be_reassigned_to_a_recused_reviewer(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()
    kampala.assign_reviewers("compliance-officer", "internal-auditor")
    kampala.act("compliance-officer", "declare-interests", conflict=True, comment="My spouse advises KCCA")

    refused = kampala.refusal(
        "director", "reassign", task="coi-internal-auditor", to="compliance-officer", comment="Audit season"
    )

    assert str(refused) == "Compliance Officer declared a conflict of interest on this case and cannot review it."
    assert refused.rule == "conflict-of-interest"


def test_a_reassigned_reviewer_declares_and_reviews_and_the_original_one_cannot(submit: Submit) -> None:
    kampala = submit()
    kampala.screen_eligible()
    kampala.assign_reviewers("compliance-officer", "internal-auditor")
    kampala.review_without_conflicts("internal-auditor")
    kampala.act(
        "head-of-operations",
        "reassign",
        task="coi-compliance-officer",
        to="programme-officer-hanoi",
        comment="Leave",
    )

    # The step is no longer the original reviewer's: their declaration and review are refused.
    kampala.refusal("compliance-officer", "declare-interests", conflict=False)
    kampala.act("programme-officer-hanoi", "declare-interests", conflict=False)
    kampala.refusal("compliance-officer", "review", score=2, recommendation="reject")
    reviewed = kampala.act("programme-officer-hanoi", "review", score=4, recommendation="approve")

    assert (reviewed[0].type, reviewed[0].actor) == (grant.REVIEW_SUBMITTED, "programme-officer-hanoi")
    assert set(kampala.state.reviews) == {"internal-auditor", "programme-officer-hanoi"}
    assert set(kampala.state.reviewers) == {"internal-auditor", "programme-officer-hanoi"}


# -- delegate ------------------------------------------------------------------------------------------------
def away(kampala: Any, actor: str = "programme-officer-brussels", **fields: Any) -> list[DomainEvent]:
    """The Brussels officer is away from Monday 3 to Friday 7 May; the Hanoi officer stands in."""
    return kampala.act(
        actor,
        "delegate",
        substitute=fields.pop("substitute", "programme-officer-hanoi"),
        starts_on="2027-05-03",
        ends_on="2027-05-07",
        comment="Annual leave",
        at=utc(2027, 4, 29, 12, 0),
        **fields,
    )


def test_a_substitute_acts_on_behalf_of_the_absent_person(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    (granted,) = away(kampala)

    assert (granted.type, granted.actor, granted.actor_role, granted.on_behalf_of) == (
        "DelegationGranted",
        "programme-officer-brussels",
        "self",
        None,
    )
    assert granted.payload == {
        "absent": "programme-officer-brussels",
        "substitute": "programme-officer-hanoi",
        "starts_on": "2027-05-03",
        "ends_on": "2027-05-07",
        "granted_by": "programme-officer-brussels",
    }

    screened, completed, _ = kampala.act(
        "programme-officer-hanoi", "screen", outcome="eligible", at=utc(2027, 5, 4, 8, 0)
    )

    assert (screened.actor, screened.on_behalf_of) == (
        "programme-officer-hanoi",
        "programme-officer-brussels",
    )
    assert screened.payload == {"screener": "programme-officer-brussels"}
    assert (completed.actor, completed.on_behalf_of) == (
        "programme-officer-hanoi",
        "programme-officer-brussels",
    )
    assert kampala.state.screener == "programme-officer-brussels"


def test_the_delegation_holds_only_within_its_dates_in_the_absent_persons_zone(submit: Submit) -> None:
    kampala = submit(at=OPENING)
    away(kampala)
    not_yours = (
        "Only Programme Officer (Brussels) (programme-officer-brussels), or their substitute while they are "
        "away, may screen this application."
    )

    for outside in (
        utc(2027, 4, 30, 12, 0),
        utc(2027, 5, 7, 22, 30),
    ):  # the second is Saturday 00:30 in Brussels
        refused = kampala.refusal("programme-officer-hanoi", "screen", outcome="eligible", at=outside)
        assert str(refused) == not_yours

    # Friday 7 May, 23:30 in Brussels (already Saturday in Hanoi): still the last day of the absence.
    (screened, *_) = kampala.act("programme-officer-hanoi", "screen", outcome="eligible", at=utc(2027, 5, 7, 21, 30))
    assert screened.on_behalf_of == "programme-officer-brussels"


def test_the_supervisor_may_name_the_substitute_on_the_absent_persons_behalf(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    (granted,) = away(kampala, actor="head-of-programmes", absent="programme-officer-brussels")

    assert (granted.actor, granted.actor_role, granted.on_behalf_of) == (
        "head-of-programmes",
        "supervisor",
        "programme-officer-brussels",
    )
    assert granted.payload["granted_by"] == "head-of-programmes"


def test_nobody_else_names_a_substitute_and_nobody_substitutes_for_themselves(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    refused = kampala.refusal(
        "programme-officer-pretoria",
        "delegate",
        absent="programme-officer-brussels",
        substitute="programme-officer-hanoi",
        starts_on="2027-05-03",
        ends_on="2027-05-07",
    )
    assert str(refused) == (
        "Only Programme Officer (Brussels), their supervisor or the Director may name their substitute "
        "(delegation rule)."
    )
    refused = kampala.refusal(
        "programme-officer-brussels",
        "delegate",
        substitute="programme-officer-brussels",
        starts_on="2027-05-03",
        ends_on="2027-05-07",
    )
    assert str(refused) == "A person cannot be their own substitute (delegation rule)."


def test_the_requester_or_the_subject_cannot_be_named_substitute(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    for person, name in (
        ("programme-officer-pretoria", "Programme Officer (Pretoria)"),
        ("grantee-contact-kampala", "Grantee Contact (Kampala Capital City Authority)"),
    ):
        refused = kampala.refusal(
            "programme-officer-brussels",
            "delegate",
            substitute=person,
            starts_on="2027-05-03",
            ends_on="2027-05-07",
        )
        assert str(refused) == (
            f"{name} is the subject or requester of this case and cannot be a substitute on it (delegation rule)."
        )
        assert refused.rule == "delegation"


def test_a_substitute_who_is_the_requester_cannot_act_even_with_a_delegation_on_record(
    submit: Submit,
) -> None:
    kampala = submit(at=OPENING)
    # Given a delegation on record naming the submitting officer (say, one arranged before they were a party):
    on_record = DomainEvent(
        event_id="delegation-on-record",
        stream_id=kampala.state.case_id,
        type="DelegationGranted",
        occurred_at=OPENING,
        actor="programme-officer-brussels",
        payload={
            "absent": "programme-officer-brussels",
            "substitute": "programme-officer-pretoria",
            "starts_on": "2027-05-03",
            "ends_on": "2027-05-07",
            "granted_by": "programme-officer-brussels",
        },
    )
    kampala.state = case.evolve(grant.GRANT, kampala.state, on_record)

    refused = kampala.refusal("programme-officer-pretoria", "screen", outcome="eligible", at=utc(2027, 5, 4, 8, 0))

    assert str(refused) == (
        "Programme Officer (Pretoria) is the subject or requester of this case and cannot act on it, even as "
        "Programme Officer (Brussels)'s substitute (delegation rule)."
    )


def test_the_directors_substitute_approves_on_the_directors_behalf(submit: Submit) -> None:
    kampala = submit().through_reviews()
    kampala.act(
        "director",
        "delegate",
        substitute="head-of-programmes",
        starts_on="2027-03-08",
        ends_on="2027-03-12",
        comment="Mission to Kampala",
    )

    before_the_absence = kampala.refusal("head-of-programmes", "approve", decision="approve", at=utc(2027, 3, 5, 9, 0))
    assert str(before_the_absence) == (
        "Only Director (director), or their substitute while they are away, may approve this grant."
    )
    approved, completed, _ = kampala.act("head-of-programmes", "approve", decision="approve", at=utc(2027, 3, 9, 9, 0))

    assert (approved.type, approved.actor, approved.on_behalf_of) == (
        grant.APPROVED,
        "head-of-programmes",
        "director",
    )
    assert completed.on_behalf_of == "director"


def test_a_delegation_must_end_after_it_starts(submit: Submit) -> None:
    kampala = submit(at=OPENING)

    refused = kampala.refusal(
        "programme-officer-brussels",
        "delegate",
        substitute="programme-officer-hanoi",
        starts_on="2027-05-07",
        ends_on="2027-05-03",
    )

    assert str(refused).startswith("Action 'delegate' has bad input:")
    assert "ends_on is before starts_on" in str(refused)
