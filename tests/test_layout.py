"""The layout of analytics/, checked on the syntax trees: packages without import cycles, each used through its
facade only, and facades that say what they are for and export exactly what they import."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from tests.conftest import PROJECT

ANALYTICS = PROJECT / "analytics"
PACKAGES = sorted(p.parent.name for p in ANALYTICS.glob("*/__init__.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _files() -> list[Path]:
    """Every checked file: analytics/, the Streamlit edge (ui.py or ui/), the pages and app.py; not tests/ or
    benchmarks/."""
    found = [*ANALYTICS.rglob("*.py"), *(PROJECT / "ui").rglob("*.py"), *(PROJECT / "pages").glob("*.py")]
    found += [p for p in (PROJECT / "ui.py", PROJECT / "app.py") if p.exists()]
    return sorted(found)


MODULES = {_module_name(p): p for p in _files()}


def _package(module: str) -> str | None:
    """``analytics.X`` for a module inside domain package X (None elsewhere)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "analytics" and len(parts) > 1 and parts[1] in PACKAGES else None


@functools.cache
def _tree(module: str) -> ast.Module:
    return ast.parse(MODULES[module].read_text(encoding="utf-8"))


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The module an ``ImportFrom`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (MODULES[module].name == "__init__.py")]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(module: str) -> list[tuple[str, str | None, int]]:
    """``(module, name or None, line)`` of every import anywhere in the file (in functions and
    ``TYPE_CHECKING`` blocks too): ``from a import b`` gives ``("a", "b")``, ``import a.b`` gives ``("a.b", None)``."""
    out = []
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Import):
            out += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            out += [(source, alias.name, node.lineno) for alias in node.names]
    return out


def _targets(module: str) -> set[str]:
    """The project modules a module depends on: ``from a import b`` depends on ``a.b`` when that is a module
    (a package importing its own private module does not go through its facade), else on ``a``."""
    found = set()
    for source, name, _ in _imports(module):
        target = f"{source}.{name}" if name and f"{source}.{name}" in MODULES else source
        if target in MODULES:
            found.add(target)
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` as a list of nodes (empty when there is none)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_the_checked_files_are_found():
    assert {"analytics.core", "analytics.model", "analytics.cli", "app"} <= set(MODULES)
    assert any(m.startswith("pages.") for m in MODULES)


def test_no_import_cycle_between_packages():
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        mine = _package(module)
        if mine:
            graph.setdefault(mine, set()).update(p for t in _targets(module) if (p := _package(t)) not in (None, mine))
    cycle = _cycle(graph)
    assert not cycle, " -> ".join(cycle)


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle_inside_a_package(package):
    """Modules of a package import each other without a cycle, and never through their own facade."""
    inside = [m for m in MODULES if _package(m) == f"analytics.{package}"]
    graph = {m: {t for t in _targets(m) if t in inside} for m in inside}
    cycle = _cycle(graph)
    assert not cycle, " -> ".join(cycle)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_packages_are_used_through_their_facade(module):
    """Outside package X: no ``analytics.X._mod``, no ``from analytics.X import _name`` and no ``X._name``."""
    mine = _package(module)
    offenders = []
    for source, name, line in _imports(module):
        target = source if name is None else f"{source}.{name}"
        parts = target.split(".")
        owner = _package(target)
        if owner and owner != mine and any(_private(p) for p in parts[2:]):
            offenders.append(f"line {line}: {target}")
    bound = {}  # local name -> the package it stands for
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                target = f"{_absolute(module, node)}.{alias.name}"
                if _package(target) == target:
                    bound[alias.asname or alias.name] = target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and _package(alias.name) == alias.name:
                    bound[alias.asname] = alias.name
                elif not alias.asname:
                    bound[alias.name.split(".")[0]] = alias.name.split(".")[0]
    for node in ast.walk(_tree(module)):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            chain, value = [node.attr], node.value
            while isinstance(value, ast.Attribute):
                chain.append(value.attr)
                value = value.value
            if isinstance(value, ast.Name) and value.id in bound:
                target = ".".join([bound[value.id], *reversed(chain)])
                owner = next((p for p in map(_package, [target.rsplit(".", k)[0] for k in range(1, 3)]) if p), None)
                if owner and owner != mine:
                    offenders.append(f"line {node.lineno}: {value.id}.{'.'.join(reversed(chain))}")
    assert offenders == []


def test_analytics_never_imports_the_streamlit_edge():
    edge = {"ui", "pages", "app", "streamlit"}
    offenders = [
        f"{m}: {source}"
        for m in MODULES
        if m.startswith("analytics")
        for source, _, _ in _imports(m)
        if source.split(".")[0] in edge
    ]
    assert offenders == []


@pytest.mark.parametrize("package", PACKAGES)
def test_facade_exports_what_it_imports(package):
    """A facade is a one-line docstring, imports of public names from its own private modules, and ``__all__``
    listing exactly those names."""
    tree = _tree(f"analytics.{package}")
    doc = ast.get_docstring(tree) or ""
    assert doc and "\n" not in doc.strip() and doc.strip().rstrip(".") != package, "a one-line docstring"
    imported, exported = [], None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").startswith(f"analytics.{package}._"), node.module
            imported += [alias.asname or alias.name for alias in node.names]
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            exported = ast.literal_eval(node.value)
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            pytest.fail(f"line {node.lineno}: a facade only imports and lists names")
    assert [n for n in imported if n.startswith("_")] == []
    assert exported is not None and sorted(exported) == sorted(imported)
    assert len(exported) == len(set(exported))
