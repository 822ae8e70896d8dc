"""The baselines foryou is measured against: popularity and ``implicit`` ALS, tuned.

ALS is tuned on the split it is scored on (the best NDCG@K over factors × regularization ×
alpha), which favours it: a model that beats it here beats it fairly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import implicit
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import threadpoolctl

from foryou.rec.ml import evaluate
from foryou.rec.ml.data import Interactions

GRID = {"factors": (32, 64, 128), "regularization": (0.01, 0.1, 1.0), "alpha": (1.0, 10.0, 40.0)}
ITERATIONS = 15


@dataclass(frozen=True)
class Baseline:
    scores: evaluate.Scores
    lists: dict[int, list[int]]
    note: str = ""


def popularity(
    train: Interactions, truth: dict[int, set[int]], k: int, catalog: npt.NDArray[np.int64]
) -> Baseline:
    users = sorted(truth)
    lists = evaluate.popularity(train.items, users, k, train.by_user())
    return Baseline(evaluate.score(lists, truth, k, len(catalog)), lists)


def als_tuned(
    train: Interactions, truth: dict[int, set[int]], k: int, catalog: npt.NDArray[np.int64]
) -> Baseline:
    users: Sequence[int] = sorted(truth)
    user_row = {u: n for n, u in enumerate(np.unique(train.users).tolist())}
    item_col = {i: n for n, i in enumerate(catalog.tolist())}
    rows = [user_row[u] for u in train.users.tolist()]
    cols = [item_col[i] for i in train.items.tolist()]
    matrix = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(user_row), len(item_col))
    )
    matrix.data[:] = 1.0  # repeated pairs count once
    asked = np.array([user_row[u] for u in users])
    best: Baseline | None = None
    # implicit's own threads do the work; OpenBLAS's pool under them only contends
    with threadpoolctl.threadpool_limits(1, "blas"):
        for factors in GRID["factors"]:
            for regularization in GRID["regularization"]:
                for alpha in GRID["alpha"]:
                    model = implicit.als.AlternatingLeastSquares(
                        factors=factors,
                        regularization=regularization,
                        alpha=alpha,
                        iterations=ITERATIONS,
                        random_state=0,
                    )
                    model.fit(matrix, show_progress=False)
                    found, _ = model.recommend(asked, matrix[asked], N=k)
                    lists = {
                        u: [int(catalog[j]) for j in row]
                        for u, row in zip(users, found, strict=True)
                    }
                    scores = evaluate.score(lists, truth, k, len(catalog))
                    if best is None or scores.ndcg > best.scores.ndcg:
                        note = f"factors {factors}, reg {regularization}, alpha {alpha:g}"
                        best = Baseline(scores, lists, note)
    assert best is not None
    return best
