"""Cold start and region: interests at signup or on a first request, trending per region,
and the per-viewer seen filter that keeps a feed from repeating itself."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio

from foryou.platform.kv import KV
from foryou.rec import features as f
from tests.conftest import eventually, signup
from tests.rec.catalog import (
    feed_page,
    ids_of,
    new_device,
    platform_of,
    send_events,
    topics_catalog,
    watch,
)

PLAN = {"cooking": 3, "skate": 3, "music": 3}  # creators per topic


def _leads(page: list[int], catalog: dict[str, list[int]], topic: str) -> bool:
    """The topic opens the page and fills at least 40 % of it (the hashtag cap allows 50 %;
    exploration spends 20 % of the page on any topic)."""
    wanted = set(catalog[topic])
    return set(page[:3]) <= wanted and len(wanted & set(page)) >= 0.4 * len(page)


async def test_interests_at_signup_lead_the_first_page(api: httpx.AsyncClient) -> None:
    catalog = await topics_catalog(api, PLAN, per_creator=4)
    user = await signup(api, interests=["#Skate"])
    kv = platform_of(api).kv

    async def seeded() -> None:
        [skate] = await f.read_decayed(kv, f"ah:u:{user['user']['id']}", ["skate"])
        assert skate > 0

    await eventually(seeded)
    items = await feed_page(api, user["headers"])
    assert _leads(ids_of(items), catalog, "skate"), items


async def test_interests_on_a_first_request_seed_a_new_viewer_only(
    api: httpx.AsyncClient,
) -> None:
    catalog = await topics_catalog(api, PLAN, per_creator=4)
    device = new_device()
    response = await api.get(
        "/api/v1/feed", params={"limit": 10, "interests": ["music"]}, headers=device
    )
    assert response.status_code == 200, response.text
    page = ids_of(response.json()["items"])
    assert _leads(page, catalog, "music"), page
    # a viewer with affinities already keeps them: later interests are not added
    again = await api.get("/api/v1/feed", params={"interests": ["cooking"]}, headers=device)
    assert again.status_code == 200
    viewer = f"ah:d:{device['Foryou-Device-Id']}"
    [cooking] = await f.read_decayed(platform_of(api).kv, viewer, ["cooking"])
    assert cooking == 0


@pytest.mark.parametrize(
    "params",
    [{"interests": "not a tag!"}, {"interests": [f"t{i}" for i in range(11)]}],
)
async def test_bad_interests_are_refused(api: httpx.AsyncClient, params: dict[str, object]) -> None:
    response = await api.get("/api/v1/feed", params=params)  # type: ignore[arg-type]
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_bad_interests_at_signup_are_refused_and_leave_no_account(
    api: httpx.AsyncClient,
) -> None:
    body = {"username": "tastes", "password": "correct horse", "interests": ["no spaces"]}
    assert (await api.post("/api/v1/auth/signup", json=body)).status_code == 422
    assert (await api.get("/api/v1/users/tastes")).status_code == 404


async def test_trending_follows_the_viewers_region(api: httpx.AsyncClient) -> None:
    catalog = await topics_catalog(api, {"samba": 1, "anime": 1}, per_creator=4)
    for region, videos in (("BR", catalog["samba"]), ("JP", catalog["anime"])):
        for _ in range(3):
            headers = {**new_device(), "Foryou-Region": region.lower()}
            await send_events(api, headers, [watch(v, completed=True) for v in videos])
    kv = platform_of(api).kv

    async def counted() -> None:
        rows = await f.top_decayed(kv, "trending:BR", 10)
        assert {int(v) for v, _ in rows} == set(catalog["samba"])

    await eventually(counted)
    items = await feed_page(api, {**new_device(), "Foryou-Region": "BR"})
    regional = [
        int(i["video"]["id"]) for i in items if i["reason"].get("detail") == "popular in BR"
    ]
    assert regional and set(regional) <= set(catalog["samba"]), items
    # a malformed region hint is ignored, not an error
    assert (await api.get("/api/v1/feed", headers={"Foryou-Region": "Brazil"})).status_code == 200


async def test_a_users_profile_region_counts_their_engagement_there(
    api: httpx.AsyncClient,
) -> None:
    catalog = await topics_catalog(api, {"fado": 1}, per_creator=2)
    fan = await signup(api, region="pt")
    kv = platform_of(api).kv

    async def known() -> None:
        assert await kv.get(f"ur:{fan['user']['id']}") == b"PT"

    await eventually(known)
    liked = catalog["fado"][0]
    assert (
        await api.put(f"/api/v1/videos/{liked}/like", headers=fan["headers"])
    ).status_code == 204

    async def trending_in_portugal() -> None:
        assert [int(v) for v, _ in await f.top_decayed(kv, "trending:PT", 5)] == [liked]

    await eventually(trending_in_portugal)


@pytest_asyncio.fixture
async def seen_kv(kv: KV) -> AsyncIterator[tuple[KV, str]]:
    """Each kv backend, and a viewer of its own (its seen keys are deleted afterwards): the
    filter reads its count and layers with one ``mget`` and tests bits in numpy, so what
    Redis returns for bitmaps must read as the memory backend's do."""
    viewer = f"d:{uuid.uuid4().hex}"
    yield kv, viewer
    await kv.delete(f"seen:{viewer}:n", *(f"seen:{viewer}:{n}" for n in range(f.SEEN_LAYERS)))


async def test_the_seen_filter_grows_in_layers_and_forgets_the_oldest(
    monkeypatch: pytest.MonkeyPatch, seen_kv: tuple[KV, str]
) -> None:
    monkeypatch.setattr(f, "SEEN_LAYER_ITEMS", 100)
    monkeypatch.setattr(f, "SEEN_LAYERS", 3)
    kv, viewer = seen_kv
    first = list(range(1_000, 1_100))
    await f.mark_seen(kv, viewer, first)
    assert all(await f.seen(kv, viewer, first))
    unseen = list(range(10**9, 10**9 + 5000))
    false_positives = sum(await f.seen(kv, viewer, unseen)) / len(unseen)
    assert false_positives < 0.01
    for start in range(2_000, 2_300, 10):  # fills layers 1 and 2, then reuses layer 0
        await f.mark_seen(kv, viewer, list(range(start, start + 10)))
    assert all(await f.seen(kv, viewer, list(range(2_000, 2_300))))
    assert sum(await f.seen(kv, viewer, first)) < 10  # the oldest layer was cleared
    assert await f.seen(kv, f"{viewer}-nobody", first) == [False] * len(first)
