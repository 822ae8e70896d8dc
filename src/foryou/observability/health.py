"""Liveness, readiness and metrics routes."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Response

from foryou.deps import PlatformDep
from foryou.observability import metrics
from foryou.platform import Platform

router = APIRouter(tags=["operations"])


async def backend_status(platform: Platform) -> dict[str, Any]:
    """Whether each backend answers; used by /readyz and ``foryou doctor``."""

    async def check(probe: Any) -> bool:
        try:
            return bool(await asyncio.wait_for(probe, timeout=3))
        except Exception:
            return False

    shards, blobs, kv, events = await asyncio.gather(
        platform.sql.ping(),
        check(platform.blobs.ping()),
        check(platform.kv.ping()),
        check(platform.events.ping()),
    )
    return {"sql": shards, "blobs": blobs, "kv": kv, "events": events}


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "alive"}


@router.get(
    "/readyz",
    responses={
        503: {"description": "a backend does not answer", "content": {"application/json": {}}}
    },
)
async def readyz(platform: PlatformDep, response: Response) -> dict[str, Any]:
    status = await backend_status(platform)
    ready = all(status["sql"]) and status["blobs"] and status["kv"] and status["events"]
    response.status_code = 200 if ready else 503
    return {"status": "ready" if ready else "degraded", "backends": status}


@router.get("/metrics", response_class=Response)
async def prometheus() -> Response:
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)
