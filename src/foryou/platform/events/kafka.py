"""Kafka event log (aiokafka): topics with partitions, keys routed by the default partitioner,
consumer groups with offsets committed to Kafka."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from foryou.platform.events import Event, Record


def _encode(value: Mapping[str, Any]) -> bytes:
    # default=dict lets orjson take any Mapping at no cost for plain dicts.
    return orjson.dumps(value, default=dict)


def _event(record: ConsumerRecord[bytes, bytes]) -> Event:
    return Event(
        record.topic,
        record.partition,
        record.offset,
        record.key.decode(),
        orjson.loads(record.value),
        record.timestamp,  # the producer's append time (CreateTime)
    )


class KafkaEventLog:
    def __init__(self, url: str) -> None:
        self._servers = urlsplit(url).netloc  # "host:port[,host:port]"
        self._producer: AIOKafkaProducer | None = None
        self._start_lock = asyncio.Lock()

    async def _started_producer(self) -> AIOKafkaProducer:
        async with self._start_lock:
            if self._producer is None:
                producer = AIOKafkaProducer(bootstrap_servers=self._servers, acks="all")
                try:
                    await producer.start()
                except BaseException:
                    await producer.stop()  # start() leaves connections open when it fails
                    raise
                self._producer = producer
            return self._producer

    async def append(self, topic: str, records: Sequence[Record]) -> None:
        if not records:
            return
        producer = await self._started_producer()
        # Queue every record before waiting, so the batch goes out in few requests.
        sent = [
            await producer.send(topic, _encode(value), key=key.encode()) for key, value in records
        ]
        await asyncio.gather(*sent)

    def consumer(self, group: str, topics: Sequence[str]) -> KafkaConsumer:
        return KafkaConsumer(self._servers, group, list(topics))

    async def reset_group(self, group: str, topics: Sequence[str]) -> None:
        """Commit the earliest offsets for the group; run it while the group has no members."""
        producer = await self._started_producer()
        partitions = [
            TopicPartition(topic, partition)
            for topic in topics
            for partition in await producer.partitions_for(topic)
        ]
        # Manually assigned (no group membership), so the commit is accepted for an idle group.
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._servers, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            await consumer.commit({tp: await consumer.position(tp) for tp in partitions})
        finally:
            await consumer.stop()

    async def ping(self) -> bool:
        try:
            producer = await self._started_producer()
            await producer.client.fetch_all_metadata()
        except (KafkaError, OSError):
            return False
        return True

    async def close(self) -> None:
        async with self._start_lock:
            if self._producer is not None:
                await self._producer.stop()
                self._producer = None


class KafkaConsumer:
    def __init__(self, servers: str, group: str, topics: list[str]) -> None:
        self._servers = servers
        self._group = group
        self._topics = topics
        self._consumer: AIOKafkaConsumer | None = None
        self._polled: dict[TopicPartition, int] = {}  # next offset to commit, per partition

    async def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(
                *self._topics,
                bootstrap_servers=self._servers,
                group_id=self._group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
            )
            try:
                await consumer.start()
            except BaseException:
                await consumer.stop()
                raise
            self._consumer = consumer
        return self._consumer

    async def poll(self, *, max_records: int = 500, timeout_s: float = 1.0) -> list[Event]:
        consumer = await self._started()
        batches = await consumer.getmany(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        events = []
        for tp, records in batches.items():
            if records:
                self._polled[tp] = records[-1].offset + 1
                events += [_event(record) for record in records]
        return events

    async def commit(self) -> None:
        if self._consumer is not None and self._polled:
            await self._consumer.commit(self._polled)
            self._polled = {}

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
