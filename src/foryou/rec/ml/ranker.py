"""The multi-task ranker: from one shared tower, the chances that a viewer finishes, likes,
shares, follows the creator of a video, and the share of it they watch.

Inputs per (viewer, video): the viewer's and the video's collisionless ID embeddings
(``IdTable``), the online features the feed hydrated (``foryou.rec.ranking.FEATURES``, as
served: training rows come from the served log, so they are what serving sees), and the
video's caption embedding projected down. The value the feed sorts by weighs the tasks as
the heuristic does: P(complete) + 4·P(like) + 8·P(share) + 5·P(follow) + E[watch ratio].
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from foryou.rec.ml.idtable import IdTable
from foryou.rec.ml.serving import CAPTION_DIM

TASKS = ("completed", "liked", "shared", "followed", "watch_ratio")
VALUE = {"completed": 1.0, "liked": 4.0, "shared": 8.0, "followed": 5.0, "watch_ratio": 1.0}
MAX_RATIO = 2.0  # watch ratios (replays) are clipped here


@dataclass(frozen=True)
class RankerConfig:
    features: tuple[str, ...]
    id_dim: int = 16
    hidden: int = 64
    epochs: int = 8
    batch: int = 256
    id_lr: float = 0.05
    dense_lr: float = 3e-3
    seed: int = 0


class Ranker:
    def __init__(self, config: RankerConfig) -> None:
        self.config = config
        torch.manual_seed(config.seed)
        d = config.id_dim
        self.viewers = IdTable(d, lr=config.id_lr, seed=config.seed)
        self.videos = IdTable(d, lr=config.id_lr, seed=config.seed + 1)
        self.dense = nn.ModuleDict(
            {
                "caption": nn.Linear(CAPTION_DIM, d),
                "tower": nn.Sequential(
                    nn.Linear(3 * d + len(config.features), config.hidden),
                    nn.ReLU(),
                    nn.Linear(config.hidden, config.hidden),
                    nn.ReLU(),
                ),
                "heads": nn.Linear(config.hidden, len(TASKS)),
            }
        )
        self._optimizer = torch.optim.Adam(self.dense.parameters(), lr=config.dense_lr)

    def _logits(
        self,
        viewers: torch.Tensor,
        videos: torch.Tensor,
        features: npt.NDArray[np.float64],
        captions: npt.NDArray[np.float32],
    ) -> torch.Tensor:
        x = torch.as_tensor(features, dtype=torch.float32)
        x = torch.sign(x) * torch.log1p(x.abs())  # counters span orders of magnitude
        caption = self.dense["caption"](torch.as_tensor(captions))
        hidden = self.dense["tower"](torch.cat([viewers, videos, caption, x], dim=1))
        out: torch.Tensor = self.dense["heads"](hidden)
        return out

    def fit(
        self,
        viewer_ids: npt.NDArray[np.int64],
        video_ids: npt.NDArray[np.int64],
        features: npt.NDArray[np.float64],
        captions: npt.NDArray[np.float32],
        labels: npt.NDArray[np.float32],  # (rows, len(TASKS))
    ) -> list[float]:
        """Train on served rows; the mean loss of each epoch."""
        rng = np.random.default_rng(self.config.seed)
        target = torch.as_tensor(labels, dtype=torch.float32)
        losses = []
        for _ in range(self.config.epochs):
            order, epoch = rng.permutation(len(video_ids)), []
            for start in range(0, len(order), self.config.batch):
                rows = order[start : start + self.config.batch]
                epoch.append(self._step(viewer_ids, video_ids, features, captions, target, rows))
            losses.append(float(np.mean(epoch)))
        return losses

    def _step(
        self,
        viewer_ids: npt.NDArray[np.int64],
        video_ids: npt.NDArray[np.int64],
        features: npt.NDArray[np.float64],
        captions: npt.NDArray[np.float32],
        target: torch.Tensor,
        rows: npt.NDArray[np.int64],
    ) -> float:
        viewers = self.viewers.pull(viewer_ids[rows].tolist())
        videos = self.videos.pull(video_ids[rows].tolist())
        logits = self._logits(viewers.vectors, videos.vectors, features[rows], captions[rows])
        y = target[rows]
        binary = nn.functional.binary_cross_entropy_with_logits(logits[:, :-1], y[:, :-1])
        ratio = nn.functional.mse_loss(
            nn.functional.softplus(logits[:, -1]), y[:, -1].clamp(0, MAX_RATIO)
        )
        loss = binary + ratio
        self._optimizer.zero_grad()
        loss.backward()
        self._optimizer.step()
        self.viewers.push(viewers)
        self.videos.push(videos)
        return float(loss.detach())

    @torch.no_grad()
    def predict(
        self,
        viewer_ids: Sequence[int],
        video_ids: Sequence[int],
        features: npt.NDArray[np.float64],
        captions: npt.NDArray[np.float32],
    ) -> npt.NDArray[np.float32]:
        """(rows, len(TASKS)): probabilities for the binary tasks, the expected watch ratio."""
        viewers = self.viewers.pull(list(viewer_ids), admit=False).vectors
        videos = self.videos.pull(list(video_ids), admit=False).vectors
        logits = self._logits(viewers, videos, features, captions)
        out = torch.sigmoid(logits)
        out[:, -1] = nn.functional.softplus(logits[:, -1])
        return out.numpy()

    def values(self, predicted: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        weights = np.array([VALUE[t] for t in TASKS])
        found: npt.NDArray[np.float64] = predicted.astype(np.float64) @ weights
        return found

    def to_bytes(self) -> bytes:
        state: dict[str, Any] = {
            "config": {**asdict(self.config), "features": list(self.config.features)},
            "viewers": self.viewers.state(),
            "videos": self.videos.state(),
            "dense": self.dense.state_dict(),
        }
        out = io.BytesIO()
        torch.save(state, out)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Ranker:
        state = torch.load(io.BytesIO(data), weights_only=True)
        config = state["config"]
        ranker = cls(RankerConfig(**{**config, "features": tuple(config["features"])}))
        ranker.viewers.load_state(state["viewers"])
        ranker.videos.load_state(state["videos"])
        ranker.dense.load_state_dict(state["dense"])
        return ranker
