"""The hot paths touch one or two shards, never all of them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from foryou.platform.sql import ShardedSQL
from tests.conftest import ready_video, settings_for, signup


@contextmanager
def shards_touched(sql: ShardedSQL) -> Iterator[set[int]]:
    """Record every shard a session or transaction is opened on."""
    touched: set[int] = set()
    session, begin = sql.session, sql.begin

    def recording(open_: Any) -> Any:
        @asynccontextmanager
        async def opened(shard: int) -> AsyncIterator[Any]:
            touched.add(shard)
            async with open_(shard) as s:
                yield s

        return opened

    sql.session, sql.begin = recording(session), recording(begin)  # type: ignore[method-assign]
    try:
        yield touched
    finally:
        sql.session, sql.begin = session, begin  # type: ignore[method-assign]


async def test_video_page_profile_like_and_follow_touch_at_most_two_shards(
    make_client: Any, tmp_path: Any, sample_video: bytes
) -> None:
    # No stream processors here: their counter updates would be counted as the request's.
    api = await make_client(settings_for("embedded", tmp_path, embedded_stream=False))
    sql = api.app.state.platform.sql
    assert sql.shard_count == 4
    author, fan = await signup(api), await signup(api)
    video = await ready_video(api, author, sample_video)
    name = author["user"]["username"]
    for method, url in (
        ("GET", f"/api/v1/videos/{video['id']}"),
        ("GET", f"/api/v1/users/{name}"),
        ("PUT", f"/api/v1/videos/{video['id']}/like"),
        ("PUT", f"/api/v1/users/{name}/follow"),
    ):
        with shards_touched(sql) as touched:
            response = await api.request(method, url, headers=fan["headers"])
        assert response.status_code in (200, 204), (url, response.text)
        assert 1 <= len(touched) <= 2, (method, url, touched)


async def test_cors_preflight_for_configured_origins(make_client: Any, tmp_path: Any) -> None:
    api = await make_client(
        settings_for("embedded", tmp_path, cors_origins=["https://app.example"])
    )
    allowed = await api.options(
        "/api/v1/feed",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
    )
    assert allowed.headers["access-control-allow-origin"] == "https://app.example"
    other = await api.options(
        "/api/v1/feed",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in other.headers
