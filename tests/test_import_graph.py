"""The package's import graph: no circle anywhere, and each room imports only the rooms below it.

Read from the source (AST), so function-level imports count too: a circle hidden
inside a function still couples two modules both ways.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("flows", "transforms", "schemas")
# What each room of flows/ may import (besides transforms, schemas and itself).
ALLOWED = {
    "flows.faults": set(),
    "flows.inputs": {"flows.faults"},
    "flows.store": {"flows.faults", "flows.inputs"},
    "flows.run": {"flows.faults", "flows.inputs", "flows.store"},
    "flows.app": {"flows.faults", "flows.inputs", "flows.store", "flows.run"},
}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, known: set[str], root: Path = ROOT) -> set[str]:
    """The project modules ``path`` imports (``from pkg import mod`` counts as ``pkg.mod``)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from pkg import mod`` imports pkg.mod; ``from mod import name`` imports mod.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (root / pkg).rglob("*.py")]
    known = {module_name(p, root) for p in files}
    return {module_name(p, root): imports_of(p, known, root) for p in files}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the list of modules around it, or None (iterative DFS)."""
    WHITE, GREY, BLACK = 0, 1, 2
    color = dict.fromkeys(edges, WHITE)
    for start in sorted(edges):
        if color[start] != WHITE:
            continue
        stack = [(start, iter(sorted(edges[start])))]
        path = [start]
        color[start] = GREY
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                color[node] = BLACK
                stack.pop()
                path.pop()
            elif color.get(nxt, BLACK) == GREY:
                return [*path[path.index(nxt):], nxt]
            elif color.get(nxt) == WHITE:
                color[nxt] = GREY
                stack.append((nxt, iter(sorted(edges[nxt]))))
                path.append(nxt)
    return None


def room_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_no_import_circle() -> None:
    assert find_cycle(graph()) is None, f"import circle: {' -> '.join(find_cycle(graph()))}"


def test_a_circle_is_found() -> None:
    """The checker itself can fail: a circle through a package and back is reported."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(edges) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_a_circle_in_source_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / "flows"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "one.py").write_text("def f():\n    from flows.two import g\n")
    (pkg / "two.py").write_text("from flows import one\n")
    for other in ("transforms", "schemas"):
        (tmp_path / other).mkdir()
    assert find_cycle(graph(tmp_path)) in (["flows.one", "flows.two", "flows.one"],
                                           ["flows.two", "flows.one", "flows.two"])


def test_transforms_know_nothing_of_prefect_or_flows() -> None:
    for path in (ROOT / "transforms").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for n in names:
                assert not n.startswith(("prefect", "flows")), f"{path.relative_to(ROOT)} imports {n}"


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_rooms_import_only_the_rooms_below(room: str) -> None:
    edges = graph()
    for module, targets in edges.items():
        if room_of(module) != room and module != room:
            continue
        for t in targets:
            if t.startswith("flows.") and room_of(t) != room:
                assert room_of(t) in ALLOWED[room], f"{module} imports {t}"


def test_every_flows_module_is_in_a_room() -> None:
    for module in graph():
        if module.startswith("flows."):
            assert room_of(module) in ALLOWED, f"{module} is outside the rooms {sorted(ALLOWED)}"
