"""Hydration from the online feature store, and the heuristic value model.

Until a trained ranker is loaded, a candidate's value is (per play, from decayed counters
with weak priors): P(complete) + 4·P(like) + 8·P(share), plus the viewer's affinity for the
creator and hashtags (tanh-squashed), a popularity term log(1 + trending) and a freshness
bonus that halves every day. Every term is an online feature, so the model reacts within
seconds to what viewers do.
"""

from __future__ import annotations

import asyncio
import math

from foryou.rec import features as f
from foryou.rec.pipeline import Candidate, FeedContext

FEATURES = (*f.VIDEO_COUNTERS, "trending")
WEIGHTS = {"like": 4.0, "share": 8.0, "affinity": 0.8, "popularity": 0.1, "freshness": 0.3}


async def hydrate(ctx: FeedContext, candidates: list[Candidate]) -> list[Candidate]:
    if not candidates:
        return candidates
    kv = ctx.platform.kv
    members = [str(c.video_id) for c in candidates]
    columns = await asyncio.gather(*(f.read_decayed(kv, n, members, ctx.now) for n in FEATURES))
    tags = sorted({t for c in candidates for t in c.hashtags})
    tag_affinity: dict[str, float] = {}
    if ctx.viewer is not None and tags:
        scores = await f.read_decayed(kv, f"ah:{ctx.viewer}", tags, ctx.now)
        tag_affinity = dict(zip(tags, scores, strict=True))
    creator_affinity = ctx.scratch.get("creator_affinity", {})
    for index, candidate in enumerate(candidates):
        candidate.features = {
            name: column[index] for name, column in zip(FEATURES, columns, strict=True)
        }
        candidate.features["creator_affinity"] = creator_affinity.get(str(candidate.author_id), 0.0)
        candidate.features["tag_affinity"] = sum(
            tag_affinity.get(t, 0.0) for t in candidate.hashtags
        )
    return candidates


def value(candidate: Candidate, now: float) -> float:
    x = candidate.features
    plays = max(x["plays"], 0.0)
    p_complete = (x["completions"] + 1) / (plays + 3)
    p_like = (x["likes"] + 0.1) / (plays + 10)
    p_share = (x["shares"] + 0.05) / (plays + 20)
    affinity = math.tanh(x["creator_affinity"] / 4) + 0.5 * math.tanh(x["tag_affinity"] / 4)
    age_days = max(now * 1000 - candidate.created_ms, 0) / 86_400_000
    return (
        p_complete
        + WEIGHTS["like"] * p_like
        + WEIGHTS["share"] * p_share
        + WEIGHTS["affinity"] * affinity
        + WEIGHTS["popularity"] * f.safe_log1p(x["trending"])
        + WEIGHTS["freshness"] * 2 ** (-age_days)
        + (0.3 if candidate.source == "following" else 0.0)
    )


async def score(ctx: FeedContext, candidates: list[Candidate]) -> list[Candidate]:
    for candidate in candidates:
        candidate.score += value(candidate, ctx.now)
    return candidates
