"""The vectors port's ReadWriteLock: readers share, a writer is alone, a waiting writer goes
before later readers. Each wait that should block is given 0.1 s to show it does."""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from foryou.platform.vectors import ReadWriteLock, open_vectors

BLOCKED_S = 0.1


def read(lock: ReadWriteLock) -> str:
    with lock.reading():
        return "read"


def write(lock: ReadWriteLock) -> str:
    with lock.writing():
        return "wrote"


def blocked(future: Future[Any]) -> bool:
    try:
        future.result(timeout=BLOCKED_S)
    except TimeoutError:
        return True
    return False


def test_readers_share() -> None:
    lock = ReadWriteLock()
    with lock.reading(), ThreadPoolExecutor(1) as pool:
        assert pool.submit(read, lock).result(timeout=5) == "read"


def test_a_writer_waits_for_readers_and_excludes_them() -> None:
    lock = ReadWriteLock()
    with ThreadPoolExecutor(2) as pool:
        with lock.reading():
            writer = pool.submit(write, lock)
            assert blocked(writer)
        assert writer.result(timeout=5) == "wrote"
        with lock.writing():
            reader = pool.submit(read, lock)
            other_writer = pool.submit(write, lock)
            assert blocked(reader) and blocked(other_writer)
        assert reader.result(timeout=5) == "read"
        assert other_writer.result(timeout=5) == "wrote"


def test_a_waiting_writer_goes_before_later_readers() -> None:
    """Else searches arriving back to back would keep ``add`` out for good."""
    lock = ReadWriteLock()
    order: list[str] = []

    def noted(step: str, section: contextlib.AbstractContextManager[None]) -> None:
        with section:
            order.append(step)

    with ThreadPoolExecutor(2) as pool:
        with lock.reading():
            writer = pool.submit(noted, "write", lock.writing())
            assert blocked(writer)
            later_reader = pool.submit(noted, "read", lock.reading())
            assert blocked(later_reader)
        writer.result(timeout=5)
        later_reader.result(timeout=5)
    assert order == ["write", "read"]


def test_a_failing_section_releases_the_lock() -> None:
    lock = ReadWriteLock()
    for section in (lock.reading, lock.writing):
        with pytest.raises(RuntimeError), section():
            raise RuntimeError("inside")
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(write, lock).result(timeout=5) == "wrote"


@pytest.mark.parametrize("url", ["exact://?dim=4", "faiss://?dim=4&storage=fp16"])
def test_lookups_do_not_wait_for_a_read_in_flight(url: str) -> None:
    """The feed's loop looks vectors up while worker threads search or a snapshot is
    written: those must not hold it up, while an add waits for them."""
    index = open_vectors(url)
    index.add([1], [[1.0, 0.0, 0.0, 0.0]])
    in_flight = index._lock  # type: ignore[attr-defined]
    with ThreadPoolExecutor(1) as pool:
        with in_flight.reading():
            positions, _ = pool.submit(index.get_many, [1, 2]).result(timeout=5)
            assert positions.tolist() == [0]
            added = pool.submit(index.add, [2], [[0.0, 1.0, 0.0, 0.0]])
            assert blocked(added)
        added.result(timeout=5)
    assert 2 in index
