"""``foryou train``: the retrieval model from the lake, checked on a held-out time window,
published as a version, and promoted only when it is not worse than the live version
scored on the same held-out window.

Positives are what a viewer finished (a completed watch) or liked, one per viewer and video
(the first time). The last ``test_share`` of them by time is held out; the model is scored
there (NDCG@K, recall@K, coverage, each viewer's training videos excluded) next to the
popularity baseline on the same split, and both go into the version's metrics. The version
published is then trained again on all positives: the held-out window is the freshest data,
and serving should not go without it. It replaces the live version unless the live one does
better on the held-out positives newer than the live one's own training data.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from foryou.platform import Platform
from foryou.rec.ml import evaluate, versions
from foryou.rec.ml.data import Interactions
from foryou.rec.ml.lake import fetch, views
from foryou.rec.ml.serving import RETRIEVAL, viewer_id
from foryou.rec.ml.two_tower import TwoTower, TwoTowerConfig, histories
from foryou.stream import topics

DAY_MS = 86_400_000
MIN_POSITIVES = 50
POSITIVES_SQL = """
SELECT viewer, video_id, min(at_ms) AS at_ms FROM (
    SELECT json_extract_string(value, '$.viewer') AS viewer,
           CAST(json_extract(value, '$.video_id') AS BIGINT) AS video_id,
           COALESCE(TRY_CAST(json_extract(value, '$.received_ms') AS BIGINT), ts_ms) AS at_ms
    FROM watch
    WHERE type = 'watch' AND TRY_CAST(json_extract(value, '$.completed') AS BOOLEAN)
    UNION ALL
    SELECT 'u:' || json_extract_string(value, '$.user_id'),
           CAST(json_extract(value, '$.video_id') AS BIGINT), ts_ms
    FROM interactions WHERE type = 'like.added'
)
WHERE viewer IS NOT NULL AND video_id IS NOT NULL
GROUP BY viewer, video_id
ORDER BY at_ms
"""


class TrainError(ValueError):
    """Training could not produce a version (too little data); nothing was published."""


@dataclass(frozen=True)
class Report:
    version: str
    promoted: bool
    metrics: dict[str, float]


async def lake_files(
    platform: Platform, names: Sequence[str], days: float, into: Path
) -> dict[str, list[Path]]:
    """The lake's files of the last ``days`` for each topic, downloaded into ``into``."""
    now_ms = int(time.time() * 1000)
    since = now_ms - int(days * DAY_MS)
    return {t: await fetch(platform, t, since, now_ms + 1, into) for t in names}


async def lake_positives(platform: Platform, days: float) -> Interactions:
    """The positives of the lake's last ``days``."""
    with tempfile.TemporaryDirectory(prefix="foryou-train-") as tmp:
        topics_ = (topics.WATCH, topics.INTERACTIONS)
        return positives(await lake_files(platform, topics_, days, Path(tmp)))


def positives(files: dict[str, list[Path]]) -> Interactions:
    """Every viewer's first positive per video, oldest first."""
    with duckdb.connect() as con:
        views(con, files, [topics.WATCH, topics.INTERACTIONS])
        rows = con.sql(POSITIVES_SQL).fetchnumpy()
    viewers = np.array([viewer_id(v) for v in rows["viewer"].tolist()], dtype=np.int64)
    return Interactions(viewers, rows["video_id"].astype(np.int64), rows["at_ms"].astype(np.int64))


async def train_retrieval(
    platform: Platform,
    *,
    days: float = 7.0,
    test_share: float = 0.1,
    k: int = 20,
    config: TwoTowerConfig = TwoTowerConfig(),
    progress: Callable[[int, float], None] | None = None,
) -> Report:
    found = await lake_positives(platform, days)
    if len(found) < MIN_POSITIVES:
        raise TrainError(
            f"only {len(found)} positives (completed watches and likes) in the lake over the "
            f"last {days:g} days; at least {MIN_POSITIVES} are needed (the lake is written by "
            "the stream processors of `foryou serve` or `foryou stream`)"
        )
    cutoff = int(np.quantile(found.ts, 1 - test_share))
    train = found.take(found.ts < cutoff)
    test = found.take((found.ts >= cutoff) & np.isin(found.users, train.users))
    if not len(test):
        raise TrainError("no viewer in the held-out window has earlier positives to learn from")
    model = TwoTower(config)
    model.fit(train.users, train.items, progress=progress)
    metrics = score(model, train, test, k)
    # What is published learns from everything, the held-out window (the freshest) included.
    final = TwoTower(config)
    final.fit(found.users, found.items, progress=_after(progress, config.epochs))
    metrics["trained_until_ms"] = float(found.ts.max())
    live = await versions.live(platform, RETRIEVAL)
    if live is not None:
        metrics.update(await _against_live(platform, live, model, train, test, k))
    version = await versions.publish(
        platform,
        RETRIEVAL,
        final.to_bytes(),
        metrics=metrics,
        schema={"inputs": ["viewer_id", "video_id"], "dim": config.dim},
    )
    promoted = metrics.get("compared_ndcg", 1.0) >= metrics.get("live_ndcg", 0.0)
    if promoted:
        await versions.promote(platform, RETRIEVAL, version.version, force=True)
    return Report(version.version, promoted, metrics)


async def _against_live(
    platform: Platform,
    live: versions.Version,
    model: TwoTower,
    train: Interactions,
    test: Interactions,
    k: int,
) -> dict[str, float]:
    """Both models on the part of the held-out window the live one did not train on (it
    would look perfect on what it learned). Nothing to compare when it trained on all of it:
    the new version is then at least as fresh, and goes live."""
    unseen = test.take(test.ts > live.metrics.get("trained_until_ms", 0.0))
    if not len(unseen):
        return {}
    current = TwoTower.from_bytes(await versions.weights(platform, RETRIEVAL, live.version))
    return {
        "compared_ndcg": score(model, train, unseen, k)["ndcg"],
        "live_ndcg": score(current, train, unseen, k)["ndcg"],
    }


def _after(
    progress: Callable[[int, float], None] | None, epochs: int
) -> Callable[[int, float], None] | None:
    """The second fit's epochs counted on from the first's."""
    if progress is None:
        return None
    return lambda epoch, loss: progress(epochs + epoch, loss)


def score(model: TwoTower, train: Interactions, test: Interactions, k: int) -> dict[str, float]:
    """The model's top K for each held-out viewer (their training positives as the history
    serving would read, and never recommended) next to popularity's, on the same split."""
    seen, truth = train.by_user(), test.by_user()
    latest = histories(train.users, train.items)
    catalog = np.unique(np.concatenate([train.items, test.items]))
    who = sorted(truth)
    ranked = evaluate.top_k_by_dot(
        who,
        model.user_vectors(who, [latest[u] for u in who]),
        catalog,
        model.item_vectors(catalog.tolist()),
        k,
        seen,
    )
    learned = evaluate.score(ranked, truth, k, len(catalog))
    by_popularity = evaluate.popularity(train.items, who, k, seen)
    popular = evaluate.score(by_popularity, truth, k, len(catalog))
    return {
        "ndcg": learned.ndcg,
        "recall": learned.recall,
        "coverage": learned.coverage,
        "popularity_ndcg": popular.ndcg,
        "popularity_recall": popular.recall,
        "k": float(k),
        "train_positives": float(len(train)),
        "test_viewers": float(len(truth)),
    }
