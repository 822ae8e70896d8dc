"""Blob keys of a video's files, built in one place."""

from __future__ import annotations


def prefix(video_id: int) -> str:
    return f"videos/{video_id}"


def source(video_id: int) -> str:
    return f"{prefix(video_id)}/source"
