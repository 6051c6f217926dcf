"""`govern appraisal launch` and `govern appraisal progress`: one year's appraisal cycle, without its content.

Launching checks everything it can first (the settings, the person launching, the scope, the phase dates,
who is already in the cycle) and changes nothing when it refuses. Progress reads the audit trail, where
appraisal content is sealed, so it needs no key and shows none.
"""

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import typer

from cli.appraisal_progress import as_of_instant, progress_data, progress_text
from cli.cases import _client_with_worker, _echo, load_org, open_store, refused_or
from cli.context import fail, settings_of
from domain import case
from domain.appraisal_cycle import APPRAISAL_CYCLE, AppraisalCycleState, cycle_case_id
from domain.appraisal_cycle_events import APPRAISAL_CYCLE_EVENTS, AppraisalsLaunched
from domain.case import Context
from domain.commands import Command
from domain.errors import NotAllowed
from runtime.settings import Settings
from runtime.store_access import store_if_present
from store.event_store import EventStore
from store.projections import case_state

if TYPE_CHECKING:
    from workflows.messages import ActResult

appraisal_app = typer.Typer(
    help="Annual performance appraisals: launch a cycle, follow its progress (never its content).",
    no_args_is_help=True,
)
OPENING_WAIT = timedelta(seconds=30)
NOTHING_TO_LAUNCH = "nothing-to-launch"


def require_content_key(settings: Settings) -> None:
    """Appraisal content must be encrypted before it reaches Temporal; without a key nothing is sent."""
    from runtime import case_commands

    refused_or(case_commands.require_content_key, settings)


def _phase_overrides(**days: date | None) -> dict[str, str]:
    return {name: day.isoformat() for name, day in days.items() if day is not None}


def _cycle_state(store: EventStore, cycle: int) -> AppraisalCycleState:
    state = case_state(store, cycle_case_id(cycle))
    return state if isinstance(state, AppraisalCycleState) else APPRAISAL_CYCLE.initial_state(cycle_case_id(cycle))


@appraisal_app.command("launch")
def launch(
    ctx: typer.Context,
    cycle: int = typer.Option(..., "--cycle", help="The year appraised, e.g. 2027."),
    unit: list[str] = typer.Option([], "--unit", help="Only this unit (repeatable; as in the organisation file)."),
    role: list[str] = typer.Option([], "--role", help="Only holders of this role (repeatable), e.g. management_team."),
    reporting_to: str | None = typer.Option(None, "--reporting-to", help="Only people this person supervises."),
    person: list[str] = typer.Option([], "--person", help="Only this person (repeatable)."),
    actor: str | None = typer.Option(None, "--as", help="Who launches: the Director (default) or the HR Officer."),
    objectives_due: datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Default 31 March."),
    mid_year_opens: datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Default 1 June."),
    mid_year_due: datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Default 31 July."),
    self_assessment_opens: datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Default 1 December."),
    self_assessment_due: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="Default 31 January of the next year."
    ),
    assessment_due: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="The supervisor's rating; default 28 February of the next year."
    ),
    second_review_due: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="Default 15 March of the next year."
    ),
    comment: str | None = typer.Option(None, "--comment", help="A note on the record."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Start the cycle for everyone in scope (all staff by default). Launching again adds only who is missing."""
    from runtime.case_commands import cli_channel

    settings = settings_of(ctx)
    require_content_key(settings)
    organisation = load_org(settings)
    launcher = actor or organisation.director().id
    phases = _phase_overrides(
        objectives_due=objectives_due and objectives_due.date(),
        mid_year_opens=mid_year_opens and mid_year_opens.date(),
        mid_year_due=mid_year_due and mid_year_due.date(),
        self_assessment_opens=self_assessment_opens and self_assessment_opens.date(),
        self_assessment_due=self_assessment_due and self_assessment_due.date(),
        assessment_due=assessment_due and assessment_due.date(),
        second_review_due=second_review_due and second_review_due.date(),
    )
    scope = {"units": unit, "roles": role, "reporting_to": reporting_to, "people": person}
    command = Command(
        action="launch",
        actor=launcher,
        fields={"cycle": cycle, "scope": scope, "phases": phases},
        comment=comment,
        channel=refused_or(cli_channel, settings),
    )
    case_id = cycle_case_id(cycle)
    present = refused_or(store_if_present, settings)
    state = _cycle_state(present, cycle) if present else APPRAISAL_CYCLE.initial_state(case_id)
    try:
        case.decide_command(APPRAISAL_CYCLE, state, command, Context(organisation=organisation, now=datetime.now(UTC)))
    except NotAllowed as refusal:
        if refusal.rule == NOTHING_TO_LAUNCH:
            _echo({"case": case_id, "launched": [], "message": refusal.sentence}, as_json, refusal.sentence)
            return
        fail(refusal.sentence)
    result = asyncio.run(_launch(settings, case_id, cycle, state, command))
    store = present or open_store(settings)
    launched = _last_launch(store, case_id, result)
    _wait_until_opened(store, launched["cases"])
    data = {"case": case_id, **launched}
    lines = [f"Launched {len(launched['cases'])} appraisal(s) in the {cycle} cycle ({case_id}):"]
    lines += [f"  {case_ref}" for case_ref in launched["cases"]]
    if launched["already_in_cycle"]:
        lines.append(f"Already in the cycle, left as they are: {', '.join(launched['already_in_cycle'])}.")
    for item in launched["skipped"]:
        lines.append(f"Not launched: {item['person']}: {item['reason']}")
    _echo(data, as_json, "\n".join(lines))


async def _launch(
    settings: Settings, case_id: str, cycle: int, state: AppraisalCycleState, command: Command
) -> "ActResult":
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.common import WorkflowIDConflictPolicy
    from temporalio.service import RPCError

    from runtime.opening_wait import act_once_opened
    from workflows.case_kind_workflows import workflow_for
    from workflows.messages import OpenAppraisalCycle

    client = await _client_with_worker(settings)
    opening = OpenAppraisalCycle(
        case_id=case_id, cycle=cycle, state=state.model_dump(mode="json") if state.version else None
    )
    try:
        handle = await client.start_workflow(
            workflow_for(case_id).run,
            opening,
            id=case_id,
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        return await act_once_opened(handle, command, rpc_timeout=timedelta(seconds=60))
    except WorkflowUpdateFailedError as error:
        fail(getattr(error.cause, "message", None) or str(error))
    except RPCError as error:
        fail(f"Temporal refused the launch: {error.message}.")


def _last_launch(store: EventStore, case_id: str, result: "ActResult") -> dict[str, Any]:
    for event in reversed(store.read_stream(case_id)):
        launch = APPRAISAL_CYCLE_EVENTS.parse(event)
        if isinstance(launch, AppraisalsLaunched):
            return launch.model_dump(mode="json", include={"cases", "already_in_cycle", "skipped"})
    fail(f"The launch was accepted ({', '.join(result.events)}) but is not on the audit trail; check the worker.")


def _wait_until_opened(store: EventStore, case_ids: list[str]) -> None:
    deadline = time.monotonic() + OPENING_WAIT.total_seconds()
    waiting = list(case_ids)
    while waiting and time.monotonic() < deadline:
        waiting = [case_id for case_id in waiting if store.current_version(case_id) == 0]
        if waiting:
            time.sleep(0.2)
    if waiting:
        fail(f"These appraisals were started but have not recorded their opening yet: {', '.join(waiting)}.")


@appraisal_app.command("progress")
def progress(
    ctx: typer.Context,
    cycle: int = typer.Argument(..., help="The year, e.g. 2027."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="Who was late at this instant (ISO-8601; UTC if no zone) [default: now]."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Completion per phase and who is late, from the audit trail. No objectives, comments or ratings."""
    settings = settings_of(ctx)
    now = datetime.now(UTC)
    if as_of is not None:
        instant = as_of_instant(as_of)
        if instant is None:
            fail(f"Invalid --as-of {as_of!r}: expected an ISO-8601 date or time, e.g. 2028-02-08T12:00:00Z.")
        now = instant
    store = open_store(settings)
    state = _cycle_state(store, cycle)
    if state.version == 0:
        fail(f"No {cycle} appraisal cycle has been launched (govern appraisal launch --cycle {cycle}).")
    data = progress_data(cycle, now, state, lambda case_id: case_state(store, case_id))
    _echo(data, as_json, progress_text(data, now))
