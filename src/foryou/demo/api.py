"""Calls to the in-process app: an answer that is not a success stops the seed with a message
that says which call failed and what the API answered."""

from __future__ import annotations

from typing import Any

import httpx


class SeedError(RuntimeError):
    """The demo could not be seeded; the message says why, in words a person can act on."""


async def call(
    client: httpx.AsyncClient, method: str, path: str, *, who: str, **kwargs: Any
) -> Any:
    """The answer's JSON (None when it has no body); ``who`` names the caller in errors."""
    response = await client.request(method, path, **kwargs)
    if response.is_error:
        raise SeedError(f"{method} {path} as {who}: {_problem(response)}")
    return response.json() if response.content else None


def _problem(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return f"{response.status_code} {detail or response.reason_phrase}"
