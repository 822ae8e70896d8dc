"""`foryou eval` on a slice of MovieLens-100K: the replay through the event log, the feed's
top K per test user next to the baselines, the export, and clear errors on bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from foryou.cli import app
from foryou.rec.ml import data
from foryou.rec.ml.replay import replay_order
from tests.conftest import SHARED_DATA

MOVIELENS = SHARED_DATA / "movielens-100k"
runner = CliRunner(env={"COLUMNS": "200"})  # the table unwrapped


@pytest.fixture(scope="module")
def movielens_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 120 lowest user ids' ratings, with the items they rated."""
    if not MOVIELENS.is_dir():
        pytest.skip(f"{MOVIELENS} is not here")
    folder = tmp_path_factory.mktemp("movielens-slice")
    ratings = pq.read_table(MOVIELENS / "interactions.parquet")
    ratings = ratings.filter(pc.less_equal(ratings["user_id"], 120))
    pq.write_table(ratings, folder / "interactions.parquet")
    items = pq.read_table(MOVIELENS / "items.parquet")
    pq.write_table(
        items.filter(pc.is_in(items["item_id"], ratings["item_id"])), folder / "items.parquet"
    )
    return folder


def _said(output: str) -> str:
    return " ".join(output.split())  # rich wraps to the terminal's width


def test_eval_replays_trains_and_scores_the_feed_next_to_the_baselines(
    movielens_slice: Path, tmp_path: Path
) -> None:
    export = tmp_path / "top.parquet"
    result = runner.invoke(
        app, ["eval", str(movielens_slice), "--k", "10", "--epochs", "3", "--export", str(export)]
    )
    assert result.exit_code == 0, result.output
    said = _said(result.output)
    for method in (
        "popularity",
        "implicit ALS (tuned)",
        "foryou two-tower alone",
        "foryou For You feed",
    ):
        assert method in said
    assert "time split" in said and "training items recommended back: 0" in said

    split = data.split(movielens_slice)
    lists = pq.read_table(export).to_pydict()
    assert set(lists) == {"user_id", "item_id", "rank"}
    by_user: dict[int, list[tuple[int, int]]] = {}
    for user, item, rank in zip(lists["user_id"], lists["item_id"], lists["rank"], strict=True):
        by_user.setdefault(user, []).append((rank, item))
    assert set(by_user) == set(split.test.users.tolist())  # every test user got a page
    seen = split.train.by_user()
    catalog = set(np.concatenate([split.train.items, split.test.items]).tolist())
    for user, ranked in by_user.items():
        assert [r for r, _ in ranked] == list(range(1, len(ranked) + 1)) and len(ranked) == 10
        items = [i for _, i in ranked]
        assert len(set(items)) == 10 and set(items) <= catalog
        assert not set(items) & seen[user]  # never what they rated in training


def test_eval_scores_a_given_test_file(movielens_slice: Path, tmp_path: Path) -> None:
    test = tmp_path / "test.parquet"
    pq.write_table(pa.table({"user_id": [1, 2, 999_999], "item_id": [50, 181, 1]}), test)
    result = runner.invoke(
        app, ["eval", str(movielens_slice), "--test", str(test), "--epochs", "1"]
    )
    assert result.exit_code == 0, result.output
    said = _said(result.output)
    assert "the test from test.parquet" in said and "2 test users" in said  # 999999: no history


def test_eval_refuses_bad_input_clearly(movielens_slice: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd"
    odd.mkdir()
    pq.write_table(
        pa.table({"user_id": [1], "item_id": [2], "ts": [0], "value": [1.0], "rating": [5]}),
        odd / "interactions.parquet",
    )
    result = runner.invoke(app, ["eval", str(odd)])
    assert result.exit_code == 1 and "unknown columns ['rating']" in _said(result.output)

    result = runner.invoke(app, ["eval", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "no interactions.parquet" in _said(result.output)

    wrong = tmp_path / "wrong.parquet"
    pq.write_table(pa.table({"user": [1], "item_id": [2]}), wrong)
    result = runner.invoke(app, ["eval", str(movielens_slice), "--test", str(wrong)])
    assert result.exit_code == 1 and "missing columns ['user_id']" in _said(result.output)

    result = runner.invoke(
        app, ["eval", str(movielens_slice), "--export", str(tmp_path / "no" / "top.parquet")]
    )
    assert result.exit_code == 2 and "does not exist" in _said(result.output)


def test_a_dataset_without_times_is_replayed_with_viewers_taking_turns() -> None:
    """So the replay's latest window holds every viewer's latest, as with real times."""
    untimed = data.Interactions(
        np.array([5, 5, 5, 3, 3, 9]), np.array([1, 2, 3, 4, 5, 6]), np.zeros(6, np.int64)
    )
    assert untimed.items[replay_order(untimed)].tolist() == [4, 1, 6, 5, 2, 3]
    timed = data.Interactions(untimed.users, untimed.items, np.array([6, 5, 4, 3, 2, 1]))
    assert timed.items[replay_order(timed)].tolist() == [6, 5, 4, 3, 2, 1]


def test_prequential_replay_compares_batch_and_online_window_by_window(
    movielens_slice: Path,
) -> None:
    result = runner.invoke(
        app, ["eval", str(movielens_slice), "--prequential", "--windows", "2", "--epochs", "2"]
    )
    assert result.exit_code == 0, result.output
    said = _said(result.output)
    assert "batch NDCG@20" in said and "online NDCG@20" in said and "mean" in said
    learned = int(said.split("the online arm learned from ")[1].split(" ")[0].replace(",", ""))
    ratings = pq.read_table(movielens_slice / "interactions.parquet").num_rows
    assert ratings // 2 - 2 <= learned <= ratings - ratings // 2  # every later window's rating
