"""`govern migrate`: create the audit store or bring its schema up to date, the one write a read never does."""

import typer

from cli.context import fail, settings_of
from store.engine import describe_url
from store.errors import StoreError
from store.event_store import EventStore


def migrate(ctx: typer.Context) -> None:
    """Create the audit store if it does not exist, and migrate it to the current schema."""
    settings = settings_of(ctx)
    try:
        EventStore.open(settings.audit_database_url).close()
    except StoreError as error:
        fail(str(error), code=2)
    typer.echo(f"Audit store at {describe_url(settings.audit_database_url)} is up to date.")
