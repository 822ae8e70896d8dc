"""Training sets from the lake, point-in-time correct: each served item and what followed it.

One row per item the feed served (``foryou.feed.served``): who, what, where on the page, the
features it was scored on as they were at that moment, and the outcomes within ``window_s``
after it was served: whether the client reported an impression, completion, the best watch
ratio, like, share, and a follow of its creator. Built with DuckDB on the lake's Parquet by
default; ``foryou.rec.ml.spark`` runs the same job on Spark and gives the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Dialect:
    """What differs between DuckDB's SQL and Spark's for this job; the query is shared."""

    json_text: str  # the function reading JSON text at a path
    quote: str  # around identifiers
    explode: str  # list -> rows, inside SELECT
    items_type: Callable[[Sequence[str]], str]  # the type from_json reads the items as

    def text(self, field: str) -> str:
        return f"{self.json_text}(value, '$.{field}')"

    def number(self, field: str, type_: str = "BIGINT") -> str:
        return f"TRY_CAST({self.text(field)} AS {type_})"

    def name(self, identifier: str) -> str:
        return f"{self.quote}{identifier}{self.quote}"


def _duckdb_items(feature_names: Sequence[str]) -> str:
    features = ", ".join(f'"{name}": "DOUBLE"' for name in feature_names)
    return (
        '[{"video_id": "BIGINT", "author_id": "BIGINT", "position": "INTEGER", '
        f'"source": "VARCHAR", "score": "DOUBLE", "features": {{{features}}}}}]'
    )


DUCKDB = Dialect("json_extract_string", '"', "unnest", _duckdb_items)


def sql(feature_names: Sequence[str], window_ms: int, d: Dialect = DUCKDB) -> str:
    features = ", ".join(f"item.features.{d.name(n)} AS {d.name('f_' + n)}" for n in feature_names)
    return f"""
    WITH pages AS (
        SELECT ts_ms AS served_ms,
               {d.text("request_id")} AS request_id,
               {d.text("viewer")} AS viewer,
               {d.number("user_id")} AS user_id,
               {d.text("model")} AS model,
               from_json({d.text("items")}, '{d.items_type(feature_names)}') AS items
        FROM served WHERE type = 'feed.served'
    ),
    items AS (
        SELECT served_ms, request_id, viewer, user_id, model,
               item.video_id AS video_id, item.author_id AS author_id,
               item.position AS position, item.source AS source, item.score AS score,
               {features}
        FROM (SELECT *, {d.explode}(items) AS item FROM pages)
    ),
    watched AS (
        SELECT type,
               {d.text("viewer")} AS viewer,
               {d.number("video_id")} AS video_id,
               COALESCE({d.number("received_ms")}, ts_ms) AS at_ms,
               COALESCE({d.number("completed", "BOOLEAN")}, false) AS completed,
               {d.number("watched_ms", "DOUBLE")}
                   / NULLIF({d.number("duration_ms", "DOUBLE")}, 0) AS ratio
        FROM watch
    ),
    acted AS (
        SELECT type, ts_ms AS at_ms,
               COALESCE({d.number("user_id")}, {d.number("follower_id")}) AS user_id,
               {d.number("video_id")} AS video_id,
               {d.number("followee_id")} AS followee_id
        FROM interactions
        WHERE type IN ('like.added', 'share.added', 'follow.added')
    ),
    by_watch AS (
        SELECT i.request_id, i.video_id,
               bool_or(w.type = 'impression') AS impressed,
               bool_or(w.type = 'watch' AND w.completed) AS completed,
               max(CASE WHEN w.type = 'watch' THEN least(w.ratio, CAST(10 AS DOUBLE)) END)
                   AS watch_ratio
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
           COALESCE(watch_ratio, CAST(0 AS DOUBLE)) AS watch_ratio,
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
        table: pa.Table = con.sql(sql(feature_names, int(window_s * 1000))).to_arrow_table()
    return table.select(columns(feature_names))
