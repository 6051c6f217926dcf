"""Governance steps per second (issue 3, "Performance"), against a bare Temporal update in the same run.

One real Temporal dev server (the `temporal` binary of this environment, in memory, nothing downloaded) runs
for the whole module, with two workers polling it from this process:

- ours: govern's own worker (`worker.build_worker`) with a SQLite audit store in a temporary directory under
  ``var/bench/`` (WAL, synchronous=FULL), the example organisation and file mail delivery. A step is one
  ``act`` update on an open Board vote (`BoardDecision` started directly, as a parent case would): the
  validator runs the domain's decide, the handler decides again, appends the `VoteCast` through the
  `record_events` local activity to the hash-chained store, evolves the state and upserts the search attributes.
  The timed steps are vote *changes* by four members in rotation (approve -> abstain -> reject -> ...): each
  one is accepted, appends one event, and never closes the vote (with at most 4 of 9 members responding,
  quorum (5) can still fail, so the outcome cannot be settled). The members' first votes, which also
  complete their tasks, are part of the warm-up; opening the case is not timed.
- baseline: ``BareSteps``, a workflow defined here whose update calls one trivial activity that returns its
  input (a sync local activity, like `record_events`), on a plain `temporalio.worker.Worker` with the same
  pydantic data converter, the same sandbox (`runtime.workflow_sandbox.workflow_runner`), the same activity
  executor (a 16-thread pool) and the same activity timeout, on its own task queue of the same server. Same
  update argument (the same `Command`), same number of updates, same concurrency.

Each round opens a fresh case (ours) and a fresh workflow (baseline), warms up with 20 updates, then times
`steps` sequential ``execute_update`` calls from one client, and the same with 4 clients on 4 cases. The two
contenders alternate, the order rotating every round; the figure is the best round of each (as in
bench_store.py).
"""

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from runtime.temporal import SERVER_STARTUP_TIMEOUT

with workflow.unsafe.imports_passed_through():
    from domain.commands import Command

OURS_QUEUE = "bench-govern"
BARE_QUEUE = "bench-bare"
WARM_UP = 20
CLIENTS = 4
# The dev server reads its transfer queue (which hands a new activity or workflow task to matching) at most 20
# times a second by default (history.transferProcessorMaxPollRPS). Once its burst is spent that pins any
# update that schedules an activity at 50 ms, ours and the baseline alike, and the ratio would say nothing
# about our own cost. Lifted for the benchmark only; `govern up` keeps the default.
DEV_SERVER_ARGS = ["--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000"]
# Four members change their votes in turn; with at most 4 of 9 responses the vote stays open (see above).
MEMBERS = ("board-chair", "board-member-2", "board-member-3", "board-member-4")
CHOICES = ("approve", "abstain", "reject")


def _sizes(quick: bool) -> dict[str, int]:
    if quick:
        return {"steps": 40, "rounds": 1}
    return {"steps": 300, "rounds": 5}


# -- the baseline: one update, one activity ---------------------------------------------------------------


@activity.defn(name="bare_echo")
def bare_echo(command: Command) -> Command:
    return command


@workflow.defn(name="BareSteps")
class BareStepsWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: False)  # open until terminated, like the Board votes here

    @workflow.update(name="step")
    async def step(self, command: Command) -> Command:
        return await workflow.execute_local_activity(
            bare_echo, command, start_to_close_timeout=timedelta(seconds=30), result_type=Command
        )


def _bare_worker(client: Client) -> Worker:
    from runtime.workflow_sandbox import workflow_runner

    return Worker(
        client,
        task_queue=BARE_QUEUE,
        workflows=[BareStepsWorkflow],
        activities=[bare_echo],
        activity_executor=concurrent.futures.ThreadPoolExecutor(max_workers=16),
        workflow_runner=workflow_runner(),
        graceful_shutdown_timeout=timedelta(seconds=10),
    )


# -- the steps --------------------------------------------------------------------------------------------


def _vote(index: int) -> Command:
    """The index-th step on a case: member index % 4, whose (index // 4)-th vote differs from the one before."""
    member = MEMBERS[index % len(MEMBERS)]
    return Command(action="vote", actor=member, fields={"choice": CHOICES[(index // len(MEMBERS)) % len(CHOICES)]})


class Contender:
    """Opens cases (untimed) and performs one step on a case."""

    def __init__(self, name: str, client: Client) -> None:
        self.name = name
        self.client = client
        self.opened: list[WorkflowHandle[Any, Any]] = []

    async def open(self) -> WorkflowHandle[Any, Any]:
        raise NotImplementedError

    async def step(self, handle: WorkflowHandle[Any, Any], index: int) -> None:
        raise NotImplementedError

    async def check(self, handle: WorkflowHandle[Any, Any], steps: int) -> None:
        """After the round: every step was accepted and recorded, and the case is still open."""

    async def finish(self) -> None:
        for handle in self.opened:
            await handle.terminate("benchmark round finished")
        self.opened.clear()


class Governance(Contender):
    def __init__(self, client: Client, store: Any) -> None:
        super().__init__("ours", client)
        self.store = store
        self.cases = 0

    async def open(self) -> WorkflowHandle[Any, Any]:
        from workflows.case_kind_workflows import workflow_for
        from workflows.messages import CaseView, OpenBoardDecision

        self.cases += 1
        case_id = f"grant/B-{self.cases}-{uuid.uuid4().hex[:6]}/board/1"
        handle = await self.client.start_workflow(
            workflow_for(case_id).run,
            OpenBoardDecision(
                case_id=case_id,
                procedure="vote",
                matter="Annual Work Plan 2028 (benchmark)",
                parent_case=case_id.removesuffix("/board/1"),
                requested_by="director",
            ),
            id=case_id,
            task_queue=OURS_QUEUE,
            result_type=CaseView,
        )
        self.opened.append(handle)
        for _ in range(400):
            if (await handle.query("view", result_type=CaseView)).version:
                return handle
            await asyncio.sleep(0.025)
        raise AssertionError(f"{case_id} did not open")

    async def step(self, handle: WorkflowHandle[Any, Any], index: int) -> None:
        from workflows.messages import ActResult

        result = await handle.execute_update("act", _vote(index), result_type=ActResult)
        if result.closed or "VoteCast" not in result.events:
            raise AssertionError(f"step {index} on {handle.id} was not a plain vote: {result}")

    async def check(self, handle: WorkflowHandle[Any, Any], steps: int) -> None:
        from workflows.messages import CaseView

        view = await handle.query("view", result_type=CaseView)
        trail = self.store.read_stream(handle.id)
        votes = [event for event in trail if event.type == "VoteCast"]
        assert not view.closed and view.version == len(trail), (view, len(trail))
        assert len(votes) == steps, (len(votes), steps)


class Bare(Contender):
    def __init__(self, client: Client) -> None:
        super().__init__("bare", client)

    async def open(self) -> WorkflowHandle[Any, Any]:
        handle = await self.client.start_workflow(
            BareStepsWorkflow.run, id=f"bench-bare-{uuid.uuid4().hex}", task_queue=BARE_QUEUE
        )
        self.opened.append(handle)
        return handle

    async def step(self, handle: WorkflowHandle[Any, Any], index: int) -> None:
        command = _vote(index)
        echoed = await handle.execute_update(BareStepsWorkflow.step, command)
        if echoed != command:
            raise AssertionError(f"the bare step returned {echoed}")


async def _round(contender: Contender, steps: int, clients: int) -> float:
    """Open `clients` cases, warm each up, then time `steps` updates spread over them; steps per second."""
    handles = [await contender.open() for _ in range(clients)]
    per_case = steps // clients

    async def drive(handle: WorkflowHandle[Any, Any], first: int, count: int) -> None:
        for index in range(first, first + count):
            await contender.step(handle, index)

    await asyncio.gather(*(drive(handle, 0, WARM_UP) for handle in handles))
    started = time.perf_counter()
    await asyncio.gather(*(drive(handle, WARM_UP, per_case) for handle in handles))
    elapsed = time.perf_counter() - started
    for handle in handles:
        await contender.check(handle, WARM_UP + per_case)
    await contender.finish()
    return per_case * clients / elapsed


async def _compare(contenders: list[Contender], steps: int, rounds: int, clients: int) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {contender.name: [] for contender in contenders}
    for round_number in range(rounds):
        # Rotate the order each round so that neither contender always runs first on a fresher server.
        shift = round_number % len(contenders)
        for contender in contenders[shift:] + contenders[:shift]:
            rates[contender.name].append(await _round(contender, steps, clients))
    return rates


async def _measure(sizes: dict[str, int], workdir: Path) -> dict[str, dict[str, list[float]]]:
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.testing import WorkflowEnvironment

    from activities.mail import MailDelivery
    from runtime import binaries
    from runtime.organisation_loader import load_organisation
    from runtime.search_attributes import register_search_attributes
    from runtime.settings import EXAMPLE_ORGANISATION
    from store.event_store import EventStore
    from store.verify import verify
    from worker import WorkerDependencies, build_worker

    store = EventStore.open(f"sqlite:///{workdir / 'audit.db'}")
    dependencies = WorkerDependencies(
        store=store,
        organisation=load_organisation(EXAMPLE_ORGANISATION),
        delivery=MailDelivery(smtp_url=None, mail_dir=workdir / "mail", mail_from="bench@example.org"),
    )
    env = await WorkflowEnvironment.start_local(
        dev_server_startup_timeout=SERVER_STARTUP_TIMEOUT,
        dev_server_existing_path=binaries.temporal_cli(),
        data_converter=pydantic_data_converter,
        ui=False,
        dev_server_log_level="warn",
        dev_server_extra_args=DEV_SERVER_ARGS,
    )
    try:
        await register_search_attributes(env.client, env.client.namespace)
        contenders: list[Contender] = [Governance(env.client, store), Bare(env.client)]
        async with build_worker(env.client, OURS_QUEUE, dependencies), _bare_worker(env.client):
            results = {
                "sequential": await _compare(contenders, sizes["steps"], sizes["rounds"], 1),
                "concurrent": await _compare(contenders, sizes["steps"], sizes["rounds"], CLIENTS),
            }
    finally:
        await env.shutdown()
        assert verify(store).ok
        store.close()
    return results


def _figure(rates: dict[str, list[float]], steps: int, clients: int) -> dict[str, Any]:
    ours, bare = max(rates["ours"]), max(rates["bare"])
    who = "1 client" if clients == 1 else f"{clients} clients on {clients} cases"
    return {
        "value": round(ours, 1),
        "unit": "steps/s",
        "baseline": (
            f"bare Temporal workflow, 1 update + 1 trivial sync local activity per step, same dev server, converter, "
            f"sandbox and activity executor; {steps} updates, {who}, best of {len(rates['ours'])} rounds"
        ),
        "baseline_value": round(bare, 1),
        "ratio": round(ours / bare, 3),
        "target": 0.7,
    }


@contextlib.contextmanager
def _production_logging() -> Iterator[None]:
    """The worker logs as `govern worker` does by default (JSON lines, level info), into /dev/null, so ours pays
    for its two log lines per step as in production and the bench's output stays readable; restored after."""
    import structlog

    from runtime.logging import configure_logging

    root = logging.getLogger()
    saved_handlers, saved_level, saved_structlog = root.handlers[:], root.level, structlog.get_config()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        with contextlib.redirect_stderr(sink):
            configure_logging("json", "info")
        try:
            yield
        finally:
            root.handlers[:] = saved_handlers
            root.setLevel(saved_level)
            structlog.configure(**saved_structlog)


def run(quick: bool = False) -> dict[str, dict[str, Any]]:
    quick = quick or os.environ.get("GOVERN_BENCH_QUICK") == "1"
    sizes = _sizes(quick)
    # Resolved here, not at import: the sandbox re-imports this module for BareSteps and forbids Path.resolve.
    bench_root = Path(__file__).resolve().parents[1] / "var" / "bench"
    bench_root.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="steps-", dir=bench_root))
    try:
        with _production_logging():
            results = asyncio.run(_measure(sizes, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for mode, rates in results.items():
        rounds = ", ".join(
            f"{name} {' / '.join(f'{rate:.0f}' for rate in values)} (median {statistics.median(values):.0f})"
            for name, values in rates.items()
        )
        print(f"# bench_steps {mode}: steps/s per round: {rounds}", file=sys.stderr)
    return {
        "steps.governance_vs_bare_update": _figure(results["sequential"], sizes["steps"], 1),
        f"steps.governance_vs_bare_update.{CLIENTS}_clients": _figure(results["concurrent"], sizes["steps"], CLIENTS),
    }
