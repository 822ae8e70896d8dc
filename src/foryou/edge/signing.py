"""Signed, expiring media URLs in the form nginx's ``secure_link`` module checks.

A URL carries ``?exp=<unix seconds>&sig=<sig>`` with
``sig = base64url_nopad(md5(f"{exp}{prefix} {secret}"))``, where ``prefix`` is the video's
directory, ``/media/videos/{id}/``. The directory is signed rather than each file because
HLS playlists name their segments by relative URI: one signature covers every file of a
video. The nginx side is ``secure_link $arg_sig,$arg_exp;`` with
``secure_link_md5 "$arg_exp$video_prefix <secret>";``.

MD5 is what ``secure_link`` speaks; the secret stays server-side and URLs expire, which is
the protection asked of it (hot-link and scrape resistance, not confidentiality).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import time

from foryou.gateway.problems import Problem
from foryou.settings import Settings

MEDIA_PATH = "/media/"
# videos/{id}/<file or dir>/...; the id is a decimal video id.
_VIDEO_KEY = re.compile(r"^videos/([0-9]{1,20})/([^/]+)(/.*)?$")
_PRIVATE = "source"  # the original upload, videos/{id}/source: never served
_EXP = re.compile(r"^[1-9][0-9]{0,11}$")  # as str(int) writes it: what nginx hashes


def video_prefix(key: str) -> str | None:
    """``/media/videos/{id}/`` for a servable key, None for a key /media must not serve."""
    match = _VIDEO_KEY.match(key)
    if match is None:
        return None
    first = match.group(2)
    if first == _PRIVATE or first.startswith(_PRIVATE + "."):
        return None
    return f"{MEDIA_PATH}videos/{match.group(1)}/"


def signature(secret: str, exp: int, prefix: str) -> str:
    digest = hashlib.md5(f"{exp}{prefix} {secret}".encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def expiry(ttl_s: int, now: float | None = None) -> int:
    """``now + ttl_s`` rounded up to the next full hour, so URLs stay cacheable for an hour."""
    at = time.time() if now is None else now
    return math.ceil((at + ttl_s) / 3600) * 3600


def media_url(settings: Settings, key: str, now: float | None = None) -> str:
    """The path clients fetch ``key`` from: ``/media/{key}``, signed when signing is on."""
    prefix = video_prefix(key)
    if prefix is None:
        raise ValueError(f"{key!r} is not a servable media key")
    path = MEDIA_PATH + key
    if not settings.media_signing_key:
        return path
    exp = expiry(settings.media_url_ttl_s, now)
    return f"{path}?exp={exp}&sig={signature(settings.media_signing_key, exp, prefix)}"


def verify(
    secret: str, prefix: str, exp: str | None, sig: str | None, now: float | None = None
) -> int:
    """The expiry of a valid signature; raises a 403 Problem otherwise."""
    if not exp or not sig:
        raise Problem(403, "this media URL needs a signature (exp and sig)", kind="unsigned-url")
    expected = signature(secret, int(exp), prefix) if _EXP.match(exp) else ""
    given = sig.encode("utf-8", "replace")
    if not expected or not hmac.compare_digest(expected.encode(), given):
        raise Problem(403, "the media URL's signature does not match", kind="bad-signature")
    if int(exp) < (time.time() if now is None else now):  # nginx: expired when exp < now
        raise Problem(
            403,
            "the media URL has expired; fetch the video again for a fresh one",
            kind="expired-url",
        )
    return int(exp)
