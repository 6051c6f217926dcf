"""Running a scenario on the time-skipping test server, so months of deadlines pass in seconds.

The worker, the workflows, the activities and the audit store are the real ones. Scenario time is mapped onto
the server's clock by a fixed offset given to every case, so a scenario dated in any year runs today.
"""

import asyncio
import base64
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain import case, limits
from domain.case_kinds import decider_for, is_confidential
from domain.commands import Channel, Command
from domain.errors import NotAllowed
from domain.grant import GRANT
from domain.organisation import Organisation
from domain.organisation_file import OrganisationInvalid, parse_organisation
from domain.policy_register import register_case_id
from runtime.binaries import temporal_test_server
from runtime.codec import AesGcmCodec, data_converter, decode_history_json
from runtime.documents import DocumentError, store_document, with_document_hash
from runtime.file_loading import invalid
from runtime.opening_wait import act_once_opened
from runtime.organisation_loader import OrganisationFileError, load_organisation
from runtime.sealing import sealer_from_settings
from runtime.search_attributes import register_search_attributes
from runtime.settings import Settings
from runtime.temporal import SERVER_STARTUP_TIMEOUT
from simulation.scenario import Action, CaseOpening, Scenario, load_application, timeline
from store.event_store import EventStore
from store.models import StoredEvent
from store.projections import all_events, case_state, case_versions
from workflows.case_kind_workflows import workflow_for
from workflows.messages import ActResult, CaseView, OpenAppraisalCycle, OpenCase, OpenPlan, OpenRegister

SETTLE_TIMEOUT = 60.0
#: How often an unsettled run looks again: the worker is in this process, so what it waits for is a few ms away.
SETTLE_POLL = 0.01
ONE_OFF_KEY_ID = "simulation-one-off"


SIMULATION_CHANNEL = Channel(name="simulation")


class SimulationError(Exception):
    pass


@dataclass(frozen=True)
class Seen:
    """What the settle needs of a case: its version, whether it is closed, its next timer and its children."""

    version: int
    closed: bool
    next_wake: datetime | None
    children: list[str]


@dataclass(frozen=True)
class Refusal:
    """An action the cases refused, with the sentence a person would have read."""

    at: str
    case: str
    action: str
    actor: str
    sentence: str
    expected: bool


@dataclass
class Outcome:
    events: list[StoredEvent]
    stages: dict[str, tuple[str, str | None]]
    problems: list[str] = field(default_factory=list)
    histories: dict[str, str] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)


def quiet_runtime() -> Runtime:
    """The SDK core warns that the test server is not a production server; a simulation knows that."""
    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
        )
    )


def closed_case_refusal(store: EventStore, case_id: str) -> str | None:
    """The domain's sentence for a case whose workflow has ended, read from its audit trail."""
    state = case_state(store, case_id)
    if state is None:
        return None
    try:
        case.refuse_if_closed(state)
    except NotAllowed as refusal:
        return refusal.sentence
    return None


def needs_encryption(scenario: Scenario) -> bool:
    return any(opening.kind == "appraisal_cycle" for opening in scenario.cases) or any(
        is_confidential(action.case) for action in scenario.actions
    )


def content_settings(scenario: Scenario, settings: Settings) -> Settings:
    """The settings whose keys encrypt the run: GOVERN_CODEC_KEYS when set; for a scenario with appraisals and
    no key, a one-off key that lives only as long as the run (its sealed content is then unreadable after)."""
    if settings.codec_keys or not needs_encryption(scenario):
        return settings
    key = base64.b64encode(os.urandom(32)).decode()
    return settings.model_copy(update={"codec_keys": f"{ONE_OFF_KEY_ID}:{key}", "codec_active_key": None})


def scenario_organisation(scenario: Scenario, base: Path) -> Organisation:
    """The scenario's organisation, from its file or inline; `OrganisationFileError` naming every problem."""
    if isinstance(scenario.organisation, dict):
        try:
            return parse_organisation(yaml.safe_dump(scenario.organisation))
        except OrganisationInvalid as error:
            problem = invalid("the scenario's inline organisation", None, error.errors)
            raise OrganisationFileError(str(problem), problem.problems) from None
    path = scenario.organisation if scenario.organisation.is_absolute() else base / scenario.organisation
    return load_organisation(path)


def simulation_store(settings: Settings, name: str) -> tuple[EventStore, Path]:
    """GOVERN_DATABASE_URL when given; else a fresh SQLite file for this scenario under the data dir."""
    folder = settings.data_dir / "simulations" / name
    if settings.database_url:
        return EventStore.open(settings.database_url), folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return EventStore.open(f"sqlite:///{(folder / 'audit.db').resolve()}"), folder


class ScenarioRun:
    def __init__(
        self,
        scenario: Scenario,
        base: Path,
        organisation: Organisation,
        store: EventStore,
        client: Client,
        environment: WorkflowEnvironment,
        task_queue: str,
        offset: timedelta,
        documents_dir: Path,
    ) -> None:
        self.scenario = scenario
        self.base = base
        self.organisation = organisation
        self.store = store
        self.client = client
        self.environment = environment
        self.task_queue = task_queue
        self.offset = offset
        self.problems: list[str] = []
        self.children: set[str] = set()
        self.documents_dir = documents_dir
        self.log: list[str] = []
        self.refusals: list[Refusal] = []
        self.cases: list[str] = []
        # Each case as last seen in step with the store, from its view or an accepted command's result.
        self.views: dict[str, Seen] = {}
        # The server's time when last read, and this process's monotonic clock then (see `scenario_now`).
        self._server_clock: tuple[datetime, float] | None = None

    async def scenario_now(self) -> datetime:
        """Scenario time. The server's clock is read once after each skip and carried forward by this process's
        monotonic clock until the next: between skips the time-skipping server's clock runs at real speed, and
        asking it (a round trip) several times for every command cost more than the command."""
        if self._server_clock is None:
            self._server_clock = (await self.environment.get_current_time(), time.monotonic())
        read, read_at = self._server_clock
        return read + timedelta(seconds=time.monotonic() - read_at) + self.offset

    async def advance_to(self, instant: datetime) -> None:
        delta = instant - await self.scenario_now()
        if delta > timedelta(0):
            await self.environment.sleep(delta)
            self._server_clock = None
        await self.settle()

    async def settle(self) -> None:
        """Wait until every case has recorded what was due by now and every child case has begun."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            if await self._settled():
                return
            if time.monotonic() > deadline:
                raise SimulationError("The cases did not settle within 60 s; see the worker's log.")
            await asyncio.sleep(SETTLE_POLL)

    async def _settled(self) -> bool:
        now = await self.scenario_now()
        # Every case's version in the store, in one indexed read of the projections.
        recorded = case_versions(self.store)
        # Children a long-lived case started before it continued as new are remembered here, not in its view.
        pending = [*self.cases, *self.children]
        seen: set[str] = set()
        while pending:
            case_id = pending.pop()
            if case_id in seen:
                continue
            seen.add(case_id)
            last = self.views.get(case_id)
            if (
                last is not None
                and last.version == recorded.get(case_id, 0)
                and (last.closed or last.next_wake is None or last.next_wake > now)
            ):
                # Nothing was recorded for the case since its last view, and none of its timers is due: asking
                # again would return the same view (and for a closed case replay its whole history in a fresh
                # sandbox to say so). The store answers instead.
                pending.extend(last.children)
                continue
            try:
                view = await self.client.get_workflow_handle(case_id).query("view", result_type=CaseView)
            except RPCError:
                return False
            if view.version == 0 or self.store.current_version(case_id) != view.version:
                return False
            if not view.closed and view.next_wake is not None and view.next_wake <= now:
                return False
            self.saw(case_id, Seen(view.version, view.closed, view.next_wake, view.children))
            pending.extend(view.children)
        return True

    def saw(self, case_id: str, seen: Seen) -> None:
        """Remember the case as it stood in step with the store, and the children it has started."""
        self.views[case_id] = seen
        self.children.update(seen.children)

    def remember(self, result: ActResult) -> None:
        """An accepted command's result says where the case stood once it was recorded: the settle that follows
        need not ask the workflow again (it still does if the store has moved on since)."""
        if result.version is not None:
            self.saw(result.case_id, Seen(result.version, result.closed, result.next_wake, result.children))

    async def open_case(self, opening: CaseOpening) -> None:
        if opening.kind == "policy_register":
            await self.open_register(opening)
            return
        if opening.kind == "strategic_plan":
            await self.open_plan(opening)
            return
        if opening.kind == "appraisal_cycle":
            await self.open_appraisal_cycle(opening)
            return
        fields = opening.application
        if fields is None:
            assert opening.file is not None
            fields = load_application(opening.file, self.base)  # checked when the scenario loaded
        case_id = f"grant/{fields.get('reference')}"
        command = Command(
            action="submit", actor=str(fields.get("submitted_by", "")), fields=fields, channel=SIMULATION_CHANNEL
        )
        try:
            case.decide_command(
                GRANT,
                GRANT.initial_state(case_id),
                command,
                case.Context(organisation=self.organisation, now=await self.scenario_now()),
            )
        except NotAllowed as refusal:
            self.problems.append(f"Case {case_id} could not be opened: {refusal.sentence}")
            return
        await self.client.start_workflow(
            workflow_for(case_id).run,
            OpenCase(case_id=case_id, command=command, clock_offset_seconds=self.offset.total_seconds()),
            id=case_id,
            task_queue=self.task_queue,
        )
        self.cases.append(case_id)
        self.log.append(f"{(await self.scenario_now()):%Y-%m-%d %H:%M} open {case_id}")
        await self.settle()

    async def open_plan(self, opening: CaseOpening) -> None:
        plan = opening.plan
        assert plan is not None
        handle = await self.client.start_workflow(
            workflow_for(plan.case_id).run,
            OpenPlan(
                case_id=plan.case_id,
                start_year=plan.start_year,
                end_year=plan.end_year,
                milestones=plan.milestones,
                consultation_closes=plan.consultation_closes,
                requested_by=plan.requested_by,
                clock_offset_seconds=self.offset.total_seconds(),
            ),
            id=plan.case_id,
            task_queue=self.task_queue,
        )
        await self._opened(plan.case_id, handle)

    async def open_appraisal_cycle(self, opening: CaseOpening) -> None:
        """Start the cycle's workflow and send its first launch, as `govern appraisal launch` does."""
        launch = opening.launch
        assert launch is not None
        handle = await self.client.start_workflow(
            workflow_for(launch.case_id).run,
            OpenAppraisalCycle(
                case_id=launch.case_id, cycle=launch.cycle, clock_offset_seconds=self.offset.total_seconds()
            ),
            id=launch.case_id,
            task_queue=self.task_queue,
        )
        when = f"{(await self.scenario_now()):%Y-%m-%d %H:%M}"
        command = Command(
            action="launch",
            actor=launch.actor,
            fields=launch.fields(),
            comment=launch.comment,
            channel=SIMULATION_CHANNEL,
        )
        try:
            result = await act_once_opened(handle, command)
        except WorkflowUpdateFailedError as error:
            sentence = getattr(error.cause, "message", None) or str(error)
            self.problems.append(f"The {launch.cycle} appraisal cycle could not be launched at {when}: {sentence}")
            await handle.terminate("launch refused")
            return
        self.cases.append(launch.case_id)
        self.remember(result)
        self.log.append(f"{when} launch {launch.case_id}: {', '.join(result.events)}")
        await self.settle()

    async def _opened(self, case_id: str, handle: WorkflowHandle) -> None:
        """Wait for the opening to be recorded, or report the sentence that refused it."""
        for _ in range(600):
            if self.store.current_version(case_id) > 0:
                self.cases.append(case_id)
                self.log.append(f"{(await self.scenario_now()):%Y-%m-%d %H:%M} open {case_id}")
                await self.settle()
                return
            description = await handle.describe()
            if description.status is not None and description.status.name == "FAILED":
                try:
                    await handle.result()
                except Exception as error:  # noqa: BLE001 - its cause carries the refusal sentence
                    cause = getattr(error, "cause", None)
                    self.problems.append(f"Case {case_id} was not opened: {getattr(cause, 'message', error)}")
                return
            await asyncio.sleep(0.05)
        raise SimulationError(f"Case {case_id} did not record its opening within 30 s.")

    async def open_register(self, opening: CaseOpening) -> None:
        assert opening.instrument is not None
        try:
            self.organisation.instrument(opening.instrument)
        except LookupError as error:
            self.problems.append(f"Register {opening.instrument} could not be opened: {error}")
            return
        case_id = register_case_id(opening.instrument)
        await self.client.start_workflow(
            workflow_for(case_id).run,
            OpenRegister(
                case_id=case_id, instrument=opening.instrument, clock_offset_seconds=self.offset.total_seconds()
            ),
            id=case_id,
            task_queue=self.task_queue,
        )
        self.cases.append(case_id)
        self.log.append(f"{(await self.scenario_now()):%Y-%m-%d %H:%M} open {case_id}")
        await self.settle()

    async def perform(self, action: Action) -> None:
        try:
            # Hashed now, stored once the case accepts the command, as `govern act` does.
            fields, document = with_document_hash(action.fields, self.base)
        except DocumentError as error:
            self.problems.append(str(error))
            return
        command = Command(
            action=action.action,
            actor=action.actor,
            fields=fields,
            comment=action.comment,
            channel=SIMULATION_CHANNEL,
        )
        when = f"{(await self.scenario_now()):%Y-%m-%d %H:%M}"
        try:
            limits.refuse_oversized_command(command)  # as every edge does before sending
            decider_for(action.case)
            result = await self.client.get_workflow_handle(action.case).execute_update(
                "act", command, result_type=ActResult
            )
        except NotAllowed as refusal:
            self.refused(action, when, refusal.sentence)
            return
        except WorkflowUpdateFailedError as error:
            self.refused(action, when, getattr(error.cause, "message", None) or str(error))
            return
        except RPCError as error:
            self.refused(action, when, closed_case_refusal(self.store, action.case) or f"failed: {error.message}")
            return
        except Exception as error:  # noqa: BLE001 - an unknown case id is reported like any refusal
            self.problems.append(f"{action.action} on {action.case} at {when} failed: {error}")
            return
        if document is not None:
            store_document(self.documents_dir, document)
        self.remember(result)
        self.log.append(f"{when} {action.case} {action.action} by {action.actor}: {', '.join(result.events)}")
        if action.expect == "refused":
            self.problems.append(
                f"{action.action} by {action.actor} on {action.case} at {when} was expected to be "
                "refused, but it was accepted."
            )
        await self.settle()

    def refused(self, action: Action, when: str, sentence: str) -> None:
        """Record the refusal the scenario's author reads, and whether it is the one the scenario expected."""
        self.log.append(f"{when} {action.case} {action.action} by {action.actor}: refused: {sentence}")
        self.refusals.append(
            Refusal(
                at=when,
                case=action.case,
                action=action.action,
                actor=action.actor,
                sentence=sentence,
                expected=action.expect == "refused",
            )
        )
        if action.expect == "accepted":
            self.problems.append(
                f"{action.action} by {action.actor} on {action.case} at {when} was refused: {sentence}"
            )
        elif action.refusal and action.refusal.lower() not in sentence.lower():
            self.problems.append(
                f"{action.action} by {action.actor} on {action.case} was refused, but with "
                f"'{sentence}', which does not contain '{action.refusal}'."
            )

    async def run(self) -> None:
        for at, _, item in timeline(self.scenario):
            await self.advance_to(at)
            if isinstance(item, CaseOpening):
                await self.open_case(item)
            else:
                await self.perform(item)
        if self.scenario.until is not None:
            await self.advance_to(self.scenario.until)

    def outcome(self) -> Outcome:
        events = list(all_events(self.store))
        stages: dict[str, tuple[str, str | None]] = {}
        for stream_id in dict.fromkeys(event.stream_id for event in events):
            state = case_state(self.store, stream_id)
            if state is not None:
                stages[stream_id] = (state.stage, state.outcome)
        return Outcome(events=events, stages=stages, problems=list(self.problems), refusals=list(self.refusals))

    async def stop_open_cases(self) -> None:
        """A shared server outlives the run: end what is still open so it does not wait for a gone worker."""
        for case_id in [*self.cases, *sorted(self.children)]:
            try:
                await self.client.get_workflow_handle(case_id).terminate("simulation finished")
            except RPCError:
                pass  # already closed

    async def histories(self, stream_ids: list[str]) -> dict[str, str]:
        """Each case's Temporal history, decrypted when the run encrypted it: the replay test replays them
        without a key (their content is the scenario's invented text)."""
        codec = self.client.data_converter.payload_codec
        found: dict[str, str] = {}
        for stream_id in stream_ids:
            history = await self.client.get_workflow_handle(stream_id).fetch_history()
            text = history.to_json()
            found[stream_id] = decode_history_json(text, codec) if isinstance(codec, AesGcmCodec) else text
        return found


async def run_scenario(
    scenario: Scenario,
    base: Path,
    organisation: Organisation,
    store: EventStore,
    settings: Settings,
    mail_dir: Path,
    keep_histories: bool = False,
    environment: WorkflowEnvironment | None = None,
) -> Outcome:
    """Run the scenario with a real worker; on a time-skipping server of its own unless one is given."""
    settings = content_settings(scenario, settings)
    if environment is None:
        environment = await WorkflowEnvironment.start_time_skipping(
            test_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
            test_server_existing_path=temporal_test_server(),
            data_converter=data_converter(settings),
            runtime=quiet_runtime(),
        )
        try:
            return await run_scenario(
                scenario, base, organisation, store, settings, mail_dir, keep_histories, environment
            )
        finally:
            await environment.shutdown()
    from activities.mail import MailDelivery
    from worker import WorkerDependencies, build_worker

    await register_search_attributes(environment.client, environment.client.namespace)
    dependencies = WorkerDependencies(
        store=store,
        organisation=organisation,
        delivery=MailDelivery(
            smtp_url=None, mail_dir=mail_dir, mail_from=settings.mail_from, public_url=settings.public_url
        ),
        sealer=sealer_from_settings(settings),
    )
    worker = build_worker(environment.client, settings.task_queue, dependencies)
    async with worker:
        offset = scenario.start - await environment.get_current_time()
        run = ScenarioRun(
            scenario,
            base,
            organisation,
            store,
            environment.client,
            environment,
            settings.task_queue,
            offset,
            mail_dir.parent / "documents",
        )
        try:
            await run.run()
            outcome = run.outcome()
            # Every simulation also proves that the engine and the trail agree (govern audit reconcile).
            from runtime.reconcile import reconcile

            reconciliation = await reconcile(environment.client, store, [*run.cases, *run.children])
            outcome.problems.extend(f"Reconcile: {sentence}" for sentence in reconciliation.divergences)
            if keep_histories:
                outcome.histories = await run.histories(list(outcome.stages))
            return outcome
        finally:
            await run.stop_open_cases()
