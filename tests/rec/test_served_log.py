"""The feed logs what it served with the features it scored, for point-in-time training."""

from __future__ import annotations

import httpx
import pytest

from foryou.feed.served import MAX_PENDING, ServedLog
from foryou.rec.pipeline import Candidate, FeedContext
from foryou.rec.ranking import FEATURES
from foryou.stream import topics
from tests.conftest import eventually
from tests.rec.catalog import feed_page, ids_of, new_device, platform_of, topics_catalog


async def test_each_page_is_logged_with_its_features(api: httpx.AsyncClient) -> None:
    await topics_catalog(api, {"cooking": 2, "skate": 2}, per_creator=3)
    device = new_device()
    response = await api.get("/api/v1/feed", params={"limit": 5}, headers=device)
    page = response.json()
    platform = platform_of(api)
    consumer = platform.events.consumer("served-test", [topics.SERVED])
    found: list[dict] = []

    async def logged() -> None:
        found.extend(e.value for e in await consumer.poll(max_records=100, timeout_s=0.2))
        assert any(v["request_id"] == page["request_id"] for v in found)

    try:
        await eventually(logged)
    finally:
        await consumer.close()
    [served] = [v for v in found if v["request_id"] == page["request_id"]]
    assert served["type"] == "feed.served" and served["model"] == "heuristic"
    assert served["viewer"] == f"d:{device['Foryou-Device-Id']}"
    assert [i["video_id"] for i in served["items"]] == ids_of(page["items"])
    assert [i["position"] for i in served["items"]] == list(range(len(page["items"])))
    for item, shown in zip(served["items"], page["items"], strict=True):
        assert set(item["features"]) == set(FEATURES)
        assert item["source"] == shown["reason"]["kind"]
        assert item["score"] == pytest.approx(shown["score"], abs=1e-4)
    assert await feed_page(api, device)  # the log never gets in the feed's way


async def test_an_unwritable_log_keeps_its_records(api: httpx.AsyncClient) -> None:
    platform = platform_of(api)
    served = ServedLog()
    ctx = FeedContext(platform, viewer="d:x", user_id=None, limit=1, request_id="r1")
    served.add(ctx, [Candidate(1, "fresh")])

    class Down:
        async def append(self, *_: object) -> None:
            raise ConnectionError("log down")

    real, platform.events = platform.events, Down()  # type: ignore[assignment]
    try:
        with pytest.raises(ConnectionError):
            await served.flush(platform)
    finally:
        platform.events = real
    assert await served.flush(platform) == 1  # kept, and written once the log is back
    assert await served.flush(platform) == 0
    for _ in range(MAX_PENDING + 5):
        served.add(ctx, [])
    assert len(served._pending) == MAX_PENDING  # bounded while the log stays down
