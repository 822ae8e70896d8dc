"""The gateway's outer layer, as one pure ASGI middleware (no per-request task overhead):
request ids, one JSON log line per request, metrics per route, security headers, and the
request-size limit."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from foryou.gateway.problems import Problem
from foryou.observability import metrics
from foryou.observability.logging import get_logger, request_id_var

log = get_logger("foryou.access")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class BodyTooLarge(Problem):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"the request body is larger than the limit of {limit} bytes",
            kind="body-too-large",
        )


def route_template(scope: Scope) -> str:
    """The matched route's full template, e.g. ``/api/v1/videos/{video_id}``.

    FastAPI gives the route's path relative to the router it was included with; router
    prefixes here hold no parameters, so the request path supplies the prefix."""
    route: Any = scope.get("route")
    tail = getattr(route, "path", None)
    if not tail:
        return "unmatched"
    segments = scope["path"].rstrip("/").split("/")
    prefix = segments[: max(1, len(segments) - len(tail.split("/")) + 1)]
    return "/".join(prefix) + tail


class GatewayMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int,
        max_upload: int,
        upload_paths: tuple[str, ...],
        hsts: bool = False,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.upload_paths = upload_paths
        self.headers = _SECURITY_HEADERS + (
            [(b"strict-transport-security", b"max-age=31536000")] if hsts else []
        )

    def _limit_for(self, scope: Scope) -> int:
        path: str = scope["path"]
        if scope["method"] in ("POST", "PATCH") and path.startswith(self.upload_paths):
            return self.max_upload
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        limit = self._limit_for(scope)

        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            response = BodyTooLarge(limit).to_response()
            response.headers["x-request-id"] = request_id
            await response(scope, receive, send)
            self._record(scope, 413, started)
            request_id_var.reset(token)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    *self.headers,
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        finally:
            self._record(scope, status, started)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        template = route_template(scope)
        method = scope["method"]
        metrics.REQUESTS.labels(method, template, str(status)).inc()
        metrics.LATENCY.labels(method, template).observe(elapsed)
        log.info(
            "request",
            extra={
                "method": method,
                "route": template,
                "path": scope["path"],
                "status": status,
                "ms": round(elapsed * 1000, 2),
            },
        )
