"""The model versions this process serves, kept current from the blobs port."""

from __future__ import annotations

import hashlib
import io
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import faiss
import numpy as np
import numpy.typing as npt
from prometheus_client import Histogram

from foryou.platform import Platform
from foryou.rec import embeddings
from foryou.rec.ml.versions import Registry

if TYPE_CHECKING:
    from foryou.rec.ml.ranker import Ranker
    from foryou.rec.ml.two_tower import TwoTower

RETRIEVAL = "two_tower"
RANKER = "ranker"
CAPTION_DIM = embeddings.DIM
FRESHNESS = Histogram(
    "foryou_model_freshness_seconds",
    "From the oldest event an online update learned from to serving with that update",
    ["name"],
    buckets=(5, 15, 30, 60, 90, 120, 180, 300, 600, 1800),
)
EXACT_UP_TO = 100_000  # videos; beyond this the video vectors go in an HNSW graph


def viewer_id(viewer: str) -> int:
    """A viewer key (``u:<id>`` or ``d:<device>``) as a 63-bit row ID for the ID tables."""
    return int.from_bytes(hashlib.blake2b(viewer.encode(), digest_size=8).digest()) >> 1


@dataclass(frozen=True)
class LiveRetrieval:
    """A two-tower version with its video vectors indexed for inner-product search."""

    model: TwoTower
    video_ids: npt.NDArray[np.int64]
    vectors: npt.NDArray[np.float32]  # row n is video_ids[n]'s
    row_of: dict[int, int]
    index: faiss.Index

    def knows(self, viewer: str) -> bool:
        return self.model.users.row_of(viewer_id(viewer)) is not None

    def viewer_vector(self, viewer: str, history: list[int]) -> npt.NDArray[np.float32]:
        """The viewer's unit vector, given their latest positives (newest last)."""
        return self.model.user_vectors([viewer_id(viewer)], [history])[0]

    def search(self, query: npt.NDArray[np.float32], k: int) -> list[int]:
        """The ``k`` videos nearest the viewer's vector."""
        _, found = self.index.search(query[None, :], min(k, len(self.video_ids)))
        return [int(self.video_ids[i]) for i in found[0] if i >= 0]

    def similarity(
        self, query: npt.NDArray[np.float32], video_ids: list[int]
    ) -> npt.NDArray[np.float32]:
        """Cosine of each video with the viewer's vector; 0 for videos the model never saw."""
        rows = np.array([self.row_of.get(v, -1) for v in video_ids], dtype=np.int64)
        known = rows >= 0
        out = np.zeros(len(video_ids), dtype=np.float32)
        out[known] = self.vectors[rows[known]] @ query
        return out


def _load_two_tower(data: bytes) -> LiveRetrieval:
    # imported here: torch costs ~200 MB, and a process with no live model never needs it
    from foryou.rec.ml.two_tower import TwoTower

    return _indexed(TwoTower.from_bytes(data))


def _apply_update(live: LiveRetrieval, data: bytes) -> LiveRetrieval:
    """An online update applied to a copy (requests keep reading the one they hold)."""
    import torch

    from foryou.rec.ml.two_tower import TwoTower

    update = torch.load(io.BytesIO(data), weights_only=True)
    model = TwoTower.from_state(live.model.state())
    model.apply_update(update)
    updated = _indexed(model)
    FRESHNESS.labels(RETRIEVAL).observe(max(time.time() - update["events_ms"][0] / 1000, 0.0))
    return updated


def _indexed(model: TwoTower) -> LiveRetrieval:
    video_ids = model.items.state()["ids"].numpy()
    vectors = np.ascontiguousarray(model.item_vectors(video_ids.tolist()))
    dim = vectors.shape[1]
    index = (
        faiss.IndexFlatIP(dim)
        if len(video_ids) <= EXACT_UP_TO
        else faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    )
    index.add(vectors)
    row_of = {int(v): n for n, v in enumerate(video_ids.tolist())}
    return LiveRetrieval(model, video_ids, vectors, row_of, index)


def retrieval(platform: Platform) -> Registry[LiveRetrieval]:
    found: Registry[LiveRetrieval] = platform.local.setdefault(
        "model:" + RETRIEVAL, Registry(RETRIEVAL, _load_two_tower, _apply_update)
    )
    return found


def captions(platform: Platform, video_ids: list[int]) -> npt.NDArray[np.float32]:
    """Each video's caption vector from the vectors port (zeros where it has none)."""
    out = np.zeros((len(video_ids), CAPTION_DIM), dtype=np.float32)
    if platform.vectors.dim == CAPTION_DIM:
        positions, rows = platform.vectors.get_many(video_ids)
        out[positions] = rows
    return out


def _load_ranker(data: bytes) -> Ranker:
    from foryou.rec.ml.ranker import Ranker

    return Ranker.from_bytes(data)


def ranking(platform: Platform) -> Registry[Ranker]:
    found: Registry[Ranker] = platform.local.setdefault(
        "model:" + RANKER, Registry(RANKER, _load_ranker)
    )
    return found
