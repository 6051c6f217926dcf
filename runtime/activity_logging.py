"""The worker's activity interceptor: every log line an activity writes carries its workflow id, run id and
activity name. Its own module, so that a command that only talks to Temporal never loads the worker's SDK."""

from typing import Any

import structlog
from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor


class LoggingInterceptor(Interceptor):
    """Binds the workflow id, run id and activity name to every log line an activity writes."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _BindActivityContext(next)


class _BindActivityContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        with structlog.contextvars.bound_contextvars(
            workflow_id=info.workflow_id, run_id=info.workflow_run_id, activity=info.activity_type
        ):
            return await self.next.execute_activity(input)
