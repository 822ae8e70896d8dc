"""Screening: nudity thresholds, blocked caption words, perceptual hashes of generated clips."""

from __future__ import annotations

import random
import socket
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from foryou.media import screening


def _frame(seed: int, index: int, size: tuple[int, int] = (360, 640)) -> Image.Image:
    """A synthetic keyframe: a gradient with a few coloured shapes (no people)."""
    rng = random.Random(seed * 1000 + index)
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = int(255 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade, 80 + 10 * index, 255 - shade))
    for _ in range(6):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (x0, y0, x0 + rng.randrange(40, 200), y0 + rng.randrange(40, 200))
        draw.ellipse(box, fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    return image


def _clip(
    directory: Path, seed: int, *, frames: int = 6, scale: float = 1.0, quality: int = 90
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(frames):
        image = _frame(seed, index)
        if scale != 1.0:
            image = image.resize((int(image.width * scale), int(image.height * scale)))
        path = directory / f"frame{index}.jpg"
        image.save(path, quality=quality)
        paths.append(path)
    return paths


# --- nudity ---------------------------------------------------------------------------


def _fake_detections(
    monkeypatch: pytest.MonkeyPatch, by_frame: dict[str, list[dict[str, Any]]]
) -> None:
    """Substitutes only the model call (``_detect``): the thresholding is the real code."""
    monkeypatch.setattr(screening, "_detect", lambda path: by_frame.get(Path(path).name, []))


def test_nudity_signals_keep_exposed_classes_at_or_over_the_threshold(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _fake_detections(
        monkeypatch,
        {
            "a.jpg": [
                {"class": "FEMALE_BREAST_EXPOSED", "score": 0.91234, "box": [0, 0, 1, 1]},
                {"class": "FEMALE_BREAST_EXPOSED", "score": 0.7, "box": [5, 5, 1, 1]},
                {"class": "FACE_FEMALE", "score": 0.99, "box": [0, 0, 1, 1]},
                {"class": "FEMALE_BREAST_COVERED", "score": 0.95, "box": [0, 0, 1, 1]},
                {"class": "BUTTOCKS_EXPOSED", "score": 0.59, "box": [0, 0, 1, 1]},
            ],
            "c.jpg": [{"class": "MALE_GENITALIA_EXPOSED", "score": 0.6, "box": [0, 0, 1, 1]}],
        },
    )
    frames = [tmp_path / "a.jpg", tmp_path / "b.jpg", tmp_path / "c.jpg"]
    assert screening.nudity_signals(frames, 0.6) == [
        {"kind": "nudity", "label": "FEMALE_BREAST_EXPOSED", "score": 0.912, "frame": 0},
        {"kind": "nudity", "label": "MALE_GENITALIA_EXPOSED", "score": 0.6, "frame": 2},
    ]
    assert screening.nudity_signals(frames, 0.95) == []
    assert screening.nudity_signals([], 0.6) == []


def test_the_real_model_loads_offline_and_passes_a_clean_frame(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("screening tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    frames = _clip(tmp_path, seed=1, frames=2)
    assert screening.nudity_signals(frames, 0.6) == []
    assert screening._model() is screening._model()  # loaded once per process


def test_an_unreadable_frame_is_an_error_not_a_pass(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(Exception):  # noqa: B017 - PIL's own error type is fine
        screening.nudity_signals([bad], 0.6)


# --- captions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "caption",
    [
        "this is badword",
        "BADWORD!",
        "#BadWord #fyp",
        "ｂａｄｗｏｒｄ in full width",
        "so, Badword.",
        "a very bad  phrase here",
    ],
)
def test_caption_signals_match_whole_words_and_hashtags(caption: str) -> None:
    signals = screening.caption_signals(caption, ["BadWord", "bad phrase", "  "])
    assert signals and all(s["kind"] == "caption" for s in signals)
    assert {s["word"] for s in signals} <= {"BadWord", "bad phrase"}


@pytest.mark.parametrize("caption", ["badwords", "notbadword", "#badword_2", "b a d w o r d", ""])
def test_caption_signals_ignore_parts_of_other_words(caption: str) -> None:
    assert screening.caption_signals(caption, ["badword"]) == []


def test_caption_signals_report_each_word_once() -> None:
    assert screening.caption_signals("Spam spam SPAM #spam", ["spam", "Spam", "eggs"]) == [
        {"kind": "caption", "word": "spam"}
    ]
    assert screening.caption_signals("anything", []) == []


# --- perceptual hashes ----------------------------------------------------------------


def test_a_rescaled_recompressed_copy_matches_and_another_clip_does_not(tmp_path: Path) -> None:
    original = screening.perceptual_hash(_clip(tmp_path / "a", seed=1))
    copy = screening.perceptual_hash(_clip(tmp_path / "b", seed=1, scale=0.5, quality=25))
    other = screening.perceptual_hash(_clip(tmp_path / "c", seed=2))
    assert len(original) == len(copy) == screening.HASH_HEX <= 32
    int(original, 16)  # hexadecimal
    limit = screening.DEFAULT_MAX_DISTANCE
    assert screening.hash_distance(original, copy) <= limit
    assert screening.hash_distance(original, other) > 3 * limit
    assert screening.matches_blocklist(copy, ["zz", other, original], limit) == original
    assert screening.matches_blocklist(other, [original], limit) is None
    assert screening.matches_blocklist(original, [], limit) is None


def test_perceptual_hash_of_one_frame_and_of_many(tmp_path: Path) -> None:
    frames = _clip(tmp_path, seed=3, frames=9)
    assert len(screening.perceptual_hash(frames[:1])) == screening.HASH_HEX
    assert screening.perceptual_hash(frames) == screening.perceptual_hash(list(frames))
    with pytest.raises(ValueError):
        screening.perceptual_hash([])


def test_hash_distance() -> None:
    assert screening.hash_distance("00ff", "00ff") == 0
    assert screening.hash_distance("0000", "000f") == 4
    assert screening.hash_distance("00", "0000") == 16  # different schemes never match
    with pytest.raises(ValueError):
        screening.hash_distance("zz", "00")
