"""ffmpeg, as an outside client over real HTTP, plays the master playlist a video publishes:
every variant's every segment is reachable and decodes to the clip's full length, signed
URLs included (the server signs the URIs inside the playlists it serves)."""

from __future__ import annotations

import asyncio
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx

from foryou.media.ffmpeg import ffmpeg_exe
from tests.conftest import eventually, settings_for, signup, upload
from tests.live import live_server
from tests.media.clips import make_clip

CLIP_S = 4.0
TOLERANCE_S = 0.2
SHAPES = [(360, 640), (540, 960), (720, 1280)]  # the portrait ladder of a 720×1280 clip


@dataclass
class Decoded:
    """One stream as ffmpeg's ``framemd5`` muxer saw it after decoding."""

    media_type: str = ""
    dimensions: str = ""
    time_base: Fraction = Fraction(1)
    frames: int = 0
    start: int | None = None
    end: int = 0

    @property
    def seconds(self) -> float:
        return float((self.end - (self.start or 0)) * self.time_base)


def parse_framemd5(text: str) -> dict[int, Decoded]:
    streams: dict[int, Decoded] = {}
    for line in text.splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            name, _, index = key.partition(" ")
            if not index.strip().isdigit():
                continue
            stream = streams.setdefault(int(index), Decoded())
            value = value.strip()
            if name == "tb":
                stream.time_base = Fraction(value)
            elif name == "media_type":
                stream.media_type = value
            elif name == "dimensions":
                stream.dimensions = value
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 6:
            continue
        stream = streams.setdefault(int(fields[0]), Decoded())
        pts, duration = int(fields[2]), int(fields[3])
        stream.frames += 1
        stream.start = pts if stream.start is None else min(stream.start, pts)
        stream.end = max(stream.end, pts + duration)
    return streams


def play(url: str, mapping: str) -> dict[int, Decoded]:
    """Decode everything ``mapping`` selects from ``url``; ffmpeg must finish without a word."""
    args = [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", url]
    args += ["-map", mapping, "-f", "framemd5", "-"]
    run = subprocess.run(args, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip() == "", run.stderr
    return parse_framemd5(run.stdout)


def assert_whole(streams: dict[int, Decoded], shapes: list[tuple[int, int]]) -> None:
    """One video stream per expected shape and as many audio streams, each the full clip."""
    video = [s for s in streams.values() if s.media_type == "video"]
    audio = [s for s in streams.values() if s.media_type == "audio"]
    assert sorted(s.dimensions for s in video) == sorted(f"{w}x{h}" for w, h in shapes)
    assert len(audio) == len(shapes), streams
    for stream in video + audio:
        assert abs(stream.seconds - CLIP_S) <= TOLERANCE_S, stream
    for stream in video:
        assert stream.frames == round(CLIP_S * 30), stream


async def published(client: httpx.AsyncClient, tmp_path: Path) -> dict[str, Any]:
    """A 4 s 720×1280 clip with sound, uploaded and waited for until every rung is out."""
    clip = make_clip(tmp_path / "clip.mp4", size="720x1280", seconds=CLIP_S)
    user = await signup(client)
    video = await upload(client, user, clip.read_bytes())

    async def done() -> dict[str, Any]:
        body: dict[str, Any] = (
            await client.get(f"/api/v1/videos/{video['id']}", headers=user["headers"])
        ).json()
        assert body["status"] == "ready" and body["progress"] == 100, body
        return body

    body = await eventually(done, timeout=180)
    shapes = [(r["width"], r["height"]) for r in body["playback"]["renditions"]]
    assert shapes == SHAPES, shapes
    return body


async def test_ffmpeg_plays_the_master_and_each_variant(tmp_path: Path) -> None:
    with live_server(settings_for("embedded", tmp_path)) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            video = await published(client, tmp_path)
            master = base + video["playback"]["hls"]
            assert master.endswith(f"/media/videos/{video['id']}/hls/master.m3u8")
            assert_whole(await asyncio.to_thread(play, master, "0"), SHAPES)
            for n, shape in enumerate(SHAPES):  # one program per variant, in master order
                assert_whole(await asyncio.to_thread(play, master, f"0:p:{n}"), [shape])


async def test_ffmpeg_plays_a_signed_master(tmp_path: Path) -> None:
    settings = settings_for("embedded", tmp_path, media_signing_key="a test signing key")
    with live_server(settings) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            video = await published(client, tmp_path)
            signed = video["playback"]["hls"]
            path, _, query = signed.partition("?")
            assert query.startswith("exp=") and "&sig=" in query, signed
            assert_whole(await asyncio.to_thread(play, base + signed, "0"), SHAPES)

            rung = path.replace("master.m3u8", "360/index.m3u8")
            playlist = await client.get(f"{rung}?{query}")
            assert playlist.status_code == 200 and f"init.mp4?{query}" in playlist.text
            for unsigned in (path, rung, path.replace("master.m3u8", "360/init.mp4")):
                response = await client.get(unsigned)
                assert response.status_code == 403, (unsigned, response.text)
            forged = await client.get(f"{path}?{query[:-2]}xx")
            assert forged.status_code == 403
            args = [ffmpeg_exe(), "-nostdin", "-v", "error", "-i", base + path, "-f", "null", "-"]
            refused = await asyncio.to_thread(
                subprocess.run, args, capture_output=True, text=True, timeout=60
            )
            assert refused.returncode != 0 and "403" in refused.stderr, refused.stderr
