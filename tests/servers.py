"""The real servers the tests talk to, on loopback; override with FORYOU_TEST_* variables."""

from __future__ import annotations

import asyncio
import os

POSTGRES = os.environ.get("FORYOU_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
MYSQL = os.environ.get("FORYOU_TEST_MYSQL", "mysql://root@127.0.0.1:3306")
REDIS = os.environ.get("FORYOU_TEST_REDIS", "redis://127.0.0.1:6379")
KAFKA = os.environ.get("FORYOU_TEST_KAFKA")  # no broker here unless one is named

# Redis databases, one per user, so suites never touch each other's keys.
REDIS_DB_EVENTS_CONTRACT = 2
REDIS_DB_KV_CONTRACT = 3
REDIS_DB_APP = 9


async def create_databases(server: str, names: list[str]) -> None:
    """Drop and create empty databases on a PostgreSQL or MariaDB server."""
    if server.startswith("postgresql"):
        import asyncpg

        conn = await asyncpg.connect(server.replace("postgresql://", "postgres://") + "/postgres")
        try:
            for name in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return
    import asyncmy
    from sqlalchemy.engine import make_url

    url = make_url(server)
    conn = await asyncmy.connect(
        host=url.host, port=url.port or 3306, user=url.username, password=url.password or ""
    )
    try:
        async with conn.cursor() as cursor:
            for name in names:
                await cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
                await cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    finally:
        conn.close()


def create_databases_blocking(server: str, names: list[str]) -> None:
    """For sync fixtures, which may be set up while a test's event loop is running."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, create_databases(server, names)).result()
