"""The tus 1.0.0 protocol surface: its headers in and out, as the routes read, check and
document them. Tus headers are read from the request rather than declared as FastAPI
parameters, so that a missing or wrong one gets the status tus names (400, 412, 413) rather
than 422; ``openapi_extra`` still describes them (``doc``)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError

from foryou.deps import MAX_ID
from foryou.domains.videos.schemas import Caption, Visibility
from foryou.gateway.problems import Problem, problem_responses

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
OFFSET_STREAM = "application/offset+octet-stream"
_DIGITS = re.compile(r"^[0-9]{1,19}$")
TUS = {"Tus-Resumable": TUS_VERSION}
# What a browser tus client must be able to read (CORS ``expose_headers``).
TUS_RESPONSE_HEADERS = (
    "Tus-Resumable",
    "Tus-Version",
    "Tus-Extension",
    "Tus-Max-Size",
    "Upload-Offset",
    "Upload-Length",
    "Upload-Expires",
)


def header(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": True,
        "description": description,
        "schema": schema,
    }


TUS_RESUMABLE = header(
    "Tus-Resumable", "the tus protocol version", {"type": "string", "enum": [TUS_VERSION]}
)
COUNT = {"type": "string", "pattern": "^[0-9]{1,19}$"}


@contextmanager
def tus_errors() -> Iterator[None]:
    """Every tus answer names the protocol version, errors included."""
    try:
        yield
    except Problem as problem:
        problem.headers.setdefault("Tus-Resumable", TUS_VERSION)
        raise


def check_version(request: Request) -> None:
    version = request.headers.get("tus-resumable")
    if version is None:
        raise Problem(
            400,
            "send Tus-Resumable: 1.0.0 (this is a tus endpoint)",
            kind="tus-version-missing",
            headers={"Tus-Version": TUS_VERSION},
        )
    if version.strip() != TUS_VERSION:
        raise Problem(
            412,
            f"tus version {version[:20]!r} is not supported; this server speaks {TUS_VERSION}",
            kind="tus-version-unsupported",
            headers={"Tus-Version": TUS_VERSION},
        )


def count(request: Request, name: str) -> int:
    value = request.headers.get(name.lower())
    if value is None or not _DIGITS.match(value.strip()) or int(value) > MAX_ID:
        raise Problem(400, f"send {name} as a number of bytes", kind="bad-tus-header")
    return int(value)


def doc(
    summary: str, ok: int, ok_headers: dict[str, str], problems: dict[int, str], *params: Any
) -> dict[str, Any]:
    """Route keywords: the tus headers a route reads and answers, its problem statuses."""
    numeric = {"Upload-Offset", "Upload-Length", "Tus-Max-Size", "Foryou-Video-Id"}
    headers = {
        name: {"description": text, "schema": COUNT if name in numeric else {"type": "string"}}
        for name, text in ok_headers.items()
    }
    return {
        "summary": summary,
        "status_code": ok,
        "response_class": Response,
        "openapi_extra": {"parameters": list(params)} if params else None,
        "responses": {
            ok: {"description": summary, "headers": headers},
            **problem_responses(
                {401: "not logged in", 404: "no such upload of yours", 429: "rate limited"}
                | problems
            ),
        },
    }


VERSION_PROBLEMS = {400: "Tus-Resumable is missing", 412: "unsupported tus version"}


class UploadMetadata(BaseModel):
    """What ``Upload-Metadata`` may set; the same rules as the multipart form."""

    model_config = ConfigDict(extra="ignore")
    caption: Caption = ""
    visibility: Visibility = "public"


def parse_metadata(raw: str | None) -> UploadMetadata:
    """``key base64,key base64,...`` as tus writes it; 400 if malformed, 422 if invalid."""
    pairs: dict[str, str] = {}
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        key, _, value = item.strip().partition(" ")
        if not key or key in pairs or " " in value.strip():
            raise Problem(
                400, f"Upload-Metadata: malformed pair {item.strip()!r}", kind="bad-metadata"
            )
        try:
            pairs[key] = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Problem(
                400, f"Upload-Metadata: {key} is not base64 of UTF-8 text", kind="bad-metadata"
            ) from None
    try:
        return UploadMetadata.model_validate(pairs)
    except ValidationError as exc:  # rendered as 422 problem+json naming the field
        raise RequestValidationError(
            [{**e, "loc": ("header", "Upload-Metadata", *e["loc"])} for e in exc.errors()]
        ) from None
