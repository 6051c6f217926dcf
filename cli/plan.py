"""`govern plan start FILE` and `govern plan status`: the Strategic Plan, its Annual Work Plans and reports."""

from datetime import UTC, datetime
from pathlib import Path

import typer

from cli import desk_text
from cli.cases import _echo, load_org, loaded, open_store, opened_case, refused_or
from cli.context import fail, settings_of
from domain.case import Context
from domain.errors import NotAllowed
from domain.strategic_plan import open_strategic_plan
from runtime.file_loading import load_model
from store.projections import plan_status

plan_app = typer.Typer(help="The Strategic Plan, its Annual Work Plans and quarterly reports.", no_args_is_help=True)


@plan_app.command("start")
def start(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="start_year, end_year, milestones, consultation_closes, requested_by"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Open a Strategic Plan cycle (case plan/<start>-<end>)."""
    from runtime.case_commands import refuse_if_exists
    from simulation.scenario import PlanOpening
    from workflows.messages import OpenPlan

    settings = settings_of(ctx)
    plan = loaded(load_model, file, PlanOpening, "the plan file")
    context = Context(organisation=load_org(settings), now=datetime.now(UTC))
    try:
        open_strategic_plan(
            plan.case_id,
            plan.start_year,
            plan.end_year,
            plan.milestones,
            plan.consultation_closes,
            plan.requested_by,
            context,
        )
    except NotAllowed as refusal:
        fail(refusal.sentence)
    refused_or(refuse_if_exists, settings, plan.case_id, f"Case {plan.case_id} already exists.")
    opening = OpenPlan(
        case_id=plan.case_id,
        start_year=plan.start_year,
        end_year=plan.end_year,
        milestones=plan.milestones,
        consultation_closes=plan.consultation_closes,
        requested_by=plan.requested_by,
    )
    state = opened_case(settings, plan.case_id, opening)
    _echo({"case": plan.case_id, "stage": state.stage}, as_json, f"Opened {plan.case_id}: stage {state.stage}.")


@plan_app.command("status")
def status(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Each plan's milestones, Annual Work Plans and reports, with what is overdue."""
    settings = settings_of(ctx)
    store = open_store(settings)
    now = datetime.now(UTC)
    data = plan_status(store, now)
    typer.echo(desk_text.dumps(data) if as_json else desk_text.plan_status_text(data))
