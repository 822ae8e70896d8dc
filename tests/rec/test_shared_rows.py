"""Serving's shared video rows: read once per SHARED_TTL_S, whichever viewer asks."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from foryou.rec.features import shared
from foryou.rec.features.shared import shared_rows


class Loader:
    def __init__(self) -> None:
        self.asked: list[list[int]] = []

    async def __call__(self, video_ids: list[int]) -> list[str | None]:
        self.asked.append(video_ids)
        return [None if v % 2 else f"row {v}" for v in video_ids]  # odd ids: not published


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(shared.time, "monotonic", lambda: now[0])
    return now


async def test_rows_are_read_once_until_they_expire(clock: list[float]) -> None:
    platform: Any = SimpleNamespace(local={})
    load = Loader()
    assert await shared_rows(platform, "meta", [2, 3], load) == ["row 2", None]
    # a hit, a cached None and a miss, in the order asked
    assert await shared_rows(platform, "meta", [3, 4, 2], load) == [None, "row 4", "row 2"]
    assert load.asked == [[2, 3], [4]]
    clock[0] += shared.SHARED_TTL_S
    assert await shared_rows(platform, "meta", [2, 4], load) == ["row 2", "row 4"]
    assert load.asked[-1] == [2, 4]
    assert await shared_rows(platform, "counters", [2], load) == ["row 2"]  # kinds apart
    assert load.asked[-1] == [2]


async def test_no_row_outlives_the_ttl(clock: list[float]) -> None:
    platform: Any = SimpleNamespace(local={})
    load = Loader()
    await shared_rows(platform, "meta", [2], load)
    clock[0] += shared.SHARED_TTL_S * 0.6  # the windows rotate: 2 is in the older half
    await shared_rows(platform, "meta", [2, 4], load)
    assert load.asked[-1] == [4]
    clock[0] += shared.SHARED_TTL_S * 0.6  # 2 is 1.2 TTL old and gone; 4 is not
    await shared_rows(platform, "meta", [2, 4], load)
    assert load.asked[-1] == [2]
    clock[0] += shared.SHARED_TTL_S * 5  # idle for long: both halves are dropped at once
    await shared_rows(platform, "meta", [2, 4], load)
    assert load.asked[-1] == [2, 4]


async def test_past_the_cap_the_windows_rotate_early(
    clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared, "SHARED_MAX", 3)
    platform: Any = SimpleNamespace(local={})
    load = Loader()
    await shared_rows(platform, "meta", [2, 4, 6, 8], load)  # one over the cap
    await shared_rows(platform, "meta", [10], load)  # rotates: 2..8 are the older half
    await shared_rows(platform, "meta", [12, 14, 16], load)
    await shared_rows(platform, "meta", [2, 10], load)  # rotates again: 2 is gone, 10 is not
    assert load.asked[-1] == [2]
