"""Recognise video containers by their first bytes; names and content types are not trusted."""

from __future__ import annotations

HEAD_BYTES = 512


def looks_like_video(head: bytes) -> bool:
    if len(head) < 12:
        return False
    return (
        head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"styp", b"moof")
        or head.startswith(b"\x1a\x45\xdf\xa3")  # Matroska / WebM (EBML)
        or (head.startswith(b"RIFF") and head[8:12] in (b"AVI ", b"AVIX"))
        or head.startswith(b"FLV")
        or head.startswith(b"\x00\x00\x01\xba")  # MPEG program stream
        or (head[0] == 0x47 and len(head) > 188 and head[188] == 0x47)  # MPEG-TS
        or head.startswith(b"OggS")
    )
