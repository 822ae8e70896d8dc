"""Reading the event lake for training: one topic's files over a time range, each checked.

Files are fetched from the blobs port into a local folder first, so a lake on S3 and one on
local disk are read the same way (DuckDB and Spark then read local Parquet).
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from foryou.platform import Platform
from foryou.stream.lake import PREFIX, SCHEMA, Partition

DAY_MS = 86_400_000


class LakeError(ValueError):
    """A lake file that does not read as the lake's Parquet; the message names it."""


def days(since_ms: int, until_ms: int) -> list[str]:
    """The UTC dates (lake folder names) that ``[since_ms, until_ms)`` touches."""
    first, last = since_ms // DAY_MS, (max(until_ms, since_ms + 1) - 1) // DAY_MS
    return [
        time.strftime("%Y-%m-%d", time.gmtime(d * DAY_MS / 1000)) for d in range(first, last + 1)
    ]


def check(path: Path, key: str) -> None:
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise LakeError(f"{key}: not a readable Parquet file ({exc})") from exc
    if not schema.equals(SCHEMA):
        raise LakeError(f"{key}: columns {schema.names}, expected {SCHEMA.names}")


async def fetch(
    platform: Platform, topic: str, since_ms: int, until_ms: int, into: Path
) -> list[Path]:
    """The topic's lake files for the hours in ``[since_ms, until_ms)``, downloaded and checked.
    Hours with no events have no files; that is not an error."""
    first, last = Partition.of(topic, since_ms), Partition.of(topic, until_ms - 1)
    found = []
    for day in days(since_ms, until_ms):
        for key in sorted(await platform.blobs.list(f"{PREFIX}/{topic}/{day}")):
            hour = Partition(topic, day, int(key.split("/")[3]))
            if not (first.date, first.hour) <= (hour.date, hour.hour) <= (last.date, last.hour):
                continue
            path = into / key
            path.parent.mkdir(parents=True, exist_ok=True)
            await platform.blobs.download(key, path)
            check(path, key)
            found.append(path)
    return found


def views(con: duckdb.DuckDBPyConnection, files: dict[str, list[Path]], topics: list[str]) -> None:
    """One DuckDB view per topic over its fetched files (an empty one where it has none)."""
    for topic in topics:
        paths = [str(p) for p in files.get(topic, [])]
        view = con.read_parquet(paths) if paths else con.from_arrow(SCHEMA.empty_table())
        view.create_view(topic)
