"""The two per-payload questions the sandbox runner answers without entering the sandbox (which serialization
context, which store context) get the answers Temporal's own runner gives, entering it."""

from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer, WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import _runner as sandbox_runner

from runtime.workflow_sandbox import CompiledSandboxRunner, _CompiledOnceInstance, workflow_runner
from tests.replay.test_replay import CURRENT
from worker import WORKFLOWS

#: The current code's histories (`make histories`), which the replay test replays as well.
HISTORIES = sorted(CURRENT.glob("*.json"))


class _Compared(_CompiledOnceInstance):
    """Answers as govern's runner does, and keeps the SDK's own answer beside each."""

    answers: list[tuple[str, Any, Any]] = []

    def get_serialization_context(self, command_info: Any) -> Any:
        ours = super().get_serialization_context(command_info)
        theirs = sandbox_runner._Instance.get_serialization_context(self, command_info)
        self.answers.append(("serialization", ours, theirs))
        return ours

    def get_external_store_context(self, command_info: Any) -> Any:
        ours = super().get_external_store_context(command_info)
        theirs = sandbox_runner._Instance.get_external_store_context(self, command_info)
        self.answers.append(("store", ours, theirs))
        return ours


class _ComparingRunner(CompiledSandboxRunner):
    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Compared(det, self.runner_class, self.restrictions)


async def test_every_payload_gets_the_context_the_sdks_own_sandbox_answers() -> None:
    assert HISTORIES
    runner = _ComparingRunner(restrictions=workflow_runner().restrictions)
    replayer = Replayer(workflows=list(WORKFLOWS), data_converter=pydantic_data_converter, workflow_runner=runner)
    _Compared.answers.clear()
    for path in HISTORIES:
        result = await replayer.replay_workflow(
            WorkflowHistory.from_json(path.stem, path.read_text()), raise_on_replay_failure=False
        )
        assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
    kinds = {kind for kind, _, _ in _Compared.answers}
    assert kinds == {"serialization", "store"}, kinds
    contexts = {type(ours).__name__ for kind, ours, _ in _Compared.answers if kind == "serialization"}
    assert {"WorkflowSerializationContext", "ActivitySerializationContext"} <= contexts, contexts
    differing = [(kind, ours, theirs) for kind, ours, theirs in _Compared.answers if ours != theirs]
    assert not differing, differing[:3]
