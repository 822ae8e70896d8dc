"""The multi-task ranker: trained from the served log and what followed each served item,
published, live in the feed's scoring stage, and refused when there is too little data."""

from __future__ import annotations

import dataclasses

import httpx
import numpy as np
import pytest

from foryou.feed.served import served_log
from foryou.platform import Platform
from foryou.platform.events import Event
from foryou.rec.ml import evaluate, versions
from foryou.rec.ml.ranker import TASKS, Ranker, RankerConfig
from foryou.rec.ml.serving import RANKER, ranking
from foryou.rec.ml.train import TrainError
from foryou.rec.ml.train_ranker import served_rows, train_ranker
from foryou.stream import lake, runner, topics
from tests.conftest import eventually
from tests.rec.catalog import (
    feed_page,
    ids_of,
    new_device,
    platform_of,
    send_events,
    topics_catalog,
    watch,
)


async def _served_events(platform: Platform) -> list[Event]:
    consumer = platform.events.consumer("t-served", [topics.SERVED])
    try:
        found, events = [], await consumer.poll(max_records=1000, timeout_s=0.2)
        while events:
            found += events
            events = await consumer.poll(max_records=1000, timeout_s=0.2)
        return found
    finally:
        await consumer.close()


def test_the_ranker_learns_each_task_from_its_inputs() -> None:
    """Completion follows a feature, likes follow the video (its ID embedding)."""
    rng = np.random.default_rng(0)
    n = 4000
    viewers, videos = rng.integers(1, 40, n), rng.integers(1, 60, n)
    features = rng.normal(size=(n, 2))
    labels = np.zeros((n, len(TASKS)), dtype=np.float32)
    labels[:, 0] = features[:, 0] > 0  # completed
    labels[:, 1] = (videos % 3) == 0  # liked
    labels[:, 4] = np.clip(features[:, 0] + 1, 0, 2)  # watch ratio
    ranker = Ranker(RankerConfig(features=("a", "b"), epochs=15))
    captions = np.zeros((n, 384), dtype=np.float32)
    train, test = slice(0, 3000), slice(3000, n)
    losses = ranker.fit(
        viewers[train], videos[train], features[train], captions[train], labels[train]
    )
    assert losses[-1] < losses[0]
    predicted = ranker.predict(
        viewers[test].tolist(), videos[test].tolist(), features[test], captions[test]
    )
    assert evaluate.auc(predicted[:, 0].astype(float), labels[test, 0] > 0) > 0.9
    assert evaluate.auc(predicted[:, 1].astype(float), labels[test, 1] > 0) > 0.9
    again = Ranker.from_bytes(ranker.to_bytes())
    same = again.predict(
        viewers[test].tolist(), videos[test].tolist(), features[test], captions[test]
    )
    assert np.allclose(same, predicted, atol=1e-6)


async def test_a_ranker_trained_on_what_viewers_did_scores_the_feed(
    api: httpx.AsyncClient,
) -> None:
    """Viewers finish every cooking video they are served and skip every skate one."""
    platform = platform_of(api)
    catalog = await topics_catalog(api, {"cooking": 2, "skate": 2}, per_creator=5)
    cooking = set(catalog["cooking"])
    for _ in range(14):
        device = new_device()
        page = ids_of(await feed_page(api, device, limit=10))
        events = [watch(v, completed=v in cooking) for v in page]
        await send_events(api, device, [{"type": "impression", "video_id": str(v)} for v in page])
        await send_events(api, device, events)
    await served_log(platform).flush(platform)
    with pytest.raises(TrainError, match="at least 100"):  # nothing in the lake yet
        await train_ranker(platform)

    await runner.drain(platform.events, dataclasses.replace(lake.processor(platform), name="t"))
    rows = await served_rows(platform, 1.0, 3600)
    assert len(rows) == 140 and rows.labels[:, 0].sum() == sum(
        1 for v in rows.videos.tolist() if v in cooking
    )
    report = await train_ranker(platform, epochs=20)
    assert report.promoted and report.metrics["auc"] > 0.9
    live = await versions.live(platform, RANKER)
    assert live is not None and live.version == report.version

    async def loaded() -> None:
        assert ranking(platform).version == report.version

    await eventually(loaded)
    page = [
        i for i in await feed_page(api, new_device(), limit=10) if i["reason"]["kind"] != "explore"
    ]
    scores = {int(i["video"]["id"]): i["score"] for i in page}
    liked = [s for v, s in scores.items() if v in cooking]
    skipped = [s for v, s in scores.items() if v not in cooking]
    assert liked and skipped and min(liked) > max(skipped), page
    served = await served_log(platform).flush(platform)
    assert served == 1
    assert (await _served_events(platform))[-1].value["model"] == f"ranker@{report.version}"
