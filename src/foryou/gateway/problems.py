"""Errors as RFC 9457 problem+json: every failure a client sees has this one shape."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from foryou.observability.logging import get_logger

PROBLEM_TYPE = "https://foryou.dev/problems/"
log = get_logger(__name__)


class ProblemDetails(BaseModel):
    """The body of every error answer (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


def problem_responses(described: Mapping[int, str] | None = None) -> dict[int | str, Any]:
    """OpenAPI ``responses`` for problem+json answers: the codes given, or any 4XX."""
    content = {"application/problem+json": {"schema": ProblemDetails.model_json_schema()}}
    codes: dict[int | str, str] = {"4XX": "a problem the client can act on (RFC 9457)"}
    if described:
        codes = dict(described.items())
    return {code: {"description": text, "content": content} for code, text in codes.items()}


class Problem(Exception):
    """A failure the client can act on. Raised by services; rendered by the handler below."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind or HTTPStatus(status).phrase.lower().replace(" ", "-")
        self.errors = errors
        self.headers = headers or {}

    def to_response(self) -> Response:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE + self.kind,
            "title": HTTPStatus(self.status).phrase,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
        return Response(
            orjson.dumps(body),
            status_code=self.status,
            headers=self.headers,
            media_type="application/problem+json",
        )


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(app: FastAPI, path: str) -> str:
    """Every method the path supports, asked of the router itself (so ``{key:path}`` routes
    and included routers count). Starlette's own 405 names only the first route that matched
    the path, though one path often has several routes (GET and PATCH /me)."""

    def serves(method: str) -> bool:
        scope = {"type": "http", "path": path, "root_path": "", "method": method}
        return any(route.matches(scope)[0] is Match.FULL for route in app.router.routes)

    return ", ".join(method for method in _METHODS if serves(method))


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        errors.append(
            {
                "field": ".".join(loc),
                "message": err.get("msg", "invalid"),
                "type": err.get("type", "value_error"),
            }
        )
    return errors


def _summary(errors: list[dict[str, Any]]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['field']}: {first['message']}{more}"


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> Response:
        return exc.to_response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> Response:
        errors = _field_errors(exc)
        return Problem(422, _summary(errors), kind="invalid-request", errors=errors).to_response()

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc.__cause__, Problem):  # FastAPI wraps errors raised reading a body
            return exc.__cause__.to_response()
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 404 and detail == "Not Found":
            detail = "no such route; see /docs for the API"
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(app, request.url.path)
            detail = f"{request.method} is not supported here; use {headers['Allow']}"
        return Problem(exc.status_code, detail, headers=headers).to_response()

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.url.path})
        return Problem(
            500,
            "the server failed to handle this request; it has been logged with its request id",
            kind="internal-error",
        ).to_response()
