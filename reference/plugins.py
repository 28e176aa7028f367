"""Compiled codec and filter plugins, found and called as c-blosc2 finds and calls them.

A plugin named NAME is the library ``libblosc2_NAME.so`` on the dynamic linker's search path, else the
file that ``blosc2_NAME.print_libpath()`` prints; its ``info`` symbol holds two ``char *``, the names of
its encoder and decoder (a filter's: forward and backward). The reference loads it on first use, as
c-blosc2 does, with these differences, each so that a plugin name stays data:

- registration admits only names matching ``[A-Za-z0-9_]+`` (``registry.PLUGIN_NAME_RE``,
  ``ufilters.PLUGIN_NAME_RE``), so no name is a path: that check is the only one, and names reach this
  module only from the registries;
- ``print_libpath()`` runs in a child of this interpreter that gets the package name as an argument:
  no shell ever sees it (c-blosc2 runs ``python -c "import blosc2_NAME; ..."`` through ``popen``);
- libraries load with ``RTLD_NOW``: a plugin that needs symbols nobody provides (libblosc2's, say)
  fails to load with the dynamic linker's message instead of aborting the process at its first call.

Plugins receive c-blosc2 3.x's ``blosc2_cparams`` and ``blosc2_dparams``. The reference has no C
super-chunk, so their ``schunk`` is NULL, as c-blosc2 passes it for a chunk compressed outside one.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from collections.abc import Callable
from ctypes import POINTER, Structure, c_bool, c_char_p, c_int, c_int16, c_int32, c_uint8, c_void_p
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_FILTERS = 6  # BLOSC2_MAX_FILTERS
LIBPATH_TIMEOUT = 60.0
"""Seconds ``blosc2_NAME.print_libpath()`` may take in its child interpreter."""


class CParamsC(Structure):
    """``blosc2_cparams`` (c-blosc2 3.x, and 2.23 on)."""

    _fields_ = [
        ("compcode", c_uint8),
        ("compcode_meta", c_uint8),
        ("clevel", c_uint8),
        ("use_dict", c_int),
        ("typesize", c_int32),
        ("nthreads", c_int16),
        ("blocksize", c_int32),
        ("splitmode", c_int32),
        ("schunk", c_void_p),
        ("filters", c_uint8 * MAX_FILTERS),
        ("filters_meta", c_uint8 * MAX_FILTERS),
        ("prefilter", c_void_p),
        ("preparams", c_void_p),
        ("tuner_params", c_void_p),
        ("tuner_id", c_int),
        ("instr_codec", c_bool),
        ("codec_params", c_void_p),
        ("filter_params", c_void_p * MAX_FILTERS),
    ]


class DParamsC(Structure):
    """``blosc2_dparams`` (c-blosc2 3.x, and 2.23 on)."""

    _fields_ = [
        ("nthreads", c_int16),
        ("schunk", c_void_p),
        ("postfilter", c_void_p),
        ("postparams", c_void_p),
        ("typesize", c_int32),
    ]


class _Info(Structure):
    """``codec_info`` and ``filter_info``: two function names."""

    _fields_ = [("first", c_char_p), ("second", c_char_p)]


def cparams_c(cp: Any, *, typesize: int, blocksize: int) -> CParamsC:
    """The ``blosc2_cparams`` of a chunk written with ``cp`` (a :class:`~udcodec.reference.CParams`), its super-chunk NULL.

    ``nthreads`` is 1: the reference calls plugins on the caller's thread only.
    """
    c = CParamsC()
    c.compcode, c.compcode_meta, c.clevel = int(cp.codec) & 0xFF, int(cp.codec_meta) & 0xFF, int(cp.clevel) & 0xFF
    c.typesize, c.nthreads, c.blocksize, c.splitmode = typesize, 1, blocksize, int(cp.splitmode)
    for i, (f, m) in enumerate(zip(list(cp.filters)[-MAX_FILTERS:], list(cp.filters_meta)[-MAX_FILTERS:], strict=False)):
        c.filters[i], c.filters_meta[i] = int(f) & 0xFF, int(m) & 0xFF
    return c


def dparams_c(*, typesize: int) -> DParamsC:
    """A ``blosc2_dparams`` for one chunk, one thread, its super-chunk NULL."""
    dp = DParamsC()
    dp.nthreads, dp.typesize = 1, typesize
    return dp


@dataclass
class _Library:
    handle: ctypes.CDLL  # kept: the library stays loaded while its functions are used
    first: Any
    second: Any


_loaded: dict[str, _Library] = {}


def _libpath(name: str) -> str:
    """What ``blosc2_NAME.print_libpath()`` prints, run in a child interpreter; RuntimeError says why not."""
    package = f"blosc2_{name}"
    code = "import importlib, sys; importlib.import_module(sys.argv[1]).print_libpath()"
    try:
        got = subprocess.run([sys.executable, "-c", code, package], capture_output=True, text=True,
                             timeout=LIBPATH_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{package}.print_libpath() did not finish in {LIBPATH_TIMEOUT:g} s") from None
    if got.returncode != 0:
        lines = [line.strip() for line in got.stderr.splitlines() if line.strip()]
        last = lines[-1] if lines else "no message"
        missing = last.startswith("ModuleNotFoundError") and repr(package) in last
        raise RuntimeError(f"{'it is not installed: ' if missing else ''}libblosc2_{name}.so is not on the library "
                           f"path and {package}.print_libpath() failed: {last}")
    printed = got.stdout.splitlines()[0].strip() if got.stdout.strip() else ""
    if not printed:
        raise RuntimeError(f"{package}.print_libpath() printed nothing")
    return printed


def _load(name: str, kind: str, signatures: tuple[list[Any], list[Any]]) -> _Library:
    key = f"{kind}:{name}"
    if key in _loaded:
        return _loaded[key]
    try:
        path = f"libblosc2_{name}.so"
        handle = ctypes.CDLL(path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
    except OSError as direct:
        if "cannot open shared object file" not in str(direct):  # found, but it does not load
            raise RuntimeError(f"libblosc2_{name}.so is on the library path but does not load: {direct}") from None
        path = _libpath(name)
        try:
            handle = ctypes.CDLL(path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
        except OSError as exc:
            raise RuntimeError(f"{path} does not load: {exc}") from None
    try:
        info = _Info.in_dll(handle, "info")
    except ValueError:
        raise RuntimeError(f"{path} exports no `info` symbol") from None
    if not info.first or not info.second:
        raise RuntimeError(f"{path}: `info` does not name two functions")
    fns = []
    for symbol, argtypes in zip((info.first, info.second), signatures, strict=True):
        try:
            fn = getattr(handle, symbol.decode())
        except AttributeError:
            raise RuntimeError(f"{path}: `info` names {symbol.decode()!r}, which the library does not define") from None
        fn.restype, fn.argtypes = c_int, argtypes
        fns.append(fn)
    _loaded[key] = _Library(handle, fns[0], fns[1])
    return _loaded[key]


_CODEC_ARGS = [c_void_p, c_int32, POINTER(c_uint8), c_int32, c_uint8]
_FILTER_ARGS = [c_void_p, POINTER(c_uint8), c_int32, c_uint8]


def _pointer(a: np.ndarray) -> Any:
    return a.ctypes.data_as(POINTER(c_uint8))


class CodecPlugin:
    """A codec plugin's encoder and decoder, called on uint8 arrays with the chunk's C parameters."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lib = _load(name, "codec", ([*_CODEC_ARGS, POINTER(CParamsC), c_void_p],
                                          [*_CODEC_ARGS, POINTER(DParamsC), c_void_p]))

    def encoder(self, params: CParamsC) -> Callable[[np.ndarray, np.ndarray, int, Any], int]:
        """The encoder with a Python codec's signature, called with ``params``."""
        return lambda src, out, meta, _schunk: self._call(self._lib.first, src, out, meta, params)

    def decoder(self, params: DParamsC) -> Callable[[np.ndarray, np.ndarray, int, Any], int]:
        """The decoder with a Python codec's signature, called with ``params``."""
        return lambda src, out, meta, _schunk: self._call(self._lib.second, src, out, meta, params)

    @staticmethod
    def _call(fn: Any, src: np.ndarray, out: np.ndarray, meta: int, params: Any) -> int:
        # c-blosc2's last argument is the chunk being written or read; the block is all there is here
        src = np.ascontiguousarray(src, dtype=np.uint8)
        return int(fn(src.ctypes.data, src.size, _pointer(out), out.size, meta & 0xFF, ctypes.byref(params),
                      src.ctypes.data))


class FilterPlugin:
    """A filter plugin's forward and backward functions, called on one block."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lib = _load(name, "filter", ([*_FILTER_ARGS, POINTER(CParamsC), c_uint8],
                                           [*_FILTER_ARGS, POINTER(DParamsC), c_uint8]))

    def run(self, direction: int, fid: int, src: np.ndarray, out: np.ndarray, meta: int, params: Any) -> int:
        fn = self._lib.first if direction == 0 else self._lib.second
        src = np.ascontiguousarray(src, dtype=np.uint8)
        return int(fn(src.ctypes.data, _pointer(out), src.size, meta & 0xFF, ctypes.byref(params), fid & 0xFF))


def _forget() -> None:
    """Drop the loaded libraries (tests only: a plugin rebuilt under the same name is found again)."""
    _loaded.clear()
