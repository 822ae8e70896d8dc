"""Counters are kept from the event log, and replaying the log does not count twice."""

from __future__ import annotations

from typing import Any

import httpx

from foryou.stream import counters, runner, topics
from tests.conftest import eventually, ready_video, signup


async def _state(api: httpx.AsyncClient, video_id: str, username: str) -> tuple[Any, ...]:
    video = (await api.get(f"/api/v1/videos/{video_id}")).json()["counts"]
    user = (await api.get(f"/api/v1/users/{username}")).json()
    return (
        video["views"],
        video["likes"],
        video["comments"],
        video["shares"],
        user["follower_count"],
        user["like_count"],
        user["video_count"],
    )


async def test_replaying_the_whole_log_changes_no_counter(
    api_any: httpx.AsyncClient, sample_video: bytes
) -> None:
    api = api_any
    platform = api.app.state.platform
    author, fans = await signup(api), [await signup(api) for _ in range(2)]
    name = author["user"]["username"]
    video = await ready_video(api, author, sample_video)
    for fan in fans:
        await api.put(f"/api/v1/users/{name}/follow", headers=fan["headers"])
        await api.put(f"/api/v1/videos/{video['id']}/like", headers=fan["headers"])
    await api.post(
        f"/api/v1/videos/{video['id']}/comments", headers=fans[0]["headers"], json={"text": "hello"}
    )
    await api.post(
        "/api/v1/events", json={"events": [{"type": "watch", "video_id": video["id"]}] * 4}
    )
    expected = (4, 2, 1, 0, 2, 2, 1)

    async def settled() -> None:
        assert await _state(api, video["id"], name) == expected

    await eventually(settled, timeout=20)

    # Rewind the counters' consumer group to the first event and apply everything again.
    processor = counters.processor(platform)
    await platform.events.reset_group(processor.name, processor.topics)
    replayed = await runner.drain(platform.events, processor)
    assert replayed >= 10
    assert await _state(api, video["id"], name) == expected


async def test_a_redelivered_batch_is_applied_once(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    platform = api.app.state.platform
    author = await signup(api)
    video = await ready_video(api, author, sample_video)
    await api.post(
        "/api/v1/events", json={"events": [{"type": "watch", "video_id": video["id"]}] * 3}
    )

    async def three() -> None:
        assert (await api.get(f"/api/v1/videos/{video['id']}")).json()["counts"]["views"] == 3

    await eventually(three)
    consumer = platform.events.consumer("test-redelivery", [topics.WATCH])
    batch = await consumer.poll(max_records=100, timeout_s=1)
    await consumer.close()
    assert len(batch) == 3
    await counters.apply(platform, batch)  # a redelivery of what the runner already applied
    assert (await api.get(f"/api/v1/videos/{video['id']}")).json()["counts"]["views"] == 3


def test_deltas_of_each_event_type() -> None:
    from foryou.domains.accounts.models import User
    from foryou.domains.videos.models import Video
    from foryou.platform.events import Event

    def event(topic: str, **value: Any) -> Event:
        return Event(topic, 0, 1, "k", value, 0)

    assert counters.deltas(
        event(topics.INTERACTIONS, type="follow.removed", follower_id=1, followee_id=2)
    ) == [(User, 1, "following_count", -1), (User, 2, "follower_count", -1)]
    assert counters.deltas(event(topics.WATCH, type="impression", video_id="5")) == []
    assert counters.deltas(event(topics.WATCH, type="watch", video_id="5")) == [
        (Video, 5, "view_count", 1)
    ]
    assert counters.deltas(
        event(topics.VIDEOS, type="video.deleted", author_id=3, like_count=7)
    ) == [(User, 3, "video_count", -1), (User, 3, "like_count", -7)]
    assert counters.deltas(event(topics.USERS, type="user.updated")) == []
