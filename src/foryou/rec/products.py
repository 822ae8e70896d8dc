"""Products are lists of stages."""

from __future__ import annotations

from foryou.rec import ann, filters, learned, ranking, selection, sources
from foryou.rec.pipeline import Pipeline, SourceStage, StepStage

FOR_YOU = Pipeline(
    product="for_you",
    sources=[
        SourceStage("following", sources.following),
        SourceStage("two_tower", learned.two_tower),
        SourceStage("embedding", ann.embedding),
        SourceStage("similar_hashtags", sources.similar_hashtags),
        SourceStage("liked_creators", sources.liked_creators),
        SourceStage("co_engaged", sources.co_engaged),
        SourceStage("trending", sources.trending),
        SourceStage("fresh", sources.fresh),
    ],
    steps=[
        StepStage("filter_published", filters.published),
        StepStage("filter_own", filters.not_own),
        StepStage("filter_seen", filters.unseen),
        StepStage("filter_unwanted", filters.not_unwanted),
        StepStage("hydrate", ranking.hydrate),
        StepStage("score", ranking.score),
        StepStage("explore", selection.explore),
        StepStage("diversify", selection.diversify),
    ],
)
