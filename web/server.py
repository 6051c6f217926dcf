"""Serving the web front with uvicorn inside a running event loop, beside the worker (`govern up`) or alone
(`govern web`). The process's own signal handling stays in charge: uvicorn is told not to install its own, and
is stopped by `stop()`."""

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    def __init__(self, app: Starlette, host: str, port: int) -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self.host = host
        self.port = port

    async def start(self) -> None:
        """Listen, or raise OSError (the port is taken) before anything else starts."""
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()  # re-raise why it stopped
                raise OSError(f"The web front could not listen on {self.host}:{self.port}.")
            await asyncio.sleep(0.02)

    @property
    def stopped(self) -> asyncio.Task[None] | None:
        return self._task

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await self._task
