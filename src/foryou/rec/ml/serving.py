"""The model versions this process serves, kept current from the blobs port."""

from __future__ import annotations

from typing import TYPE_CHECKING

from foryou.platform import Platform
from foryou.rec.ml.versions import Registry

if TYPE_CHECKING:
    from foryou.rec.ml.two_tower import TwoTower

RETRIEVAL = "two_tower"


def _decode_two_tower(data: bytes) -> TwoTower:
    # imported here: torch costs ~200 MB, and a process with no live model never needs it
    from foryou.rec.ml.two_tower import TwoTower

    return TwoTower.from_bytes(data)


def retrieval(platform: Platform) -> Registry[TwoTower]:
    found: Registry[TwoTower] = platform.local.setdefault(
        "model:" + RETRIEVAL, Registry(RETRIEVAL, _decode_two_tower)
    )
    return found
