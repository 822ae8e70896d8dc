"""Collisionless ID embeddings: a row per ID, a frequency filter, expiry, growth, sparse
updates, and the dirty set that online training ships."""

from __future__ import annotations

import numpy as np
import torch

from foryou.rec.ml.idtable import IdTable


def test_every_id_gets_its_own_row_and_the_table_grows() -> None:
    table = IdTable(4, capacity=8)
    ids = [(i * 2_654_435_761) % 2**61 for i in range(10_000)]  # large, sparse 64-bit ids
    rows = table.pull(ids).rows.tolist()
    assert len(set(rows)) == 10_000 and len(table) == 10_000
    assert table.capacity >= 10_000
    before = table.vectors(ids[:5])
    table.pull(list(range(5)))  # growth later on keeps what was there
    assert np.array_equal(table.vectors(ids[:5]), before)
    assert table.pull(ids[:3]).rows.tolist() == rows[:3]  # stable


def test_the_frequency_filter_admits_ids_seen_often_enough() -> None:
    table = IdTable(4, min_count=3)
    assert table.pull([7, 7]).rows.tolist() == [-1, -1]
    assert table.row_of(7) is None
    assert table.pull([7]).rows.tolist() == [table.row_of(7)] != [None]  # the third admits it
    assert table.pull([8]).rows.tolist() == [-1] and table.row_of(8) is None
    assert not table.vectors([8]).any()  # unadmitted ids read as zeros
    assert table.pull([9], admit=False).rows.tolist() == [-1]


def test_idle_rows_expire_and_are_reused() -> None:
    table = IdTable(4, expire_s=100, capacity=4)
    table.pull([1, 2], now=0)
    table.pull([2], now=90)
    row_of_1 = table.row_of(1)
    assert table.expire(now=150) == 1  # 1 idle for 150 s; 2 for 60 s
    assert table.row_of(1) is None and table.row_of(2) is not None
    table.pull([3], now=150)
    assert table.row_of(3) == row_of_1  # the freed row is reused, not a new one


def test_sparse_updates_learn_and_mark_what_changed() -> None:
    """Users and items as ID rows; a dot-product logistic model learns who likes what."""
    users, items = IdTable(8, lr=0.3, seed=1), IdTable(8, lr=0.3, seed=2)
    rng = np.random.default_rng(0)
    u = rng.integers(0, 50, 4000)
    i = rng.integers(0, 40, 4000)
    label = torch.tensor(((u % 2) == (i % 2)).astype(np.float32))  # parity match = positive

    def loss_on(batch: slice, train: bool) -> float:
        pu, pi = users.pull(u[batch].tolist()), items.pull(i[batch].tolist())
        logits = (pu.vectors * pi.vectors).sum(dim=1)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, label[batch])
        if train:
            loss.backward()
            users.push(pu)
            items.push(pi)
        return float(loss.detach())

    start = loss_on(slice(0, 4000), train=False)
    users.take_dirty()
    for _ in range(30):
        for b in range(0, 4000, 200):
            loss_on(slice(b, b + 200), train=True)
    assert loss_on(slice(0, 4000), train=False) < start * 0.5
    dirty = users.take_dirty()
    assert set(dirty) == set(u.tolist())
    assert np.array_equal(dirty[int(u[0])], users.vectors([int(u[0])])[0])
    assert users.take_dirty() == {}  # taken

    serving = IdTable(8)  # a replica applying the pushed rows serves the same vectors
    serving.load(dirty)
    assert np.array_equal(serving.vectors(sorted(dirty)), users.vectors(sorted(dirty)))


def test_a_saved_table_goes_on_learning_with_the_step_sizes_it_reached() -> None:
    """The Adagrad sums travel with a version, so online training does not restart every
    row at the full learning rate."""
    table = IdTable(4, lr=0.5)
    for _ in range(20):
        pulled = table.pull([1, 2])
        pulled.vectors.sum().backward()
        table.push(pulled)
    restored = IdTable(4, lr=0.5)
    restored.load_state(table.state())
    steps = []
    for t in (table, restored):
        pulled = t.pull([1])
        pulled.vectors.sum().backward()
        before = t.vectors([1]).copy()
        t.push(pulled)
        steps.append(np.abs(t.vectors([1]) - before).max())
    assert steps[0] == steps[1] < 0.5 / 2  # a fresh row's first step would be lr / sqrt(dim)
