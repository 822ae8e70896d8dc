"""foryou seed --demo, run as a newcomer's `make run` would: seed a new data directory, then
serve it from a fresh process and find a living platform."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from foryou.cli import app
from foryou.demo.clips import plan
from foryou.demo.viewing import Viewer, react
from foryou.demo.vocabulary import CREATORS, TOPIC_BY_NAME
from foryou.rec import features as f
from foryou.stream.features import trending_name
from tests.conftest import AppFactory, eventually, settings_for

runner = CliRunner()
VIDEOS, VIEWERS = 3, 5  # the fifth viewer has only a device id
DEMO = ["--demo", "--videos", str(VIDEOS), "--creators", "2", "--viewers", str(VIEWERS)]


def flat(output: str) -> str:
    """The CLI's output as one line: rich wraps it at the console's width, and the data
    directory's path in it moves where the wraps fall."""
    return " ".join(output.split())


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory seeded once for the module (tmp/data, as settings_for names it)."""
    root = tmp_path_factory.mktemp("seeded")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("FORYOU_GC_FREEZE_S", "0")
        result = runner.invoke(app, ["seed", *DEMO, "--data-dir", str(root / "data")])
    assert result.exit_code == 0, result.output
    assert f"{VIDEOS} videos ready" in flat(result.output)
    return root


def test_a_second_seed_adds_nothing(seeded: Path) -> None:
    again = runner.invoke(app, ["seed", *DEMO, "--data-dir", str(seeded / "data")])
    assert again.exit_code == 0, again.output
    said = flat(again.output)
    assert "has the demo already" in said and "nothing was added" in said
    # The tests below find each clip once.


async def _demo_videos(client: httpx.AsyncClient) -> list[dict]:
    videos = []
    for creator in CREATORS[:2]:
        page = await client.get(f"/api/v1/users/{creator.username}/videos")
        assert page.status_code == 200, page.text
        videos += page.json()["items"]
    return videos


async def test_the_clips_are_ready_once_each_and_counted(
    seeded: Path, make_client: AppFactory
) -> None:
    client = await make_client(settings_for("embedded", seeded))
    videos = await _demo_videos(client)
    assert len(videos) == VIDEOS
    for video in videos:
        assert video["status"] == "ready" and video["progress"] == 100
        assert video["playback"]["hls"].endswith("master.m3u8")
        assert {r["height"] for r in video["playback"]["renditions"]} == {640, 960}
        assert video["hashtags"][0] in TOPIC_BY_NAME
        # Three clips fit on every viewer's first page, and each viewer watches each once.
        assert video["counts"]["views"] == VIEWERS
    master = await client.get(videos[0]["playback"]["hls"].removeprefix("http://127.0.0.1:8000"))
    assert master.status_code == 200 and "#EXTM3U" in master.text
    creator = (await client.get(f"/api/v1/users/{CREATORS[0].username}")).json()
    assert creator["bio"] == CREATORS[0].bio and creator["video_count"] > 0


async def test_a_new_process_serves_the_demo_from_the_log(
    seeded: Path, make_client: AppFactory
) -> None:
    client = await make_client(settings_for("embedded", seeded))
    demo = {v["id"] for v in await _demo_videos(client)}
    kv = client.app.state.platform.kv  # type: ignore[attr-defined]

    async def trending() -> None:  # rebuilt from the log by this process's feature store
        assert {m for m, _ in await f.top_decayed(kv, trending_name(None), 10)} == demo

    await eventually(trending, timeout=30)
    page = await client.get(
        "/api/v1/feed", headers={"Foryou-Device-Id": "6b1f3c52-8d7e-4a4f-9a51-3f0d2e6c9b10"}
    )
    assert page.status_code == 200
    assert {item["video"]["id"] for item in page.json()["items"]} == demo


def test_the_same_seed_plans_the_same_demo() -> None:
    first, again, other = plan(8, CREATORS, 7), plan(8, CREATORS, 7), plan(8, CREATORS, 8)
    assert first == again and first != other
    for clip in first:
        assert clip.topic.name in clip.creator.topics
        assert f"#{clip.topic.name}" in clip.caption and 4 <= clip.seconds <= 8
    assert len({clip.video for clip in first}) == len(first)  # no two clips look the same
    fan = Viewer("ana", {}, (first[0].topic.name,), signed_in=True)
    assert react(7, fan, first[0]) == react(7, fan, first[0])
