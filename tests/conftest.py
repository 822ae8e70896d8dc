"""Shared fixtures: an API client on any backend set, and helpers to drive it."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from foryou import ids
from foryou.app import create_app
from foryou.platform.kv import KV, open_kv
from foryou.platform.sql.tables import metadata
from foryou.settings import Settings
from tests import servers

# The shared data sit beside the checkout (../shared/data); FORYOU_SHARED_DATA points elsewhere.
SHARED_DATA = Path(
    os.environ.get("FORYOU_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
MEDIA_SAMPLES = SHARED_DATA / "media-samples"
SAMPLE_VIDEO = MEDIA_SAMPLES / "androidx__sample_video_only.mp4"
SHARDS = 4

BACKENDS = ("embedded", "postgres", "mariadb")
KV_REDIS_URL = f"{servers.REDIS}/{servers.REDIS_DB_KV_CONTRACT}"


@pytest.fixture(scope="session")
def sample_video() -> bytes:
    return SAMPLE_VIDEO.read_bytes()


@pytest_asyncio.fixture(params=["memory", "redis"])
async def kv(request: pytest.FixtureRequest) -> AsyncIterator[KV]:
    """A kv store of each backend: in memory, and Redis (database 3; ``make test`` starts it)."""
    store = open_kv("memory://" if request.param == "memory" else KV_REDIS_URL)
    if not await store.ping():
        await store.close()
        pytest.fail(f"no Redis at {KV_REDIS_URL}: run `make services` or set FORYOU_TEST_REDIS")
    yield store
    await store.close()


def _db_names(prefix: str) -> list[str]:
    return [f"foryou_test_{prefix}_s{i}" for i in range(SHARDS)]


@pytest.fixture(scope="session")
def server_databases() -> dict[str, list[str]]:
    """Four fresh shard databases on each SQL server, created once per test session."""
    out = {}
    for name, server in (("postgres", servers.POSTGRES), ("mariadb", servers.MYSQL)):
        names = _db_names(name)
        servers.create_databases_blocking(server, names)
        out[name] = [f"{server}/{db}" for db in names]
    return out


@pytest.fixture(autouse=True, scope="session")
def _unit_tests_mint_ids() -> None:
    """Tests that mint IDs without starting a platform use a worker no live app leases first."""
    ids.set_worker(ids.WORKERS - 1)


async def _empty_tables(settings: Settings) -> None:
    from foryou.platform.sql import open_sql
    from foryou.platform.sql.migrate import upgrade_all

    sql = open_sql(settings.sql_shards)
    try:
        await upgrade_all(sql)
        for engine in sql.engines:
            async with engine.begin() as conn:
                for table in metadata.sorted_tables:
                    if table.name != "id_worker_slots":  # leases of live apps stay valid
                        await conn.execute(text(f"DELETE FROM {table.name}"))
    finally:
        await sql.close()


async def _flush_redis() -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(f"{servers.REDIS}/{servers.REDIS_DB_APP}")
    await client.flushdb()  # a database of its own, used by nothing but these tests
    await client.aclose()


def settings_for(
    backend: str, tmp_path: Path, shards: list[str] | None = None, **overrides: Any
) -> Settings:
    base: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "log_json": False,
        "log_level": "WARNING",
        "model_refresh_s": 0.2,
        "online_push_s": 0,  # models change only when a test trains them (test_online runs it)
        "gc_freeze_s": 0,  # one test process starts hundreds of apps: keep its GC as it is
    }
    if backend != "embedded":
        assert shards is not None
        redis_url = f"{servers.REDIS}/{servers.REDIS_DB_APP}"
        base.update(sql_shards=shards, kv=redis_url, events=redis_url, jobs=redis_url)
    return Settings(**{**base, **overrides})


AppFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest_asyncio.fixture
async def make_client(tmp_path: Path) -> AsyncIterator[AppFactory]:
    """Start apps in-process (lifespan included) and give httpx clients bound to them."""
    stack: list[Any] = []

    async def start(settings: Settings) -> httpx.AsyncClient:
        app = create_app(settings)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        stack.append(lifespan)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        client.app = app  # type: ignore[attr-defined]
        stack.append(client)
        return client

    yield start
    for item in reversed(stack):
        if isinstance(item, httpx.AsyncClient):
            await item.aclose()
        else:
            await item.__aexit__(None, None, None)


@pytest_asyncio.fixture
async def api(make_client: AppFactory, tmp_path: Path) -> httpx.AsyncClient:
    """A client of an app on the embedded defaults, in a fresh data directory."""
    return await make_client(settings_for("embedded", tmp_path))


@pytest_asyncio.fixture(params=BACKENDS)
async def api_any(
    request: pytest.FixtureRequest, make_client: AppFactory, tmp_path: Path
) -> httpx.AsyncClient:
    """The same app on each backend set: embedded; 4 PostgreSQL shards + Redis kv and
    events; 4 MariaDB shards + Redis kv and events."""
    backend = request.param
    if backend != "embedded":
        settings = settings_for(
            backend, tmp_path, request.getfixturevalue("server_databases")[backend]
        )
        await _flush_redis()
        await _empty_tables(settings)
    else:
        settings = settings_for(backend, tmp_path)
    return await make_client(settings)


# --- helpers to drive the API -----------------------------------------------------------


def unique_name(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


async def signup(
    client: httpx.AsyncClient,
    username: str | None = None,
    password: str = "correct horse",
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/signup",
        json={"username": username or unique_name(), "password": password, **extra},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    body["headers"] = {"Authorization": f"Bearer {body['access_token']}"}
    return body


async def upload(
    client: httpx.AsyncClient,
    user: dict[str, Any],
    content: bytes,
    caption: str = "",
    visibility: str = "public",
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/videos",
        headers=user["headers"],
        files={"file": ("clip.mp4", content, "video/mp4")},
        data={"caption": caption, "visibility": visibility},
    )
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 10.0) -> Any:
    """Retry an async assertion until it passes: stream processors are asynchronous. The
    pause grows from 20 ms to 0.5 s, so a long wait (a transcode) polls the API about twice
    a second, well inside a user's rate limit, where 50 a second ran into it."""
    deadline = asyncio.get_running_loop().time() + timeout
    pause = 0.02
    while True:
        try:
            return await check()
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, 0.5)


async def ready_video(
    client: httpx.AsyncClient,
    user: dict[str, Any],
    content: bytes,
    caption: str = "",
    visibility: str = "public",
) -> dict[str, Any]:
    video = await upload(client, user, content, caption, visibility)

    async def is_ready() -> dict[str, Any]:
        response = await client.get(f"/api/v1/videos/{video['id']}", headers=user["headers"])
        assert response.json()["status"] == "ready"
        body: dict[str, Any] = response.json()
        return body

    # transcoding several rungs takes seconds alone and far longer beside the rest of the suite
    return await eventually(is_ready, timeout=60.0)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3 API server on loopback (moto), shared by every test that needs one."""
    server_module = pytest.importorskip("moto.server")
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            env.setenv(name, value)
        env.delenv("AWS_PROFILE", raising=False)  # a developer's profile must not leak in
        server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
        server.stop()


async def jobs_on(queue: str) -> dict[str, Any]:
    """Settings overrides that put the job queue on ``sqlite`` (the default) or ``redis``."""
    if queue == "sqlite":
        return {}
    await _flush_redis()
    return {"jobs": f"{servers.REDIS}/{servers.REDIS_DB_APP}"}
