"""`govern audit reconcile` reads the appends that the store calls now make as local activities: each completed
`record_events` leaves a marker whose (encrypted) receipt names the events it recorded, and a batch the trail
has lost is named, as it was when the appends were ordinary activities."""

import sqlite3
import uuid
from pathlib import Path

from activities.audit import AuditActivities
from domain.organisation import Organisation
from runtime.reconcile import LOCAL_ACTIVITY_MARKER, history_facts, reconcile
from store.event_store import EventStore
from tests.workflows.conftest import Encrypted
from tests.workflows.test_appraisal_workflows import CASE, run_encrypted, secret_scenario
from workflows.case_kind_workflows import activity_type


async def test_reconcile_reads_local_appends_and_names_a_batch_the_trail_lost(
    encrypted: Encrypted, organisation: Organisation, audit_store: EventStore, tmp_path: Path
) -> None:
    await run_encrypted(encrypted, organisation, audit_store, tmp_path, secret_scenario(f"secret-{uuid.uuid4().hex}"))
    client = encrypted.environment.client
    history = await client.get_workflow_handle(CASE).fetch_history()
    scheduled = [
        event.activity_task_scheduled_event_attributes.activity_type.name
        for event in history.events
        if event.HasField("activity_task_scheduled_event_attributes")
    ]
    markers = [
        event.marker_recorded_event_attributes.marker_name
        for event in history.events
        if event.HasField("marker_recorded_event_attributes")
    ]
    assert activity_type(AuditActivities.record_events) not in scheduled
    assert LOCAL_ACTIVITY_MARKER in markers

    recorded, ended, refused = await history_facts(history, client.data_converter)
    stored = [event.event_id for event in audit_store.read_stream(CASE)]
    assert recorded == stored and len(stored) > 10
    assert ended is None and not refused
    # (The cycle itself was still open when the run ended it: that divergence is not this test's.)
    agreed = await reconcile(client, audit_store, [CASE])
    assert not [sentence for sentence in agreed.divergences if "missing from the audit trail" in sentence]

    lost = stored[-1]
    path = audit_store.engine.url.database
    assert path is not None
    with sqlite3.connect(path) as connection:  # someone removes a record by hand
        connection.execute("DROP TRIGGER audit_events_refuse_delete")
        connection.execute("DELETE FROM audit_events WHERE event_id = ?", (lost,))
    diverged = await reconcile(client, audit_store, [CASE])
    assert any(
        f"of {CASE} recorded 1 event(s) that are missing from the audit trail (first: {lost})" in sentence
        for sentence in diverged.divergences
    ), diverged.divergences
