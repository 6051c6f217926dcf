"""Sending the first command to a case that has only just started.

A case's Update validator checks every command against the case's rules, and those need the organisation,
which the workflow loads through an activity once it has started. A command that arrives before that (the
first launch of an appraisal cycle, sent right after its start) is refused with the rule `opening` and never
enters history. So the sender first asks the case (the `ready` query) whether it can judge commands yet, then
sends; a refusal for `opening` all the same starts the wait again.
"""

import asyncio
import time
from datetime import timedelta

from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.commands import Command
from workflows.messages import ActResult

OPENING_RULE = "opening"
ASK_EVERY = timedelta(milliseconds=50)
GIVE_UP_AFTER = timedelta(seconds=30)


def still_opening(error: WorkflowUpdateFailedError) -> bool:
    cause = error.cause
    return isinstance(cause, ApplicationError) and cause.type == "NotAllowed" and OPENING_RULE in cause.details


async def act_once_opened(handle: WorkflowHandle, command: Command, rpc_timeout: timedelta | None = None) -> ActResult:
    """The case's answer to `command`, sent once the case can judge it; any refusal but 'still opening' (or
    that one after GIVE_UP_AFTER) is raised as it came."""
    give_up = time.monotonic() + GIVE_UP_AFTER.total_seconds()
    while True:
        while not await handle.query("ready", result_type=bool) and time.monotonic() < give_up:
            await asyncio.sleep(ASK_EVERY.total_seconds())
        try:
            return await handle.execute_update("act", command, result_type=ActResult, rpc_timeout=rpc_timeout)
        except WorkflowUpdateFailedError as error:
            if not still_opening(error) or time.monotonic() > give_up:
                raise
        await asyncio.sleep(ASK_EVERY.total_seconds())
