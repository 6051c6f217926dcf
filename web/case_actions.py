"""Acting on a case from the web: `runtime.case_commands.send_command` with one Temporal connection that the
process keeps (connected on first use, again after a failure), instead of a connection per request."""

import asyncio

from temporalio.client import Client

from domain.commands import Command
from domain.organisation import Organisation
from runtime.case_commands import send_command
from runtime.command_refused import CommandRefused
from runtime.documents import Document
from runtime.settings import Settings
from runtime.temporal import TemporalUnavailable, connect
from store.event_store import EventStore
from workflows.messages import ActResult


class CaseActions:
    def __init__(
        self, settings: Settings, organisation: Organisation, store: EventStore, client: Client | None = None
    ) -> None:
        self._settings = settings
        self._organisation = organisation
        self._store = store
        self._client = client
        self._connecting = asyncio.Lock()

    def use(self, client: Client) -> None:
        """Share a client the process already has (the worker's, under `govern up`)."""
        self._client = client

    async def _connected(self) -> Client:
        async with self._connecting:
            if self._client is None:
                try:
                    self._client = await connect(self._settings)
                except TemporalUnavailable as error:
                    raise CommandRefused(f"{error} Nothing was changed.") from None
            return self._client

    @property
    def client(self) -> Client | None:
        """The connection, once there is one (a health check does not open one of its own)."""
        return self._client

    async def act(self, case_id: str, command: Command, document: Document | None = None) -> ActResult:
        """The same checks and the same sentence as `govern act`; CommandRefused when nothing was recorded in
        the case. The `document` the command names by hash is stored once the command is accepted."""
        client = await self._connected()
        return await send_command(
            self._settings, self._organisation, self._store, case_id, command, client, document=document
        )
