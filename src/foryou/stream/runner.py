"""Runs stream processors: poll a batch, apply it, commit; on failure, retry the same batch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from foryou.observability import metrics
from foryou.observability.logging import get_logger
from foryou.platform.events import Event, EventLog

log = get_logger(__name__)
Handler = Callable[[list[Event]], Awaitable[None]]


@dataclass(frozen=True)
class Processor:
    name: str  # also the consumer group
    topics: Sequence[str]
    handle: Handler
    batch: int = 1000  # the most events one call to handle gets
    linger_s: float = 0.0  # how long a batch waits to fill up (fewer, larger writes)
    # Its state lives in this process (the in-process kv, the ANN index), so each new
    # process rebuilds it by replaying the log from the start.
    replay_at_start: bool = False


async def run(
    log_: EventLog,
    processor: Processor,
    stop: asyncio.Event,
    *,
    idle_timeout_s: float = 0.2,
) -> None:
    """Consume until ``stop`` is set. A failed batch is not committed: the consumer is
    reopened, which redelivers it, so the processor must be idempotent."""
    batch = processor.batch
    backoff = 0.1
    rewind = processor.replay_at_start
    while not stop.is_set():
        consumer = log_.consumer(processor.name, processor.topics)
        try:
            if rewind:  # consumers start lazily, so this one polls from the log's start
                await log_.reset_group(processor.name, processor.topics)
                rewind = False
            while not stop.is_set():
                events = await consumer.poll(max_records=batch, timeout_s=idle_timeout_s)
                if not events:
                    continue
                deadline = time.monotonic() + processor.linger_s
                while len(events) < batch and not stop.is_set():
                    if (left := deadline - time.monotonic()) <= 0:
                        break
                    events += await consumer.poll(
                        max_records=batch - len(events), timeout_s=min(left, idle_timeout_s)
                    )
                await processor.handle(events)
                await consumer.commit()
                now_ms = time.time() * 1000
                metrics.EVENTS_CONSUMED.labels(processor.name).inc(len(events))
                metrics.CONSUMER_LAG.labels(processor.name).observe(
                    max(0.0, now_ms - events[-1].ts_ms) / 1000
                )
                backoff = 0.1
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(
                "stream processor failed; retrying its batch", extra={"processor": processor.name}
            )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
        finally:
            await consumer.close()


async def stop_all(
    tasks: list[asyncio.Task[None]], stop: asyncio.Event, grace_s: float = 5.0
) -> None:
    """Let each processor finish the batch in hand (a cancelled one would leave its SQL
    transaction to the garbage collector), then cancel what is still running."""
    stop.set()
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=grace_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def drain(log_: EventLog, processor: Processor) -> int:
    """Apply everything available now and return how many events that was (CLI and tests)."""
    consumer = log_.consumer(processor.name, processor.topics)
    total = 0
    try:
        while events := await consumer.poll(max_records=processor.batch, timeout_s=0.05):
            await processor.handle(events)
            await consumer.commit()
            total += len(events)
    finally:
        await consumer.close()
    return total
