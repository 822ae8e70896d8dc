"""Offline evaluation: top-K lists scored against held-out interactions, and the baselines.

Recall@K is the share of a user's held-out items found in their top K; NDCG@K discounts each
hit by its rank and divides by the best possible for that user. Coverage is the share of the
catalog that appears in anyone's top K. Items a user interacted with in training are never
recommended to them (every method gets the same exclusion).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

Lists = Mapping[int, Sequence[int]]


@dataclass(frozen=True)
class Scores:
    recall: float
    ndcg: float
    coverage: float
    users: int


def score(recommended: Lists, truth: Mapping[int, set[int]], k: int, catalog: int) -> Scores:
    recalls, ndcgs, shown = [], [], set()
    for user, relevant in truth.items():
        top = list(recommended.get(user, ()))[:k]
        shown.update(top)
        hits = [rank for rank, item in enumerate(top) if item in relevant]
        recalls.append(len(hits) / min(len(relevant), k))
        ideal = sum(1 / np.log2(r + 2) for r in range(min(len(relevant), k)))
        ndcgs.append(sum(1 / np.log2(r + 2) for r in hits) / ideal)
    return Scores(
        recall=float(np.mean(recalls)) if recalls else 0.0,
        ndcg=float(np.mean(ndcgs)) if ndcgs else 0.0,
        coverage=len(shown) / max(catalog, 1),
        users=len(truth),
    )


def top_k_by_dot(
    user_ids: Sequence[int],
    user_vectors: npt.NDArray[np.float32],
    item_ids: npt.NDArray[np.int64],
    item_vectors: npt.NDArray[np.float32],
    k: int,
    exclude: Mapping[int, set[int]],
) -> dict[int, list[int]]:
    """Exact top K by dot product, skipping each user's excluded items."""
    position = {int(item): n for n, item in enumerate(item_ids)}
    scores = user_vectors @ item_vectors.T
    out = {}
    for row, user in enumerate(user_ids):
        seen = [position[i] for i in exclude.get(user, ()) if i in position]
        scores[row, seen] = -np.inf
        best = np.argpartition(-scores[row], min(k, len(item_ids) - 1))[:k]
        best = best[np.argsort(-scores[row, best])]
        out[user] = [int(item_ids[b]) for b in best if np.isfinite(scores[row, b])]
    return out


def popularity(
    train_items: npt.NDArray[np.int64],
    users: Sequence[int],
    k: int,
    exclude: Mapping[int, set[int]],
) -> dict[int, list[int]]:
    """The most interacted-with items in training, minus each user's own."""
    ids, counts = np.unique(train_items, return_counts=True)
    ranked = ids[np.argsort(-counts, kind="stable")].tolist()
    out = {}
    for user in users:
        own = exclude.get(user, set())
        out[user] = [i for i in ranked[: k + len(own)] if i not in own][:k]
    return out


def auc(scores: npt.NDArray[np.float64], labels: npt.NDArray[np.bool_]) -> float:
    """The chance a random positive outranks a random negative (ties count half); 0.5 when
    one class is missing."""
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return 0.5
    ranks = rankdata(scores)  # ties share their mean rank
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))
