"""The retrieval model against the usual baselines, model level: same split, same metrics.

    .venv/bin/python bench/bench_models.py [movielens-100k tiktok-mmrec] [--k 20]

For each dataset folder under ``../shared/data`` (the common format): the dataset's own
train/valid split, or a time split (the last 10 % of interactions by time) where it has none;
test users without training history are dropped. Every method recommends K items per test
user, never one the user had in training, and is scored by Recall@K, NDCG@K and catalog
coverage (``foryou.rec.ml.evaluate``):

- popularity: the most frequent training items;
- ``implicit`` ALS, tuned: the best NDCG@K over factors {32, 64, 128} × regularization
  {0.01, 0.1, 1} × alpha {1, 10, 40}, 15 iterations (tuned on the test split itself, which
  favours ALS);
- foryou two-tower (``foryou.rec.ml.two_tower``), default settings but temperature 0.2, with
  and without the viewer-history average.

This scores the model's own top K, not the production pipeline's page: ``foryou eval`` (the
event-log replay the learning-loop issue asks for) is not built yet.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import implicit
import numpy as np
import scipy.sparse as sp
from rich.console import Console
from rich.table import Table

from foryou.rec.ml import data, evaluate
from foryou.rec.ml.two_tower import TwoTower, TwoTowerConfig, histories

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
console = Console()


def als_tuned(split: data.Split, users: list[int], k: int, catalog: np.ndarray) -> tuple:
    train = split.train
    user_row = {u: n for n, u in enumerate(np.unique(train.users).tolist())}
    item_col = {i: n for n, i in enumerate(catalog.tolist())}
    rows = [user_row[u] for u in train.users.tolist()]
    cols = [item_col[i] for i in train.items.tolist()]
    matrix = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(user_row), len(item_col))
    )
    matrix.data[:] = 1.0  # repeated pairs count once
    truth, asked = split.test.by_user(), np.array([user_row[u] for u in users])
    best: tuple | None = None
    for factors in (32, 64, 128):
        for regularization in (0.01, 0.1, 1.0):
            for alpha in (1.0, 10.0, 40.0):
                model = implicit.als.AlternatingLeastSquares(
                    factors=factors,
                    regularization=regularization,
                    alpha=alpha,
                    iterations=15,
                    random_state=0,
                )
                model.fit(matrix, show_progress=False)
                found, _ = model.recommend(asked, matrix[asked], N=k)
                ranked = {
                    u: [int(catalog[j]) for j in row] for u, row in zip(users, found, strict=True)
                }
                scores = evaluate.score(ranked, truth, k, len(catalog))
                if best is None or scores.ndcg > best[0].ndcg:
                    best = (scores, f"factors {factors}, reg {regularization}, alpha {alpha:g}")
    assert best is not None
    return best


def two_tower(
    split: data.Split, users: list[int], k: int, catalog: np.ndarray, history: int
) -> tuple:
    model = TwoTower(TwoTowerConfig(temperature=0.2, history=history))
    began = time.perf_counter()
    model.fit(split.train.users, split.train.items)
    seconds = time.perf_counter() - began
    latest = histories(split.train.users, split.train.items)
    vectors = model.user_vectors(users, [latest[u] for u in users])
    ranked = evaluate.top_k_by_dot(
        users, vectors, catalog, model.item_vectors(catalog.tolist()), k, split.train.by_user()
    )
    return evaluate.score(
        ranked, split.test.by_user(), k, len(catalog)
    ), f"trained in {seconds:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("datasets", nargs="*", default=["movielens-100k", "tiktok-mmrec"])
    parser.add_argument("--k", type=int, default=20)
    args = parser.parse_args()
    k = args.k
    for name in args.datasets:
        split = data.split(DATA / name)
        truth = split.test.by_user()
        users = sorted(truth)
        catalog = np.unique(np.concatenate([split.train.items, split.test.items]))
        console.print(
            f"{name}: {split.how}; {len(split.train):,} training interactions, "
            f"{len(users):,} test users, {len(catalog):,} items"
        )
        rows = [
            (
                "popularity",
                evaluate.score(
                    evaluate.popularity(split.train.items, users, k, split.train.by_user()),
                    truth,
                    k,
                    len(catalog),
                ),
                "",
            ),
            ("implicit ALS (tuned)", *als_tuned(split, users, k, catalog)),
            ("two-tower, ID only", *two_tower(split, users, k, catalog, history=0)),
            ("two-tower + history", *two_tower(split, users, k, catalog, history=50)),
        ]
        best_baseline = max(rows[0][1].ndcg, rows[1][1].ndcg)
        table = Table(title=f"{name}, K = {k}")
        for column in ("method", f"Recall@{k}", f"NDCG@{k}", "coverage", "vs best baseline", ""):
            table.add_column(column, justify="left" if column in ("method", "") else "right")
        for method, scores, note in rows:
            table.add_row(
                method,
                f"{scores.recall:.4f}",
                f"{scores.ndcg:.4f}",
                f"{scores.coverage:.3f}",
                f"{scores.ndcg / best_baseline:.2f}×",
                note,
            )
        console.print(table)


if __name__ == "__main__":
    main()
