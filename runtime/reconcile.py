"""Reconciling Temporal's histories with the audit trail, case by case (`govern audit reconcile`).

The trail is the business record and Temporal the engine's; they must tell the same story. Someone with access
to Temporal can end a workflow without its rules (terminate, reset, a timeout), and a workflow can record
nothing at all; each such divergence is named in one sentence:

- a workflow with no trail (a refused opening, which never starts a case, is not one);
- a case open in the trail whose workflow was closed in Temporal (terminated, timed out, reset, failed, or
  cancelled without its `CaseCancelled`), with the identity and reason Temporal's history gives;
- a batch of events a run recorded (a completed `record_events` activity, or local activity) that is missing
  from the trail;
- trail events whose run Temporal does not know (after the namespace's retention this is expected: reconcile
  within the retention period).
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from temporalio.api.common.v1 import Payloads, WorkflowExecution
from temporalio.api.history.v1 import MarkerRecordedEventAttributes
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowHistory
from temporalio.client import WorkflowExecutionStatus as Status
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode

from activities.audit import AppendReceipt, AppendRequest, AuditActivities
from domain.case_kinds import decider_for
from domain.errors import UnknownCase
from store.event_store import EventStore
from store.projections import case_state
from store.schema import audit_events
from workflows.case_kind_workflows import activity_type, all_workflows, workflow_type

#: The marker the SDK core records for a local activity's outcome.
LOCAL_ACTIVITY_MARKER = "core_local_activity"
#: The workflow types govern runs; others on a shared namespace are not ours to judge.
CASE_WORKFLOWS = frozenset(workflow_type(case_workflow) for case_workflow in all_workflows())
_ENDED_OUTSIDE = {
    Status.TERMINATED: "terminated",
    Status.TIMED_OUT: "timed out",
    Status.CANCELED: "cancelled",
    Status.FAILED: "failed",
    Status.COMPLETED: "completed",
}


@dataclass(frozen=True)
class Run:
    workflow_id: str
    run_id: str
    workflow_type: str
    status: Status | None


@dataclass
class Reconciliation:
    cases: int = 0
    runs: int = 0
    divergences: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.divergences


def _trail_runs(store: EventStore) -> dict[str, dict[str, tuple[int, int, int]]]:
    """stream -> run id -> (count, first seq, last seq) of the trail's events."""
    c = audit_events.c
    statement = (
        sa.select(c.stream_id, c.run_id, sa.func.count(), sa.func.min(c.seq), sa.func.max(c.seq))
        .group_by(c.stream_id, c.run_id)
        .order_by(c.stream_id)
    )
    found: dict[str, dict[str, tuple[int, int, int]]] = defaultdict(dict)
    with store.engine.connect() as connection:
        for stream_id, run_id, count, first, last in connection.execute(statement):
            found[stream_id][run_id or ""] = (int(count), int(first), int(last))
    return found


async def _listed_runs(client: Client) -> list[Run] | None:
    """Every run on the namespace, or None where the server cannot list (the time-skipping test server)."""
    try:
        return [
            Run(execution.id, execution.run_id, execution.workflow_type, execution.status)
            async for execution in client.list_workflows()
            if execution.workflow_type in CASE_WORKFLOWS
        ]
    except RPCError as error:
        if error.status == RPCStatusCode.UNIMPLEMENTED:
            return None
        raise


async def _describe(client: Client, workflow_id: str, run_id: str = "") -> Run | None:
    """One run (the latest without a run id), or None when Temporal has no such run. The raw service call,
    because decoding a description's search attributes fails on the time-skipping server."""
    request = DescribeWorkflowExecutionRequest(
        namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id)
    )
    try:
        response = await client.workflow_service.describe_workflow_execution(request)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    info = response.workflow_execution_info
    return Run(workflow_id, info.execution.run_id, info.type.name, Status(info.status) if info.status else None)


async def _described_runs(client: Client, workflow_ids: Iterable[str]) -> list[Run]:
    """The latest run of each id, where listing is not possible."""
    runs = []
    for workflow_id in workflow_ids:
        run = await _describe(client, workflow_id)
        if run is not None and run.workflow_type in CASE_WORKFLOWS:
            runs.append(run)
    return runs


async def _history_facts(client: Client, run: Run) -> tuple[list[str], str | None, bool]:
    history = await client.get_workflow_handle(run.workflow_id, run_id=run.run_id).fetch_history()
    return await history_facts(history, client.data_converter)


async def history_facts(history: WorkflowHistory, converter: DataConverter) -> tuple[list[str], str | None, bool]:
    """(event ids the run recorded through completed `record_events`, how it ended outside its rules, whether its
    opening was refused). An ordinary activity's ids are in its input; a local activity keeps only its result in
    history (a marker), and the receipt names the ids it recorded."""
    scheduled: dict[int, Payloads] = {}
    recorded: list[str] = []
    ended: str | None = None
    refused_opening = False
    for event in history.events:
        if event.HasField("activity_task_scheduled_event_attributes"):
            attributes = event.activity_task_scheduled_event_attributes
            if attributes.activity_type.name == activity_type(AuditActivities.record_events):
                scheduled[event.event_id] = attributes.input
        elif event.HasField("activity_task_completed_event_attributes"):
            payloads = scheduled.get(event.activity_task_completed_event_attributes.scheduled_event_id)
            if payloads is not None:
                [request] = await converter.decode(payloads.payloads, [AppendRequest])
                recorded.extend(item.event_id for item in request.events)
        elif event.HasField("marker_recorded_event_attributes"):
            marker = event.marker_recorded_event_attributes
            if _is_recorded_append(marker):
                [receipt] = await converter.decode(marker.details["result"].payloads, [AppendReceipt])
                recorded.extend(receipt.event_ids)
        elif event.HasField("workflow_execution_terminated_event_attributes"):
            terminated = event.workflow_execution_terminated_event_attributes
            ended = f"terminated by {terminated.identity or 'an unknown identity'} ({terminated.reason or 'no reason'})"
        elif event.HasField("workflow_execution_cancel_requested_event_attributes"):
            cancelled = event.workflow_execution_cancel_requested_event_attributes
            ended = f"cancelled by {cancelled.identity or 'an unknown identity'} ({cancelled.cause or 'no reason'})"
        elif event.HasField("workflow_execution_timed_out_event_attributes"):
            ended = "timed out (its execution timeout passed)"
        elif event.HasField("workflow_execution_failed_event_attributes"):
            failure = event.workflow_execution_failed_event_attributes.failure
            refused_opening = failure.application_failure_info.type == "NotAllowed"
            ended = f"failed ({failure.message})"
    return recorded, ended, refused_opening


def _is_recorded_append(marker: MarkerRecordedEventAttributes) -> bool:
    """Whether a marker is a `record_events` local activity that completed (its data is the SDK core's own
    plain JSON, never sent through the payload codec; a failed one has no result)."""
    if marker.marker_name != LOCAL_ACTIVITY_MARKER or "result" not in marker.details or "data" not in marker.details:
        return False
    (data,) = marker.details["data"].payloads
    try:
        return json.loads(data.data).get("activity_type") == activity_type(AuditActivities.record_events)
    except ValueError:
        return False


def _is_case(workflow_id: str) -> bool:
    try:
        decider_for(workflow_id)
    except UnknownCase:
        return False
    return True


async def reconcile(client: Client, store: EventStore, known_ids: Iterable[str] = ()) -> Reconciliation:
    """Compare every run Temporal has (or, where it cannot list, the latest run of each case the trail and
    `known_ids` name) with the trail."""
    trail = _trail_runs(store)
    runs = await _listed_runs(client)
    if runs is None:
        runs = await _described_runs(client, sorted({*trail, *known_ids}))
    result = Reconciliation(cases=len(trail), runs=len(runs))
    stored_ids = _stored_event_ids(store)
    by_workflow: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        by_workflow[run.workflow_id].append(run)
    for run in runs:
        if not _is_case(run.workflow_id):
            continue
        recorded, ended, refused_opening = await _history_facts(client, run)
        missing = [event_id for event_id in recorded if event_id not in stored_ids]
        if missing:
            result.divergences.append(
                f"Run {run.run_id} of {run.workflow_id} recorded {len(missing)} event(s) that are missing from the "
                f"audit trail (first: {missing[0]})."
            )
        if run.workflow_id not in trail:
            if not refused_opening:
                status = run.status.name.lower() if run.status else "unknown"
                result.divergences.append(
                    f"Workflow {run.workflow_id} (run {run.run_id}, {run.workflow_type}, {status}) has no audit trail."
                )
            continue
        state = case_state(store, run.workflow_id)
        latest = run.run_id in _latest_run_ids(by_workflow[run.workflow_id])
        if state is not None and not state.closed and latest and run.status in _ENDED_OUTSIDE:
            how = ended or _ENDED_OUTSIDE[run.status]
            result.divergences.append(
                f"Case {run.workflow_id} is open in the audit trail (stage {state.stage}) but its workflow run "
                f"{run.run_id} was {how} in Temporal."
            )
    known_runs = {(run.workflow_id, run.run_id) for run in runs}
    for stream_id, by_run in trail.items():
        for run_id, (count, first, last) in by_run.items():
            # Events recorded outside a workflow (none today) carry no run; a run not listed may still exist
            # (an earlier run, where the server only describes the latest), so it is asked for by id.
            if not run_id or (stream_id, run_id) in known_runs or await _run_exists(client, stream_id, run_id):
                continue
            result.divergences.append(
                f"Case {stream_id} has {count} trail event(s) (seq {first} to {last}) from run {run_id}, which "
                "Temporal does not know."
            )
    return result


def _latest_run_ids(runs: list[Run]) -> set[str]:
    """The runs of one id that are not superseded: the running one, or all closed ones when none runs."""
    running = {run.run_id for run in runs if run.status == Status.RUNNING}
    return running or {run.run_id for run in runs if run.status != Status.CONTINUED_AS_NEW}


async def _run_exists(client: Client, workflow_id: str, run_id: str) -> bool:
    return await _describe(client, workflow_id, run_id) is not None


def _stored_event_ids(store: EventStore) -> set[str]:
    with store.engine.connect() as connection:
        return {row[0] for row in connection.execute(sa.select(audit_events.c.event_id))}
