"""The training-set job on Apache Spark, for a lake that outgrows one machine.

The query is DuckDB's (``foryou.rec.ml.datasets.sql``) in Spark's dialect, over the same
fetched lake files, and gives the same rows (a test builds both and compares them). The
tests and a single machine use ``local[N]``; pass a cluster's master URL to scale out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

from foryou.rec.ml.datasets import TOPICS, Dialect, columns, sql

LAKE_COLUMNS = StructType(
    [
        StructField("partition", IntegerType()),
        StructField("offset", LongType()),
        StructField("key", StringType()),
        StructField("type", StringType()),
        StructField("ts_ms", LongType()),
        StructField("value", StringType()),
    ]
)


def _spark_items(feature_names: Sequence[str]) -> str:
    features = ", ".join(f"`{name}`: DOUBLE" for name in feature_names)
    return (
        "ARRAY<STRUCT<video_id: BIGINT, author_id: BIGINT, position: INT, source: STRING, "
        f"score: DOUBLE, features: STRUCT<{features}>>>"
    )


SPARK = Dialect("get_json_object", "`", "explode", _spark_items)


def session(master: str = "local[2]") -> SparkSession:
    return (
        SparkSession.builder.master(master)
        .appName("foryou-training-set")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def build(
    spark: SparkSession,
    files: dict[str, list[Path]],
    feature_names: Sequence[str],
    window_s: float = 3600,
) -> pa.Table:
    """The training set from lake files by topic, as ``datasets.build`` makes it."""
    for topic in TOPICS:
        paths = [str(p) for p in files.get(topic, [])]
        frame = (
            spark.read.schema(LAKE_COLUMNS).parquet(*paths)
            if paths
            else spark.createDataFrame([], LAKE_COLUMNS)
        )
        frame.createOrReplaceTempView(topic)
    table: pa.Table = spark.sql(sql(feature_names, int(window_s * 1000), SPARK)).toArrow()
    return table.select(columns(feature_names))
