"""Search, typeahead, hashtag pages and trending hashtags through the HTTP API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from foryou.rec import embeddings
from tests.conftest import eventually, ready_video, signup, unique_name

SEARCH = "/api/v1/search"


async def _ids(api: httpx.AsyncClient, url: str, **params: Any) -> list[str]:
    response = await api.get(url, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def _walk(api: httpx.AsyncClient, url: str, key: str, **params: Any) -> list[str]:
    """Every item of a paginated list, following next_cursor."""
    seen: list[str] = []
    cursor = None
    while True:
        page = await api.get(url, params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [item[key] for item in body["items"]]
        if (cursor := body["next_cursor"]) is None:
            return seen


async def test_videos_are_found_by_word_and_hashtag_until_they_leave(
    api: httpx.AsyncClient, sample_video: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The keyword index alone: the semantic top-up runs whenever an earlier test in this
    # process has loaded the caption model (its own test is below).
    monkeypatch.setattr(embeddings, "loaded", lambda: False)
    author = await signup(api)
    pasta = await ready_video(api, author, sample_video, "Homemade pasta tonight #Cooking")
    park = await ready_video(api, author, sample_video, "Pasta in the park #StreetFood")
    skate = await ready_video(api, author, sample_video, "Skate park session #skate")

    async def indexed() -> None:
        assert await _ids(api, SEARCH, q="pasta") == [park["id"], pasta["id"]]  # newest first

    await eventually(indexed)
    assert await _ids(api, SEARCH, q="#cooking") == [pasta["id"]]
    assert await _ids(api, SEARCH, q="COOKING") == [pasta["id"]]
    assert await _ids(api, SEARCH, q="street") == [park["id"]]  # #StreetFood spelled out
    assert await _ids(api, SEARCH, q="park pasta", limit=1) == [park["id"]]  # every word
    found = (await api.get(SEARCH, params={"q": "skate"})).json()["items"][0]
    assert found["author"]["username"] == author["user"]["username"]
    assert found["hashtags"] == ["skate"] and found["status"] == "ready"

    await api.patch(
        f"/api/v1/videos/{park['id']}", headers=author["headers"], json={"visibility": "private"}
    )
    await api.patch(
        f"/api/v1/videos/{skate['id']}", headers=author["headers"], json={"caption": "Kickflips"}
    )
    assert (await api.delete(f"/api/v1/videos/{pasta['id']}", headers=author["headers"])).is_success

    async def gone() -> None:
        assert await _ids(api, SEARCH, q="homemade", limit=1) == []
        assert pasta["id"] not in await _ids(api, SEARCH, q="pasta")
        assert park["id"] not in await _ids(api, SEARCH, q="pasta")
        assert await _ids(api, SEARCH, q="kickflips") == [skate["id"]]
        assert skate["id"] not in await _ids(api, SEARCH, q="session")

    await eventually(gone)


async def test_few_keyword_matches_are_topped_up_by_caption_meaning(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    author = await signup(api)
    cooking = await ready_video(api, author, sample_video, "Homemade pasta tonight #cooking")
    skate = await ready_video(api, author, sample_video, "Skate park session #kickflip")

    async def similar() -> None:
        found = await _ids(api, SEARCH, q="spaghetti")  # in no caption
        assert cooking["id"] in found and skate["id"] not in found

    await eventually(similar, timeout=30)  # the first caption embedding loads the model


async def test_video_pages_are_stable_and_complete(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    author = await signup(api)
    made = [await ready_video(api, author, sample_video, f"clip {i} #series") for i in range(3)]
    expected = [v["id"] for v in reversed(made)]

    async def all_three() -> None:
        assert await _walk(api, SEARCH, "id", q="series", limit=2) == expected

    await eventually(all_three)
    tag_pages = await _walk(api, "/api/v1/hashtags/series/videos", "id", limit=1)
    assert tag_pages == expected
    assert await _walk(api, "/api/v1/hashtags/%23Series/videos", "id", limit=2) == expected


async def test_users_are_found_by_name_prefix_most_followed_first(api: httpx.AsyncClient) -> None:
    stem = unique_name("pg")
    users = [await signup(api, f"{stem}_{i}", display_name=f"Grace Hopper {i}") for i in range(4)]
    fan = await signup(api)
    star = users[1]["user"]["username"]
    await api.put(f"/api/v1/users/{star}/follow", headers=fan["headers"])

    async def ranked() -> None:
        names = await _walk(api, SEARCH, "username", q=stem, type="users", limit=3)
        assert names[0] == star
        assert sorted(names) == sorted(u["user"]["username"] for u in users)

    await eventually(ranked)
    page = (await api.get(SEARCH, params={"q": f"hopp {stem}", "type": "users"})).json()
    assert page["items"][0]["follower_count"] == 1 and "bio" in page["items"][0]
    assert await _walk(api, SEARCH, "username", q=f"{stem}_2 grace", type="users") == [f"{stem}_2"]


async def test_suggest_completes_users_and_hashtags(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    name = unique_name("adv")
    author = await signup(api, name, display_name="Ada Lovelace")
    await ready_video(api, author, sample_video, f"Up the hill #{name}Trip")
    url = "/api/v1/search/suggest"

    async def both() -> None:
        body = (await api.get(url, params={"q": name[:6]})).json()
        assert [u["username"] for u in body["users"]] == [name]
        assert body["users"][0]["display_name"] == "Ada Lovelace"
        assert body["hashtags"] == [{"tag": f"{name}trip", "video_count": 1}]

    await eventually(both)
    assert (await api.get(url, params={"q": f"@{name[:6]}"})).json()["hashtags"] == []
    assert (await api.get(url, params={"q": f"#{name[:6]}"})).json()["users"] == []
    assert [u["username"] for u in (await api.get(url, params={"q": "lovel"})).json()["users"]] == [
        name
    ]
    tags = (await api.get(SEARCH, params={"q": name, "type": "hashtags"})).json()["items"]
    assert tags == [{"tag": f"{name}trip", "video_count": 1}]


async def test_hashtag_summary_and_trending_follow_activity(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    author = await signup(api)
    quiet = await ready_video(api, author, sample_video, "calm #quietcorner")
    loud = await ready_video(api, author, sample_video, "party #loudcorner")
    watches = [{"type": "watch", "video_id": loud["id"]}] * 5 + [
        {"type": "watch", "video_id": quiet["id"]}
    ]
    assert (await api.post("/api/v1/events", json={"events": watches})).status_code == 202

    async def counted() -> None:
        summary = (await api.get("/api/v1/hashtags/LoudCorner")).json()
        assert summary["tag"] == "loudcorner"
        assert (summary["video_count"], summary["views"]) == (1, 5)
        trending = (await api.get("/api/v1/trending/hashtags")).json()
        tags = [t["tag"] for t in trending["items"]]
        assert tags.index("loudcorner") < tags.index("quietcorner")
        assert trending["next_cursor"] is None

    await eventually(counted)
    unknown = (await api.get("/api/v1/hashtags/nobodyusesthis")).json()
    assert (unknown["video_count"], unknown["views"]) == (0, 0)

    await api.delete(f"/api/v1/videos/{loud['id']}", headers=author["headers"])

    async def dropped() -> None:
        assert (await api.get("/api/v1/hashtags/loudcorner")).json()["video_count"] == 0
        trending = (await api.get("/api/v1/trending/hashtags")).json()["items"]
        assert "loudcorner" not in [t["tag"] for t in trending]

    await eventually(dropped)


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (SEARCH, {"q": ""}, "query.q"),
        (SEARCH, {}, "query.q"),
        (SEARCH, {"q": "x" * 101}, "query.q"),
        (SEARCH, {"q": "cats", "type": "sounds"}, "query.type"),
        (SEARCH, {"q": "cats", "cursor": "not-a-cursor"}, "query.cursor"),
        (SEARCH, {"q": "cats", "limit": 101}, "query.limit"),
        ("/api/v1/search/suggest", {"q": ""}, "query.q"),
        ("/api/v1/hashtags/" + "x" * 102 + "/videos", {}, "path.tag"),
        ("/api/v1/hashtags/cats/videos", {"cursor": "12"}, "query.cursor"),
        ("/api/v1/trending/hashtags", {"limit": 0}, "query.limit"),
    ],
)
async def test_bad_input_is_a_422_problem(
    api: httpx.AsyncClient, url: str, params: dict[str, Any], field: str
) -> None:
    response = await api.get(url, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["detail"].startswith(field) and body["errors"][0]["field"] == field


async def test_a_query_without_letters_finds_nothing(
    api: httpx.AsyncClient, sample_video: bytes
) -> None:
    await ready_video(api, await signup(api), sample_video, "Wow !!! #party")
    for kind in ("videos", "users", "hashtags"):
        answer = await api.get(SEARCH, params={"q": "!!! ???", "type": kind})
        assert answer.status_code == 200 and answer.json()["items"] == [], answer.text
    suggest = await api.get("/api/v1/search/suggest", params={"q": "   "})
    assert suggest.json() == {"users": [], "hashtags": []}


async def test_markup_in_a_query_is_answered_as_json(api: httpx.AsyncClient) -> None:
    for url in (SEARCH, "/api/v1/search/suggest"):
        for kind in ("videos", "users", "hashtags"):
            response = await api.get(url, params={"q": "<script>alert(1)</script>", "type": kind})
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/json"
            assert "<script>" not in response.text
