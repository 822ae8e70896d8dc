"""The search index is kept from the event log: replays and redeliveries count nothing twice,
and its keyset pages stay complete where many entries share a score."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from foryou.domains.search import index
from foryou.platform.kv.memory import MemoryKV
from foryou.stream import runner, search, topics
from tests.conftest import eventually, ready_video, signup


async def _state(api: httpx.AsyncClient, name: str) -> tuple[Any, ...]:
    tag = (await api.get("/api/v1/hashtags/replayed")).json()
    users = (await api.get("/api/v1/search", params={"q": name, "type": "users"})).json()
    found = (await api.get("/api/v1/search", params={"q": "replayed"})).json()
    return (
        tag["video_count"],
        tag["views"],
        tag["trending_score"],
        [(u["username"], u["follower_count"]) for u in users["items"]],
        len(found["items"]),
    )


async def test_replaying_the_whole_log_changes_nothing(
    api_any: httpx.AsyncClient, sample_video: bytes
) -> None:
    api = api_any
    platform = api.app.state.platform
    author, fan = await signup(api), await signup(api)
    name = author["user"]["username"]
    video = await ready_video(api, author, sample_video, "Twice told #replayed")
    await api.put(f"/api/v1/users/{name}/follow", headers=fan["headers"])
    await api.put(f"/api/v1/videos/{video['id']}/like", headers=fan["headers"])
    await api.post(
        "/api/v1/events", json={"events": [{"type": "watch", "video_id": video["id"]}] * 3}
    )

    async def settled() -> tuple[Any, ...]:
        state = await _state(api, name)
        assert state[:2] == (1, 3) and state[3] == [(name, 1)] and state[4] == 1
        return state

    before = await eventually(settled, timeout=20)
    processor = search.processor(platform)
    await platform.events.reset_group(processor.name, processor.topics)
    assert await runner.drain(platform.events, processor) >= 6
    after = await _state(api, name)
    assert after[:2] + after[3:] == before[:2] + before[3:]
    assert after[2] == pytest.approx(before[2], abs=0.01)  # it decays as the test runs


async def test_a_redelivered_batch_is_applied_once(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    platform = api.app.state.platform
    author = await signup(api)
    video = await ready_video(api, author, sample_video, "#replayed")
    await api.post(
        "/api/v1/events", json={"events": [{"type": "watch", "video_id": video["id"]}] * 2}
    )

    async def two() -> None:
        assert (await api.get("/api/v1/hashtags/replayed")).json()["views"] == 2

    await eventually(two)
    consumer = platform.events.consumer("test-search-redelivery", [topics.WATCH])
    batch = await consumer.poll(max_records=100, timeout_s=1)
    await consumer.close()
    assert len(batch) == 2
    await search.apply(platform, batch)  # what the runner already applied, once more
    assert (await api.get("/api/v1/hashtags/replayed")).json()["views"] == 2


async def test_pages_over_tied_scores_are_complete_and_disjoint() -> None:
    kv = MemoryKV()
    # Ten members share each score (videos minted in the same millisecond on one shard).
    words, other = index.term_key("word"), index.term_key("other")
    await kv.zadd(words, {str(100 + i): float(i // 10) for i in range(50)})
    await kv.zadd(other, {str(100 + i): float(i // 10) for i in range(0, 50, 2)})
    for keys, expected in (([words], range(50)), ([words, other], range(0, 50, 2))):
        seen: list[str] = []
        after = None
        while rows := await index.intersect_page(kv, keys, after, 3):
            seen += [member for member, _ in rows]
            after = index.decode_cursor(index.encode_cursor(rows[-1]))
        assert sorted(seen) == sorted(str(100 + i) for i in expected)
        assert len(seen) == len(set(seen))
