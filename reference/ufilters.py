"""User-defined filters: :func:`register_filter`, ``ufilters_registry`` and the filter-plugin table.

A user filter takes a slot of the filter pipeline (``CParams.filters``) under an id in 160..255.
For every block the host calls ``forward(input, output, meta, schunk)`` when compressing and
``backward(input, output, meta, schunk)`` when decompressing: ``input`` and ``output`` are 1-D
uint8 arrays of the block's size (the last block of a chunk may be shorter), ``meta`` is the
slot's ``filters_meta`` byte and ``schunk`` the container.  The filter writes every byte of
``output``; its return value is ignored; an exception it raises propagates unchanged.
Like python-blosc2, the reference never runs filters on memcpyed chunks and runs Python filters
only inside a container and on the caller's thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from .params import _is_int
from .plugins import FilterPlugin, cparams_c, dparams_c

USER_FILTER_MIN = 160
USER_FILTER_MAX = 255
"""Ids Blosc2 reserves for user-registered filters (c-blosc2 ``BLOSC2_USER_REGISTERED_FILTERS_*``)."""
PLUGIN_NAME_RE = re.compile(r"[A-Za-z0-9_]+")
"""Filter plugin names name a library to load: no path separators, dots or spaces."""

FilterFn = Callable[[np.ndarray, np.ndarray, int, Any], Any]

ufilters_registry: dict[int, tuple[FilterFn, FilterFn]] = {}
"""Python filters: id -> (forward, backward), the shape of ``blosc2.ufilters_registry``."""

_plugins: dict[int, str] = {}
"""Filter plugins: id -> library name, loaded on first use (:mod:`.plugins`)."""


def register_filter(
    id: int,  # noqa: A002 - blosc2's parameter name
    forward: FilterFn | None = None,
    backward: FilterFn | None = None,
    name: str | None = None,
) -> None:
    """Register a user-defined filter (Python functions) or a filter plugin (both None, ``name`` given).

    TypeError for wrong types, ValueError for wrong values, each naming the value; the tables are
    unchanged after any error.
    """
    if not _is_int(id):
        raise TypeError(f"filter id must be an integer, got {id!r} ({type(id).__name__})")
    fid = int(id)
    if not USER_FILTER_MIN <= fid <= USER_FILTER_MAX:
        raise ValueError(f"filter id must be between {USER_FILTER_MIN} and {USER_FILTER_MAX} (inclusive), got {fid}")
    if (forward is None) != (backward is None):
        raise ValueError("both forward and backward must be given (Python filter), or none (filter plugin); "
                         f"got forward={forward!r}, backward={backward!r}")
    for what, fn in (("forward", forward), ("backward", backward)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{what} must be callable, got {fn!r}")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"filter name must be a str or None, got {name!r} ({type(name).__name__})")
    is_plugin = forward is None
    if is_plugin:
        if not name:
            raise ValueError("a filter plugin (forward=backward=None) needs its library name: give name=")
        if not PLUGIN_NAME_RE.fullmatch(name):
            raise ValueError(f"filter plugin name must match [A-Za-z0-9_]+ (it names a library to load), got {name!r}")
    if fid in ufilters_registry or fid in _plugins:
        raise ValueError(f"filter id {fid} is already registered")
    if is_plugin:
        assert name is not None
        _plugins[fid] = name
    else:
        assert forward is not None and backward is not None
        ufilters_registry[fid] = (forward, backward)


def is_user_filter(fid: int) -> bool:
    return USER_FILTER_MIN <= int(fid) <= USER_FILTER_MAX


def python_filters(filters: list[int]) -> list[int]:
    """The registered Python filters among ``filters`` (threads are forbidden when there is one)."""
    return [int(f) for f in filters if is_user_filter(f) and int(f) in ufilters_registry]


def lookup(fid: int) -> tuple[FilterFn, FilterFn] | FilterPlugin:
    """(forward, backward) of a Python filter, the loaded plugin of a filter plugin, else RuntimeError naming the id."""
    entry = ufilters_registry.get(fid)
    if entry is not None:
        return entry
    plug = _plugins.get(fid)
    if plug is not None:
        try:
            return FilterPlugin(plug)
        except RuntimeError as exc:
            raise RuntimeError(f"filter {plug!r} (id {fid}) is a dynamic plugin that cannot be loaded: {exc}") from None
    raise RuntimeError(f"user-defined filter id {fid} is not registered (register it with register_filter)")


def check_usable(filters: list[int]) -> None:
    """Fail before anything is stored when a user filter of the pipeline cannot run."""
    for f in filters:
        if is_user_filter(f):
            lookup(int(f))


def container_only(filters: list[int], where: str) -> None:
    """ValueError when a pipeline holding a user filter is used outside a container."""
    used = [int(f) for f in filters if is_user_filter(f)]
    if used:
        raise ValueError(f"user-defined filters can only be used inside an SChunk (filter ids {used} given to {where})")


def apply(fid: int, direction: int, block: np.ndarray, meta: int, schunk: Any) -> np.ndarray:
    """Run the forward (``direction`` 0) or backward (1) function of filter ``fid`` on one block.

    The input is a read-only copy, the output a fresh writable array of the same size.
    """
    found = lookup(fid)
    inp = np.array(block, dtype=np.uint8, copy=True)
    inp.flags.writeable = False
    out = np.zeros(block.size, dtype=np.uint8)
    if isinstance(found, FilterPlugin):
        rc = found.run(direction, fid, inp, out, int(meta), _plugin_params(direction, schunk))
        if rc != 0:
            raise RuntimeError(f"filter plugin {found.name!r} (id {fid}) {('forward', 'backward')[direction]} "
                               f"returned error {rc}")
        return out
    fn = found[direction]
    fn(inp, out, int(meta) & 0xFF, schunk)
    return out


def _plugin_params(direction: int, schunk: Any) -> Any:
    """The C parameters a filter plugin gets: the container's (user filters run only inside one)."""
    cp = schunk._cparams
    if direction == 1:
        return dparams_c(typesize=int(cp.typesize))
    return cparams_c(cp, typesize=int(cp.typesize), blocksize=int(cp.blocksize))


def _reset_registry() -> None:
    """Forget every registered filter and filter plugin.  For tests only."""
    ufilters_registry.clear()
    _plugins.clear()
