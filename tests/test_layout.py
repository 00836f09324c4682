"""The package reads as its data flow: stage subpackages, a handful of top-level modules, no import cycle."""

from __future__ import annotations

import grimp

STAGES = {"schema", "inputs", "nlp", "coding", "review", "learn", "refi", "survey", "briefs", "build", "cli"}


def _cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """Groups of modules that import one another, directly or through others (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(component)

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_of_pleval_takes_part_in_an_import_cycle():
    assert _cycles(grimp.build_graph("pleval", cache_dir=None)) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert _cycles(graph) == [{"a.x", "a.y"}]


def test_the_package_is_stage_subpackages_and_a_handful_of_modules():
    graph = grimp.build_graph("pleval", cache_dir=None)
    children = {name.removeprefix("pleval.") for name in graph.find_children("pleval")}
    packages = {name for name in children if graph.find_children(f"pleval.{name}")}
    assert packages >= STAGES
    assert len(children - packages) <= 12, sorted(children - packages)
