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
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Rows:
    """A training set as the arrays the ranker takes: one row per shown item."""

    served_ms: npt.NDArray[np.int64]
    viewers: npt.NDArray[np.int64]
    videos: npt.NDArray[np.int64]
    features: npt.NDArray[np.float64]
    captions: npt.NDArray[np.float32]
    labels: npt.NDArray[np.float32]  # (rows, len(TASKS))
    served_score: npt.NDArray[np.float64]  # what the feed scored them with

    @classmethod
    def shown(cls, table: pa.Table, platform: Platform) -> Rows:
        """The rows the viewer was shown (an impression or a watch followed)."""
        shown = table.filter(
            pc.or_(table["impressed"], pc.greater(table["watch_ratio"], pa.scalar(0.0)))
        )
        videos = shown["video_id"].to_numpy().astype(np.int64)

        def column(name: str) -> npt.NDArray[Any]:
            return shown[name].to_numpy(zero_copy_only=False)

        return cls(
            served_ms=column("served_ms"),
            viewers=np.array([viewer_id(v) for v in shown["viewer"].to_pylist()], np.int64),
            videos=videos,
            features=np.nan_to_num(
                np.column_stack([column(f"f_{n}") for n in FEATURES]).astype(np.float64)
            ),
            captions=captions(platform, videos.tolist()),
            labels=np.column_stack([column(t).astype(np.float32) for t in TASKS]),
            served_score=column("score").astype(np.float64),
        )

    def __len__(self) -> int:
        return len(self.videos)

    def take(self, mask: npt.NDArray[np.bool_]) -> Rows:
        return Rows(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})

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
        return Rows.shown(datasets.build(files, FEATURES, window_s), platform)


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
