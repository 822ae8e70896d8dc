"""Contract of the sharded SQL port, run on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import bindparam, func, select, update

from foryou import ids
from foryou.domains.accounts.models import RefreshToken, User
from foryou.domains.videos.models import Video
from foryou.ids import logical_shard_of_name, new_id
from foryou.platform.id_slots import AllSlotsTaken, IdSlotLease, IdWorkerSlot
from foryou.platform.sql import IntegrityError, ShardedSQL, async_url, open_sql
from foryou.platform.sql.migrate import pending_shards, upgrade_all
from tests import servers

SHARDS = 2


@pytest.fixture(scope="module")
def server_shards() -> dict[str, list[str]]:
    out = {}
    for name, server in (("postgres", servers.POSTGRES), ("mariadb", servers.MYSQL)):
        names = [f"foryou_contract_{name}_s{i}" for i in range(SHARDS)]
        servers.create_databases_blocking(server, names)
        out[name] = [f"{server}/{db}" for db in names]
    return out


@pytest_asyncio.fixture(params=["sqlite", "postgres", "mariadb"])
async def sql(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ShardedSQL]:
    if request.param == "sqlite":
        urls = [f"sqlite:///{tmp_path}/shards/s{i}.db" for i in range(SHARDS)]
    else:
        urls = request.getfixturevalue("server_shards")[request.param]
    port = open_sql(urls)
    await upgrade_all(port)
    for engine in port.engines:  # each test starts from empty tables
        async with engine.begin() as conn:
            for table in (User.__table__, Video.__table__, RefreshToken.__table__):
                await conn.execute(table.delete())
            await conn.execute(update(IdWorkerSlot).values(holder=None, expires_ms=0))
    yield port
    await port.close()


def _user(name: str) -> User:
    return User(
        id=new_id(logical_shard_of_name(name)),
        username=name,
        password_hash="h",
        display_name=name,
        bio="",
        region="",
        role="user",
    )


async def test_migrations_bring_every_shard_to_head_and_are_idempotent(sql: ShardedSQL) -> None:
    assert await pending_shards(sql) == []
    await upgrade_all(sql)  # a second run changes nothing and does not fail
    assert await pending_shards(sql) == []
    assert await sql.ping() == [True] * SHARDS


async def test_rows_live_on_the_shard_their_id_names(sql: ShardedSQL) -> None:
    users = [_user(f"user{i}") for i in range(20)]
    for user in users:
        async with sql.begin(sql.shard_of(user.id)) as session:
            session.add(user)
    for shard in range(SHARDS):
        async with sql.session(shard) as session:
            ids = set(await session.scalars(select(User.id)))
        assert ids == {u.id for u in users if sql.shard_of(u.id) == shard}
    assert {sql.shard_of(u.id) for u in users} == set(range(SHARDS))  # both shards used
    groups = sql.group_by_shard(u.id for u in users)
    assert sorted(i for ids in groups.values() for i in ids) == sorted(u.id for u in users)


async def test_read_gathers_rows_by_id_from_every_shard_and_sees_the_latest_commit(
    sql: ShardedSQL,
) -> None:
    users = [_user(f"reader{i}") for i in range(12)]
    for user in users:
        async with sql.begin(sql.shard_of(user.id)) as session:
            session.add(user)
    table = User.__table__
    by_id = select(table.c.id, table.c.username).where(
        table.c.id.in_(bindparam("ids", expanding=True))
    )
    wanted = users[:8]
    assert {sql.shard_of(u.id) for u in wanted} == set(range(SHARDS))
    absent = new_id(logical_shard_of_name("nobody"))
    rows = await sql.read([u.id for u in wanted] + [absent], by_id)
    assert sorted(tuple(r) for r in rows) == sorted((u.id, u.username) for u in wanted)
    assert await sql.read([], by_id) == []
    async with sql.begin(sql.shard_of(wanted[0].id)) as session:  # a write after a read
        await session.execute(
            update(User).where(User.id == wanted[0].id).values(username="renamed")
        )
    [row] = await sql.read([wanted[0].id], by_id)
    assert row.username == "renamed"


async def test_a_failed_transaction_leaves_nothing(sql: ShardedSQL) -> None:
    user = _user("atomic")
    shard = sql.shard_of(user.id)
    with pytest.raises(RuntimeError):
        async with sql.begin(shard) as session:
            session.add(user)
            await session.flush()
            raise RuntimeError("boom after the insert")
    async with sql.session(shard) as session:
        assert await session.get(User, user.id) is None


async def test_unique_violations_raise_integrity_error(sql: ShardedSQL) -> None:
    first, second = _user("taken"), _user("taken")
    shard = sql.shard_of(first.id)
    async with sql.begin(shard) as session:
        session.add(first)
    with pytest.raises(IntegrityError):
        async with sql.begin(shard) as session:
            session.add(second)
    async with sql.session(shard) as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_concurrent_claims_of_one_name_have_one_winner(sql: ShardedSQL) -> None:
    async def claim() -> bool:
        user = _user("racer")
        try:
            async with sql.begin(sql.shard_of(user.id)) as session:
                session.add(user)
        except IntegrityError:
            return False
        return True

    results = await asyncio.gather(*(claim() for _ in range(8)))
    assert results.count(True) == 1


async def test_conditional_update_reports_rows_matched(sql: ShardedSQL) -> None:
    token = RefreshToken(
        id=new_id(3), user_id=1, family_id=1, secret_hash="x" * 64, expires_ms=1, spent=False
    )
    shard = sql.shard_of(token.id)
    async with sql.begin(shard) as session:
        session.add(token)
    spend = (
        update(RefreshToken)
        .where(RefreshToken.id == token.id, RefreshToken.spent.is_(False))
        .values(spent=True)
    )
    async with sql.begin(shard) as session:
        assert (await session.execute(spend)).rowcount == 1
    async with sql.begin(shard) as session:
        assert (await session.execute(spend)).rowcount == 0


async def test_64_bit_ids_json_and_unicode_round_trip(sql: ShardedSQL) -> None:
    author = 2**63 - 1
    video = Video(
        id=new_id(5),
        author_id=author,
        caption="naïve café 🎬 #日本",
        hashtags=["日本", "café"],
        playback={"hls": "x", "renditions": []},
    )
    async with sql.begin(sql.shard_of(video.id)) as session:
        session.add(video)
    async with sql.session(sql.shard_of(video.id)) as session:
        row = await session.get(Video, video.id)
    assert row is not None
    assert row.author_id == author
    assert row.caption == "naïve café 🎬 #日本"
    assert row.hashtags == ["日本", "café"]
    assert row.playback == {"hls": "x", "renditions": []}


def test_plain_urls_get_async_drivers() -> None:
    assert async_url("sqlite:///data/s0.db") == "sqlite+aiosqlite:///data/s0.db"
    assert async_url("postgresql://u@h/db").startswith("postgresql+asyncpg://")
    assert async_url("mysql://u@h/db").startswith("mysql+asyncmy://")
    assert async_url("mariadb://u@h/db").startswith("mysql+asyncmy://")
    assert async_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(ValueError, match="unsupported"):
        async_url("oracle://x")
    with pytest.raises(ValueError, match="not a URL"):
        async_url("data/s0.db")


async def test_id_slot_leases_are_exclusive_and_expire(sql: ShardedSQL) -> None:
    first, second = IdSlotLease(sql), IdSlotLease(sql)
    a, b = await first.acquire(), await second.acquire()
    assert a != b
    assert ids.worker_of(new_id(5)) == b  # the process mints with the slot it holds last
    await second.release()
    # A stalled holder whose lease ran out loses its slot to a newcomer ...
    async with sql.begin(0) as session:
        await session.execute(
            update(IdWorkerSlot).where(IdWorkerSlot.slot == a).values(expires_ms=1)
        )
        await session.execute(
            update(IdWorkerSlot)
            .where(IdWorkerSlot.slot != a)
            .values(holder="busy", expires_ms=2**62)
        )
    newcomer = IdSlotLease(sql)
    assert await newcomer.acquire() == a
    # ... and, finding that out at its next renewal, cannot take a held one back.
    with pytest.raises(AllSlotsTaken, match="ID worker slots are leased"):
        await first.renew()
    await newcomer.release()
    await first.renew()  # the slot is free again: the stalled process gets a slot back
    assert first.slot == a and ids.worker_of(new_id(5)) == a
    await first.release()
    async with sql.session(0) as session:
        holders = set(await session.scalars(select(IdWorkerSlot.holder)))
    assert holders == {None, "busy"}
