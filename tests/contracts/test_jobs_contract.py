"""Contract suite for the jobs port (Huey on SQLite, Huey on Redis): every backend passes it.

Each test uses its own queue name, so runs on the shared Redis never see each other's jobs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from foryou.platform.jobs import Jobs, JobType, open_huey
from tests import servers

OpenJobs = Callable[[list[JobType]], Jobs]


@pytest_asyncio.fixture(params=["sqlite", "redis"])
async def open_jobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenJobs]:
    url = (
        f"sqlite:///{tmp_path}/jobs.db"
        if request.param == "sqlite"
        else f"{servers.REDIS}/{servers.REDIS_DB_KV_CONTRACT}"
    )
    queue = f"contract-{uuid.uuid4().hex[:8]}"
    opened: list[Jobs] = []

    def make(types: list[JobType]) -> Jobs:
        jobs = Jobs(open_huey(url, queue), types)
        opened.append(jobs)
        return jobs

    yield make
    for jobs in opened:
        await jobs.stop_workers()
        jobs.huey.flush()


async def _until(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_job_runs_its_async_handler_on_the_workers_loop(open_jobs: OpenJobs) -> None:
    seen: list[tuple[Any, int, asyncio.AbstractEventLoop]] = []

    async def handler(platform: Any, *, n: int) -> None:
        seen.append((platform, n, asyncio.get_running_loop()))

    jobs = open_jobs([JobType("t.echo", handler)])
    jobs.start_workers("the platform", 2)
    await jobs.enqueue("t.echo", n=1)
    await jobs.enqueue("t.echo", n=2)
    await _until(lambda: len(seen) == 2)
    assert sorted(n for _, n, _ in seen) == [1, 2]
    assert {p for p, _, _ in seen} == {"the platform"}
    assert {loop for _, _, loop in seen} == {asyncio.get_running_loop()}


async def test_failures_are_retried_then_undone_after_the_last_attempt(open_jobs: OpenJobs) -> None:
    attempts: list[int] = []
    undone: list[int] = []

    async def flaky(platform: Any, *, n: int) -> None:
        attempts.append(n)
        raise RuntimeError("boom")

    async def undo(platform: Any, *, n: int) -> None:
        undone.append(n)

    jobs = open_jobs([JobType("t.flaky", flaky, attempts=3, backoff_s=0, undo=undo)])
    jobs.start_workers(None, 1)
    await jobs.enqueue("t.flaky", n=7)
    await _until(lambda: undone == [7])
    assert attempts == [7, 7, 7]


async def test_enqueued_jobs_survive_until_a_worker_starts(open_jobs: OpenJobs) -> None:
    ran: list[str] = []

    async def handler(platform: Any, *, name: str) -> None:
        ran.append(name)

    producer = open_jobs([JobType("t.later", handler)])  # an api process: enqueues only
    await producer.enqueue("t.later", name="a")
    assert producer.pending() == 1
    worker = open_jobs([JobType("t.later", handler)])  # another process, started later
    worker.start_workers(None, 1, periodic=False)
    await _until(lambda: ran == ["a"])
    assert worker.pending() == 0


async def test_a_job_that_overruns_its_timeout_fails(open_jobs: OpenJobs) -> None:
    undone: list[bool] = []

    async def slow(platform: Any) -> None:
        await asyncio.sleep(30)

    async def undo(platform: Any) -> None:
        undone.append(True)

    jobs = open_jobs([JobType("t.slow", slow, attempts=1, timeout_s=1, undo=undo)])
    jobs.start_workers(None, 1)
    await jobs.enqueue("t.slow")
    await _until(lambda: undone == [True], timeout=15)


def test_unknown_backends_are_refused_with_a_readable_error() -> None:
    with pytest.raises(ValueError, match="use sqlite:///path or redis://"):
        open_huey("kafka://broker:9092", "q")
