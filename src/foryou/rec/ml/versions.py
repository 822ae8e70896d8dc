"""Model versions in the blobs port: publish, promote only when better, hot-swap, roll back.

Layout: ``models/<name>/<version>/model.pt`` and ``.../meta.json`` (metrics, feature schema,
when; versions are named ``v<ms>-<random>``, so they sort by time), and
``models/<name>/live.json`` naming the live version and the ones live before it.

- ``publish`` writes the weights first and ``meta.json`` last: a version without its meta (a
  run killed half way) is never listed, promoted or loaded.
- ``promote`` makes a version live only if its ``PRIMARY`` metric is at least the live one's.
  ``live.json`` is one write, so a reader sees the old pointer or the new, never a mix.
- ``rollback`` makes the previous live version live again.
- ``Registry`` (serving) polls ``live.json``; on a change it loads the version in a worker
  thread and swaps it in between requests. A version that does not load is logged and
  counted, and the one already loaded keeps serving.
- Online training (``foryou.rec.ml.online``) writes updates to the live version,
  ``.../<version>/updates/<seq>.pt``: only the rows that changed. The Registry applies new
  ones in order on the same poll, each to a copy that is then swapped in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from prometheus_client import Counter, Gauge

from foryou.platform import Platform
from foryou.platform.blobs import BlobNotFound

log = logging.getLogger(__name__)
T = TypeVar("T")

PREFIX = "models"
PRIMARY = "ndcg"  # the metric promotion compares; higher is better
LIVE_INFO = Gauge(
    "foryou_model_live", "The model version this process serves (1)", ["name", "version"]
)
LOAD_FAILURES = Counter(
    "foryou_model_load_failures_total", "Model versions that failed to load", ["name"]
)


class VersionError(ValueError):
    """No such (complete) version, or nothing to roll back to; the message says which."""


@dataclass(frozen=True)
class Version:
    name: str
    version: str
    metrics: dict[str, float]
    schema: dict[str, Any]
    created_ms: int


def _key(name: str, *parts: str) -> str:
    return "/".join((PREFIX, name, *parts))


async def publish(
    platform: Platform,
    name: str,
    weights: bytes,
    *,
    metrics: dict[str, float],
    schema: dict[str, Any],
) -> Version:
    now_ms = int(time.time() * 1000)
    version = Version(name, f"v{now_ms:013d}-{secrets.token_hex(3)}", metrics, schema, now_ms)
    await platform.blobs.put(_key(name, version.version, "model.pt"), weights)
    meta = {"metrics": metrics, "schema": schema, "created_ms": version.created_ms}
    await platform.blobs.put(_key(name, version.version, "meta.json"), orjson.dumps(meta))
    return version


async def get(platform: Platform, name: str, version: str) -> Version:
    try:
        meta = orjson.loads(await platform.blobs.get(_key(name, version, "meta.json")))
    except BlobNotFound:
        raise VersionError(f"model {name!r} has no complete version {version!r}") from None
    return Version(name, version, meta["metrics"], meta["schema"], meta["created_ms"])


async def weights(platform: Platform, name: str, version: str) -> bytes:
    return await platform.blobs.get(_key(name, version, "model.pt"))


async def publish_update(
    platform: Platform, name: str, version: str, seq: int, data: bytes
) -> None:
    """An online update to ``version`` (only what changed); applied in ``seq`` order."""
    await platform.blobs.put(_key(name, version, "updates", f"{seq:010d}.pt"), data)


async def updates(platform: Platform, name: str, version: str, after: int = -1) -> list[int]:
    """The sequence numbers of ``version``'s online updates after ``after``, in order."""
    keys = await platform.blobs.list(_key(name, version, "updates"))
    found = (int(k.rsplit("/", 1)[1].removesuffix(".pt")) for k in keys if k.endswith(".pt"))
    return sorted(seq for seq in found if seq > after)


async def update(platform: Platform, name: str, version: str, seq: int) -> bytes:
    return await platform.blobs.get(_key(name, version, "updates", f"{seq:010d}.pt"))


async def versions(platform: Platform, name: str) -> list[Version]:
    """Complete versions, oldest first."""
    keys = await platform.blobs.list(_key(name))
    found = sorted(k.split("/")[2] for k in keys if k.endswith("/meta.json"))
    return [await get(platform, name, v) for v in found]


async def _pointer(platform: Platform, name: str) -> dict[str, Any]:
    try:
        pointer: dict[str, Any] = orjson.loads(await platform.blobs.get(_key(name, "live.json")))
    except BlobNotFound:
        return {"version": None, "previous": []}
    return pointer


async def live(platform: Platform, name: str) -> Version | None:
    version = (await _pointer(platform, name))["version"]
    return None if version is None else await get(platform, name, version)


async def promote(platform: Platform, name: str, version: str, *, force: bool = False) -> bool:
    """Make ``version`` live if it is at least as good as the live one (or ``force``)."""
    candidate = await get(platform, name, version)
    pointer = await _pointer(platform, name)
    if pointer["version"] == version:
        return True
    if pointer["version"] is not None and not force:
        current = await get(platform, name, pointer["version"])
        if candidate.metrics.get(PRIMARY, float("-inf")) < current.metrics.get(PRIMARY, 0.0):
            return False
    previous = [pointer["version"], *pointer["previous"]] if pointer["version"] else []
    await _set_pointer(platform, name, version, previous)
    return True


async def rollback(platform: Platform, name: str) -> str:
    """Make the version live before the current one live again; which that is."""
    pointer = await _pointer(platform, name)
    if not pointer["previous"]:
        raise VersionError(f"model {name!r} has no earlier live version to roll back to")
    version, *rest = pointer["previous"]
    await _set_pointer(platform, name, version, rest)
    return str(version)


async def _set_pointer(platform: Platform, name: str, version: str, previous: list[str]) -> None:
    body = orjson.dumps({"version": version, "previous": previous[:20]})
    await platform.blobs.put(_key(name, "live.json"), body)


class Registry(Generic[T]):
    """The live version of one model in this process, reloaded when ``live.json`` changes."""

    def __init__(
        self,
        name: str,
        decode: Callable[[bytes], T],
        apply: Callable[[T, bytes], T] | None = None,
    ) -> None:
        self.name, self.decode, self.apply = name, decode, apply
        self.version: str | None = None
        self.model: T | None = None
        self.applied = -1  # the last online update applied to this version
        self._failed: str | None = None  # not retried until live.json names another

    async def refresh(self, platform: Platform) -> bool:
        """Load the live version if it changed, then its new online updates; whether new
        parameters are now served."""
        wanted = (await _pointer(platform, self.name))["version"]
        if wanted is not None and wanted == self.version:
            return await self._apply_updates(platform)
        if wanted is None or wanted == self._failed:
            return False
        try:
            model = await asyncio.to_thread(self.decode, await weights(platform, self.name, wanted))
        except Exception:
            self._failed = wanted
            LOAD_FAILURES.labels(self.name).inc()
            log.exception(
                "model %s version %s does not load; keeping %s", self.name, wanted, self.version
            )
            return False
        if self.version is not None:
            LIVE_INFO.remove(self.name, self.version)
        self.version, self.model, self._failed, self.applied = wanted, model, None, -1
        LIVE_INFO.labels(self.name, wanted).set(1)
        log.info("model %s version %s is live", self.name, wanted)
        await self._apply_updates(platform)
        return True

    async def _apply_updates(self, platform: Platform) -> bool:
        if self.apply is None or self.model is None or self.version is None:
            return False
        version, applied = self.version, False
        for seq in await updates(platform, self.name, version, self.applied):
            data = await update(platform, self.name, version, seq)
            model: T | None = None
            try:
                model = await asyncio.to_thread(self.apply, self.model, data)
            except Exception:
                LOAD_FAILURES.labels(self.name).inc()
                log.exception("model %s update %s does not apply; skipped", self.name, seq)
            if self.version != version:  # a new version went live meanwhile
                return applied
            self.applied = seq  # a failed one is not retried
            if model is not None:
                self.model, applied = model, True
        return applied

    async def keep_fresh(self, platform: Platform, stop: asyncio.Event, every_s: float) -> None:
        while not stop.is_set():
            try:
                await self.refresh(platform)
            except Exception:  # blobs unreachable: keep serving what is loaded
                log.exception("could not check model %s for a new version", self.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)
