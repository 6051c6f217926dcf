"""Workflow activations run on the event loop's own thread, for `govern simulate`.

Temporal's Python worker hands every workflow activation to a thread pool and waits for it on the event loop,
so that it can notice an activation that never yields (a deadlock in workflow code) and fail its workflow task
after two seconds. A simulation drives one worker, its client and its activities from one process, one step at a
time: there every activation crosses to a pool thread and back, and both crossings wait for the interpreter lock
that the loop's own work holds. On the governance year that is about six thousand round trips on the path of
each step.

`InlineActivations` is the executor a simulation's worker is given instead. Each activation runs on the loop's
thread as soon as the loop is free (through `call_soon`, outside any task's step, as the SDK's own debug mode
runs it), with the sandbox, its restrictions and the workflow code unchanged. What the thread bought is kept by a
watchdog: an activation that has not returned after `stuck_after` seconds is a workflow that will never yield,
and the watchdog stops the run with a sentence that says so (`on_stuck`), where the SDK would have failed the
workflow task and retried it for ever. Production workers (`govern up`, `govern worker`) keep the SDK's pool.
"""

import asyncio
import concurrent.futures
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

#: An activation that runs this long is taken for a deadlock. A replay of the longest case history takes a
#: fraction of a second; the SDK's own bound is two seconds, this one leaves room for a slow machine.
STUCK_AFTER = 30.0


def _stop_the_run(sentence: str) -> None:
    import os

    print(sentence, file=sys.stderr, flush=True)
    os._exit(1)


class InlineActivations(concurrent.futures.ThreadPoolExecutor):
    """A thread pool in type only (the SDK's parameter asks for one and calls nothing but `submit`): it never
    starts a thread for an activation."""

    def __init__(self, stuck_after: float = STUCK_AFTER, on_stuck: Callable[[str], None] = _stop_the_run) -> None:
        super().__init__(max_workers=1, thread_name_prefix="inline-activations")
        self._stuck_after = stuck_after
        self._on_stuck = on_stuck
        self._running_since: float | None = None
        self._closed = threading.Event()
        self._watchdog: threading.Thread | None = None

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        """Run `fn` on the loop's thread once the loop is free; its future is settled when it returns."""
        loop = asyncio.get_running_loop()
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._start_watchdog()

        def activate() -> None:
            if not future.set_running_or_notify_cancel():
                return
            self._running_since = time.monotonic()
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:  # noqa: BLE001 - handed to the awaiting worker, as a pool thread would
                future.set_exception(error)
            finally:
                self._running_since = None
                # The workflow's own event loop, run inside `fn`, unregisters itself as the running loop on exit.
                asyncio._set_running_loop(loop)

        loop.call_soon(activate)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._closed.set()
        super().shutdown(wait=wait, cancel_futures=cancel_futures)

    def _start_watchdog(self) -> None:
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name="activation-watchdog", daemon=True)
            self._watchdog.start()

    def _watch(self) -> None:
        interval = min(1.0, self._stuck_after / 4)
        while not self._closed.wait(interval):
            since = self._running_since
            if since is not None and time.monotonic() - since > self._stuck_after:
                self._on_stuck(
                    f"The simulation stopped: a workflow activation ran for more than {self._stuck_after:g} s "
                    "without yielding, which is a deadlock in workflow code; nothing after it was simulated."
                )
                return
