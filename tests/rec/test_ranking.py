"""Hydration's per-viewer columns, read straight from the feature store."""

from __future__ import annotations

import time

import httpx
import pytest

from foryou.rec import features as f
from foryou.rec.pipeline import Candidate, FeedContext
from foryou.rec.ranking import tag_affinity
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
