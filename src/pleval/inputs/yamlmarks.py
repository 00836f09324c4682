"""Load YAML and remember where every value came from, so validation errors can name line and column."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

# libyaml's loader is many times faster and keeps node marks just the same
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Loc = tuple  # a path into the loaded data: keys (str) and list indexes (int), as pydantic reports them


@dataclass
class Located:
    """Data loaded from YAML plus the 1-based (line, column) of every value and mapping key in it."""

    data: Any  # as YAML loads it: mappings, lists and scalars
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    duplicate_keys: list[tuple[Loc, tuple[int, int]]] = field(default_factory=list)

    def where(self, loc: Loc) -> tuple[int, int] | tuple[None, None]:
        """The position of ``loc``, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while True:
            if loc in self.keys and loc not in self.values:
                return self.keys[loc]
            if loc in self.values:
                return self.values[loc]
            if not loc:
                return (None, None)
            loc = loc[:-1]

    def key_where(self, loc: Loc) -> tuple[int, int] | tuple[None, None]:
        loc = tuple(loc)
        return self.keys.get(loc) or self.where(loc)


def _mark(node, line_offset: int) -> tuple[int, int]:
    return (node.start_mark.line + 1 + line_offset, node.start_mark.column + 1)


def _walk(node, loc: Loc, located: Located, line_offset: int) -> None:
    located.values[loc] = _mark(node, line_offset)
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            child = loc + (key,)
            if key in seen:
                located.duplicate_keys.append((child, _mark(key_node, line_offset)))
            seen.add(key)
            located.keys[child] = _mark(key_node, line_offset)
            _walk(value_node, child, located, line_offset)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, loc + (index,), located, line_offset)


def load_located(text: str, *, line_offset: int = 0) -> Located:
    """Parse one YAML document, keeping positions.

    Parameters
    ----------
    text : str
        The YAML text.
    line_offset : int
        Lines before ``text`` in its file (front matter starts after a ``---`` line).

    Raises
    ------
    yaml.YAMLError
        With ``problem_mark`` set, for the caller to turn into a PlevalError with the file's name.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Located(data=None)
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    located = Located(data=data)
    _walk(node, (), located, line_offset)
    return located


def yaml_error_position(error: yaml.YAMLError, line_offset: int = 0) -> tuple[int | None, int | None]:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if mark is None:
        return (None, None)
    return (mark.line + 1 + line_offset, mark.column + 1)


def yaml_error_summary(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    return f"{context}, {problem}" if context else problem


def describe_pydantic_error(err: Mapping[str, Any]) -> str:
    """A short, user-facing sentence for one pydantic error dict."""
    loc = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}'"
    if kind == "missing":
        return f"missing required key '{err['loc'][-1]}'"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return f"{loc}: {msg}" if loc else msg
