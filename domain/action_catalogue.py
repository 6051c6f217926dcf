"""Which actions are open to a person on a case now, and with which fields: the one catalogue that the web's
forms, the e-mails' "how to act" lines and `govern actions` read, so that they can never disagree.

The deciders stay the authority, and the catalogue does not restate their rules. For every action the case's
kind knows (`domain.action_table`), it builds the command the person would send, with example values, and asks
the case's own decider through `domain.case.decide_command`, exactly as an Update's validator does:

- an action the decider accepts is open to the person; one it refuses is not;
- a choice is offered when the decider accepts it (a member who voted approve is offered reject and abstain);
- a comment is required for a choice when the decider refuses that choice without one;
- the person acts on someone's behalf when the decider's events say so (a substitute while a colleague is away);
- the step an action completes is the one the decider's events complete.

Field kinds, choices, bounds and whether a field is required come from the decider's own pydantic field model
(`Literal` -> choice, `bool` -> boolean, `int` with `ge`/`le` -> integer, `date` -> date, `str` -> text). What
no model says (labels, which fields name people and who may be named, choices that come from the case, example
values, a field only some choices need) is stated once, in `domain.action_table`.

One exception, on purpose: an approval step that the decider refuses for the amount's band is still offered
to every holder of a role in the delegation-of-authority matrix. The Head of Programmes who opens the approval
of a USD 120,000 grant then gets the form and, on sending it, the decider's sentence ("Only the Director may
approve grants between USD 50,000 and 250,000 (delegation of authority).") with nothing recorded, rather than
a page that silently lacks the button.

`how_to_act` turns an offer into complete `govern act` lines, one per choice, each of which runs as written:
every required field is named, a free value (a score, a date, a text) carries a valid example that a trailing
`# ...` shell comment says to change, and a comment the rules require is written `--comment "..."`. The one
thing no line can name for a person is their own file: a document field reads `document=PATH`.
"""

import shlex
import types
from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel

from domain import task_management, timed_step
from domain.acting import local_date
from domain.action_offer import (
    BOOLEAN_CHOICES,
    PATH,
    PLACEHOLDER,
    ActionOffer,
    FieldKind,
    FieldSpec,
    decision_field,
)
from domain.action_table import ActionRule, rules_for, step_rules
from domain.case import CaseDecider, CaseState, Context, decide_command, evolve, provisional_event
from domain.case_kinds import decider_for
from domain.commands import Command, EventDraft
from domain.errors import NotAllowed
from domain.step_events import STEP_EVENTS, TaskCancelled, TaskCompleted

#: The hash a probe sends for a document: a valid SHA-256 shape that no real text has been found to have.
_PROBE_SHA256 = "0" * 64

# ----------------------------------------------------------------------------------------------------------------
# What the catalogue offers


def actions_open_to(state: CaseState, person_id: str, context: Context) -> list[ActionOffer]:
    """Every action `person_id` may take on the case now, each with its fields: the steps they hold (or hold as
    a substitute) first, then the actions open to them at any time, then managing steps (extend, reassign,
    delegate). Nothing for a closed case or an unknown person."""
    return _offers(state, person_id, context, managed=tuple(state.tasks.values()), delegation=True)


def offers_on_step(
    state: CaseState, person_id: str, task: timed_step.Task, context: Context, *, managing: bool = False
) -> list[ActionOffer]:
    """The offers that act on one step (what its form shows and its e-mail spells out), worked out for that
    step alone. `managing`: its extension and reassignment too (for the person a late step is escalated to)."""
    offers = _offers(state, person_id, context, managed=(task,), delegation=False)
    if managing:
        return [offer for offer in offers if offer.task_id == task.task_id]
    return offers_for_task(offers, task)


def _offers(
    state: CaseState,
    person_id: str,
    context: Context,
    *,
    managed: tuple[timed_step.Task, ...],
    delegation: bool,
) -> list[ActionOffer]:
    if state.closed or not context.organisation.has_person(person_id):
        return []
    decider = decider_for(state.case_id)
    offers: list[ActionOffer] = []
    for action, rule in rules_for(decider.kind).items():
        offer = _offer(decider, state, context, person_id, action, rule, None)
        if offer is not None:
            offers.append(offer)
    for task in managed:
        # Extending and reassigning share who may manage a step, and the reassignment's choice of people is the
        # costly one to work out: it is looked at only where the extension is open.
        extend = _offer(decider, state, context, person_id, task_management.EXTEND, step_rules()["extend"], task)
        if extend is None:
            continue
        offers.append(extend)
        reassign = _offer(decider, state, context, person_id, task_management.REASSIGN, step_rules()["reassign"], task)
        if reassign is not None:
            offers.append(reassign)
    if delegation:
        rule = step_rules()[task_management.DELEGATE]
        delegate = _offer(decider, state, context, person_id, task_management.DELEGATE, rule, None)
        delegate = _useful_delegation(decider, state, context, person_id, delegate) if delegate else None
        if delegate is not None:
            offers.append(delegate)
    held = {task_id for task_id, task in state.tasks.items() if task.assignee == person_id}

    def order(offer: ActionOffer) -> int:
        if offer.task_id in held or offer.on_behalf_of:
            return 0
        return 2 if offer.action in task_management.ACTIONS else 1

    return sorted(offers, key=order)


#: How many candidate substitutes are tried before a delegation is judged of no use to anyone.
_SUBSTITUTES_TRIED = 8


def _useful_delegation(
    decider: CaseDecider, state: CaseState, context: Context, person: str, delegate: ActionOffer
) -> ActionOffer | None:
    """The delegation, if a substitute could then take one of the absent person's steps on their behalf, with
    such a substitute as the example; else None. The decider records any delegation, but on a step that is
    personal (a Board response, one's own acknowledgement) a substitute could do nothing with it."""
    substitute = next((spec for spec in delegate.fields if spec.name == "substitute"), None)
    if substitute is None:
        return None
    values = {spec.name: spec.example for spec in delegate.fields if spec.example is not None}
    absent = values.get("absent") or person
    for candidate in substitute.choices[:_SUBSTITUTES_TRIED]:
        drafts = _attempt(decider, state, context, person, delegate.action, {**values, "substitute": candidate}, None)
        if isinstance(drafts, NotAllowed):
            continue
        delegated = state
        for number, draft in enumerate(drafts):
            delegated = evolve(decider, delegated, provisional_event(delegated, draft, context.now, number))
        for action, rule in rules_for(decider.kind).items():
            offer = _offer(decider, delegated, context, candidate, action, rule, None)
            if offer is not None and offer.on_behalf_of == absent:
                fields = tuple(
                    spec.model_copy(update={"example": candidate}) if spec is substitute else spec
                    for spec in delegate.fields
                )
                return delegate.model_copy(update={"fields": fields})
    return None


def offers_for_task(offers: Iterable[ActionOffer], task: timed_step.Task) -> list[ActionOffer]:
    """The offers that act on one step: what its form shows and its e-mail spells out. Managing a step (extend,
    reassign) belongs on it only when that is the step's own action (the Member consultation's window)."""
    managing = task_management.ACTIONS - {task.action}
    return [offer for offer in offers if offer.task_id == task.task_id and offer.action not in managing]


def refusal_for(state: CaseState, person_id: str, action: str, context: Context) -> str | None:
    """The decider's sentence when `action` is not open to the person now (e.g. "The mid-year review of the 2027
    cycle opens on 2027-07-01."), or None when it is open."""
    rule = rules_for(decider_for(state.case_id).kind).get(action)
    if rule is None:
        return None
    decider = decider_for(state.case_id)
    specs = _field_specs(rule, state, context, person_id, None, complete=False)
    if specs is None:
        return None
    decision = decision_field(specs)
    sentence = None
    for value in decision.choices if decision else (None,):
        answer = _attempt(decider, state, context, person_id, action, _values(specs, decision, value), PLACEHOLDER)
        if not isinstance(answer, NotAllowed):
            return None
        sentence = sentence or answer.sentence
    return sentence


# ----------------------------------------------------------------------------------------------------------------
# Lines a person can run


def how_to_act(offer: ActionOffer, person_id: str) -> list[str]:
    """Complete `govern act` lines for the offer, one per choice of its decision field: every required field
    named, the comment where the rules need it, free values as valid examples that a trailing shell comment
    says to change. Each runs as written, except that a document field reads `document=PATH`."""
    decision = offer.decision
    lines = []
    for value in decision.choices if decision else (None,):
        words = [shlex.quote(word) for word in ("govern", "act", offer.case_id, offer.action, "--as", person_id)]
        to_change: list[str] = []
        for spec, given in _line_values(offer.fields, decision, value):
            # A placeholder is written in quotes, like the comment's, so that it reads as something to fill in.
            pair = f'{spec.name}="{PLACEHOLDER}"' if given == PLACEHOLDER else shlex.quote(f"{spec.name}={given}")
            words += ["--field", pair]
            note = None if spec is decision else _change_note(spec)
            if note:
                to_change.append(note)
        line = " ".join(words)
        if _comment_needed(offer, decision, value):
            line += f' --comment "{PLACEHOLDER}"'
        if to_change:
            line += "  # change " + "; ".join(to_change)
        lines.append(line)
    return lines


def runs_as_written(line: str) -> bool:
    """False for a line that names a document, whose path the person supplies."""
    return f"={PATH}" not in line


# ----------------------------------------------------------------------------------------------------------------
# How an offer is found


def _offer(
    decider: CaseDecider,
    state: CaseState,
    context: Context,
    person: str,
    action: str,
    rule: ActionRule,
    task: timed_step.Task | None,
) -> ActionOffer | None:
    # People to name are worked out in full only for an offer: a probe needs the first few.
    specs = _field_specs(rule, state, context, person, task, complete=False)
    if specs is None:
        return None
    decision = decision_field(specs)
    accepted: dict[str | None, list[EventDraft]] = {}
    needs_comment: list[str | None] = []
    refusal: NotAllowed | None = None
    for value in decision.choices if decision else (None,):
        values = _values(specs, decision, value)
        answer = _attempt(decider, state, context, person, action, values, PLACEHOLDER)
        if isinstance(answer, NotAllowed):
            refusal = refusal or answer
            continue
        accepted[value] = answer
        if isinstance(_attempt(decider, state, context, person, action, values, None), NotAllowed):
            needs_comment.append(value)
    if not accepted:
        return _approval_outside_band(decider, state, context, person, action, rule, refusal)
    drafts = next(iter(accepted.values()))
    step = task or _step_completed(state, drafts, person)
    specs = _field_specs(rule, state, context, person, task) or specs
    decision = decision_field(specs)
    if decision is not None:
        specs = tuple(
            spec.model_copy(update={"choices": tuple(c for c in spec.choices if c in accepted)})
            if spec is decision
            else spec
            for spec in specs
        )
    return _assemble(rule, state, action, specs, step, _on_behalf_of(drafts, person), list(accepted), needs_comment)


def _approval_outside_band(
    decider: CaseDecider,
    state: CaseState,
    context: Context,
    person: str,
    action: str,
    rule: ActionRule,
    refusal: NotAllowed | None,
) -> ActionOffer | None:
    """The approval step's form for a holder of any delegation-of-authority role whom the band refuses: the
    decider will refuse them with its sentence, and the form is where they read it (see the module docstring).
    The fields and comment rules are those the step's assignee is offered."""
    if refusal is None or refusal.rule != "delegation-of-authority":
        return None
    organisation = context.organisation
    if not any(organisation.has_role(person, band.approver_role) for band in organisation.delegation_of_authority):
        return None
    step = next((task for task in state.tasks.values() if task.action == action), None)
    if step is None or step.assignee == person:
        return None
    model = _offer(decider, state, context, step.assignee, action, rule, None)
    if model is None:
        return None
    return model.model_copy(update={"task_id": step.task_id, "on_behalf_of": None})


def _assemble(
    rule: ActionRule,
    state: CaseState,
    action: str,
    specs: tuple[FieldSpec, ...],
    step: timed_step.Task | None,
    on_behalf_of: str | None,
    accepted: list[str | None],
    needs_comment: list[str | None],
) -> ActionOffer:
    decision = decision_field(specs)
    required_for = tuple(value for value in needs_comment if value is not None)
    everywhere = len(needs_comment) == len(accepted)
    return ActionOffer(
        case_id=state.case_id,
        action=action,
        label=rule.label,
        task_id=step.task_id if step else None,
        task_title=step.title if step else None,
        due_at=step.due_at if step else None,
        on_behalf_of=on_behalf_of,
        fields=specs,
        comment="required" if everywhere else "optional",
        comment_label=rule.comment_label,
        comment_required_when={decision.name: required_for} if decision and required_for and not everywhere else {},
    )


def _attempt(
    decider: CaseDecider,
    state: CaseState,
    context: Context,
    person: str,
    action: str,
    fields: dict[str, str],
    comment: str | None,
) -> list[EventDraft] | NotAllowed:
    """What the decider answers to the command: its events, or its refusal."""
    if "document" in fields:
        fields = {**{k: v for k, v in fields.items() if k != "document"}, "document_sha256": _PROBE_SHA256}
        fields["document_name"] = "document"
    command = Command(action=action, actor=person, fields=fields, comment=comment)
    try:
        return decide_command(decider, state, command, context)
    except NotAllowed as refusal:
        return refusal


def _step_completed(state: CaseState, drafts: list[EventDraft], person: str) -> timed_step.Task | None:
    """The step the person's action completes, or the step of their own it withdraws (a recusal)."""
    steps = [(draft, STEP_EVENTS.parse(draft)) for draft in drafts]
    for draft, step in steps:
        if isinstance(step, TaskCompleted) and draft.actor == person:
            return state.tasks.get(step.task_id)
    for draft, step in steps:
        if isinstance(step, TaskCancelled) and draft.actor == person:
            task = state.tasks.get(step.task_id)
            if task is not None and task.assignee == person:
                return task
    return None


def _on_behalf_of(drafts: list[EventDraft], person: str) -> str | None:
    return next((draft.on_behalf_of for draft in drafts if draft.actor == person and draft.on_behalf_of), None)


def _values(specs: Iterable[FieldSpec], decision: FieldSpec | None, value: str | None) -> dict[str, str]:
    return {spec.name: given for spec, given in _line_values(specs, decision, value)}


def _line_values(
    specs: Iterable[FieldSpec], decision: FieldSpec | None, value: str | None
) -> list[tuple[FieldSpec, str]]:
    """The fields a line (and a probe) names for one choice of the decision field: the decision, then every
    field with an example, except those only other choices need."""
    named: list[tuple[FieldSpec, str]] = []
    for spec in specs:
        if decision is not None and spec.name == decision.name:
            named.append((spec, value or ""))
            continue
        if spec.example is None:
            continue
        if spec.required_when and not any(
            decision is not None and field == decision.name and value in values
            for field, values in spec.required_when.items()
        ):
            continue
        named.append((spec, spec.example))
    return named


def _comment_needed(offer: ActionOffer, decision: FieldSpec | None, value: str | None) -> bool:
    if offer.comment == "required":
        return True
    return decision is not None and value in offer.comment_required_when.get(decision.name, ())


def _change_note(spec: FieldSpec) -> str | None:
    """What a line's reader should change: a free value (an example), never a fixed one."""
    if spec.kind == "integer":
        bounds = (
            f"{spec.minimum} to {spec.maximum}"
            if spec.minimum is not None and spec.maximum is not None
            else f"at least {spec.minimum}"
            if spec.minimum is not None
            else "a whole number"
        )
        return f"{spec.name} ({bounds})"
    if spec.kind == "date":
        return f"{spec.name} (YYYY-MM-DD)"
    if spec.kind in ("person", "people", "choice") and len(spec.choices) > 1:
        shown = ", ".join(spec.choices[:6]) + (", ..." if len(spec.choices) > 6 else "")
        return f"{spec.name} ({'one of' if spec.kind != 'people' else 'from'} {shown})"
    if spec.kind == "text" and spec.example != PLACEHOLDER:
        return f"{spec.name} ({spec.help or 'your text'})"
    return None


# ----------------------------------------------------------------------------------------------------------------
# Fields from the decider's own models


def _field_specs(
    rule: ActionRule,
    state: CaseState,
    context: Context,
    person: str,
    task: timed_step.Task | None,
    *,
    complete: bool = True,
) -> tuple[FieldSpec, ...] | None:
    """The action's fields for this person now, or None when a field must name someone and nobody may be named
    (then the action is not open). Not `complete`: only the first few people a field may name."""
    model = rule.fields(state) if callable(rule.fields) and not isinstance(rule.fields, type) else rule.fields
    specs: list[FieldSpec] = []
    for spec in model_fields(model):
        note = rule.notes.get(spec.name)
        if note is not None and note.omit:
            continue
        if note is not None:
            noted = note.apply(spec, state, context, person, task, complete=complete)
            if noted is None:
                return None
            spec = noted
        if spec.kind in ("person", "people") and not spec.choices and not spec.required:
            continue  # nobody to name, and nobody needs naming (delegating one's own step)
        if spec.example is None and spec.required:
            spec = spec.model_copy(update={"example": _default_example(spec, context, person)})
        specs.append(spec)
    return tuple(specs)


@cache
def model_fields(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """A decider's field model as fields, before the table's notes: kinds, choices, bounds, required. A document
    (`document_sha256` with `document_name`) is one `document` field, as `govern act --field document=PATH`
    sends it; a structure no `--field` can carry is left out."""
    names = model.model_fields
    specs = []
    for name, info in names.items():
        if name == "document_name" and "document_sha256" in names:
            continue
        shown = "document" if name == "document_sha256" and "document_name" in names else name
        spec = _from_annotation(shown, info.annotation, info.metadata, info.is_required(), info.description)
        if spec is not None:
            specs.append(spec)
    return tuple(specs)


def _from_annotation(
    name: str, annotation: Any, metadata: list[Any], required: bool, description: str | None
) -> FieldSpec | None:
    label = name.replace("_", " ").capitalize()
    if name == "document":
        return FieldSpec(name=name, label="Document", kind="document", required=required, example=PATH)
    options = _without_none(annotation)
    if len(options) != 1:
        # `str | dict`, `str | list`: the command line sends text; structured values come only from scenarios.
        return FieldSpec(name=name, label=label, kind="text", required=required, help=description)
    kind_of = options[0]
    if get_origin(kind_of) is Literal:
        choices = tuple(str(choice) for choice in get_args(kind_of))
        return FieldSpec(name=name, label=label, kind="choice", choices=choices, required=required, help=description)
    if kind_of is bool:
        return FieldSpec(
            name=name, label=label, kind="boolean", choices=BOOLEAN_CHOICES, required=required, help=description
        )
    if kind_of is int:
        minimum, maximum = _bounds(metadata)
        return FieldSpec(
            name=name,
            label=label,
            kind="integer",
            required=required,
            minimum=minimum,
            maximum=maximum,
            help=description,
        )
    if kind_of is date:
        return FieldSpec(name=name, label=label, kind="date", required=required, help=description)
    if kind_of is str:
        return FieldSpec(name=name, label=label, kind="text", required=required, help=description)
    return None  # a nested structure (an appraisal launch's scope): not something a --field can carry


def _without_none(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return [option for option in get_args(annotation) if option is not type(None)]
    return [annotation]


def _bounds(metadata: list[Any]) -> tuple[int | None, int | None]:
    minimum = maximum = None
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            minimum = _whole(item.ge)
        elif isinstance(item, annotated_types.Gt):
            minimum = _whole(item.gt) + 1
        elif isinstance(item, annotated_types.Le):
            maximum = _whole(item.le)
        elif isinstance(item, annotated_types.Lt):
            maximum = _whole(item.lt) - 1
    return minimum, maximum


def _whole(bound: Any) -> int:
    """An integer field's bound as an int: annotated_types types a bound only as something comparable."""
    return int(bound)


def _default_example(spec: FieldSpec, context: Context, person: str) -> str:
    """A valid value for a line to carry: the first choice, the middle of a range, today, or "..."."""
    if spec.choices:
        return spec.choices[0]
    if spec.kind == "integer":
        if spec.minimum is not None and spec.maximum is not None:
            return str((spec.minimum + spec.maximum) // 2)
        return str(spec.minimum if spec.minimum is not None else 1)
    if spec.kind == "date":
        return local_date(context.organisation, person, context.now).isoformat()
    return PLACEHOLDER


__all__ = [
    "ActionOffer",
    "FieldKind",
    "FieldSpec",
    "actions_open_to",
    "decision_field",
    "how_to_act",
    "offers_for_task",
    "offers_on_step",
    "refusal_for",
    "runs_as_written",
]
