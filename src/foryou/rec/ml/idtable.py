"""Collisionless ID embeddings, as Monolith keeps them: a row per ID, never a shared hash slot.

- Every admitted ID owns a row; the table grows (doubling) as IDs arrive.
- A frequency filter admits an ID only once it has been seen ``min_count`` times, so the
  long tail of one-off IDs costs no rows; until then it reads as the zero vector.
- Rows idle for ``expire_s`` are freed and reused by new IDs.
- Training pulls the batch's rows as a leaf tensor and pushes the gradient back with a per-row
  Adagrad step (a parameter server's sparse update), so growth never disturbs an optimizer,
  and the rows touched since the last push are known: online training ships only those.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch


@dataclass
class Pulled:
    """One batch's rows: ``vectors`` is a leaf to backpropagate into; -1 rows are unadmitted."""

    rows: torch.Tensor  # int64, one per looked-up ID
    vectors: torch.Tensor  # (len(rows), dim), requires grad


class IdTable:
    def __init__(
        self,
        dim: int,
        *,
        min_count: int = 1,
        expire_s: float = math.inf,
        lr: float = 0.05,
        init_std: float = 0.05,
        capacity: int = 1024,
        seed: int = 0,
    ) -> None:
        self.dim, self.min_count, self.expire_s, self.lr = dim, min_count, expire_s, lr
        self.init_std = init_std
        self._gen = torch.Generator().manual_seed(seed)
        self.weight = torch.zeros(capacity, dim)
        self._accum = torch.zeros(capacity)  # Adagrad: the sum of squared gradient norms
        self._row: dict[int, int] = {}  # id -> row
        self._id_of: dict[int, int] = {}  # row -> id
        self._last_seen = np.zeros(capacity)
        self._free: list[int] = list(range(capacity - 1, -1, -1))
        self._pending: dict[int, int] = {}  # sightings of IDs not admitted yet
        self._dirty: set[int] = set()

    def __len__(self) -> int:
        return len(self._row)

    @property
    def capacity(self) -> int:
        return int(self.weight.shape[0])

    def row_of(self, id_: int) -> int | None:
        return self._row.get(id_)

    def pull(self, ids: Sequence[int], *, now: float = 0.0, admit: bool = True) -> Pulled:
        """The rows of ``ids`` (admitting those that reach ``min_count`` when ``admit``)."""
        rows = [self._see(i, now) if admit else self._row.get(i, -1) for i in ids]
        index = torch.tensor(rows, dtype=torch.int64)
        known = index >= 0
        vectors = torch.zeros(len(rows), self.dim)
        vectors[known] = self.weight[index[known]]
        return Pulled(index, vectors.requires_grad_())

    def push(self, pulled: Pulled) -> None:
        """Apply the gradient that reached ``pulled.vectors`` (per-row Adagrad)."""
        grad = pulled.vectors.grad
        if grad is None:
            return
        known = pulled.rows >= 0
        rows, grad = pulled.rows[known], grad[known]
        if not len(rows):
            return
        unique, inverse = torch.unique(rows, return_inverse=True)
        summed = torch.zeros(len(unique), self.dim).index_add_(0, inverse, grad)
        self._accum[unique] += summed.pow(2).sum(dim=1)
        step = self.lr / (self._accum[unique].sqrt() + 1e-8)
        self.weight[unique] -= step.unsqueeze(1) * summed
        self._dirty.update(self._id_of[r] for r in unique.tolist())

    def vectors(self, ids: Iterable[int]) -> npt.NDArray[np.float32]:
        """Serving's read: admitted IDs' rows, zeros for the rest; admits nothing."""
        pulled = self.pull(list(ids), admit=False)
        return pulled.vectors.detach().numpy().astype(np.float32)

    def take_dirty(self) -> dict[int, npt.NDArray[np.float32]]:
        """The IDs updated since the last call, with their rows now (what to ship)."""
        ids, self._dirty = sorted(self._dirty), set()
        return {i: v for i, v in zip(ids, self.vectors(ids), strict=True) if i in self._row}

    def expire(self, now: float) -> int:
        """Free the rows of IDs not seen for ``expire_s``; how many were freed."""
        if math.isinf(self.expire_s):
            return 0
        idle = [i for i, r in self._row.items() if now - self._last_seen[r] > self.expire_s]
        for id_ in idle:
            row = self._row.pop(id_)
            del self._id_of[row]
            self._free.append(row)
            self._dirty.discard(id_)
        return len(idle)

    def state(self) -> dict[str, torch.Tensor]:
        """The admitted IDs, their rows and their Adagrad sums (what a model version stores:
        online training goes on from it with the step sizes batch training reached)."""
        ids = list(self._row)
        rows = torch.tensor([self._row[i] for i in ids], dtype=torch.int64)
        return {
            "ids": torch.tensor(ids, dtype=torch.int64),
            "vectors": self.weight[rows].clone(),
            "accum": self._accum[rows].clone(),
        }

    def load_state(self, state: dict[str, torch.Tensor], now: float = 0.0) -> None:
        self.load(dict(zip(state["ids"].tolist(), state["vectors"].numpy(), strict=True)), now)
        if "accum" in state:  # absent from online updates, which ship rows only
            rows = torch.tensor([self._row[i] for i in state["ids"].tolist()], dtype=torch.int64)
            self._accum[rows] = state["accum"]

    def load(self, rows: dict[int, npt.NDArray[np.float32]], now: float = 0.0) -> None:
        """Set these IDs' vectors (admitting them): serving applying a pushed update."""
        for id_, vector in rows.items():
            row = self._admit(id_, now)
            self.weight[row] = torch.as_tensor(vector)

    def _see(self, id_: int, now: float) -> int:
        row = self._row.get(id_)
        if row is None:
            seen = self._pending.get(id_, 0) + 1
            if seen < self.min_count:
                self._pending[id_] = seen
                return -1
            self._pending.pop(id_, None)
            row = self._admit(id_, now)
        self._last_seen[row] = now
        return row

    def _admit(self, id_: int, now: float) -> int:
        if (row := self._row.get(id_)) is not None:
            return row
        if not self._free:
            self._grow()
        row = self._free.pop()
        self._row[id_], self._id_of[row] = row, id_
        self.weight[row] = torch.randn(self.dim, generator=self._gen) * self.init_std
        self._accum[row] = 0.0
        self._last_seen[row] = now
        return row

    def _grow(self) -> None:
        old = self.capacity
        self.weight = torch.cat([self.weight, torch.zeros(old, self.dim)])
        self._accum = torch.cat([self._accum, torch.zeros(old)])
        self._last_seen = np.concatenate([self._last_seen, np.zeros(old)])
        self._free.extend(range(2 * old - 1, old - 1, -1))
