"""What a Temporal history's first events are, in words a test can compare: event types, with the patch id of
each patch marker and `local_activity` for a local activity's result."""

import base64
import json
from typing import Any

LOCAL_ACTIVITY = "local_activity"
TASK_BOUNDARY = "WORKFLOW_TASK_SCHEDULED"
MEMO = "WORKFLOW_PROPERTIES_MODIFIED"


def _marker(attributes: dict[str, Any]) -> str:
    if attributes["markerName"] == "core_local_activity":
        return LOCAL_ACTIVITY
    if attributes["markerName"] == "core_patch":
        data = attributes["details"]["patch-data"]["payloads"][0]["data"]
        return "patch:" + json.loads(base64.b64decode(data))["id"]
    return "marker:" + attributes["markerName"]


def shape(history_json: str) -> list[str]:
    """Every event of the history (Temporal's JSON form), named as above."""
    names = []
    for event in json.loads(history_json)["events"]:
        marker = event.get("markerRecordedEventAttributes")
        names.append(_marker(marker) if marker else event["eventType"].removeprefix("EVENT_TYPE_"))
    return names


def first_task_split(history_json: str) -> bool:
    """Whether the first workflow task ended with a local activity's result, leaving what follows it to the next
    task (what a query arriving while the activity ran can do)."""
    names = shape(history_json)
    result = names.index(LOCAL_ACTIVITY)
    return names[result + 1] == TASK_BOUNDARY
