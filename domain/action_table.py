"""What the deciders' field models cannot say about their actions, in one table: `RULES`.

For each action of each case kind: its label, the decider's own field model, what the comment is called, and,
per field, only what a model cannot carry: a label, that a text names people and who may be named, choices that
come from the case (the rating scale the appraisal recorded, the step being managed), an example for a free
value, a field that only some choices need, a field no `--field` can send (a hash of an attachment). Who may
act, which choices are open and whether a comment is needed are not here: `domain.action_catalogue` asks the
decider. A test checks that every action a decider knows has its row, so the table cannot fall behind.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from typing import Any

from pydantic import BaseModel

from domain import (
    annual_work_plan,
    annual_work_plan_commands,
    appraisal,
    appraisal_cycle,
    board_decision,
    board_report,
    grant,
    plan_targets,
    policy_register,
    policy_review,
    strategic_plan,
    strategic_plan_commands,
    task_management,
    timed_step,
)
from domain.acting import local_date, substitute_refusal
from domain.action_offer import FieldKind, FieldSpec
from domain.board_request import MeetingFields
from domain.case import CaseState, Context
from domain.case_kinds import decider_for
from domain.errors import NotAllowed
from domain.organisation import Person

#: Choices that depend on the case, the instant and the person acting, in the order a form lists them.
FromCase = Callable[[CaseState, Context, str, "timed_step.Task | None"], Iterable[str]]
#: Enough choices for any example a line gives (two reviewers), when only an example is needed.
_FIRST_FEW = 4


@dataclass(frozen=True)
class FieldNote:
    """What a field model does not say about one field."""

    label: str | None = None
    kind: FieldKind | None = None
    choices: FromCase | None = None
    example: str | Callable[[CaseState, Context, str, "timed_step.Task | None"], str | None] | None = None
    help: str | None = None
    required_when: Mapping[str, tuple[str, ...]] | None = None
    omit: bool = False

    def apply(
        self,
        spec: FieldSpec,
        state: CaseState,
        context: Context,
        person: str,
        task: timed_step.Task | None,
        *,
        complete: bool = True,
    ) -> FieldSpec | None:
        """The field with this note applied; None when it must name someone and nobody may be named. Not
        `complete`: only the first few choices, enough for an example."""
        update: dict[str, Any] = {}
        if self.label:
            update["label"] = self.label
        if self.kind:
            update["kind"] = self.kind
        if self.help:
            update["help"] = self.help
        if self.required_when:
            update["required_when"] = dict(self.required_when)
        if self.choices is not None:
            found = self.choices(state, context, person, task)
            # People are the costly choices to work out; every other choice is needed whole, to be probed.
            few = not complete and (self.kind or spec.kind) in ("person", "people")
            choices = tuple(islice(found, _FIRST_FEW)) if few else tuple(found)
            if not choices and spec.required:
                return None
            update["choices"] = choices
        example = self.example(state, context, person, task) if callable(self.example) else self.example
        if example is None and "choices" in update and update["choices"] and (spec.required or self.required_when):
            example = update["choices"][0]
        if example is not None:
            update["example"] = example
        return spec.model_copy(update=update)


@dataclass(frozen=True)
class ActionRule:
    label: str
    fields: type[BaseModel] | Callable[[CaseState], type[BaseModel]]
    comment_label: str = "Comment"
    notes: Mapping[str, FieldNote] = field(default_factory=dict)


# -- choices that come from the case ---------------------------------------------------------------------------
def _people_who_may_hold(
    state: CaseState, context: Context, step: timed_step.Task, people: Iterable[Person] | None = None
) -> Iterator[str]:
    """Everyone the case's decider would let hold `step` (its `check_assignee`), but its present holder."""
    decider = decider_for(state.case_id)
    for person in context.organisation.people if people is None else people:
        if person.id == step.assignee:
            continue
        try:
            decider.check_assignee(state, step, person.id, context)
        except NotAllowed:
            continue
        yield person.id


def _reviewers(state: CaseState, context: Context, person: str, task: timed_step.Task | None) -> Iterator[str]:
    """Who may review is who may hold a reviewer's conflict-of-interest declaration, as the grant decider checks
    a reassignment of one (the step here is hypothetical, held by nobody yet). Listed first: people with no
    role in the delegation-of-authority matrix, since a reviewer may not then approve; programme officers
    before other staff."""
    organisation = context.organisation
    approvers = {str(band.approver_role) for band in organisation.delegation_of_authority}
    ordered = sorted(
        organisation.people,
        key=lambda candidate: (bool(approvers & set(candidate.roles)), "programme_officer" not in candidate.roles),
    )
    declaration = timed_step.Task(
        task_id="coi-", kind="coi_declaration", title="", assignee="", action="declare-interests", opened_at=context.now
    )
    return _people_who_may_hold(state, context, declaration, ordered)


def _reviewers_example(state: CaseState, context: Context, person: str, task: timed_step.Task | None) -> str | None:
    needed = grant.REVIEWERS_NEEDED - len(getattr(state, "reviewers", ()))
    named = list(islice(_reviewers(state, context, person, task), max(needed, 0)))
    return ",".join(named) if named else None


def _new_assignees(state: CaseState, context: Context, person: str, task: timed_step.Task | None) -> Iterator[str]:
    return _people_who_may_hold(state, context, task) if task is not None else iter(())


def _the_step(state: CaseState, context: Context, person: str, task: timed_step.Task | None) -> tuple[str, ...]:
    return (task.task_id,) if task is not None else ()


def _absent_colleagues(
    state: CaseState, context: Context, person: str, task: timed_step.Task | None
) -> tuple[str, ...]:
    """Holders of the case's open steps for whom the person may name a substitute: the Director for anyone, a
    supervisor for their own staff (a person away from their own step leaves `absent` out)."""
    organisation = context.organisation
    director = organisation.has_role(person, "director")
    holders = dict.fromkeys(step.assignee for step in state.tasks.values() if step.assignee != person)
    return tuple(
        holder
        for holder in holders
        if organisation.has_person(holder) and (director or organisation.supervisor_of(holder) == person)
    )


def _absent_example(state: CaseState, context: Context, person: str, task: timed_step.Task | None) -> str | None:
    if any(step.assignee == person for step in state.tasks.values()):
        return None  # the person delegates their own step: `absent` defaults to them
    colleagues = _absent_colleagues(state, context, person, task)
    return colleagues[0] if colleagues else None


def _substitutes(state: CaseState, context: Context, person: str, task: timed_step.Task | None) -> Iterator[str]:
    """Who may stand in; nobody when the person neither holds a step here nor may delegate for someone who does."""
    holds_a_step = any(step.assignee == person for step in state.tasks.values())
    if not holds_a_step and not _absent_colleagues(state, context, person, task):
        return
    absent = _absent_example(state, context, person, task) or person
    organisation = context.organisation
    roles = set(organisation.person(absent).roles)
    # Colleagues who share the absent person's role first (they can usually hold the step), then other staff.
    ordered = sorted(organisation.people, key=lambda candidate: (not roles & set(candidate.roles), not candidate.staff))
    for candidate in ordered:
        if candidate.id not in (absent, person) and (
            substitute_refusal(organisation, state.subjects, state.requester, candidate.id) is None
        ):
            yield candidate.id


def _a_week_on(state: CaseState, context: Context, person: str, task: timed_step.Task | None) -> str:
    return (local_date(context.organisation, person, context.now) + timedelta(days=7)).isoformat()


def _rating_scale(state: CaseState, context: Context, person: str, task: timed_step.Task | None) -> tuple[str, ...]:
    return tuple(getattr(state, "rating_scale", ()))


def _missing_attestations(
    state: CaseState, context: Context, person: str, task: timed_step.Task | None
) -> tuple[str, ...]:
    assert isinstance(state, policy_review.PolicyReviewState)
    return tuple(policy_review.missing_attestations(state, context))


def _cycle(state: CaseState, context: Context, person: str, task: timed_step.Task | None) -> tuple[str, ...]:
    return (state.case_id.split("/")[1],)


def _progress_example(state: CaseState, context: Context, person: str, task: timed_step.Task | None) -> str:
    return ";".join(f"{target}=0" for target in getattr(state, "targets", ())) or "T1=0"


def _plan_targets(state: CaseState, context: Context, person: str, task: timed_step.Task | None) -> str:
    return ",".join(getattr(state, "plan_targets", ())) or "T1"


def _report_fields(state: CaseState) -> type[BaseModel]:
    risk = isinstance(state, board_report.BoardReportState) and state.report_kind == "risk"
    return board_report.RiskFields if risk else board_report.ProgressFields


# -- the table --------------------------------------------------------------------------------------------------
_MEETING = ActionRule(
    "Record the Board meeting's decision",
    MeetingFields,
    notes={"reference": FieldNote(label="The meeting's decision reference", help="e.g. MB/2027/03")},
)
_HASH_ONLY = FieldNote(omit=True)  # a content hash no `--field` value can send except as the raw hash

RULES: dict[str, dict[str, ActionRule]] = {
    grant.KIND: {
        "screen": ActionRule(
            "Screen the application",
            grant.ScreenFields,
            "Reason (needed unless eligible)",
            {"outcome": FieldNote(label="Outcome of the screening")},
        ),
        "provide-information": ActionRule(
            "Provide the information requested", grant.NoFields, "The information provided"
        ),
        "assign-reviewers": ActionRule(
            "Name the technical reviewers",
            grant.AssignReviewersFields,
            "Comment",
            {
                "reviewers": FieldNote(
                    label="Reviewers",
                    kind="people",
                    choices=_reviewers,
                    example=_reviewers_example,
                    help="Two independent reviewers (one to replace a recused reviewer).",
                )
            },
        ),
        "declare-interests": ActionRule(
            "Declare your interests",
            grant.DeclareFields,
            "The interest (needed with a conflict)",
            {"conflict": FieldNote(label="Do you have a conflict of interest?")},
        ),
        "review": ActionRule(
            "Submit your technical review",
            grant.ReviewFields,
            "Comment",
            {"score": FieldNote(label="Score"), "recommendation": FieldNote(label="Recommendation")},
        ),
        "approve": ActionRule(
            "Approve or reject",
            grant.DecisionFields,
            "Reason (needed to reject)",
            {"decision": FieldNote(label="Decision")},
        ),
        "endorse": ActionRule(
            "Endorse for the Board, or reject",
            grant.DecisionFields,
            "Reason (needed to reject)",
            {"decision": FieldNote(label="Decision")},
        ),
        "record-meeting-decision": _MEETING,
        "sign-agreement": ActionRule(
            "Record the signed grant agreement",
            grant.SignFields,
            "Comment",
            {"signed_on": FieldNote(label="Signed on (default today)")},
        ),
        "submit-report": ActionRule("Submit the progress report", grant.NoFields, "Comment"),
        "review-report": ActionRule(
            "Review the progress report",
            grant.ReportReviewFields,
            "Reason (needed to return it)",
            {"decision": FieldNote(label="Decision")},
        ),
        "release-tranche": ActionRule(
            "Release the tranche",
            grant.ReleaseFields,
            "Comment",
            {"tranche": FieldNote(label="Tranche (default the next one)")},
        ),
        "submit-final-report": ActionRule("Submit the final report", grant.NoFields, "Comment"),
        "review-final-report": ActionRule(
            "Review the final report",
            grant.ReportReviewFields,
            "Reason (needed to return it)",
            {"decision": FieldNote(label="Decision")},
        ),
        "withdraw": ActionRule("Withdraw the application", grant.NoFields, "Why it is withdrawn"),
    },
    board_decision.KIND: {
        board_decision.NO_OBJECTION: ActionRule("No objection", board_decision.NoFields, "Comment"),
        board_decision.OBJECT: ActionRule("Object", board_decision.NoFields, "Grounds for objecting"),
        board_decision.VOTE: ActionRule(
            "Vote", board_decision.VoteFields, "Comment", {"choice": FieldNote(label="Your vote")}
        ),
        board_decision.DECLARE_CONFLICT: ActionRule(
            "Declare a conflict of interest", board_decision.NoFields, "The interest you declare"
        ),
    },
    policy_register.KIND: {
        "start-review": ActionRule("Start the review now", policy_register.NoFields, "Why it starts early"),
    },
    policy_review.KIND: {
        "reaffirm": ActionRule("Reaffirm unchanged", policy_review.NoFields, "Why it stands unchanged"),
        "submit-revision": ActionRule(
            "Submit a revised text",
            policy_review.RevisionFields,
            "Comment",
            {
                "document": FieldNote(label="The revised text"),
                "change_summary": FieldNote(label="What changed"),
                "version": FieldNote(label="Version (default the next major)"),
            },
        ),
        "compliance-review": ActionRule(
            "Review for compliance",
            policy_review.ComplianceFields,
            "Reason (needed to request changes)",
            {"decision": FieldNote(label="Decision")},
        ),
        "endorse": ActionRule(
            "Endorse, or return to the owner",
            policy_review.EndorseFields,
            "Reason (needed to return it)",
            {"decision": FieldNote(label="Decision")},
        ),
        "record-meeting-decision": _MEETING,
        "publish": ActionRule(
            "Publish the approved version",
            policy_review.PublishFields,
            "Comment",
            {"published_on": FieldNote(label="Published on (default today)")},
        ),
        "acknowledge": ActionRule("Acknowledge the published version", policy_review.NoFields, "Comment"),
        "add-attestation": ActionRule(
            "Add a staff member's acknowledgement",
            policy_review.AttestationFields,
            "Why",
            {"person": FieldNote(label="Staff member", kind="person", choices=_missing_attestations)},
        ),
    },
    strategic_plan.KIND: {
        "submit-milestone": ActionRule(
            "Submit a drafting milestone",
            strategic_plan_commands.MilestoneFields,
            "Comment",
            {
                "milestone": FieldNote(label="Milestone"),
                "document": FieldNote(label="The draft"),
                "consultation_closes": FieldNote(label="Consultation closes (consultation draft only)"),
            },
        ),
        "comment": ActionRule(
            "Comment on the consultation draft",
            strategic_plan_commands.CommentFields,
            "Your comment",
            {"attachment_sha256": _HASH_ONLY},
        ),
        "request-board-review": ActionRule(
            "Send the final draft to the Board Chair", strategic_plan_commands.NoFields, "Comment"
        ),
        "board-review": ActionRule(
            "Review the final draft for the Board",
            strategic_plan_commands.BoardReviewFields,
            "Reason (needed for revisions)",
            {"decision": FieldNote(label="Decision")},
        ),
        "record-meeting-decision": _MEETING,
        "publish": ActionRule(
            "Publish the plan with its targets",
            strategic_plan_commands.PublishFields,
            "Comment",
            {
                "targets": FieldNote(label="Targets", example=f"T1={'...'}:0", help=plan_targets.TARGETS_FORMAT),
                "milestones": FieldNote(label="Plan milestones", help=plan_targets.MILESTONES_FORMAT),
                "targets_file_sha256": _HASH_ONLY,
            },
        ),
    },
    annual_work_plan.KIND: {
        "submit-draft": ActionRule(
            "Submit the draft Annual Work Plan",
            annual_work_plan_commands.DraftFields,
            "Comment",
            {
                "document": FieldNote(label="The draft"),
                "targets": FieldNote(
                    label="The plan's targets it serves", example=_plan_targets, help="target ids, e.g. T1,T2"
                ),
            },
        ),
        "record-meeting-decision": _MEETING,
    },
    board_report.KIND: {
        "submit-report": ActionRule(
            "Submit the report to the Board",
            _report_fields,
            "Comment",
            {
                "progress": FieldNote(label="Progress", example=_progress_example, help=board_report.PROGRESS_FORMAT),
                "risks": FieldNote(label="Key risks", example="R1=...:medium", help=board_report.RISKS_FORMAT),
                "document_sha256": _HASH_ONLY,
            },
        ),
        "acknowledge": ActionRule("Acknowledge for the Board", board_report.NoFields, "Comment"),
    },
    appraisal_cycle.KIND: {
        "launch": ActionRule(
            "Launch the cycle for all staff not yet in it",
            appraisal_cycle.LaunchFields,
            "Comment",
            {"cycle": FieldNote(label="Cycle", kind="choice", choices=_cycle)},
        ),
    },
    appraisal.KIND: {
        "propose-objectives": ActionRule(
            "Propose your objectives",
            appraisal.ObjectivesFields,
            "Comment",
            {"objectives": FieldNote(label="Objectives and how they are measured")},
        ),
        "agree-objectives": ActionRule(
            "Agree the objectives, or return them",
            appraisal.AgreementFields,
            "Comment (needed to return them)",
            {"decision": FieldNote(label="Decision")},
        ),
        "sign-mid-year": ActionRule("Sign the mid-year review", appraisal.NoFields, "Comment"),
        "submit-self-assessment": ActionRule(
            "Submit your self-assessment",
            appraisal.SelfAssessmentFields,
            "Comment",
            {"assessment": FieldNote(label="Self-assessment")},
        ),
        "rate": ActionRule(
            "Assess and rate",
            appraisal.RatingFields,
            "Assessment",
            {"rating": FieldNote(label="Rating", kind="choice", choices=_rating_scale)},
        ),
        "second-review": ActionRule(
            "Second-level review",
            appraisal.SecondReviewFields,
            "Comment (needed with comment)",
            {"decision": FieldNote(label="Decision")},
        ),
        "acknowledge": ActionRule("Acknowledge the appraisal", appraisal.NoFields, "Comment"),
        "rebut": ActionRule("Rebut the rating", appraisal.NoFields, "Your statement"),
        "waive-rebuttal": ActionRule("Let the rating stand", appraisal.NoFields, "Comment"),
        "decide-rebuttal": ActionRule(
            "Decide the rebuttal",
            appraisal.RebuttalFindingFields,
            "Finding",
            {
                "finding": FieldNote(label="Finding"),
                "rating": FieldNote(
                    label="Revised rating",
                    kind="choice",
                    choices=_rating_scale,
                    required_when={"finding": ("revised",)},
                ),
            },
        ),
    },
}

#: Actions every case accepts on its steps (`domain.task_management`).
STEP_RULES: dict[str, ActionRule] = {
    task_management.EXTEND: ActionRule(
        "Extend the deadline",
        task_management.ExtendFields,
        "Reason",
        {
            "task": FieldNote(label="Step", kind="choice", choices=_the_step),
            "until": FieldNote(label="New due day", help="give either a new due day or working days"),
            "working_days": FieldNote(label="Working days to add", example="5"),
        },
    ),
    task_management.REASSIGN: ActionRule(
        "Reassign the step",
        task_management.ReassignFields,
        "Reason",
        {
            "task": FieldNote(label="Step", kind="choice", choices=_the_step),
            "to": FieldNote(label="New assignee", kind="person", choices=_new_assignees),
        },
    ),
    task_management.DELEGATE: ActionRule(
        "Name a substitute while away",
        task_management.DelegateFields,
        "Comment",
        {
            "substitute": FieldNote(label="Substitute", kind="person", choices=_substitutes),
            "starts_on": FieldNote(label="From"),
            "ends_on": FieldNote(label="Until", example=_a_week_on),
            "absent": FieldNote(
                label="Who is away (default you)", kind="person", choices=_absent_colleagues, example=_absent_example
            ),
        },
    ),
}


def rules_for(kind: str) -> dict[str, ActionRule]:
    return RULES.get(kind, {})


def step_rules() -> dict[str, ActionRule]:
    return STEP_RULES
