"""Caption embeddings: offline, normalised, topical, and fast enough for a batch."""

from __future__ import annotations

import socket
import time
from typing import Any

import numpy as np
import pytest

from foryou.rec import embeddings
from foryou.rec.embeddings import DIM, caption_text, embed_texts


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_caption_text_spells_hashtags() -> None:
    assert caption_text("pasta recipe #cooking", ["cooking", "#ItalianFood"]) == (
        "pasta recipe cooking italian food"
    )
    assert caption_text("", ["street_food", "DIY", "top10Tips"]) == "street food diy top 10 tips"
    assert caption_text("  so   good ", []) == "so good"


def test_embeddings_offline_normalised_and_topical(no_network: None) -> None:
    # Loaded in the test with the network refused: the model must come from the package.
    embeddings._model = None
    start = time.perf_counter()
    vectors = embed_texts(
        [
            caption_text("pasta recipe", ["cooking"]),
            caption_text("how to make ramen at home", ["food"]),
            caption_text("skateboard kickflip tutorial", ["skate"]),
        ]
    )
    print(f"model load + first embed: {time.perf_counter() - start:.2f} s")
    assert vectors.shape == (3, DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    pasta, ramen, skate = vectors
    assert pasta @ ramen > pasta @ skate + 0.1
    assert pasta @ ramen > ramen @ skate + 0.1


def test_batch_of_64_is_fast(no_network: None) -> None:
    topics = ["cooking pasta", "street skateboarding", "cat videos", "makeup tutorial"]
    captions = [
        caption_text(f"day {i}: {topics[i % 4]} with friends", ["fyp", "viral"]) for i in range(64)
    ]
    embed_texts(captions)  # load and warm up outside the timing
    start = time.perf_counter()
    vectors = embed_texts(captions)
    elapsed = time.perf_counter() - start
    print(f"64 captions: {elapsed * 1000:.0f} ms ({64 / elapsed:.0f} captions/s)")
    assert vectors.shape == (64, DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert elapsed < 5.0
    # Same text, same vector, whatever else is in the batch.
    np.testing.assert_allclose(embed_texts([captions[5]])[0], vectors[5], atol=1e-5)


def test_empty_input_does_not_load() -> None:
    assert embed_texts([]).shape == (0, DIM)
