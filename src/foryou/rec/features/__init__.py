"""The online feature store, in the kv port: what the feed reads on every request.

Decayed counters use forward decay: an event at time t adds ``w * 2^((t - L) / H)`` to a
sorted set tagged with the landmark L (the start of its UTC day), so a read needs no
write-back: ``(today + yesterday * 2^(-24h/H)) * 2^(-(now - L)/H)``. Older day sets are
never read (their weight is below 2^-2 at H = 12 h) and expire ``KEY_TTL_S`` after they
were created.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from foryou.platform.kv import KV

HALF_LIFE_S = 12 * 3600
DAY_S = 86_400
KEY_TTL_S = 3 * DAY_S  # a day's set is read through the next day
# The seen filter grows with use: layers of 2 KiB, each taking SEEN_LAYER_ITEMS videos
# (~0.5 % false positives when full), so a light viewer costs 2 KiB, not a heavy one's size.
# After SEEN_LAYERS layers the oldest is cleared and reused.
SEEN_LAYER_BITS_LOG2 = 14
SEEN_LAYER_ITEMS = 1400
SEEN_LAYERS = 16
SEEN_HASHES = 5
_SEEN_SALTS = np.array(  # odd 64-bit multipliers, one per hash
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0xD6E8FEB86659FD93,
        0xFF51AFD7ED558CCD,
    ],
    dtype=np.uint64,
)
SEEN_TTL_S = 30 * DAY_S
HISTORY_CAP = 200


def _day(now: float) -> int:
    return int(now // DAY_S)


def _weight(now: float) -> float:
    return 2 ** ((now - _day(now) * DAY_S) / HALF_LIFE_S)


def counted(at: float, now: float) -> bool:
    """Whether an event at ``at`` still counts in reads at ``now``: reads add today's and
    yesterday's sets only."""
    return _day(at) >= _day(now) - 1


def decayed_key(name: str, day: int) -> str:
    return f"f:{name}:{day}"


async def add_decayed(kv: KV, name: str, member: str, amount: float, now: float) -> None:
    await kv.zincrby(decayed_key(name, _day(now)), member, amount * _weight(now), ttl_s=KEY_TTL_S)


async def read_decayed(
    kv: KV, name: str, members: Sequence[str], now: float | None = None
) -> list[float]:
    """Each member's decayed total as of ``now``."""
    [totals] = await read_decayed_many(kv, [name], members, now)
    return cast(list[float], totals.tolist())


async def read_decayed_many(
    kv: KV, names: Sequence[str], members: Sequence[str], now: float | None = None
) -> npt.NDArray[np.float64]:
    """``read_decayed`` of the same members in each named counter, in one kv round trip:
    one row per name, one column per member."""
    now = time.time() if now is None else now
    day = _day(now)
    keys = [decayed_key(name, d) for name in names for d in (day, day - 1)]
    rows = await kv.zscores_many(keys, members)
    # a member a set lacks reads None: 0 here, in a list, before numpy (np.array's own None
    # handling costs twice this, and a feed request reads a few thousand scores)
    flat = [0.0 if s is None else s for s in itertools.chain.from_iterable(rows)]
    scores = np.fromiter(flat, dtype=np.float64, count=len(flat)).reshape(len(keys), -1)
    totals: npt.NDArray[np.float64] = (
        scores[0::2] + scores[1::2] * 2 ** (-DAY_S / HALF_LIFE_S)
    ) / _weight(now)
    return totals


async def top_decayed(
    kv: KV, name: str, limit: int, now: float | None = None
) -> list[tuple[str, float]]:
    """The highest decayed totals (today's set first, topped up from yesterday's)."""
    now = time.time() if now is None else now
    day = _day(now)
    keys = [decayed_key(name, key_day) for key_day in (day, day - 1)]
    members = list(
        dict.fromkeys(m for rows in await kv.zrevrange_many(keys, limit=limit) for m, _ in rows)
    )
    return sorted(
        zip(members, await read_decayed(kv, name, members, now), strict=True),
        key=lambda pair: -pair[1],
    )[:limit]


def seen_offsets(video_ids: Sequence[int]) -> npt.NDArray[np.int64]:
    """(videos x SEEN_HASHES) bit offsets: a splitmix64 finaliser scrambles the IDs (minted
    IDs differ in a few low bits), then multiply-shift hashing; one numpy pass."""
    z = np.asarray(video_ids, dtype=np.uint64).reshape(-1, 1)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return ((z * _SEEN_SALTS) >> np.uint64(64 - SEEN_LAYER_BITS_LOG2)).astype(np.int64)


def _seen_layer(viewer: str, layer: int) -> str:
    return f"seen:{viewer}:{layer % SEEN_LAYERS}"


async def mark_seen(kv: KV, viewer: str, video_ids: Sequence[int]) -> None:
    if not video_ids:
        return
    total = await kv.incr(f"seen:{viewer}:n", len(video_ids), ttl_s=SEEN_TTL_S)
    before, layer = (
        (total - len(video_ids) - 1) // SEEN_LAYER_ITEMS,
        (total - 1) // SEEN_LAYER_ITEMS,
    )
    if layer != before and layer >= SEEN_LAYERS:  # reusing the oldest layer: forget it first
        await kv.delete(_seen_layer(viewer, layer))
    offsets = seen_offsets(video_ids).ravel().tolist()
    await kv.setbits(_seen_layer(viewer, layer), offsets, ttl_s=SEEN_TTL_S)


async def seen(kv: KV, viewer: str, video_ids: Sequence[int]) -> list[bool]:
    """A layered Bloom filter: False is certain, True is right but for ~1 % of unseen videos.
    The count and every layer come in one ``mget`` (one round trip on Redis) and the bits
    are tested here, in numpy."""
    raw, *bitmaps = await kv.mget(
        [f"seen:{viewer}:n", *(_seen_layer(viewer, layer) for layer in range(SEEN_LAYERS))]
    )
    if not raw or not video_ids:
        return [False] * len(video_ids)
    layers = min((int(raw) - 1) // SEEN_LAYER_ITEMS + 1, SEEN_LAYERS)
    filters = np.stack(  # a layer's bitmap ends at its highest set bit: padded with zeros
        [
            np.unpackbits(np.frombuffer(bitmap or b"", np.uint8), count=1 << SEEN_LAYER_BITS_LOG2)
            for bitmap in bitmaps[:layers]
        ]
    )
    bits = filters[:, seen_offsets(video_ids)]  # layers x videos x hashes
    return cast(list[bool], bits.all(axis=2).any(axis=0).tolist())


def completion_posterior(
    completions: npt.NDArray[np.float64], plays: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Beta(α, β) of each completion rate, from decayed counts and a weak prior."""
    return 1.0 + completions, 1.0 + np.maximum(plays - completions, 0.0)
