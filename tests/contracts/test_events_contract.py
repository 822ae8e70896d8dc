"""Contract of the events port (foryou.platform.events), run against every backend.

sqlite and redis always run (``make test`` starts Redis; a missing server fails the suite);
kafka runs when ``FORYOU_TEST_KAFKA`` names a broker and is reported as skipped otherwise.
Every test uses its own topics and groups, so a shared server is safe.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from foryou.platform.events import Consumer, Event, EventLog, open_events
from tests import servers

REDIS_URL = f"{servers.REDIS}/{servers.REDIS_DB_EVENTS_CONTRACT}"
KAFKA = servers.KAFKA
# Kafka needs seconds to form a group (the broker's initial rebalance delay is 3 s).
DEADLINE_S = 30.0 if KAFKA else 10.0


@dataclass
class Harness:
    url: str
    log: EventLog
    uid: str

    def topic(self, name: str = "t") -> str:
        return f"contract-{self.uid}-{name}"

    def group(self, name: str = "g") -> str:
        return f"contract-{self.uid}-{name}"


async def _redis_client() -> aioredis.Redis:
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        await client.aclose()
        pytest.fail(
            f"no Redis at {REDIS_URL} ({exc}): run `make services` or set FORYOU_TEST_REDIS"
        )
    return client


@pytest_asyncio.fixture(params=["sqlite", "redis", "kafka"])
async def env(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    uid = uuid.uuid4().hex[:12]
    cleanup: aioredis.Redis | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/data/events.db"  # absolute: sqlite:////tmp/...
    elif request.param == "redis":
        cleanup = await _redis_client()
        url = REDIS_URL
    else:
        if not KAFKA:
            pytest.skip("set FORYOU_TEST_KAFKA=host:port to run the Kafka contract")
        url = f"kafka://{KAFKA}"
    log = open_events(url)
    try:
        yield Harness(url, log, uid)
    finally:
        await log.close()
        if cleanup is not None:
            keys = [key async for key in cleanup.scan_iter(match=f"foryou:events:*{uid}*")]
            if keys:
                await cleanup.delete(*keys)
            await cleanup.aclose()


def records(n: int, *, keys: int = 3, start: int = 0) -> list[tuple[str, dict[str, Any]]]:
    return [(f"k{i % keys}", {"n": i}) for i in range(start, start + n)]


def numbers(events: Iterable[Event]) -> list[int]:
    return [event.value["n"] for event in events]


async def drain(consumer: Consumer, count: int, *, max_records: int = 500) -> list[Event]:
    """Poll until exactly ``count`` events arrived, never asking for more than that."""
    got: list[Event] = []
    deadline = time.monotonic() + DEADLINE_S
    while len(got) < count and time.monotonic() < deadline:
        want = min(max_records, count - len(got))
        batch = await consumer.poll(max_records=want, timeout_s=0.5)
        assert len(batch) <= want
        got += batch
    assert len(got) == count, f"expected {count} events, got {len(got)}"
    return got


async def read_once(log: EventLog, group: str, topics: Sequence[str], count: int) -> list[Event]:
    """A fresh consumer reads ``count`` events, commits and goes away."""
    consumer = log.consumer(group, topics)
    events = await drain(consumer, count)
    await consumer.commit()
    await consumer.close()
    return events


async def warm(log: EventLog, consumer: Consumer, topic: str) -> None:
    """Get the consumer to its live position (Kafka joins its group on the first polls)."""
    await log.append(topic, [("warm", {"n": -1})])
    assert numbers(await drain(consumer, 1)) == [-1]


async def test_append_poll_round_trip(env: Harness) -> None:
    topic = env.topic()
    value = {"n": 0, "text": "héllo ✓", "nested": {"list": [1, 2.5, None, True]}, "big": 2**53}
    before_ms = time.time_ns() // 1_000_000
    await env.log.append(topic, [("user:1", value), ("user:2", {"n": 1})])
    after_ms = time.time_ns() // 1_000_000

    events = await read_once(env.log, env.group(), [topic], 2)

    by_key = {event.key: event for event in events}
    assert set(by_key) == {"user:1", "user:2"}
    assert by_key["user:1"].value == value
    assert by_key["user:2"].value == {"n": 1}
    for event in events:
        assert event.topic == topic
        assert isinstance(event.partition, int) and isinstance(event.offset, int)
        assert before_ms - 5_000 <= event.ts_ms <= after_ms + 5_000


async def test_empty_append_is_a_no_op(env: Harness) -> None:
    topic = env.topic()
    await env.log.append(topic, [])
    await env.log.append(topic, [("k", {"n": 7})])
    assert numbers(await read_once(env.log, env.group(), [topic], 1)) == [7]


async def test_per_key_order_across_a_large_interleaved_batch(env: Harness) -> None:
    topic = env.topic()
    keys, per_key = 10, 150
    batch = [(f"user-{i % keys}", {"n": i, "seq": i // keys}) for i in range(keys * per_key)]
    await env.log.append(topic, batch[:500])
    await env.log.append(topic, batch[500:])

    events = await read_once(env.log, env.group(), [topic], len(batch))

    assert sorted(numbers(events)) == list(range(len(batch)))
    for k in range(keys):
        mine = [event for event in events if event.key == f"user-{k}"]
        assert [event.value["seq"] for event in mine] == list(range(per_key))
        assert len({event.partition for event in mine}) == 1
        offsets = [event.offset for event in mine]
        assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)


async def test_new_group_reads_from_the_earliest_record(env: Harness) -> None:
    topic = env.topic()
    await env.log.append(topic, records(4))
    assert sorted(numbers(await read_once(env.log, env.group("a"), [topic], 4))) == [0, 1, 2, 3]
    await env.log.append(topic, records(2, start=4))

    late = await read_once(env.log, env.group("b"), [topic], 6)

    assert sorted(numbers(late)) == [0, 1, 2, 3, 4, 5]


async def test_a_new_consumer_resumes_after_the_commit(env: Harness) -> None:
    topic, group = env.topic(), env.group()
    await env.log.append(topic, records(10))
    first = env.log.consumer(group, [topic])
    done = numbers(await drain(first, 4, max_records=3))
    await first.commit()
    await first.close()
    await env.log.append(topic, records(3, start=10))

    rest = numbers(await read_once(env.log, group, [topic], 9))

    assert not set(done) & set(rest)
    assert sorted(done + rest) == list(range(13))


async def test_polled_but_uncommitted_records_are_delivered_again(env: Harness) -> None:
    topic, group = env.topic(), env.group()
    await env.log.append(topic, records(10))
    first = env.log.consumer(group, [topic])
    committed = numbers(await drain(first, 3, max_records=3))
    await first.commit()
    uncommitted = numbers(await drain(first, 3, max_records=3))
    await first.close()

    again = numbers(await read_once(env.log, group, [topic], 7))

    assert set(uncommitted) <= set(again)
    assert sorted(again) == sorted(set(range(10)) - set(committed))


async def test_groups_are_independent(env: Harness) -> None:
    topic = env.topic()
    await env.log.append(topic, records(5))
    assert sorted(numbers(await read_once(env.log, env.group("a"), [topic], 5))) == list(range(5))

    assert sorted(numbers(await read_once(env.log, env.group("b"), [topic], 5))) == list(range(5))
    # Group a is done with the first five: its next consumer sees only what comes after.
    await env.log.append(topic, [("k", {"n": 99})])
    assert numbers(await read_once(env.log, env.group("a"), [topic], 1)) == [99]


async def test_poll_returns_as_soon_as_a_record_arrives(env: Harness) -> None:
    topic = env.topic()
    consumer = env.log.consumer(env.group(), [topic])
    await warm(env.log, consumer, topic)

    async def append_later() -> None:
        await asyncio.sleep(0.2)
        await env.log.append(topic, [("k", {"n": 1})])

    task = asyncio.create_task(append_later())
    started = time.monotonic()
    events = await consumer.poll(timeout_s=10.0)
    elapsed = time.monotonic() - started
    await task

    assert numbers(events) == [1]
    assert elapsed < 1.5, f"poll took {elapsed:.2f}s for a record appended after 0.2s"
    await consumer.close()


async def test_poll_wakes_for_an_append_through_another_log(env: Harness) -> None:
    """Another process appending (here: a second log on the same URL) also ends the wait."""
    topic = env.topic()
    consumer = env.log.consumer(env.group(), [topic])
    await warm(env.log, consumer, topic)
    other = open_events(env.url)

    async def append_later() -> None:
        await asyncio.sleep(0.2)
        await other.append(topic, [("k", {"n": 1})])

    task = asyncio.create_task(append_later())
    started = time.monotonic()
    events = await consumer.poll(timeout_s=10.0)
    elapsed = time.monotonic() - started
    await task
    await other.close()

    assert numbers(events) == [1]
    assert elapsed < 1.5, f"poll took {elapsed:.2f}s for a record appended after 0.2s"
    await consumer.close()


async def test_poll_returns_nothing_after_the_timeout(env: Harness) -> None:
    topic = env.topic()
    consumer = env.log.consumer(env.group(), [topic])
    await warm(env.log, consumer, topic)

    started = time.monotonic()
    events = await consumer.poll(timeout_s=0.5)
    elapsed = time.monotonic() - started

    assert events == []
    assert 0.4 <= elapsed < 2.0
    await consumer.close()


async def test_reset_group_replays_everything(env: Harness) -> None:
    topic, group = env.topic(), env.group()
    await env.log.append(topic, records(5))
    first = env.log.consumer(group, [topic])
    await drain(first, 3, max_records=3)
    await first.commit()
    await drain(first, 2)  # polled, not committed: the replay must not add these twice
    await first.close()

    await env.log.reset_group(group, [topic])
    replay = env.log.consumer(group, [topic])

    assert sorted(numbers(await drain(replay, 5))) == list(range(5))
    await env.log.append(topic, [("k", {"n": 5})])
    assert numbers(await drain(replay, 1)) == [5]
    await replay.close()


async def test_one_consumer_reads_several_topics(env: Harness) -> None:
    views, likes, group = env.topic("views"), env.topic("likes"), env.group()
    await env.log.append(views, records(3))
    await env.log.append(likes, records(2, start=100))

    events = await read_once(env.log, group, [views, likes], 5)

    assert sorted(numbers(e for e in events if e.topic == views)) == [0, 1, 2]
    assert sorted(numbers(e for e in events if e.topic == likes)) == [100, 101]
    # The commit covered both topics: only the new record comes next.
    await env.log.append(likes, [("k", {"n": 102})])
    after = await read_once(env.log, group, [views, likes], 1)
    assert [(e.topic, e.value["n"]) for e in after] == [(likes, 102)]


async def test_ping(env: Harness) -> None:
    assert await env.log.ping() is True


async def test_close_releases_everything(env: Harness) -> None:
    threads_before = set(threading.enumerate())
    log = open_events(env.url)
    topic = env.topic()
    await log.append(topic, [("k", {"n": 1})])
    consumer = log.consumer(env.group(), [topic])
    assert numbers(await drain(consumer, 1)) == [1]
    await consumer.commit()

    await consumer.close()
    await log.close()

    started = set(threading.enumerate()) - threads_before
    for thread in started:  # worker threads may take a moment to exit after close
        thread.join(timeout=2.0)
    assert [thread for thread in started if thread.is_alive()] == []
    # Records appended through the closed log are durable for everyone else.
    assert numbers(await read_once(env.log, env.group("other"), [topic], 1)) == [1]
