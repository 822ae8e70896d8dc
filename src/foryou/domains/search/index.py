"""The search index in kv: its keys, how text becomes terms, and keyset reads over it.

``foryou.stream.search`` writes it from the event log; the search routes only read it.
Every list is a sorted set whose members are ordered by (score, member), highest first
(Redis' order for equal scores), and every score is a whole number, so a cursor names a
position exactly: ``<score>_<member>``.

- ``s:t:<term>``: published videos whose caption or hashtags hold the word, scored by
  recency (their ID's time and shard), so a search lists the newest first.
- ``s:h:<tag>``: every published video with the hashtag (its size is the tag's video
  count), by recency. The feature store's ``ht:<tag>`` is capped for retrieval, so it
  cannot count.
- ``s:pu:<prefix>``: users whose username, or a word of whose display name, starts with the
  prefix, scored by followers; ``s:ph:<prefix>``: hashtags by prefix, scored by video count.
- ``s:v:<id>``, ``s:u:<id>``: what is indexed for a video or user, so an edit or a deletion
  (whose event names no caption) takes out exactly what went in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from foryou.platform.kv import KV
from foryou.rec.embeddings import hashtag_words

TERM_MAX = 40  # longer "words" (URLs, keyboard mashing) are not indexed
TERMS_PER_VIDEO = 64
PREFIX_MAX = 24  # usernames are at most 24 characters
QUERY_TERMS = 8
# A cursor: a whole-number score, then the member (a decimal ID or a hashtag).
CURSOR_PATTERN = r"^[0-9]{1,16}_\w{1,100}$"

_WORD = re.compile(r"\w+")
_INLINE_TAG = re.compile(r"#(\w+)")

Row = tuple[str, float]
Cursor = tuple[float, str]


def term_key(term: str) -> str:
    return f"s:t:{term}"


def tag_key(tag: str) -> str:
    return f"s:h:{tag}"


def user_prefix_key(prefix: str) -> str:
    return f"s:pu:{prefix}"


def tag_prefix_key(prefix: str) -> str:
    return f"s:ph:{prefix}"


def video_doc_key(video_id: int | str) -> str:
    return f"s:v:{video_id}"


def user_doc_key(user_id: int | str) -> str:
    return f"s:u:{user_id}"


def followers_key(user_id: int | str) -> str:
    return f"s:uf:{user_id}"


def words(text: str) -> list[str]:
    """Lower-case words, as hashtags are lower-cased (``domains.videos.hashtags``)."""
    return [w for w in _WORD.findall(text.lower()) if len(w) <= TERM_MAX]


def caption_terms(caption: str, hashtags: Sequence[str]) -> list[str]:
    """A video's terms: the caption's words, its hashtags whole and spelled out as words
    (``#StreetFood`` is found by ``streetfood``, ``street`` and ``food``)."""
    spelled = " ".join(hashtag_words(tag) for tag in _INLINE_TAG.findall(caption))
    found = dict.fromkeys([*words(caption), *words(spelled), *hashtags])
    return sorted(t for t in found if len(t) <= TERM_MAX)[:TERMS_PER_VIDEO]


def query_terms(q: str) -> list[str]:
    return list(dict.fromkeys(words(q)))[:QUERY_TERMS]


def as_tag(q: str) -> str:
    """A query as one hashtag: ``#Street Food`` -> ``streetfood``."""
    return "".join(words(q))[:100]


def prefixes(word: str) -> list[str]:
    return [word[:n] for n in range(1, min(len(word), PREFIX_MAX) + 1)]


def name_words(username: str, display_name: str) -> list[str]:
    """What finds a user by prefix: the username and each word of the display name."""
    return list(dict.fromkeys([username, *words(display_name)]))


def encode_cursor(row: Row) -> str:
    return f"{int(row[1])}_{row[0]}"


def decode_cursor(cursor: str | None) -> Cursor | None:
    """A cursor the route's pattern has checked: ``<score>_<member>``."""
    if not cursor:
        return None
    score, _, member = cursor.partition("_")
    return float(score), member


async def page_after(kv: KV, key: str, after: Cursor | None, count: int) -> list[Row]:
    """Up to ``count`` members after the cursor, highest first."""
    if after is None:
        return await kv.zrevrange_by_score(key, limit=count)
    score, member = after
    fetch = count
    while True:  # scores are whole numbers: "below score + 0.5" includes the cursor's ties
        rows = await kv.zrevrange_by_score(key, below=score + 0.5, limit=fetch)
        kept = [(m, s) for m, s in rows if s < score or m < member]
        if len(kept) >= count or len(rows) < fetch:
            return kept[:count]
        fetch *= 2  # members tied with the cursor filled the batch


async def intersect_page(
    kv: KV, keys: Sequence[str], after: Cursor | None, count: int
) -> list[Row]:
    """Up to ``count`` members in every set, after the cursor. The sets share their scores
    (a video's recency, a user's followers), so one walks the smallest set and asks the
    others about each member in one round trip per chunk."""
    sizes = [await kv.zcard(key) for key in keys]
    if not keys or min(sizes) == 0:
        return []
    ordered = [key for _, key in sorted(zip(sizes, keys, strict=True))]
    walk, others = ordered[0], ordered[1:]
    found: list[Row] = []
    chunk = max(4 * count, 100)
    while len(found) < count:
        rows = await page_after(kv, walk, after, chunk)
        if not others:
            found += rows
        elif rows:
            scores = await kv.zscores_many(others, [m for m, _ in rows])
            found += [row for i, row in enumerate(rows) if all(s[i] is not None for s in scores)]
        if len(rows) < chunk:
            break
        after = (rows[-1][1], rows[-1][0])
    return found[:count]
