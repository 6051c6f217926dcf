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

from runtime.workflow_sandbox import workflow_runner
from tests.support.history_shape import LOCAL_ACTIVITY, MEMO, TASK_BOUNDARY, first_task_split, shape
from worker import WORKFLOWS
from workflows.messages import OpenCase

#: `make histories` writes the current code's histories here.
CURRENT = Path(__file__).parent / "histories"
#: Histories recorded before the store calls became local activities (the `store-calls-as-local-activities`
#: patch): kept as they were, so that the cases still running from before replay through the old path.
BEFORE_LOCAL_STORE_CALLS = Path(__file__).parent / "histories-before-local-store-calls"
HISTORY_SETS = (CURRENT, BEFORE_LOCAL_STORE_CALLS)
#: Appraisal cycles whose first workflow task took the two shapes their opening has had: ended by the
#: `appraisal-cycle-validates-every-launch` patch marker (from issue 13), and ended by the memo that replaced it,
#: recorded when a `ready` query split the first task after the organisation's local activity. One type only, so
#: it is not in HISTORY_SETS (each of those holds every workflow type).
APPRAISAL_CYCLE_OPENINGS = Path(__file__).parent / "histories-appraisal-cycle-opening"
HISTORIES = sorted(path for folder in (*HISTORY_SETS, APPRAISAL_CYCLE_OPENINGS) for path in folder.glob("*.json"))


@pytest.mark.parametrize("folder", HISTORY_SETS, ids=lambda path: path.name)
def test_every_workflow_type_has_a_saved_history(folder: Path) -> None:
    names = {w.__temporal_workflow_definition.name for w in WORKFLOWS}  # type: ignore[attr-defined]
    texts = [path.read_text() for path in folder.glob("*.json")]
    covered = {name for name in names if any(f'"{name}"' in text for text in texts)}
    assert covered == names


def test_the_current_histories_take_the_local_store_calls_and_the_earlier_ones_do_not() -> None:
    """Each set exercises its own path of the patch, so both stay replayable."""
    for path in CURRENT.glob("*.json"):
        assert "core_local_activity" in path.read_text(), path.name
    earlier = [path.read_text() for path in BEFORE_LOCAL_STORE_CALLS.glob("*.json")]
    assert earlier and all("core_local_activity" not in text for text in earlier)
    assert any('"record_events"' in text for text in earlier)


@pytest.mark.parametrize("history_file", HISTORIES, ids=lambda path: f"{path.parent.name}/{path.stem}")
async def test_saved_history_replays_against_current_code(history_file: Path) -> None:
    history = WorkflowHistory.from_json(history_file.stem, history_file.read_text())
    replayer = Replayer(
        workflows=list(WORKFLOWS),
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),
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
    history_file = next(path for path in sorted(CURRENT.glob("*.json")) if "small-grant-director" in path.name)
    history = WorkflowHistory.from_json(history_file.stem, history_file.read_text())
    replayer = Replayer(workflows=[ReorderedGrantApproval], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
    assert (
        "Nondeterminism" in type(result.replay_failure).__name__ or "nondetermin" in str(result.replay_failure).lower()
    )


def test_the_appraisal_cycle_openings_are_the_two_shapes_they_stand_for() -> None:
    """The memo's history really has its first task split after the organisation's local activity, with the memo
    in the next task (the shape a replay failed on while a patch marker ended the opening); the earlier one has
    the marker in the first task."""
    memo = (APPRAISAL_CYCLE_OPENINGS / "memo-after-a-split-first-task--appraisal_2030.json").read_text()
    marker = (APPRAISAL_CYCLE_OPENINGS / "ready-marker--appraisal_2027.json").read_text()
    assert first_task_split(memo)
    names = shape(memo)
    assert names.index(MEMO) > names.index(TASK_BOUNDARY, names.index(LOCAL_ACTIVITY))
    assert "patch:appraisal-cycle-validates-every-launch" not in names
    assert not first_task_split(marker)
    assert "patch:appraisal-cycle-validates-every-launch" in shape(marker)
    assert MEMO not in shape(marker)
