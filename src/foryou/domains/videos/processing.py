"""Until the media pipeline lands, an upload is published as stored: ``processing → ready``.

Kept behind one function so the pipeline can replace it without touching the routes.
"""

from __future__ import annotations

from foryou.domains.videos import service
from foryou.platform import Platform


async def start(platform: Platform, video_id: int) -> None:
    await service.set_status(platform, video_id, "ready", "")
