"""Board decisions as durable child cases: a no-objection referred by an objection, and electronic votes with
quorum, threshold and recusal, run on the time-skipping server with a real worker and audit store."""

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.mail import MailDelivery
from domain.commands import Command
from domain.organisation import Organisation
from runtime.settings import Settings
from store.event_store import EventStore
from store.verify import verify
from worker import WorkerDependencies, build_worker
from workflows.messages import CaseView, OpenBoardDecision

REPO = Path(__file__).resolve().parents[2]
LIMA = yaml.safe_load((REPO / "examples" / "grants" / "lima-resilience.yaml").read_text())


def _act(at: str, case: str, action: str, actor: str, **extra: Any) -> dict[str, Any]:
    return {"at": at, "case": case, "action": action, "as": actor, **extra}


def endorsed_by_march_9(case: str) -> list[dict[str, Any]]:
    return [
        _act(
            "2027-03-02T10:00:00+07:00",
            case,
            "screen",
            "programme-officer-hanoi",
            fields={"outcome": "eligible"},
        ),
        _act(
            "2027-03-03T10:00:00+01:00",
            case,
            "assign-reviewers",
            "head-of-programmes",
            fields={"reviewers": "programme-officer-pretoria,partnerships-officer-brussels"},
        ),
        _act(
            "2027-03-04T10:00:00+02:00",
            case,
            "declare-interests",
            "programme-officer-pretoria",
            fields={"conflict": "no"},
        ),
        _act(
            "2027-03-04T11:00:00+01:00",
            case,
            "declare-interests",
            "partnerships-officer-brussels",
            fields={"conflict": "no"},
        ),
        _act(
            "2027-03-08T10:00:00+02:00",
            case,
            "review",
            "programme-officer-pretoria",
            fields={"score": 4, "recommendation": "approve"},
        ),
        _act(
            "2027-03-08T14:00:00+01:00",
            case,
            "review",
            "partnerships-officer-brussels",
            fields={"score": 3, "recommendation": "revise"},
        ),
        _act("2027-03-09T10:00:00+01:00", case, "endorse", "director", fields={"decision": "approve"}),
    ]


async def test_an_objection_refers_the_grant_to_the_next_board_meeting(run_inline) -> None:
    case, board = "grant/T-201", "grant/T-201/board/1"
    await run_inline(
        {
            "start": "2027-03-01T08:00:00Z",
            "until": "2027-04-01T00:00:00Z",
            "cases": [{"application": {**LIMA, "reference": "T-201"}}],
            "actions": [
                *endorsed_by_march_9(case),
                _act(
                    "2027-03-10T10:00:00+01:00",
                    board,
                    "object",
                    "board-member-4",
                    comment="The resettlement safeguards need discussion.",
                ),
                _act(
                    "2027-03-11T10:00:00+01:00",
                    board,
                    "object",
                    "board-member-6",
                    comment="Too late",
                    expect="refused",
                    refusal="is closed",
                ),
                _act(
                    "2027-03-25T16:00:00+01:00",
                    case,
                    "record-meeting-decision",
                    "board-member-2",
                    fields={"decision": "approve", "reference": "MB/2027/03"},
                    expect="refused",
                ),
                _act(
                    "2027-03-25T17:00:00+01:00",
                    case,
                    "record-meeting-decision",
                    "board-chair",
                    fields={"decision": "approve", "reference": "MB/2027/03"},
                    comment="Approved at the 31st Board meeting with safeguards.",
                ),
            ],
            "expect": {
                "outcomes": {board: "referred_to_meeting"},
                "stages": {case: "agreement"},
                "events": [
                    {"case": board, "type": "ObjectionLodged", "actor": "board-member-4"},
                    {"case": case, "type": "BoardDecisionRecorded", "outcome": "referred_to_meeting"},
                    {
                        "case": case,
                        "type": "BoardDecisionRecorded",
                        "actor": "board-chair",
                        "outcome": "approved",
                        "payload": {"reference": "MB/2027/03"},
                    },
                    {"case": case, "type": "GrantApproved", "outcome": "approved"},
                ],
                "absent_events": [{"case": board, "type": "DeadlinePassed"}],
            },
        }
    )


@pytest.fixture
async def board_worker(
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
    opened: list = []
    async with build_worker(time_skipping.client, settings.task_queue, dependencies):
        yield time_skipping.client, settings.task_queue, opened
        # The server outlives this test: end what is still open so its timers do not wait for a gone worker.
        for handle in opened:
            try:
                await handle.terminate("test finished")
            except RPCError:
                pass


async def _open_vote(board_worker, conflicted: list[str] | None = None):
    client, task_queue, opened = board_worker
    case_id = f"grant/V-{uuid.uuid4().hex[:6]}/board/1"
    handle = await client.start_workflow(
        "BoardDecision",
        OpenBoardDecision(
            case_id=case_id,
            procedure="vote",
            matter="Annual Work Plan 2028",
            parent_case="plan/2028",
            requested_by="director",
            conflicted=conflicted or [],
        ),
        id=case_id,
        task_queue=task_queue,
        result_type=CaseView,
    )
    opened.append(handle)
    for _ in range(200):
        view = await handle.query("view", result_type=CaseView)
        if view.version:
            return handle
        await __import__("asyncio").sleep(0.05)
    raise AssertionError("the vote did not open")


async def _vote(handle, member: str, choice: str) -> None:
    await handle.execute_update("act", Command(action="vote", actor=member, fields={"choice": choice}))


async def test_a_vote_closes_early_once_the_outcome_cannot_change(board_worker, audit_store) -> None:
    handle = await _open_vote(board_worker)
    for member in ("board-chair", "board-member-2", "board-member-3", "board-member-4"):
        await _vote(handle, member, "approve")
    await _vote(handle, "board-member-5", "abstain")
    view = await handle.query("view", result_type=CaseView)
    assert not view.closed  # 4 for, 1 abstention: 4 members left could still defeat it
    await _vote(handle, "board-member-6", "approve")
    result = await handle.result()
    assert result.outcome == "approved"
    closed = [e for e in audit_store.read_stream(handle.id) if e.type == "BoardDecisionClosed"][0]
    assert closed.payload["tally"]["approve"] == 5
    assert closed.payload["tally"]["abstain"] == 1
    assert closed.payload["closed_early"] is True
    with pytest.raises(RPCError):  # the case has ended: Temporal no longer takes updates for it
        await _vote(handle, "board-member-7", "reject")
    assert audit_store.current_version(handle.id) == len(audit_store.read_stream(handle.id))
    assert verify(audit_store).ok


async def test_a_vote_without_quorum_fails_at_the_close(board_worker, time_skipping, audit_store) -> None:
    handle = await _open_vote(board_worker, conflicted=["board-member-9"])
    await _vote(handle, "board-chair", "approve")
    await _vote(handle, "board-member-2", "approve")
    await _vote(handle, "board-member-3", "abstain")
    await time_skipping.sleep(timedelta(days=20))
    result = await handle.result()
    assert result.outcome == "no_quorum"
    events = audit_store.read_stream(handle.id)
    recused = [e for e in events if e.type == "MemberRecused"]
    assert [e.payload["member"] for e in recused] == ["board-member-9"]
    opened = events[0]
    assert "board-member-9" not in opened.payload["eligible"]
    closed = next(e for e in events if e.type == "BoardDecisionClosed")
    assert closed.payload["quorum_met"] is False
    assert closed.payload["responses"]["board-member-9"] == "recused"
    reminded = {e.payload["to"] for e in events if e.type == "ReminderSent"}
    assert "board-member-4" in reminded and "board-chair" not in reminded and "board-member-9" not in reminded


async def test_abstentions_count_for_quorum_but_not_for_the_threshold(board_worker, time_skipping, audit_store) -> None:
    handle = await _open_vote(board_worker)
    await _vote(handle, "board-chair", "approve")
    await _vote(handle, "board-member-2", "reject")
    await _vote(handle, "board-member-3", "abstain")
    await _vote(handle, "board-member-4", "abstain")
    await _vote(handle, "board-member-5", "approve")
    await time_skipping.sleep(timedelta(days=20))
    result = await handle.result()
    # 5 of 9 responded (quorum 1/2 met); 2 for, 1 against: more than half of the votes cast for or against.
    assert result.outcome == "approved"


async def test_an_observer_cannot_vote_and_the_refusal_leaves_no_trace(board_worker, audit_store) -> None:
    handle = await _open_vote(board_worker)
    before = audit_store.current_version(handle.id)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await _vote(handle, "board-observer-1", "approve")
    assert "observer" in refused.value.cause.message
    assert "Only voting members of the Management Board may vote" in refused.value.cause.message
    assert audit_store.current_version(handle.id) == before
    history = await handle.fetch_history()
    kinds = {event.WhichOneof("attributes") for event in history.events}
    assert "workflow_execution_update_accepted_event_attributes" not in kinds
