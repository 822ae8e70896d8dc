"""``GET``/``HEAD /media/{key}``: renditions, segments and posters, straight from the blobs port.

Only files of a video (``videos/{id}/...``) are served, never its original upload
(``videos/{id}/source``). Answers carry ``ETag`` (``If-None-Match`` gives 304), single byte
ranges (206/416) and the cache policy the edge tier follows: segments, init segments and
images never change under a key, playlists do while rungs are added. When signing is on,
every request needs a valid ``?exp=&sig=`` and playlists are rewritten so that the URIs in
them carry the same query (relative URIs would otherwise drop it).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from email.utils import formatdate
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from foryou.deps import PlatformDep
from foryou.edge import signing
from foryou.gateway.problems import Problem, problem_responses
from foryou.platform.blobs import BlobInfo, BlobNotFound, Blobs, InvalidKey, check_key

router = APIRouter(tags=["media"])

CHUNK = 1 << 20  # bodies larger than this stream in ranged reads of this size
IMMUTABLE = "public, max-age=31536000, immutable"
PLAYLIST = "public, max-age=2"  # rungs are appended while the ladder is still encoding
OTHER = "public, max-age=60"
TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".ts": "video/mp2t",
    ".vtt": "text/vtt",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".png": "image/png",
}
_IMMUTABLE_EXT = {".m4s", ".mp4", ".m4a", ".ts", ".vtt", ".jpg", ".jpeg", ".webp", ".png"}
_RANGE = re.compile(r"^bytes=\s*(\d*)\s*-\s*(\d*)\s*$")
_URI_ATTR = re.compile(r'URI="([^"]*)"')
_HAS_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _ext(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return name[name.rfind(".") :].lower() if "." in name else ""


def content_type(key: str) -> str:
    return TYPES.get(_ext(key), "application/octet-stream")


def cache_control(key: str) -> str:
    ext = _ext(key)
    if ext == ".m3u8":
        return PLAYLIST
    return IMMUTABLE if ext in _IMMUTABLE_EXT else OTHER


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive range one ``Range`` header asks for, or None for the whole body.

    Several ranges (``bytes=0-1,5-6``) and malformed headers get the whole body, as RFC 9110
    allows a server to ignore ``Range``; an unsatisfiable range raises a 416 Problem."""
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:  # other units, several ranges, garbage: answer 200 with everything
        return None
    first, last = match.groups()
    if first:
        start = int(first)
        end = int(last) if last else size - 1
        if last and end < start:
            return None  # an invalid range-spec: ignored
        if start >= size:
            raise _unsatisfiable(size)
        return start, min(end, size - 1)
    if not last:
        return None  # "bytes=-"
    suffix = int(last)
    if suffix == 0 or size == 0:
        raise _unsatisfiable(size)
    return max(0, size - suffix), size - 1


def _unsatisfiable(size: int) -> Problem:
    return Problem(
        416,
        f"the requested range lies outside the {size} bytes of this file",
        kind="range-not-satisfiable",
        headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
    )


def _matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison: ``W/`` prefixes do not matter."""
    if header.strip() == "*":
        return True
    tags = (t.strip() for t in header.split(","))
    return etag.removeprefix("W/") in (t.removeprefix("W/") for t in tags)


def sign_playlist(text: str, query: str) -> str:
    """Append ``query`` (``exp=..&sig=..``) to every URI of an HLS playlist: URI lines and
    ``URI="..."`` attributes (``#EXT-X-MAP``, ``#EXT-X-MEDIA``, ...). URIs with a scheme
    point elsewhere and are left alone."""

    def signed(uri: str) -> str:
        if not uri or _HAS_SCHEME.match(uri):
            return uri
        return f"{uri}{'&' if '?' in uri else '?'}{query}"

    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("#"):
            line = _URI_ATTR.sub(lambda m: f'URI="{signed(m.group(1))}"', line)
        elif stripped:
            line = line.replace(stripped, signed(stripped))
        lines.append(line)
    return "\n".join(lines)


async def _chunks(blobs: Blobs, key: str, start: int, end: int) -> AsyncIterator[bytes]:
    for at in range(start, end + 1, CHUNK):
        yield await blobs.get_range(key, at, min(at + CHUNK - 1, end))


def _not_found(key: str) -> Problem:
    return Problem(404, f"no media file {key!r}", kind="media-not-found")


_BINARY = {"schema": {"type": "string", "format": "binary"}}
RESPONSES: dict[int | str, Any] = {
    200: {"description": "the file", "content": {t: _BINARY for t in sorted(set(TYPES.values()))}},
    206: {"description": "one byte range of the file (Content-Range)"},
    304: {"description": "not modified (If-None-Match)"},
    **problem_responses(
        {
            403: "signing is on and the URL's signature is missing, wrong or expired",
            404: "no such media file (originals are never served)",
            416: "the range lies outside the file",
        }
    ),
}


@router.get("/media/{key:path}", response_class=Response, responses=RESPONSES)
@router.head("/media/{key:path}", response_class=Response, responses=RESPONSES)
async def media(
    key: str,
    request: Request,
    platform: PlatformDep,
    exp: Annotated[str | None, Query(description="signed URLs: expiry")] = None,
    sig: Annotated[str | None, Query(description="signed URLs: signature")] = None,
) -> Response:
    prefix = signing.video_prefix(key)
    try:
        check_key(key)
    except InvalidKey:
        prefix = None
    if prefix is None:
        raise _not_found(key)
    secret = platform.settings.media_signing_key
    signed_exp = signing.verify(secret, prefix, exp, sig) if secret else None

    blobs = platform.blobs
    info = await blobs.stat(key)
    if info is None:
        raise _not_found(key)
    if signed_exp is not None and _ext(key) == ".m3u8":
        return await _signed_playlist(
            request, blobs, info, f"exp={signed_exp}&sig={sig}", signed_exp
        )

    etag = f'"{info.etag}"'
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control(key),
        "Accept-Ranges": "bytes",
        "Last-Modified": formatdate(info.modified, usegmt=True),
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    if_range = request.headers.get("if-range")
    wanted = None if if_range and if_range != etag else request.headers.get("range")
    span = byte_range(wanted, info.size)
    status = 200
    start, end = 0, info.size - 1
    if span is not None:
        status = 206
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    length = end - start + 1
    headers["Content-Length"] = str(length)
    media_type = content_type(key)
    if request.method == "HEAD" or length == 0:
        return Response(b"", status_code=status, headers=headers, media_type=media_type)
    if length <= CHUNK:
        try:
            body = await blobs.get_range(key, start, end)
        except BlobNotFound:  # deleted since stat
            raise _not_found(key) from None
        return Response(body, status_code=status, headers=headers, media_type=media_type)
    return StreamingResponse(
        _chunks(blobs, key, start, end), status_code=status, headers=headers, media_type=media_type
    )


async def _signed_playlist(
    request: Request, blobs: Blobs, info: BlobInfo, query: str, exp: int
) -> Response:
    """A playlist whose URIs carry the request's signature. The body depends on the query,
    so its ETag does too; ranges are ignored (playlists are a few hundred bytes)."""
    etag = f'"{info.etag}-{exp}"'
    headers = {"ETag": etag, "Cache-Control": PLAYLIST}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    try:
        raw = await blobs.get(info.key)
    except BlobNotFound:
        raise _not_found(info.key) from None
    body = sign_playlist(raw.decode("utf-8", "replace"), query).encode()
    headers["Content-Length"] = str(len(body))
    media_type = TYPES[".m3u8"]
    return Response(
        b"" if request.method == "HEAD" else body, headers=headers, media_type=media_type
    )
