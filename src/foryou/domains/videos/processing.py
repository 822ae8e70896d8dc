"""Hand a stored upload to the media pipeline (``foryou.media``): queue its processing job."""

from __future__ import annotations

from foryou.platform import Platform


async def start(platform: Platform, video_id: int) -> None:
    from foryou.media.jobs import enqueue_processing  # the media plane depends on this domain

    await enqueue_processing(platform, video_id)
