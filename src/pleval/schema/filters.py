"""Filters: which transcripts, survey responses and figures a brief (or a survey command) covers."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, model_validator

from .base import StrictModel, as_tuple, number_as_text


class Filters(StrictModel):
    """A name and the values it keeps, one value or a list: ``{state: [Oregon], year: [2025]}``. A name not
    given, or given no value, means no restriction.

    A name is a site attribute (``state``, ``county``...), the site's metadata key or ``site``, ``role`` (a
    participant's) or ``year`` (a period as the project's declaration names it: ``2023-2024`` for periods spanning
    two years, ``2025`` for calendar years). Values are text: ``year: 2025`` is ``("2025",)``.

    Which names and values are known is for the user of the filters to check, where the project is known:
    :func:`pleval.briefs.config.check_filters` for briefs.yaml, :func:`pleval.survey.figures.scoped_filters` for
    survey responses. ``Filters(year="2025", state=["Oregon"])``, or ``Filters.model_validate({...})``.
    Two filters are equal when they restrict the same way (a name given no value counts for nothing).
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, tuple[str, ...]]  # every filter is a key of its own

    @model_validator(mode="before")
    @classmethod
    def _listed(cls, data: Any) -> Any:
        if data is None:
            return {}
        if not isinstance(data, dict):
            return data  # pydantic says a mapping is wanted
        listed: dict[str, tuple[str, ...]] = {}
        for name, value in data.items():
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"filter '{name}' must be a name: a site attribute, site, role or year")
            values = (value,) if isinstance(value, dict) else as_tuple(value)
            if any(isinstance(v, list | dict | tuple | set | bool) or v is None for v in values):
                raise ValueError(f"filter '{name}': each value must be one text or number, not a list, a "
                                 "mapping or yes/no")
            listed[name.strip()] = tuple(str(number_as_text(v)).strip() for v in values)
        return listed

    @property
    def given(self) -> dict[str, tuple[str, ...]]:
        """Every filter as written, by name, those given no value too (for checking the names)."""
        return dict(self.__pydantic_extra__ or {})

    def active(self) -> dict[str, tuple[str, ...]]:
        """The restrictions that are set, in the order given: ``{'year': ('2025',), 'state': ('Oregon',)}``."""
        return {name: values for name, values in self.given.items() if values}

    def of(self, name: str) -> tuple[str, ...]:
        """The values kept for ``name``; ``()`` when it is not restricted."""
        return self.given.get(name, ())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Filters) and self.active() == other.active()

    def __hash__(self) -> int:
        return hash(tuple(self.active().items()))
