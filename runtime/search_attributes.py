"""The search attributes every case carries, so `temporal workflow list --query` and the Web UI can filter
cases. None of them holds confidential content."""

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.service import RPCError, RPCStatusCode

CASE_KIND = SearchAttributeKey.for_keyword("GovernCaseKind")
STAGE = SearchAttributeKey.for_keyword("GovernStage")
AMOUNT_USD = SearchAttributeKey.for_float("GovernAmountUsd")
ASSIGNEE = SearchAttributeKey.for_keyword_list("GovernAssignees")
NEXT_DUE = SearchAttributeKey.for_datetime("GovernNextDueAt")

ALL = (CASE_KIND, STAGE, AMOUNT_USD, ASSIGNEE, NEXT_DUE)


async def register_search_attributes(client: Client, namespace: str) -> list[str]:
    """Register the project's search attributes through the operator service (idempotent); the names added.

    The dev server lists what it has; the time-skipping test server cannot list, so there every attribute is
    added and "already exists" is taken as done."""
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(existing.custom_attributes) | set(existing.system_attributes)
    except RPCError as error:
        if error.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        known = set()
    # The request's map holds the protobuf enum's values, which temporalio's IntEnum mirrors.
    missing = {key.name: IndexedValueType.ValueType(key.indexed_value_type) for key in ALL if key.name not in known}
    if missing:
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
            )
        except RPCError as error:
            if error.status != RPCStatusCode.ALREADY_EXISTS:
                raise
    return sorted(missing)
