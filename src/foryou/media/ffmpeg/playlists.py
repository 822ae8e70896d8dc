"""The master playlist, with RFC 8216 ``CODECS`` read from each rung's init segment."""

from __future__ import annotations

from dataclasses import dataclass

AAC_LC = "mp4a.40.2"


@dataclass(frozen=True)
class Variant:
    uri: str  # relative to the master playlist, e.g. "360/index.m3u8"
    width: int
    height: int
    bandwidth: int
    codecs: str
    fps: float


def video_codec_of(init_segment: bytes) -> str:
    """``avc1.PPCCLL`` from the avcC box (profile, constraint flags, level), as HLS wants."""
    at = init_segment.find(b"avcC")
    if at < 0 or len(init_segment) < at + 8:
        raise ValueError("no avcC box in the init segment")
    profile, constraints, level = init_segment[at + 5 : at + 8]
    return f"avc1.{profile:02x}{constraints:02x}{level:02x}"


def master_playlist(variants: list[Variant]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for v in variants:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={v.bandwidth},RESOLUTION={v.width}x{v.height},"
            f'CODECS="{v.codecs}",FRAME-RATE={v.fps:.3f}'
        )
        lines.append(v.uri)
    return "\n".join(lines) + "\n"
