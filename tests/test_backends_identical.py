"""One user story, run on the embedded defaults and on real servers: 4 PostgreSQL shards
with Redis kv and events, and 4 MariaDB shards with Redis kv and events. Same answers."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import eventually, ready_video, signup


def _shape(video: dict[str, Any]) -> dict[str, Any]:
    return {k: video[k] for k in ("caption", "hashtags", "status", "visibility", "counts")}


async def test_platform_story_behaves_identically(
    api_any: httpx.AsyncClient, sample_video: bytes
) -> None:
    api = api_any
    creator = await signup(api, "creator_one", display_name="Creator")
    fans = [await signup(api, f"fan_{i}") for i in range(3)]
    duplicate = await api.post(
        "/api/v1/auth/signup", json={"username": "creator_one", "password": "whatever1"}
    )
    assert duplicate.status_code == 409

    videos = [
        await ready_video(api, creator, sample_video, caption=f"clip {i} #story") for i in range(3)
    ]
    private = await ready_video(api, creator, sample_video, visibility="private")
    for fan in fans:
        assert (
            await api.put("/api/v1/users/creator_one/follow", headers=fan["headers"])
        ).status_code == 204
        assert (
            await api.put(f"/api/v1/videos/{videos[0]['id']}/like", headers=fan["headers"])
        ).status_code == 204
    comment = await api.post(
        f"/api/v1/videos/{videos[0]['id']}/comments",
        headers=fans[0]["headers"],
        json={"text": "first!"},
    )
    assert comment.status_code == 201
    await api.post(f"/api/v1/videos/{videos[0]['id']}/shares", json={})
    watch = [{"type": "watch", "video_id": videos[0]["id"], "watched_ms": 1000}] * 7
    assert (await api.post("/api/v1/events", json={"events": watch})).json() == {"accepted": 7}

    async def converged() -> None:
        profile = (await api.get("/api/v1/users/creator_one")).json()
        assert (profile["follower_count"], profile["like_count"], profile["video_count"]) == (
            3,
            3,
            4,
        )
        counts = (await api.get(f"/api/v1/videos/{videos[0]['id']}")).json()["counts"]
        assert counts == {"views": 7, "likes": 3, "comments": 1, "shares": 1}

    await eventually(converged, timeout=20)

    following = (await api.get("/api/v1/feed/following", headers=fans[1]["headers"])).json()
    assert [v["id"] for v in following["items"]] == [v["id"] for v in reversed(videos)]

    async def in_feed() -> None:
        feed = (await api.get("/api/v1/feed")).json()
        assert sorted(i["video"]["id"] for i in feed["items"]) == sorted(v["id"] for v in videos)

    await eventually(in_feed)
    assert (await api.get(f"/api/v1/videos/{private['id']}")).status_code == 404

    listed = (await api.get("/api/v1/users/creator_one/videos", params={"limit": 2})).json()
    assert [_shape(v) for v in listed["items"]] == [
        {
            "caption": "clip 2 #story",
            "hashtags": ["story"],
            "status": "ready",
            "visibility": "public",
            "counts": {"views": 0, "likes": 0, "comments": 0, "shares": 0},
        },
        {
            "caption": "clip 1 #story",
            "hashtags": ["story"],
            "status": "ready",
            "visibility": "public",
            "counts": {"views": 0, "likes": 0, "comments": 0, "shares": 0},
        },
    ]
    refreshed = await api.post(
        "/api/v1/auth/refresh", json={"refresh_token": creator["refresh_token"]}
    )
    assert refreshed.status_code == 200
    reused = await api.post(
        "/api/v1/auth/refresh", json={"refresh_token": creator["refresh_token"]}
    )
    assert reused.status_code == 401

    assert (
        await api.delete(f"/api/v1/videos/{videos[0]['id']}", headers=creator["headers"])
    ).status_code == 204

    async def after_delete() -> None:
        profile = (await api.get("/api/v1/users/creator_one")).json()
        assert (profile["like_count"], profile["video_count"]) == (0, 3)

    await eventually(after_delete, timeout=20)
    ready = await api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["backends"]["sql"] == [True] * 4
