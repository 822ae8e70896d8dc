"""Interaction datasets in the common folder format (``interactions.parquet``: ``user_id``,
``item_id``, ``ts``, ``value``, optionally ``split``), split into training and test parts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq

REQUIRED = {"user_id", "item_id", "ts", "value"}
OPTIONAL = {"split"}


class DatasetError(ValueError):
    """A dataset folder that is not in the common format; the message says what is wrong."""


@dataclass(frozen=True)
class Interactions:
    users: npt.NDArray[np.int64]
    items: npt.NDArray[np.int64]
    ts: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.users)

    def take(self, mask: npt.NDArray[np.bool_]) -> Interactions:
        return Interactions(self.users[mask], self.items[mask], self.ts[mask])

    def by_user(self) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {}
        for user, item in zip(self.users.tolist(), self.items.tolist(), strict=True):
            out.setdefault(user, set()).add(item)
        return out


@dataclass(frozen=True)
class Split:
    train: Interactions
    test: Interactions
    how: str  # "the dataset's own split" or "time split at ..."


def load(folder: Path) -> tuple[Interactions, npt.NDArray[np.str_] | None]:
    """The interactions, with the dataset's own split labels where it has them."""
    path = folder / "interactions.parquet"
    if not path.is_file():
        raise DatasetError(f"{folder}: no interactions.parquet (see the data README's format)")
    names = set(pq.read_schema(path).names)
    if missing := REQUIRED - names:
        raise DatasetError(f"{path}: missing columns {sorted(missing)}")
    if unknown := names - REQUIRED - OPTIONAL:
        raise DatasetError(f"{path}: unknown columns {sorted(unknown)}")
    table = pq.read_table(path)
    interactions = Interactions(
        table["user_id"].to_numpy().astype(np.int64),
        table["item_id"].to_numpy().astype(np.int64),
        table["ts"].to_numpy().astype(np.int64),
    )
    labels = table["split"].to_numpy(zero_copy_only=False) if "split" in names else None
    return interactions, labels


def split(folder: Path, test_share: float = 0.1) -> Split:
    """The dataset's train/valid split, else a time split: the last ``test_share`` of the
    interactions by time are the test. Test users not seen in training are dropped (every
    method here needs some history)."""
    data, labels = load(folder)
    if labels is not None:
        train, test = data.take(labels == "train"), data.take(labels != "train")
        how = "the dataset's own split"
    else:
        cutoff = int(np.quantile(data.ts, 1 - test_share))
        train, test = data.take(data.ts < cutoff), data.take(data.ts >= cutoff)
        how = f"time split at ts {cutoff}"
    test = test.take(np.isin(test.users, train.users))
    return Split(train, test, how)
