"""Stream processors: consumers of the event log that keep derived state current."""

from __future__ import annotations

from foryou.platform import Platform
from foryou.stream import catalog, counters, embeddings, features, lake
from foryou.stream.runner import Processor


def processors(platform: Platform) -> list[Processor]:
    return [
        counters.processor(platform),
        catalog.processor(platform),
        features.processor(platform),
        embeddings.processor(platform),
        lake.processor(platform),
    ]
