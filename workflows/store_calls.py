"""The calls a case makes to its own worker's store and calendar: the append of a batch, the organisation
snapshot and the steps' schedules.

They run as local activities: in the worker that runs the workflow, with no round trip through the Temporal
server, so a person's command is recorded and answered in one workflow task rather than three. Each is short,
and idempotent (an append is keyed by its events' ids, the other two only read), which is what a local activity
needs: one that is retried after a crash does no harm. Their results are kept in history as markers, so a
replay still never calls them again.

Histories recorded before this change ran them as ordinary activities, and replay that way (the patch below);
`runtime.reconcile` reads both forms.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

#: The patch that moved the store calls to local activities (a marker in every history recorded since).
LOCAL_STORE_CALLS = "store-calls-as-local-activities"
STORE_TIMEOUT = timedelta(seconds=30)
STORE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))

Result = TypeVar("Result")


async def call_store(method: Callable[..., Result], *args: Any) -> Result:
    """Run one store or calendar activity method (with its one argument, if it takes one) for this case: as a
    local activity on a history recorded since the patch, as an ordinary activity on one recorded before."""
    options: dict[str, Any] = {"start_to_close_timeout": STORE_TIMEOUT, "retry_policy": STORE_RETRY}
    if workflow.patched(LOCAL_STORE_CALLS):
        result: Any = await workflow.execute_local_activity_method(method, args=list(args), **options)
    else:
        result = await workflow.execute_activity_method(method, args=list(args), **options)
    return result
