"""The layout holds (DESIGN.md, Layers; docs/ARCHITECTURE.md): apps import in one direction, only
workers import the task module, and engine code is plain Python.

Every import counts, including those inside functions, so a late import cannot hide a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("catalog", "recommender", "training", "workers", "recsite")
# Modules that import no project app: any app may use them without creating a cycle.
LEAVES = ("workers.dispatch", "recsite.env", "recsite.embedded")
# Plain-Python code: no Django, no Celery, no app module outside these paths.
PURE = ("catalog/importers", "recommender/engine", "training/engine", "recsite/embedded.py", "recommender/kinds.py")
FRAMEWORKS = ("django", "rest_framework", "celery")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _app_files() -> dict[str, Path]:
    files = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            files[_module_name(path)] = path
    return files


FILES = _app_files()


def _imports(path: Path) -> list[str]:
    """Every module named by an import in the file (from-imports also name `package.attribute`,
    which matters when the attribute is a submodule)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            raise AssertionError(f"{path.relative_to(ROOT)}: use absolute imports")
    return names


def _project_module(name: str) -> str | None:
    """The app module an import refers to (the longest existing prefix), or None for libraries."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in FILES:
            return candidate
    return None


def _edges() -> list[tuple[str, str]]:
    """(importing module, imported app module) for every project import in app code."""
    edges = set()
    for module, path in FILES.items():
        for name in _imports(path):
            target = _project_module(name)
            if target is not None and target != module:
                edges.add((module, target))
    return sorted(edges)


EDGES = _edges()


def _is_pure(module: str) -> bool:
    path = FILES[module].relative_to(ROOT).as_posix()
    return any(path == entry or path.startswith(entry + "/") for entry in PURE)


def _node(module: str) -> str:
    """Graph node of a module: its leaf name if it is a shared leaf, else its app."""
    return next((leaf for leaf in LEAVES if module == leaf), module.split(".")[0])


def test_the_scan_sees_every_app_and_engine():
    assert {module.split(".")[0] for module in FILES} == set(APPS)
    assert all(
        any(_is_pure(module) and FILES[module].is_relative_to(ROOT / entry) for module in FILES) for entry in PURE
    )
    assert ("catalog.preferences", "workers.dispatch") in EDGES  # late imports count too


def test_catalog_imports_neither_recommender_nor_training():
    offenders = [(a, b) for a, b in EDGES if a.startswith("catalog") and b.split(".")[0] in ("recommender", "training")]
    assert offenders == []


def test_recommender_does_not_import_training():
    offenders = [(a, b) for a, b in EDGES if a.startswith("recommender") and b.startswith("training")]
    assert offenders == []


def test_only_workers_import_the_task_module():
    offenders = [(a, b) for a, b in EDGES if b == "workers.tasks" and not a.startswith("workers")]
    assert offenders == []


def test_leaves_import_no_project_app():
    offenders = [(a, b) for a, b in EDGES if a in LEAVES]
    assert offenders == []


def test_engine_code_imports_no_framework_and_no_app_layer():
    offenders = []
    for module, path in FILES.items():
        if not _is_pure(module):
            continue
        for name in _imports(path):
            target = _project_module(name)
            if name.split(".")[0] in FRAMEWORKS or (target is not None and not _is_pure(target)):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_no_import_cycle_between_apps():
    graph: dict[str, set[str]] = {}
    for a, b in EDGES:
        if _node(a) != _node(b):
            graph.setdefault(_node(a), set()).add(_node(b))

    def cycle_from(node: str, path: list[str]) -> list[str] | None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                return [*path[path.index(nxt) :], nxt]
            found = cycle_from(nxt, [*path, nxt])
            if found:
                return found
        return None

    cycles = [cycle for start in sorted(graph) if (cycle := cycle_from(start, [start]))]
    assert cycles == [], " -> ".join(cycles[0])
