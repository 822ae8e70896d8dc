"""FastAPI dependencies as ``Annotated`` aliases: the one place routes get what they need.

Every dependency is ``async def``, even the ones that never await: FastAPI runs a plain
``def`` dependency in its thread pool, a hand-off that cost more than the work itself."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request

from foryou.domains.common import CURSOR_PATTERN
from foryou.gateway import ratelimit
from foryou.gateway.tokens import Principal, decode_access, unauthorized
from foryou.platform import Platform

MAX_ID = 2**63 - 1


async def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


def _principal(request: Request, platform: Platform) -> Principal | None:
    if "principal" in request.state._state:
        cached: Principal | None = request.state.principal
        return cached
    header = request.headers.get("authorization")
    principal = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("send the access token as 'Authorization: Bearer <token>'")
        principal = decode_access(token.strip(), secret=platform.settings.secret_key)
    request.state.principal = principal
    return principal


async def optional_principal(request: Request, platform: PlatformDep) -> Principal | None:
    return _principal(request, platform)


async def required_principal(request: Request, platform: PlatformDep) -> Principal:
    principal = _principal(request, platform)
    if principal is None:
        raise unauthorized("log in first: this route needs an access token")
    return principal


MaybeUser = Annotated[Principal | None, Depends(optional_principal)]
CurrentUser = Annotated[Principal, Depends(required_principal)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def rate_limit(request: Request, platform: PlatformDep) -> None:
    """Per client address, and per user when the request carries a valid token."""
    settings = platform.settings
    await ratelimit.enforce(
        platform.kv,
        scope="client",
        ident=client_address(request),
        limit=settings.rate_limit_client_per_minute,
    )
    principal = _principal(request, platform)
    if principal is not None:
        await ratelimit.enforce(
            platform.kv,
            scope="user",
            ident=str(principal.user_id),
            limit=settings.rate_limit_user_per_minute,
        )


async def auth_rate_limit(request: Request, platform: PlatformDep) -> None:
    """Signup, login and refresh get a tighter budget against password guessing."""
    await ratelimit.enforce(
        platform.kv,
        scope="auth",
        ident=client_address(request),
        limit=platform.settings.rate_limit_auth_per_minute,
    )


async def _device_id(
    device: Annotated[
        str | None, Header(alias="Foryou-Device-Id", description="anonymous session id (a UUID)")
    ] = None,
) -> str | None:
    if device is None:
        return None
    try:
        return str(uuid.UUID(device))
    except ValueError:
        return None  # a malformed device id is ignored, not fatal: it is only a session hint


DeviceId = Annotated[str | None, Depends(_device_id)]


async def _region(
    region: Annotated[
        str | None,
        Header(
            alias="Foryou-Region",
            description="the viewer's country (ISO 3166 alpha-2), as an edge's geo lookup sets it",
        ),
    ] = None,
) -> str | None:
    if region is None or len(region) != 2 or not region.isascii() or not region.isalpha():
        return None  # like the device id, a hint: a bad one is ignored
    return region.upper()


RegionHint = Annotated[str | None, Depends(_region)]

VideoIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="video id", alias="video_id")]
CommentIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="comment id", alias="comment_id")]
UsernamePath = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[int, Query(ge=1, le=100, description="page size")]
Cursor = Annotated[
    str | None, Query(pattern=CURSOR_PATTERN, description="next_cursor of the previous page")
]
