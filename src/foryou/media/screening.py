"""Automatic moderation screening of a clip: nudity in keyframes, blocked caption words, and a
perceptual hash to refuse re-uploads of rejected clips.

Pure: plain arguments (keyframe JPEG paths, thresholds, word lists), no settings, no database,
so a remote media worker can reuse it. Signals are small JSON-able dicts with a ``kind``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
from PIL import Image

# NudeNet classes that flag a clip; covered parts, faces, feet, bellies and armpits do not.
EXPOSED = frozenset(
    {
        "FEMALE_BREAST_EXPOSED",
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "ANUS_EXPOSED",
        "BUTTOCKS_EXPOSED",
    }
)

HASH_FRAMES = 4  # keyframes that go into a clip's perceptual hash
HASH_HEX = 32  # two 64-bit phashes: the mean of the keyframes, then the middle keyframe
DEFAULT_MAX_DISTANCE = 16  # of 128 bits; re-encoded or rescaled copies land well under it
_SIDE = 64  # keyframes are reduced to this square before averaging

_detector: Any = None
_detector_lock = threading.Lock()


def _model() -> Any:
    """The NudeNet detector, loaded once per process on first use, from the model file that
    ships inside the package (never downloaded)."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                import nudenet

                model = Path(nudenet.__file__).with_name("320n.onnx")
                if not model.is_file():
                    raise RuntimeError(f"the NudeNet model is missing: {model}")
                _detector = nudenet.NudeDetector(model_path=str(model))
    return _detector


def _detect(path: Path) -> list[dict[str, Any]]:
    """NudeNet detections for one image: ``[{"class", "score", "box"}]``. The only seam to
    the model: tests substitute this to exercise the thresholding alone."""
    with Image.open(path) as image:
        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    return list(_model().detect(bgr))


def nudity_signals(frames: list[Path], threshold: float) -> list[dict[str, Any]]:
    """One signal per exposed class per frame scoring at least ``threshold`` (its best score)."""
    signals: list[dict[str, Any]] = []
    for index, frame in enumerate(frames):
        best: dict[str, float] = {}
        for found in _detect(frame):
            label, score = str(found["class"]), float(found["score"])
            if label in EXPOSED and score >= threshold and score > best.get(label, -1.0):
                best[label] = score
        for label, score in sorted(best.items(), key=lambda item: -item[1]):
            signals.append(
                {"kind": "nudity", "label": label, "score": round(score, 3), "frame": index}
            )
    return signals


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def caption_signals(caption: str, blocked_words: list[str]) -> list[dict[str, Any]]:
    """Blocked words (or phrases) found as whole words in the caption, hashtags included,
    ignoring case and Unicode presentation (NFKC: full-width letters, ligatures)."""
    text = _normal(caption)
    signals: list[dict[str, Any]] = []
    seen: set[str] = set()
    for word in blocked_words:
        parts = _normal(word).split()
        key = " ".join(parts)
        if not parts or key in seen:
            continue
        seen.add(key)
        pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, parts)) + r"(?!\w)"
        if re.search(pattern, text):
            signals.append({"kind": "caption", "word": word.strip()})
    return signals


def _pick(frames: list[Path], count: int) -> list[Path]:
    """Up to ``count`` frames spread evenly over the list, first and last included."""
    if len(frames) <= count:
        return list(frames)
    step = (len(frames) - 1) / (count - 1)
    return [frames[round(i * step)] for i in range(count)]


def _gray(path: Path) -> np.ndarray[Any, Any]:
    with Image.open(path) as image:
        small = image.convert("L").resize((_SIDE, _SIDE), Image.Resampling.LANCZOS)
    return np.asarray(small, dtype=np.float32)


def perceptual_hash(frames: list[Path]) -> str:
    """A clip's 32-hex-digit perceptual hash: the DCT hash of the mean of up to 4 keyframes,
    then that of the middle one. Both survive re-encoding and rescaling; compare hashes
    with :func:`hash_distance`, never for equality."""
    if not frames:
        raise ValueError("a perceptual hash needs at least one frame")
    grays = [_gray(frame) for frame in _pick(frames, HASH_FRAMES)]
    mean = Image.fromarray(np.clip(np.mean(grays, axis=0), 0, 255).astype(np.uint8))
    middle = Image.fromarray(grays[len(grays) // 2].astype(np.uint8))
    return f"{imagehash.phash(mean)}{imagehash.phash(middle)}"


def hash_distance(a: str, b: str) -> int:
    """Bits that differ between two hashes; hashes of different lengths differ entirely.
    Raises ``ValueError`` for a hash that is not hexadecimal."""
    if len(a) != len(b):
        return 4 * max(len(a), len(b))
    return (int(a, 16) ^ int(b, 16)).bit_count() if a else 0


def matches_blocklist(h: str, blocked: Iterable[str], max_distance: int) -> str | None:
    """The blocked hash nearest to ``h`` within ``max_distance`` bits, or None. Malformed
    entries are skipped."""
    nearest: tuple[int, str] | None = None
    for candidate in blocked:
        try:
            distance = hash_distance(h, candidate)
        except ValueError:
            continue
        if distance <= max_distance and (nearest is None or distance < nearest[0]):
            nearest = (distance, candidate)
    return nearest[1] if nearest else None
