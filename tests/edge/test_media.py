"""``GET``/``HEAD /media/{key}`` on local and S3 (moto) blobs: bodies, ranges, ETags, cache
policy, private originals, signed URLs and playlist rewriting."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from foryou.edge import media, signing
from foryou.platform.blobs import Blobs
from tests.conftest import AppFactory, settings_for

SECRET = "edge-test-secret"
SEGMENT = "videos/1/hls/360/seg_00001.m4s"
PLAYLIST = "videos/1/hls/360/index.m3u8"
IMMUTABLE = "public, max-age=31536000, immutable"
DATA = bytes(range(256)) * 4  # 1024 bytes


def _blobs_url(request: pytest.FixtureRequest, backend: str) -> dict[str, Any]:
    if backend == "local":
        return {}
    endpoint = request.getfixturevalue("s3_endpoint")
    return {
        "blobs": f"s3://foryou-edge/run-{uuid.uuid4().hex}"
        f"?endpoint_url={endpoint}&region=us-east-1&create_bucket=1"
    }


@pytest_asyncio.fixture(params=["local", "s3"])
async def client(
    request: pytest.FixtureRequest, make_client: AppFactory, tmp_path: Path
) -> httpx.AsyncClient:
    extra = _blobs_url(request, request.param)
    return await make_client(settings_for("embedded", tmp_path, **extra))


@pytest_asyncio.fixture
async def signed_client(make_client: AppFactory, tmp_path: Path) -> httpx.AsyncClient:
    return await make_client(settings_for("embedded", tmp_path, media_signing_key=SECRET))


def blobs_of(client: httpx.AsyncClient) -> Blobs:
    store: Blobs = client.app.state.platform.blobs  # type: ignore[attr-defined]
    return store


async def test_whole_file_with_headers(client: httpx.AsyncClient) -> None:
    info = await blobs_of(client).put(SEGMENT, DATA)
    response = await client.get(f"/media/{SEGMENT}")
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["content-type"] == "video/iso.segment"
    assert response.headers["content-length"] == "1024"
    assert response.headers["etag"] == f'"{info.etag}"'
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["cache-control"] == IMMUTABLE
    assert "last-modified" in response.headers

    head = await client.head(f"/media/{SEGMENT}")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == "1024"
    assert head.headers["etag"] == response.headers["etag"]


async def test_ranges(client: httpx.AsyncClient) -> None:
    await blobs_of(client).put(SEGMENT, DATA)
    url = f"/media/{SEGMENT}"
    for header, (start, end) in {
        "bytes=10-19": (10, 19),
        "bytes=1000-": (1000, 1023),
        "bytes=-24": (1000, 1023),
        "bytes=1020-5000": (1020, 1023),
    }.items():
        response = await client.get(url, headers={"Range": header})
        assert response.status_code == 206, header
        assert response.content == DATA[start : end + 1]
        assert response.headers["content-range"] == f"bytes {start}-{end}/1024"
        assert response.headers["content-length"] == str(end - start + 1)

    head = await client.head(url, headers={"Range": "bytes=0-1"})
    assert (head.status_code, head.headers["content-length"]) == (206, "2")

    several = await client.get(url, headers={"Range": "bytes=0-1,5-6"})
    assert several.status_code == 200 and several.content == DATA  # answered whole

    for header in ("bytes=1024-", "bytes=-0"):
        refused = await client.get(url, headers={"Range": header})
        assert refused.status_code == 416
        assert refused.headers["content-range"] == "bytes */1024"
        assert refused.headers["content-type"] == "application/problem+json"


async def test_etag_revalidation(client: httpx.AsyncClient) -> None:
    await blobs_of(client).put(SEGMENT, DATA)
    url = f"/media/{SEGMENT}"
    etag = (await client.get(url)).headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        cached = await client.get(url, headers={"If-None-Match": header})
        assert cached.status_code == 304, header
        assert cached.content == b""
        assert cached.headers["etag"] == etag
    assert (await client.head(url, headers={"If-None-Match": etag})).status_code == 304
    stale = await client.get(url, headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.content == DATA

    await blobs_of(client).put(SEGMENT, DATA[::-1])
    changed = await client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.content == DATA[::-1]
    # If-Range with an old ETag: the whole new file, not a range of it
    ranged = await client.get(url, headers={"Range": "bytes=0-1", "If-Range": etag})
    assert ranged.status_code == 200 and len(ranged.content) == 1024


async def test_large_bodies_stream_in_chunks(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(media, "CHUNK", 100)
    data = os.urandom(1050)
    await blobs_of(client).put(SEGMENT, data)
    reads: list[tuple[int, int]] = []
    store = blobs_of(client)
    real = store.get_range

    async def counting(key: str, start: int, end: int) -> bytes:
        reads.append((start, end))
        return await real(key, start, end)

    monkeypatch.setattr(store, "get_range", counting)
    whole = await client.get(f"/media/{SEGMENT}")
    assert whole.content == data and whole.headers["content-length"] == "1050"
    assert len(reads) == 11 and reads[-1] == (1000, 1049)
    part = await client.get(f"/media/{SEGMENT}", headers={"Range": "bytes=150-549"})
    assert part.status_code == 206 and part.content == data[150:550]


async def test_playlists_are_short_lived_and_images_immutable(client: httpx.AsyncClient) -> None:
    store = blobs_of(client)
    await store.put(PLAYLIST, b"#EXTM3U\n")
    await store.put("videos/1/hls/360/init.mp4", b"init")
    await store.put("videos/1/poster.jpg", b"jpg")
    await store.put("videos/1/thumb.webp", b"webp")
    playlist = await client.get(f"/media/{PLAYLIST}")
    assert playlist.headers["cache-control"] == "public, max-age=2"
    assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    for key, kind in (
        ("videos/1/hls/360/init.mp4", "video/mp4"),
        ("videos/1/poster.jpg", "image/jpeg"),
        ("videos/1/thumb.webp", "image/webp"),
    ):
        response = await client.get(f"/media/{key}")
        assert response.headers["cache-control"] == IMMUTABLE
        assert response.headers["content-type"] == kind


async def test_private_invalid_and_missing_keys_are_404(client: httpx.AsyncClient) -> None:
    store = blobs_of(client)
    await store.put("videos/1/source", b"original upload")
    await store.put("models/ranker.bin", b"weights")
    await store.put("videos/1/poster.jpg", b"jpg")
    for path in (
        "/media/videos/1/source",
        "/media/models/ranker.bin",
        "/media/videos/1/%2E%2E/%2E%2E/etc/passwd",
        "/media/videos/1/..%2Fsource",
        "/media/videos/1/hls/%2E%2E/%2E%2E/1/source",
        "/media/videos/1/.hidden",
        "/media/videos/1/missing.m4s",
        "/media/videos/1/poster.jpg/",
        "/media/",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/media-not-found")  # the route said no
        assert "original upload" not in response.text
    assert (await client.head("/media/videos/1/source")).status_code == 404


# --- signed URLs -------------------------------------------------------------------------


def _query(video: int, exp: int) -> str:
    return f"exp={exp}&sig={signing.signature(SECRET, exp, f'/media/videos/{video}/')}"


async def test_signed_urls(signed_client: httpx.AsyncClient) -> None:
    await blobs_of(signed_client).put(SEGMENT, DATA)
    settings = signed_client.app.state.platform.settings  # type: ignore[attr-defined]
    url = signing.media_url(settings, SEGMENT)
    assert "?exp=" in url
    ok = await signed_client.get(url)
    assert ok.status_code == 200 and ok.content == DATA
    ranged = await signed_client.get(url, headers={"Range": "bytes=0-3"})
    assert ranged.status_code == 206 and ranged.content == DATA[:4]

    exp = int(time.time()) + 600
    assert (await signed_client.get(f"/media/{SEGMENT}?{_query(1, exp)}")).status_code == 200

    def refused(response: httpx.Response) -> str:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        detail: str = response.json()["detail"]
        return detail

    refused(await signed_client.get(f"/media/{SEGMENT}"))
    refused(await signed_client.get(f"/media/{SEGMENT}?{_query(2, exp)}"))  # another video's
    tampered = _query(1, exp).replace(f"exp={exp}", f"exp={exp + 3600}")
    refused(await signed_client.get(f"/media/{SEGMENT}?{tampered}"))
    refused(await signed_client.get(f"/media/{SEGMENT}?exp=x&sig=" + "A" * 500))
    old = int(time.time()) - 5
    assert "expired" in refused(await signed_client.get(f"/media/{SEGMENT}?{_query(1, old)}"))
    # the original stays private even with a valid signature for its directory
    await blobs_of(signed_client).put("videos/1/source", b"original")
    source = await signed_client.get(f"/media/videos/1/source?{_query(1, exp)}")
    assert source.status_code == 404


async def test_signed_playlists_carry_the_signature(signed_client: httpx.AsyncClient) -> None:
    body = (
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n"
        '#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.0,\nseg_00001.m4s\n#EXTINF:2.0,\nseg_00002.m4s\n'
    )
    await blobs_of(signed_client).put(PLAYLIST, body.encode())
    exp = int(time.time()) + 600
    query = _query(1, exp)
    response = await signed_client.get(f"/media/{PLAYLIST}?{query}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=2"
    assert response.headers["content-type"] == "application/vnd.apple.mpegurl"
    text = response.text
    assert f'#EXT-X-MAP:URI="init.mp4?{query}"' in text
    assert f"\nseg_00001.m4s?{query}\n" in text and f"\nseg_00002.m4s?{query}\n" in text
    assert response.headers["content-length"] == str(len(response.content))
    etag = response.headers["etag"]
    again = await signed_client.get(f"/media/{PLAYLIST}?{query}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    head = await signed_client.head(f"/media/{PLAYLIST}?{query}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == response.headers["content-length"]

    # the URIs it names resolve, signed, relative to the playlist
    await blobs_of(signed_client).put("videos/1/hls/360/init.mp4", b"init")
    base = httpx.URL(f"http://testserver/media/{PLAYLIST}")
    init = await signed_client.get(base.join(f"init.mp4?{query}"))
    assert init.status_code == 200 and init.content == b"init"
