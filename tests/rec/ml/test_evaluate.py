"""Offline metrics on hand-checked cases, the dataset loader's splits and errors, and a
two-tower model that beats popularity on real data."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from foryou.rec.ml import data, evaluate
from foryou.rec.ml.two_tower import TwoTower, TwoTowerConfig

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"


def test_recall_ndcg_and_coverage_by_hand() -> None:
    truth = {1: {10, 11}, 2: {12}}
    recommended = {1: [11, 5, 10], 2: [6, 7, 8]}
    scores = evaluate.score(recommended, truth, k=3, catalog=10)
    assert scores.recall == pytest.approx((1.0 + 0.0) / 2)
    ideal = 1 + 1 / math.log2(3)
    assert scores.ndcg == pytest.approx(((1 + 1 / math.log2(4)) / ideal + 0) / 2)
    assert scores.coverage == pytest.approx(6 / 10) and scores.users == 2


def test_top_k_and_popularity_never_return_training_items() -> None:
    items = np.array([1, 2, 3, 4])
    vectors = np.eye(4, dtype=np.float32)
    user = np.array([[0.1, 0.9, 0.5, 0.2]], dtype=np.float32)
    assert evaluate.top_k_by_dot([7], user, items, vectors, 2, {7: {2}}) == {7: [3, 4]}
    popular = evaluate.popularity(np.array([1, 1, 1, 2, 2, 3]), [7, 8], 2, {7: {1}})
    assert popular == {7: [2, 3], 8: [1, 2]}


def _write(folder: Path, **columns: list) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), folder / "interactions.parquet")
    return folder


def test_splits_and_clear_errors(tmp_path: Path) -> None:
    timed = _write(
        tmp_path / "timed",
        user_id=[1, 1, 2, 2, 3],
        item_id=[5, 6, 5, 7, 8],
        ts=[10, 20, 30, 40, 50],
        value=[1.0] * 5,
    )
    split = data.split(timed, test_share=0.4)
    assert split.how.startswith("time split")
    assert split.train.ts.max() < split.test.ts.min()
    assert set(split.test.users) <= set(split.train.users)  # user 3 only in test: dropped
    own = _write(
        tmp_path / "own",
        user_id=[1, 1],
        item_id=[5, 6],
        ts=[0, 0],
        value=[1.0, 1.0],
        split=["train", "valid"],
    )
    assert data.split(own).test.items.tolist() == [6]
    with pytest.raises(data.DatasetError, match=r"no interactions\.parquet"):
        data.split(tmp_path / "nothing")
    odd = _write(tmp_path / "odd", user_id=[1], item_id=[2], ts=[0], value=[1.0], rating=[5])
    with pytest.raises(data.DatasetError, match=r"unknown columns \['rating'\]"):
        data.split(odd)
    short = _write(tmp_path / "short", user_id=[1], item_id=[2])
    with pytest.raises(data.DatasetError, match=r"missing columns \['ts', 'value'\]"):
        data.split(short)


def test_two_tower_beats_popularity_on_tiktok_slice() -> None:
    """A slice of the real TikTok interactions: 1,500 users' training positives."""
    folder = SHARED / "tiktok-mmrec"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here")
    split = data.split(folder)
    users = np.unique(split.train.users)[:1500]
    train = split.train.take(np.isin(split.train.users, users))
    test = split.test.take(np.isin(split.test.users, users))
    truth, seen = test.by_user(), train.by_user()
    catalog = np.unique(np.concatenate([train.items, test.items]))
    popular = evaluate.score(
        evaluate.popularity(train.items, sorted(truth), 50, seen), truth, 50, len(catalog)
    )
    model = TwoTower(TwoTowerConfig(dim=32, epochs=8, batch=256))
    losses = model.fit(train.users, train.items)
    assert losses[-1] < losses[0]
    ranked = evaluate.top_k_by_dot(
        sorted(truth),
        model.user_vectors(sorted(truth)),
        catalog,
        model.item_vectors(catalog.tolist()),
        50,
        seen,
    )
    learned = evaluate.score(ranked, truth, 50, len(catalog))
    assert learned.coverage > popular.coverage
    assert learned.recall > popular.recall, (learned, popular)
