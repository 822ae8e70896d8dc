"""Jobs port: a durable task queue (Huey) running typed async handlers on the process's loop.

Backends by URL: ``sqlite:///path/jobs.db`` (the embedded default) and ``redis://host/db``
(many workers on many machines). A job type names its handler, attempts, backoff, timeout and
an undo that runs after the last failed attempt. Handlers are coroutines that get the
process's ``Platform``; Huey's worker threads hand them to the event loop that owns it.

Huey acknowledges a task when a worker takes it, so a worker killed mid-job loses that task;
durability comes from the owner of the work (a video stays ``processing`` with a heartbeat,
and the media reconciler enqueues it again when the heartbeat goes stale).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

log = logging.getLogger(__name__)

Handler = Callable[..., Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class JobType:
    name: str
    handler: Handler  # async (platform, **payload)
    attempts: int = 3
    backoff_s: int = 5
    timeout_s: int = 1800
    undo: Handler | None = None  # async (platform, **payload), after the last failed attempt
    every_minute: bool = False  # periodic jobs take no payload


def open_huey(url: str, queue: str) -> Huey:
    scheme, _, rest = url.partition("://")
    if scheme == "sqlite":  # sqlite:///relative.db or sqlite:////absolute.db, as SQLAlchemy
        path = Path(rest[1:] if rest.startswith("/") else rest)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(queue, filename=str(path), results=False)
    if scheme in ("redis", "rediss"):
        return RedisHuey(queue, url=url, results=False)
    raise ValueError(f"jobs: unsupported URL {url!r}; use sqlite:///path or redis://host/db")


class _ThreadConsumer(Consumer):  # type: ignore[misc]
    """Huey's consumer without signal handlers: the host process (uvicorn, the CLI) owns them."""

    def _set_signal_handlers(self) -> None:
        pass


class Jobs:
    """The registered job types of one queue, and (optionally) workers running them."""

    def __init__(self, huey: Huey, types: list[JobType]) -> None:
        self.huey = huey
        self._tasks: dict[str, Any] = {}
        self._context: tuple[asyncio.AbstractEventLoop, Any] | None = None
        self._consumer: _ThreadConsumer | None = None
        for job in types:
            self._register(job)

    def _register(self, job: JobType) -> None:
        def run(task: Any = None, **payload: Any) -> None:
            if self._context is None:
                raise RuntimeError("jobs: no workers started in this process")
            loop, platform = self._context
            future = asyncio.run_coroutine_threadsafe(
                asyncio.wait_for(job.handler(platform, **payload), job.timeout_s), loop
            )
            try:
                future.result()
            except Exception:
                last = task is None or not task.retries
                log.exception("job %s failed%s", job.name, " for good" if last else "; retrying")
                if last and job.undo is not None:
                    asyncio.run_coroutine_threadsafe(job.undo(platform, **payload), loop).result()
                raise

        run.__name__ = job.name.replace(".", "_")
        if job.every_minute:
            self._tasks[job.name] = self.huey.periodic_task(crontab(minute="*"), name=job.name)(
                lambda: run()
            )
        else:
            self._tasks[job.name] = self.huey.task(
                retries=job.attempts - 1,
                retry_delay=job.backoff_s,
                context=True,
                name=job.name,
            )(run)

    def enqueue_blocking(self, job_type: str, /, **payload: Any) -> None:
        self._tasks[job_type](**payload)

    async def enqueue(self, job_type: str, /, **payload: Any) -> None:
        await asyncio.to_thread(self.enqueue_blocking, job_type, **payload)

    def pending(self) -> int:
        return int(self.huey.pending_count())

    def start_workers(self, platform: Any, workers: int, *, periodic: bool = True) -> None:
        """Run ``workers`` Huey threads whose handlers run on the calling event loop."""
        self._context = (asyncio.get_running_loop(), platform)
        self._consumer = _ThreadConsumer(
            self.huey,
            workers=workers,
            periodic=periodic,
            check_worker_health=False,
            max_delay=0.25,  # an idle worker picks up a new upload within a quarter second
        )
        self._consumer.start()

    async def stop_workers(self) -> None:
        """Let running jobs finish, then stop (a hard kill is what the reconciler is for)."""
        if self._consumer is not None:
            await asyncio.to_thread(self._consumer.stop, graceful=True)
            self._consumer = None
