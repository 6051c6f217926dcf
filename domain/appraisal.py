"""The rules of one person's annual performance appraisal; case id `appraisal/<cycle>/<person>`.

The cycle, per staff member:
1. objective setting: the staff member proposes a workplan, the first reporting officer (the supervisor)
   agrees it or returns it with a comment;
2. mid-year review: both sign, from the day it opens;
3. end-of-year self-assessment, from the day it opens;
4. the supervisor's assessment and rating, on the organisation file's scale;
5. second-level review by the second reporting officer: concur, or comment;
6. acknowledgement: the staff member signs, with optional comments;
7. for a rating below "fully meets" only, a rebuttal window of the file's working days: a rebuttal goes to
   an independent reviewer, whose finding (rating upheld, or revised) closes it; an unused window lapses.

Who may act:
- The staff member's own steps (objectives, signatures, self-assessment, acknowledgement, rebuttal) are
  theirs alone: nobody signs for them.
- Only the officer named on the rating step rates; a rating cannot be delegated.
- The other officer steps may be taken by the officer's out-of-office substitute, but never by the staff
  member (nobody appraises themselves) nor by anyone who reports to them (`domain.acting`).
- The first and second reporting officers are different people, and neither is the staff member; a
  reassignment keeps it so.

Confidentiality: objectives, comments, assessments, ratings, rebuttal statements and findings travel only
under an event's `payload["content"]`, which the audit activity seals before it is stored. Everything else
(types, who, when, which step, outcomes, reasons) is in clear, so the timeline stays auditable without the
key; none of it states content.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from domain import appraisal_events as events
from domain import timed_step
from domain.acting import local_date, require_known_person
from domain.appraisal_commands import (
    APPRAISAL_COMMANDS,
    Acknowledge,
    AgreeObjectives,
    AppraisalCommand,
    DecideRebuttal,
    ProposeObjectives,
    Rate,
    Rebut,
    SecondReview,
    SignMidYear,
    SubmitSelfAssessment,
    WaiveRebuttal,
)

# Each action's fields, as the action table (`domain.action_table`) names them here.
from domain.appraisal_commands import AgreementFields as AgreementFields
from domain.appraisal_commands import ObjectivesFields as ObjectivesFields
from domain.appraisal_commands import RatingFields as RatingFields
from domain.appraisal_commands import RebuttalFindingFields as RebuttalFindingFields
from domain.appraisal_commands import SecondReviewFields as SecondReviewFields
from domain.appraisal_commands import SelfAssessmentFields as SelfAssessmentFields
from domain.appraisal_events import APPRAISAL_EVENTS
from domain.appraisal_phases import PhaseDates
from domain.case import CaseState, Context, acting_on, close_case, handler_for
from domain.command_model import NoFields as NoFields
from domain.commands import Command, EventDraft, required_comment
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR, DomainEvent
from domain.organisation import AppraisalSettings, Organisation, OrganisationLookupError
from domain.step_events import STEP_EVENTS, TaskReassigned

KIND = "appraisal"

# The event types, as the typed events of `domain.appraisal_events` name them.
OPENED = events.AppraisalOpened.model_fields["type"].default
OBJECTIVES_PROPOSED = events.ObjectivesProposed.model_fields["type"].default
OBJECTIVES_AGREED = events.ObjectivesAgreed.model_fields["type"].default
OBJECTIVES_RETURNED = events.ObjectivesReturned.model_fields["type"].default
MID_YEAR_SIGNED = events.MidYearReviewSigned.model_fields["type"].default
SELF_ASSESSED = events.SelfAssessmentSubmitted.model_fields["type"].default
RATED = events.AppraisalRated.model_fields["type"].default
SECOND_REVIEWED = events.SecondLevelReviewRecorded.model_fields["type"].default
ACKNOWLEDGED = events.AppraisalAcknowledged.model_fields["type"].default
REBUTTAL_WINDOW_OPENED = events.RebuttalWindowOpened.model_fields["type"].default
REBUTTED = events.RatingRebutted.model_fields["type"].default
REBUTTAL_WAIVED = events.RebuttalWaived.model_fields["type"].default
REBUTTAL_DECIDED = events.RebuttalDecided.model_fields["type"].default
FINALISED = events.AppraisalFinalised.model_fields["type"].default

# Stages
OBJECTIVES = "objectives"
MID_YEAR = "mid_year"
SELF_ASSESSMENT = "self_assessment"
ASSESSMENT = "assessment"
SECOND_REVIEW = "second_review"
ACKNOWLEDGEMENT = "acknowledgement"
REBUTTAL_WINDOW = "rebuttal_window"
REBUTTAL_REVIEW = "rebuttal_review"
COMPLETED = "completed"

# Task ids
OBJECTIVES_TASK = "objectives"
AGREEMENT_TASK = "objectives-agreement"
MID_YEAR_STAFF_TASK = "mid-year-staff"
MID_YEAR_SUPERVISOR_TASK = "mid-year-supervisor"
SELF_ASSESSMENT_TASK = "self-assessment"
ASSESSMENT_TASK = "assessment"
SECOND_REVIEW_TASK = "second-review"
ACKNOWLEDGEMENT_TASK = "acknowledgement"
REBUTTAL_WINDOW_TASK = "rebuttal-window"
REBUTTAL_REVIEW_TASK = "rebuttal-review"

#: The staff member's own steps: nobody else may take them, and they are never reassigned.
STAFF_TASKS = frozenset(
    {OBJECTIVES_TASK, MID_YEAR_STAFF_TASK, SELF_ASSESSMENT_TASK, ACKNOWLEDGEMENT_TASK, REBUTTAL_WINDOW_TASK}
)
#: Steps of the first reporting officer; reassigning one names a new first reporting officer.
FIRST_OFFICER_TASKS = frozenset({AGREEMENT_TASK, MID_YEAR_SUPERVISOR_TASK, ASSESSMENT_TASK})

# Step kinds (step plans in the organisation file)
PHASE_STEP = "appraisal_phase"
SELF_ASSESSMENT_STEP = "self_assessment"
SIGNATURE_STEP = "appraisal_signature"
SECOND_REVIEW_STEP = "second_level_review"
REBUTTAL_WINDOW_STEP = "rebuttal_window"
REBUTTAL_REVIEW_STEP = "rebuttal_review"

#: The phase each event completes, for `govern appraisal progress`.
_PHASE_OF_EVENT = {
    OBJECTIVES_AGREED: "objectives",
    SELF_ASSESSED: "self_assessment",
    RATED: "assessment",
    SECOND_REVIEWED: "second_review",
    ACKNOWLEDGED: "acknowledgement",
    REBUTTAL_WAIVED: "rebuttal",
    REBUTTAL_DECIDED: "rebuttal",
}


class AppraisalState(CaseState):
    kind: str = KIND
    cycle: int | None = None
    staff_member: str | None = None
    first_reporting_officer: str | None = None
    second_reporting_officer: str | None = None
    phases: PhaseDates | None = None
    rating_scale: tuple[str, ...] = ()
    fully_meets: str | None = None
    rebuttal_working_days: int | None = None
    mid_year_signed: tuple[str, ...] = Field(default=(), description="'staff_member', 'first_reporting_officer'.")
    phases_done: dict[str, str] = Field(default_factory=dict, description="Phase -> ISO instant it was completed.")
    rebuttal_applies: bool = False
    rebuttal_reviewer: str | None = None
    # Confidential: known to the workflow and, with the key, to the audit trail's fold; never in a summary.
    rating: str | None = None
    final_rating: str | None = None


#: When a rebuttal window is open: the rule a refused `rebut` or `waive-rebuttal` names.
_REBUTTAL_RULE = (
    "a rebuttal window opens only when the staff member acknowledges a rating below 'fully meets', for the "
    "organisation's rebuttal working days"
)


# -- helpers ----------------------------------------------------------------------------------------------------
def appraisal_case_id(cycle: int, person: str) -> str:
    return f"appraisal/{cycle}/{person}"


def is_appraisal_case(case_id: str) -> bool:
    parts = case_id.split("/")
    return len(parts) == 3 and parts[0] == "appraisal" and parts[1].isdigit()


def _name(organisation: Organisation, person: str) -> str:
    return organisation.person(person).name


def _settings(organisation: Organisation) -> AppraisalSettings:
    if organisation.appraisal is None:
        raise NotAllowed(
            "The organisation file has no 'appraisal' section (rating scale, 'fully meets' level, rebuttal "
            "window), so no appraisal can run.",
            rule="organisation",
        )
    return organisation.appraisal


def _about(state: AppraisalState, context: Context) -> str:
    assert state.staff_member is not None
    return f"{state.cycle} appraisal of {_name(context.organisation, state.staff_member)}"


def _step(
    state: AppraisalState,
    context: Context,
    *,
    task_id: str,
    kind: str,
    title: str,
    assignee: str,
    action: str,
    due_on: date | None = None,
    on_due: timed_step.OnDue = "escalate",
    working_days: int | None = None,
    reason: str | None = None,
) -> EventDraft:
    """A step due on its phase's day, or, when that day has already passed for the assignee (a late joiner, a
    late colleague before them), within the step plan's working days from now. Escalations are about the
    appraised staff member: first to the supervisor, then to the second reporting officer."""
    if due_on is not None and due_on < local_date(context.organisation, assignee, context.now):
        due_on = None
    return timed_step.open_task(
        task_id=task_id,
        kind=kind,
        title=f"{title}: {_about(state, context)}",
        assignee=assignee,
        action=action,
        opened_at=context.now,
        on_due=on_due,
        due_on=due_on,
        working_days=working_days,
        officer=state.first_reporting_officer,
        reason=reason,
        escalation_subject=state.staff_member,
    )


def _objectives_step(state: AppraisalState, context: Context, reason: str | None = None) -> EventDraft:
    assert state.staff_member is not None and state.phases is not None
    return _step(
        state,
        context,
        task_id=OBJECTIVES_TASK,
        kind=PHASE_STEP,
        title="Propose objectives",
        assignee=state.staff_member,
        action="propose-objectives",
        due_on=state.phases.objectives_due,
        reason=reason,
    )


def _resolve_reviewer(state: AppraisalState, organisation: Organisation) -> str:
    """The independent rebuttal reviewer: the file's person, or a holder of the file's role, who is none of the
    staff member, the two reporting officers, or someone reporting to the staff member."""
    settings = _settings(organisation)
    involved = {state.staff_member, state.first_reporting_officer, state.second_reporting_officer}
    target = settings.rebuttal_reviewer or "hr_officer"
    if organisation.has_person(target):
        candidates = [organisation.person(target)]
    else:
        candidates = list(organisation.people_with_role(target))
    for person in candidates:
        if person.id not in involved and person.supervisor != state.staff_member:
            return person.id
    raise NotAllowed(
        f"The rebuttal reviewer named in the organisation file ({target}) is not independent of this appraisal "
        "(the staff member, a reporting officer, or someone reporting to the staff member), so a rebuttal cannot "
        "be reviewed independently; the organisation file must name another appraisal.rebuttal_reviewer before "
        "the window closes, or the staff member may waive the rebuttal.",
        rule="independence",
    )


def _officer_bar(state: AppraisalState, organisation: Organisation, person: str, task_id: str) -> str | None:
    """Why `person` may not hold an officer step of this appraisal, or None."""
    assert state.staff_member is not None
    name = _name(organisation, person)
    if person == state.staff_member:
        return f"Nobody appraises themselves: {name} cannot take a step of their own appraisal"
    if organisation.supervisor_of(person) == state.staff_member:
        return f"{name} reports to {_name(organisation, state.staff_member)} and cannot take a step of their appraisal"
    if task_id in FIRST_OFFICER_TASKS and person == state.second_reporting_officer:
        return (
            f"{name} is the second reporting officer of this appraisal; the first and second reporting officers "
            "must be different people"
        )
    if task_id == SECOND_REVIEW_TASK and person == state.first_reporting_officer:
        return (
            f"{name} is the first reporting officer of this appraisal; the first and second reporting officers "
            "must be different people"
        )
    if task_id == REBUTTAL_REVIEW_TASK and person in (state.first_reporting_officer, state.second_reporting_officer):
        return f"{name} is a reporting officer of this appraisal and cannot review its rebuttal independently"
    return None


def _refuse_self_appraisal(state: AppraisalState, command: AppraisalCommand, context: Context, deed: str) -> None:
    """Nobody appraises themselves: the staff member never takes an officer's step of their own appraisal."""
    if command.actor == state.staff_member:
        raise NotAllowed(
            f"Nobody appraises themselves: {_name(context.organisation, command.actor)} cannot {deed}.",
            rule="self-appraisal",
        )


def _require_on_scale(state: AppraisalState, rating: str) -> None:
    """A rating is one of the codes of the scale recorded when the appraisal opened."""
    if rating not in state.rating_scale:
        raise NotAllowed(f"'{rating}' is not on the rating scale ({', '.join(state.rating_scale)}).", rule="input")


# -- opening ----------------------------------------------------------------------------------------------------
def reporting_officers(organisation: Organisation, person: str) -> tuple[str, str]:
    """(first, second) reporting officers of a person, or a refusal saying why they cannot be appraised."""
    require_known_person(organisation, person)
    subject = organisation.person(person)
    if not subject.staff:
        raise NotAllowed(f"{subject.name} is not Secretariat staff, so has no appraisal here.", rule="appraisal")
    first = subject.supervisor
    if first is None:
        raise NotAllowed(
            f"{subject.name} has no first reporting officer (supervisor) in the organisation file, so is appraised "
            "outside this cycle.",
            rule="reporting-line",
        )
    try:
        second = organisation.second_reporting_officer_of(person)
    except OrganisationLookupError as error:
        raise NotAllowed(str(error), rule="reporting-line") from None
    if len({person, first, second}) != 3:  # the organisation model already refuses this; the rule is stated here
        raise NotAllowed(
            f"The first and second reporting officers of {subject.name} must be two different people, neither of "
            "them the staff member.",
            rule="reporting-line",
        )
    return first, second


def open_appraisal(
    case_id: str, cycle: int, person: str, phases: PhaseDates, launched_by: str, context: Context
) -> list[EventDraft]:
    """The events that open one person's appraisal: who appraises them and by which dates, then the first step."""
    organisation = context.organisation
    if case_id != appraisal_case_id(cycle, person):
        raise NotAllowed(
            f"The {cycle} appraisal of {person} has the case id {appraisal_case_id(cycle, person)}, not {case_id}.",
            rule="input",
        )
    settings = _settings(organisation)
    first, second = reporting_officers(organisation, person)
    opened = events.AppraisalOpened(
        cycle=cycle,
        staff_member=person,
        first_reporting_officer=first,
        second_reporting_officer=second,
        phases=phases,
        rating_scale=tuple(level.code for level in settings.rating_scale),
        fully_meets=settings.fully_meets,
        rebuttal_working_days=settings.rebuttal_working_days,
    ).draft(launched_by, reason=f"the {cycle} appraisal cycle was launched", outcome="opened")
    state = AppraisalState(
        case_id=case_id,
        cycle=cycle,
        staff_member=person,
        first_reporting_officer=first,
        second_reporting_officer=second,
        phases=phases,
    )
    return [opened, _objectives_step(state, context)]


# -- the decider ------------------------------------------------------------------------------------------------
class AppraisalDecider:
    kind = KIND

    def initial_state(self, case_id: str) -> AppraisalState:
        return AppraisalState(case_id=case_id)

    def decide(self, state: AppraisalState, command: Command, context: Context) -> list[EventDraft]:
        handler = handler_for(_HANDLERS, command, "an appraisal")
        if state.staff_member is None:
            raise NotAllowed(f"Appraisal {state.case_id} has not been opened.", rule="stage")
        return handler(self, state, APPRAISAL_COMMANDS.parse(command), context)

    # -- who acts -------------------------------------------------------------------------------------------
    def _staff_only(self, state: AppraisalState, command: AppraisalCommand, context: Context, what: str) -> None:
        assert state.staff_member is not None
        if command.actor != state.staff_member:
            name = _name(context.organisation, state.staff_member)
            raise NotAllowed(
                f"Only {name}, whose appraisal this is, may {what}; nobody can do it for them.", rule="assignment"
            )

    def _officer(
        self, state: AppraisalState, command: AppraisalCommand, context: Context, task: timed_step.Task, what: str
    ) -> str | None:
        """The officer acting (None) or their substitute (the officer's id); never the staff member."""
        _refuse_self_appraisal(state, command, context, f"{what} on their own appraisal")
        on_behalf_of = acting_on(state, context, command.actor, task.assignee, what)
        if on_behalf_of is not None:  # a substitute must be someone who could hold the step themselves
            bar = _officer_bar(state, context.organisation, command.actor, task.task_id)
            if bar is not None:
                raise NotAllowed(
                    f"{bar}, even as {_name(context.organisation, on_behalf_of)}'s substitute.", "delegation"
                )
        return on_behalf_of

    def _refuse_before_opening(self, state: AppraisalState, context: Context, day: date | None, label: str) -> None:
        if day is not None and local_date(context.organisation, state.staff_member or "", context.now) < day:
            raise NotAllowed(f"The {label} of the {state.cycle} cycle opens on {day.isoformat()}.", rule="phase-dates")

    # -- 1. objectives --------------------------------------------------------------------------------------
    def propose_objectives(
        self, state: AppraisalState, command: ProposeObjectives, context: Context
    ) -> list[EventDraft]:
        task = state.open_step(
            OBJECTIVES_TASK,
            "propose objectives",
            f"The {state.cycle} appraisal",
            context,
            when="objectives are proposed when the appraisal opens, and again when the first reporting officer "
            "returns them",
        )
        self._staff_only(state, command, context, "propose their objectives")
        fields = command.fields
        assert state.first_reporting_officer is not None and state.phases is not None
        return [
            events.ObjectivesProposed(
                content=events.ObjectivesContent.of(objectives=fields.objectives, comment=command.comment)
            ).draft(command.actor, outcome="proposed"),
            timed_step.complete_task(task, command.actor, None, "proposed"),
            _step(
                state,
                context,
                task_id=AGREEMENT_TASK,
                kind=PHASE_STEP,
                title="Agree objectives",
                assignee=state.first_reporting_officer,
                action="agree-objectives",
                due_on=state.phases.objectives_due,
            ),
        ]

    def agree_objectives(self, state: AppraisalState, command: AgreeObjectives, context: Context) -> list[EventDraft]:
        task = state.open_step(
            AGREEMENT_TASK,
            "agree objectives",
            f"The {state.cycle} appraisal",
            context,
            when="objectives are agreed once the staff member has proposed them",
        )
        on_behalf_of = self._officer(state, command, context, task, "agree the objectives")
        fields = command.fields
        if fields.decision == "return":
            comment = required_comment(command, "Returning the objectives")
            return [
                events.ObjectivesReturned(content=events.CommentContent.of(comment=comment)).draft(
                    command.actor, actor_role="first_reporting_officer", on_behalf_of=on_behalf_of, outcome="returned"
                ),
                timed_step.complete_task(task, command.actor, on_behalf_of, "returned"),
                _objectives_step(state, context, reason="objectives returned for revision"),
            ]
        assert state.staff_member is not None and state.phases is not None
        return [
            events.ObjectivesAgreed(content=events.CommentContent.of(comment=command.comment)).draft(
                command.actor, actor_role="first_reporting_officer", on_behalf_of=on_behalf_of, outcome="agreed"
            ),
            timed_step.complete_task(task, command.actor, on_behalf_of, "agreed"),
            _step(
                state,
                context,
                task_id=MID_YEAR_STAFF_TASK,
                kind=PHASE_STEP,
                title="Sign the mid-year review",
                assignee=state.staff_member,
                action="sign-mid-year",
                due_on=state.phases.mid_year_due,
            ),
            _step(
                state,
                context,
                task_id=MID_YEAR_SUPERVISOR_TASK,
                kind=PHASE_STEP,
                title="Sign the mid-year review",
                assignee=task.assignee,
                action="sign-mid-year",
                due_on=state.phases.mid_year_due,
            ),
        ]

    # -- 2. mid-year review ---------------------------------------------------------------------------------
    def sign_mid_year(self, state: AppraisalState, command: SignMidYear, context: Context) -> list[EventDraft]:
        label = f"The {state.cycle} appraisal"
        if state.stage != MID_YEAR:
            raise state.no_step(
                "sign the mid-year review", label, context, when="the mid-year review follows the agreed objectives"
            )
        assert state.phases is not None
        self._refuse_before_opening(state, context, state.phases.mid_year_opens, "mid-year review")
        command.refuse_bad_input()  # only once the phase has opened
        signatory: Literal["staff_member", "first_reporting_officer"]
        if command.actor == state.staff_member:
            task = state.tasks.get(MID_YEAR_STAFF_TASK)
            if task is None:
                raise NotAllowed(
                    f"{_name(context.organisation, command.actor)} already signed the mid-year review.", rule="stage"
                )
            signatory, on_behalf_of = "staff_member", None
        else:
            task = state.tasks.get(MID_YEAR_SUPERVISOR_TASK)
            if task is None:
                raise NotAllowed("The supervisor already signed the mid-year review.", rule="stage")
            on_behalf_of = self._officer(state, command, context, task, "sign the mid-year review as supervisor")
            signatory = "first_reporting_officer"
        drafts = [
            events.MidYearReviewSigned(
                signatory=signatory, content=events.CommentContent.of(comment=command.comment)
            ).draft(command.actor, actor_role=signatory, on_behalf_of=on_behalf_of, outcome="signed"),
            timed_step.complete_task(task, command.actor, on_behalf_of, "signed"),
        ]
        if len(state.mid_year_signed) == 1:  # the other has signed: the phase is complete
            assert state.staff_member is not None
            drafts.append(
                _step(
                    state,
                    context,
                    task_id=SELF_ASSESSMENT_TASK,
                    kind=SELF_ASSESSMENT_STEP,
                    title="Submit the end-of-year self-assessment",
                    assignee=state.staff_member,
                    action="submit-self-assessment",
                    due_on=state.phases.self_assessment_due,
                )
            )
        return drafts

    # -- 3. self-assessment ---------------------------------------------------------------------------------
    def submit_self_assessment(
        self, state: AppraisalState, command: SubmitSelfAssessment, context: Context
    ) -> list[EventDraft]:
        task = state.open_step(
            SELF_ASSESSMENT_TASK,
            "submit a self-assessment",
            f"The {state.cycle} appraisal",
            context,
            when="the self-assessment follows the mid-year review, once both have signed it",
        )
        self._staff_only(state, command, context, "submit their self-assessment")
        assert state.phases is not None and state.first_reporting_officer is not None
        self._refuse_before_opening(state, context, state.phases.self_assessment_opens, "end-of-year self-assessment")
        fields = command.fields
        return [
            events.SelfAssessmentSubmitted(
                content=events.SelfAssessmentContent.of(assessment=fields.assessment, comment=command.comment)
            ).draft(command.actor, outcome="submitted"),
            timed_step.complete_task(task, command.actor, None, "submitted"),
            _step(
                state,
                context,
                task_id=ASSESSMENT_TASK,
                kind=PHASE_STEP,
                title="Assess and rate",
                assignee=state.first_reporting_officer,
                action="rate",
                due_on=state.phases.assessment_due,
            ),
        ]

    # -- 4. rating ------------------------------------------------------------------------------------------
    def rate(self, state: AppraisalState, command: Rate, context: Context) -> list[EventDraft]:
        task = state.open_step(
            ASSESSMENT_TASK,
            "rate",
            f"The {state.cycle} appraisal",
            context,
            when="the rating follows the staff member's self-assessment",
        )
        organisation = context.organisation
        _refuse_self_appraisal(state, command, context, "rate their own appraisal")
        if command.actor != task.assignee:
            raise NotAllowed(
                f"Only the officer named to rate this appraisal, {_name(organisation, task.assignee)} "
                f"({task.assignee}), may rate it; a rating cannot be delegated.",
                rule="named-officer",
            )
        fields = command.fields
        _require_on_scale(state, fields.rating)
        comment = required_comment(command, "A rating")
        assert state.second_reporting_officer is not None and state.phases is not None
        return [
            events.AppraisalRated(content=events.RatingContent.of(rating=fields.rating, comment=comment)).draft(
                command.actor, actor_role="first_reporting_officer", outcome="rated"
            ),
            timed_step.complete_task(task, command.actor, None, "rated"),
            _step(
                state,
                context,
                task_id=SECOND_REVIEW_TASK,
                kind=SECOND_REVIEW_STEP,
                title="Second-level review",
                assignee=state.second_reporting_officer,
                action="second-review",
                due_on=state.phases.second_review_due,
            ),
        ]

    # -- 5. second-level review -----------------------------------------------------------------------------
    def second_review(self, state: AppraisalState, command: SecondReview, context: Context) -> list[EventDraft]:
        task = state.open_step(
            SECOND_REVIEW_TASK,
            "review at second level",
            f"The {state.cycle} appraisal",
            context,
            when="the second-level review follows the first reporting officer's rating",
        )
        on_behalf_of = self._officer(state, command, context, task, "give the second-level review")
        fields = command.fields
        comment = required_comment(command, "A second-level comment") if fields.decision == "comment" else None
        assert state.staff_member is not None
        return [
            events.SecondLevelReviewRecorded(
                content=events.SecondReviewContent.of(decision=fields.decision, comment=comment or command.comment)
            ).draft(
                command.actor, actor_role="second_reporting_officer", on_behalf_of=on_behalf_of, outcome="reviewed"
            ),
            timed_step.complete_task(task, command.actor, on_behalf_of, "reviewed"),
            _step(
                state,
                context,
                task_id=ACKNOWLEDGEMENT_TASK,
                kind=SIGNATURE_STEP,
                title="Acknowledge the appraisal",
                assignee=state.staff_member,
                action="acknowledge",
            ),
        ]

    # -- 6. acknowledgement ---------------------------------------------------------------------------------
    def acknowledge(self, state: AppraisalState, command: Acknowledge, context: Context) -> list[EventDraft]:
        task = state.open_step(
            ACKNOWLEDGEMENT_TASK,
            "acknowledge",
            f"The {state.cycle} appraisal",
            context,
            when="the staff member acknowledges the appraisal after the second-level review",
        )
        self._staff_only(state, command, context, "acknowledge their appraisal")
        command.refuse_bad_input()  # after who may acknowledge
        drafts = [
            events.AppraisalAcknowledged(content=events.CommentContent.of(comment=command.comment)).draft(
                command.actor, outcome="acknowledged"
            ),
            timed_step.complete_task(task, command.actor, None, "acknowledged"),
        ]
        settings = _settings(context.organisation)
        below = state.rating is not None and _below_fully_meets(state, settings)
        if not below:
            return drafts + _finalise(state, state.rating, command.actor, ACKNOWLEDGEMENT_TASK)
        assert state.staff_member is not None
        days = state.rebuttal_working_days or settings.rebuttal_working_days
        return drafts + [
            events.RebuttalWindowOpened(working_days=days).draft(
                command.actor, reason=f"the rating may be rebutted within {days} working days", outcome="opened"
            ),
            _step(
                state,
                context,
                task_id=REBUTTAL_WINDOW_TASK,
                kind=REBUTTAL_WINDOW_STEP,
                title="Rebut the rating, or let the window close",
                assignee=state.staff_member,
                action="rebut",
                on_due="lapse",
                working_days=days,
            ),
        ]

    # -- 7. rebuttal ----------------------------------------------------------------------------------------
    def rebut(self, state: AppraisalState, command: Rebut, context: Context) -> list[EventDraft]:
        task = state.open_step(
            REBUTTAL_WINDOW_TASK,
            "rebut the rating",
            f"The {state.cycle} appraisal",
            context,
            when=_REBUTTAL_RULE,
        )
        self._staff_only(state, command, context, "rebut their rating")
        command.refuse_bad_input()  # after who may rebut
        statement = required_comment(command, "A rebuttal")
        reviewer = _resolve_reviewer(state, context.organisation)
        return [
            events.RatingRebutted(reviewer=reviewer, content=events.RebuttalContent.of(statement=statement)).draft(
                command.actor, outcome="rebutted"
            ),
            timed_step.complete_task(task, command.actor, None, "rebutted"),
            _step(
                state,
                context,
                task_id=REBUTTAL_REVIEW_TASK,
                kind=REBUTTAL_REVIEW_STEP,
                title="Review the rebuttal independently",
                assignee=reviewer,
                action="decide-rebuttal",
            ),
        ]

    def waive_rebuttal(self, state: AppraisalState, command: WaiveRebuttal, context: Context) -> list[EventDraft]:
        task = state.open_step(
            REBUTTAL_WINDOW_TASK,
            "waive the rebuttal",
            f"The {state.cycle} appraisal",
            context,
            when=_REBUTTAL_RULE,
        )
        self._staff_only(state, command, context, "waive their rebuttal")
        command.refuse_bad_input()  # after who may waive
        return [
            events.RebuttalWaived(content=events.CommentContent.of(comment=command.comment)).draft(
                command.actor, outcome="waived"
            ),
            timed_step.complete_task(task, command.actor, None, "waived"),
            *_finalise(state, state.rating, command.actor, REBUTTAL_WINDOW_TASK),
        ]

    def decide_rebuttal(self, state: AppraisalState, command: DecideRebuttal, context: Context) -> list[EventDraft]:
        task = state.open_step(
            REBUTTAL_REVIEW_TASK,
            "decide the rebuttal",
            f"The {state.cycle} appraisal",
            context,
            when="a rebuttal is decided once the staff member has rebutted the rating",
        )
        on_behalf_of = self._officer(state, command, context, task, "decide the rebuttal")
        fields = command.fields
        if fields.rating is not None:
            _require_on_scale(state, fields.rating)
        finding = required_comment(command, "A rebuttal finding")
        final = fields.rating if fields.finding == "revised" else state.rating
        return [
            events.RebuttalDecided(
                content=events.FindingContent.of(finding=fields.finding, rating=final, comment=finding)
            ).draft(command.actor, actor_role="rebuttal_reviewer", on_behalf_of=on_behalf_of, outcome="decided"),
            timed_step.complete_task(task, command.actor, on_behalf_of, "decided"),
            *_finalise(state, final, command.actor, REBUTTAL_REVIEW_TASK, on_behalf_of),
        ]

    # -- the shared protocol --------------------------------------------------------------------------------
    def react(self, state: AppraisalState, context: Context) -> list[EventDraft]:
        return []

    def on_deadline(self, state: AppraisalState, task: timed_step.Task, context: Context) -> list[EventDraft]:
        if task.task_id != REBUTTAL_WINDOW_TASK:
            return []
        return [
            timed_step.cancel_task(task, "the rebuttal window closed unused"),
            *_finalise(state, state.rating, SYSTEM_ACTOR, REBUTTAL_WINDOW_TASK),
        ]

    def check_assignee(self, state: AppraisalState, task: timed_step.Task, person: str, context: Context) -> None:
        organisation = context.organisation
        if task.task_id in STAFF_TASKS:
            raise NotAllowed(
                f"Only {_name(organisation, task.assignee)} can take '{task.title}'; it cannot be reassigned.",
                rule="assignment",
            )
        bar = _officer_bar(state, organisation, person, task.task_id)
        if bar is not None:
            raise NotAllowed(f"{bar}.", rule="reporting-line")

    def evolve(self, state: AppraisalState, event: DomainEvent) -> AppraisalState:
        update: dict[str, Any] = {}
        match APPRAISAL_EVENTS.parse(event):
            case events.AppraisalOpened() as opened:
                update = {
                    "stage": OBJECTIVES,
                    "cycle": opened.cycle,
                    "staff_member": opened.staff_member,
                    "subjects": (opened.staff_member,),
                    "first_reporting_officer": opened.first_reporting_officer,
                    "second_reporting_officer": opened.second_reporting_officer,
                    "phases": opened.phases,
                    "rating_scale": opened.rating_scale,
                    "fully_meets": opened.fully_meets,
                    "rebuttal_working_days": opened.rebuttal_working_days,
                }
            case events.ObjectivesReturned():
                update = {"stage": OBJECTIVES}
            case events.ObjectivesAgreed():
                update = {"stage": MID_YEAR}
            case events.MidYearReviewSigned() as signed:
                signatories = (*state.mid_year_signed, signed.signatory)
                update = {"mid_year_signed": signatories}
                if len(set(signatories)) == 2:
                    update.update(stage=SELF_ASSESSMENT, phases_done={**state.phases_done, "mid_year": _at(event)})
            case events.SelfAssessmentSubmitted():
                update = {"stage": ASSESSMENT}
            case events.AppraisalRated() as rated:  # without the key the content is sealed: no rating is known
                update = {"stage": SECOND_REVIEW, "rating": rated.content.rating if rated.content else None}
            case events.SecondLevelReviewRecorded():
                update = {"stage": ACKNOWLEDGEMENT}
            case events.RebuttalWindowOpened():
                update = {"stage": REBUTTAL_WINDOW, "rebuttal_applies": True}
            case events.RatingRebutted() as rebutted:
                update = {"stage": REBUTTAL_REVIEW, "rebuttal_reviewer": rebutted.reviewer}
            case events.AppraisalFinalised() as finalised:
                update = {"final_rating": finalised.content.rating if finalised.content else None}
                if state.rebuttal_applies and "rebuttal" not in state.phases_done:  # the window lapsed unused
                    update["phases_done"] = {**state.phases_done, "rebuttal": _at(event)}
            case None if event.type == timed_step.TASK_REASSIGNED:  # a step's event, read as the steps read it
                reassigned = STEP_EVENTS.parse(event)
                assert isinstance(reassigned, TaskReassigned)
                if reassigned.task_id in FIRST_OFFICER_TASKS:
                    update = {"first_reporting_officer": reassigned.to}
                elif reassigned.task_id == SECOND_REVIEW_TASK:
                    update = {"second_reporting_officer": reassigned.to}
                elif reassigned.task_id == REBUTTAL_REVIEW_TASK:
                    update = {"rebuttal_reviewer": reassigned.to}
        phase = _PHASE_OF_EVENT.get(event.type)
        if phase is not None:
            update["phases_done"] = {**state.phases_done, **update.get("phases_done", {}), phase: _at(event)}
        return state.model_copy(update=update) if update else state

    def stage_summary(self, state: AppraisalState) -> dict[str, Any]:
        """Who and when, never what: no objectives, comments or ratings."""
        return {
            "cycle": state.cycle,
            "staff_member": state.staff_member,
            "first_reporting_officer": state.first_reporting_officer,
            "second_reporting_officer": state.second_reporting_officer,
            "phases_done": dict(state.phases_done),
            "rebuttal_applies": state.rebuttal_applies,
            "rebuttal_reviewer": state.rebuttal_reviewer,
        }


def _at(event: DomainEvent) -> str:
    return event.occurred_at.isoformat()


def _below_fully_meets(state: AppraisalState, settings: AppraisalSettings) -> bool:
    """Against the scale recorded when the case opened, so a later edit of the file does not change the rule."""
    scale = state.rating_scale or tuple(level.code for level in settings.rating_scale)
    fully_meets = state.fully_meets or settings.fully_meets
    assert state.rating is not None
    return scale.index(state.rating) > scale.index(fully_meets)


def _finalise(
    state: AppraisalState, rating: str | None, actor: str, finished: str, on_behalf_of: str | None = None
) -> list[EventDraft]:
    """The final rating (sealed) and the case's close; `finished` is the step this very decision completes."""
    remaining = state.model_copy(update={"tasks": {k: v for k, v in state.tasks.items() if k != finished}})
    return [
        events.AppraisalFinalised(content=events.RatingContent.of(rating=rating)).draft(
            actor, on_behalf_of=on_behalf_of, outcome="final"
        ),
        *close_case(remaining, actor=actor, on_behalf_of=on_behalf_of, outcome=COMPLETED, reason=None, stage=COMPLETED),
    ]


def phase_status(state: AppraisalState, now: datetime) -> dict[str, str]:
    """Per phase: 'done', 'late' (its open step is past due), 'open', 'waiting' (not reached) or 'n/a' (a
    rebuttal that does not apply). Content-free: what `govern appraisal progress` counts."""
    from domain.appraisal_phases import PHASES

    open_by_phase: dict[str, list[timed_step.Task]] = {}
    for task in state.tasks.values():
        open_by_phase.setdefault(_PHASE_OF_TASK[task.task_id], []).append(task)
    status: dict[str, str] = {}
    for phase, _ in PHASES:
        if phase in state.phases_done:
            status[phase] = "done"
        elif phase in open_by_phase:
            status[phase] = "late" if any(task.is_overdue(now) for task in open_by_phase[phase]) else "open"
        elif phase == "rebuttal" and (state.closed or ACKNOWLEDGEMENT in state.phases_done):
            status[phase] = "n/a"  # acknowledged without a rebuttal window: the rating was not below the level
        else:
            status[phase] = "waiting"
    return status
    return status


_PHASE_OF_TASK = {
    OBJECTIVES_TASK: "objectives",
    AGREEMENT_TASK: "objectives",
    MID_YEAR_STAFF_TASK: "mid_year",
    MID_YEAR_SUPERVISOR_TASK: "mid_year",
    SELF_ASSESSMENT_TASK: "self_assessment",
    ASSESSMENT_TASK: "assessment",
    SECOND_REVIEW_TASK: "second_review",
    ACKNOWLEDGEMENT_TASK: "acknowledgement",
    REBUTTAL_WINDOW_TASK: "rebuttal",
    REBUTTAL_REVIEW_TASK: "rebuttal",
}

#: Each action's handler, given the typed command of its action.
_HANDLERS: dict[str, Callable[..., list[EventDraft]]] = {
    "propose-objectives": AppraisalDecider.propose_objectives,
    "agree-objectives": AppraisalDecider.agree_objectives,
    "sign-mid-year": AppraisalDecider.sign_mid_year,
    "submit-self-assessment": AppraisalDecider.submit_self_assessment,
    "rate": AppraisalDecider.rate,
    "second-review": AppraisalDecider.second_review,
    "acknowledge": AppraisalDecider.acknowledge,
    "rebut": AppraisalDecider.rebut,
    "waive-rebuttal": AppraisalDecider.waive_rebuttal,
    "decide-rebuttal": AppraisalDecider.decide_rebuttal,
}

APPRAISAL = AppraisalDecider()
