"""The import graph of ``flows/``, ``transforms/`` and ``schemas/``: no circle anywhere, and rooms that
import downwards only (issue #23).

The graph is read from the source (the AST), not from ``sys.modules``, so that it sees every import:
module-level ones, the ones inside functions (taken to keep start-up light, which is how circles
hid before) and the ones under ``if TYPE_CHECKING:``. An import circle is a design fault even
when Python happens to resolve it, so the test does not ask whether the modules import, only
whether one could be put below the other.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "transforms", "schemas")

# What each room of flows/ may import from flows/ (itself included). app is the Prefect surface
# (flow, CLI, reports); run is one run below the flow; store is the output side; inputs is the
# input side and the Parquet parts. Nothing imports upwards, and nothing imports app.
ROOMS: dict[str, set[str]] = {
    "flows.faults": set(),
    "flows.inputs": {"flows.inputs"},
    "flows.store": {"flows.store", "flows.inputs", "flows.faults"},
    "flows.run": {"flows.run", "flows.store", "flows.inputs", "flows.faults"},
    "flows.app": {"flows.app", "flows.run", "flows.store", "flows.inputs", "flows.faults"},
}
# Prefect is the app's business: the batch workers (forked from a warm server), the store and the
# inputs run without it. The one exception is the choice of Prefect task runner.
PREFECT_ALLOWED = ("flows.app", "flows.run.runners")


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, whether it is a package's ``__init__``)."""
    found = {}
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_pkg = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_pkg else parts)] = (path, is_pkg)
    return found


def imported_names(path: Path, module: str, is_pkg: bool) -> list[tuple[tuple[str, ...], int]]:
    """What each import statement of ``path``, anywhere in the file, names, with its line.

    ``import a.b`` names ``a.b``; ``from a.b import c`` names ``c`` of ``a.b``, given as
    ``(a.b, a.b.c)`` because ``c`` is either a module or a name defined in ``a.b``. Relative imports
    are resolved against ``module``.
    """
    here = module.split(".") if is_pkg else module.split(".")[:-1]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names += [((alias.name,), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            names += [((target, f"{target}.{alias.name}"), node.lineno) for alias in node.names]
    return names


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, dict[str, int]]:
    """Module -> {module it imports: line of the first such import}, within ``packages``.

    An edge goes to the module an import names (``from a import b``: the module ``a.b`` if there is
    one, else ``a``), not to the packages above it that Python runs first: a package's ``__init__``
    that gathers its own modules (``schemas``, ``transforms.layouts``) is not a circle with them,
    but a module importing a name from its own package's ``__init__`` is.
    """
    mods = modules(root, packages)
    graph: dict[str, dict[str, int]] = {}
    for name, (path, is_pkg) in mods.items():
        edges = graph.setdefault(name, {})
        for named, line in imported_names(path, name, is_pkg):
            dep = named[-1] if named[-1] in mods else named[0]
            if dep in mods and dep != name:
                edges.setdefault(dep, line)
    return graph


def external_imports(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, dict[str, int]]:
    """Module -> {top-level name of every import: line}, for the imports of third-party packages."""
    found = {}
    for name, (path, is_pkg) in modules(root, packages).items():
        tops = found.setdefault(name, {})
        for named, line in imported_names(path, name, is_pkg):
            if named[0]:
                tops.setdefault(named[0].split(".")[0], line)
    return found


def bound_names(path: Path) -> set[str] | None:
    """The names ``path`` binds at module level (in ``if``/``try``/``with`` blocks too, not in
    functions or classes); None when a star import makes them unknowable."""
    names: set[str] = set()

    def scan(body: list[ast.stmt]) -> bool:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
            elif isinstance(node, ast.Import):
                names.update(a.asname or a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if any(a.name == "*" for a in node.names):
                    return False
                names.update(a.asname or a.name for a in node.names)
            for block in ("body", "orelse", "finalbody"):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and \
                        not scan(getattr(node, block, [])):
                    return False
            for handler in getattr(node, "handlers", []):
                if not scan(handler.body):
                    return False
        return True

    return names if scan(ast.parse(path.read_text(encoding="utf-8"), str(path)).body) else None


def find_cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One circle per back edge of a depth-first walk (each as ``[a, b, ..., a]``); [] when there is none."""
    cycles, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph.get(node, {})):
            if state.get(dep) == "open":
                cycles.append([*stack[stack.index(dep):], dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    return " -> ".join(f"{a} (line {graph[a][b]})" for a, b in pairwise(cycle)) + f" -> {cycle[-1]}"


def room_of(module: str) -> str | None:
    return max((room for room in ROOMS if module == room or module.startswith(room + ".")), key=len, default=None)


@pytest.fixture(scope="module")
def graph() -> dict[str, dict[str, int]]:
    return import_graph()


def test_the_graph_sees_every_kind_of_import(graph):
    """The graph is the real one: the backend factory's imports are inside its function, the backends'
    import of the plan's type is under TYPE_CHECKING, and both are edges."""
    assert {"flows.store.parquet", "flows.store.delta", "flows.store.interface"} <= set(graph["flows.store.open"])
    assert "flows.store.changes" in graph["flows.store.parquet"]
    assert "flows.run.incremental" in graph["flows.app.etl"]
    assert len([m for m in graph if m.startswith("flows.")]) > 30


def test_no_import_circle(graph):
    cycles = find_cycles(graph)
    assert not cycles, "import circles:\n" + "\n".join(describe(c, graph) for c in cycles)


def test_every_module_of_flows_is_in_a_room(graph):
    """A new module is put in a room on purpose (or the room table says why not)."""
    homeless = [m for m in graph if m.startswith("flows.") and room_of(m) is None]
    assert not homeless, f"modules of flows/ outside the rooms {sorted(ROOMS)}: {homeless}"


def test_rooms_import_downwards_only(graph):
    wrong = []
    for module, edges in graph.items():
        room = room_of(module)
        if room is None:
            continue
        for dep, line in edges.items():
            dep_room = room_of(dep)
            if dep_room is not None and dep_room not in ROOMS[room]:
                wrong.append(f"{module} (line {line}) imports {dep}: {room} may import only {sorted(ROOMS[room])}")
    assert not wrong, "\n".join(wrong)


def test_transforms_and_schemas_import_neither_flows_nor_prefect():
    """The cleaning is pure functions: no orchestration below it."""
    wrong = [f"{module} (line {line}) imports {top}"
             for module, tops in external_imports().items() if module.split(".")[0] in ("transforms", "schemas")
             for top, line in tops.items() if top == "flows" or top.startswith("prefect")]
    assert not wrong, "\n".join(wrong)


def test_only_the_app_imports_prefect():
    wrong = [f"{module} (line {line}) imports {top}"
             for module, tops in external_imports(packages=("flows",)).items()
             if not any(module == p or module.startswith(p + ".") for p in PREFECT_ALLOWED)
             for top, line in tops.items() if top.startswith("prefect")]
    assert not wrong, "\n".join(wrong)


def test_every_imported_name_exists():
    """An import of a module of the project names a module or a name that is there. A moved module or
    function otherwise fails only when the import runs: inside a function, when it is called, and in
    the fork server's preload (``from flows import batch`` after batch moved), never, because the
    fork server ignores an ImportError and the workers just start cold."""
    mods = modules(ROOT, PACKAGES)
    bound = {name: bound_names(path) for name, (path, _) in mods.items()}
    wrong = []
    for module, (path, is_pkg) in mods.items():
        for named, line in imported_names(path, module, is_pkg):
            if named[0].split(".")[0] not in PACKAGES:
                continue
            if len(named) == 1:  # import a.b
                if named[0] not in mods:
                    wrong.append(f"{module} (line {line}): import {named[0]}: no such module")
            elif named[1] not in mods:  # from a import b: b is no module of a, so a name defined in a
                names = bound.get(named[0])
                if named[0] not in mods:
                    wrong.append(f"{module} (line {line}): from {named[0]}: no such module")
                elif names is not None and named[1].rpartition(".")[2] not in names:
                    wrong.append(f"{module} (line {line}): {named[1]} is neither a module nor defined in {named[0]}")
    assert not wrong, "\n".join(wrong)


def test_the_fork_servers_preload_names_modules_that_import():
    """The pool's preload list is module names as strings: they must follow a move (an ImportError
    there is silent), and the warm-up must load the cleaning code for the workers."""
    from flows.run.pool import PRELOAD

    code = ("import importlib, sys\n"
            f"for name in {PRELOAD!r}:\n    importlib.import_module(name)\n"
            "assert 'flows.run.batch' in sys.modules and 'transforms.pipeline' in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_circle_is_found_and_reported(tmp_path):
    """The checks can fail: a circle through a function-level relative import, and an upward import."""
    for rel, text in {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.sub import b\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/b.py": "import os\n\ndef f():\n    from .c import g\n    return g\n",
        "pkg/sub/c.py": "from .. import a\n",
        "pkg/sub/d.py": "from . import c\n",
        "pkg/sub/e.py": "from . import NAME\n",
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    fake = import_graph(tmp_path, ("pkg",))
    assert fake["pkg.sub.c"] == {"pkg.a": 1}
    assert fake["pkg.sub.d"] == {"pkg.sub.c": 1}
    assert fake["pkg.sub.e"] == {"pkg.sub": 1}
    [cycle] = find_cycles(fake)
    assert cycle == ["pkg.a", "pkg.sub.b", "pkg.sub.c", "pkg.a"]
    assert describe(cycle, fake) == "pkg.a (line 1) -> pkg.sub.b (line 4) -> pkg.sub.c (line 1) -> pkg.a"
    (tmp_path / "pkg/sub/c.py").write_text("")
    assert find_cycles(import_graph(tmp_path, ("pkg",))) == []
