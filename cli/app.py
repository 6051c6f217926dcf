"""The Typer app behind `govern`, built from the command table in `cli.commands`.

`build_app(only=...)` mounts just the command being run (importing nothing the others need); `build_app()`
mounts them all, for tests and for a command name Typer must say is unknown.
"""

import importlib
from pathlib import Path
from typing import Any

import typer

from cli.commands import BY_NAME, COMMANDS, DESCRIPTION, GLOBAL_OPTIONS, CommandEntry
from cli.context import fail
from runtime.settings import SettingError, load_settings


def _target(entry: CommandEntry) -> Any:
    module, _, attribute = entry.target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _option(name: str) -> Any:
    option = next(option for option in GLOBAL_OPTIONS if option.setting == name)
    return typer.Option(None, option.flag, help=option.help)


def _settings_callback(
    ctx: typer.Context,
    data_dir: Path | None = _option("data_dir"),
    database_url: str | None = _option("database_url"),
    organisation_file: Path | None = _option("organisation_file"),
    temporal_address: str | None = _option("temporal_address"),
    temporal_namespace: str | None = _option("temporal_namespace"),
    task_queue: str | None = _option("task_queue"),
) -> None:
    try:
        ctx.obj = load_settings(
            data_dir=data_dir,
            database_url=database_url,
            organisation_file=organisation_file,
            temporal_address=temporal_address,
            temporal_namespace=temporal_namespace,
            task_queue=task_queue,
        )
    except SettingError as error:
        fail(str(error), code=2)


def _mount(app: typer.Typer, entry: CommandEntry) -> None:
    target = _target(entry)
    if entry.group:
        app.add_typer(target, name=entry.name)
    else:
        app.command(name=entry.name)(target)


def build_app(only: str | None = None) -> typer.Typer:
    app = typer.Typer(
        name="govern",
        help=DESCRIPTION,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    app.callback()(_settings_callback)
    entries = [BY_NAME[only]] if only in BY_NAME else list(COMMANDS)
    for entry in entries:
        _mount(app, entry)
    return app
