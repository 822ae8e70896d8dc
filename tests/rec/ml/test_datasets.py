"""Training sets from the lake: each served item with the features it was scored on and the
outcomes that followed it, and clear errors for a lake file that does not read."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import httpx
import pytest

from foryou.domains.interactions import follows
from foryou.platform import Platform
from foryou.rec.ml import datasets
from foryou.rec.ml.lake import LakeError, days, fetch
from foryou.rec.ranking import FEATURES
from foryou.stream import lake, runner, topics
from tests.conftest import eventually, signup
from tests.rec.catalog import (
    DURATION_MS,
    new_device,
    platform_of,
    send_events,
    topics_catalog,
    watch,
)

HOUR_MS = 3_600_000
TOPICS = datasets.TOPICS


async def _lake_now(platform: Platform, into: Path) -> dict[str, list[Path]]:
    """Everything logged so far, written to the lake (a group of the test's own) and fetched."""
    await runner.drain(platform.events, dataclasses.replace(lake.processor(platform), name="t"))
    now = int(time.time() * 1000)
    return {
        t: await fetch(platform, t, now - HOUR_MS, now + HOUR_MS, into) for t in datasets.TOPICS
    }


async def test_served_items_join_what_followed_them(api: httpx.AsyncClient, tmp_path: Path) -> None:
    await topics_catalog(api, {"cooking": 2, "skate": 2}, per_creator=3)
    viewer = await signup(api)
    user_id = int(viewer["user"]["id"])
    page = (await api.get("/api/v1/feed", params={"limit": 4}, headers=viewer["headers"])).json()
    [a, b, c, d] = [int(i["video"]["id"]) for i in page["items"]]
    author_c = int(page["items"][2]["video"]["author"]["id"])
    impressions = [{"type": "impression", "video_id": str(v)} for v in (a, b, c)]
    await send_events(api, viewer["headers"], [*impressions, watch(a, completed=True)])
    await send_events(api, viewer["headers"], [watch(b, completed=False, watched_ms=2_500)])
    assert (await api.put(f"/api/v1/videos/{a}/like", headers=viewer["headers"])).is_success
    await follows.follow(platform_of(api), follower_id=user_id, followee_id=author_c)

    files: dict[str, list[Path]] = {}

    async def logged() -> None:  # the served log is flushed in the background
        files.update(await _lake_now(platform_of(api), tmp_path))
        assert files[topics.SERVED]

    await eventually(logged)
    rows = datasets.build(files, FEATURES).to_pylist()
    mine = {r["video_id"]: r for r in rows if r["request_id"] == page["request_id"]}
    assert list(mine) == [a, b, c, d]  # in page order
    assert [mine[v]["position"] for v in (a, b, c, d)] == [0, 1, 2, 3]
    assert {mine[v]["viewer"] for v in mine} == {f"u:{user_id}"}
    labels = {v: tuple(mine[v][name] for name in datasets.LABELS) for v in mine}
    assert labels[a] == (True, True, 1.0, True, False, False)
    assert labels[b] == (True, False, pytest.approx(2_500 / DURATION_MS), False, False, False)
    assert labels[c] == (True, False, 0.0, False, False, True)  # followed its creator
    assert labels[d] == (False, False, 0.0, False, False, False)
    for v in mine:  # the features as served: what the page's scores were computed from
        assert all(isinstance(mine[v][f"f_{n}"], float) for n in FEATURES)
        assert mine[v]["score"] == pytest.approx(
            next(i["score"] for i in page["items"] if int(i["video"]["id"]) == v), abs=1e-4
        )
    assert datasets.build({}, FEATURES).num_rows == 0  # an empty lake is an empty set


async def test_outcomes_outside_the_window_do_not_count(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    platform = platform_of(api)
    now = int(time.time() * 1000)
    served = topics.make_event(
        "feed.served",
        request_id="r",
        viewer="u:9",
        user_id=9,
        model="heuristic",
        items=[
            {
                "video_id": 1,
                "author_id": 2,
                "position": 0,
                "source": "fresh",
                "score": 1.0,
                "features": {n: 0.0 for n in FEATURES},
            }
        ],
    )
    later = {"type": "watch", "viewer": "u:9", "video_id": 1, "completed": True}
    await topics.append(platform.events, topics.SERVED, [("u:9", {**served, "ts_ms": now})])
    await topics.append(
        platform.events,
        topics.WATCH,
        [("u:9", {**later, "ts_ms": now + 10_000, "received_ms": now + 10_000})],
    )
    files = await _lake_now(platform, tmp_path)
    [inside] = datasets.build(files, FEATURES, window_s=60).to_pylist()
    [outside] = datasets.build(files, FEATURES, window_s=5).to_pylist()
    assert inside["completed"] and not outside["completed"]


async def test_a_corrupt_lake_file_is_named(api: httpx.AsyncClient, tmp_path: Path) -> None:
    platform = platform_of(api)
    now = int(time.time() * 1000)
    key = lake.file_key(lake.Partition.of(topics.WATCH, now), [_FakeEvent()])
    await platform.blobs.put(key, b"not parquet at all")
    with pytest.raises(LakeError, match=key):
        await fetch(platform, topics.WATCH, now - 1000, now + 1000, tmp_path)
    # Another hour's files are not read (nor is the corrupt one when outside the range).
    assert await fetch(platform, topics.WATCH, now - 3 * HOUR_MS, now - 2 * HOUR_MS, tmp_path) == []


def test_days_covers_the_range() -> None:
    day = 86_400_000
    assert days(0, 1) == ["1970-01-01"]
    assert days(day - 1, day + 1) == ["1970-01-01", "1970-01-02"]
    assert days(day, 2 * day) == ["1970-01-02"]


@dataclasses.dataclass
class _FakeEvent:
    partition: int = 0
    offset: int = 1


async def test_spark_builds_the_same_rows_as_duckdb(api: httpx.AsyncClient, tmp_path: Path) -> None:
    spark_job = pytest.importorskip("foryou.rec.ml.spark")
    await topics_catalog(api, {"cooking": 2, "skate": 1}, per_creator=3)
    viewer, device = await signup(api), new_device()
    for headers in (viewer["headers"], device):
        page = (await api.get("/api/v1/feed", params={"limit": 5}, headers=headers)).json()
        first, second = (int(i["video"]["id"]) for i in page["items"][:2])
        events = [{"type": "impression", "video_id": str(first)}, watch(first, completed=True)]
        await send_events(api, headers, [*events, watch(second, completed=False)])
    await api.put(f"/api/v1/videos/{first}/like", headers=viewer["headers"])
    files: dict[str, list[Path]] = {}

    async def logged() -> None:
        files.update(await _lake_now(platform_of(api), tmp_path))
        assert len(datasets.build(files, FEATURES).to_pylist()) >= 10

    await eventually(logged)
    duck = datasets.build(files, FEATURES).to_pylist()
    for label in ("impressed", "completed", "liked"):  # the rows compared are not all alike
        assert {r[label] for r in duck} == {True, False}
    assert {r["user_id"] is None for r in duck} == {True, False}  # signed in and device
    spark = spark_job.session()
    try:
        assert spark_job.build(spark, files, FEATURES).to_pylist() == duck
        outside = datasets.build(files, FEATURES, window_s=0.001).to_pylist()
        assert spark_job.build(spark, files, FEATURES, window_s=0.001).to_pylist() == outside
        assert spark_job.build(spark, {}, FEATURES).num_rows == 0
    finally:
        spark.stop()
