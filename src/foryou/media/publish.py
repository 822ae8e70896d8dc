"""Storing what ffmpeg writes: rung directories synced to blobs as they grow, and the master.

ffmpeg writes each rung as a growing EVENT playlist whose segments appear complete (its
``temp_file`` flag), so a sync uploads the new segments first and the playlist after them: a
player never sees a playlist naming a segment that is not stored yet. The final sync
rewrites the playlist as VOD.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from foryou.domains.videos import keys
from foryou.media.ffmpeg.playlists import (
    AAC_LC,
    Variant,
    hevc_codec_of,
    master_playlist,
    video_codec_of,
)
from foryou.media.ladder import Rung
from foryou.platform import Platform

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/iso.segment"


def rung_dir(rung: Rung, codec: str = "h264") -> str:
    return f"{rung.name}-hevc" if codec == "hevc" else rung.name


class RungSync:
    """Mirrors one local rung directory into the video's blobs."""

    def __init__(self, platform: Platform, video_id: int, local: Path) -> None:
        self.platform, self.video_id, self.local = platform, video_id, local
        self._stored: set[str] = set()
        self._playlist = ""
        self.segments = 0

    def _key(self, name: str) -> str:
        return keys.rung(self.video_id, self.local.name, name)

    async def sync(self, *, final: bool = False) -> int:
        """Store what is new; the number of segments players can now reach."""
        playlist_path = self.local / "index.m3u8"
        if not playlist_path.exists():
            return self.segments
        playlist = playlist_path.read_text()
        if final:
            playlist = playlist.replace("#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-PLAYLIST-TYPE:VOD")
        names = ["init.mp4"] + [
            line for line in playlist.splitlines() if line and not line.startswith("#")
        ]
        for name in names:
            if name not in self._stored:
                content_type = "video/mp4" if name.endswith(".mp4") else SEGMENT_TYPE
                await self.platform.blobs.put_file(
                    self._key(name), self.local / name, content_type=content_type
                )
                self._stored.add(name)
        if playlist != self._playlist:
            await self.platform.blobs.put(
                self._key("index.m3u8"), playlist.encode(), content_type=PLAYLIST_TYPE
            )
            self._playlist = playlist
        self.segments = len(names) - 1
        return self.segments


def variant(rung: Rung, local: Path, codec: str = "h264") -> Variant:
    init_segment = (local / "init.mp4").read_bytes()
    video_codec = hevc_codec_of if codec == "hevc" else video_codec_of
    return Variant(
        uri=f"{rung_dir(rung, codec)}/index.m3u8",
        width=rung.width,
        height=rung.height,
        bandwidth=rung.bandwidth * 7 // 10 if codec == "hevc" else rung.bandwidth,
        codecs=f"{video_codec(init_segment)},{AAC_LC}",
        fps=rung.fps,
    )


async def master(platform: Platform, video_id: int, variants: list[Variant]) -> dict[str, Any]:
    """Store the master playlist; the ``playback`` record the video row keeps."""
    await platform.blobs.put(
        keys.master(video_id), master_playlist(variants).encode(), content_type=PLAYLIST_TYPE
    )
    return {
        "hls_key": keys.master(video_id),
        "poster_key": keys.poster(video_id),
        "thumb_key": keys.thumb(video_id),
        "renditions": [
            {"width": v.width, "height": v.height, "bandwidth": v.bandwidth, "codecs": v.codecs}
            for v in variants
        ],
    }
