"""Hydration's per-viewer columns, read straight from the feature store."""

from __future__ import annotations

import time

import httpx
import numpy as np
import pytest

from foryou.rec import features as f
from foryou.rec.pipeline import Candidate, FeedContext
from foryou.rec.ranking import COUNTERS, FEATURES, hydrate, tag_affinity
from tests.rec.catalog import platform_of


async def test_tag_affinity_sums_each_candidates_hashtags(api: httpx.AsyncClient) -> None:
    platform, now = platform_of(api), time.time()
    viewer = "d:tags"
    for tag, amount in {"cooking": 2.0, "pasta": 0.5, "cars": -1.0}.items():
        await f.add_decayed(platform.kv, f"ah:{viewer}", tag, amount, now)
    ctx = FeedContext(platform, viewer=viewer, user_id=None, limit=3, request_id="r", now=now)
    candidates = [
        Candidate(1, "fresh", hashtags=("cooking", "pasta")),
        Candidate(2, "fresh", hashtags=()),
        Candidate(3, "fresh", hashtags=("cooking", "cars", "unknown")),
    ]
    assert await tag_affinity(ctx, candidates) == pytest.approx([2.5, 0.0, 1.0])
    device = FeedContext(platform, viewer=None, user_id=None, limit=3, request_id="r", now=now)
    assert (await tag_affinity(device, candidates)).tolist() == [0.0, 0.0, 0.0]


async def test_hydrated_counters_match_the_store_for_shared_and_loaded_rows(
    api: httpx.AsyncClient,
) -> None:
    """Rows kept from an earlier request and rows read now land in the candidates' rows."""
    platform, now = platform_of(api), time.time()
    for video, plays in {11: 3.0, 12: 5.0, 13: 0.0}.items():
        await f.add_decayed(platform.kv, "plays", str(video), plays, now)
        await f.add_decayed(platform.kv, "likes", str(video), plays / 2, now)

    async def hydrated(video_ids: list[int]) -> list[list[float]]:
        ctx = FeedContext(platform, viewer=None, user_id=None, limit=3, request_id="r", now=now)
        candidates = await hydrate(ctx, [Candidate(v, "fresh") for v in video_ids])
        assert [c.row for c in candidates] == list(range(len(video_ids)))
        assert ctx.feature_names == FEATURES
        return ctx.features[:, : len(COUNTERS)].tolist()

    first = await hydrated([12])  # 12's row is now shared; 11 and 13 are read next
    await f.add_decayed(platform.kv, "plays", "12", 100.0, now)  # not seen until the TTL
    again = await hydrated([11, 12, 13])
    expected = await f.read_decayed_many(platform.kv, COUNTERS, ["11", "12", "13"], now)
    assert np.allclose([again[0], again[2]], expected.T[[0, 2]])
    assert again[1] == first[0]
    assert again[0][COUNTERS.index("plays")] == pytest.approx(3.0)
    assert again[1][COUNTERS.index("plays")] == pytest.approx(5.0)
    assert again[1][COUNTERS.index("likes")] == pytest.approx(2.5)
    assert again[2] == [0.0] * len(COUNTERS)
