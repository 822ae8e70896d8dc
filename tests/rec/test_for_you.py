"""Behaviour of the For You feed: it adapts within a session, explores fairly, never repeats,
keeps its diversity caps, and answers through failures."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from foryou.rec import ann, selection
from foryou.rec import features as f
from foryou.rec.pipeline import DEGRADED, Candidate, FeedContext, SourceStage
from foryou.rec.products import FOR_YOU
from foryou.rec.ranking import FEATURES, age_days
from foryou.stream.features import TRENDING, video_meta
from foryou.stream.search import NEW_VIDEO, TRENDING_TAGS
from tests.conftest import eventually, settings_for
from tests.rec.catalog import (
    creators,
    feed_page,
    ids_of,
    new_device,
    platform_of,
    ready_videos,
    send_events,
    topics_catalog,
    watch,
)


async def test_a_viewers_history_keeps_the_order_they_finished_videos_in(
    api: httpx.AsyncClient,
) -> None:
    """Watches sent together share their time to the millisecond; the history still lists the
    latest first (not by video id), which is what "the latest N positives" read."""
    platform = platform_of(api)
    [author] = await creators(api, 1)
    videos = await ready_videos(platform, author, [f"clip {n}" for n in range(6)])
    finished = sorted(videos, reverse=True)  # so video id order would be the wrong answer
    device = new_device()
    await send_events(api, device, [watch(v, completed=True) for v in finished])
    viewer = f"d:{device['Foryou-Device-Id']}"

    async def in_order() -> None:
        rows = await platform.kv.zrevrange_by_score(f"uh:{viewer}", limit=10)
        assert [int(member) for member, _ in rows] == finished[::-1]

    await eventually(in_order)


async def test_a_watch_counts_as_of_when_it_happened(api: httpx.AsyncClient) -> None:
    """A queued watch sent later decays from the time the client gave, one from the future
    counts as of its arrival, and one older than the counters' two days adds to the
    viewer's history but to no counter (the video's, or its hashtag's trending count).
    Each day's counter set expires."""
    platform = platform_of(api)
    [author] = await creators(api, 1)
    tags = ["recent", "future", "stale"]
    recent, future, stale = await ready_videos(platform, author, [f"#{t}" for t in tags])
    now = time.time()
    at = {recent: now - 6 * 3600, future: now + 86_400, stale: now - 3 * 86_400}
    device = new_device()
    await send_events(
        api,
        device,
        [
            {**watch(v, completed=True), "ts": datetime.fromtimestamp(t, UTC).isoformat()}
            for v, t in at.items()
        ],
    )
    viewer = f"d:{device['Foryou-Device-Id']}"

    async def applied() -> None:
        rows = await platform.kv.zrevrange_by_score(f"uh:{viewer}", limit=10)
        assert {int(member) for member, _ in rows} == set(at)

    await eventually(applied)
    plays = await f.read_decayed(platform.kv, "plays", [str(v) for v in at], time.time())
    assert plays[0] == pytest.approx(2**-0.5, rel=0.01)  # six hours at a 12-hour half-life
    assert plays[1] == pytest.approx(1.0, rel=0.01)
    assert plays[2] == 0.0
    watched = TRENDING["play"] + TRENDING["complete"]

    async def tags_counted() -> None:  # each tag also counts once for being published
        trending = await f.read_decayed(platform.kv, TRENDING_TAGS, tags, time.time())
        assert trending == pytest.approx(
            [2**-0.5 * watched + NEW_VIDEO, watched + NEW_VIDEO, NEW_VIDEO], rel=0.01
        )

    await eventually(tags_counted)
    today = f.decayed_key("plays", int(time.time() // f.DAY_S))
    left = await platform.kv.ttl(today)
    assert left is not None and f.KEY_TTL_S - 60 < left <= f.KEY_TTL_S  # day sets expire


async def test_the_feed_adapts_within_a_session(api: httpx.AsyncClient) -> None:
    catalog = await topics_catalog(api, {"cooking": 3, "skate": 3, "music": 3}, per_creator=4)
    cooking = set(catalog["cooking"])
    device = new_device()
    first = ids_of(await feed_page(api, device))
    finished = [v for v in catalog["cooking"] if v not in first][:3]
    await send_events(api, device, [watch(v, completed=True) for v in finished])
    viewer = f"d:{device['Foryou-Device-Id']}"

    async def learned() -> None:
        [cooking_affinity] = await f.read_decayed(platform_of(api).kv, f"ah:{viewer}", ["cooking"])
        assert cooking_affinity > 0

    await eventually(learned)
    second = await feed_page(api, device)
    share = sum(v in cooking for v in ids_of(second)) / len(second)
    assert share >= 0.4, (share, second)
    assert share > sum(v in cooking for v in first) / len(first)
    assert any(i["reason"]["kind"] == "similar" for i in second)
    assert not set(ids_of(second)) & (set(first) | set(finished))  # nothing seen comes back


async def test_a_creator_skipped_twice_fades(api: httpx.AsyncClient) -> None:
    catalog = await topics_catalog(api, {"bore": 1, "misc": 5}, per_creator=4, tag="{topic}{n}")
    device = new_device()
    await send_events(api, device, [watch(v, completed=False) for v in catalog["bore"][:2]])
    viewer = f"d:{device['Foryou-Device-Id']}"

    async def disliked() -> None:
        [affinity] = await f.read_decayed(platform_of(api).kv, f"ah:{viewer}", ["bore0"])
        assert affinity < 0

    await eventually(disliked)
    items = await feed_page(api, device)
    page = ids_of(items)
    assert len(page) == 10 and not set(page) & set(catalog["bore"]), [
        (i["video"]["caption"], i["reason"], i["score"]) for i in items
    ]


async def test_exploration_graduates_good_videos_and_drops_poor_ones(
    api: httpx.AsyncClient,
) -> None:
    catalog = await topics_catalog(api, {"alpha": 3, "beta": 3}, per_creator=3)
    good, poor = catalog["alpha"][0], catalog["beta"][0]
    for _ in range(12):  # a first audience: twelve viewers each
        events = [watch(good, completed=True), watch(poor, completed=False)]
        await send_events(api, new_device(), events)
    kv = platform_of(api).kv

    async def counted() -> None:
        plays = await f.read_decayed(kv, "plays", [str(good), str(poor)])
        assert plays[0] >= 11.9 and plays[1] >= 11.9

    await eventually(counted)
    for _ in range(4):
        page = ids_of(await feed_page(api, new_device(), limit=18))
        assert good in page and poor not in page

    for _ in range(40):  # a larger audience: it leaves the traffic pool for good
        await send_events(api, new_device(), [watch(good, completed=True)])

    async def graduated() -> None:
        [plays] = await f.read_decayed(kv, "plays", [str(good)])
        assert plays >= 50

    async def served_on_merit() -> None:  # once serving's shared rows catch up (1 s)
        items = await feed_page(api, new_device(), limit=18)
        [item] = [i for i in items if int(i["video"]["id"]) == good]
        assert item["reason"]["kind"] != "explore"

    await eventually(graduated)
    await eventually(served_on_merit)


async def test_only_videos_published_lately_are_explored() -> None:
    """An old video with few plays has had its first audience: no exploration slot for it."""
    now = time.time()
    ctx = FeedContext(None, "d:x", None, 10, "t", now=now)  # type: ignore[arg-type]
    ctx.features, ctx.feature_names = np.zeros((2, len(FEATURES))), FEATURES
    days = selection.FRESH_DAYS
    old = Candidate(1, "trending", created_ms=int((now - (days + 1) * 86_400) * 1000), row=0)
    new = Candidate(2, "fresh", created_ms=int((now - (days - 1) * 86_400) * 1000), row=1)
    ctx.age_days = age_days(now, [old, new])
    await selection.explore(ctx, [old, new])
    assert new.explore and not old.explore


async def test_diversity_caps_hold(api: httpx.AsyncClient) -> None:
    platform = platform_of(api)
    [prolific] = await creators(api, 1)
    mine = await ready_videos(platform, prolific, [f"again {i} #same" for i in range(10)])
    others = []
    for index, author in enumerate(await creators(api, 5)):
        others += await ready_videos(platform, author, [f"o {i} #o{index}" for i in range(3)])

    async def indexed() -> None:
        assert None not in await video_meta(platform, mine + others)

    await eventually(indexed)
    for _ in range(3):
        page = ids_of(await feed_page(api, new_device(), limit=10))
        assert len(page) == 10
        assert sum(v in mine for v in page) <= 2  # 20 % of a page per creator


async def test_a_failing_source_is_skipped_and_counted(api: httpx.AsyncClient) -> None:
    await topics_catalog(api, {"x": 2}, per_creator=3)

    async def broken(ctx: Any) -> list[Any]:
        raise RuntimeError("index offline")

    index = next(i for i, s in enumerate(FOR_YOU.sources) if s.name == "trending")
    stages = FOR_YOU.sources
    assert isinstance(stages, list)
    original, stages[index] = stages[index], SourceStage("trending", broken)
    try:
        before = DEGRADED.labels("for_you", "trending", "error")._value.get()
        page = await feed_page(api, new_device())
        assert page  # the fresh pool still finds them
        assert DEGRADED.labels("for_you", "trending", "error")._value.get() == before + 1
    finally:
        stages[index] = original


async def test_a_kv_outage_still_answers(make_client: Any, tmp_path: Path) -> None:
    api = await make_client(settings_for("embedded", tmp_path, kv="redis://127.0.0.1:1/0"))
    [author] = await creators(api, 1)
    ids = await ready_videos(platform_of(api), author, ["still here #x", "me too #x"])
    response = await api.get("/api/v1/feed", headers=new_device())
    assert response.status_code == 200
    body = response.json()
    assert {int(i["video"]["id"]) for i in body["items"]} == set(ids)
    assert all("unavailable" in i["reason"]["detail"] for i in body["items"])


async def test_embedding_retrieval_finds_videos_like_those_watched(api: httpx.AsyncClient) -> None:
    platform = platform_of(api)
    [author] = await creators(api, 1)
    food = await ready_videos(
        platform,
        author,
        [
            "spaghetti carbonara recipe #dinner",
            "homemade lasagna with ricotta #comfort",
            "creamy mushroom risotto #weeknight",
        ],
    )
    other = await ready_videos(
        platform,
        author,
        [
            "skateboard kickflip tutorial #skate",
            "bass guitar slap lesson #music",
            "changing a car's engine oil #garage",
        ],
    )

    async def embedded() -> None:
        assert all(v in platform.vectors for v in food + other)

    await eventually(embedded, timeout=60)  # the first embedding loads the model
    device = new_device()
    await send_events(api, device, [watch(food[0], completed=True)])
    viewer = f"d:{device['Foryou-Device-Id']}"

    async def remembered() -> None:
        assert await platform.kv.zscores(f"uh:{viewer}", [str(food[0])]) != [None]

    await eventually(remembered)
    ctx = FeedContext(platform, viewer=viewer, user_id=None, limit=10, request_id="test")
    found = [c.video_id for c in await ann.embedding(ctx)]
    assert food[0] not in found and set(found[:2]) == set(food[1:]), found
