"""Selection: exploration slots from a Thompson-sampling bandit, then diversity caps.

The bandit's arms are videos still in the traffic pool: published in the last ``FRESH_DAYS``
and with fewer than ``GRADUATE_PLAYS`` decayed plays (an older video has had its first audience;
its counters speak for it). Each draws a completion rate from its Beta posterior; the best
draws fill about a fifth of the page, so a new video gets a first audience fast. A video
whose posterior mean stays under ``DROP_RATE`` after ``MIN_EVIDENCE`` plays stops being
explored; one that passes ``GRADUATE_PLAYS`` leaves the pool and competes on its value like
everything else.
"""

from __future__ import annotations

import math

import numpy as np

from foryou.rec import features as f
from foryou.rec.pipeline import Candidate, FeedContext
from foryou.rec.ranking import column

EXPLORE_SHARE = 0.2
GRADUATE_PLAYS = 40.0
MIN_EVIDENCE = 8.0
DROP_RATE = 0.25
FRESH_DAYS = 7.0
CREATOR_SHARE = 0.2  # of a page, at most (and at least one video)
HASHTAG_SHARE = 0.5
_RNG = np.random.default_rng()


async def explore(ctx: FeedContext, candidates: list[Candidate]) -> list[Candidate]:
    if not candidates:
        return candidates
    plays, completions = column(ctx, "plays"), column(ctx, "completions")
    alpha, beta = f.completion_posterior(completions, plays)
    graduated = plays >= GRADUATE_PLAYS
    poor = (plays >= MIN_EVIDENCE) & (alpha / (alpha + beta) < DROP_RATE)
    dropped = ~graduated & poor  # explored enough and found wanting
    # Explore what the viewer has not turned away from: new videos, not disliked creators.
    in_pool = (ctx.age_days < FRESH_DAYS) & ~graduated & ~poor
    in_pool &= (column(ctx, "creator_affinity") >= 0) & (column(ctx, "tag_affinity") >= 0)
    pool = [c for c in candidates if in_pool[c.row]]
    if pool:
        rows = [c.row for c in pool]
        draws = _RNG.beta(alpha[rows], beta[rows])  # one Thompson draw per arm
        for i in np.argsort(-draws)[: math.ceil(ctx.limit * EXPLORE_SHARE)]:
            pool[i].explore = True
    return [c for c in candidates if not dropped[c.row]]


async def diversify(ctx: FeedContext, candidates: list[Candidate]) -> list[Candidate]:
    """Best first within the caps (per creator, per hashtag); exploration picks spread through
    the page. The caps are soft only when the candidates cannot fill the page otherwise."""
    exploit = sorted((c for c in candidates if not c.explore), key=lambda c: -c.score)
    explore_picks = [c for c in candidates if c.explore]
    page: list[Candidate] = []
    max_creator = max(1, int(ctx.limit * CREATOR_SHARE))
    max_tag = max(1, int(ctx.limit * HASHTAG_SHARE))
    per_creator: dict[int, int] = {}
    per_tag: dict[str, int] = {}

    def fits(c: Candidate) -> bool:
        return per_creator.get(c.author_id, 0) < max_creator and all(
            per_tag.get(t, 0) < max_tag for t in c.hashtags
        )

    def take(c: Candidate) -> None:
        page.append(c)
        per_creator[c.author_id] = per_creator.get(c.author_id, 0) + 1
        for t in c.hashtags:
            per_tag[t] = per_tag.get(t, 0) + 1

    every = max(int(1 / EXPLORE_SHARE), 2)
    while len(page) < ctx.limit and (exploit or explore_picks):
        want_explore = explore_picks and (len(page) % every == every - 1 or not exploit)
        queue = explore_picks if want_explore else exploit
        picked = next((c for c in queue if fits(c)), None)
        if picked is None:
            other = exploit if queue is explore_picks else explore_picks
            picked = next((c for c in other if fits(c)), None)
            queue = other
        if picked is None:
            break
        queue.remove(picked)
        take(picked)
    if len(page) < ctx.limit:  # a catalog too small to fill the page within the caps
        page += sorted(explore_picks + exploit, key=lambda c: -c.score)[: ctx.limit - len(page)]
    for candidate in page:
        if candidate.explore:
            candidate.source, candidate.detail = "explore", "new and finding its audience"
    return page
