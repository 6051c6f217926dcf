"""What every CLI command shares: the settings, and how a refusal leaves the process."""

from typing import NoReturn

import typer

from runtime.settings import SettingError, Settings, load_settings


def settings_of(ctx: typer.Context) -> Settings:
    """The settings chosen by the global flags and the environment (resolved once in the app callback)."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = load_settings()
    return root.obj


def fail(sentence: str, code: int = 1) -> NoReturn:
    """One clear line on stderr and a non-zero exit."""
    typer.echo(sentence, err=True)
    raise typer.Exit(code)


__all__ = ["settings_of", "fail", "SettingError"]
