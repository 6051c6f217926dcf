"""Opening a case from another case, without making it a child: an approved Strategic Plan opens its Annual
Work Plans and quarterly reports over five years, and each must outlive the plan workflow's current run
(which continues as new every year). Idempotent: a case that already runs is left as it is."""

from typing import Any

from pydantic import BaseModel
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError


class StartCase(BaseModel):
    workflow: str
    case_id: str
    opening: dict[str, Any]


class CaseStarter:
    def __init__(self, client: Client, task_queue: str) -> None:
        self._client = client
        self._task_queue = task_queue

    @activity.defn(name="start_case")
    async def start_case(self, request: StartCase) -> bool:
        """True when this call opened it; False when it was already open (a retry)."""
        try:
            await self._client.start_workflow(
                request.workflow,
                request.opening,
                id=request.case_id,
                task_queue=self._task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
        except WorkflowAlreadyStartedError:
            return False
        return True
