"""Likes, comments, shares, follows, not-interested and watch events, with live counts."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import eventually, ready_video, signup


async def _counts(api: httpx.AsyncClient, video_id: str) -> dict[str, int]:
    counts: dict[str, int] = (await api.get(f"/api/v1/videos/{video_id}")).json()["counts"]
    return counts


async def _profile(api: httpx.AsyncClient, user: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = (await api.get(f"/api/v1/users/{user['user']['username']}")).json()
    return body


async def test_likes_are_idempotent_and_counted(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    author, fan = await signup(api), await signup(api)
    video = await ready_video(api, author, sample_video)
    url = f"/api/v1/videos/{video['id']}/like"
    for _ in range(3):
        assert (await api.put(url, headers=fan["headers"])).status_code == 204

    async def liked_once() -> None:
        assert (await _counts(api, video["id"]))["likes"] == 1
        assert (await _profile(api, author))["like_count"] == 1

    await eventually(liked_once)
    seen = await api.get(f"/api/v1/videos/{video['id']}", headers=fan["headers"])
    assert seen.json()["liked_by_me"] is True
    for _ in range(2):
        assert (await api.delete(url, headers=fan["headers"])).status_code == 204

    async def unliked() -> None:
        assert (await _counts(api, video["id"]))["likes"] == 0

    await eventually(unliked)
    assert (await api.put(url)).status_code == 401
    assert (await api.put("/api/v1/videos/42/like", headers=fan["headers"])).status_code == 404


async def test_comments(api: httpx.AsyncClient, sample_video: bytes) -> None:
    author, fan, mod = await signup(api), await signup(api), await signup(api)
    video = await ready_video(api, author, sample_video)
    url = f"/api/v1/videos/{video['id']}/comments"
    created = await api.post(url, headers=fan["headers"], json={"text": "  <b>hi</b>  "})
    assert created.status_code == 201
    comment = created.json()
    assert comment["text"] == "<b>hi</b>" and comment["author"]["id"] == fan["user"]["id"]
    for text in ("", "   ", "x" * 501):
        assert (await api.post(url, headers=fan["headers"], json={"text": text})).status_code == 422
    malformed = await api.post(
        url, content=b"{not json", headers={**fan["headers"], "Content-Type": "application/json"}
    )
    assert malformed.status_code == 422
    for i in range(3):
        await api.post(url, headers=author["headers"], json={"text": f"reply {i}"})
    page = (await api.get(url, params={"limit": 3})).json()
    assert [c["text"] for c in page["items"]] == ["reply 2", "reply 1", "reply 0"]
    rest = (await api.get(url, params={"limit": 3, "cursor": page["next_cursor"]})).json()
    assert [c["text"] for c in rest["items"]] == ["<b>hi</b>"] and rest["next_cursor"] is None

    async def four() -> None:
        assert (await _counts(api, video["id"]))["comments"] == 4

    await eventually(four)
    delete_url = f"/api/v1/comments/{comment['id']}"
    assert (await api.delete(delete_url, headers=mod["headers"])).status_code == 403
    assert (await api.delete(delete_url, headers=fan["headers"])).status_code == 204
    assert (await api.delete(delete_url, headers=fan["headers"])).status_code == 404

    async def three() -> None:
        assert (await _counts(api, video["id"]))["comments"] == 3

    await eventually(three)


async def test_shares_and_not_interested(api: httpx.AsyncClient, sample_video: bytes) -> None:
    author, fan = await signup(api), await signup(api)
    video = await ready_video(api, author, sample_video)
    shared = await api.post(f"/api/v1/videos/{video['id']}/shares", json={"channel": "sms"})
    assert shared.status_code == 201 and shared.json()["url"].endswith(f"/v/{video['id']}")
    bad = await api.post(f"/api/v1/videos/{video['id']}/shares", json={"channel": "x" * 40})
    assert bad.status_code == 422
    ni = await api.post(f"/api/v1/videos/{video['id']}/not-interested", headers=fan["headers"])
    assert ni.status_code == 204

    async def one_share() -> None:
        assert (await _counts(api, video["id"]))["shares"] == 1

    await eventually(one_share)


async def test_follow_lists_and_counts(api: httpx.AsyncClient) -> None:
    star, fans = await signup(api), [await signup(api) for _ in range(3)]
    star_name = star["user"]["username"]
    for fan in fans:
        for _ in range(2):
            response = await api.put(f"/api/v1/users/{star_name}/follow", headers=fan["headers"])
            assert response.status_code == 204
    self_follow = await api.put(f"/api/v1/users/{star_name}/follow", headers=star["headers"])
    assert self_follow.status_code == 422
    assert (
        await api.put("/api/v1/users/no_such_user/follow", headers=fans[0]["headers"])
    ).status_code == 404

    async def counted() -> None:
        assert (await _profile(api, star))["follower_count"] == 3
        assert (await _profile(api, fans[0]))["following_count"] == 1

    await eventually(counted)
    page = (await api.get(f"/api/v1/users/{star_name}/followers", params={"limit": 2})).json()
    rest = (
        await api.get(
            f"/api/v1/users/{star_name}/followers",
            params={"limit": 2, "cursor": page["next_cursor"]},
        )
    ).json()
    names = [u["username"] for u in page["items"] + rest["items"]]
    assert names == [f["user"]["username"] for f in reversed(fans)]
    following = (await api.get(f"/api/v1/users/{fans[0]['user']['username']}/following")).json()
    assert [u["username"] for u in following["items"]] == [star_name]
    viewed = await api.get(f"/api/v1/users/{star_name}", headers=fans[0]["headers"])
    assert viewed.json()["is_following"] is True

    assert (
        await api.delete(f"/api/v1/users/{star_name}/follow", headers=fans[0]["headers"])
    ).status_code == 204

    async def unfollowed() -> None:
        assert (await _profile(api, star))["follower_count"] == 2

    await eventually(unfollowed)


async def test_watch_events_count_views(api: httpx.AsyncClient, sample_video: bytes) -> None:
    author = await signup(api)
    video = await ready_video(api, author, sample_video)
    events = [
        {
            "type": "watch",
            "video_id": video["id"],
            "watched_ms": 3000,
            "duration_ms": 5000,
            "completed": False,
        }
        for _ in range(5)
    ]
    events.append({"type": "impression", "video_id": video["id"]})
    response = await api.post(
        "/api/v1/events",
        json={"events": events},
        headers={"Foryou-Device-Id": "7c4e3b0e-2d3a-4b8e-9c1e-3f2a1b0c9d8e"},
    )
    assert response.status_code == 202 and response.json() == {"accepted": 6}

    async def five_views() -> None:
        assert (await _counts(api, video["id"]))["views"] == 5

    await eventually(five_views)


async def test_malformed_event_batch_names_the_bad_index(api: httpx.AsyncClient) -> None:
    good = {"type": "watch", "video_id": "1", "watched_ms": 10}
    bad = {"type": "watch", "video_id": "1", "watched_ms": -5}
    response = await api.post("/api/v1/events", json={"events": [good, good, bad]})
    assert response.status_code == 422
    assert "events.2.watched_ms" in response.json()["detail"]
    too_many = await api.post("/api/v1/events", json={"events": [good] * 101})
    assert too_many.status_code == 422
    empty = await api.post("/api/v1/events", json={"events": []})
    assert empty.status_code == 422
    unknown_type = await api.post("/api/v1/events", json={"events": [{**good, "type": "x"}]})
    assert unknown_type.status_code == 422
