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

import numpy as np
from rich.console import Console
from rich.table import Table

from foryou.rec.ml import baselines, data, evaluate
from foryou.rec.ml.two_tower import TwoTower, TwoTowerConfig, histories

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
console = Console()


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
        popular = baselines.popularity(split.train, truth, k, catalog)
        als = baselines.als_tuned(split.train, truth, k, catalog)
        rows = [
            ("popularity", popular.scores, ""),
            ("implicit ALS (tuned)", als.scores, als.note),
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
