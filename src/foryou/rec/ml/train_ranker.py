"""``foryou train --model ranker``: the multi-task ranker from the served log, checked on a
held-out time window, published, and made live unless the live ranker does better there.

Rows are the items the feed served that the viewer was shown (an impression or a watch
followed), with the features they were scored on and what followed (``datasets.build``).
The held-out check is the completion AUC, next to the AUC of the score the feed served them
with (the heuristic's, or the ranker's then live). As for retrieval, what is published is
trained again on every row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from foryou.platform import Platform
from foryou.rec.ml import datasets, evaluate, versions
from foryou.rec.ml.ranker import TASKS, Ranker, RankerConfig
from foryou.rec.ml.serving import CAPTION_DIM, RANKER, captions, viewer_id
from foryou.rec.ml.train import Report, TrainError, lake_files
from foryou.rec.ranking import FEATURES

MIN_ROWS = 100


class Rows:
    """A training set as the arrays the ranker takes."""

    def __init__(self, table: pa.Table, platform: Platform) -> None:
        shown = table.filter(
            pc.or_(table["impressed"], pc.greater(table["watch_ratio"], pa.scalar(0.0)))
        )
        self.served_ms = shown["served_ms"].to_numpy()
        self.viewers = np.array([viewer_id(v) for v in shown["viewer"].to_pylist()], dtype=np.int64)
        self.videos = shown["video_id"].to_numpy().astype(np.int64)
        self.features = np.column_stack(
            [shown[f"f_{name}"].to_numpy(zero_copy_only=False) for name in FEATURES]
        ).astype(np.float64)
        self.features = np.nan_to_num(self.features)
        self.captions = captions(platform, self.videos.tolist())
        self.labels = np.column_stack(
            [shown[t].to_numpy(zero_copy_only=False).astype(np.float32) for t in TASKS]
        )
        self.served_score = shown["score"].to_numpy(zero_copy_only=False).astype(np.float64)

    def __len__(self) -> int:
        return len(self.videos)

    def take(self, mask: npt.NDArray[np.bool_]) -> Rows:
        out = object.__new__(Rows)
        for name, value in vars(self).items():
            setattr(out, name, value[mask])
        return out

    def fit(self, ranker: Ranker) -> list[float]:
        return ranker.fit(self.viewers, self.videos, self.features, self.captions, self.labels)

    def completion_auc(self, ranker: Ranker) -> float:
        predicted = ranker.predict(
            self.viewers.tolist(), self.videos.tolist(), self.features, self.captions
        )
        return evaluate.auc(predicted[:, 0].astype(np.float64), self.labels[:, 0] > 0)


async def served_rows(platform: Platform, days: float, window_s: float) -> Rows:
    with tempfile.TemporaryDirectory(prefix="foryou-train-") as tmp:
        files = await lake_files(platform, datasets.TOPICS, days, Path(tmp))
        return Rows(datasets.build(files, FEATURES, window_s), platform)


async def train_ranker(
    platform: Platform,
    *,
    days: float = 7.0,
    window_s: float = 3600,
    test_share: float = 0.1,
    epochs: int = 8,
) -> Report:
    rows = await served_rows(platform, days, window_s)
    if len(rows) < MIN_ROWS:
        raise TrainError(
            f"only {len(rows)} shown feed items in the lake over the last {days:g} days; at "
            f"least {MIN_ROWS} are needed (the served log and the client's impressions and "
            "watches, written by `foryou serve`)"
        )
    config = RankerConfig(features=FEATURES, epochs=epochs)
    cutoff = np.quantile(rows.served_ms, 1 - test_share)
    train, test = rows.take(rows.served_ms < cutoff), rows.take(rows.served_ms >= cutoff)
    model = Ranker(config)
    train.fit(model)
    completed = test.labels[:, 0] > 0
    metrics = {
        "auc": test.completion_auc(model),
        "served_auc": evaluate.auc(test.served_score, completed),
        "train_rows": float(len(train)),
        "test_rows": float(len(test)),
        "trained_until_ms": float(rows.served_ms.max()),
    }
    live = await versions.live(platform, RANKER)
    if live is not None:
        unseen = test.take(test.served_ms > live.metrics.get("trained_until_ms", 0.0))
        if len(unseen):
            current = Ranker.from_bytes(await versions.weights(platform, RANKER, live.version))
            metrics["compared_auc"] = unseen.completion_auc(model)
            metrics["live_auc"] = unseen.completion_auc(current)
    final = Ranker(config)
    rows.fit(final)
    version = await versions.publish(
        platform,
        RANKER,
        final.to_bytes(),
        metrics=metrics,
        schema={"features": list(FEATURES), "tasks": list(TASKS), "caption_dim": CAPTION_DIM},
    )
    promoted = metrics.get("compared_auc", 1.0) >= metrics.get("live_auc", 0.0)
    if promoted:
        await versions.promote(platform, RANKER, version.version, force=True)
    return Report(version.version, promoted, metrics)
