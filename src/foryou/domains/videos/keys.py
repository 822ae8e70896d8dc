"""Blob keys of a video's files, built in one place."""

from __future__ import annotations


def prefix(video_id: int) -> str:
    return f"videos/{video_id}"


def source(video_id: int) -> str:
    return f"{prefix(video_id)}/source"


def hls_prefix(video_id: int) -> str:
    return f"{prefix(video_id)}/hls"


def master(video_id: int) -> str:
    return f"{hls_prefix(video_id)}/master.m3u8"


def rung(video_id: int, name: str, file: str) -> str:
    return f"{hls_prefix(video_id)}/{name}/{file}"


def poster(video_id: int) -> str:
    return f"{prefix(video_id)}/poster.jpg"


def thumb(video_id: int) -> str:
    return f"{prefix(video_id)}/thumb.jpg"
