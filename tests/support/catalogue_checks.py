"""The action catalogue's promise, checked against the deciders for one case state and everyone in the file.

- Every line `how_to_act` writes for an offer is accepted by the case's decider, run as a shell splits it
  (a document line with a stored file's hash in place of PATH). The one exception is the documented one: an
  approval step offered to a delegation-of-authority holder outside the band is refused with the
  delegation-of-authority sentence.
- What one step's mail and form show (`offers_on_step`) is what the whole list of offers says of that step.
- Nobody is accepted where the catalogue offers them nothing: every command seen in someone's line, sent by a
  person without that offer (or with that offer but without that choice), is refused.

Delegating is left out of the second check on purpose: the catalogue offers it only to people who hold a step
of the case (or may name a substitute for someone who does), while the decider accepts anyone naming a
substitute for themselves, which changes nothing where they hold no step.
"""

import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from domain import case, task_management
from domain.action_catalogue import ActionOffer, actions_open_to, how_to_act, offers_for_task, offers_on_step
from domain.case import CaseState, Context
from domain.case_kinds import decider_for
from domain.commands import Command
from domain.errors import NotAllowed
from domain.organisation import Organisation

FAKE_SHA256 = "ab" * 32


def parse_line(line: str) -> tuple[str, Command]:
    """`govern act CASE ACTION --as PERSON [--field K=V ...] [--comment TEXT]`, split as a shell splits it."""
    words = shlex.split(line, comments=True)
    assert words[:2] == ["govern", "act"], line
    case_id, action, rest = words[2], words[3], words[4:]
    actor, comment, fields = None, None, {}
    while rest:
        assert len(rest) >= 2, line
        option, value, rest = rest[0], rest[1], rest[2:]
        if option == "--as":
            actor = value
        elif option == "--comment":
            comment = value
        elif option == "--field":
            key, sep, given = value.partition("=")
            assert sep, line
            fields[key] = given
        else:
            raise AssertionError(f"unexpected {option!r} in {line!r}")
    assert actor is not None, line
    return case_id, Command(action=action, actor=actor, fields=fields, comment=comment)


def as_sent(command: Command) -> Command:
    """What `govern act` sends for `document=PATH`: the stored file's hash and name (here, a stand-in)."""
    if "document" not in command.fields:
        return command
    fields = {key: value for key, value in command.fields.items() if key != "document"}
    return command.model_copy(update={"fields": {**fields, "document_sha256": FAKE_SHA256, "document_name": "x.md"}})


@dataclass
class Checked:
    lines: int = 0
    refusals: int = 0
    outside_band: int = 0
    actions: set[str] = field(default_factory=set)


def _key(action: str, fields: dict[str, str]) -> tuple[str, str | None]:
    return action, fields.get("task") if action in task_management.ACTIONS else None


def _offer_key(offer: ActionOffer) -> tuple[str, str | None]:
    task = next((spec.choices[0] for spec in offer.fields if spec.name == "task" and spec.choices), None)
    return offer.action, task if offer.action in task_management.ACTIONS else None


def _decision_values(offers: Iterable[ActionOffer]) -> dict[tuple[str, str | None], tuple[str, set[str]]]:
    return {
        _offer_key(offer): (offer.decision.name, set(offer.decision.choices))
        for offer in offers
        if offer.decision is not None
    }


def check_catalogue(state: CaseState, organisation: Organisation, now: datetime, checked: Checked) -> None:
    context = Context(organisation=organisation, now=now)
    decider = decider_for(state.case_id)
    offered = {person.id: actions_open_to(state, person.id, context) for person in organisation.people}
    for task in state.tasks.values():
        # What a step's mail and form show, worked out for that step alone, is what the whole list says of it.
        holder = task.assignee
        if holder in offered:
            assert offers_on_step(state, holder, task, context) == offers_for_task(offered[holder], task)
    seen: dict[tuple[str, str | None], list[Command]] = {}
    for person, offers in offered.items():
        for offer in offers:
            assert offer.case_id == state.case_id
            for line in how_to_act(offer, person):
                case_id, command = parse_line(line.replace("=PATH", "=/tmp/document.md"))
                assert case_id == state.case_id and command.actor == person and command.action == offer.action
                try:
                    case.decide_command(decider, state, as_sent(command), context)
                except NotAllowed as refusal:
                    assert refusal.rule == "delegation-of-authority" and offer.action == "approve", (
                        f"{line!r} is refused: {refusal}"
                    )
                    checked.outside_band += 1
                    continue
                checked.lines += 1
                checked.actions.add(f"{decider.kind}:{offer.action}")
                seen.setdefault(_key(command.action, command.fields), []).append(command)
    for person, offers in offered.items():
        keys = {_offer_key(offer) for offer in offers}
        values = _decision_values(offers)
        for key, commands in seen.items():
            if key[0] == task_management.DELEGATE:
                continue
            for command in commands:
                if key in keys:
                    decision = values.get(key)
                    if decision is None or command.fields.get(decision[0]) in decision[1]:
                        continue
                mine = command.model_copy(update={"actor": person})
                try:
                    case.decide_command(decider, state, as_sent(mine), context)
                except NotAllowed:
                    checked.refusals += 1
                    continue
                raise AssertionError(
                    f"{person} has no offer of {key[0]} {command.fields} on {state.case_id}, yet the decider accepts it"
                )
