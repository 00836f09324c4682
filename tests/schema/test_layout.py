"""The data model is a package of small modules by concern, with no import cycle."""

from __future__ import annotations

import importlib
from types import ModuleType

import grimp
import pytest

import pleval.schema

SCHEMA = "pleval.schema"
CHILDREN = ("base", "declaration", "transcript", "codebook", "coding", "filters", "survey", "brief")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("pleval", cache_dir=None)


def test_schema_is_split_by_concern(graph):
    assert graph.find_children(SCHEMA) == {f"{SCHEMA}.{name}" for name in CHILDREN}


def test_no_schema_module_imports_the_package(graph):
    for module in graph.find_descendants(SCHEMA):
        assert SCHEMA not in graph.find_modules_directly_imported_by(module), module


def test_schema_modules_import_each_other_without_a_cycle(graph):
    modules = graph.find_descendants(SCHEMA) | {SCHEMA}
    for module in modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported in modules:
                back = graph.find_shortest_chain(importer=imported, imported=module)
                assert back is None, f"{module} -> {' -> '.join(back or ())}"


def test_schema_imports_nothing_above_it(graph):
    """The data model stands on pydantic alone: no module of pleval's stages is imported by it."""
    for module in graph.find_descendants(SCHEMA):
        above = {m for m in graph.find_modules_directly_imported_by(module) if not m.startswith(SCHEMA)}
        assert not above, (module, above)


def test_package_declares_only_names_it_has():
    assert len(set(pleval.schema.__all__)) == len(pleval.schema.__all__)
    missing = [name for name in pleval.schema.__all__ if not hasattr(pleval.schema, name)]
    assert not missing


def test_package_re_exports_every_public_name_of_its_modules():
    """``from pleval.schema import X`` works for every public class, function and constant of the data model."""
    for child in sorted(CHILDREN):
        module = importlib.import_module(f"{SCHEMA}.{child}")
        defined = {
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and not isinstance(value, ModuleType)
            and getattr(value, "__module__", module.__name__) == module.__name__
        }
        assert defined, child
        assert defined <= set(pleval.schema.__all__), (child, defined - set(pleval.schema.__all__))
