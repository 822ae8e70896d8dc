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


def hevc_codec_of(init_segment: bytes) -> str:
    """``hvc1.P.C.TL.B`` from the hvcC box, as ISO/IEC 14496-15 Annex E spells it."""
    at = init_segment.find(b"hvcC")
    if at < 0 or len(init_segment) < at + 17:
        raise ValueError("no hvcC box in the init segment")
    box = init_segment[at + 4 : at + 17]
    space, tier, profile = box[1] >> 6, (box[1] >> 5) & 1, box[1] & 0x1F
    compatibility = int.from_bytes(box[2:6], "big")
    reversed_bits = int(f"{compatibility:032b}"[::-1], 2)
    constraints = bytes(box[6:12]).rstrip(b"\0")
    level = box[12]
    parts = [
        "hvc1",
        f"{'' if space == 0 else 'ABC'[space - 1]}{profile}",
        f"{reversed_bits:X}",
        f"{'H' if tier else 'L'}{level}",
    ]
    parts += [f"{b:02X}" for b in constraints]
    return ".".join(parts)


def master_playlist(variants: list[Variant]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for v in variants:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={v.bandwidth},RESOLUTION={v.width}x{v.height},"
            f'CODECS="{v.codecs}",FRAME-RATE={v.fps:.3f}'
        )
        lines.append(v.uri)
    return "\n".join(lines) + "\n"
