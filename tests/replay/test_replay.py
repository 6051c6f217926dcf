"""Determinism guard: the saved Temporal histories of the example scenarios replay against the current code.

A change that breaks determinism (a reordered activity, a new timer, a changed command) fails here. To change
a workflow safely, see the README's "Changing a workflow safely"; to refresh these files after an intended,
versioned change, run `make histories`.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from worker import PASSED_THROUGH, WORKFLOWS
from workflows.messages import OpenCase

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_every_workflow_type_has_a_saved_history() -> None:
    names = {w.__temporal_workflow_definition.name for w in WORKFLOWS}  # type: ignore[attr-defined]
    covered = {name for name in names if any(f'"{name}"' in path.read_text() for path in HISTORIES)}
    assert covered == names


@pytest.mark.parametrize("history_file", HISTORIES, ids=lambda path: path.stem)
async def test_saved_history_replays_against_current_code(history_file: Path) -> None:
    history = WorkflowHistory.from_json(history_file.stem, history_file.read_text())
    replayer = Replayer(
        workflows=list(WORKFLOWS),
        data_converter=pydantic_data_converter,
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
        ),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{history_file.name}: {result.replay_failure}"


@workflow.defn(name="GrantApproval", sandboxed=False)
class ReorderedGrantApproval:
    """A careless edit: the same workflow type, but it sleeps before loading the organisation."""

    @workflow.run
    async def run(self, opening: OpenCase) -> None:
        await workflow.sleep(timedelta(minutes=1))


async def test_the_replay_test_catches_a_change_that_breaks_determinism() -> None:
    history_file = next(path for path in HISTORIES if "small-grant-director" in path.name)
    history = WorkflowHistory.from_json(history_file.stem, history_file.read_text())
    replayer = Replayer(workflows=[ReorderedGrantApproval], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
    assert (
        "Nondeterminism" in type(result.replay_failure).__name__ or "nondetermin" in str(result.replay_failure).lower()
    )
