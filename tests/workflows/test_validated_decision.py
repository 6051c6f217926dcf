"""An accepted command is decided once: the handler takes the validator's answer when it judged that very
command against that very state at that instant, and asks the decider again otherwise."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from temporalio.exceptions import ApplicationError

from domain.case import Context
from domain.commands import Command
from domain.grant import GRANT
from domain.organisation import Organisation
from workflows.case_runtime import CaseRuntime

APPLICATION = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "examples" / "grants" / "kampala-upgrading.yaml").read_text()
)
FIELDS = {**APPLICATION, "reference": "T-VALIDATED"}
NOW = datetime(2027, 5, 3, 9, 0, tzinfo=UTC)


def _runtime(organisation: Organisation) -> CaseRuntime:
    runtime = CaseRuntime(GRANT, GRANT.initial_state(f"grant/{FIELDS['reference']}"))
    runtime.organisation = organisation
    runtime.now = lambda: NOW  # type: ignore[method-assign] - workflow time, outside a workflow
    return runtime


def _submit() -> Command:
    return Command(action="submit", actor=str(FIELDS["submitted_by"]), fields=FIELDS)


def test_the_handler_takes_the_validators_answer_for_the_same_command_state_and_instant(
    organisation: Organisation,
) -> None:
    runtime = _runtime(organisation)
    command = _submit()
    runtime.validate(command)
    validated = runtime._validated
    assert validated is not None
    drafts = runtime._decide(command, Context(organisation=organisation, now=NOW))
    assert drafts is validated[3]
    assert [draft.type for draft in drafts][0] == "GrantSubmitted"
    # Taken once: a second handling of the same command asks the decider.
    again = runtime._decide(command, Context(organisation=organisation, now=NOW))
    assert again is not drafts
    assert again == drafts


def test_the_decider_is_asked_again_when_the_command_the_state_or_the_instant_differs(
    organisation: Organisation,
) -> None:
    context = Context(organisation=organisation, now=NOW)
    runtime = _runtime(organisation)
    command = _submit()

    runtime.validate(command)
    validated = runtime._validated
    assert validated is not None
    other = _submit()  # equal, but another command than the one judged
    assert runtime._decide(other, context) is not validated[3]

    runtime.validate(command)
    validated = runtime._validated
    assert validated is not None
    runtime.state = runtime.state.model_copy()  # the state moved on between validation and handling
    assert runtime._decide(command, context) is not validated[3]

    runtime.validate(command)
    validated = runtime._validated
    assert validated is not None
    later = Context(organisation=organisation, now=NOW + timedelta(seconds=1))
    assert runtime._decide(command, later) is not validated[3]

    runtime.validate(command)
    validated = runtime._validated
    assert validated is not None
    reloaded = Context(organisation=organisation.model_copy(), now=NOW)  # the organisation was loaded again
    assert runtime._decide(command, reloaded) is not validated[3]


def test_a_refused_command_leaves_no_answer_to_take(organisation: Organisation) -> None:
    runtime = _runtime(organisation)
    runtime.validate(_submit())
    stranger = Command(action="submit", actor="nobody-at-all", fields=FIELDS)
    with pytest.raises(ApplicationError) as refused:
        runtime.validate(stranger)
    assert refused.value.type == "NotAllowed"
    assert runtime._validated is None
