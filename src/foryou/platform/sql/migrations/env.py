"""Alembic environment: runs on a connection handed in by ``foryou.platform.sql.migrate``."""

from alembic import context

from foryou.platform.sql.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
)
with context.begin_transaction():
    context.run_migrations()
