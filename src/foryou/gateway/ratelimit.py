"""Fixed-window rate limits kept in the kv port, so they hold across api replicas."""

from __future__ import annotations

import logging
import math
import time

from foryou.gateway.problems import Problem
from foryou.observability import metrics
from foryou.platform.kv import KV

log = logging.getLogger(__name__)

WINDOW_S = 60


async def enforce(kv: KV, *, scope: str, ident: str, limit: int) -> None:
    """Count one request against ``limit`` per minute; refuse with 429 past it."""
    window = int(time.time() // WINDOW_S)
    try:
        count = await kv.incr(f"rl:{scope}:{ident}:{window}", ttl_s=WINDOW_S + 1)
    except Exception:  # a kv outage must not take the whole api down: fail open, say so
        metrics.RATE_LIMIT_UNAVAILABLE.inc()
        log.warning("rate limits unavailable (kv did not answer); letting the request through")
        return
    if count > limit:
        metrics.RATE_LIMITED.labels(scope).inc()
        retry_after = max(1, math.ceil((window + 1) * WINDOW_S - time.time()))
        raise Problem(
            429,
            f"too many requests ({limit} a minute for this {scope}); retry in {retry_after} s",
            kind="rate-limited",
            headers={"Retry-After": str(retry_after)},
        )
