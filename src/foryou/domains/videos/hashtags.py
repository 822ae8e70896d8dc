"""Hashtags as written in captions: ``#Word`` → ``word``, first mention first, no repeats."""

from __future__ import annotations

import re

_HASHTAG = re.compile(r"#(\w{1,100})", re.UNICODE)
MAX_HASHTAGS = 30


def extract(caption: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in _HASHTAG.finditer(caption):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)[:MAX_HASHTAGS]
