"""The ladder, validation and playlists: pure functions, checked without ffmpeg."""

from __future__ import annotations

from foryou.media.ffmpeg.playlists import Variant, master_playlist, video_codec_of
from foryou.media.ffmpeg.probe import Probe
from foryou.media.ladder import ladder
from foryou.media.validate import refusal


def test_rungs_follow_the_short_edge_and_never_upscale() -> None:
    portrait = ladder(1080, 1920, 30)
    assert [(r.width, r.height) for r in portrait] == [
        (360, 640),
        (540, 960),
        (720, 1280),
        (1080, 1920),
    ]
    landscape = ladder(1280, 720, 30)
    assert [(r.width, r.height) for r in landscape] == [(640, 360), (960, 540), (1280, 720)]
    assert [(r.width, r.height) for r in ladder(176, 144, 15)] == [(176, 144)]  # one rung, as is
    assert [r.name for r in ladder(2160, 3840, 60)] == ["360", "540", "720", "1080"]
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in ladder(1137, 640, 30))


def test_frame_rate_is_capped_at_60_and_high_rates_get_more_bits() -> None:
    fast = ladder(720, 1280, 120)
    assert {r.fps for r in fast} == {60}
    assert fast[0].video_kbps > ladder(720, 1280, 30)[0].video_kbps


def _probe(**fields: object) -> Probe:
    base: dict[str, object] = {
        "readable": True,
        "has_video": True,
        "video_decodable": True,
        "width": 1080,
        "height": 1920,
        "duration_s": 12.0,
        "frames": 360,
        "fps": 30.0,
    }
    return Probe(**{**base, **fields})  # type: ignore[arg-type]


def test_each_class_of_bad_file_has_its_own_reason() -> None:
    assert refusal(_probe(), max_seconds=600) is None
    reasons = {
        "unreadable": refusal(_probe(readable=False), max_seconds=600),
        "audio only": refusal(_probe(has_video=False, has_audio=True), max_seconds=600),
        "no streams": refusal(_probe(has_video=False), max_seconds=600),
        "undecodable": refusal(_probe(video_decodable=False), max_seconds=600),
        "no duration": refusal(_probe(duration_s=0.0), max_seconds=600),
        "too long": refusal(_probe(duration_s=601.0), max_seconds=600),
        "over 4K": refusal(_probe(width=4320, height=7680), max_seconds=600),
        "absurd fps": refusal(_probe(fps=1000.0), max_seconds=600),
    }
    assert all(reasons.values()), reasons
    assert len(set(reasons.values())) == len(reasons)  # each says something different
    assert reasons["too long"] == "longer than 10 minutes"
    assert refusal(_probe(width=2160, height=3840), max_seconds=600) is None  # 4K itself is fine


def test_codecs_come_from_the_init_segment() -> None:
    avcc = b"....avcC\x01\x64\x00\x1f\xff"
    assert video_codec_of(avcc) == "avc1.64001f"
    master = master_playlist(
        [Variant("360/index.m3u8", 360, 640, 800_000, "avc1.64001e,mp4a.40.2", 30.0)]
    )
    assert master.splitlines()[3] == (
        "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=360x640,"
        'CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=30.000'
    )
