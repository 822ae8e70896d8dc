"""The placeholder For You feed (newest published first) and the Following feed."""

from __future__ import annotations

import httpx

from tests.conftest import eventually, ready_video, signup


async def test_empty_platform_answers(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/feed")
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == [] and body["prefetch"] == [] and body["request_id"]
    assert body["request_id"] == response.headers["x-request-id"]


async def test_for_you_lists_published_videos_newest_first(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    author = await signup(api)
    public = [await ready_video(api, author, sample_video, caption=f"p{i}") for i in range(5)]
    await ready_video(api, author, sample_video, visibility="private")

    async def listed() -> list[str]:
        page = (await api.get("/api/v1/feed", params={"limit": 3})).json()
        assert [i["video"]["id"] for i in page["items"]] == [v["id"] for v in public[:1:-1]]
        assert all(i["reason"]["kind"] == "fresh" for i in page["items"])
        return [page["next_cursor"]]

    (cursor,) = await eventually(listed)
    rest = (await api.get("/api/v1/feed", params={"limit": 3, "cursor": cursor})).json()
    assert [i["video"]["id"] for i in rest["items"]] == [v["id"] for v in public[1::-1]]
    assert rest["next_cursor"] is None

    await api.delete(f"/api/v1/videos/{public[-1]['id']}", headers=author["headers"])
    await api.patch(
        f"/api/v1/videos/{public[-2]['id']}",
        headers=author["headers"],
        json={"visibility": "private"},
    )

    async def withdrawn() -> None:
        page = (await api.get("/api/v1/feed")).json()
        assert [i["video"]["id"] for i in page["items"]] == [v["id"] for v in public[2::-1]]

    await eventually(withdrawn)


async def test_feed_limit_is_bounded(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/feed", params={"limit": 101})).status_code == 422
    assert (await api.get("/api/v1/feed", params={"limit": 0})).status_code == 422


async def test_following_feed(api: httpx.AsyncClient, sample_video: bytes) -> None:
    viewer, followed, stranger = await signup(api), await signup(api), await signup(api)
    assert (await api.get("/api/v1/feed/following")).status_code == 401
    empty = await api.get("/api/v1/feed/following", headers=viewer["headers"])
    assert empty.json() == {"items": [], "next_cursor": None}
    mine = [await ready_video(api, followed, sample_video) for _ in range(3)]
    await ready_video(api, stranger, sample_video)
    await api.put(f"/api/v1/users/{followed['user']['username']}/follow", headers=viewer["headers"])
    page = (
        await api.get("/api/v1/feed/following", params={"limit": 2}, headers=viewer["headers"])
    ).json()
    rest = (
        await api.get(
            "/api/v1/feed/following",
            params={"limit": 2, "cursor": page["next_cursor"]},
            headers=viewer["headers"],
        )
    ).json()
    ids = [v["id"] for v in page["items"] + rest["items"]]
    assert ids == [v["id"] for v in reversed(mine)]
