"""The serving process keeps the garbage collector off the request path (foryou.platform.heap)."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from foryou.platform import heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


async def test_survivors_are_frozen_and_young_collections_are_rarer(restored_gc: None) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(heap.keep_settled(0.05, stop))
    await asyncio.sleep(0)
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD
    frozen = gc.get_freeze_count()
    alive = [Node() for _ in range(100)]  # born after the first freeze, alive at the next
    await asyncio.sleep(0.2)
    assert gc.get_freeze_count() >= frozen + 100
    stop.set()
    await asyncio.wait_for(task, 1)
    del alive


async def test_cycles_that_die_while_frozen_are_freed_at_the_next_thaw(
    restored_gc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = Node()
    alive = weakref.ref(node)
    heap.settle()
    del node  # unreachable, but frozen: no collection looks at it
    gc.collect()
    assert alive() is not None
    monkeypatch.setattr(heap, "THAW_EVERY_S", 0.0)
    stop = asyncio.Event()
    task = asyncio.create_task(heap.keep_settled(0.01, stop))
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 1)
    assert alive() is None
