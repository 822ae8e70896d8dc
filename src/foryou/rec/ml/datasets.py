"""Training sets from the lake, point-in-time correct: each served item and what followed it.

One row per item the feed served (``foryou.feed.served``): who, what, where on the page, the
features it was scored on as they were at that moment, and the outcomes within ``window_s``
after it was served: whether the client reported an impression, completion, the best watch
ratio, like, share, and a follow of its creator. Built with DuckDB on the lake's Parquet by
default; ``foryou.rec.ml.spark`` runs the same job on Spark and gives the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from foryou.rec.ml.lake import views
from foryou.stream import topics

LABELS = ("impressed", "completed", "watch_ratio", "liked", "shared", "followed")
KEY = ("request_id", "video_id")
TOPICS = (topics.SERVED, topics.WATCH, topics.INTERACTIONS)


def columns(feature_names: Sequence[str]) -> list[str]:
    """A training set's columns, in order."""
    return [
        "served_ms",
        "request_id",
        "viewer",
        "user_id",
        "model",
        "video_id",
        "author_id",
        "position",
        "source",
        "score",
        *(f"f_{name}" for name in feature_names),
        *LABELS,
    ]


def _item_type(feature_names: Sequence[str]) -> str:
    features = ", ".join(f'"{name}": "DOUBLE"' for name in feature_names)
    return (
        '[{"video_id": "BIGINT", "author_id": "BIGINT", "position": "INTEGER", '
        f'"source": "VARCHAR", "score": "DOUBLE", "features": {{{features}}}}}]'
    )


def _sql(feature_names: Sequence[str], window_ms: int) -> str:
    features = ", ".join(f'item.features."{n}" AS "f_{n}"' for n in feature_names)
    return f"""
    WITH pages AS (
        SELECT ts_ms AS served_ms,
               json_extract_string(value, '$.request_id') AS request_id,
               json_extract_string(value, '$.viewer') AS viewer,
               TRY_CAST(json_extract(value, '$.user_id') AS BIGINT) AS user_id,
               json_extract_string(value, '$.model') AS model,
               from_json(json_extract(value, '$.items'), '{_item_type(feature_names)}') AS items
        FROM served WHERE type = 'feed.served'
    ),
    items AS (
        SELECT served_ms, request_id, viewer, user_id, model,
               item.video_id AS video_id, item.author_id AS author_id,
               item.position AS position, item.source AS source, item.score AS score,
               {features}
        FROM (SELECT *, unnest(items) AS item FROM pages)
    ),
    watched AS (
        SELECT type,
               json_extract_string(value, '$.viewer') AS viewer,
               CAST(json_extract(value, '$.video_id') AS BIGINT) AS video_id,
               COALESCE(TRY_CAST(json_extract(value, '$.received_ms') AS BIGINT), ts_ms) AS at_ms,
               COALESCE(TRY_CAST(json_extract(value, '$.completed') AS BOOLEAN), false)
                   AS completed,
               TRY_CAST(json_extract(value, '$.watched_ms') AS DOUBLE)
                   / NULLIF(TRY_CAST(json_extract(value, '$.duration_ms') AS DOUBLE), 0)
                   AS ratio
        FROM watch
    ),
    acted AS (
        SELECT type, ts_ms AS at_ms,
               COALESCE(TRY_CAST(json_extract(value, '$.user_id') AS BIGINT),
                        TRY_CAST(json_extract(value, '$.follower_id') AS BIGINT)) AS user_id,
               TRY_CAST(json_extract(value, '$.video_id') AS BIGINT) AS video_id,
               TRY_CAST(json_extract(value, '$.followee_id') AS BIGINT) AS followee_id
        FROM interactions
        WHERE type IN ('like.added', 'share.added', 'follow.added')
    ),
    by_watch AS (
        SELECT i.request_id, i.video_id,
               bool_or(w.type = 'impression') AS impressed,
               bool_or(w.type = 'watch' AND w.completed) AS completed,
               max(CASE WHEN w.type = 'watch' THEN least(w.ratio, 10.0) END) AS watch_ratio
        FROM items i JOIN watched w
          ON w.viewer = i.viewer AND w.video_id = i.video_id
         AND w.at_ms >= i.served_ms AND w.at_ms < i.served_ms + {window_ms}
        GROUP BY i.request_id, i.video_id
    ),
    by_action AS (
        SELECT i.request_id, i.video_id,
               bool_or(a.type = 'like.added' AND a.video_id = i.video_id) AS liked,
               bool_or(a.type = 'share.added' AND a.video_id = i.video_id) AS shared,
               bool_or(a.type = 'follow.added' AND a.followee_id = i.author_id) AS followed
        FROM items i JOIN acted a
          ON a.user_id = i.user_id
         AND (a.video_id = i.video_id OR a.followee_id = i.author_id)
         AND a.at_ms >= i.served_ms AND a.at_ms < i.served_ms + {window_ms}
        GROUP BY i.request_id, i.video_id
    )
    SELECT items.*,
           COALESCE(impressed, false) AS impressed,
           COALESCE(completed, false) AS completed,
           COALESCE(watch_ratio, 0.0) AS watch_ratio,
           COALESCE(liked, false) AS liked,
           COALESCE(shared, false) AS shared,
           COALESCE(followed, false) AS followed
    FROM items
    LEFT JOIN by_watch USING (request_id, video_id)
    LEFT JOIN by_action USING (request_id, video_id)
    ORDER BY served_ms, request_id, position
    """


def build(
    files: dict[str, list[Path]], feature_names: Sequence[str], window_s: float = 3600
) -> pa.Table:
    """The training set from lake files by topic (``foryou.rec.ml.lake.fetch``)."""
    with duckdb.connect() as con:
        views(con, files, list(TOPICS))
        table: pa.Table = con.sql(_sql(feature_names, int(window_s * 1000))).to_arrow_table()
    return table.select(columns(feature_names))
