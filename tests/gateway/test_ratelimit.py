"""The sliding-window limiter, driven by a fake clock so window boundaries are exact."""

from __future__ import annotations

import pytest

from foryou.gateway import ratelimit
from foryou.gateway.problems import Problem
from foryou.platform.kv.memory import MemoryKV


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def _allowed(kv: MemoryKV, limit: int) -> bool | int:
    """True when the request passes, else the Retry-After it was given."""
    try:
        await ratelimit.enforce(kv, scope="client", ident="10.0.0.1", limit=limit)
    except Problem as refused:
        assert refused.status == 429
        return int(refused.headers["Retry-After"])
    return True


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(1_000 * ratelimit.WINDOW_S + 50)  # 50 s into a window
    monkeypatch.setattr(ratelimit.time, "time", fake)
    return fake


async def test_a_burst_across_a_window_boundary_is_still_limited(clock: Clock) -> None:
    kv = MemoryKV()
    assert [await _allowed(kv, 4) for _ in range(4)] == [True] * 4
    clock.now += 15  # 5 s into the next window: a fixed window would grant 4 more
    assert await _allowed(kv, 4) is not True


async def test_retry_after_says_when_a_request_fits_again(clock: Clock) -> None:
    kv = MemoryKV()
    for _ in range(4):
        await _allowed(kv, 4)
    clock.now += 15
    retry_after = await _allowed(kv, 4)
    assert isinstance(retry_after, int) and retry_after is not True
    clock.now += retry_after - 1
    assert await _allowed(kv, 4) is not True  # a second early: still refused
    clock.now += 1
    assert await _allowed(kv, 4) is True
