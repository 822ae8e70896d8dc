"""Two-tower retrieval: a viewer tower and a video tower whose dot product ranks videos.

Trained on (viewer, video) positives with an in-batch sampled softmax and the log-q
correction (Yi et al., RecSys 2019): popular videos turn up as in-batch negatives more often
than others, so each logit subtracts log q(video), the video's share of the training
positives, and the model does not learn to push popular videos down. ID embeddings live in
collisionless ``IdTable``s (sparse Adagrad); the dense projections train with Adam.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from foryou.rec.ml.idtable import IdTable, Pulled


@dataclass(frozen=True)
class TwoTowerConfig:
    dim: int = 64
    temperature: float = 0.2
    batch: int = 512
    epochs: int = 10
    id_lr: float = 0.1
    dense_lr: float = 3e-3
    min_count: int = 1
    history: int = 50  # the viewer's latest positives averaged into their vector (0: none)
    seed: int = 0


def histories(users: npt.NDArray[np.int64], items: npt.NDArray[np.int64]) -> dict[int, list[int]]:
    """Each viewer's positives in the order given (time order: newest last)."""
    found: dict[int, list[int]] = {}
    for user, item in zip(users.tolist(), items.tolist(), strict=True):
        found.setdefault(user, []).append(item)
    return found


class TwoTower:
    def __init__(self, config: TwoTowerConfig = TwoTowerConfig()) -> None:
        self.config = config
        torch.manual_seed(config.seed)
        self.users = IdTable(
            config.dim, lr=config.id_lr, min_count=config.min_count, seed=config.seed
        )
        self.items = IdTable(
            config.dim, lr=config.id_lr, min_count=config.min_count, seed=config.seed + 1
        )
        self.user_proj = nn.Linear(config.dim, config.dim)
        self.item_proj = nn.Linear(config.dim, config.dim)
        self._dense = torch.optim.Adam(
            [*self.user_proj.parameters(), *self.item_proj.parameters()], lr=config.dense_lr
        )
        self.log_q: dict[int, float] = {}

    def _tower(self, proj: nn.Linear, raw: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(raw + proj(raw), dim=-1)

    def fit(
        self,
        users: npt.NDArray[np.int64],
        items: npt.NDArray[np.int64],
        *,
        now: float = 0.0,
        progress: Callable[[int, float], None] | None = None,
    ) -> list[float]:
        """Train on positive pairs in time order (shuffled each epoch); the mean loss of each
        epoch. A pair's viewer history is their other positives (the latest ``history``)."""
        by_viewer = histories(users, items)
        ids, counts = np.unique(items, return_counts=True)
        total = counts.sum()
        self.log_q.update(zip(ids.tolist(), np.log(counts / total).tolist(), strict=True))
        rng = np.random.default_rng(self.config.seed)
        losses = []
        for epoch in range(self.config.epochs):
            order = rng.permutation(len(users))
            epoch_loss = []
            for start in range(0, len(order), self.config.batch):
                batch = order[start : start + self.config.batch]
                pairs = zip(users[batch].tolist(), items[batch].tolist(), strict=True)
                history = [self._history(by_viewer[u], leave_out=i) for u, i in pairs]
                epoch_loss.append(self.step(users[batch], items[batch], history, now=now))
            losses.append(float(np.mean(epoch_loss)))
            if progress:
                progress(epoch + 1, losses[-1])
        return losses

    def _history(self, items: Sequence[int], leave_out: int | None = None) -> list[int]:
        if not self.config.history:
            return []
        latest = items[-(self.config.history + 1) :]
        return [i for i in latest if i != leave_out][-self.config.history :]

    def _viewer_raw(
        self, pulled: Pulled, histories: Sequence[Sequence[int]], now: float, admit: bool
    ) -> tuple[torch.Tensor, Pulled | None]:
        """ID row plus the mean of the history's video rows (which learn through it too)."""
        flat = [item for h in histories for item in h]
        if not flat:
            return pulled.vectors, None
        rows = torch.tensor([n for n, h in enumerate(histories) for _ in h], dtype=torch.int64)
        history = self.items.pull(flat, now=now, admit=admit)
        sums = torch.zeros(len(histories), self.config.dim).index_add(0, rows, history.vectors)
        counts = torch.bincount(rows, minlength=len(histories)).clamp(min=1).unsqueeze(1)
        return pulled.vectors + sums / counts, history

    def step(
        self,
        users: npt.NDArray[np.int64],
        items: npt.NDArray[np.int64],
        histories: Sequence[Sequence[int]],
        *,
        now: float = 0.0,
    ) -> float:
        """One sampled-softmax step on a batch of positives (online training calls this)."""
        pulled_u = self.users.pull(users.tolist(), now=now)
        pulled_i = self.items.pull(items.tolist(), now=now)
        raw, pulled_h = self._viewer_raw(pulled_u, histories, now, admit=True)
        u = self._tower(self.user_proj, raw)
        v = self._tower(self.item_proj, pulled_i.vectors)
        log_q = torch.tensor([self.log_q.get(i, 0.0) for i in items.tolist()])
        logits = u @ v.T / self.config.temperature - log_q  # column j: video j as a negative
        same = torch.as_tensor(items[:, None] == items[None, :])
        logits = logits.masked_fill(same & ~torch.eye(len(items), dtype=torch.bool), -1e9)
        loss = nn.functional.cross_entropy(logits, torch.arange(len(items)))
        self._dense.zero_grad()
        loss.backward()
        self._dense.step()
        self.users.push(pulled_u)
        self.items.push(pulled_i)
        if pulled_h is not None:
            self.items.push(pulled_h)
        return float(loss.detach())

    def state(self) -> dict[str, Any]:
        """Everything serving needs, in types ``torch.load(weights_only=True)`` accepts."""
        return {
            "config": asdict(self.config),
            "users": self.users.state(),
            "items": self.items.state(),
            "user_proj": self.user_proj.state_dict(),
            "item_proj": self.item_proj.state_dict(),
            "log_q": {"ids": list(self.log_q), "values": list(self.log_q.values())},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TwoTower:
        model = cls(TwoTowerConfig(**state["config"]))
        model.users.load_state(state["users"])
        model.items.load_state(state["items"])
        model.user_proj.load_state_dict(state["user_proj"])
        model.item_proj.load_state_dict(state["item_proj"])
        model.log_q = dict(zip(state["log_q"]["ids"], state["log_q"]["values"], strict=True))
        return model

    def take_update(self, dense: bool) -> dict[str, Any]:
        """The ID rows changed since the last call, and the dense weights when ``dense``:
        what online training ships (``apply_update`` on serving's copy)."""

        def rows(table: IdTable) -> dict[str, torch.Tensor]:
            changed = table.take_dirty()
            vectors = np.array(list(changed.values()), dtype=np.float32).reshape(
                -1, self.config.dim
            )
            return {
                "ids": torch.tensor(list(changed), dtype=torch.int64),
                "vectors": torch.from_numpy(vectors),
            }

        update: dict[str, Any] = {"users": rows(self.users), "items": rows(self.items)}
        if dense:
            update["user_proj"] = self.user_proj.state_dict()
            update["item_proj"] = self.item_proj.state_dict()
        return update

    def apply_update(self, update: dict[str, Any]) -> None:
        self.users.load_state(update["users"])
        self.items.load_state(update["items"])
        if "user_proj" in update:
            self.user_proj.load_state_dict(update["user_proj"])
            self.item_proj.load_state_dict(update["item_proj"])

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        torch.save(self.state(), out)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TwoTower:
        """A saved model; only tensors and plain values are unpickled (weights_only)."""
        return cls.from_state(torch.load(io.BytesIO(data), weights_only=True))

    @torch.no_grad()
    def user_vectors(
        self, users: list[int], histories: Sequence[Sequence[int]] | None = None
    ) -> npt.NDArray[np.float32]:
        """Each viewer's vector from their ID row and their latest positives (newest last),
        so a viewer the model has not seen still gets one from what they just finished."""
        pulled = self.users.pull(users, admit=False)
        latest = [self._history(h) for h in histories] if histories else [[] for _ in users]
        raw, _ = self._viewer_raw(pulled, latest, 0.0, admit=False)
        return self._tower(self.user_proj, raw).numpy()

    @torch.no_grad()
    def item_vectors(self, items: list[int]) -> npt.NDArray[np.float32]:
        raw = torch.as_tensor(self.items.vectors(items))
        return self._tower(self.item_proj, raw).numpy()
