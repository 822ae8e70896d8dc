"""Upload, read, edit and delete videos through the HTTP API."""

from __future__ import annotations

import httpx

from tests.conftest import eventually, ready_video, signup, upload


async def test_upload_becomes_ready_with_hashtags(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    user = await signup(api)
    video = await upload(api, user, sample_video, caption="Sunset #Beach #travel #beach")
    assert video["status"] == "processing"
    assert video["hashtags"] == ["beach", "travel"]
    assert video["author"]["username"] == user["user"]["username"]
    assert video["counts"] == {"views": 0, "likes": 0, "comments": 0, "shares": 0}
    ready = await ready_video(api, user, sample_video)
    assert ready["status"] == "ready"
    stored = await api.app.state.platform.blobs.get(f"videos/{ready['id']}/source")
    assert stored == sample_video


async def test_upload_refuses_non_video_and_leaves_nothing(api: httpx.AsyncClient) -> None:
    user = await signup(api)
    platform = api.app.state.platform
    for name, content in (
        ("notes.mp4", b"this is plain text, not a video" * 10),
        ("empty.mp4", b""),
    ):
        response = await api.post(
            "/api/v1/videos", headers=user["headers"], files={"file": (name, content, "video/mp4")}
        )
        assert response.status_code == 415, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert await platform.blobs.list("videos") == []
    assert list((platform.settings.data_dir / "tmp").glob("*")) == []
    mine = await api.get(
        f"/api/v1/users/{user['user']['username']}/videos", headers=user["headers"]
    )
    assert mine.json()["items"] == []


async def test_upload_needs_login_and_a_file(api: httpx.AsyncClient, sample_video: bytes) -> None:
    response = await api.post(
        "/api/v1/videos", files={"file": ("a.mp4", sample_video, "video/mp4")}
    )
    assert response.status_code == 401
    user = await signup(api)
    missing = await api.post("/api/v1/videos", headers=user["headers"], data={"caption": "no file"})
    assert missing.status_code == 422
    bad_visibility = await api.post(
        "/api/v1/videos",
        headers=user["headers"],
        files={"file": ("a.mp4", sample_video, "video/mp4")},
        data={"visibility": "friends"},
    )
    assert bad_visibility.status_code == 422


async def test_private_videos_are_visible_to_their_author_only(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    author, other = await signup(api), await signup(api)
    video = await ready_video(api, author, sample_video, visibility="private")
    assert (await api.get(f"/api/v1/videos/{video['id']}")).status_code == 404
    assert (
        await api.get(f"/api/v1/videos/{video['id']}", headers=other["headers"])
    ).status_code == 404
    own = await api.get(f"/api/v1/videos/{video['id']}", headers=author["headers"])
    assert own.status_code == 200 and own.json()["visibility"] == "private"


async def test_only_the_author_edits(api: httpx.AsyncClient, sample_video: bytes) -> None:
    author, other = await signup(api), await signup(api)
    video = await ready_video(api, author, sample_video, caption="first")
    url = f"/api/v1/videos/{video['id']}"
    denied = await api.patch(url, headers=other["headers"], json={"caption": "mine now"})
    assert denied.status_code == 403
    patched = await api.patch(url, headers=author["headers"], json={"caption": "new #tag"})
    assert patched.status_code == 200
    assert patched.json()["caption"] == "new #tag" and patched.json()["hashtags"] == ["tag"]
    bad = await api.patch(url, headers=author["headers"], json={"caption": "x" * 2201})
    assert bad.status_code == 422
    assert (await api.get(url)).json()["caption"] == "new #tag"


async def test_delete_removes_row_media_and_interactions(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    author, fan = await signup(api), await signup(api)
    video = await ready_video(api, author, sample_video)
    url = f"/api/v1/videos/{video['id']}"
    await api.put(f"{url}/like", headers=fan["headers"])
    await api.post(f"{url}/comments", headers=fan["headers"], json={"text": "nice"})
    assert (await api.delete(url, headers=fan["headers"])).status_code == 403
    assert (await api.delete(url, headers=author["headers"])).status_code == 204
    assert (await api.get(url)).status_code == 404
    assert (await api.delete(url, headers=author["headers"])).status_code == 404
    assert await api.app.state.platform.blobs.list(f"videos/{video['id']}") == []

    async def counted() -> None:
        profile = await api.get(f"/api/v1/users/{author['user']['username']}")
        assert profile.json()["video_count"] == 0
        assert profile.json()["like_count"] == 0

    await eventually(counted)


async def test_moderator_can_delete(api: httpx.AsyncClient, sample_video: bytes) -> None:
    from foryou.domains.accounts import service

    author, mod = await signup(api), await signup(api)
    await service.grant_role(
        api.app.state.platform, username=mod["user"]["username"], role="moderator"
    )
    login = await api.post(
        "/api/v1/auth/login",
        json={"username": mod["user"]["username"], "password": "correct horse"},
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    video = await ready_video(api, author, sample_video)
    assert (await api.delete(f"/api/v1/videos/{video['id']}", headers=headers)).status_code == 204


async def test_unknown_and_malformed_video_ids(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v1/videos/123456789")).status_code == 404
    for bad in ("abc", "-1", "0", "99999999999999999999"):
        response = await api.get(f"/api/v1/videos/{bad}")
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"


async def test_user_videos_paginate_newest_first(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    user = await signup(api)
    ids = [(await ready_video(api, user, sample_video, caption=f"v{i}"))["id"] for i in range(5)]
    url = f"/api/v1/users/{user['user']['username']}/videos"
    first = (await api.get(url, params={"limit": 2})).json()
    second = (await api.get(url, params={"limit": 2, "cursor": first["next_cursor"]})).json()
    third = (await api.get(url, params={"limit": 2, "cursor": second["next_cursor"]})).json()
    seen = [v["id"] for page in (first, second, third) for v in page["items"]]
    assert seen == list(reversed(ids))
    assert third["next_cursor"] is None
    bad = await api.get(url, params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
