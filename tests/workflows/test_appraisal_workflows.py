"""Appraisals on a time-skipping server, encrypted end to end: the real workflows, worker, codec and store.

The content used here is marked with a fresh random token, so a search of what Temporal and the audit store
keep can only find it if it leaked there.
"""

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError

from activities.mail import MailDelivery
from domain.commands import Command
from domain.organisation import Organisation
from runtime.codec import KEY_ID_METADATA, CodecKeyError
from runtime.opening_wait import act_once_opened
from runtime.sealing import SEALED_KEY, sealer_from_settings
from runtime.settings import EXAMPLE_ORGANISATION, Settings
from simulation.expectations import check
from simulation.runner import run_scenario
from simulation.scenario import Scenario
from store.event_store import EventStore
from store.projections import case_state
from store.verify import verify
from tests.support.keys import new_key
from tests.workflows.conftest import Encrypted
from worker import WorkerDependencies, build_worker
from workflows.messages import ActResult, CaseView, OpenAppraisalCycle

REPO = Path(__file__).resolve().parents[2]
CASE = "appraisal/2027/fund-manager"


def secret_scenario(marker: str) -> dict[str, Any]:
    """The Fund Manager's whole 2027 appraisal, rated below 'fully meets', rebutted, and the rebuttal decided."""
    case = CASE

    def act(at: str, action: str, actor: str, fields: dict[str, Any] | None = None, comment: str | None = None):
        return {"at": at, "case": case, "action": action, "as": actor, "fields": fields or {}, "comment": comment}

    return {
        "start": "2027-01-11T08:00:00Z",
        "cases": [
            {"kind": "appraisal_cycle", "launch": {"cycle": 2027, "as": "hr-officer", "people": ["fund-manager"]}}
        ],
        "actions": [
            act(
                "2027-02-01T10:00:00+01:00", "propose-objectives", "fund-manager", {"objectives": f"objective {marker}"}
            ),
            act("2027-02-02T10:00:00+01:00", "agree-objectives", "director", {"decision": "agree"}, f"agreed {marker}"),
            act("2027-06-14T10:00:00+02:00", "sign-mid-year", "fund-manager", comment=f"mid-year {marker}"),
            act("2027-06-15T10:00:00+02:00", "sign-mid-year", "director"),
            act(
                "2028-01-10T10:00:00+01:00", "submit-self-assessment", "fund-manager", {"assessment": f"self {marker}"}
            ),
            act("2028-02-01T10:00:00+01:00", "rate", "director", {"rating": "partially_meets"}, f"rating {marker}"),
            act("2028-02-02T10:00:00+01:00", "second-review", "unops-regional-director", {"decision": "concur"}),
            act("2028-02-03T10:00:00+01:00", "acknowledge", "fund-manager", comment=f"ack {marker}"),
            act("2028-02-04T10:00:00+01:00", "rebut", "fund-manager", comment=f"rebuttal {marker}"),
            act(
                "2028-02-20T10:00:00+01:00",
                "decide-rebuttal",
                "rebuttal-reviewer",
                {"finding": "revised", "rating": "fully_meets"},
                f"finding {marker}",
            ),
        ],
        "expect": {
            "outcomes": {case: "completed"},
            "events": [
                {"case": case, "type": "RatingRebutted", "actor": "fund-manager"},
                {"case": case, "type": "RebuttalDecided", "actor": "rebuttal-reviewer"},
            ],
        },
    }


async def run_encrypted(
    encrypted: Encrypted, organisation: Organisation, store: EventStore, tmp_path: Path, data: dict[str, Any]
):
    scenario = Scenario.model_validate({"organisation": str(EXAMPLE_ORGANISATION), **data})
    outcome = await run_scenario(
        scenario,
        REPO / "examples",
        organisation,
        store,
        encrypted.settings,
        tmp_path / "mail",
        keep_histories=True,
        environment=encrypted.environment,
    )
    failures = outcome.problems + check(scenario.expect, outcome.events, outcome.stages, organisation)
    assert not failures, "\n".join(failures)
    return outcome


async def test_every_phase_runs_encrypted_and_nothing_confidential_reaches_temporal_or_the_store(
    encrypted: Encrypted, organisation: Organisation, audit_store: EventStore, tmp_path: Path
) -> None:
    marker = f"secret-{uuid.uuid4().hex}"
    await run_encrypted(encrypted, organisation, audit_store, tmp_path, secret_scenario(marker))

    # The Temporal server's own history, fetched without the key: ciphertext only.
    plain = encrypted.client_with(None)
    for workflow_id in ("appraisal/2027", CASE):
        history = await plain.get_workflow_handle(workflow_id).fetch_history()
        raw = b"".join(event.SerializeToString() for event in history.events)
        assert marker.encode() not in raw and marker not in history.to_json()
        for needle in (b"partially_meets", b'"rating"'):
            assert needle not in raw, f"{needle!r} is readable in the history of {workflow_id}"
        assert b"binary/encrypted" in raw
        # Search attributes are never encrypted (the server indexes them): they must carry nothing confidential.
        attributes = [
            event.upsert_workflow_search_attributes_event_attributes.search_attributes.SerializeToString()
            for event in history.events
            if event.HasField("upsert_workflow_search_attributes_event_attributes")
        ]
        assert attributes, f"{workflow_id} published no search attributes"
        for indexed in attributes:
            assert marker.encode() not in indexed and b"partially_meets" not in indexed

    # The audit store: content sealed on disk, the chain verifiable without a key, the content there with it.
    database = (tmp_path / "audit.db").read_bytes()
    assert marker.encode() not in database
    assert verify(audit_store).ok
    events = audit_store.read_stream(CASE)
    sealed = [event for event in events if SEALED_KEY in event.payload]
    assert {event.type for event in sealed} >= {"ObjectivesProposed", "AppraisalRated", "RatingRebutted"}
    sealer = sealer_from_settings(encrypted.settings)
    assert sealer is not None
    opened = {event.type: sealer.unseal(event) for event in sealed}
    assert opened["AppraisalRated"] == {"rating": "partially_meets", "comment": f"rating {marker}"}
    assert opened["RebuttalDecided"]["rating"] == "fully_meets"
    assert opened["AppraisalFinalised"] == {"rating": "fully_meets"}

    # The audit trail alone rebuilds the timeline (no key needed) and it matches what the workflow says.
    state = case_state(audit_store, CASE)
    assert state is not None and state.closed and state.outcome == "completed"
    view = await encrypted.environment.client.get_workflow_handle(CASE, result_type=CaseView).result()
    assert (view.stage, view.version) == (state.stage, state.version)
    assert marker not in repr(view.summary)


@asynccontextmanager
async def running(
    encrypted: Encrypted, settings: Settings, store: EventStore, organisation: Organisation, tmp_path: Path
) -> AsyncIterator[Client]:
    """A worker with these keys, and a client with the same keys, for as long as the block runs."""
    client = encrypted.client_with(settings)
    dependencies = WorkerDependencies(
        store=store,
        organisation=organisation,
        delivery=MailDelivery(None, tmp_path / "mail", settings.mail_from),
        sealer=sealer_from_settings(settings),
    )
    async with build_worker(client, settings.task_queue, dependencies, max_cached_workflows=0):
        yield client


async def open_fund_managers_appraisal(client: Client, settings: Settings, store: EventStore, objectives: str) -> None:
    """Launch the 2027 cycle for the Fund Manager alone and record their proposed objectives."""
    cycle = await client.start_workflow(
        "AppraisalCycle",
        OpenAppraisalCycle(case_id="appraisal/2027", cycle=2027),
        id="appraisal/2027",
        task_queue=settings.task_queue,
    )
    launch = Command(action="launch", actor="director", fields={"cycle": 2027, "scope": {"people": ["fund-manager"]}})
    await act_once_opened(cycle, launch)  # the cycle judges a launch once it has loaded the organisation
    await wait_for_version(store, CASE, 2)
    propose = Command(action="propose-objectives", actor="fund-manager", fields={"objectives": objectives})
    await client.get_workflow_handle(CASE).execute_update("act", propose, result_type=ActResult)


async def test_a_wrong_or_missing_key_cannot_read_an_appraisal(
    encrypted: Encrypted, organisation: Organisation, audit_store: EventStore, tmp_path: Path
) -> None:
    settings = encrypted.settings
    async with running(encrypted, settings, audit_store, organisation, tmp_path) as client:
        await open_fund_managers_appraisal(client, settings, audit_store, "grow the fund")
        right = client.get_workflow_handle(CASE)
        assert (await right.query("view", result_type=CaseView)).stage == "objectives"

        wrong = encrypted.client_with(Settings(codec_keys=f"k1:{new_key()}")).get_workflow_handle(CASE)
        with pytest.raises(CodecKeyError, match="the configured key 'k1' does not open it"):
            await wrong.query("view", result_type=CaseView)
        other = encrypted.client_with(Settings(codec_keys=f"k9:{new_key()}")).get_workflow_handle(CASE)
        with pytest.raises(CodecKeyError, match="encrypted with key 'k1': that key is not configured"):
            await other.query("view", result_type=CaseView)
        missing = encrypted.client_with(None).get_workflow_handle(CASE)
        with pytest.raises(Exception, match="binary/encrypted|encoding"):
            await missing.query("view", result_type=CaseView)


async def test_old_cases_still_decode_after_a_new_key_is_added(
    encrypted: Encrypted, organisation: Organisation, audit_store: EventStore, tmp_path: Path
) -> None:
    """Key rotation: an appraisal launched under k1 goes on under k1+k2 (active k2); both ids are in its history
    and its audit trail, and either key opens its own part."""
    old = encrypted.settings
    rotated = old.model_copy(update={"codec_keys": f"{old.codec_keys},k2:{new_key()}"})

    async with running(encrypted, old, audit_store, organisation, tmp_path) as client:
        await open_fund_managers_appraisal(client, old, audit_store, "k1 era")

    async with running(encrypted, rotated, audit_store, organisation, tmp_path) as client:
        handle = client.get_workflow_handle(CASE)
        agree = Command(action="agree-objectives", actor="director", fields={"decision": "agree"}, comment="k2 era")
        result = await handle.execute_update("act", agree, result_type=ActResult)
        assert result.stage == "mid_year"
        view = await handle.query("view", result_type=CaseView)
        assert {task.task_id for task in view.open_tasks} == {"mid-year-staff", "mid-year-supervisor"}

    history = await encrypted.client_with(None).get_workflow_handle(CASE).fetch_history()
    key_ids = key_ids_in(history.to_json())
    assert key_ids == {"k1", "k2"}

    events = {event.type: event for event in audit_store.read_stream(CASE)}
    assert events["ObjectivesProposed"].payload[SEALED_KEY]["key_id"] == "k1"
    assert events["ObjectivesAgreed"].payload[SEALED_KEY]["key_id"] == "k2"
    both = sealer_from_settings(rotated)
    assert both is not None
    assert both.unseal(events["ObjectivesProposed"]) == {"objectives": "k1 era"}
    assert both.unseal(events["ObjectivesAgreed"]) == {"comment": "k2 era"}


async def test_launching_twice_creates_no_duplicates_and_a_later_launch_adds_only_who_is_missing(
    encrypted: Encrypted, organisation: Organisation, audit_store: EventStore, tmp_path: Path
) -> None:
    team = ["head-of-programmes", "head-of-operations", "head-of-partnerships", "fund-manager", "hub-manager-hanoi"]
    cycle = "appraisal/2027"
    outcome = await run_encrypted(
        encrypted,
        organisation,
        audit_store,
        tmp_path,
        {
            "start": "2027-01-11T08:00:00Z",
            "cases": [{"kind": "appraisal_cycle", "launch": {"cycle": 2027, "roles": ["management_team"]}}],
            "actions": [
                {
                    "at": "2027-01-12T09:00:00Z",
                    "case": cycle,
                    "action": "launch",
                    "as": "director",
                    "fields": {"cycle": 2027, "scope": {"roles": ["management_team"]}},
                    "expect": "refused",
                    "refusal": "Nothing to launch: 5 in scope are already in the 2027 cycle",
                },
                {
                    "at": "2027-01-13T09:00:00Z",
                    "case": cycle,
                    "action": "launch",
                    "as": "hr-officer",
                    "fields": {"cycle": 2027, "scope": {"reporting_to": "director"}},
                },
                {
                    "at": "2027-01-14T09:00:00Z",
                    "case": cycle,
                    "action": "launch",
                    "as": "finance-officer",
                    "fields": {"cycle": 2027, "scope": {"units": ["Operations"]}},
                    "expect": "refused",
                    "refusal": "Only the Director or the HR Officer may launch",
                },
            ],
            "expect": {
                "events": [
                    {"case": cycle, "type": "AppraisalsLaunched", "actor": "director", "payload": {"people": team}},
                    {
                        "case": cycle,
                        "type": "AppraisalsLaunched",
                        "actor": "hr-officer",
                        "payload": {"people": ["internal-auditor"], "already_in_cycle": team},
                    },
                ]
            },
        },
    )
    launches = [event for event in outcome.events if event.type == "AppraisalsLaunched"]
    assert len(launches) == 2
    skipped = launches[0].payload["skipped"]
    assert [item["person"] for item in skipped] == ["director"]
    assert "no first reporting officer" in skipped[0]["reason"]
    opened = [event.stream_id for event in outcome.events if event.type == "AppraisalOpened"]
    assert sorted(opened) == sorted(f"appraisal/2027/{person}" for person in [*team, "internal-auditor"])


async def test_a_refused_appraisal_action_leaves_no_trace(
    encrypted: Encrypted, organisation: Organisation, audit_store: EventStore, tmp_path: Path
) -> None:
    settings = encrypted.settings
    async with running(encrypted, settings, audit_store, organisation, tmp_path) as client:
        await open_fund_managers_appraisal(client, settings, audit_store, "grow the fund")
        before = audit_store.current_version(CASE)
        handle = client.get_workflow_handle(CASE)
        updates_before = await accepted_updates(handle)
        refusals = (
            (
                Command(action="agree-objectives", actor="fund-manager", fields={"decision": "agree"}),
                "Nobody appraises",
            ),
            (
                Command(action="agree-objectives", actor="programme-officer-brussels", fields={"decision": "agree"}),
                "Only",
            ),
            (Command(action="rate", actor="director", fields={"rating": "exceeds"}), "no open step to rate"),
        )
        for command, sentence in refusals:
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await handle.execute_update("act", command, result_type=ActResult)
            assert sentence in str(refused.value.cause)
        assert audit_store.current_version(CASE) == before
        assert await accepted_updates(handle) == updates_before  # a refusal never enters Temporal's history


def key_ids_in(history_json: str) -> set[str]:
    """The key id of every encrypted payload in a history (Temporal's JSON: metadata values are base64)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            metadata = node.get("metadata")
            if isinstance(metadata, dict) and KEY_ID_METADATA in metadata:
                found.add(base64.b64decode(metadata[KEY_ID_METADATA]).decode())
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(history_json))
    return found


async def accepted_updates(handle: Any) -> int:
    history = await handle.fetch_history()
    return sum(1 for event in history.events if event.HasField("workflow_execution_update_accepted_event_attributes"))


async def wait_for_version(store: EventStore, case_id: str, version: int) -> None:
    for _ in range(200):
        if store.current_version(case_id) >= version:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id} did not reach version {version}")
