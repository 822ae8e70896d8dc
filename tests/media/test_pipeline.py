"""Uploads become adaptive HLS: states, ladder, stills, playlists, refusals and cleanup."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import httpx
import pytest

from foryou.domains.videos import keys
from tests.conftest import (
    MEDIA_SAMPLES,
    eventually,
    jobs_on,
    settings_for,
    signup,
    upload,
)
from tests.media.clips import make_clip


async def settled(client: httpx.AsyncClient, user: dict[str, Any], video_id: str) -> dict[str, Any]:
    async def check() -> dict[str, Any]:
        body: dict[str, Any] = (
            await client.get(f"/api/v1/videos/{video_id}", headers=user["headers"])
        ).json()
        # ready is final only with every rung: a damaged clip can go live, then be refused
        assert body["status"] in ("rejected", "failed") or body["progress"] == 100, body
        return body

    return await eventually(check, timeout=90)


async def all_rungs(
    client: httpx.AsyncClient, user: dict[str, Any], video_id: str, n: int
) -> dict[str, Any]:
    async def check() -> dict[str, Any]:
        body: dict[str, Any] = (
            await client.get(f"/api/v1/videos/{video_id}", headers=user["headers"])
        ).json()
        assert body["playback"] and len(body["playback"]["renditions"]) == n, body
        return body

    return await eventually(check, timeout=120)


async def blob_keys(client: httpx.AsyncClient, video_id: str) -> list[str]:
    platform = client.app.state.platform  # type: ignore[attr-defined]
    return list(await platform.blobs.list(keys.prefix(int(video_id))))


async def nothing_left(client: httpx.AsyncClient, video_id: str) -> None:
    """The source goes right after the refusal is recorded."""

    async def empty() -> None:
        assert await blob_keys(client, video_id) == []

    await eventually(empty)


async def test_a_portrait_clip_plays_as_a_portrait_ladder(
    api_any: httpx.AsyncClient, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "portrait.mp4", size="720x1280", seconds=3)
    user = await signup(api_any)
    video = await upload(api_any, user, clip.read_bytes(), caption="hello #portrait")
    assert video["status"] == "processing"
    body = await all_rungs(api_any, user, video["id"], 3)  # 360, 540, 720: never upscaled
    assert body["status"] == "ready" and (body["width"], body["height"]) == (720, 1280)
    assert 2900 <= body["duration_ms"] <= 3100
    shapes = [(r["width"], r["height"]) for r in body["playback"]["renditions"]]
    assert shapes == [(360, 640), (540, 960), (720, 1280)]
    master = await api_any.get(body["playback"]["hls"])
    assert master.status_code == 200
    assert master.text.count("#EXT-X-STREAM-INF") == 3
    assert 'CODECS="avc1.64' in master.text and "mp4a.40.2" in master.text
    rung = await api_any.get(body["playback"]["hls"].replace("master.m3u8", "360/index.m3u8"))
    assert '#EXT-X-MAP:URI="init.mp4"' in rung.text and "#EXTINF:1.0" in rung.text
    poster = await api_any.get(body["playback"]["poster"])
    assert poster.status_code == 200 and poster.content[:2] == b"\xff\xd8"
    thumbnail = await api_any.get(body["playback"]["thumbnail"])
    assert thumbnail.status_code == 200 and len(thumbnail.content) < len(poster.content)
    source = await api_any.get(f"/media/{keys.source(int(video['id']))}")
    assert source.status_code == 404  # the original stays private


def _manifest() -> list[dict[str, str]]:
    with (MEDIA_SAMPLES / "MANIFEST.tsv").open() as f:
        return list(csv.DictReader(f, delimiter="\t"))


REFUSED = {"audio", "hostile"}  # audio only, or broken beyond use (see MANIFEST.tsv)


@pytest.mark.parametrize("row", _manifest(), ids=lambda r: r["filename"].removeprefix("androidx__"))
async def test_every_sample_ends_as_its_manifest_implies(
    api: httpx.AsyncClient, row: dict[str, str]
) -> None:
    user = await signup(api)
    content = (MEDIA_SAMPLES / row["filename"]).read_bytes()
    response = await api.post(
        "/api/v1/videos",
        headers=user["headers"],
        files={"file": (row["filename"], content, "application/octet-stream")},
    )
    if response.status_code == 415:  # refused at the door by content sniffing
        assert row["category"] in REFUSED, response.text
        return
    assert response.status_code == 202, response.text
    body = await settled(api, user, response.json()["id"])
    usable = row["category"] not in REFUSED or "missing_stsd" in row["filename"]
    if usable:  # a broken audio track alone does not sink a good picture: it plays silent
        assert body["status"] == "ready", body
        assert body["playback"]["renditions"]
        assert body["width"] > 0 and body["height"] > 0
        if "portrait" in row["filename"] or "h265_with_metadata" in row["filename"]:
            assert body["height"] > body["width"]  # rotation honoured
    else:
        assert body["status"] == "rejected" and body["status_detail"], body
        await nothing_left(api, body["id"])


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
async def test_bad_files_are_refused_with_reasons_and_leave_nothing(
    make_client: Any, tmp_path: Path, queue: str
) -> None:
    jobs = await jobs_on(queue)
    api = await make_client(settings_for("embedded", tmp_path, max_video_seconds=2, **jobs))
    user = await signup(api)
    clip = make_clip(tmp_path / "ok.mp4", seconds=1)
    corrupt = bytearray(make_clip(tmp_path / "c.mp4", seconds=2).read_bytes())
    middle = len(corrupt) // 2
    corrupt[middle - 20_000 : middle + 20_000 : 7] = bytes(
        (i * 151 + 7) % 256 for i in range(len(range(middle - 20_000, middle + 20_000, 7)))
    )
    image = make_clip(
        tmp_path / "still.png", seconds=0.04, audio=False, codec="png", extra=["-frames:v", "1"]
    )
    cases: dict[str, tuple[bytes, str]] = {
        "corrupt in the middle": (bytes(corrupt), "the video is damaged"),
        "an image": (image.read_bytes(), "415"),
        "text named .mp4": (b"hello, I am not a video" * 10, "415"),
        "empty": (b"", "415"),
        "truncated": (
            clip.read_bytes()[: clip.stat().st_size // 3],
            "not a video file we can read",
        ),
        "too long": (
            make_clip(tmp_path / "long.mp4", seconds=4).read_bytes(),
            "longer than 2 seconds",
        ),
        "audio only": (
            make_clip(tmp_path / "a.mp4", audio=True, extra=["-vn"]).read_bytes(),
            "sound but no picture",
        ),
        "huge": (
            make_clip(
                tmp_path / "8k.mp4", size="7680x4320", seconds=0.04, audio=False
            ).read_bytes(),
            "larger than 4K",
        ),
    }
    for name, (content, expected) in cases.items():
        response = await api.post(
            "/api/v1/videos",
            headers=user["headers"],
            files={"file": ("clip.mp4", content, "video/mp4")},
        )
        if expected == "415":
            assert response.status_code == 415, (name, response.text)
            continue
        assert response.status_code == 202, (name, response.text)
        body = await settled(api, user, response.json()["id"])
        assert body["status"] == "rejected" and expected in body["status_detail"], (name, body)
        await nothing_left(api, body["id"])


async def test_the_optional_hevc_ladder_is_advertised_with_its_codecs(
    make_client: Any, tmp_path: Path
) -> None:
    api = await make_client(settings_for("embedded", tmp_path, hevc_ladder=True))
    user = await signup(api)
    clip = make_clip(tmp_path / "small.mp4", size="540x960", seconds=2)
    video = await upload(api, user, clip.read_bytes())
    body = await all_rungs(api, user, video["id"], 4)  # 360 and 540, each in H.264 and HEVC
    codecs = [r["codecs"] for r in body["playback"]["renditions"]]
    assert [c.split(".")[0] for c in codecs] == ["avc1", "avc1", "hvc1", "hvc1"]
    assert all(c.endswith(",mp4a.40.2") for c in codecs)
    master = (await api.get(body["playback"]["hls"])).text
    assert "540-hevc/index.m3u8" in master and 'CODECS="hvc1.1.6.L' in master
    segment_list = (await api.get(body["playback"]["hls"].replace("master", "540-hevc/index"))).text
    assert "#EXT-X-MAP" in segment_list
