"""Demo clips drawn by ffmpeg's own sources (lavfi): a pattern per topic, its colours, a
title and the creator's handle when this ffmpeg can draw text, and a sound. Nothing is read
from disk or the network, so every clip comes from its plan alone."""

from __future__ import annotations

import functools
import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from foryou.demo.vocabulary import TOPIC_BY_NAME, Creator, Topic
from foryou.media.ffmpeg import ffmpeg_exe
from foryou.media.ffmpeg.run import run_ffmpeg

WIDTH, HEIGHT = 540, 960  # portrait; the ladder gives it a 360 and a 540 rung
RATE = 30
RENDER_TIMEOUT_S = 120.0
SCALE = (220, 247, 294, 330, 392, 440, 494, 587)  # a pentatonic-ish set of pitches (Hz)


@dataclass(frozen=True)
class ClipPlan:
    index: int
    creator: Creator
    topic: Topic
    title: str
    caption: str
    seconds: float
    video: str  # a lavfi graph
    audio: str  # a lavfi graph

    @property
    def handle(self) -> str:
        return f"@{self.creator.username}"


def _tinted(source: str, colour: str) -> str:
    """A black-and-white source multiplied onto a colour: white turns into the colour."""
    size = f"s={WIDTH}x{HEIGHT}:r={RATE}"
    return (
        f"{source},scale={WIDTH}:{HEIGHT}:flags=neighbor,format=gbrp[a];"
        f"color=c={colour}:{size},format=gbrp[b];[a][b]blend=all_mode=multiply"
    )


def _gradients(rng: random.Random, colours: list[str]) -> str:
    kind = rng.choice(("linear", "radial", "spiral"))
    return (
        f"gradients=s={WIDTH}x{HEIGHT}:r={RATE}:c0={colours[0]}:c1={colours[1]}:"
        f"c2={colours[2 % len(colours)]}:n=3:x0=0:y0=0:x1={WIDTH}:y1={HEIGHT}:"
        f"type={kind}:speed=0.03:seed={rng.randrange(1 << 16)}"
    )


def _testsrc2(rng: random.Random, colours: list[str]) -> str:
    return (
        f"testsrc2=s={WIDTH}x{HEIGHT}:r={RATE},hue=h={rng.randrange(360)}+t*{rng.randrange(20, 90)}"
    )


def _mandelbrot(rng: random.Random, colours: list[str]) -> str:
    return (
        f"mandelbrot=s={WIDTH}x{HEIGHT}:r={RATE}:maxiter=200:"
        f"end_scale={rng.uniform(0.05, 0.5):.3f},"
        f"hue=h={rng.randrange(360)}+t*{rng.randrange(10, 40)}"
    )


def _life(rng: random.Random, colours: list[str]) -> str:
    cell = rng.choice((4, 6, 8))
    return (
        f"life=s={WIDTH // cell}x{HEIGHT // cell}:r={RATE}:ratio={rng.uniform(0.15, 0.35):.2f}:"
        f"mold=8:life_color={colours[0]}:death_color=#14141c:mold_color={colours[1]}:"
        f"seed={rng.randrange(1 << 16)},scale={WIDTH}:{HEIGHT}:flags=neighbor"
    )


def _cellauto(rng: random.Random, colours: list[str]) -> str:
    rule = rng.choice((30, 90, 110, 150))
    source = (
        f"cellauto=s={WIDTH // 4}x{HEIGHT // 4}:r={RATE}:rule={rule}:seed={rng.randrange(1 << 16)}"
    )
    return _tinted(source, colours[0])


def _sierpinski(rng: random.Random, colours: list[str]) -> str:
    kind = rng.choice(("carpet", "triangle"))
    source = f"sierpinski=s={WIDTH}x{HEIGHT}:r={RATE}:type={kind}:seed={rng.randrange(1 << 16)}"
    return _tinted(source, colours[0])


PATTERNS: dict[str, Callable[[random.Random, list[str]], str]] = {
    "gradients": _gradients,
    "testsrc2": _testsrc2,
    "mandelbrot": _mandelbrot,
    "life": _life,
    "cellauto": _cellauto,
    "sierpinski": _sierpinski,
}


def _sound(kind: str, rng: random.Random) -> str:
    pitch = rng.choice(SCALE)
    if kind == "noise":  # wind and wheels
        return f"anoisesrc=color=pink:amplitude=0.12:seed={rng.randrange(1 << 16)}"
    if kind == "beeps":  # an interval timer
        return f"sine=frequency={pitch * 2}:beep_factor=4:sample_rate=44100"
    if kind == "chord":  # a major triad pulsing twice a second
        notes = "+".join(f"sin(2*PI*{pitch * r:.1f}*t)" for r in (1, 1.26, 1.5))
        return f"aevalsrc=0.15*({notes})*(0.6+0.4*sin(2*PI*2*t)):s=44100"
    return f"sine=frequency={pitch}:sample_rate=44100"


SOUNDS = ("tone", "noise", "beeps", "chord")


def plan(count: int, creators: tuple[Creator, ...], seed: int) -> list[ClipPlan]:
    """``count`` clips, dealt round-robin over the creators, each on one of their topics."""
    rng = random.Random(seed)
    plans: list[ClipPlan] = []
    for index in range(count):
        creator = creators[index % len(creators)]
        topic = TOPIC_BY_NAME[rng.choice(creator.topics)]
        colours = rng.sample(topic.palette, len(topic.palette))
        earlier = sum(p.topic is topic for p in plans)  # titles take turns within a topic
        title = topic.titles[earlier % len(topic.titles)]
        tags = [topic.name, *rng.sample(topic.hashtags, 2)]
        caption = f"{title}: {rng.choice(topic.phrases)} " + " ".join(f"#{t}" for t in tags)
        plans.append(
            ClipPlan(
                index=index,
                creator=creator,
                topic=topic,
                title=title,
                caption=caption,
                seconds=rng.choice((4, 5, 6, 7, 8)),
                video=PATTERNS[topic.look](rng, colours),
                audio=_sound(topic.sound, rng),
            )
        )
    return plans


@functools.cache
def can_draw_text() -> bool:
    """Whether this ffmpeg has drawtext and a font to draw with (fontconfig finds one)."""
    probe = [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=s=64x64:d=0.1"]
    probe += ["-vf", "drawtext=text=ok", "-f", "null", "-"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _overlay(clip: ClipPlan, work: Path) -> str:
    """The title near the top and the handle near the bottom, read from files so that no
    caption character needs escaping in the filter graph."""
    title, handle = work / f"{clip.index}-title.txt", work / f"{clip.index}-handle.txt"
    title.write_text(clip.title)
    handle.write_text(clip.handle)
    box = "fontcolor=white:box=1:boxcolor=black@0.45:boxborderw=12:x=(w-tw)/2"
    size = min(HEIGHT // 18, WIDTH * 8 // (5 * len(clip.title)))  # a long title fits the width
    return (
        f"drawtext=textfile='{title}':fontsize={size}:y=h*0.16:{box},"
        f"drawtext=textfile='{handle}':fontsize=h/30:y=h*0.84:{box},"
    )


async def render(clip: ClipPlan, out: Path, *, text: bool) -> Path:
    """Encode the clip to ``out`` (H.264 + AAC in MP4, as a phone would upload it)."""
    overlay = _overlay(clip, out.parent) if text else ""
    args = ["-y", "-f", "lavfi", "-t", str(clip.seconds), "-i", clip.video]
    args += ["-f", "lavfi", "-t", str(clip.seconds), "-i", clip.audio]
    args += ["-vf", f"{overlay}format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast"]
    args += ["-crf", "26", "-g", str(2 * RATE), "-c:a", "aac", "-b:a", "96k", "-shortest"]
    args += ["-movflags", "+faststart", str(out)]
    await run_ffmpeg(args, timeout_s=RENDER_TIMEOUT_S)
    return out
