"""The one path every edge takes to act on a case or open one: the CLI (`govern act`, `grant submit`, ...) and
the web front call these functions, so a person gets the same checks and the same sentence wherever they act.

Before anything reaches Temporal: the command is within the size limits, the person is known, the case exists and
is open, confidential content has a key, a worker is listening. Then the command goes to the case's workflow as an
Update, whose validator runs the decider; a refusal comes back as `CommandRefused` with the rule's sentence, and
nothing is recorded. A document the command carries (by its hash) is stored only once the command is accepted.
"""

import asyncio
import getpass
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import UpdateWorkflowExecutionLifecycleStage
from temporalio.api.update.v1 import UpdateRef, WaitPolicy
from temporalio.api.workflowservice.v1 import PollWorkflowExecutionUpdateRequest
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain import case, limits
from domain.acting import require_known_person
from domain.case_kinds import decider_for, is_confidential
from domain.commands import Channel, Command
from domain.errors import NotAllowed, UnknownCase
from domain.organisation import Organisation
from runtime.command_refused import CommandRefused, refused_by_rule
from runtime.documents import Document, store_document
from runtime.settings import Settings
from runtime.store_access import existing_store, store_if_present
from runtime.temporal import TemporalUnavailable, connect, worker_is_polling
from store.errors import StoreError
from store.event_store import EventStore
from store.projections import case_state
from workflows.messages import ActResult

OPENING_WAIT = timedelta(seconds=20)
log = logging.getLogger("govern.commands")


class ActionStillRunning(CommandRefused):
    """The case accepted the action, but its result did not come back within the wait: it is being carried
    out. Not a refusal (exit code 0), but the person must be told, not shown a result."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence, code=0)


def cli_channel(settings: Settings) -> Channel:
    """The CLI's channel: who ran it, on which machine. An installation that lists its operators in
    GOVERN_CLI_ACTING refuses actions from the command line by anyone else."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry for the uid (some containers)
        os_user = f"uid-{os.getuid()}"
    operators = settings.cli_operators
    if operators is not None and os_user not in operators:
        raise CommandRefused(
            f"This installation accepts actions from the command line only from its operators (GOVERN_CLI_ACTING); "
            f"'{os_user}' is not one of them. Act through the web front instead. Nothing was sent."
        )
    return Channel(name="cli", os_user=os_user, host=socket.gethostname())


def require_content_key(settings: Settings) -> None:
    """Appraisal content must be encrypted before it reaches Temporal; without a key nothing is sent."""
    from runtime.codec import codec_from_settings
    from runtime.codec_keys import CodecConfigError

    try:
        codec = codec_from_settings(settings)
    except CodecConfigError as error:
        raise CommandRefused(str(error), code=2) from None
    if codec is None:
        raise CommandRefused(
            "Appraisal content is confidential and must be encrypted before it reaches Temporal: set "
            "GOVERN_CODEC_KEYS (the worker needs the same keys). Nothing was sent.",
            code=2,
        )


async def client_with_worker(settings: Settings, client: Client | None = None) -> Client:
    """A client (the given one, or a new connection) once a worker is known to poll the task queue."""
    try:
        client = client or await connect(settings)
        polling = await worker_is_polling(client, settings.task_queue)
    except TemporalUnavailable as error:
        raise CommandRefused(str(error)) from None
    except RPCError as error:
        raise CommandRefused(f"Temporal at {settings.temporal_address} refused the request: {error.message}.") from None
    if not polling:
        raise CommandRefused(
            f"No worker is polling task queue '{settings.task_queue}' on {settings.temporal_address}; start one "
            "with `govern up` or `govern worker`. Nothing was changed."
        )
    return client


def check_before_sending(
    settings: Settings, organisation: Organisation, store: EventStore | None, case_id: str, actor: str
) -> tuple[case.CaseState, EventStore]:
    """What can be refused without Temporal: an unknown person or case, a missing content key, a closed case.
    The store is opened (existing only) after the checks that need none; the case's state and the store return."""
    try:
        require_known_person(organisation, actor)
        decider_for(case_id)
    except NotAllowed as refusal:
        raise refused_by_rule(refusal) from None
    except UnknownCase as error:
        raise CommandRefused(str(error), rule="unknown-case") from None
    if is_confidential(case_id):
        require_content_key(settings)
    store = store or existing_store(settings)
    state = case_state(store, case_id)
    if state is None:
        raise CommandRefused(f"Unknown case '{case_id}': the audit trail has no such case.", rule="unknown-case")
    try:
        case.refuse_if_closed(state)
    except NotAllowed as refusal:
        raise refused_by_rule(refusal) from None
    return state, store


async def send_command(
    settings: Settings,
    organisation: Organisation,
    store: EventStore | None,
    case_id: str,
    command: Command,
    client: Client | None = None,
    document: Document | None = None,
) -> ActResult:
    """Act on a case: the checks above, then the Update; the rule's sentence on refusal, nothing recorded in the
    case. A refusal by the rules goes on the record of refused attempts (`domain.refusal_record`). The
    `document` whose hash the command carries is stored under `<data dir>/documents/` once accepted."""
    try:
        return await _send(settings, organisation, store, case_id, command, client, document)
    except CommandRefused as refusal:
        if refusal.rule is not None:
            record_refusal(settings, store, case_id, command, refusal.rule, refusal.sentence)
        raise


async def _send(
    settings: Settings,
    organisation: Organisation,
    store: EventStore | None,
    case_id: str,
    command: Command,
    client: Client | None,
    document: Document | None,
) -> ActResult:
    refuse_oversized(command)
    check_before_sending(settings, organisation, store, case_id, command.actor)
    client = await client_with_worker(settings, client)
    handle = client.get_workflow_handle(case_id)
    bound = timedelta(seconds=settings.act_timeout)
    if command.accept_by is None:
        command = command.model_copy(update={"accept_by": accept_by(bound)})
    update_id = f"act-{uuid.uuid4()}"
    try:
        result = await asyncio.wait_for(
            handle.execute_update("act", command, id=update_id, result_type=ActResult, rpc_timeout=bound),
            timeout=bound.total_seconds(),
        )
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise await _unanswered(client, case_id, update_id, command, bound) from None
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        details = getattr(cause, "details", None) or ()
        rule = str(details[0]) if details and details[0] else "unnamed"
        raise CommandRefused(getattr(cause, "message", None) or str(error), rule=rule) from None
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise CommandRefused(
                f"Case {case_id} is no longer running; it accepts no further actions.", rule="closed"
            ) from None
        if error.status == RPCStatusCode.DEADLINE_EXCEEDED:
            raise await _unanswered(client, case_id, update_id, command, bound) from None
        raise CommandRefused(f"Temporal refused the action: {error.message}.") from None
    if document is not None:
        store_document(settings.data_dir / "documents", document)
    return result


#: How long before the end of the wait the case must have accepted an action: time for the workflow task that
#: accepts it to finish, so that when the wait ends, an action not accepted can no longer be.
ACCEPTANCE_MARGIN = timedelta(seconds=10)


def accept_by(bound: timedelta) -> datetime:
    """The instant by which a command sent now must be accepted, within a wait of `bound`."""
    margin = min(ACCEPTANCE_MARGIN, bound / 3)
    return datetime.now(UTC) + bound - margin


async def _update_stage(client: Client, case_id: str, update_id: str) -> int:
    """How far Temporal got with an update: admitted, accepted or completed (0 when it does not know it)."""
    request = PollWorkflowExecutionUpdateRequest(
        namespace=client.namespace,
        update_ref=UpdateRef(workflow_execution=WorkflowExecution(workflow_id=case_id), update_id=update_id),
        identity=client.identity,
        wait_policy=WaitPolicy(
            lifecycle_stage=UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED
        ),
    )
    try:
        response = await client.workflow_service.poll_workflow_execution_update(request, timeout=timedelta(seconds=2))
    except RPCError:
        return 0
    return int(response.stage)


async def _unanswered(
    client: Client, case_id: str, update_id: str, command: Command, bound: timedelta
) -> CommandRefused:
    """What is known when a case has not answered within the bound: it accepted the action (so it is being
    carried out), or it did not, and then it never will, because the case refuses it after `accept_by`."""
    waited = int(bound.total_seconds())
    stage = await _update_stage(client, case_id, update_id)
    if stage >= UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED:
        return ActionStillRunning(
            f"{case_id} accepted the '{command.action}' but its result did not arrive within {waited} s; it is being "
            f"carried out. Check `govern status {case_id}` before doing anything else."
        )
    assert command.accept_by is not None
    return CommandRefused(
        f"No worker took the '{command.action}' on {case_id} within {waited} s, so it was not carried out, and it "
        f"will not be later: the case refuses it after {command.accept_by:%H:%M:%S} UTC. Nothing was changed; "
        "act again once a worker is running (`govern up` or `govern worker`)."
    )


def record_refusal(
    settings: Settings, store: EventStore | None, case_id: str, command: Command, rule: str, sentence: str
) -> None:
    """Put a refused attempt on the record. Best effort by design: the person has their sentence either way,
    and an installation with no store yet has no record to keep (a read never creates one)."""
    from runtime.refusals import record

    try:
        target = store or store_if_present(settings)
    except CommandRefused:
        return
    if target is None:
        return
    try:
        record(target, case_id, command, rule, sentence)
    except StoreError as error:
        log.warning("refused attempt on %s not recorded: %s", case_id, error)
    finally:
        if store is None:
            target.close()


def refuse_oversized(command: Command) -> None:
    """The size limits (`domain.limits`), before anything is sent: the case's validator would refuse the
    command too, but a payload above Temporal's own limit would never reach it."""
    try:
        limits.refuse_oversized_command(command)
    except NotAllowed as refusal:
        raise refused_by_rule(refusal) from None


def refuse_oversized_opening(case_id: str, opening: BaseModel) -> None:
    """An opening carries a command (a grant's submission) or its own fields (a plan's period and dates)."""
    command = getattr(opening, "command", None)
    if isinstance(command, Command):
        refuse_oversized(command)
        return
    try:
        limits.refuse_oversized(opening.model_dump(mode="json"), what=f"The opening of {case_id}")
    except NotAllowed as refusal:
        raise refused_by_rule(refusal) from None


def refuse_if_exists(settings: Settings, case_id: str, sentence: str) -> None:
    """Refuse to open a case the audit trail already has (no store yet means no case yet)."""
    store = store_if_present(settings)
    if store is None:
        return
    try:
        if store.current_version(case_id) > 0:
            raise CommandRefused(sentence)
    finally:
        store.close()


async def start_case(
    settings: Settings, case_id: str, workflow: Callable[..., Any], opening: BaseModel, client: Client | None = None
) -> Any:
    """Start the case's workflow and wait until its opening is on the audit trail (or say why it is not)."""
    refuse_oversized_opening(case_id, opening)
    client = await client_with_worker(settings, client)
    try:
        handle = await client.start_workflow(workflow, opening, id=case_id, task_queue=settings.task_queue)
    except WorkflowAlreadyStartedError:
        raise CommandRefused(f"Case {case_id} already exists; choose another reference.") from None
    deadline = time.monotonic() + OPENING_WAIT.total_seconds()
    store: EventStore | None = None
    try:
        while time.monotonic() < deadline:
            # A worker is running, so the store exists (workers create it); it may not have when this began.
            store = store or store_if_present(settings)
            state = case_state(store, case_id) if store is not None else None
            if state is not None:
                return state
            description = await handle.describe()
            if description.status is not None and description.status.name == "FAILED":
                try:
                    await handle.result()
                except Exception as error:  # noqa: BLE001 - the cause carries the refusal sentence
                    cause = getattr(error, "cause", None)
                    raise CommandRefused(
                        f"Case {case_id} was not opened: {getattr(cause, 'message', None) or error}."
                    ) from None
            await asyncio.sleep(0.2)
    finally:
        if store is not None:
            store.close()
    raise CommandRefused(
        f"Case {case_id} was started but nothing was recorded within {OPENING_WAIT.seconds} s; check the worker's log."
    )
