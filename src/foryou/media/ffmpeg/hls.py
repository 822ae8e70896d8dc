"""ffmpeg arguments for the HLS ladder (CMAF/fMP4, closed 2 s GOPs, a 1 s first segment)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from foryou.media.ffmpeg.probe import Probe
from foryou.media.ladder import Rung

SEGMENT_S = 2
FIRST_SEGMENT_S = 1
# A keyframe at 0, at 1 s, then every 2 s: the first segment is short for a fast start.
KEYFRAMES = f"expr:gte(t,{FIRST_SEGMENT_S}+(n_forced-1)*{SEGMENT_S})"


@dataclass(frozen=True)
class Stills:
    """Poster, thumbnail and the keyframes screening looks at."""

    poster: Path
    thumb: Path
    frames_dir: Path
    frame_count: int = 4


def input_args(source: Path, probe: Probe) -> list[str]:
    args = ["-i", str(source)]
    if not probe.has_audio:  # every rung carries audio, so players never switch layouts
        args += ["-f", "lavfi", "-i", "anullsrc=channel_layout=stereo:sample_rate=48000"]
    return args


def _audio_map(probe: Probe) -> str:
    return f"0:{probe.audio_index}" if probe.has_audio else "1:a:0"


def _scale(rung: Rung, source_fps: float) -> str:
    chain = f"scale={rung.width}:{rung.height}:flags=bicubic,setsar=1"
    if source_fps > rung.fps + 0.5:
        chain += f",fps={rung.fps:g}"
    return chain + ",format=yuv420p"


def _video_codec_args(codec: str, rung: Rung, preset: str, gop: int) -> list[str]:
    if codec == "hevc":  # ~30 % fewer bits for the same picture; tagged hvc1 for Apple players
        kbps = rung.video_kbps * 7 // 10
        params = f"keyint={gop}:min-keyint=1:scenecut=0:open-gop=0:log-level=error"
        args = ["-c:v", "libx265", "-preset", preset, "-crf", "26", "-tag:v", "hvc1"]
        args += ["-x265-params", params]
    else:
        kbps = rung.video_kbps
        args = ["-c:v", "libx264", "-preset", preset, "-profile:v", "high", "-crf", "23"]
        args += ["-sc_threshold", "0", "-flags", "+cgop"]
    return [*args, "-maxrate", f"{kbps}k", "-bufsize", f"{kbps * 2}k", "-g", str(gop)]


def _rung_output(
    rung: Rung, label: str, probe: Probe, out_dir: Path, preset: str, codec: str = "h264"
) -> list[str]:
    gop = max(1, round(rung.fps * SEGMENT_S))
    return [
        "-map",
        f"[{label}]",
        "-map",
        _audio_map(probe),
        *_video_codec_args(codec, rung, preset, gop),
        "-force_key_frames",
        KEYFRAMES,
        "-c:a",
        "aac",
        "-b:a",
        f"{rung.audio_kbps}k",
        "-ac",
        "2",
        "-ar",
        "48000",
        "-shortest",
        "-f",
        "hls",
        "-hls_time",
        str(SEGMENT_S),
        "-hls_init_time",
        str(FIRST_SEGMENT_S),
        "-hls_playlist_type",
        "event",  # rewritten as VOD once complete; meanwhile the first rung is already live
        "-hls_segment_type",
        "fmp4",
        "-hls_flags",
        "independent_segments+temp_file",  # a listed segment is a complete one
        "-hls_fmp4_init_filename",
        "init.mp4",
        "-hls_segment_filename",
        str(out_dir / "seg_%05d.m4s"),
        str(out_dir / "index.m3u8"),
    ]


def stills_pass(source: Path, probe: Probe, stills: Stills) -> list[str]:
    """Poster and thumbnail from the opening seconds, and keyframes across the clip for
    screening; input seeking decodes only a few frames, so this takes a fraction of a second."""
    args = ["-t", "4", "-i", str(source)]
    for index in range(stills.frame_count):
        at = probe.duration_s * (index + 0.5) / stills.frame_count
        args += ["-ss", f"{at:.3f}", "-i", str(source)]
    fit = "force_original_aspect_ratio=decrease:force_divisible_by=2"
    # the most representative of the opening frames: never a black fade-in
    graph = (
        f"[0:{probe.video_index}]thumbnail=n=60,split=2[p][t];"
        f"[p]scale=720:720:{fit},setsar=1[poster];[t]scale=240:240:{fit},setsar=1[thumb]"
    )
    outputs = [("[poster]", stills.poster), ("[thumb]", stills.thumb)]
    for index in range(stills.frame_count):
        graph += f";[{index + 1}:{probe.video_index}]scale=320:320:{fit},setsar=1[f{index}]"
        outputs.append((f"[f{index}]", stills.frames_dir / f"frame_{index:02d}.jpg"))
    args += ["-filter_complex", graph]
    for label, path in outputs:
        args += ["-map", label, "-frames:v", "1", "-q:v", "3", "-update", "1", str(path)]
    return args


def ladder_pass(
    source: Path,
    probe: Probe,
    rungs: list[Rung],
    out_dirs: list[Path],
    preset: str,
    codec: str = "h264",
) -> list[str]:
    """Every rung from one decode of the source; playlists grow as segments are written."""
    labels = [f"r{i}" for i in range(len(rungs))]
    graph = f"[0:{probe.video_index}]split={len(rungs)}" + "".join(f"[s{i}]" for i in labels)
    for rung, label in zip(rungs, labels, strict=True):
        graph += f";[s{label}]{_scale(rung, probe.fps)}[{label}]"
    args = [*input_args(source, probe), "-filter_complex", graph]
    for rung, label, out_dir in zip(rungs, labels, out_dirs, strict=True):
        args += _rung_output(rung, label, probe, out_dir, preset, codec)
    return args
