"""Import once, in the harness process, what every check child of an adapter would import again.

Check children are forked from the harness process, so a module it has imported costs them nothing
(``import blosc2`` takes 0.3 to 0.8 s, and a run forks about a hundred children per adapter). The
modules are listed by the child that describes the adapter: what loading it imported. The harness
imports them by name only: it constructs no adapter and registers nothing, so every child still
starts from a pristine registry, and an adapter that crashes or hangs while loading is a load error
before anything is imported here.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import Any


def imported_while(load: Callable[[], Any]) -> tuple[Any, list[str]]:
    """What ``load()`` returned, and the modules it imported (in import order, importable ones only)."""
    before = set(sys.modules)
    value = load()
    names = [name for name, module in list(sys.modules.items())
             if name not in before and getattr(module, "__spec__", None) is not None]
    return value, names


def preload(names: Iterable[str]) -> list[str]:
    """Import ``names`` into this process; the names that failed to import (skipped: the child imports them)."""
    failed = []
    for name in names:
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module importable only after another's side effect; children import it
            failed.append(name)
    return failed


def collect_hypothesis_constants() -> None:
    """Have Hypothesis collect the constants of the loaded local modules now, once for every check child.

    Hypothesis does it when a test first draws, in each process: a look at every module and a parse of each
    local one's source (about 0.2 s). A child then only adds the modules imported since the fork, so it draws
    from the same constants as it would have collected itself. A Hypothesis without this (private) step is
    left alone.
    """
    try:
        from hypothesis.internal.conjecture.providers import _get_local_constants
    except ImportError:
        return
    with contextlib.suppress(Exception), warnings.catch_warnings():
        # It reads Hypothesis's storage directory (its cache of parsed sources) while the plugin is set up: the
        # same default directory the children would read, so the warning about doing so is moot here.
        warnings.simplefilter("ignore")
        _get_local_constants()


def freeze() -> None:
    """Move what this process holds now out of the garbage collector's sight (``gc.freeze``).

    A forked child's collections then skip the objects it inherited: less work, and fewer inherited pages
    copied because a collection touched them (about 15 % of the check children's CPU time).
    """
    gc.collect()
    gc.freeze()
