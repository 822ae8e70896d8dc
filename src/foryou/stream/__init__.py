"""Stream processors: consumers of the event log that keep derived state current."""

from __future__ import annotations

from dataclasses import replace

from foryou.platform import Platform
from foryou.stream import catalog, counters, embeddings, features, lake, search
from foryou.stream.runner import Processor


def processors(platform: Platform) -> list[Processor]:
    """With the in-process kv (the embedded default) the catalog, the feature store, the
    caption index and the search index start empty in every process, so those replay the
    log at start; counters keep their offsets in SQL and the lake rewrites the same files,
    so they go on."""
    in_process = platform.settings.kv.startswith("memory:")
    rebuilt = [
        replace(p, replay_at_start=in_process)
        for p in (
            catalog.processor(platform),
            features.processor(platform),
            embeddings.processor(platform),
            search.processor(platform),
        )
    ]
    return [counters.processor(platform), *rebuilt, lake.processor(platform)]
