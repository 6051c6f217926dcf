"""`govern policy …` and `govern overdue`: the governance instruments' registers, reviews and attestations,
and every overdue step across all processes. All of it is read from the audit trail's projections."""

from datetime import UTC, datetime

import typer

from cli import desk_text
from cli.cases import _echo, load_org, open_store, perform, zone_in
from cli.context import fail, settings_of
from cli.register_list import history_text, register_rows, register_text
from domain.attestation import attestation_status
from domain.policy_register import (
    PolicyRegisterState,
    register_case_id,
    version_history,
)
from domain.policy_review import PolicyReviewState, review_case_id
from store.event_store import EventStore
from store.projections import case_state, overdue_tasks

policy_app = typer.Typer(
    help="Governance instruments: registers, reviews, attestations, history.", no_args_is_help=True
)
review_app = typer.Typer(help="Policy reviews.", no_args_is_help=True)
policy_app.add_typer(review_app, name="review")


def _register(store: EventStore, instrument: str) -> PolicyRegisterState | None:
    state = case_state(store, register_case_id(instrument))
    assert state is None or isinstance(state, PolicyRegisterState)  # a register's id is folded by its rules
    return state


def _review(store: EventStore, instrument: str, number: int) -> PolicyReviewState | None:
    state = case_state(store, review_case_id(instrument, number))
    assert state is None or isinstance(state, PolicyReviewState)  # a review's id is folded by its rules
    return state


def _instrument_or_fail(settings, instrument: str):
    organisation = load_org(settings)
    try:
        return organisation, organisation.instrument(instrument)
    except LookupError:
        known = ", ".join(item.id for item in organisation.instruments) or "none"
        fail(f"Unknown instrument '{instrument}'; the organisation file has: {known}.")


@policy_app.command("list")
def list_instruments(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The instruments, their owners, current versions, next review dates, and what is overdue."""
    settings = settings_of(ctx)
    organisation = load_org(settings)
    store = open_store(settings)
    rows = register_rows(organisation, lambda instrument: _register(store, instrument), datetime.now(UTC))
    _echo(rows, as_json, register_text(rows))


@review_app.command("start")
def start_review(
    ctx: typer.Context,
    instrument: str = typer.Argument(..., help="e.g. charter"),
    actor: str = typer.Option(..., "--as", help="The owner, the Director or the Compliance Officer."),
    comment: str | None = typer.Option(None, "--comment", help="Why it starts early."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Start the review of an instrument now, ahead of its due date."""
    settings = settings_of(ctx)
    _instrument_or_fail(settings, instrument)
    perform(settings, register_case_id(instrument), "start-review", actor, {}, comment, as_json)


@policy_app.command("attestations")
def attestations(
    ctx: typer.Context,
    instrument: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Who has acknowledged the instrument's latest published version, and who has not."""
    settings = settings_of(ctx)
    _instrument_or_fail(settings, instrument)
    store = open_store(settings)
    register = _register(store, instrument)
    if register is None or not register.reviews_started:
        fail(f"The {instrument} register has no review yet, so there is nothing to acknowledge.")
    review = _review(store, instrument, register.reviews_started)
    if review is None or review.published is None:
        fail(f"The open review of {instrument} has not published a version yet.")
    status = attestation_status(review, datetime.now(UTC))
    data = {"review": review.case_id, "version": review.published.version, "people": status}
    lines = [f"{review.case_id}, version {review.published.version}:"]
    lines += [f"  {person:<32} {state}" for person, state in sorted(status.items(), key=lambda item: item[1])]
    _echo(data, as_json, "\n".join(lines))


@policy_app.command("history")
def history(
    ctx: typer.Context,
    instrument: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Every version with its hash, dates, approver and decision reference."""
    settings = settings_of(ctx)
    _instrument_or_fail(settings, instrument)
    register = _register(open_store(settings), instrument)
    if register is None:
        fail(f"The {instrument} register has not started; `govern up` starts one per instrument.")
    rows = version_history(register)
    _echo(rows, as_json, history_text(rows))


def overdue(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every overdue step across all processes, grouped by person."""
    settings = settings_of(ctx)
    grouped = desk_text.overdue_data(overdue_tasks(open_store(settings), datetime.now(UTC)))
    if as_json:
        data = {person: [desk_text.task_json(row) for row in rows] for person, rows in grouped.items()}
        typer.echo(desk_text.dumps(data))
    else:
        typer.echo(desk_text.overdue_text(grouped, zone_in(load_org(settings))))
