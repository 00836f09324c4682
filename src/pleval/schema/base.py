"""What every part of the data model builds on: the strict base model and the shared validators."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
SCHOOL_YEAR = re.compile(r"^\s*(\d{4})\s*[-–—/]\s*(\d{2}|\d{4})\s*$")

Phrase = Annotated[str, Field(min_length=1)]


class StrictModel(BaseModel):
    """A frozen pydantic model that rejects unknown keys and strips whitespace around strings.

    Every model validated from a user's file derives from it, so a misspelt key is reported, not ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def check_safe_id(value: str) -> str:
    """An id becomes part of output file names, so it may not contain path separators or ``..``.

    Raises
    ------
    ValueError
        If ``value`` is not a safe id.
    """
    if not ID_PATTERN.match(value) or ".." in value:
        raise ValueError(
            f"id '{value}' may only contain letters, digits, '-', '_' and '.', and not '..' "
            "(it becomes part of output file names)"
        )
    return value


def as_tuple(value: object) -> tuple[Any, ...]:
    """A field given as one value or a list, as a tuple: ``None`` -> ``()``, ``'a'`` or ``2024`` -> one item.

    A scalar becomes one item rather than an error here, so that the field's own validation names what is wrong
    with it (``year: 2024`` is "not written like 2023-2024").
    """
    if value is None:
        return ()
    return tuple(value) if isinstance(value, Iterable) and not isinstance(value, str | bytes) else (value,)


def number_as_text(value: Any) -> Any:
    """A number as it was written (YAML reads ``2025`` as a number): ``'2025'``; anything else as it is, for its
    field's type to judge (``true`` stays a bool)."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def school_year(value: object, title: str = "school year") -> str:
    """A period spanning two years (a school or program year) as ``'2023-2024'``, from ``'2023-2024'``,
    ``'2023–24'`` or ``'2023/2024'``; ``title`` names such periods in a message.

    Raises
    ------
    ValueError
        If ``value`` is not two consecutive years.
    """
    match = SCHOOL_YEAR.match(str(value))
    if not match:
        raise ValueError(f"{title} '{value}' is not written like 2023-2024")
    first, written = int(match.group(1)), match.group(2)
    second = int(written) if len(written) == 4 else first // 100 * 100 + int(written)
    if second != first + 1:
        raise ValueError(f"{title} '{value}' does not span two consecutive years (like 2023-2024)")
    return f"{first}-{second}"
