"""A case cancelled through Temporal (Web UI, CLI, API) is closed on the record, not only in the engine: the
trail gets `CaseCancelled` with the reason given, its open steps are cancelled so they leave every task list,
and a Board decision it was waiting for records its own cancellation."""

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import CancelledError
from temporalio.testing import WorkflowEnvironment

from activities.mail import MailDelivery
from domain.commands import Channel, Command
from domain.organisation import Organisation
from runtime.settings import Settings
from store.event_store import EventStore
from store.projections import case_state, open_tasks
from store.verify import verify
from worker import WorkerDependencies, build_worker
from workflows.messages import ActResult, OpenCase

REPO = Path(__file__).resolve().parents[2]
KAMPALA = yaml.safe_load((REPO / "examples" / "grants" / "kampala-upgrading.yaml").read_text())
LIMA = yaml.safe_load((REPO / "examples" / "grants" / "lima-resilience.yaml").read_text())
CLI = Channel(name="cli", os_user="operator", host="test")


@pytest.fixture
async def worker(
    time_skipping: WorkflowEnvironment,
    organisation: Organisation,
    audit_store: EventStore,
    settings: Settings,
    tmp_path: Path,
):
    dependencies = WorkerDependencies(
        store=audit_store,
        organisation=organisation,
        delivery=MailDelivery(smtp_url=None, mail_dir=tmp_path / "mail", mail_from="govern@example.org"),
    )
    async with build_worker(time_skipping.client, settings.task_queue, dependencies):
        yield time_skipping.client, settings.task_queue


async def _submit(client, task_queue: str, application: dict, store: EventStore):
    reference = f"C-{uuid.uuid4().hex[:6]}"
    case_id = f"grant/{reference}"
    command = Command(
        action="submit",
        actor=application["submitted_by"],
        fields={**application, "reference": reference},
        channel=CLI,
    )
    handle = await client.start_workflow(
        "GrantApproval", OpenCase(case_id=case_id, command=command), id=case_id, task_queue=task_queue
    )
    for _ in range(100):
        if case_state(store, case_id) is not None:
            return case_id, handle
        await asyncio.sleep(0.1)
    raise AssertionError(f"{case_id} was never opened")


async def _act(handle, actor: str, action: str, **fields: object) -> ActResult:
    return await handle.execute_update(
        "act", Command(action=action, actor=actor, fields=fields, channel=CLI), result_type=ActResult
    )


async def _cancelled(handle) -> None:
    with pytest.raises(WorkflowFailureError) as failure:
        await handle.result()
    assert isinstance(failure.value.cause, CancelledError)


async def test_a_cancelled_case_is_closed_on_the_record_and_leaves_the_task_lists(worker, audit_store) -> None:
    client, task_queue = worker
    case_id, handle = await _submit(client, task_queue, KAMPALA, audit_store)
    assert [row.task_id for row in open_tasks(audit_store, datetime.now(UTC)) if row.case_id == case_id] == [
        "screening"
    ]

    await handle.cancel(reason="submitted twice by mistake")
    await _cancelled(handle)

    trail = audit_store.read_stream(case_id)
    assert [event.type for event in trail[-3:]] == ["CaseCancelled", "TaskCancelled", "CaseClosed"]
    cancelled = trail[-3]
    assert cancelled.actor == "system"
    assert cancelled.reason == "cancelled through Temporal: submitted twice by mistake"
    assert cancelled.payload["stage"] == "screening"
    assert cancelled.payload["channel"] == {"name": "system"}
    state = case_state(audit_store, case_id)
    assert state is not None and state.closed and state.outcome == "cancelled"
    assert [row for row in open_tasks(audit_store, datetime.now(UTC)) if row.case_id == case_id] == []
    assert verify(audit_store).ok


async def test_cancelling_a_grant_cancels_the_board_decision_it_waits_for(worker, audit_store) -> None:
    client, task_queue = worker
    case_id, handle = await _submit(client, task_queue, LIMA, audit_store)
    await _act(handle, "programme-officer-hanoi", "screen", outcome="eligible")
    await _act(
        handle,
        "head-of-programmes",
        "assign-reviewers",
        reviewers="programme-officer-pretoria,partnerships-officer-brussels",
    )
    for reviewer in ("programme-officer-pretoria", "partnerships-officer-brussels"):
        await _act(handle, reviewer, "declare-interests", conflict="no")
        await _act(handle, reviewer, "review", score=4, recommendation="approve")
    await _act(handle, "director", "endorse", decision="approve")
    board_case = f"{case_id}/board/1"
    for _ in range(100):
        if case_state(audit_store, board_case) is not None:
            break
        await asyncio.sleep(0.1)

    await handle.cancel()
    await _cancelled(handle)

    board = case_state(audit_store, board_case)
    assert board is not None and board.closed and board.outcome == "cancelled"
    assert not board.tasks
    grant = case_state(audit_store, case_id)
    assert grant is not None and grant.outcome == "cancelled"
    # The grant had no open step of its own while the Board decided: its trail ends with the cancellation.
    assert [(event.type, event.reason) for event in audit_store.read_stream(case_id)[-2:]] == [
        ("CaseCancelled", "cancelled through Temporal (no reason given)"),
        ("CaseClosed", "cancelled through Temporal (no reason given)"),
    ]
    assert audit_store.read_stream(board_case)[-1].outcome == "cancelled"
    assert [row for row in open_tasks(audit_store, datetime.now(UTC)) if row.case_id.startswith(case_id)] == []
