"""Sliding-window rate limits kept in the kv port, so they hold across api replicas.

A fixed one-minute window lets a client spend its budget twice across a window boundary
(the end of one minute and the start of the next). The sliding-window counter weighs the
previous window's count by how much of it still overlaps the last minute, which bounds any
60-second span to about ``limit`` requests for the cost of one ``incr`` and one ``get``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time

from foryou.gateway.problems import Problem
from foryou.observability import metrics
from foryou.platform.kv import KV

log = logging.getLogger(__name__)

WINDOW_S = 60


def _key(scope: str, ident: str, window: int) -> str:
    return f"rl:{scope}:{ident}:{window}"


def _seconds_until_allowed(elapsed: float, count: int, prior: int, limit: int) -> float:
    """When one more request fits, given ``count`` requests so far in this window."""
    if prior and count < limit:  # later in this window, once enough of the last one slides out
        return (1 - (limit - count - 1) / prior) * WINDOW_S - elapsed
    # next window: this window's count then weighs (1 - f) at fraction f of it
    return WINDOW_S - elapsed + max(0.0, 1 - (limit - 1) / count) * WINDOW_S


async def enforce(kv: KV, *, scope: str, ident: str, limit: int) -> None:
    """Count one request against ``limit`` per minute; refuse with 429 past it."""
    now = time.time()
    window = int(now // WINDOW_S)
    try:
        # The count lives two windows: it is the previous window for the whole next minute.
        count = await kv.incr(_key(scope, ident, window), ttl_s=2 * WINDOW_S + 1)
        previous = await kv.get(_key(scope, ident, window - 1))
    except Exception:  # a kv outage must not take the whole api down: fail open, say so
        metrics.RATE_LIMIT_UNAVAILABLE.inc()
        log.warning("rate limits unavailable (kv did not answer); letting the request through")
        return
    prior = int(previous) if previous else 0
    elapsed = now - window * WINDOW_S
    if count + prior * (1 - elapsed / WINDOW_S) > limit:
        # A refused request is not counted, so Retry-After holds even for a client that retries;
        # should kv fail just now, the cost is one request counted too many.
        with contextlib.suppress(Exception):
            await kv.incr(_key(scope, ident, window), -1)
        count -= 1
        metrics.RATE_LIMITED.labels(scope).inc()
        retry_after = max(1, math.ceil(_seconds_until_allowed(elapsed, count, prior, limit)))
        raise Problem(
            429,
            f"too many requests ({limit} a minute for this {scope}); retry in {retry_after} s",
            kind="rate-limited",
            headers={"Retry-After": str(retry_after)},
        )
