"""The executor a simulation's worker runs its workflow activations on: the loop's own thread, outside any task,
with a watchdog for an activation that never returns."""

import asyncio
import threading
import time
from pathlib import Path

import pytest
import yaml

import simulation.runner as runner
from runtime.inline_activations import InlineActivations

APPLICATION = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "examples" / "grants" / "kampala-upgrading.yaml").read_text()
)


async def test_an_activation_runs_on_the_loops_thread_outside_any_task_and_the_loop_stays_registered() -> None:
    activations = InlineActivations()
    loop = asyncio.get_running_loop()
    seen: dict[str, object] = {}

    def activate(value: int) -> int:
        seen["thread"] = threading.get_ident()
        seen["task"] = asyncio.current_task(loop)
        # The workflow's own loop, run inside an activation, unregisters itself when it stops.
        asyncio._set_running_loop(None)
        return value * 2

    try:
        assert await loop.run_in_executor(activations, activate, 21) == 42
    finally:
        activations.shutdown()
    assert seen["thread"] == threading.get_ident()
    assert seen["task"] is None
    assert asyncio.get_running_loop() is loop
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("inline-activations")]


async def test_an_activations_error_reaches_the_awaiting_worker() -> None:
    activations = InlineActivations()

    def activate() -> None:
        raise RuntimeError("the workflow failed")

    try:
        with pytest.raises(RuntimeError, match="the workflow failed"):
            await asyncio.get_running_loop().run_in_executor(activations, activate)
    finally:
        activations.shutdown()


async def test_an_activation_that_never_returns_stops_the_run_with_a_sentence() -> None:
    stopped: list[str] = []
    activations = InlineActivations(stuck_after=0.2, on_stuck=stopped.append)
    try:
        # Blocking the loop's thread is what a deadlocked workflow does; the watchdog runs on its own thread.
        await asyncio.get_running_loop().run_in_executor(activations, time.sleep, 1.0)
    finally:
        activations.shutdown()
    assert len(stopped) == 1
    assert "deadlock in workflow code" in stopped[0]
    assert "more than 0.2 s" in stopped[0]


async def test_activations_that_return_in_time_raise_no_alarm() -> None:
    stopped: list[str] = []
    activations = InlineActivations(stuck_after=0.2, on_stuck=stopped.append)
    loop = asyncio.get_running_loop()
    try:
        for _ in range(5):
            await loop.run_in_executor(activations, time.sleep, 0.05)
            await asyncio.sleep(0.1)
    finally:
        activations.shutdown()
    assert stopped == []


async def test_a_simulations_worker_runs_its_activations_inline(run_inline, monkeypatch) -> None:
    submitted: list[str] = []
    real = InlineActivations.submit

    def counting(self, fn, /, *args, **kwargs):
        submitted.append(getattr(fn, "__name__", ""))
        return real(self, fn, *args, **kwargs)

    monkeypatch.setattr(runner.InlineActivations, "submit", counting)
    await run_inline(
        {
            "start": "2027-05-03T06:00:00Z",
            "cases": [{"application": {**APPLICATION, "reference": "T-INLINE-1"}, "at": "2027-05-03T09:00:00+02:00"}],
            "expect": {"stages": {"grant/T-INLINE-1": "screening"}},
        }
    )
    assert "activate" in submitted
