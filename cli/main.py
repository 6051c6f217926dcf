"""`govern`: the command line. It wires settings to the edges and holds no rules."""

import os
import sys
from pathlib import Path

import typer

from cli.context import fail
from runtime.settings import SettingError, load_settings

app = typer.Typer(
    name="govern",
    help="Governance workflows with deadline reminders, Board sign-offs and a verifiable audit trail.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: Path | None = typer.Option(None, help="State directory (env GOVERN_DATA_DIR; default var/)."),
    database_url: str | None = typer.Option(
        None, help="Audit store URL (env GOVERN_DATABASE_URL; default SQLite in the data dir)."
    ),
    organisation: Path | None = typer.Option(
        None, help="Organisation file (env GOVERN_ORGANISATION_FILE; default the example)."
    ),
    temporal_address: str | None = typer.Option(
        None, help="Temporal HOST:PORT (env GOVERN_TEMPORAL_ADDRESS; default localhost:7233)."
    ),
    namespace: str | None = typer.Option(
        None, help="Temporal namespace (env GOVERN_TEMPORAL_NAMESPACE; default default)."
    ),
    task_queue: str | None = typer.Option(None, help="Task queue (env GOVERN_TASK_QUEUE; default govern)."),
) -> None:
    try:
        ctx.obj = load_settings(
            data_dir=data_dir,
            database_url=database_url,
            organisation_file=organisation,
            temporal_address=temporal_address,
            temporal_namespace=namespace,
            task_queue=task_queue,
        )
    except SettingError as error:
        fail(str(error), code=2)


def _mount_subcommands() -> None:
    from cli import (
        actions,
        appraisal,
        audit,
        cases,
        codec_server,
        health,
        migrate,
        plan,
        policy,
        projections,
        reconcile,
        reference,
        serve,
        simulate,
        web,
    )

    app.command()(serve.up)
    app.command()(serve.worker)
    app.command()(web.web)
    app.command()(migrate.migrate)
    app.command()(health.health)
    app.add_typer(cases.grant_app, name="grant")
    app.command()(cases.act)
    app.command()(actions.actions)
    app.command()(cases.status)
    app.command()(cases.tasks)
    app.command()(simulate.simulate)
    app.command()(reference.reference)
    app.add_typer(policy.policy_app, name="policy")
    app.command()(policy.overdue)
    app.add_typer(plan.plan_app, name="plan")
    app.add_typer(appraisal.appraisal_app, name="appraisal")
    app.command(name="codec-server")(codec_server.codec_server)
    audit.app.command("reconcile")(reconcile.reconcile)
    app.add_typer(audit.app, name="audit")
    app.add_typer(projections.app, name="projections")


_mount_subcommands()


def _let_sdk_logs_arrive() -> None:
    """The SDK core hands its log lines to Python in batches a few milliseconds apart; a command that talked to
    Temporal waits for the last batch, so that a warning is on stderr rather than lost at exit."""
    temporal = sys.modules.get("runtime.temporal")
    if temporal is not None and temporal.sdk_runtime.cache_info().currsize:
        import time

        time.sleep(0.1)


def entry() -> None:
    """The console script. It leaves without interpreter finalisation, which can abort (SIGABRT) while the
    Temporal client's native threads are still winding down; output is flushed first, the exit code kept."""
    code: int = 0
    try:
        app()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # noqa: BLE001 - print it like Python would, then leave the same way
        import traceback

        traceback.print_exc()
        code = 1
    _let_sdk_logs_arrive()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
