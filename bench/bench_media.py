"""Media benchmark: upload → first playable → all rungs, against raw ffmpeg, plus picture quality.

    .venv/bin/python bench/bench_media.py [--durations 15,30,60] [--repeats 3]

What it does, in order (every loop is bounded in time and count; all traffic is on 127.0.0.1):

1. Source clips, made with the pipeline's own ffmpeg (``foryou.media.ffmpeg.ffmpeg_exe()``):
   1080×1920 portrait, 30 fps, AAC stereo sine tone; the picture is ``testsrc2`` (moving
   colour bars, a counter and a gradient) with ``noise=alls=3:allf=t`` (temporal uniform
   noise, a fresh grain pattern every frame, like a phone sensor in indoor light), encoded with
   libx264 ``-preset fast -crf 18``: about 13 Mbit/s, a phone's 1080p30 bit rate. They are
   cached in ``bench/results/media_src/`` (git-ignored), keyed by duration.
2. A real ``foryou serve --data-dir <fresh tmp> --port <free>`` on the embedded defaults (one
   embedded media worker). One account signs up. A 2 s warm-up clip is uploaded first and its
   times are reported apart (the worker's first job pays one-off costs such as loading the
   nudity model); then each clip is uploaded ``--repeats`` times, one upload at a time.
   t0 = the 202 of ``POST /api/v1/videos`` arrived (upload complete). Then
   ``GET /api/v1/videos/{id}`` every 100 ms: first playable = first answer with
   ``playback.hls``; all rungs = first answer with status ``ready`` and as many
   ``playback.renditions`` as ``ladder(1080, 1920, 30)`` has rungs.
3. Raw ffmpeg baseline, in the same run, right after each upload has finished (same load):
   one plain ffmpeg command that decodes the source once and encodes the same rungs with the
   same settings as ``foryou.media.ffmpeg.hls`` (bicubic scale, libx264 with the pipeline's
   preset, CRF 23, maxrate/bufsize per rung, 2 s closed GOPs with a keyframe at 1 s, AAC, HLS
   fMP4 with a 1 s first segment). No stills, no probe, no screening, no blob upload.
4. Quality (first repeat of each duration): each rung of the foryou output
   (``<data-dir>/blobs/videos/<id>/hls/<rung>/init.mp4 + seg_*.m4s``) against the source
   scaled down to the rung's size (bicubic), with ffmpeg's ``ssim`` and ``psnr`` filters.
5. Stage breakdown (once per duration, no server): probe, the stills pass (``hls.stills_pass``),
   screening (perceptual hash + nudity model, in a fresh process: cold, then warm), and the
   pipeline's one-decode ladder pass (``hls.ladder_pass``), with the moment its lowest rung's
   first segment is listed in its playlist.

Noise: "other cores" is the machine's busy CPU (``/proc/stat``) minus the server's process
group (its ffmpeg children included) and minus this script, per second of the measurement.
The load average is no guide here: x264's many threads inflate it on their own.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from foryou.media import pipeline
from foryou.media.ffmpeg import ffmpeg_exe, hls
from foryou.media.ffmpeg.probe import probe
from foryou.media.ladder import Rung, ladder

BENCH_DIR = Path(__file__).resolve().parent
SRC_CACHE = BENCH_DIR / "results" / "media_src"
FORYOU = Path(sys.executable).with_name("foryou")
WIDTH, HEIGHT, FPS = 1080, 1920, 30
NOISE = 3
FIRST_TARGET_S = 5.0  # first playable, 30 s clip
RATIO_TARGET = 1.25  # all rungs / raw ffmpeg
ALL_P95_TARGET_S = 30.0  # all rungs p95, 30 s clip
SSIM_TARGET = 0.95  # top rung
POLL_S = 0.1

console = Console(width=170)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine_busy_seconds() -> float:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def group_cpu_seconds(pgid: int) -> float:
    """user+system CPU seconds of the live processes in one process group (the server's)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    return total / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """This process and its waited-for children (raw ffmpeg runs)."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (with 3 samples, p95 is the max)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def ff(args: list[str], timeout: float) -> tuple[float, str]:
    """Run ffmpeg, return (wall seconds, stderr)."""
    t = time.perf_counter()
    r = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {r.stderr[-2000:]}")
    return wall, r.stderr


# --------------------------------------------------------------------------- sources


def make_source(seconds: float, size: tuple[int, int] = (WIDTH, HEIGHT)) -> tuple[Path, float]:
    """(path, seconds spent making it; 0 when cached)."""
    SRC_CACHE.mkdir(parents=True, exist_ok=True)
    w, h = size
    path = SRC_CACHE / f"src_{w}x{h}_{seconds:g}s_n{NOISE}.mp4"
    if path.exists() and path.stat().st_size > 0:
        return path, 0.0
    tmp = path.with_suffix(".part.mp4")
    wall, _ = ff(
        [
            "-loglevel", "error",
            "-f", "lavfi", "-i", f"testsrc2=size={w}x{h}:rate={FPS},noise=alls={NOISE}:allf=t",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", f"{seconds:g}",
            "-c:v", "libx264", "-preset", "fast", "-crf", "18", "-pix_fmt", "yuv420p",
            "-g", "60", "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-shortest",
            "-movflags", "+faststart", str(tmp),
        ],
        timeout=60 + seconds * 30,
    )  # fmt: skip
    tmp.rename(path)
    return path, wall


# --------------------------------------------------------------------------- raw baseline


def raw_ladder_args(source: Path, rungs: list[Rung], out: Path, preset: str) -> list[str]:
    """One plain ffmpeg command: one decode, every rung, the pipeline's encoder settings."""
    graph = "[0:v:0]split=" + str(len(rungs)) + "".join(f"[s{i}]" for i in range(len(rungs)))
    for i, r in enumerate(rungs):
        graph += f";[s{i}]scale={r.width}:{r.height}:flags=bicubic,setsar=1,format=yuv420p[v{i}]"
    args = ["-loglevel", "error", "-i", str(source), "-filter_complex", graph]
    for i, r in enumerate(rungs):
        d = out / r.name
        d.mkdir(parents=True, exist_ok=True)
        args += [
            "-map", f"[v{i}]", "-map", "0:a:0",
            "-c:v", "libx264", "-preset", preset, "-profile:v", "high", "-crf", "23",
            "-maxrate", f"{r.video_kbps}k", "-bufsize", f"{r.video_kbps * 2}k",
            "-g", str(round(r.fps * hls.SEGMENT_S)), "-sc_threshold", "0", "-flags", "+cgop",
            "-force_key_frames", hls.KEYFRAMES,
            "-c:a", "aac", "-b:a", f"{r.audio_kbps}k", "-ac", "2", "-ar", "48000", "-shortest",
            "-f", "hls", "-hls_time", str(hls.SEGMENT_S), "-hls_init_time",
            str(hls.FIRST_SEGMENT_S), "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
            "-hls_flags", "independent_segments", "-hls_fmp4_init_filename", "init.mp4",
            "-hls_segment_filename", str(d / "seg_%05d.m4s"), str(d / "index.m3u8"),
        ]  # fmt: skip
    return args


def run_raw(source: Path, rungs: list[Rung], seconds: float) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-media-raw-") as tmp:
        wall, _ = ff(
            raw_ladder_args(source, rungs, Path(tmp), preset()),
            timeout=120 + seconds * 30,
        )
    return wall


# --------------------------------------------------------------------------- quality


def rung_file(rung_dir: Path, out: Path) -> Path:
    """init.mp4 + the segments in order: one playable fragmented MP4."""
    with out.open("wb") as f:
        f.write((rung_dir / "init.mp4").read_bytes())
        for seg in sorted(rung_dir.glob("seg_*.m4s")):
            f.write(seg.read_bytes())
    return out


SSIM_RE = re.compile(r"SSIM Y:([\d.]+).*?All:([\d.]+)")
PSNR_RE = re.compile(r"PSNR y:([\d.inf]+).*?average:([\d.inf]+)")


def quality(source: Path, hls_dir: Path, rungs: list[Rung], seconds: float) -> dict[str, Any]:
    """Per rung: SSIM (Y, All) and PSNR (Y, average) vs the source downscaled to the rung."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-media-q-") as tmp:
        for r in rungs:
            dist = rung_file(hls_dir / r.name, Path(tmp) / f"{r.name}.mp4")
            graph = (
                f"[0:v:0]scale={r.width}:{r.height}:flags=bicubic,setsar=1,format=yuv420p,"
                "setpts=PTS-STARTPTS,split[ref1][ref2];"
                "[1:v:0]format=yuv420p,setsar=1,setpts=PTS-STARTPTS,split[d1][d2];"
                "[d1][ref1]ssim;[d2][ref2]psnr"
            )
            wall, err = ff(
                ["-loglevel", "info", "-i", str(source), "-i", str(dist),
                 "-filter_complex", graph, "-f", "null", "-"],
                timeout=120 + seconds * 20,
            )  # fmt: skip
            s, p = SSIM_RE.search(err), PSNR_RE.search(err)
            out[r.name] = {
                "ssim_y": float(s.group(1)) if s else float("nan"),
                "ssim_all": float(s.group(2)) if s else float("nan"),
                "psnr_y": float(p.group(1)) if p else float("nan"),
                "psnr_avg": float(p.group(2)) if p else float("nan"),
                "kbps": dist.stat().st_size * 8 / 1000 / seconds,
                "wall": wall,
            }
    return out


# --------------------------------------------------------------------------- stage breakdown

SCREEN_SNIPPET = """
import sys, time, json
from pathlib import Path
t = time.perf_counter()
from foryou.media import screening
frames = sorted(Path(sys.argv[1]).glob('*.jpg'))
t_imp = time.perf_counter()
screening.perceptual_hash(frames)
t_hash = time.perf_counter()
screening.nudity_signals(frames, 0.6)
t_cold = time.perf_counter()
screening.nudity_signals(frames, 0.6)
t_warm = time.perf_counter()
print(json.dumps({'import': t_imp - t, 'phash': t_hash - t_imp,
                  'nudity_cold': t_cold - t_hash, 'nudity_warm': t_warm - t_cold}))
"""


def breakdown(source: Path, seconds: float) -> dict[str, float]:
    """The pipeline's stages with its own ffmpeg arguments, timed one by one (no server)."""
    import json

    out: dict[str, float] = {}
    t = time.perf_counter()
    p = probe(source, scan_limit_s=601)
    out["probe"] = time.perf_counter() - t
    rungs = ladder(p.width, p.height, p.fps)
    limit = 120 + seconds * 30
    with tempfile.TemporaryDirectory(prefix="bench-media-bd-") as tmp:
        work = Path(tmp)
        stills = hls.Stills(work / "poster.jpg", work / "thumb.jpg", work / "frames")
        stills.frames_dir.mkdir()
        out["stills"], _ = ff(["-loglevel", "error", *hls.stills_pass(source, p, stills)], limit)
        r = subprocess.run(
            [sys.executable, "-c", SCREEN_SNIPPET, str(stills.frames_dir)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if r.returncode == 0:
            out.update({f"screen_{k}": v for k, v in json.loads(r.stdout).items()})
        else:
            console.print(f"[yellow]screening timing failed: {r.stderr[-500:]}")
        dirs = [work / r.name for r in rungs]
        for d in dirs:
            d.mkdir()
        args = hls.ladder_pass(source, p, rungs, dirs, preset())
        t = time.perf_counter()
        proc = subprocess.Popen(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        playlist = dirs[0] / "index.m3u8"
        while proc.poll() is None and time.perf_counter() - t < limit:
            if "first_segment" not in out and playlist.exists() and ".m4s" in playlist.read_text():
                out["first_segment"] = time.perf_counter() - t  # listed = complete (temp_file)
            time.sleep(0.02)
        proc.wait(timeout=10)
        out["ladder_pass"] = time.perf_counter() - t
    return out


def preset() -> str:
    """The pipeline's x264 preset."""
    return str(pipeline.PRESET)


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir, self.port = data_dir, port
        self.log_path = data_dir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            {
                "FORYOU_DATA_DIR": str(self.data_dir),
                "FORYOU_RATE_LIMIT_CLIENT_PER_MINUTE": "100000000",
                "FORYOU_RATE_LIMIT_USER_PER_MINUTE": "100000000",
                "FORYOU_LOG_LEVEL": "WARNING",
            }
        )
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(FORYOU), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--data-dir", str(self.data_dir)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)  # the group of the child we started
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


@dataclass
class Upload:
    seconds: float
    video_id: str = ""
    upload_s: float = 0.0  # client: request sent → 202 received
    first_s: float = float("nan")  # t0 → playback.hls present
    all_s: float = float("nan")  # t0 → ready with every rung
    raw_s: float = float("nan")
    busy_cores: float = 0.0  # machine-wide busy cores during the foryou processing
    other_cores: float = 0.0  # of which neither the server (and its ffmpeg) nor this script
    raw_other_cores: float = 0.0  # the same during the raw ffmpeg run
    load: str = ""
    trace: list[tuple[float, str, int]] = field(default_factory=list)


def upload_and_wait(
    client: httpx.Client,
    server_pgid: int,
    token: str,
    source: Path,
    seconds: float,
    n_rungs: int,
    limit_s: float,
) -> Upload:
    u = Upload(seconds)
    data = source.read_bytes()
    busy0, srv0, own0 = machine_busy_seconds(), group_cpu_seconds(server_pgid), own_cpu_seconds()
    t_send = time.perf_counter()
    r = client.post(
        "/api/v1/videos",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": ("clip.mp4", data, "video/mp4")},
        data={"caption": f"bench {seconds:g}s #bench"},
    )
    t0 = time.perf_counter()
    r.raise_for_status()
    u.upload_s = t0 - t_send
    u.video_id = str(r.json()["id"])
    last = ("", -1)
    while time.perf_counter() - t0 < limit_s:
        body = client.get(
            f"/api/v1/videos/{u.video_id}", headers={"Authorization": f"Bearer {token}"}
        ).json()
        now = time.perf_counter() - t0
        pb = body.get("playback") or {}
        n = len(pb.get("renditions") or [])
        if (body["status"], n) != last:
            last = (body["status"], n)
            u.trace.append((round(now, 2), body["status"], n))
        if body["status"] in ("refused", "failed", "rejected"):
            raise RuntimeError(f"video {u.video_id}: {body['status']}: {body['status_detail']}")
        if pb.get("hls") and u.first_s != u.first_s:
            u.first_s = now
        if body["status"] == "ready" and n >= n_rungs:
            u.all_s = now
            break
        time.sleep(POLL_S)
    else:
        raise RuntimeError(f"video {u.video_id} not done after {limit_s:g} s: {u.trace}")
    wall = time.perf_counter() - t_send
    busy = machine_busy_seconds() - busy0
    ours = group_cpu_seconds(server_pgid) - srv0 + own_cpu_seconds() - own0
    u.busy_cores, u.other_cores = busy / wall, max(0.0, busy - ours) / wall
    u.load = loadavg()
    return u


# --------------------------------------------------------------------------- main


def fmt(x: float, nd: int = 2) -> str:
    return "-" if x != x else f"{x:.{nd}f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--durations", default="15,30,60")
    ap.add_argument("--repeats", type=int, default=0, help="0: 3 for ≤30 s clips, 1 for longer")
    ap.add_argument("--no-quality", action="store_true")
    ap.add_argument("--no-breakdown", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the server's data dir")
    a = ap.parse_args()
    durations = [float(x) for x in a.durations.split(",") if x]
    rungs = ladder(WIDTH, HEIGHT, FPS)
    console.print(
        f"machine: nproc={os.cpu_count()}, load average {loadavg()}; ffmpeg {ffmpeg_exe()}; "
        f"x264 preset {preset()}; "
        f"ladder {[f'{r.name}:{r.width}x{r.height}@{r.video_kbps}k' for r in rungs]}"
    )

    sources: dict[float, Path] = {}
    for d in [2.0, *durations]:
        size = (360, 640) if d == 2.0 else (WIDTH, HEIGHT)
        path, made = make_source(d, size)
        sources[d] = path
        console.print(
            f"source {d:g}s: {path.name} {path.stat().st_size / 1e6:.1f} MB "
            f"({path.stat().st_size * 8 / 1e6 / d:.1f} Mbit/s)"
            + (f", made in {made:.1f} s" if made else ", cached")
        )

    data_dir = Path(tempfile.mkdtemp(prefix="bench-media-"))
    server = Server(data_dir, free_port())
    results: dict[float, list[Upload]] = {d: [] for d in durations}
    qual: dict[float, dict[str, Any]] = {}
    bds: dict[float, dict[str, float]] = {}
    warm: Upload | None = None
    try:
        server.start()
        console.print(f"server {server.url}, data dir {data_dir}")
        with httpx.Client(base_url=server.url, timeout=120) as client:
            r = client.post(
                "/api/v1/auth/signup",
                json={"username": f"mbench{int(time.time()) % 100000}", "password": "bench-pw-123"},
            )
            r.raise_for_status()
            token = r.json()["access_token"]
            assert server.proc is not None
            pgid = server.proc.pid  # start_new_session: the server leads its own group
            warm = upload_and_wait(client, pgid, token, sources[2.0], 2.0, 1, 300)
            console.print(
                f"warm-up 2 s 360x640: first {warm.first_s:.2f} s, all {warm.all_s:.2f} s"
            )
            for d in durations:
                reps = a.repeats or (3 if d <= 30 else 1)
                for i in range(reps):
                    u = upload_and_wait(
                        client, pgid, token, sources[d], d, len(rungs), 120 + d * 20
                    )
                    busy0, own0, t_raw = (
                        machine_busy_seconds(),
                        own_cpu_seconds(),
                        time.perf_counter(),
                    )
                    u.raw_s = run_raw(sources[d], rungs, d)
                    busy, ours = machine_busy_seconds() - busy0, own_cpu_seconds() - own0
                    u.raw_other_cores = max(0.0, busy - ours) / (time.perf_counter() - t_raw)
                    results[d].append(u)
                    console.print(
                        f"{d:g}s #{i + 1}: upload {u.upload_s:.2f} s, first playable "
                        f"{u.first_s:.2f} s, all rungs {u.all_s:.2f} s, "
                        f"raw ffmpeg {u.raw_s:.2f} s, "
                        f"busy {u.busy_cores:.2f} cores (other {u.other_cores:.2f}, during raw "
                        f"{u.raw_other_cores:.2f}), load {u.load}; trace {u.trace}"
                    )
                if not a.no_quality:
                    vid = results[d][0].video_id
                    qual[d] = quality(
                        sources[d], data_dir / "blobs" / "videos" / vid / "hls", rungs, d
                    )
                    console.print(f"quality {d:g}s: {qual[d]}")
                if not a.no_breakdown:
                    bds[d] = breakdown(sources[d], d)
                    console.print(f"breakdown {d:g}s: {bds[d]}")
    finally:
        server.stop()
        if not a.keep:
            shutil.rmtree(data_dir, ignore_errors=True)

    # ------------------------------------------------------------------ tables
    t = Table(
        title=f"foryou media pipeline vs raw ffmpeg, 1080×1920 30 fps, nproc={os.cpu_count()}"
    )
    for col in ["clip", "n", "upload s", "first p50", "first p95", "first max", "all p50",
                "all p95", "all max", "raw ffmpeg p50", "all/raw (p50)", "busy cores",
                "other cores foryou/raw",
                "targets", "met"]:  # fmt: skip
        t.add_column(col, justify="right")
    for d, us in results.items():
        if not us:
            continue
        firsts, alls, raws = [u.first_s for u in us], [u.all_s for u in us], [u.raw_s for u in us]
        ratio = statistics.median(alls) / statistics.median(raws)
        targets, met = [], []
        if d == 30:
            targets.append("first p95 < 5 s")
            met.append("yes" if pct(firsts, 95) < FIRST_TARGET_S else "NO")
            targets.append("all p95 < 30 s")
            met.append("yes" if pct(alls, 95) < ALL_P95_TARGET_S else "NO")
        targets.append("all ≤ 1.25× raw")
        met.append("yes" if ratio <= RATIO_TARGET else "NO")
        t.add_row(
            f"{d:g} s", str(len(us)), fmt(statistics.median(u.upload_s for u in us)),
            fmt(pct(firsts, 50)), fmt(pct(firsts, 95)), fmt(max(firsts)),
            fmt(pct(alls, 50)), fmt(pct(alls, 95)), fmt(max(alls)),
            fmt(statistics.median(raws)), fmt(ratio),
            fmt(statistics.mean(u.busy_cores for u in us)),
            fmt(statistics.mean(u.other_cores for u in us))
            + " / "
            + fmt(statistics.mean(u.raw_other_cores for u in us)),
            "\n".join(targets), "\n".join(met),
        )  # fmt: skip
    console.print(t)
    if warm:
        console.print(
            f"warm-up (first job of the server, 2 s 360×640, one rung): first playable "
            f"{warm.first_s:.2f} s, all {warm.all_s:.2f} s"
        )

    if qual:
        q = Table(title="picture quality per rung vs the source scaled to the rung (bicubic)")
        for col in ["clip", "rung", "size", "cap kbit/s", "actual kbit/s", "SSIM Y", "SSIM All",
                    "PSNR Y dB", "PSNR avg dB", "target", "met"]:  # fmt: skip
            q.add_column(col, justify="right")
        for d, per in qual.items():
            for r in rungs:
                m = per[r.name]
                top = r is rungs[-1]
                q.add_row(
                    f"{d:g} s", r.name, f"{r.width}×{r.height}", str(r.video_kbps),
                    f"{m['kbps']:.0f}", f"{m['ssim_y']:.4f}", f"{m['ssim_all']:.4f}",
                    f"{m['psnr_y']:.2f}", f"{m['psnr_avg']:.2f}",
                    f"SSIM ≥ {SSIM_TARGET}" if top else "",
                    ("yes" if m["ssim_all"] >= SSIM_TARGET else "NO") if top else "",
                )  # fmt: skip
        console.print(q)

    if bds:
        b = Table(title="stage breakdown (no server; the pipeline's own ffmpeg args), seconds")
        cols = ["probe", "stills", "screen_import", "screen_phash", "screen_nudity_cold",
                "screen_nudity_warm", "first_segment", "ladder_pass"]  # fmt: skip
        b.add_column("clip", justify="right")
        for c in cols:
            b.add_column(c, justify="right")
        b.add_column("foryou first p50", justify="right")
        b.add_column("foryou all p50", justify="right")
        for d, bd in bds.items():
            b.add_row(
                f"{d:g} s",
                *(fmt(bd.get(c, float("nan"))) for c in cols),
                fmt(pct([u.first_s for u in results[d]], 50)),
                fmt(pct([u.all_s for u in results[d]], 50)),
            )
        console.print(b)
    console.print(f"load average at the end: {loadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
