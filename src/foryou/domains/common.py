"""Shared shapes of the API: string IDs, pages and cursors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from foryou.ids import timestamp_ms_of

# IDs are 64-bit: JSON numbers lose precision past 2**53 in JavaScript, so they travel as strings.
Id = Annotated[
    int,
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{1,19}$"}),
]

ID_PATTERN = "^([1-9][0-9]{0,17}|[1-8][0-9]{18})$"
CURSOR_PATTERN = "^[0-9]{1,19}$"


def _text_only(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("send this as a JSON string")
    return value


def _number_only(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("send this as a JSON number")
    return value


# A JSON integer (4.0 included, as JSON Schema counts it), never a string or a boolean.
NumberOnly = BeforeValidator(_number_only)

# Refuses JSON numbers where the API documents a string (IDs, timestamps) instead of
# quietly reading them in pydantic's lax mode.
TextOnly = BeforeValidator(_text_only)


# An ID in a request body: a string of digits, as IDs are everywhere in this API.
IdIn = Annotated[
    int,
    TextOnly,
    Field(ge=1, le=2**63 - 1),
    # Up to 8,999,999,999,999,999,999: below 2**63 (IDs reach it in about 68 years).
    WithJsonSchema({"type": "string", "pattern": ID_PATTERN}),
]

T = TypeVar("T")

# Blank means only spaces, tabs and line breaks: one definition for the documented pattern
# and for the trimming, so the schema and the validation cannot disagree.
NOT_BLANK = r"[^ \t\r\n]"
Trimmed = AfterValidator(lambda value: value.strip(" \t\r\n"))


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def created_at(id_: int) -> datetime:
    return datetime.fromtimestamp(timestamp_ms_of(id_) / 1000, tz=UTC)


def parse_cursor(cursor: str | None) -> int | None:
    """Cursors are the last ID of the previous page (digits, checked by the route)."""
    if not cursor:
        return None
    return min(int(cursor), 2**63 - 1)  # "before the largest ID" is as good as "before any"


def next_cursor(ids: list[int], limit: int) -> str | None:
    """Pages are fetched with ``limit + 1`` rows: an extra row means there is a next page."""
    return str(ids[limit - 1]) if len(ids) > limit else None
