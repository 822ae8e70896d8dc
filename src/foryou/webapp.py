"""The browser app (``web/``, built by ``make web`` into ``foryou/static``): its hashed assets,
and its page on every route the app draws, so a shared link (``/v/{id}``) opens it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles

from foryou.gateway.problems import Problem

STATIC = Path(__file__).parent / "static"
# The app's own routes (web/src/main.ts); anything else stays a 404 problem.
PAGES = (
    "/",
    "/following",
    "/upload",
    "/search",
    "/login",
    "/signup",
    "/settings",
    "/moderation",
    "/v/{video_id}",
    "/@{username}",
    "/tag/{tag}",
)
IMMUTABLE = "public, max-age=31536000, immutable"  # asset names carry their content hash
# Captions, comments and names are rendered as text; this stops any script that slipped in
# anyway. Media and images may come from an edge host, so only scripts are pinned.
CSP = "script-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'"


class _Assets(StaticFiles):
    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = IMMUTABLE
        return response


async def _page() -> Response:
    index = STATIC / "index.html"
    if not index.is_file():
        raise Problem(503, "the web app is not built: run `make web` (it needs Node.js and npm)")
    headers = {"Cache-Control": "no-cache", "Content-Security-Policy": CSP}
    return FileResponse(index, headers=headers)


def install(app: FastAPI) -> None:
    router = APIRouter(include_in_schema=False)
    for path in PAGES:
        router.add_api_route(path, _page, methods=["GET"], response_class=Response)
    app.include_router(router)
    if (STATIC / "assets").is_dir():
        app.mount("/assets", _Assets(directory=STATIC / "assets"), name="assets")
