"""The For You endpoint (served once, prefetch hints, withdrawals) and the Following feed."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from foryou.feed.schemas import FeedPage
from tests.conftest import eventually, ready_video, signup


def assert_feed_page(body: dict[str, Any], liked_by_me: bool | None) -> None:
    """Exactly FeedPage's fields, each card a whole VideoPublic as this viewer sees it."""
    page = FeedPage.model_validate(body)
    assert page.items and body == page.model_dump(mode="json")
    assert all(item.video.liked_by_me is liked_by_me for item in page.items)


async def test_empty_platform_answers(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/feed")
    assert response.status_code == 200
    body = response.json()
    assert body["items"] == [] and body["prefetch"] == [] and body["request_id"]
    assert body["request_id"] == response.headers["x-request-id"]


async def test_for_you_serves_published_videos_once_with_prefetch_hints(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    author = await signup(api)
    public = [await ready_video(api, author, sample_video, caption=f"p{i}") for i in range(5)]
    private = await ready_video(api, author, sample_video, visibility="private")
    device = {"Foryou-Device-Id": str(uuid.uuid4())}

    async def page_of(n: int) -> list[str]:
        page = (await api.get("/api/v1/feed", params={"limit": n}, headers=device)).json()
        assert all(i["reason"]["kind"] in ("fresh", "explore", "trending") for i in page["items"])
        return [i["video"]["id"] for i in page["items"]]

    async def all_indexed() -> None:  # a probe viewer per try: a served video is then seen
        probe = {"Foryou-Device-Id": str(uuid.uuid4())}
        page = (await api.get("/api/v1/feed", params={"limit": 10}, headers=probe)).json()
        assert len(page["items"]) == 5

    await eventually(all_indexed)
    first = await page_of(3)
    second = await page_of(3)  # served videos are not served again to the same viewer
    assert not set(first) & set(second)
    assert set(first) | set(second) == {v["id"] for v in public}
    assert private["id"] not in first + second
    hints = (await api.get("/api/v1/feed", headers={"Foryou-Device-Id": str(uuid.uuid4())})).json()
    assert_feed_page(hints, liked_by_me=None)  # the page is built as JSON, not from models
    signed_in = await signup(api)
    assert_feed_page((await api.get("/api/v1/feed", headers=signed_in["headers"])).json(), False)
    video_id = hints["items"][0]["video"]["id"]
    assert hints["prefetch"][0]["video_id"] == video_id
    assert hints["prefetch"][0]["urls"] == [
        f"/media/videos/{video_id}/hls/master.m3u8",
        f"/media/videos/{video_id}/hls/360/index.m3u8",
        f"/media/videos/{video_id}/hls/360/init.mp4",
        f"/media/videos/{video_id}/hls/360/seg_00000.m4s",
    ]
    for url in hints["prefetch"][0]["urls"]:
        assert (await api.get(url)).status_code == 200, url

    await api.delete(f"/api/v1/videos/{public[-1]['id']}", headers=author["headers"])
    await api.patch(
        f"/api/v1/videos/{public[-2]['id']}",
        headers=author["headers"],
        json={"visibility": "private"},
    )

    async def withdrawn() -> None:
        fresh_viewer = {"Foryou-Device-Id": str(uuid.uuid4())}
        page = (await api.get("/api/v1/feed", headers=fresh_viewer)).json()
        assert {i["video"]["id"] for i in page["items"]} == {v["id"] for v in public[:3]}

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
