"""The processor runner: a processor whose state lives in the process replays the log."""

from __future__ import annotations

import asyncio
from pathlib import Path

from foryou.platform import Platform
from foryou.platform.events import Event, open_events
from foryou.settings import Settings
from foryou.stream import processors, runner

TOPIC = "replay-test"


async def _run_once(url: str, *, replay_at_start: bool) -> list[int]:
    """Start a processor as a new process would, let it catch up, stop it: what it saw."""
    seen: list[int] = []

    async def handle(events: list[Event]) -> None:
        seen.extend(e.value["n"] for e in events)

    log = open_events(url)
    processor = runner.Processor("replayer", [TOPIC], handle, replay_at_start=replay_at_start)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(log, processor, stop, idle_timeout_s=0.05))
    await asyncio.sleep(0.5)
    await runner.stop_all([task], stop)
    await log.close()
    return seen


async def test_only_a_processor_that_replays_at_start_sees_the_log_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/events.db"
    log = open_events(url)
    await log.append(TOPIC, [(str(n), {"n": n}) for n in range(3)])
    await log.close()

    assert await _run_once(url, replay_at_start=False) == [0, 1, 2]
    assert await _run_once(url, replay_at_start=False) == []  # committed: a restart goes on
    assert await _run_once(url, replay_at_start=True) == [0, 1, 2]


async def test_kv_backed_processors_replay_only_with_the_in_process_kv(tmp_path: Path) -> None:
    async def replaying(kv: str) -> tuple[set[str], set[str]]:
        platform = Platform.open(Settings(data_dir=tmp_path, kv=kv))
        try:
            every = processors(platform)
            return {p.name for p in every if p.replay_at_start}, {p.name for p in every}
        finally:
            await platform.close()

    # Counters keep their offsets in SQL and the lake rewrites the same files: they go on.
    replayed, every = await replaying("memory://")
    assert replayed == every - {"counters", "lake"}
    assert {"catalog", "features", "embeddings"} <= replayed
    assert (await replaying("redis://127.0.0.1:6379/0"))[0] == set()
