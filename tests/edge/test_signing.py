"""Signed media URLs, playlist rewriting and range parsing, as pure functions."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from foryou.edge import media, signing
from foryou.gateway.problems import Problem
from foryou.settings import Settings

SECRET = "edge-secret"


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", **overrides)  # type: ignore[arg-type]


def test_signature_is_md5_base64url_of_the_documented_string() -> None:
    exp, prefix = 1_700_000_000, "/media/videos/42/"
    raw = hashlib.md5(f"1700000000/media/videos/42/ {SECRET}".encode()).digest()
    expected = base64.b64encode(raw).decode().replace("+", "-").replace("/", "_").rstrip("=")
    assert signing.signature(SECRET, exp, prefix) == expected
    assert len(expected) == 22 and "=" not in expected


def test_video_prefix_serves_video_files_but_not_the_original() -> None:
    assert signing.video_prefix("videos/123/hls/360/seg_00001.m4s") == "/media/videos/123/"
    assert signing.video_prefix("videos/123/poster.jpg") == "/media/videos/123/"
    for private in ("videos/123/source", "videos/123/source/part", "models/x.bin", "videos/abc/a"):
        assert signing.video_prefix(private) is None
    assert signing.video_prefix("videos/123") is None


def test_media_url_unsigned_and_signed(tmp_path: Path) -> None:
    plain = _settings(tmp_path)
    assert signing.media_url(plain, "videos/7/hls/master.m3u8") == "/media/videos/7/hls/master.m3u8"

    signed = _settings(tmp_path, media_signing_key=SECRET, media_url_ttl_s=3600)
    url = signing.media_url(signed, "videos/7/poster.jpg", now=1_000_000)
    exp = 1_004_400  # 1_000_000 + 3600, rounded up to the next full hour
    assert exp % 3600 == 0
    assert url == f"/media/videos/7/poster.jpg?exp={exp}&sig=" + signing.signature(
        SECRET, exp, "/media/videos/7/"
    )
    # on the hour stays on the hour
    assert signing.expiry(3600, now=3600 * 10) == 3600 * 11
    with pytest.raises(ValueError):
        signing.media_url(signed, "videos/7/source")


def test_verify() -> None:
    prefix = "/media/videos/9/"
    exp = 2_000_000_000
    sig = signing.signature(SECRET, exp, prefix)
    assert signing.verify(SECRET, prefix, str(exp), sig, now=1_000) == exp

    def refused(exp_arg: str | None, sig_arg: str | None, now: float = 1_000) -> Problem:
        with pytest.raises(Problem) as caught:
            signing.verify(SECRET, prefix, exp_arg, sig_arg, now=now)
        assert caught.value.status == 403
        return caught.value

    assert refused(None, None).kind == "unsigned-url"
    assert refused(str(exp), sig[:-1] + ("A" if sig[-1] != "A" else "B")).kind == "bad-signature"
    assert refused(str(exp + 1), sig).kind == "bad-signature"
    assert refused("0" + str(exp), sig).kind == "bad-signature"  # nginx hashes the raw string
    assert refused("soon", sig).kind == "bad-signature"
    assert refused(str(exp), signing.signature(SECRET, exp, "/media/videos/10/")).kind == (
        "bad-signature"
    )
    expired = refused(str(exp), sig, now=exp + 1)
    assert expired.kind == "expired-url" and "expired" in expired.detail


def test_sign_playlist_appends_the_query_to_every_uri() -> None:
    playlist = (
        "#EXTM3U\n"
        "#EXT-X-VERSION:7\n"
        '#EXT-X-MAP:URI="init.mp4"\n'
        "#EXTINF:2.000,\n"
        "seg_00001.m4s\n"
        "#EXTINF:2.000,\n"
        "seg_00002.m4s?v=2\n"
        "https://elsewhere.example/seg.m4s\n"
        "#EXT-X-ENDLIST\n"
    )
    out = media.sign_playlist(playlist, "exp=1&sig=abc")
    assert '#EXT-X-MAP:URI="init.mp4?exp=1&sig=abc"' in out
    assert "\nseg_00001.m4s?exp=1&sig=abc\n" in out
    assert "\nseg_00002.m4s?v=2&exp=1&sig=abc\n" in out
    assert "\nhttps://elsewhere.example/seg.m4s\n" in out
    assert "#EXTINF:2.000,\n" in out and out.endswith("#EXT-X-ENDLIST\n")

    master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\r\n360/index.m3u8\r\n"
    assert "360/index.m3u8?exp=1&sig=abc\r\n" in media.sign_playlist(master, "exp=1&sig=abc")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", (0, 9)),
        ("bytes=5-", (5, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=0-1,5-6", None),  # several ranges: the whole body
        ("bytes=9-3", None),  # invalid: ignored
        ("items=0-1", None),
        ("bytes=-", None),
    ],
)
def test_byte_range(header: str | None, expected: tuple[int, int] | None) -> None:
    assert media.byte_range(header, 100) == expected


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0)]
)
def test_byte_range_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Problem) as caught:
        media.byte_range(header, size)
    assert caught.value.status == 416
    assert caught.value.headers["Content-Range"] == f"bytes */{size}"


def test_cache_policy_and_types() -> None:
    assert media.cache_control("videos/1/hls/master.m3u8") == "public, max-age=2"
    for key in (
        "videos/1/hls/360/seg_00001.m4s",
        "videos/1/hls/360/init.mp4",
        "videos/1/poster.jpg",
    ):
        assert media.cache_control(key) == "public, max-age=31536000, immutable"
    assert media.content_type("videos/1/hls/360/seg_00001.m4s") == "video/iso.segment"
    assert media.content_type("videos/1/thumb.webp") == "image/webp"
    assert media.content_type("videos/1/blob") == "application/octet-stream"
