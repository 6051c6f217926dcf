"""Review: reviewers named, their conflict-of-interest declarations (a conflict recuses and a replacement
is named), and two independent technical reviews."""

from domain import timed_step
from domain.case import CaseDecider, Context, acting_on, close_case, state_after, waiting_for
from domain.commands import EventDraft, required_comment
from domain.errors import NotAllowed
from domain.events import SYSTEM_ACTOR
from domain.grant import events
from domain.grant.commands import AssignReviewers, DeclareInterests, SubmitTechnicalReview
from domain.grant.duties import (
    REVIEWER_NAMERS,
    check_reviewer,
    name_of,
    names_of,
    panel_can_be_completed,
    pick,
    refuse_unworkable,
)
from domain.grant.state import REVIEWERS_NEEDED, GrantState, open_step_now


def _personal_task(state: GrantState, kind: str, actor: str) -> timed_step.Task | None:
    """Declarations and reviews are personal: the open step of that kind assigned to the actor, if any."""
    return next((task for task in state.tasks_of_kind(kind) if task.assignee == actor), None)


def assign_reviewers_task(state: GrantState, context: Context) -> EventDraft:
    """Naming (or replacing) reviewers, for the Head of Programmes, or the Director if the Head is conflicted;
    `state` is the state after the events of the same command, so a conflict just declared counts."""
    count = REVIEWERS_NEEDED - len(state.reviewers)
    conflicted = {*state.recused, *((state.requester,) if state.requester else ())}
    head = pick(context, REVIEWER_NAMERS, conflicted)
    return open_step_now(
        context,
        task_id="assign-reviewers",
        kind="reviewer_assignment",
        title=f"Name {count} independent technical reviewer{'s' if count > 1 else ''}",
        assignee=head,
        action="assign-reviewers",
        officer=state.requester,
    )


def assign_reviewers(
    decider: CaseDecider[GrantState], state: GrantState, command: AssignReviewers, context: Context
) -> list[EventDraft]:
    task = state.open_step(
        "assign-reviewers",
        "assign reviewers to",
        f"Grant {state.case_id}",
        context,
        when="reviewers are named once screening finds the application eligible, and a replacement once a "
        "reviewer declares a conflict of interest",
    )
    fields = command.fields
    on_behalf = acting_on(state, context, command.actor, task.assignee, "name the technical reviewers")
    namer = on_behalf or command.actor
    if namer in state.recused:
        raise NotAllowed(
            f"{name_of(context, namer)} declared a conflict of interest on this case and cannot name its reviewers; "
            "the Director may reassign the step (conflict of interest).",
            rule="conflict-of-interest",
        )
    named = [part.strip() for part in fields.reviewers.split(",") if part.strip()]
    needed = REVIEWERS_NEEDED - len(state.reviewers)
    if len(named) != needed or len(set(named)) != len(named):
        raise NotAllowed(
            f"Name exactly {needed} different reviewer{'s' if needed > 1 else ''} (two independent technical reviews).",
            rule="independent-review",
        )
    for person in named:
        check_reviewer(state, context, person)
    undeclared = tuple(r for r in state.reviewers if f"coi-{r}" in state.tasks)
    refuse_unworkable(
        state,
        context,
        screener=state.screener,
        reviewers=(*state.reviewers, *named),
        undeclared=(*undeclared, *named),
        what=f"Naming {names_of(context, named)} as {'a reviewer' if len(named) == 1 else 'reviewers'}",
        instead="name reviewers who do not hold that authority",
    )
    assert state.application is not None
    drafts = [
        events.ReviewersAssigned(reviewers=tuple(named)).draft(
            command.actor,
            actor_role="head_of_programmes",
            on_behalf_of=on_behalf,
            reason=command.comment,
            outcome="assigned",
        ),
        timed_step.complete_task(task, command.actor, on_behalf),
    ]
    for person in named:
        drafts.append(
            open_step_now(
                context,
                task_id=f"coi-{person}",
                kind="coi_declaration",
                title=f"Declare any conflict of interest with '{state.application.title}'",
                assignee=person,
                action="declare-interests",
                officer=state.requester,
            )
        )
    return drafts


def declare_interests(
    decider: CaseDecider[GrantState], state: GrantState, command: DeclareInterests, context: Context
) -> list[EventDraft]:
    task = _personal_task(state, "coi_declaration", command.actor)
    if task is None:
        raise NotAllowed(
            f"{name_of(context, command.actor)} has no conflict-of-interest declaration to make on "
            f"{state.case_id}: only its named reviewers declare, before they review.",
            rule="conflict-of-interest",
        )
    fields = command.fields
    reason = required_comment(command, "Declaring a conflict of interest") if fields.conflict else command.comment
    assert state.application is not None
    drafts = [
        events.InterestsDeclared(reviewer=command.actor, conflict=fields.conflict).draft(
            command.actor,
            actor_role="reviewer",
            reason=reason,
            outcome="conflict" if fields.conflict else "no-conflict",
        ),
        timed_step.complete_task(task, command.actor, None, "declared"),
    ]
    if fields.conflict:
        pending = state.tasks.get("assign-reviewers")
        if pending is not None:  # the other reviewer is conflicted too: the step reopens to name two
            drafts.append(timed_step.cancel_task(pending, "a second reviewer declared a conflict of interest"))
        after = state_after(decider, state, drafts, context.now)
        undeclared = tuple(r for r in after.reviewers if f"coi-{r}" in after.tasks)
        if not panel_can_be_completed(
            after, context, screener=after.screener, reviewers=after.reviewers, undeclared=undeclared
        ):
            # A declared conflict is a fact and is never refused; with nobody left to replace the reviewer,
            # the application cannot have its two independent reviews, and it ends here rather than wait.
            return drafts + close_case(
                after,
                actor=SYSTEM_ACTOR,
                outcome="no_independent_review",
                reason="no Secretariat staff member is left who may replace the conflicted reviewer (two "
                "independent technical reviews); the application may be submitted again",
                stage="closed",
            )
        return drafts + [assign_reviewers_task(after, context)]
    return drafts + [
        open_step_now(
            context,
            task_id=f"review-{command.actor}",
            kind="technical_review",
            title=f"Technical review of '{state.application.title}'",
            assignee=command.actor,
            action="review",
            officer=state.requester,
        )
    ]


def review(
    decider: CaseDecider[GrantState], state: GrantState, command: SubmitTechnicalReview, context: Context
) -> list[EventDraft]:
    task = _personal_task(state, "technical_review", command.actor)
    if task is None:
        if _personal_task(state, "coi_declaration", command.actor) is not None:
            raise NotAllowed(
                f"{name_of(context, command.actor)} must declare their interests in this application before "
                "reviewing it: give 'declare-interests' with conflict=no or conflict=yes first (conflict of "
                "interest).",
                rule="conflict-of-interest",
            )
        if command.actor in state.recused:
            raise NotAllowed(
                f"{name_of(context, command.actor)} declared a conflict of interest on this case and cannot review it.",
                rule="conflict-of-interest",
            )
        raise NotAllowed(
            f"{name_of(context, command.actor)} has no technical review open on {state.case_id} "
            f"(stage: {state.stage}): only its named reviewers review, each after declaring their interests "
            f"(two independent technical reviews); {waiting_for(state, context.organisation)}.",
            rule="independent-review",
        )
    fields = command.fields
    return [
        events.TechnicalReviewSubmitted(
            reviewer=command.actor, score=fields.score, recommendation=fields.recommendation
        ).draft(command.actor, actor_role="reviewer", reason=command.comment, outcome=fields.recommendation),
        timed_step.complete_task(task, command.actor, None, fields.recommendation),
    ]
