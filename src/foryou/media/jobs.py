"""The typed job registry of the media plane, and how the api hands work to it."""

from __future__ import annotations

import logging

from foryou.domains.videos import uploads
from foryou.media import pipeline, states
from foryou.platform import Platform
from foryou.platform.jobs import Jobs, JobType, open_huey
from foryou.settings import Settings

log = logging.getLogger(__name__)

PROCESS = "media.process"
RECONCILE = "media.reconcile"


async def reconcile(platform: Platform, now_ms: int | None = None) -> None:
    """Every minute: re-enqueue work whose worker died; drop abandoned uploads."""
    jobs = platform_jobs(platform)
    for video_id, attempts in await states.stale(platform, now_ms):
        if attempts >= states.MAX_ATTEMPTS:
            await states.fail(platform, video_id, "processing failed; please try uploading again")
            continue
        log.warning(
            "video %s: its job stopped (attempt %d); enqueuing it again", video_id, attempts
        )
        await states.mark_queued(platform, video_id)
        await jobs.enqueue(PROCESS, video_id=video_id)
    await uploads.expire_abandoned(platform)


async def _process(platform: Platform, *, video_id: int) -> None:
    await pipeline.process(platform, video_id)


async def _undo(platform: Platform, *, video_id: int) -> None:
    await pipeline.undo(platform, video_id)


async def _reconcile(platform: Platform) -> None:
    await reconcile(platform)


JOB_TYPES = [
    JobType(
        PROCESS, _process, attempts=states.MAX_ATTEMPTS, backoff_s=5, timeout_s=3600, undo=_undo
    ),
    JobType(RECONCILE, _reconcile, attempts=1, timeout_s=300, every_minute=True),
]


def queue_name(settings: Settings) -> str:
    return f"foryou-media-{settings.media_region}"


def open_jobs(settings: Settings) -> Jobs:
    return Jobs(open_huey(settings.jobs, queue_name(settings)), JOB_TYPES)


def platform_jobs(platform: Platform) -> Jobs:
    if platform.jobs is None:
        platform.jobs = open_jobs(platform.settings)
    return platform.jobs


async def enqueue_processing(platform: Platform, video_id: int) -> None:
    """The upload is stored and the video is ``processing``: queue its job."""
    await states.mark_queued(platform, video_id)
    await platform_jobs(platform).enqueue(PROCESS, video_id=video_id)
