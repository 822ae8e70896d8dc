"""Alembic migrations, applied to every shard (each shard holds the same schema)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from foryou.platform.sql import ShardedSQL

_SCRIPTS = Path(__file__).with_name("migrations")


def _config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    command.upgrade(_config(connection), "head")


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def upgrade_all(sql: ShardedSQL) -> None:
    for engine in sql.engines:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade)


async def pending_shards(sql: ShardedSQL) -> list[int]:
    """Shards whose schema is behind the newest migration."""
    head = ScriptDirectory(str(_SCRIPTS)).get_current_head()
    behind = []
    for index, engine in enumerate(sql.engines):
        async with engine.connect() as conn:
            if await conn.run_sync(_current) != head:
                behind.append(index)
    return behind


def make_revision(connection: Connection, message: str) -> None:
    """Autogenerate a revision from the models (a development aid: ``foryou db revision``)."""
    command.revision(_config(connection), message=message, autogenerate=True)
