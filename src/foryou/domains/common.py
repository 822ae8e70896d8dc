"""Shared shapes of the API: string IDs, pages and cursors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from foryou.gateway.problems import Problem
from foryou.ids import timestamp_ms_of

# IDs are 64-bit: JSON numbers lose precision past 2**53 in JavaScript, so they travel as strings.
Id = Annotated[
    int,
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,19}$"}),
]

# An ID in a request body: a decimal string (or a JSON integer, accepted for convenience).
IdIn = Annotated[
    int,
    Field(ge=1, le=2**63 - 1),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,19}$"}),
]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def created_at(id_: int) -> datetime:
    return datetime.fromtimestamp(timestamp_ms_of(id_) / 1000, tz=UTC)


def parse_cursor(cursor: str | None) -> int | None:
    """Cursors are the last ID of the previous page; anything else is a client error."""
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit() or int(cursor) >= 2**63:
        raise Problem(422, "cursor is not one this API returned; pass next_cursor as given",
                      kind="invalid-cursor")
    return int(cursor)


def next_cursor(ids: list[int], limit: int) -> str | None:
    """Pages are fetched with ``limit + 1`` rows: an extra row means there is a next page."""
    return str(ids[limit - 1]) if len(ids) > limit else None
