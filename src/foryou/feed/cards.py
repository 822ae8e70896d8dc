"""Feed pages' videos as clients see them, cached in this process for a few seconds.

A feed page names ten videos that thousands of other pages also name (trending, fresh), so
reading and rendering them on every request costs more than the whole pipeline. A cached
card may lag by ``CARD_TTL_S`` in its counts and caption; whether a video may be shown at
all is not taken from here but from the feature store (``foryou.rec.features.shared``:
at most a second old).

A card is kept as its JSON, not as a ``VideoPublic``: the model and its parts were ~16
objects per card that the young garbage collections walked for 30 s each (bench/README).
"""

from __future__ import annotations

import time
from collections import OrderedDict

import orjson

from foryou.domains.videos import service as videos
from foryou.platform import Platform

CARD_TTL_S = 30.0
CARD_CACHE_MAX = 50_000
# The one field that depends on who asks; a card is kept without it.
_VIEWER_FIELDS = {"liked_by_me"}


def _cache(platform: Platform) -> OrderedDict[int, tuple[float, bytes]]:
    # an OrderedDict: dropping the oldest of a plain dict rescans its deleted slots each time
    cache: OrderedDict[int, tuple[float, bytes]] = platform.local.setdefault(
        "feed_cards", OrderedDict()
    )
    return cache


async def cards(platform: Platform, video_ids: list[int]) -> dict[int, bytes]:
    """The ``VideoPublic`` JSON of the videos that anyone may see (others left out),
    without ``liked_by_me`` (``as_seen_by`` adds it); one query per shard for the misses."""
    cache, now = _cache(platform), time.monotonic()
    found = {v: hit[1] for v in video_ids if (hit := cache.get(v)) and hit[0] > now}
    missing = [v for v in video_ids if v not in found]
    for video_id, card in (await videos.public_many(platform, missing, None)).items():
        found[video_id] = raw = card.model_dump_json(exclude=_VIEWER_FIELDS).encode()
        cache[video_id] = (now + CARD_TTL_S, raw)
        cache.move_to_end(video_id)
    while len(cache) > CARD_CACHE_MAX:  # oldest insertions first
        cache.popitem(last=False)
    return found


def as_seen_by(card: bytes, liked_by_me: bool | None) -> orjson.Fragment:
    """A cached card with ``liked_by_me`` put back, ready to embed in a page's JSON."""
    return orjson.Fragment(card[:-1] + b',"liked_by_me":' + orjson.dumps(liked_by_me) + b"}")
