"""A media worker killed mid-job (kill -9): the job is retried and finished, nothing left over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from foryou.domains.videos import keys
from foryou.domains.videos.models import Video
from foryou.media import states
from foryou.media.jobs import platform_jobs, reconcile
from tests.conftest import eventually, jobs_on, settings_for, signup, upload
from tests.media.clips import make_clip
from tests.media.test_pipeline import all_rungs


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
async def test_a_killed_worker_s_job_is_retried_and_finished(
    make_client: Any, tmp_path: Path, queue: str
) -> None:
    jobs = await jobs_on(queue)
    settings = settings_for("embedded", tmp_path, media_embedded_workers=0, **jobs)
    api = await make_client(settings)
    platform = api.app.state.platform  # type: ignore[attr-defined]
    user = await signup(api)
    clip = make_clip(tmp_path / "long.mp4", size="720x1280", seconds=20)
    video = await upload(api, user, clip.read_bytes())
    video_id = int(video["id"])

    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "foryou"),
            "worker",
            "media",
            "--data-dir",
            str(settings.data_dir),
        ],
        env={**os.environ, "FORYOU_LOG_LEVEL": "WARNING", "FORYOU_JOBS": settings.jobs},
        start_new_session=True,
    )
    try:

        async def claimed_and_encoding() -> None:
            async with platform.sql.session(platform.sql.shard_of(video_id)) as session:
                row = await session.get(Video, video_id, populate_existing=True)
            assert row is not None and row.attempts == 1 and row.progress >= 6, row.progress

        await eventually(claimed_and_encoding, timeout=60)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # ffmpeg children die with it
        worker.wait()

    # The heartbeat goes stale; the reconciler (every minute in each worker) requeues the job.
    await reconcile(platform, now_ms=int(time.time() * 1000) + states.STALE_MS + 1000)
    platform_jobs(platform).start_workers(platform, 1, periodic=False)
    body = await all_rungs(api, user, video["id"], 3)
    assert body["status"] == "ready"
    async with platform.sql.session(platform.sql.shard_of(video_id)) as session:
        row = await session.get(Video, video_id, populate_existing=True)
    assert row is not None and row.attempts == 2 and row.progress == 100

    # No orphans: every stored file is the source, a still, a playlist or listed in one.
    stored = set(await platform.blobs.list(keys.prefix(video_id)))
    listed = {
        keys.source(video_id),
        keys.poster(video_id),
        keys.thumb(video_id),
        keys.master(video_id),
    }
    for rung in ("360", "540", "720"):
        playlist = (await platform.blobs.get(keys.rung(video_id, rung, "index.m3u8"))).decode()
        names = {"index.m3u8", "init.mp4"} | {
            line for line in playlist.splitlines() if line and not line.startswith("#")
        }
        listed |= {keys.rung(video_id, rung, name) for name in names}
    assert stored == listed
