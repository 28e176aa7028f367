"""The package's layering (``conformance/README.md``): no import cycles, and each layer imports only what it may.

Imports are read from the source with :mod:`ast`, lazy (function-level) imports included, so a
cycle hidden inside a function still counts. Folders map to ``udcodec.*`` names as in pyproject.toml.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"udcodec": ROOT / "conformance", "udcodec.reference": ROOT / "reference",
           "udcodec.adapters": ROOT / "adapters", "udcodec.spec": ROOT / "spec"}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts))
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The udcodec modules ``name`` imports (``from P import m`` counts as P.m when m is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in MODULES else base)
    return {m for m in out if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_module_map_is_complete() -> None:
    assert {"udcodec.cli", "udcodec.engine.plugin", "udcodec.checks.api", "udcodec.reports.model",
            "udcodec.reference.schunk", "udcodec.adapters.protocol", "udcodec.api"} <= set(MODULES)


def test_no_import_cycles() -> None:
    assert _cycles(GRAPH) == []


#: Layer rules: modules under a prefix may import only modules under the allowed prefixes.
CHECK_SUPPORT = ("udcodec.checks.api", "udcodec.checks.common", "udcodec.checks.configs", "udcodec.checks.repro",
                 "udcodec.checks.ndsupport", "udcodec.checks.ndcodec",
                 "udcodec.checks.fresh", "udcodec.checks.pristine", "udcodec.scenarios", "udcodec.adapters.protocol", "udcodec.data", "udcodec.strategies", "udcodec.sweep",
                 "udcodec.testcodecs", "udcodec.golden", "udcodec.subject", "udcodec.contract",
                 "udcodec.pluginlib", "udcodec.plugincall", "udcodec.domain")
FAMILIES = sorted(m for m in MODULES if m.startswith("udcodec.checks.") and m not in CHECK_SUPPORT)


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("family", FAMILIES)
def test_checks_import_only_the_check_api_the_protocol_and_support(family: str) -> None:
    assert sorted(m for m in GRAPH[family] if not _within(m, CHECK_SUPPORT)) == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("udcodec.reports")))
def test_reports_never_import_the_engine(module: str) -> None:
    forbidden = ("udcodec.engine", "udcodec.checks", "udcodec.checkcodec", "udcodec.cli", "udcodec.golden")
    assert sorted(m for m in GRAPH[module] if _within(m, forbidden)) == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("udcodec.reference")))
def test_the_reference_imports_nothing_of_the_harness_but_its_version(module: str) -> None:
    assert sorted(m for m in GRAPH[module] if not _within(m, ("udcodec.reference",)) and m != "udcodec") == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("udcodec.adapters")))
def test_adapters_import_only_adapters_and_the_reference(module: str) -> None:
    allowed = ("udcodec.adapters", "udcodec.reference")
    assert sorted(m for m in GRAPH[module] if not _within(m, allowed)) == []


VOCABULARY = ("udcodec.outcomes", "udcodec.versions", "udcodec.contract", "udcodec.profiles", "udcodec.subject", "udcodec.domain",
              "udcodec.adapters.protocol")


@pytest.mark.parametrize("module", VOCABULARY)
def test_the_vocabulary_imports_no_harness_layer(module: str) -> None:
    layers = ("udcodec.engine", "udcodec.checks", "udcodec.reports", "udcodec.expectations", "udcodec.golden",
              "udcodec.checkcodec", "udcodec.cli")
    assert sorted(m for m in GRAPH[module] if _within(m, layers)) == []


def test_the_public_api_module_is_imported_by_no_harness_module() -> None:
    """``udcodec.api`` only re-exports: the harness imports the modules it gathers, never it."""
    assert sorted(m for m, imports in GRAPH.items() if "udcodec.api" in imports) == []
    assert "udcodec.checks.api" in GRAPH["udcodec.api"]


def test_the_checker_sees_cycles_and_real_edges() -> None:
    """Neither the cycle finder nor the graph builder is blind."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert "udcodec.checks.api" in GRAPH["udcodec.checks.callbacks"]
    assert "udcodec.engine.runner" in GRAPH["udcodec.engine.replay"]  # a lazy import counts
    assert "udcodec.checks.callbacks" in GRAPH["udcodec.checks"]  # `from udcodec.checks import callbacks`
