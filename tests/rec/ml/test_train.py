"""`foryou train`: positives from the lake, a held-out window, a published version that goes
live only when it does not do worse than the live one; too little data publishes nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from foryou.cli import app
from foryou.rec import learned, ranking
from foryou.rec.ml import versions
from foryou.rec.ml.serving import RETRIEVAL, retrieval, viewer_id
from foryou.rec.ml.train import TrainError, train_retrieval
from foryou.rec.ml.two_tower import TwoTowerConfig
from foryou.rec.pipeline import Candidate, FeedContext
from foryou.stream import lake, runner
from tests.conftest import eventually
from tests.rec.catalog import (
    feed_page,
    new_device,
    platform_of,
    send_events,
    topics_catalog,
    watch,
)

SMALL = TwoTowerConfig(dim=16, epochs=15, batch=64)


async def _viewers_with_tastes(
    api: httpx.AsyncClient, viewers: int
) -> tuple[list[dict[str, str]], dict[str, list[int]]]:
    """Viewer n finishes six of the ten videos of one topic (cooking for even n, skate for
    odd), starting at the n-th: four first, then, after everyone else, two more (what the
    held-out window sees)."""
    catalog = await topics_catalog(api, {"cooking": 2, "skate": 2}, per_creator=5)
    devices = [new_device() for _ in range(viewers)]
    for steps in (range(0, 4), range(4, 6)):
        for n, device in enumerate(devices):
            topic = catalog[("cooking", "skate")[n % 2]]
            finished = [watch(topic[(n + j) % 10], completed=True) for j in steps]
            await send_events(api, device, finished)
    await runner.drain(
        platform_of(api).events, dataclasses.replace(lake.processor(platform_of(api)), name="t")
    )
    return devices, catalog


async def _live_model_of_tastes(
    api: httpx.AsyncClient,
) -> tuple[list[dict[str, str]], dict[str, list[int]]]:
    """Sixteen viewers with tastes, a model trained on them, live in the api."""
    platform = platform_of(api)
    devices, catalog = await _viewers_with_tastes(api, 16)
    report = await train_retrieval(platform, config=SMALL, test_share=0.2)
    assert report.promoted

    async def loaded() -> None:
        assert retrieval(platform).version == report.version

    await eventually(loaded)
    return devices, catalog


async def test_train_publishes_and_promotes_only_when_not_worse(api: httpx.AsyncClient) -> None:
    platform = platform_of(api)
    devices, catalog = await _viewers_with_tastes(api, 16)
    first = await train_retrieval(platform, config=SMALL, test_share=0.2)
    assert first.promoted and (await versions.live(platform, RETRIEVAL)).version == first.version  # type: ignore[union-attr]
    assert first.metrics["train_positives"] >= 70 and first.metrics["test_viewers"] >= 1
    assert 0 <= first.metrics["ndcg"] <= 1 and "live_ndcg" not in first.metrics

    # The live version trained on this whole held-out window: no fair comparison, and the
    # new version is as fresh, so it goes live.
    again = await train_retrieval(platform, config=SMALL, test_share=0.2)
    assert again.promoted and "live_ndcg" not in again.metrics

    for n, device in enumerate(devices):  # two more each: newer than anything live learned
        topic = catalog[("cooking", "skate")[n % 2]]
        await send_events(api, device, [watch(topic[(n + j) % 10], completed=True) for j in (6, 7)])
    await runner.drain(platform.events, dataclasses.replace(lake.processor(platform), name="t"))
    third = await train_retrieval(platform, config=SMALL, test_share=0.2)
    assert 0 <= third.metrics["live_ndcg"] <= 1 and 0 <= third.metrics["compared_ndcg"] <= 1
    assert third.promoted == (third.metrics["compared_ndcg"] >= third.metrics["live_ndcg"])
    live = await versions.live(platform, RETRIEVAL)
    assert live is not None and live.version == (third.version if third.promoted else again.version)
    assert len(await versions.versions(platform, RETRIEVAL)) == 3  # every one kept


async def test_too_little_data_publishes_nothing(api: httpx.AsyncClient) -> None:
    platform = platform_of(api)
    with pytest.raises(TrainError, match="only 0 positives"):
        await train_retrieval(platform, config=SMALL)
    assert await versions.versions(platform, RETRIEVAL) == []


def test_the_cli_says_what_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["train", "--data-dir", str(tmp_path), "--epochs", "1"])
    assert result.exit_code == 1  # neither model had the data
    said = " ".join(result.output.split())  # rich wraps to the terminal's width
    assert "two_tower: only 0 positives" in said and "`foryou serve`" in said
    assert "ranker: only 0 shown feed items" in said
    result = CliRunner().invoke(app, ["train", "--data-dir", str(tmp_path), "--model", "gbdt"])
    assert result.exit_code == 2 and "not both, two_tower or ranker" in result.output


def test_viewer_ids_are_stable_and_distinct() -> None:
    assert viewer_id("u:1") == viewer_id("u:1") != viewer_id("u:2")
    assert 0 <= viewer_id("d:" + "f" * 36) < 2**63


async def test_a_live_version_brings_what_viewers_like_them_finished(
    api: httpx.AsyncClient,
) -> None:
    platform = platform_of(api)
    devices, catalog = await _live_model_of_tastes(api)
    cook = devices[0]  # finished cooking videos 0 to 5; other cooks finished 6 to 9
    ctx = FeedContext(platform, f"d:{cook['Foryou-Device-Id']}", None, 10, "t")
    found = [c.video_id for c in await learned.two_tower(ctx)]
    unseen = [v for v in found if v not in catalog["cooking"][:6]]  # the filters drop those
    cooking = set(catalog["cooking"][6:])
    assert len(set(unseen[:4]) & cooking) >= 3, (unseen, catalog)
    rank = {v: n for n, v in enumerate(unseen)}
    skate = [rank[v] for v in catalog["skate"] if v in rank]
    assert sum(rank[v] for v in cooking) / 4 < sum(skate) / len(skate)
    page = await feed_page(api, cook, limit=10)
    assert any(i["reason"].get("detail") == learned.DETAIL for i in page), page
    assert not {int(i["video"]["id"]) for i in page} & set(catalog["cooking"][:6])  # seen


async def test_a_viewer_the_model_never_saw_gets_learned_picks_after_one_swipe(
    api: httpx.AsyncClient,
) -> None:
    """The viewer's vector adds their latest positives, read live from the feature store."""
    platform = platform_of(api)
    _, catalog = await _live_model_of_tastes(api)
    newcomer = new_device()
    ctx = FeedContext(platform, f"d:{newcomer['Foryou-Device-Id']}", None, 10, "t")
    assert await learned.two_tower(ctx) == []  # nothing known about them yet
    await send_events(api, newcomer, [watch(catalog["skate"][0], completed=True)])

    async def learned_picks() -> None:
        found = [c.video_id for c in await learned.two_tower(ctx)]
        assert found  # once the features have the watch
        rank = {v: n for n, v in enumerate(found)}
        skate = [rank[v] for v in catalog["skate"][1:]]
        cooking = [rank[v] for v in catalog["cooking"]]
        assert sum(skate) / len(skate) < sum(cooking) / len(cooking), found

    await eventually(learned_picks)


async def test_the_learned_affinity_ranks_every_candidate_by_the_viewers_taste(
    api: httpx.AsyncClient,
) -> None:
    """Whichever source found a video, its cosine with the viewer's vector in the live model
    is a hydrated feature the value adds; without the viewer's vector (no model, or the source
    ran out of time) it is 0."""
    platform = platform_of(api)
    devices, catalog = await _live_model_of_tastes(api)
    cook = f"d:{devices[0]['Foryou-Device-Id']}"
    unseen = catalog["cooking"][6:] + catalog["skate"]
    plain = FeedContext(platform, cook, None, 10, "t")
    await ranking.hydrate(plain, [Candidate(v, "fresh") for v in unseen])
    assert not ranking.column(plain, "learned_affinity").any()
    assert plain.scored_by == "heuristic"
    ctx = FeedContext(platform, cook, None, 10, "t")
    await learned.two_tower(ctx)
    candidates = await ranking.hydrate(ctx, [Candidate(v, "fresh") for v in unseen])
    cosine = ranking.column(ctx, "learned_affinity")
    by_video = {c.video_id: cosine[c.row] for c in candidates}
    cooking = [by_video[v] for v in catalog["cooking"][6:]]
    skate = [by_video[v] for v in catalog["skate"]]
    assert sum(cooking) / len(cooking) > sum(skate) / len(skate), by_video
    # what the served log records, so training sets know which model scored each page
    assert ctx.scored_by == f"heuristic+two_tower@{retrieval(platform).version}"
