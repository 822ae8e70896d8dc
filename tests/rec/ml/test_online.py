"""Online training: the live version keeps learning from the event log, pushes only what
changed, and serving applies it without a reload; what the version already learned from is
not learned twice."""

from __future__ import annotations

import io

import httpx
import torch
from prometheus_client import REGISTRY

from foryou.rec.ml import versions
from foryou.rec.ml.online import CONSUMER, TOPICS, OnlineLoop
from foryou.rec.ml.serving import RETRIEVAL, retrieval, viewer_id
from tests.conftest import eventually
from tests.rec.catalog import new_device, platform_of, send_events, watch
from tests.rec.ml.test_train import _live_model_of_tastes


def _freshness_count() -> float:
    found = REGISTRY.get_sample_value("foryou_model_freshness_seconds_count", {"name": RETRIEVAL})
    return found or 0.0


async def test_online_training_pushes_what_changed_and_serving_applies_it(
    api: httpx.AsyncClient,
) -> None:
    platform = platform_of(api)
    _, catalog = await _live_model_of_tastes(api)
    registry = retrieval(platform)
    version, served = registry.version, registry.model
    assert version is not None and served is not None
    loop = OnlineLoop(platform, push_every_s=0)  # every poll flushes and pushes
    assert await loop.follow_live() and loop.trainer is not None
    consumer = platform.events.consumer(CONSUMER, TOPICS)

    async def drain() -> None:
        while await loop.tick(consumer, timeout_s=0.2):
            pass

    try:
        await drain()
        assert loop.trainer.learned == 0  # all of it is in the version already
        assert await versions.updates(platform, RETRIEVAL, version) == []

        skaters = [new_device(), new_device()]
        for device in skaters:
            await send_events(api, device, [watch(v, completed=True) for v in catalog["skate"][:3]])
        newcomer = f"d:{skaters[0]['Foryou-Device-Id']}"
        assert not served.knows(newcomer)
        before = _freshness_count()

        async def learned_all() -> None:
            await drain()
            assert loop.trainer is not None and loop.trainer.learned == 6

        await eventually(learned_all)
    finally:
        await consumer.close()

    [first] = await versions.updates(platform, RETRIEVAL, version)
    update = torch.load(
        io.BytesIO(await versions.update(platform, RETRIEVAL, version, first)), weights_only=True
    )
    assert viewer_id(newcomer) in update["users"]["ids"].tolist()
    changed = set(update["items"]["ids"].tolist())
    assert set(catalog["skate"][:3]) <= changed
    assert len(changed) < len(served.video_ids)  # only what changed, not the whole table
    assert "user_proj" in update  # the first push carries the dense weights too

    async def applied() -> None:
        assert registry.applied == first and registry.version == version
        assert registry.model is not None and registry.model.knows(newcomer)

    await eventually(applied)
    assert not served.knows(newcomer)  # applied to a copy: requests in flight kept theirs
    assert _freshness_count() == before + 1


async def test_an_update_that_does_not_apply_is_skipped_and_counted(
    api: httpx.AsyncClient,
) -> None:
    platform = platform_of(api)
    await _live_model_of_tastes(api)
    registry = retrieval(platform)
    version, served = registry.version, registry.model
    assert version is not None
    failures = (
        REGISTRY.get_sample_value("foryou_model_load_failures_total", {"name": RETRIEVAL}) or 0.0
    )
    await versions.publish_update(platform, RETRIEVAL, version, 0, b"not a torch file")
    assert not await registry.refresh(platform)
    assert registry.model is served and registry.applied == 0  # not retried
    assert (
        REGISTRY.get_sample_value("foryou_model_load_failures_total", {"name": RETRIEVAL})
        == failures + 1
    )


async def test_the_trainer_follows_a_new_live_version(api: httpx.AsyncClient) -> None:
    """A version `foryou train` makes live replaces the one being trained online; its
    updates are numbered from its own start."""
    platform = platform_of(api)
    await _live_model_of_tastes(api)
    loop = OnlineLoop(platform, push_every_s=0)
    assert await loop.follow_live() and loop.trainer is not None
    first = loop.trainer.version
    await versions.publish_update(platform, RETRIEVAL, first, 0, b"x")
    newer = await versions.publish(
        platform,
        RETRIEVAL,
        await versions.weights(platform, RETRIEVAL, first),
        metrics={"ndcg": 1.0, "trained_until_ms": 0.0},
        schema={},
    )
    await versions.promote(platform, RETRIEVAL, newer.version, force=True)
    assert await loop.follow_live()
    assert loop.trainer.version == newer.version and loop.trainer.since_ms == 0.0
    assert loop._next_seq == 0
