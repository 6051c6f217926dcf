"""The thin orchestration every case workflow shares.

It asks the decider for events, resolves the due dates of new steps through the calendar activity, appends
the events through the audit activity, evolves the state, sends the notices, and sleeps until the next
recorded reminder, escalation or deadline. It holds no rule: every rule is in `domain/`.
"""

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.audit import AppendRequest, AuditActivities
    from activities.notify import NotifyActivities
    from activities.organisation import OrganisationActivities
    from domain import cancellation, case, case_runner, undeliverable
    from domain.case import CaseDecider, Context, State
    from domain.case_kinds import kind_of
    from domain.commands import SYSTEM_CHANNEL, TIMER_CHANNEL, Channel, Command, EventDraft
    from domain.errors import NotAllowed
    from domain.events import DomainEvent
    from domain.notice import Notice
    from domain.notices import notices_for
    from domain.organisation import Organisation
    from runtime import search_attributes
    from workflows.messages import ActResult, CaseView, OpenTask
    from workflows.store_calls import call_store

# Mail may be down for hours; the notice waits in Temporal's retries rather than being lost, and goes out within
# a few minutes of mail coming back. The activity itself gives up after GOVERN_NOTICE_GIVE_UP_HOURS.
NOTICE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=3))
# The search attributes a case kind may contribute (`domain.case_kinds.CaseKind.search_values`), by plain name.
CONTRIBUTED_ATTRIBUTES = {"amount_usd": search_attributes.AMOUNT_USD}


Workflow = TypeVar("Workflow")
Params = ParamSpec("Params")
Result = TypeVar("Result")


def records_cancellation(
    run: Callable[Concatenate[Workflow, Params], Awaitable[Result]],
) -> Callable[Concatenate[Workflow, Params], Awaitable[Result]]:
    """Put under a case workflow's `@workflow.run`: a cancellation requested through Temporal is recorded on
    the case's trail (see `domain.cancellation`) before the workflow ends as cancelled. Cancellations that are
    not requests (an inner task's, a cache eviction's) pass through untouched."""

    @functools.wraps(run)
    async def run_recording_cancellation(self: Any, *args: Params.args, **kwargs: Params.kwargs) -> Result:
        try:
            return await run(self, *args, **kwargs)
        except asyncio.CancelledError:
            reason = workflow.cancellation_reason()
            if reason is None:
                raise
            await self.runtime.record_cancellation(reason)
            raise

    return run_recording_cancellation


class CaseRuntime(Generic[State]):
    def __init__(self, decider: CaseDecider[State], state: State, clock_offset_seconds: float = 0.0) -> None:
        self.decider = decider
        self.state = state
        self.case_kind = kind_of(state.case_id)
        self.organisation: Organisation | None = None
        self.clock_offset = timedelta(seconds=clock_offset_seconds)
        self._lock = asyncio.Lock()
        self._changed = False
        self._notices: list[Any] = []
        self.on_committed: list[Any] = []
        self.children: list[str] = []
        self.dependants: list[asyncio.Task[Any]] = []
        self._published_attributes: list[tuple[str, Any]] = []
        self._in_flight: list[DomainEvent] | None = None
        # The validator's answer to the command it last accepted, and what it was judged against.
        self._validated: tuple[State, Command, Context, list[EventDraft]] | None = None

    # -- time and context -------------------------------------------------------------------------------------
    def now(self) -> datetime:
        return workflow.now() + self.clock_offset

    def context(self) -> Context:
        if self.organisation is None:
            raise NotAllowed(f"Case {self.state.case_id} is still opening; try again in a moment.", rule="opening")
        return Context(organisation=self.organisation, now=self.now())

    async def load_organisation(self) -> None:
        self.organisation = await call_store(OrganisationActivities.organisation_snapshot)

    # -- commands ---------------------------------------------------------------------------------------------
    def validate(self, command: Command) -> None:
        """The Update validator: a refused command never enters the workflow's history."""
        self._validated = None
        try:
            context = self.context()
            drafts = case.decide_command(self.decider, self.state, command, context)
        except NotAllowed as refusal:
            raise ApplicationError(
                refusal.sentence, refusal.rule or "", type="NotAllowed", non_retryable=True
            ) from None
        self._validated = (self.state, command, context, drafts)

    def _decide(self, command: Command, context: Context) -> list[EventDraft]:
        """The decider's answer to a command being handled. The validator's is taken when it judged this very
        command against this very state and organisation at this instant (the handler usually runs in the same
        workflow task); otherwise, and always on replay (where validators do not run), the decider is asked again."""
        validated, self._validated = self._validated, None
        if validated is not None:
            state, judged, judged_in, drafts = validated
            if (
                state is self.state
                and judged is command
                and judged_in.organisation is context.organisation
                and judged_in.now == context.now
            ):
                return drafts
        return case.decide_command(self.decider, self.state, command, context)

    async def handle(self, command: Command) -> ActResult:
        async with self._lock:
            try:
                drafts = self._decide(command, self.context())
            except NotAllowed as refusal:  # the state moved between validation and handling
                raise ApplicationError(
                    refusal.sentence, refusal.rule or "", type="NotAllowed", non_retryable=True
                ) from None
            events = await self.commit(drafts, command.channel)
        workflow.logger.info(
            "command accepted",
            extra={"actor": command.actor, "action": command.action, "events": [event.type for event in events]},
        )
        return self.result(events)

    async def open(self, command: Command) -> list[DomainEvent]:
        """The opening command: checked by the same rules; a refusal fails the case before anything is recorded."""
        await self.load_organisation()
        async with self._lock:
            try:
                drafts = case.decide_command(self.decider, self.state, command, self.context())
            except NotAllowed as refusal:
                raise ApplicationError(
                    refusal.sentence, refusal.rule or "", type="NotAllowed", non_retryable=True
                ) from None
            return await self.commit(drafts, command.channel)

    async def apply(self, decision: Callable[[State, Context], list[EventDraft]]) -> list[DomainEvent]:
        """Record what the domain decides about something other than a person's command (a child's outcome)."""
        async with self._lock:
            try:
                drafts = case.with_reactions(
                    self.decider, self.state, decision(self.state, self.context()), self.context()
                )
            except NotAllowed as refusal:  # e.g. an opening whose dates do not hold: fail, record nothing
                raise ApplicationError(
                    refusal.sentence, refusal.rule or "", type="NotAllowed", non_retryable=True
                ) from None
            return await self.commit(drafts, SYSTEM_CHANNEL)

    def result(self, events: list[DomainEvent]) -> ActResult:
        return ActResult(
            case_id=self.state.case_id,
            events=[event.type for event in events],
            stage=self.state.stage,
            closed=self.state.closed,
            outcome=self.state.outcome,
            version=self.state.version,
            next_wake=case.next_wake(self.state),
            children=list(self.children),
        )

    # -- the commit: schedules, append, evolve, notices --------------------------------------------------------
    async def commit(self, drafts: list[EventDraft], channel: Channel | None = None) -> list[DomainEvent]:
        """Append the drafts as one batch. Each event records the channel of what caused it (a person's command,
        a timer, the engine itself) in its payload, so the trail says how its actor was identified. The steps
        are `domain.case_runner`'s; only the calendar, the instant, the ids and the append are Temporal's."""
        if not drafts:
            return []
        drafts = await self._resolve_schedules(case_runner.with_channel(drafts, channel))
        event_ids = [str(workflow.uuid4()) for _ in drafts]
        events = case_runner.as_events(self.state.case_id, drafts, self.now(), event_ids)
        # Kept until the append returns: a cancellation that interrupts it appends the same batch again (the
        # event ids make that a no-op if it had landed), so the state never falls behind the trail.
        self._in_flight = events
        await self._append(events)
        self._in_flight = None
        return await self._committed(events)

    async def _append(self, events: list[DomainEvent]) -> None:
        info = workflow.info()
        await call_store(
            AuditActivities.record_events,
            AppendRequest(
                stream_id=self.state.case_id,
                expected_version=self.state.version,
                events=events,
                workflow_id=info.workflow_id,
                run_id=info.run_id,
            ),
        )

    async def _committed(self, events: list[DomainEvent]) -> list[DomainEvent]:
        assert self.organisation is not None
        for event, state in zip(events, case_runner.states_after(self.decider, self.state, events), strict=True):
            self.state = state
            for notice in notices_for(event, state, self.organisation):
                self._send(notice)
        self._changed = True
        self._publish_search_attributes()
        for listener in self.on_committed:
            await listener(events)
        return events

    async def _resolve_schedules(self, drafts: list[EventDraft]) -> list[EventDraft]:
        wanted = case_runner.awaiting_schedule(drafts)
        if not wanted:
            return drafts
        schedules = await call_store(
            OrganisationActivities.plan_schedules, case_runner.schedule_requests(drafts, wanted)
        )
        return case_runner.scheduled(drafts, wanted, schedules)

    def _send(self, notice: Notice) -> None:
        delivery = workflow.start_activity_method(
            NotifyActivities.send_notice, notice, start_to_close_timeout=timedelta(minutes=2), retry_policy=NOTICE_RETRY
        )
        self._notices.append(asyncio.create_task(self._delivered(delivery, notice)))

    async def _delivered(self, delivery: Awaitable[Any], notice: Notice) -> None:
        """Wait for one notice; one that can never be delivered goes on the record and to someone else."""
        try:
            await delivery
        except ActivityError as error:
            cause = error.cause
            if not isinstance(cause, ApplicationError) or cause.type != "UndeliverableNotice":
                raise
            assert self.organisation is not None
            draft, fallback = undeliverable.undeliverable(notice, cause.message, self.state, self.organisation)
            async with self._lock:
                await self.commit([draft], SYSTEM_CHANNEL)
            if fallback is not None:
                self._send(fallback)
            else:
                workflow.logger.error(
                    "notice undeliverable and nobody else to tell",
                    extra={"message_id": notice.message_id, "recipient": notice.recipient_id},
                )

    def _publish_search_attributes(self) -> None:
        wake = case.next_wake(self.state)
        due = [task.due_at for task in self.state.tasks.values() if task.due_at is not None]
        updates: list[SearchAttributeUpdate[Any]] = [
            search_attributes.CASE_KIND.value_set(self.state.kind),
            search_attributes.STAGE.value_set(self.state.stage),
            search_attributes.ASSIGNEE.value_set(sorted({task.assignee for task in self.state.tasks.values()})),
        ]
        for name, value in self.case_kind.search_values(self.state).items():
            updates.append(CONTRIBUTED_ATTRIBUTES[name].value_set(value))
        next_due = min(due) if due else wake
        if next_due is not None:
            updates.append(search_attributes.NEXT_DUE.value_set(next_due))
        else:
            updates.append(search_attributes.NEXT_DUE.value_unset())
        # Each upsert is a history event and a visibility write: only changes are sent (histories recorded before
        # this change upserted after every commit, and replay that way).
        values = [(update.key.name, getattr(update, "value", None)) for update in updates]
        if workflow.patched("search-attributes-on-change") and values == self._published_attributes:
            return
        self._published_attributes = values
        workflow.upsert_search_attributes(updates)

    # -- timers -----------------------------------------------------------------------------------------------
    async def run_until_closed(self) -> None:
        """Sleep until the next recorded instant; fire what is due; repeat until the case closes."""
        await self.run_until(lambda: self.state.closed)
        await self.drain_notices()

    async def run_until(self, done: Callable[[], bool]) -> None:
        """The timer loop, until `done()` (a long-lived case stops it to start a child or continue as new)."""
        while not done() and not self.state.closed:
            wake = case.next_wake(self.state)
            self._changed = False
            if wake is None:
                await workflow.wait_condition(lambda: self._changed or done() or self.state.closed)
            else:
                delay = (wake - self.now()).total_seconds()
                if delay > 0:
                    try:
                        await workflow.wait_condition(
                            lambda: self._changed or done() or self.state.closed, timeout=timedelta(seconds=delay)
                        )
                    except TimeoutError:
                        pass
            async with self._lock:
                drafts = case.decide_timers(self.decider, self.state, self.context())
                if drafts:
                    await self.commit(drafts, TIMER_CHANNEL)

    async def record_cancellation(self, reason: str | None) -> None:
        """A cancellation requested through Temporal: the cases this one waits on are cancelled first (each
        records its own), then this case records `CaseCancelled` and closes with outcome `cancelled`."""
        for dependant in self.dependants:
            dependant.cancel()
        if self.dependants:
            await asyncio.gather(*self.dependants, return_exceptions=True)
        if self._in_flight is not None:
            events, self._in_flight = self._in_flight, None
            await self._append(events)
            await self._committed(events)
        async with self._lock:
            if self.organisation is None:
                await self.load_organisation()
            await self.commit(cancellation.cancel_case(self.state, reason), SYSTEM_CHANNEL)
        await self.drain_notices()

    async def drain_notices(self) -> None:
        """A case finishes only when every notice it caused has been delivered (or recorded as undeliverable,
        with its fallback delivered in turn)."""
        while self._notices:
            pending, self._notices = self._notices, []
            await asyncio.gather(*pending)

    # -- queries ----------------------------------------------------------------------------------------------
    def view(self) -> CaseView:
        state = self.state
        return CaseView(
            case_id=state.case_id,
            kind=state.kind,
            stage=state.stage,
            version=state.version,
            closed=state.closed,
            outcome=state.outcome,
            open_tasks=[
                OpenTask(
                    task_id=task.task_id,
                    kind=task.kind,
                    title=task.title,
                    assignee=task.assignee,
                    action=task.action,
                    due_at=task.due_at,
                )
                for task in state.tasks.values()
            ],
            next_wake=case.next_wake(state),
            children=list(self.children),
            summary=self.decider.stage_summary(state),
        )
