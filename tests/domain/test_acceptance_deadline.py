"""A command carries the instant by which its case must accept it: after that the case refuses it, whatever it
asks, so an action whose sender was told 'not carried out' can never take effect later."""

from datetime import timedelta

import pytest

from domain import case
from domain.case import Context
from domain.commands import Command
from domain.errors import NotAllowed
from domain.grant import GRANT


def test_a_command_past_its_acceptance_deadline_is_refused_and_one_within_it_is_not(submit, example_org) -> None:
    grant = submit()
    now = grant.clock
    screen = Command(action="screen", actor="programme-officer-brussels", fields={"outcome": "eligible"}, accept_by=now)
    context = Context(organisation=example_org, now=now + timedelta(seconds=1))
    with pytest.raises(NotAllowed) as refusal:
        case.decide_command(GRANT, grant.state, screen, context)
    assert refusal.value.rule == "acceptance-deadline"
    assert refusal.value.sentence == (
        f"This 'screen' reached the case at {context.now:%Y-%m-%d %H:%M:%S} UTC, after {now:%H:%M:%S} UTC, the time "
        "by which it had to be accepted; it was not carried out. Check the case and send it again if it is still "
        "wanted (acceptance deadline)."
    )
    on_time = Context(organisation=example_org, now=now)
    assert [draft.type for draft in case.decide_command(GRANT, grant.state, screen, on_time)][0] == (
        "EligibilityScreened"
    )
