"""Screening inside the pipeline: held for review, decided, and a rejected clip stays out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, ImageStat

from foryou.domains.moderation import service as moderation
from tests.conftest import settings_for, signup, upload
from tests.domains.test_moderation import _moderator
from tests.media.clips import make_clip
from tests.media.test_pipeline import all_rungs, settled


async def test_a_flagged_caption_waits_for_a_moderator(make_client: Any, tmp_path: Path) -> None:
    api = await make_client(
        settings_for("embedded", tmp_path, moderation_blocked_words=["forbiddenword"])
    )
    creator, moderator = await signup(api), await _moderator(api)
    clip = make_clip(tmp_path / "clip.mp4", seconds=2)
    video = await upload(api, creator, clip.read_bytes(), caption="look #ForbiddenWord")
    held = await all_rungs(api, creator, video["id"], 1)  # fully processed, yet not public
    assert held["status"] == "processing" and "review" in held["status_detail"]
    assert (await api.get(f"/api/v1/videos/{video['id']}")).status_code == 404

    queue = (await api.get("/api/v1/moderation/queue", headers=moderator["headers"])).json()
    [item] = [i for i in queue["items"] if i["video"]["id"] == video["id"]]
    assert item["signals"] == [{"kind": "caption", "word": "forbiddenword"}]
    decided = await api.post(
        f"/api/v1/moderation/videos/{video['id']}",
        headers=moderator["headers"],
        json={"decision": "approve", "reason": "a quote, not abuse"},
    )
    assert decided.status_code == 204
    public = (await api.get(f"/api/v1/videos/{video['id']}")).json()
    assert public["status"] == "ready"


async def test_a_rejected_clip_cannot_simply_be_uploaded_again(
    api: Any, make_client: Any, tmp_path: Path
) -> None:
    creator, moderator, other = await signup(api), await _moderator(api), await signup(api)
    clip = make_clip(tmp_path / "clip.mp4", size="360x640", seconds=3)
    first = await upload(api, creator, clip.read_bytes())
    await all_rungs(api, creator, first["id"], 1)
    rejected = await api.post(
        f"/api/v1/moderation/videos/{first['id']}",
        headers=moderator["headers"],
        json={"decision": "reject", "reason": "violates the rules"},
    )
    assert rejected.status_code == 409  # never flagged: a moderator rejects from the queue
    platform = api.app.state.platform
    await moderation.flag(platform, video_id=int(first["id"]), signals=[{"kind": "report"}])
    rejected = await api.post(
        f"/api/v1/moderation/videos/{first['id']}",
        headers=moderator["headers"],
        json={"decision": "reject", "reason": "violates the rules"},
    )
    assert rejected.status_code == 204
    # The same clip, re-encoded smaller by someone else, is refused on sight.
    copy = tmp_path / "copy.mp4"
    make_clip(copy, size="360x640", seconds=3, extra=["-vf", "scale=270:480", "-crf", "35"])
    again = await settled(api, other, (await upload(api, other, copy.read_bytes()))["id"])
    assert again["status"] == "rejected"
    assert "removed by moderators" in again["status_detail"]


async def test_the_poster_is_not_the_black_first_frame(api: Any, tmp_path: Path) -> None:
    clip = make_clip(
        tmp_path / "fade.mp4",
        seconds=3,
        extra=["-vf", "drawbox=t=fill:c=black:enable='lt(t,1)'"],
    )
    user = await signup(api)
    body = await all_rungs(api, user, (await upload(api, user, clip.read_bytes()))["id"], 1)
    poster = tmp_path / "poster.jpg"
    poster.write_bytes((await api.get(body["playback"]["poster"])).content)
    assert ImageStat.Stat(Image.open(poster).convert("L")).mean[0] > 40
