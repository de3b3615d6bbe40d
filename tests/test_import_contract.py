"""Engines stay pure: the plain-Python layers import neither Django nor Celery (DESIGN.md, Layers)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PURE = ["catalog/importers", "recsite/embedded.py", "recommender/engine", "training/engine"]
FORBIDDEN = ("django", "rest_framework", "celery", "catalog.models", "catalog.services", "catalog.selectors")


def _python_files():
    for entry in PURE:
        path = ROOT / entry
        yield from ([path] if path.is_file() else sorted(path.rglob("*.py")))


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_pure_layers_import_no_django_or_celery():
    files = list(_python_files())
    assert files, "no engine files found: has a folder moved?"
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN or name.startswith(FORBIDDEN)
    ]
    assert offenders == []
