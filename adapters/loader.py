"""Find adapters by name: built-in names, the ``udcodec.adapters`` entry-point group, or ``module:attribute``."""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.machinery
import importlib.util
from pathlib import Path
from typing import Any

from udcodec.adapters.protocol import ADAPTER_OPERATIONS, Adapter

ENTRY_POINT_GROUP = "udcodec.adapters"
BUILTIN: dict[str, str] = {
    "reference": "udcodec.adapters.reference:ReferenceAdapter",
    "blosc2": "udcodec.adapters.blosc2:Blosc2Adapter",
    "cblosc2": "udcodec.adapters.cblosc2:CBlosc2Adapter",
}


class AdapterLoadError(Exception):
    """An adapter could not be found, imported or instantiated."""

    def __init__(self, spec: str, reason: str) -> None:
        super().__init__(f"adapter {spec!r} could not be loaded: {reason}")
        self.spec = spec
        self.reason = reason


class UnknownAdapter(AdapterLoadError):
    """The spec names nothing: no adapter of that name, no such module, or no such attribute."""


@functools.cache
def adapter_target(spec: str) -> str:
    """The ``module:attribute`` that ``spec`` names (entry points first, then the builtin names).

    Cached: the harness resolves its adapters before it forks check children, which would each read every
    installed distribution's entry points again (about 5 ms a child).
    """
    if ":" in spec:
        return spec
    import importlib.metadata  # here: a spec given as module:attribute (a fresh interpreter's) need not pay for it

    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == spec:
            return str(ep.value)
    if spec in BUILTIN:
        return BUILTIN[spec]
    known = sorted({*BUILTIN, *(ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))})
    raise UnknownAdapter(spec, f"no adapter of that name (known: {', '.join(known)}; or give module:attribute)")


def _not_found(module_name: str, exc: BaseException) -> bool:
    """Whether ``exc`` says that ``module_name`` itself (or a package above it) does not exist."""
    missing = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
    return bool(missing) and (module_name == missing or module_name.startswith(f"{missing}."))


def check_adapter_spec(spec: str) -> None:
    """Raise :class:`UnknownAdapter` when ``spec`` names nothing: an unknown name or a module that does not exist.

    Nothing is imported but the packages above the module, so a spec can be checked before any adapter runs.
    """
    if not isinstance(spec, str) or not spec:
        raise UnknownAdapter(repr(spec), "an adapter spec must be a non-empty string")
    module_name, _, attr = adapter_target(spec).partition(":")
    try:
        found = importlib.util.find_spec(module_name)
        exists = found is not None
    except ImportError as exc:  # a package above it is missing (unknown), or fails to import (a load error later)
        found, exists = None, not _not_found(module_name, exc)
    except ValueError:
        found, exists = None, True
    if not exists:
        raise UnknownAdapter(spec, f"importing {module_name!r} failed: no module named {module_name!r}")
    name = attr.partition(".")[0]
    if name and found is not None and not _may_define(found, name):
        raise UnknownAdapter(spec, f"{module_name!r} has no attribute {name!r}")


def _may_define(found: importlib.machinery.ModuleSpec, name: str) -> bool:
    """Whether the module's source may define ``name``, read without importing it.

    Anything the source cannot rule out (no source, ``import *``, a module-level ``__getattr__``, assignments to
    ``globals()``) counts as a definition: only a certain typo is a usage error.
    """
    try:
        source = Path(found.origin or "").read_text(encoding="utf-8") if found.has_location else None
        tree = ast.parse(source) if source is not None else None
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return True  # a load error later, if anything
    if tree is None:
        return True
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if any(alias.name == "*" for alias in node.names):
                return True
            names.update((alias.asname or alias.name).partition(".")[0] for alias in node.names)
    module_getattr = any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "__getattr__"
                         for node in tree.body)  # a class's __getattr__ defines no module attribute
    return name in names or module_getattr or "globals" in _names_read(tree)


def _names_read(tree: ast.AST) -> set[str]:
    """Every name the tree reads."""
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def instantiate_adapter(spec: str) -> Any:
    """Import and instantiate the object ``spec`` names, without checking it against the protocol.

    Raises :class:`UnknownAdapter` when the spec names nothing, :class:`AdapterLoadError` when
    importing or instantiating fails.
    """
    if not isinstance(spec, str) or not spec:
        raise UnknownAdapter(repr(spec), "an adapter spec must be a non-empty string")
    target = adapter_target(spec)
    module_name, colon, attr = target.partition(":")
    if colon and not (module_name and attr):
        raise UnknownAdapter(spec, "give MODULE:ATTRIBUTE, both parts (e.g. myport_adapter:MyPortAdapter)")
    try:
        module = importlib.import_module(module_name)
    except BaseException as exc:  # noqa: BLE001 - any import failure is the adapter's, report it
        kind = UnknownAdapter if _not_found(module_name, exc) else AdapterLoadError
        raise kind(spec, f"importing {module_name!r} failed: {type(exc).__name__}: {exc}") from exc
    obj: Any = module
    for part in attr.split(".") if attr else []:
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise UnknownAdapter(spec, f"{module_name!r} has no attribute {attr!r}") from exc
    try:
        return obj() if isinstance(obj, type) or (callable(obj) and not isinstance(obj, Adapter)) else obj
    except BaseException as exc:  # noqa: BLE001
        raise AdapterLoadError(spec, f"instantiating {target} failed: {type(exc).__name__}: {exc}") from exc


def missing_operations(adapter: Any) -> list[str]:
    """The members of the :class:`~udcodec.adapters.protocol.Adapter` protocol ``adapter`` lacks."""
    return [m for m in ADAPTER_OPERATIONS if not hasattr(adapter, m)]


def load_adapter(spec: str) -> Adapter:
    """Import and instantiate the adapter named by ``spec``; raise :class:`AdapterLoadError` on any failure.

    The adapter must have every member of the protocol; the error names the missing ones.
    """
    adapter: Adapter = instantiate_adapter(spec)
    missing = missing_operations(adapter)
    if missing:
        raise AdapterLoadError(
            spec, f"{adapter_target(spec)} does not implement the adapter protocol (missing: {', '.join(missing)})"
        )
    return adapter


def expectations_path(spec: str) -> Path | None:
    """The expectations file that ships next to a built-in adapter, if any."""
    name = spec if ":" not in spec else None
    if name is None:
        return None
    path = Path(__file__).parent / "expectations" / f"{name}.yaml"
    return path if path.exists() else None
