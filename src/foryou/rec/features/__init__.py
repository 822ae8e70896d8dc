"""The online feature store, in the kv port: what the feed reads on every request.

Decayed counters use forward decay: an event at time t adds ``w * 2^((t - L) / H)`` to a
sorted set tagged with the landmark L (the start of its UTC day), so a read needs no
write-back: ``(today + yesterday * 2^(-24h/H)) * 2^(-(now - L)/H)``. Contributions older
than two days are dropped with their key (their weight is below 2^-4 at H = 12 h).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence

from foryou.platform.kv import KV

HALF_LIFE_S = 12 * 3600
DAY_S = 86_400
KEY_TTL_S = 3 * DAY_S
SEEN_BITS = 1 << 17  # 16 KiB per viewer: ~1 % false positives at 13k seen videos
SEEN_HASHES = 5
SEEN_TTL_S = 30 * DAY_S
HISTORY_CAP = 200

# Per-video counters, decayed
VIDEO_COUNTERS = ("impressions", "plays", "completions", "watch_s", "likes", "shares", "comments")


def _day(now: float) -> int:
    return int(now // DAY_S)


def _weight(now: float) -> float:
    return 2 ** ((now - _day(now) * DAY_S) / HALF_LIFE_S)


def decayed_key(name: str, day: int) -> str:
    return f"f:{name}:{day}"


async def add_decayed(kv: KV, name: str, member: str, amount: float, now: float) -> None:
    await kv.zincrby(decayed_key(name, _day(now)), member, amount * _weight(now))


async def read_decayed(
    kv: KV, name: str, members: Sequence[str], now: float | None = None
) -> list[float]:
    """Each member's decayed total as of ``now``."""
    now = time.time() if now is None else now
    day = _day(now)
    today = await kv.zscores(decayed_key(name, day), members)
    yesterday = await kv.zscores(decayed_key(name, day - 1), members)
    carry = 2 ** (-DAY_S / HALF_LIFE_S)
    scale = 1 / _weight(now)
    return [
        ((t or 0.0) + (y or 0.0) * carry) * scale for t, y in zip(today, yesterday, strict=True)
    ]


async def top_decayed(
    kv: KV, name: str, limit: int, now: float | None = None
) -> list[tuple[str, float]]:
    """The highest decayed totals (today's set first, topped up from yesterday's)."""
    now = time.time() if now is None else now
    day = _day(now)
    seen: dict[str, float] = {}
    for key_day in (day, day - 1):
        for member, _ in await kv.zrevrange_by_score(decayed_key(name, key_day), limit=limit):
            seen.setdefault(member, 0.0)
    members = list(seen)
    return sorted(
        zip(members, await read_decayed(kv, name, members, now), strict=True),
        key=lambda pair: -pair[1],
    )[:limit]


def seen_offsets(video_id: int) -> list[int]:
    digest = hashlib.blake2b(video_id.to_bytes(8, "big"), digest_size=4 * SEEN_HASHES).digest()
    return [
        int.from_bytes(digest[i * 4 : i * 4 + 4], "big") % SEEN_BITS for i in range(SEEN_HASHES)
    ]


async def mark_seen(kv: KV, viewer: str, video_ids: Sequence[int]) -> None:
    offsets = [o for v in video_ids for o in seen_offsets(v)]
    if offsets:
        await kv.setbits(f"seen:{viewer}", offsets, ttl_s=SEEN_TTL_S)


async def seen(kv: KV, viewer: str, video_ids: Sequence[int]) -> list[bool]:
    """A Bloom filter: False is certain, True is right but for ~1 % of unseen videos."""
    offsets = [o for v in video_ids for o in seen_offsets(v)]
    bits = await kv.getbits(f"seen:{viewer}", offsets) if offsets else []
    return [all(bits[i * SEEN_HASHES : (i + 1) * SEEN_HASHES]) for i in range(len(video_ids))]


def completion_posterior(completions: float, plays: float) -> tuple[float, float]:
    """Beta(α, β) of the completion rate, from decayed counts and a weak prior."""
    return 1.0 + completions, 1.0 + max(plays - completions, 0.0)


def safe_log1p(x: float) -> float:
    return math.log1p(max(x, 0.0))
