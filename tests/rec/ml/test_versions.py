"""Model versions: publish, promote only when not worse, hot-swap in a running api, roll
back, and keep serving through a half-published or corrupt version."""

from __future__ import annotations

import httpx
import numpy as np
import pytest
from prometheus_client import REGISTRY

from foryou.rec.ml import versions
from foryou.rec.ml.serving import RETRIEVAL, retrieval
from foryou.rec.ml.two_tower import TwoTower, TwoTowerConfig
from tests.conftest import eventually
from tests.rec.catalog import platform_of

SCHEMA = {"features": ["plays"]}


def _failures() -> float:
    found = REGISTRY.get_sample_value("foryou_model_load_failures_total", {"name": RETRIEVAL})
    return found or 0.0


def _model(seed: int) -> TwoTower:
    model = TwoTower(TwoTowerConfig(dim=8, epochs=2, batch=4, seed=seed))
    model.fit(np.array([1, 1, 2, 2, 3]), np.array([10, 11, 10, 12, 11]))
    return model


def test_a_saved_two_tower_serves_the_same_vectors() -> None:
    model = _model(1)
    loaded = TwoTower.from_bytes(model.to_bytes())
    assert np.array_equal(loaded.user_vectors([1, 2, 99]), model.user_vectors([1, 2, 99]))
    assert np.array_equal(loaded.item_vectors([10, 12]), model.item_vectors([10, 12]))
    assert loaded.log_q == model.log_q and loaded.config == model.config


async def test_promotion_rollback_and_half_published_versions(api: httpx.AsyncClient) -> None:
    platform = platform_of(api)
    name = "test_model"
    first = await versions.publish(platform, name, b"w1", metrics={"ndcg": 0.2}, schema=SCHEMA)
    assert await versions.live(platform, name) is None
    assert await versions.promote(platform, name, first.version)
    worse = await versions.publish(platform, name, b"w2", metrics={"ndcg": 0.1}, schema=SCHEMA)
    assert not await versions.promote(platform, name, worse.version)  # not promoted
    better = await versions.publish(platform, name, b"w3", metrics={"ndcg": 0.3}, schema=SCHEMA)
    assert await versions.promote(platform, name, better.version)
    assert (await versions.live(platform, name)).version == better.version  # type: ignore[union-attr]
    assert [v.version for v in await versions.versions(platform, name)] == [
        first.version,
        worse.version,
        better.version,
    ]
    assert await versions.rollback(platform, name) == first.version
    with pytest.raises(versions.VersionError, match="no earlier live version"):
        await versions.rollback(platform, name)
    # A run killed after the weights but before meta.json: invisible, and cannot go live.
    await platform.blobs.put(f"models/{name}/v9999999999999-dead/model.pt", b"half")
    assert len(await versions.versions(platform, name)) == 3
    with pytest.raises(versions.VersionError, match="no complete version"):
        await versions.promote(platform, name, "v9999999999999-dead")
    assert (await versions.live(platform, name)).version == first.version  # type: ignore[union-attr]


async def test_the_api_swaps_versions_without_a_restart(api: httpx.AsyncClient) -> None:
    platform = platform_of(api)
    registry = retrieval(platform)
    old, new = _model(1), _model(2)
    v1 = await versions.publish(
        platform, RETRIEVAL, old.to_bytes(), metrics={"ndcg": 0.1}, schema=SCHEMA
    )
    await versions.promote(platform, RETRIEVAL, v1.version)

    async def serving(version: str) -> None:
        assert registry.version == version
        metrics = (await api.get("/metrics")).text
        assert f'foryou_model_live{{name="{RETRIEVAL}",version="{version}"}} 1.0' in metrics

    await eventually(lambda: serving(v1.version))
    assert registry.model is not None
    assert np.array_equal(registry.model.model.user_vectors([1]), old.user_vectors([1]))

    failed_before = _failures()
    corrupt = await versions.publish(
        platform, RETRIEVAL, b"not a model", metrics={"ndcg": 0.5}, schema=SCHEMA
    )
    await versions.promote(platform, RETRIEVAL, corrupt.version)

    async def refused() -> None:
        assert _failures() == failed_before + 1

    await eventually(refused)
    assert registry.version == v1.version  # the loaded version keeps serving

    v2 = await versions.publish(
        platform, RETRIEVAL, new.to_bytes(), metrics={"ndcg": 0.6}, schema=SCHEMA
    )
    await versions.promote(platform, RETRIEVAL, v2.version)
    await eventually(lambda: serving(v2.version))
    assert registry.model is not None
    assert np.array_equal(registry.model.model.user_vectors([1]), new.user_vectors([1]))
    await versions.rollback(platform, RETRIEVAL)  # back past the corrupt one's pointer
    await versions.rollback(platform, RETRIEVAL)
    await eventually(lambda: serving(v1.version))
