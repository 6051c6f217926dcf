"""A refused launch never enters the appraisal cycle's history, even when it arrives before the cycle has loaded
the organisation its rules need (the guide: a refusal raised in the handler is already recorded)."""

import asyncio
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.mail import MailDelivery
from domain.commands import Command
from domain.organisation import Organisation
from runtime.opening_wait import act_once_opened
from runtime.settings import Settings
from runtime.workflow_sandbox import workflow_runner
from store.event_store import EventStore
from tests.support.history_shape import first_task_split
from worker import WORKFLOWS, WorkerDependencies, build_worker
from workflows.messages import ActResult, OpenAppraisalCycle

CYCLE = "appraisal/2027"
NOT_A_LAUNCHER = Command(action="launch", actor="fund-manager", fields={"cycle": 2027})
LAUNCH = Command(action="launch", actor="director", fields={"cycle": 2027, "scope": {"people": ["fund-manager"]}})


def worker_dependencies(
    store: EventStore, organisation: Organisation, settings: Settings, tmp_path: Path
) -> WorkerDependencies:
    """A worker's store, organisation and mail (filed under tmp_path), as each test here runs one."""
    return WorkerDependencies(
        store=store, organisation=organisation, delivery=MailDelivery(None, tmp_path / "mail", settings.mail_from)
    )


async def test_a_launch_refused_while_the_cycle_opens_never_enters_its_history(
    time_skipping: WorkflowEnvironment,
    organisation: Organisation,
    audit_store: EventStore,
    settings: Settings,
    tmp_path: Path,
) -> None:
    client = time_skipping.client
    handle = await client.start_workflow(
        "AppraisalCycle", OpenAppraisalCycle(case_id=CYCLE, cycle=2027), id=CYCLE, task_queue=settings.task_queue
    )
    # Sent before any worker runs, so the cycle's first workflow task carries its start and this launch together:
    # the launch is judged before the organisation can have been loaded.
    early = asyncio.create_task(handle.execute_update("act", NOT_A_LAUNCHER, result_type=ActResult))
    await asyncio.sleep(1)
    dependencies = worker_dependencies(audit_store, organisation, settings, tmp_path)
    async with build_worker(client, settings.task_queue, dependencies, max_cached_workflows=0):
        with pytest.raises(WorkflowUpdateFailedError):
            await early
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await act_once_opened(handle, NOT_A_LAUNCHER)
        assert refused.value.cause.message.startswith(
            "Only the Director or the HR Officer may launch an appraisal cycle; "
        )
        accepted = await act_once_opened(handle, LAUNCH)
        assert accepted.events == ["AppraisalCycleOpened", "AppraisalsLaunched"]
        history = await handle.fetch_history()

    updates = [
        event for event in history.events if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    assert len(updates) == 1  # the Director's launch; neither refusal is in the history
    assert [event.actor for event in audit_store.read_stream(CYCLE)] == ["director", "director"]


CYCLES_ASKED_WHILE_OPENING = 30


async def test_a_cycle_asked_whether_it_is_ready_while_it_opens_replays_whatever_its_first_task_became(
    time_skipping: WorkflowEnvironment,
    organisation: Organisation,
    audit_store: EventStore,
    settings: Settings,
    tmp_path: Path,
) -> None:
    """`govern appraisal launch` asks `ready` from the cycle's start. A query arriving while the organisation's
    local activity runs can end the first workflow task with the activity's result and leave the rest to the next
    task. With a patch marker ending the opening, about a third of such cycles could never be replayed again (a
    restart, an eviction): the worker failed their every task. Each cycle here opens on a fresh worker with the
    production cache, is asked until it is ready, and its history is replayed."""
    client = time_skipping.client
    dependencies = worker_dependencies(audit_store, organisation, settings, tmp_path)
    replayer = Replayer(
        workflows=list(WORKFLOWS), data_converter=pydantic_data_converter, workflow_runner=workflow_runner()
    )
    split = 0
    for number in range(CYCLES_ASKED_WHILE_OPENING):
        cycle = 2030 + number
        case_id = f"appraisal/{cycle}"
        async with build_worker(client, settings.task_queue, dependencies):
            handle = await client.start_workflow(
                "AppraisalCycle",
                OpenAppraisalCycle(case_id=case_id, cycle=cycle),
                id=case_id,
                task_queue=settings.task_queue,
            )
            while not await handle.query("ready", result_type=bool):
                pass
            history = await handle.fetch_history()
        text = history.to_json()
        split += first_task_split(text)
        replayed = await replayer.replay_workflow(
            WorkflowHistory.from_json(case_id, text), raise_on_replay_failure=False
        )
        assert replayed.replay_failure is None, f"{case_id}: {replayed.replay_failure}"
    # The shape that failed is produced here (16 and 19 of 40 when this test was written), or this proves nothing.
    assert split > 0, f"none of {CYCLES_ASKED_WHILE_OPENING} first tasks split; the test no longer exercises it"
