"""Resumable (tus 1.0.0) uploads through the HTTP API."""

from __future__ import annotations

import asyncio
import base64
import itertools
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from tusclient.client import TusClient

from foryou.app import create_app
from foryou.domains.videos import uploads
from tests.conftest import SAMPLE_VIDEO, AppFactory, eventually, settings_for, signup

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


async def create(
    api: httpx.AsyncClient, user: dict[str, Any], length: int, **meta: str
) -> httpx.Response:
    headers = {**user["headers"], **TUS, "Upload-Length": str(length)}
    if meta:
        headers["Upload-Metadata"] = metadata(**meta)
    return await api.post("/api/v1/uploads", headers=headers)


async def start(api: httpx.AsyncClient, user: dict[str, Any], length: int, **meta: str) -> str:
    response = await create(api, user, length, **meta)
    assert response.status_code == 201, response.text
    location: str = response.headers["location"]
    assert location == f"/api/v1/uploads/{response.headers['foryou-video-id']}"
    return location


async def patch(
    api: httpx.AsyncClient, user: dict[str, Any], url: str, offset: int, body: bytes
) -> httpx.Response:
    headers = {**user["headers"], **TUS, "Upload-Offset": str(offset), "Content-Type": OCTETS}
    return await api.patch(url, headers=headers, content=body)


async def offset(api: httpx.AsyncClient, user: dict[str, Any], url: str) -> int:
    response = await api.head(url, headers={**user["headers"], **TUS})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return int(response.headers["upload-offset"])


def staged(api: httpx.AsyncClient, url: str) -> Path:
    return uploads.staging_path(api.app.state.platform, int(url.rsplit("/", 1)[1]))


async def video_of(api: httpx.AsyncClient, user: dict[str, Any], url: str) -> dict[str, Any]:
    response = await api.get(f"/api/v1/videos/{url.rsplit('/', 1)[1]}", headers=user["headers"])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_options_advertise_tus(api: httpx.AsyncClient) -> None:
    response = await api.options("/api/v1/uploads")
    assert response.status_code == 204
    assert response.headers["tus-version"] == "1.0.0"
    assert response.headers["tus-resumable"] == "1.0.0"
    assert set(response.headers["tus-extension"].split(",")) == {
        "creation",
        "termination",
        "expiration",
    }
    assert int(response.headers["tus-max-size"]) == api.app.state.settings.max_upload_bytes


async def test_upload_in_three_chunks_becomes_a_video(
    api_any: httpx.AsyncClient, sample_video: bytes
) -> None:
    api = api_any
    user = await signup(api)
    url = await start(
        api,
        user,
        len(sample_video),
        filename="clip.mp4",
        caption="Dunes #desert",
        visibility="private",
    )
    video = await video_of(api, user, url)
    assert video["status"] == "uploading"
    assert video["status_detail"]
    assert video["hashtags"] == ["desert"] and video["visibility"] == "private"
    assert staged(api, url).exists()
    third = len(sample_video) // 3
    cuts = [0, third, 2 * third, len(sample_video)]
    for begin, end in itertools.pairwise(cuts):
        assert await offset(api, user, url) == begin
        response = await patch(api, user, url, begin, sample_video[begin:end])
        assert response.status_code == 204, response.text
        assert int(response.headers["upload-offset"]) == end
        assert response.headers["tus-resumable"] == "1.0.0"
    video = await video_of(api, user, url)
    assert video["status"] in ("processing", "ready")
    stored = await api.app.state.platform.blobs.get(f"videos/{video['id']}/source")
    assert stored == sample_video
    assert not staged(api, url).exists()
    assert await offset(api, user, url) == len(sample_video)
    again = await patch(api, user, url, len(sample_video), b"x")
    assert again.status_code == 409
    terminate = await api.delete(url, headers={**user["headers"], **TUS})
    assert terminate.status_code == 409


async def _cut_patch(app: Any, user: dict[str, Any], url: str, at: int, part: bytes) -> None:
    """A PATCH whose client drops after ``part``: the server sees http.disconnect."""
    headers = {**user["headers"], **TUS, "Upload-Offset": str(at), "Content-Type": OCTETS}
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": part, "more_body": True},
        {"type": "http.disconnect"},
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "PATCH",
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"host", b"testserver"), (b"content-length", str(len(part) * 2).encode())],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        pass

    await app(scope, receive, send)


async def test_resume_after_a_dropped_connection(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    user = await signup(api)
    url = await start(api, user, len(sample_video))
    half = len(sample_video) // 2
    await _cut_patch(api.app, user, url, 0, sample_video[: half // 2])
    received = await offset(api, user, url)
    assert received == half // 2
    assert staged(api, url).stat().st_size == received
    response = await patch(api, user, url, received, sample_video[received:])
    assert response.status_code == 204, response.text
    video = await video_of(api, user, url)
    assert video["status"] in ("processing", "ready")
    assert await api.app.state.platform.blobs.get(f"videos/{video['id']}/source") == sample_video


async def test_protocol_errors(api: httpx.AsyncClient, sample_video: bytes) -> None:
    user = await signup(api)
    url = await start(api, user, 1000)
    assert (await patch(api, user, url, 0, b"\0" * 100)).status_code == 204
    wrong = await patch(api, user, url, 50, b"\0" * 10)
    assert wrong.status_code == 409
    assert wrong.headers["upload-offset"] == "100"
    assert wrong.headers["content-type"] == "application/problem+json"
    text = await api.patch(
        url,
        headers={**user["headers"], **TUS, "Upload-Offset": "100", "Content-Type": "text/plain"},
        content=b"abc",
    )
    assert text.status_code == 415
    past = await patch(api, user, url, 100, b"\0" * 901)
    assert past.status_code == 400
    assert await offset(api, user, url) == 100
    assert staged(api, url).stat().st_size == 100
    no_version = await api.head(url, headers=user["headers"])
    assert no_version.status_code == 400
    old = await api.head(url, headers={**user["headers"], "Tus-Resumable": "0.2.2"})
    assert old.status_code == 412 and old.headers["tus-version"] == "1.0.0"
    assert (
        await api.post("/api/v1/uploads", headers={**TUS, "Upload-Length": "5"})
    ).status_code == 401


async def test_creation_is_checked(api: httpx.AsyncClient) -> None:
    user = await signup(api)
    limit = api.app.state.settings.max_upload_bytes
    assert (await create(api, user, limit + 1)).status_code == 413
    missing = await api.post("/api/v1/uploads", headers={**user["headers"], **TUS})
    assert missing.status_code == 400
    bad = await api.post(
        "/api/v1/uploads", headers={**user["headers"], **TUS, "Upload-Length": "ten"}
    )
    assert bad.status_code == 400
    assert (await create(api, user, 10, visibility="friends")).status_code == 422
    assert (await create(api, user, 10, caption="x" * 2201)).status_code == 422
    garbled = await api.post(
        "/api/v1/uploads",
        headers={**user["headers"], **TUS, "Upload-Length": "10", "Upload-Metadata": "caption !!"},
    )
    assert garbled.status_code == 400
    unversioned = await api.post(
        "/api/v1/uploads", headers={**user["headers"], "Upload-Length": "10"}
    )
    assert unversioned.status_code == 400
    assert list((api.app.state.settings.data_dir / "uploads").glob("*.part")) == []


async def test_other_users_see_nothing(api: httpx.AsyncClient) -> None:
    owner, other = await signup(api), await signup(api)
    url = await start(api, owner, 100)
    assert (await api.head(url, headers={**other["headers"], **TUS})).status_code == 404
    assert (await patch(api, other, url, 0, b"\0" * 10)).status_code == 404
    assert (await api.delete(url, headers={**other["headers"], **TUS})).status_code == 404
    assert (await api.get(f"/api/v1/videos/{url.rsplit('/', 1)[1]}")).status_code == 404
    assert await offset(api, owner, url) == 0


async def test_termination_removes_row_and_bytes(api: httpx.AsyncClient) -> None:
    user = await signup(api)
    url = await start(api, user, 100)
    assert (await patch(api, user, url, 0, b"\0" * 10)).status_code == 204
    response = await api.delete(url, headers={**user["headers"], **TUS})
    assert response.status_code == 204
    assert not staged(api, url).exists()
    assert (await api.head(url, headers={**user["headers"], **TUS})).status_code == 404
    gone = await api.get(f"/api/v1/videos/{url.rsplit('/', 1)[1]}", headers=user["headers"])
    assert gone.status_code == 404


async def test_not_a_video_is_rejected_and_nothing_is_kept(api: httpx.AsyncClient) -> None:
    user = await signup(api)
    body = b"plain text, not a video " * 50
    url = await start(api, user, len(body))
    assert (await patch(api, user, url, 0, body)).status_code == 204
    video = await video_of(api, user, url)
    assert video["status"] == "rejected"
    assert "not a video" in video["status_detail"]
    assert await api.app.state.platform.blobs.list("videos") == []
    assert not staged(api, url).exists()


async def test_offsets_survive_a_restart(
    make_client: AppFactory, tmp_path: Path, sample_video: bytes
) -> None:
    settings = settings_for("embedded", tmp_path)
    first = await make_client(settings)
    user = await signup(first)
    url = await start(first, user, len(sample_video))
    assert (await patch(first, user, url, 0, sample_video[:5000])).status_code == 204
    # The staging file ran ahead of the row (a crash between write and commit).
    with staged(first, url).open("ab") as handle:
        handle.write(b"garbage")
    second = await make_client(settings)
    assert await offset(second, user, url) == 5000
    assert staged(second, url).stat().st_size == 5000
    assert (await patch(second, user, url, 5000, sample_video[5000:])).status_code == 204

    async def stored() -> None:
        video = await video_of(second, user, url)
        assert video["status"] in ("processing", "ready")

    await eventually(stored)
    platform = second.app.state.platform
    assert await platform.blobs.get(f"videos/{url.rsplit('/', 1)[1]}/source") == sample_video


async def test_expire_abandoned(api_any: httpx.AsyncClient) -> None:
    api = api_any
    user = await signup(api)
    platform = api.app.state.platform
    old, fresh = await start(api, user, 100), await start(api, user, 100)
    assert (await patch(api, user, old, 0, b"\0" * 10)).status_code == 204
    hour_ago = time.time() - 3600
    os.utime(staged(api, old), (hour_ago, hour_ago))
    orphan = platform.settings.data_dir / "uploads" / "123.part"
    orphan.write_bytes(b"left by DELETE /videos/{id}")
    os.utime(orphan, (hour_ago, hour_ago))
    assert await uploads.expire_abandoned(platform, older_than_s=600) == 1
    assert not staged(api, old).exists() and not orphan.exists()
    assert (await api.head(old, headers={**user["headers"], **TUS})).status_code == 404
    assert await offset(api, user, fresh) == 0
    assert await uploads.expire_abandoned(platform, older_than_s=600) == 0


async def test_a_failed_store_leaves_no_orphan(
    api: httpx.AsyncClient, sample_video: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await signup(api)
    platform = api.app.state.platform
    url = await start(api, user, len(sample_video))
    real_put = platform.blobs.put_file

    async def put_then_fail(key: str, path: Path, **kwargs: Any) -> Any:
        await real_put(key, path, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(platform.blobs, "put_file", put_then_fail)
    response = await patch(api, user, url, 0, sample_video)
    assert response.status_code == 503, response.text
    video = await video_of(api, user, url)
    assert video["status"] == "failed" and "upload" in video["status_detail"]
    assert await platform.blobs.list("videos") == []
    assert not staged(api, url).exists()


async def test_one_patch_at_a_time(api: httpx.AsyncClient) -> None:
    user = await signup(api)
    url = await start(api, user, 100)
    release = asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        yield b"\0" * 10
        await release.wait()
        yield b"\0" * 10

    first = asyncio.create_task(
        api.patch(
            url,
            headers={**user["headers"], **TUS, "Upload-Offset": "0", "Content-Type": OCTETS},
            content=slow_body(),
        )
    )
    await asyncio.sleep(0.2)
    second = await patch(api, user, url, 0, b"\0" * 10)
    assert second.status_code == 409
    release.set()
    assert (await first).headers["upload-offset"] == "20"


@pytest.mark.parametrize("length", [0])
async def test_empty_upload_is_rejected(api: httpx.AsyncClient, length: int) -> None:
    """An empty upload completes with its first (empty) PATCH and is not a video."""
    user = await signup(api)
    url = await start(api, user, length)
    assert (await patch(api, user, url, 0, b"")).status_code == 204
    assert (await video_of(api, user, url))["status"] == "rejected"


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """The app on a real socket (uvicorn in a thread), for a real tus client."""
    app = create_app(settings_for("embedded", tmp_path))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_tuspy_uploads_and_resumes(live_server: str, sample_video: bytes) -> None:
    signed = httpx.post(
        f"{live_server}/api/v1/auth/signup", json={"username": "tusclient", "password": "p" * 10}
    )
    auth = {"Authorization": f"Bearer {signed.json()['access_token']}"}
    client = TusClient(f"{live_server}/api/v1/uploads", headers=auth)
    chunk = len(sample_video) // 3 + 1
    first = client.uploader(
        file_path=str(SAMPLE_VIDEO),
        chunk_size=chunk,
        metadata={"filename": "clip.mp4", "caption": "Via tus #Resumable"},
    )
    first.upload_chunk()  # then the client goes away
    assert first.url is not None
    again = client.uploader(file_path=str(SAMPLE_VIDEO), chunk_size=chunk, url=first.url)
    assert again.offset == chunk  # asked the server with HEAD
    again.upload()
    video_id = first.url.rsplit("/", 1)[1]
    video = httpx.get(f"{live_server}/api/v1/videos/{video_id}", headers=auth).json()
    assert video["status"] in ("processing", "ready")
    assert video["hashtags"] == ["resumable"]
