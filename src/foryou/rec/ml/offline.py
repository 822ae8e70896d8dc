"""``foryou eval``: a dataset replayed through the platform, scored next to the baselines.

The dataset's training interactions go through the event log into a throwaway platform on
the embedded defaults (``foryou.rec.ml.replay``), ``foryou train``'s job trains and
publishes the retrieval model from the lake, and the For You pipeline, as the feed endpoint
runs it, is asked for K videos per test user. Popularity and tuned ``implicit`` ALS are
computed on the same split and scored the same way (``foryou.rec.ml.evaluate``). The
two-tower model's own top K is shown too: the gap between it and the page is what the
pipeline's other sources, heuristic scoring, exploration and diversity caps cost or add.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from foryou.platform import Platform
from foryou.platform.sql.migrate import upgrade_all
from foryou.rec import learned
from foryou.rec.ml import baselines, data, evaluate, replay
from foryou.rec.ml.serving import retrieval
from foryou.rec.ml.train import train_retrieval
from foryou.rec.ml.two_tower import TwoTowerConfig
from foryou.rec.pipeline import FeedContext
from foryou.rec.products import FOR_YOU
from foryou.settings import Settings

Steps = Callable[[str, int, int], None]  # (step, done, total)


@dataclass(frozen=True)
class Row:
    method: str
    scores: evaluate.Scores
    latency_ms: tuple[float, float] | None = None  # p50, p99 of one user's top K
    note: str = ""


@dataclass(frozen=True)
class Report:
    dataset: str
    how: str
    train_interactions: int
    items: int
    k: int
    rows: list[Row]
    repeats: int  # training items the feed recommended back (the seen filter's misses)
    lists: dict[int, list[int]]  # the feed's top K per test user, dataset item ids

    @property
    def best_baseline(self) -> float:
        return max(r.scores.ndcg for r in self.rows if r.method in BASELINES)


BASELINES = ("popularity", "implicit ALS (tuned)")


def load_split(folder: Path, test_file: Path | None) -> data.Split:
    """The dataset's split, or all of it for training and ``test_file`` as the test."""
    if test_file is None:
        return data.split(folder)
    everything, _ = data.load(folder)
    if not test_file.is_file():
        raise data.DatasetError(f"{test_file}: no such file")
    names = set(pq.read_schema(test_file).names)
    if missing := {"user_id", "item_id"} - names:
        raise data.DatasetError(f"{test_file}: missing columns {sorted(missing)}")
    table = pq.read_table(test_file, columns=["user_id", "item_id"])
    users = table["user_id"].to_numpy().astype(np.int64)
    test = data.Interactions(
        users, table["item_id"].to_numpy().astype(np.int64), np.zeros(len(users), np.int64)
    )
    test = test.take(np.isin(test.users, everything.users))
    return data.Split(everything, test, f"all of the dataset; the test from {test_file.name}")


def throwaway_settings(root: Path) -> Settings:
    """Embedded backends in ``root`` whatever FORYOU_* says: never a running platform's."""
    return Settings(
        mode="local",
        data_dir=root,
        sql_shards=[],
        blobs="",
        kv="",
        events="",
        jobs="",
        vectors=Settings.model_fields["vectors"].default,
        media_embedded_workers=0,
    )


@contextlib.asynccontextmanager
async def trained_platform(
    folder: Path,
    catalog: npt.NDArray[np.int64],
    train: data.Interactions,
    epochs: int,
    step: Steps,
) -> AsyncIterator[tuple[Platform, replay.Catalog]]:
    """A throwaway platform with the catalog, ``train`` replayed and applied, and a model
    trained on it live."""
    with tempfile.TemporaryDirectory(prefix="foryou-eval-") as root:
        platform = Platform.open(throwaway_settings(Path(root)))
        try:
            await upgrade_all(platform.sql)
            await platform.start_minting()
            step("publishing the catalog", 0, 1)
            videos = await replay.publish_catalog(
                platform, catalog.tolist(), replay.captions(folder), train.ts
            )
            step("publishing the catalog", 1, 1)
            await replay.replay(
                platform, train, videos, lambda d, t: step("replaying events", d, t)
            )
            step("stream processors", 0, 1)
            await replay.apply_log(platform)
            step("stream processors", 1, 1)
            await train_retrieval(
                platform,
                days=(time.time() - videos.shift_s - float(train.ts.min())) / 86_400 + 1,
                config=TwoTowerConfig(epochs=epochs),
                progress=lambda epoch, _: step("training", epoch, 2 * epochs),
            )
            await retrieval(platform).refresh(platform)
            yield platform, videos
        finally:
            await platform.close()


async def run(
    folder: Path,
    *,
    test_file: Path | None = None,
    k: int = 20,
    epochs: int = 10,
    steps: Steps | None = None,
) -> Report:
    split = load_split(folder, test_file)
    truth = split.test.by_user()
    if not truth:
        raise data.DatasetError(f"{folder}: no test user has training interactions")
    catalog = np.unique(np.concatenate([split.train.items, split.test.items]))
    step = steps or (lambda name, done, total: None)
    async with trained_platform(folder, catalog, split.train, epochs, step) as (platform, videos):
        feed, latency = await ask_feed(platform, videos, sorted(truth), k, step)
        alone = await ask_model(platform, videos, split.train, sorted(truth), k)
    step("baselines", 0, 2)
    popular = baselines.popularity(split.train, truth, k, catalog)
    step("baselines", 1, 2)
    als = baselines.als_tuned(split.train, truth, k, catalog)
    step("baselines", 2, 2)
    seen = split.train.by_user()
    rows = [
        Row("popularity", popular.scores),
        Row("implicit ALS (tuned)", als.scores, note=als.note),
        Row("foryou two-tower alone", evaluate.score(alone, truth, k, len(catalog))),
        Row("foryou For You feed", evaluate.score(feed, truth, k, len(catalog)), latency),
    ]
    repeats = sum(len(set(items) & seen.get(user, set())) for user, items in feed.items())
    return Report(folder.name, split.how, len(split.train), len(catalog), k, rows, repeats, feed)


async def ask_feed(
    platform: Platform, videos: replay.Catalog, users: list[int], k: int, step: Steps
) -> tuple[dict[int, list[int]], tuple[float, float]]:
    """Each user's For You page of ``k`` (item ids) and the pipeline's p50/p99 in ms."""
    lists, took = {}, []
    for n, user in enumerate(users):
        ctx = FeedContext(platform, f"u:{user}", user, k, uuid.uuid4().hex)
        began = time.perf_counter()
        page = await FOR_YOU.run(ctx)
        took.append((time.perf_counter() - began) * 1000)
        lists[user] = [videos.item_of[c.video_id] for c in page]
        if n % 100 == 0 or n == len(users) - 1:
            step("asking the feed", n + 1, len(users))
    p50, p99 = np.percentile(took, [50, 99])
    return lists, (float(p50), float(p99))


async def ask_model(
    platform: Platform, videos: replay.Catalog, train: data.Interactions, users: list[int], k: int
) -> dict[int, list[int]]:
    """The live two-tower version's own top K (history as serving reads it, training items
    left out): the learned source without the rest of the pipeline."""
    live = retrieval(platform).model
    if live is None:
        return {}
    seen, lists = train.by_user(), {}
    for user in users:
        history = await learned.latest_positives(platform, f"u:{user}")
        own = {videos.video_of[i] for i in seen.get(user, ())}
        found = live.search(live.viewer_vector(f"u:{user}", history), k + len(own))
        lists[user] = [videos.item_of[v] for v in found if v not in own][:k]
    return lists


def export(report: Report, path: Path) -> None:
    """The feed's top K lists as Parquet: ``user_id``, ``item_id``, ``rank`` (from 1)."""
    users: list[int] = []
    items: list[int] = []
    ranks: list[int] = []
    for user, found in report.lists.items():
        users += [user] * len(found)
        items += found
        ranks += range(1, len(found) + 1)
    table = pa.table(
        {
            "user_id": pa.array(users, pa.int64()),
            "item_id": pa.array(items, pa.int64()),
            "rank": pa.array(ranks, pa.int32()),
        }
    )
    pq.write_table(table, path)
