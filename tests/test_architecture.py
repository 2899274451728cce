"""The import graph of plugin/, read from the source with ast (nothing is imported).

Every ``import`` counts, at module level or inside a function, so a cycle hidden in a
function body is found too. Importing a submodule is an edge to that submodule only:
the parent package's ``__init__`` runs first, but a package is not a dependency of
everything under it (``plugin/__init__.py`` builds the app from all of them).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "plugin"

# formats/ and catalog/ are pure (model in, bytes/dict out): no web framework, database,
# HTTP client or task queue, and nothing from the layers that use them.
PURE = ("plugin.formats", "plugin.catalog")
FORBIDDEN_IN_PURE = (
    "flask",
    "flask_smorest",
    "werkzeug",
    "marshmallow",
    "sqlalchemy",
    "alembic",
    "requests",
    "urllib3",
    "huey",
    "redis",
    "plugin.web",
    "plugin.store",
    "plugin.services",
    "plugin.trackers",
    "plugin.jobs",
    "plugin.config",
    "plugin.cli",
    "plugin.cli_installations",
)


@dataclass(frozen=True)
class Import:
    """One imported name as written in a module: the dotted target and the line."""

    target: str
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of plugin/, by dotted name."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> list[Import]:
    """Everything ``path`` imports, anywhere in it; ``from a import b`` names a.b when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    # `if TYPE_CHECKING:` bodies never run: an import there serves annotations only.
    annotation_only = {
        id(sub)
        for node in ast.walk(tree)
        if _type_checking_only(node)
        for child in node.body  # type: ignore[attr-defined]
        for sub in ast.walk(child)
    }
    found: list[Import] = []
    for node in ast.walk(tree):
        if id(node) in annotation_only:
            continue
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                found.append(Import(sub if sub in known else source, node.lineno))
    return found


def _type_checking_only(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def internal(target: str, known: set[str]) -> str | None:
    """The plugin module an import resolves to (its longest known prefix), or None."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def graph() -> dict[str, dict[str, int]]:
    """module → {imported plugin module: first line}."""
    found = modules()
    known = set(found)
    edges: dict[str, dict[str, int]] = {}
    for name, path in found.items():
        out: dict[str, int] = {}
        for imp in imports_of(name, path, known):
            target = internal(imp.target, known) if imp.target.startswith("plugin") else None
            if target and target != name:
                out.setdefault(target, imp.line)
        edges[name] = out
    return edges


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as one cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [one_cycle(component, edges) for component in components]


def one_cycle(component: list[str], edges: dict[str, dict[str, int]]) -> list[str]:
    """A shortest path from the component's first module back to itself, for the message."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges[node]):
            if nxt == start:
                return [*paths[node], start]
            if nxt in members and nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return component


def describe(cycle: list[str], edges: dict[str, dict[str, int]]) -> str:
    steps = [f"{a} (line {edges[a][b]})" for a, b in zip(cycle, cycle[1:], strict=False)]
    return " -> ".join([*steps, cycle[-1]])


def test_the_walker_sees_function_level_and_relative_imports():
    # plugin.cli imports plugin.services.exports inside the export command's body.
    edges = graph()
    assert "plugin.services.exports" in edges["plugin.cli"]
    assert cycles({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b": 1}, "b": {}}) == []


def test_the_walker_skips_annotation_only_imports(tmp_path):
    # plugin.store.uow names Database only for annotations; db.py imports uow for real.
    edges = graph()
    assert "plugin.store.uow" in edges["plugin.store.db"]
    assert "plugin.store.db" not in edges["plugin.store.uow"]
    source = tmp_path / "m.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import plugin.a\nimport plugin.b\n"
    )
    assert [i.target for i in imports_of("m", source, set())] == ["typing", "plugin.b"]


def test_no_import_cycle_in_plugin():
    edges = graph()
    found = cycles(edges)
    assert not found, "import cycles:\n" + "\n".join(describe(c, edges) for c in found)


@pytest.mark.parametrize("layer", PURE)
def test_formats_and_catalog_import_no_framework_database_or_outer_layer(layer):
    found = modules()
    known = set(found)
    wrong = []
    for name, path in found.items():
        if name != layer and not name.startswith(layer + "."):
            continue
        for imp in imports_of(name, path, known):
            for banned in FORBIDDEN_IN_PURE:
                if imp.target == banned or imp.target.startswith(banned + "."):
                    wrong.append(f"{name} line {imp.line}: {imp.target}")
    assert not wrong, f"{layer} must stay pure:\n" + "\n".join(wrong)
