"""Search reads: the index in kv (``index``) names what matches, SQL renders it. No HTTP.

Videos match every word of the query (a caption word or a hashtag) and come newest first;
users and hashtags match by prefix and come by followers and by video count. When the
words find less than a page and this process already has the caption model loaded (it
embeds captions for the feed), the first page is topped up with the videos whose caption
embeddings are nearest to the query's, so "pasta" finds a "#cooking" clip. A process
without the model skips that rather than load it for a request.
"""

from __future__ import annotations

import asyncio

import orjson

from foryou.domains.accounts import service as accounts
from foryou.domains.accounts.schemas import AuthorRef, UserPublic
from foryou.domains.common import Page
from foryou.domains.search import index as ix
from foryou.domains.search.schemas import (
    HashtagRef,
    HashtagSummary,
    HashtagTrend,
    Suggestions,
)
from foryou.domains.videos import service as videos
from foryou.domains.videos.schemas import VideoPublic
from foryou.gateway.tokens import Principal
from foryou.platform import Platform
from foryou.rec import embeddings
from foryou.rec import features as f
from foryou.stream.search import TRENDING_TAGS, tag_views_key

SUGGESTIONS = 5
SIMILAR_MIN = 0.3  # cosine below which a caption is not about the query (MiniLM)


def _page(rows: list[ix.Row], limit: int) -> tuple[list[ix.Row], str | None]:
    """Rows are fetched ``limit + 1`` at a time: an extra row means there is a next page."""
    return rows[:limit], ix.encode_cursor(rows[limit - 1]) if len(rows) > limit else None


async def _render_videos(
    platform: Platform, video_ids: list[int], viewer: Principal | None
) -> list[VideoPublic]:
    """Public views in the order given; what SQL says is no longer public is left out (the
    index may lag a write by a moment)."""
    found = await videos.public_many(platform, video_ids, viewer)
    return [found[i] for i in video_ids if i in found]


async def _similar(platform: Platform, q: str, exclude: set[int], count: int) -> list[int]:
    if count <= 0 or not embeddings.loaded() or not len(platform.vectors):
        return []
    text = embeddings.caption_text(q, [])
    [vector] = await asyncio.to_thread(embeddings.embed_texts, [text])
    found = await asyncio.to_thread(platform.vectors.search, vector, count, exclude=exclude)
    return [video_id for video_id, similarity in found if similarity >= SIMILAR_MIN]


async def search_videos(
    platform: Platform, *, q: str, viewer: Principal | None, limit: int, cursor: str | None
) -> Page[VideoPublic]:
    keys = [ix.term_key(term) for term in ix.query_terms(q)]
    rows, next_cursor = _page(
        await ix.intersect_page(platform.kv, keys, ix.decode_cursor(cursor), limit + 1), limit
    )
    ids = [int(member) for member, _ in rows]
    # Words are topped up with captions about the same thing; a #tag asks for that tag only.
    if cursor is None and next_cursor is None and not q.lstrip().startswith("#"):
        ids += await _similar(platform, q, set(ids), limit - len(ids))
    return Page(items=await _render_videos(platform, ids, viewer), next_cursor=next_cursor)


def _user_keys(q: str) -> list[str]:
    return [ix.user_prefix_key(term[: ix.PREFIX_MAX]) for term in ix.query_terms(q)]


async def search_users(
    platform: Platform, *, q: str, limit: int, cursor: str | None
) -> Page[UserPublic]:
    rows, next_cursor = _page(
        await ix.intersect_page(platform.kv, _user_keys(q), ix.decode_cursor(cursor), limit + 1),
        limit,
    )
    found = await accounts.get_many(platform, [int(member) for member, _ in rows])
    items = [accounts.to_public(found[int(m)]) for m, _ in rows if int(m) in found]
    return Page(items=items, next_cursor=next_cursor)


async def _tags_by_prefix(
    platform: Platform, q: str, after: ix.Cursor | None, count: int
) -> list[ix.Row]:
    tag = ix.as_tag(q)
    if len(tag) > ix.PREFIX_MAX:  # prefixes that long are not indexed: match the tag itself
        size = await platform.kv.zcard(ix.tag_key(tag))
        row = (tag, float(size))
        return [row] if size and (after is None or (row[1], row[0]) < after) else []
    return await ix.page_after(platform.kv, ix.tag_prefix_key(tag), after, count)


async def search_hashtags(
    platform: Platform, *, q: str, limit: int, cursor: str | None
) -> Page[HashtagRef]:
    found = await _tags_by_prefix(platform, q, ix.decode_cursor(cursor), limit + 1)
    rows, next_cursor = _page(found, limit)
    items = [HashtagRef(tag=tag, video_count=int(count)) for tag, count in rows]
    return Page(items=items, next_cursor=next_cursor)


async def suggest(platform: Platform, *, q: str) -> Suggestions:
    """Typeahead from kv alone: ``@`` asks for users only, ``#`` for hashtags only."""
    text = q.strip()
    users: list[AuthorRef] = []
    if not text.startswith("#"):
        rows = await ix.intersect_page(platform.kv, _user_keys(text), None, SUGGESTIONS)
        docs = await platform.kv.mget([ix.user_doc_key(m) for m, _ in rows])
        users = [
            AuthorRef(id=int(m), **orjson.loads(doc))
            for (m, _), doc in zip(rows, docs, strict=True)
            if doc
        ]
    tags: list[HashtagRef] = []
    if not text.startswith("@"):
        rows = await _tags_by_prefix(platform, text, None, SUGGESTIONS)
        tags = [HashtagRef(tag=tag, video_count=int(count)) for tag, count in rows]
    return Suggestions(users=users, hashtags=tags)


async def hashtag(platform: Platform, *, tag: str) -> HashtagSummary:
    """A tag nobody has used yet is a summary of zeros, as an empty hashtag page is."""
    tag = ix.as_tag(tag)
    views = await platform.kv.get(tag_views_key(tag))
    [score] = await f.read_decayed(platform.kv, TRENDING_TAGS, [tag])
    return HashtagSummary(
        tag=tag,
        video_count=await platform.kv.zcard(ix.tag_key(tag)),
        views=int(views or 0),
        trending_score=score,
    )


async def hashtag_videos(
    platform: Platform, *, tag: str, viewer: Principal | None, limit: int, cursor: str | None
) -> Page[VideoPublic]:
    key = ix.tag_key(ix.as_tag(tag))
    found = await ix.page_after(platform.kv, key, ix.decode_cursor(cursor), limit + 1)
    rows, next_cursor = _page(found, limit)
    items = await _render_videos(platform, [int(m) for m, _ in rows], viewer)
    return Page(items=items, next_cursor=next_cursor)


async def trending(platform: Platform, *, limit: int) -> Page[HashtagTrend]:
    """The most active hashtags now; a tag whose videos are all gone is left out."""
    top = await f.top_decayed(platform.kv, TRENDING_TAGS, 2 * limit)
    items = []
    for tag, score in top:
        if count := await platform.kv.zcard(ix.tag_key(tag)):
            items.append(HashtagTrend(tag=tag, video_count=count, trending_score=score))
    return Page(items=items[:limit], next_cursor=None)
