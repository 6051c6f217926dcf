"""Alembic environment for the audit store, driven programmatically by `store.migrate.upgrade`.

The caller passes an open SQLAlchemy connection in ``config.attributes["connection"]``; there is no
alembic.ini and no URL here, so the same code serves SQLite, PostgreSQL and tests.
"""

from alembic import context

from store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the audit store migrations through store.migrate.upgrade(engine_or_url)")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
