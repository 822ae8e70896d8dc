"""Moderation: flagged videos are held, moderators review the queue and decide at once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from foryou.domains.accounts import service as accounts
from foryou.domains.moderation import service
from foryou.domains.videos.models import Video
from foryou.platform import Platform
from foryou.stream import catalog
from tests.conftest import eventually, ready_video, signup

SIGNALS = [
    {"kind": "nudity", "label": "BUTTOCKS_EXPOSED", "score": 0.812, "frame": 1},
    {"kind": "caption", "word": "badword"},
]
PLAYBACK = {
    "hls_key": "videos/1/hls/master.m3u8",
    "poster_key": "videos/1/poster.jpg",
    "renditions": [],
}
PHASH = "952a694a93957a76d62a691fb656294a"


def _platform(client: httpx.AsyncClient) -> Platform:
    platform: Platform = client.app.state.platform  # type: ignore[attr-defined]
    return platform


async def _moderator(client: httpx.AsyncClient) -> dict[str, Any]:
    user = await signup(client)
    name = user["user"]["username"]
    await accounts.grant_role(_platform(client), username=name, role="moderator")
    login = await client.post(
        "/api/v1/auth/login", json={"username": name, "password": "correct horse"}
    )
    assert login.status_code == 200, login.text
    user["headers"] = {"Authorization": f"Bearer {login.json()['access_token']}"}
    return user


async def _in_catalog(client: httpx.AsyncClient, video_id: str) -> bool:
    """Whether the feed's catalog of published videos (kept from video events) lists it."""
    members = await _platform(client).kv.zrevrange_by_score(catalog.RECENT_KEY, limit=1000)
    return video_id in {member for member, _ in members}


async def _held_video(
    client: httpx.AsyncClient, author: dict[str, Any], sample_video: bytes, *, playback: bool = True
) -> str:
    """A processed video (with playback unless told otherwise) that screening flagged."""
    video = await ready_video(client, author, sample_video, caption="#badword clip")

    async def all_rungs() -> None:  # else the last rung would write playback back
        seen = await client.get(f"/api/v1/videos/{video['id']}", headers=author["headers"])
        assert seen.json()["progress"] == 100

    await eventually(all_rungs, timeout=60.0)  # the last rungs transcode after "ready"
    platform = _platform(client)
    async with platform.sql.begin(platform.sql.shard_of(int(video["id"]))) as session:
        row = await session.get(Video, int(video["id"]))
        assert row is not None
        row.playback = (row.playback or PLAYBACK) if playback else None

    async def published() -> None:  # so the hold below is seen to unpublish it
        assert await _in_catalog(client, str(video["id"]))

    await eventually(published)
    await service.flag(platform, video_id=int(video["id"]), signals=SIGNALS, phash=PHASH)
    return str(video["id"])


async def _decide(
    client: httpx.AsyncClient, user: dict[str, Any], video_id: str, decision: str, reason: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/moderation/videos/{video_id}",
        headers=user["headers"],
        json={"decision": decision, "reason": reason},
    )


async def test_flag_queue_approve_then_public(
    api_any: httpx.AsyncClient, sample_video: bytes
) -> None:
    api = api_any
    author, mod = await signup(api), await _moderator(api)
    video_id = await _held_video(api, author, sample_video)

    held = (await api.get(f"/api/v1/videos/{video_id}", headers=author["headers"])).json()
    assert (held["status"], held["status_detail"]) == ("processing", "held for review")
    assert (await api.get(f"/api/v1/videos/{video_id}")).status_code == 404  # not public

    async def unlisted() -> None:
        assert not await _in_catalog(api, video_id)

    await eventually(unlisted)

    for who in (author, {"headers": {}}):
        denied = await api.get("/api/v1/moderation/queue", headers=who["headers"])
        assert denied.status_code in (401, 403)
        assert denied.headers["content-type"] == "application/problem+json"
    assert (await _decide(api, author, video_id, "approve", "fine")).status_code == 403

    queue = await api.get("/api/v1/moderation/queue", headers=mod["headers"])
    assert queue.status_code == 200, queue.text
    [item] = queue.json()["items"]
    assert item["video"]["id"] == video_id and item["signals"] == SIGNALS
    assert item["flagged_at"] and queue.json()["next_cursor"] is None

    assert (await _decide(api, mod, video_id, "approve", "art, not nudity")).status_code == 204
    public = await api.get(f"/api/v1/videos/{video_id}")
    assert public.status_code == 200 and public.json()["status"] == "ready"

    async def listed() -> None:
        assert await _in_catalog(api, video_id)

    await eventually(listed)
    assert (await api.get("/api/v1/moderation/queue", headers=mod["headers"])).json()["items"] == []

    again = await _decide(api, mod, video_id, "reject", "changed my mind")
    assert again.status_code == 409 and again.headers["content-type"] == "application/problem+json"
    assert await service.blocked_hashes(_platform(api)) == []

    log = await api.get(f"/api/v1/moderation/videos/{video_id}/decisions", headers=mod["headers"])
    assert log.status_code == 200, log.text
    entries = [(d["decision"], d["moderator_id"]) for d in log.json()["items"]]
    assert entries == [("flagged", None), ("approved", mod["user"]["id"])]
    assert "nudity: BUTTOCKS_EXPOSED 0.812 (frame 1)" in log.json()["items"][0]["reason"]
    assert log.json()["items"][1]["reason"] == "art, not nudity"


async def test_reject_blocks_the_hash_and_says_why(
    api_any: httpx.AsyncClient, sample_video: bytes
) -> None:
    api = api_any
    author, mod = await signup(api), await _moderator(api)
    video_id = await _held_video(api, author, sample_video)

    assert (await _decide(api, mod, video_id, "reject", "  explicit content  ")).status_code == 204
    seen = (await api.get(f"/api/v1/videos/{video_id}", headers=author["headers"])).json()
    assert (seen["status"], seen["status_detail"]) == ("rejected", "explicit content")
    assert (await api.get(f"/api/v1/videos/{video_id}")).status_code == 404
    assert await service.blocked_hashes(_platform(api)) == [PHASH]
    await service.block_hash(_platform(api), phash=PHASH, video_id=1, reason="again")  # idempotent
    assert await service.blocked_hashes(_platform(api)) == [PHASH]

    assert (await _decide(api, mod, video_id, "approve", "oops")).status_code == 409
    log = await api.get(f"/api/v1/moderation/videos/{video_id}/decisions", headers=mod["headers"])
    assert [d["decision"] for d in log.json()["items"]] == ["flagged", "rejected"]
    # A retried screening does not hold a decided video again.
    await service.flag(_platform(api), video_id=int(video_id), signals=SIGNALS)
    seen = (await api.get(f"/api/v1/videos/{video_id}", headers=author["headers"])).json()
    assert seen["status"] == "rejected"


async def test_approve_before_processing_finishes_leaves_it_processing(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    author, mod = await signup(api), await _moderator(api)
    video_id = await _held_video(api, author, sample_video, playback=False)
    # Flagging twice (a retried job) updates the signals without a second log entry.
    await service.flag(_platform(api), video_id=int(video_id), signals=SIGNALS[:1])
    assert (await _decide(api, mod, video_id, "approve", "ok")).status_code == 204
    seen = (await api.get(f"/api/v1/videos/{video_id}", headers=author["headers"])).json()
    assert seen["status"] == "processing" and seen["status_detail"] != "held for review"
    log = await api.get(f"/api/v1/moderation/videos/{video_id}/decisions", headers=mod["headers"])
    assert [d["decision"] for d in log.json()["items"]] == ["flagged", "approved"]


async def test_queue_pages_oldest_first(api: httpx.AsyncClient, sample_video: bytes) -> None:
    author, mod = await signup(api), await _moderator(api)
    ids = [await _held_video(api, author, sample_video) for _ in range(3)]
    seen, cursor = [], None
    for _ in range(3):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await api.get("/api/v1/moderation/queue", headers=mod["headers"], params=params)
        assert page.status_code == 200, page.text
        seen += [item["video"]["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "approve", "reason": ""},
        {"decision": "approve", "reason": "   "},
        {"decision": "approve", "reason": "x" * 501},
        {"decision": "maybe", "reason": "hmm"},
        {"decision": "approve"},
        {"decision": "approve", "reason": "ok", "extra": 1},
        {"decision": "approve", "reason": 5},
    ],
)
async def test_bad_decisions_are_422(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    mod = await _moderator(api)
    response = await api.post("/api/v1/moderation/videos/123", headers=mod["headers"], json=body)
    assert response.status_code == 422, response.text


async def test_unknown_video_is_404(api: httpx.AsyncClient) -> None:
    mod, user = await _moderator(api), await signup(api)
    assert (await _decide(api, mod, "123456789", "approve", "ok")).status_code == 404
    log = await api.get("/api/v1/moderation/videos/123456789/decisions", headers=mod["headers"])
    assert log.status_code == 404
    denied = await api.get("/api/v1/moderation/videos/123456789/decisions", headers=user["headers"])
    assert denied.status_code == 403


async def test_only_held_videos_can_be_decided_or_held(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    author, mod = await signup(api), await _moderator(api)
    video = await ready_video(api, author, sample_video)
    never_flagged = await _decide(api, mod, video["id"], "reject", "no")
    assert never_flagged.status_code == 409
    platform = _platform(api)
    async with platform.sql.begin(platform.sql.shard_of(int(video["id"]))) as session:
        row = await session.get(Video, int(video["id"]))
        assert row is not None
        row.status = "failed"
    await service.flag(platform, video_id=int(video["id"]), signals=SIGNALS)  # no revival
    seen = (await api.get(f"/api/v1/videos/{video['id']}", headers=author["headers"])).json()
    assert seen["status"] == "failed"
    await service.flag(platform, video_id=123456789, signals=SIGNALS)  # gone: nothing to do
