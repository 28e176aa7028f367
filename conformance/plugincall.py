"""Call a compiled codec plugin's encoder and decoder directly, as c-blosc2 does, through guarded buffers.

c-blosc2 calls a codec as ``int enc(const uint8_t *in, int32_t in_len, uint8_t *out, int32_t out_len,
uint8_t meta, blosc2_cparams *cparams, const void *chunk)`` (the decoder takes a ``blosc2_dparams *``):
``cparams`` holds the chunk's typesize, clevel, blocksize, split mode, filters and the super-chunk being
written; ``chunk`` points at the chunk's source (encoder) or compressed chunk (decoder). Here ``chunk``
points at the block itself, the only buffer a direct call has.

:class:`PluginCodec` loads the library Blosc2 would load (:func:`udcodec.pluginlib.resolve`), reads the
names in its ``info`` symbol, and offers the pair as Python callables with the signature of a Python
codec, ``encoder(input, output, meta, schunk) -> int``, so the codec checks drive plugins as they drive
Python codecs. The output is copied into a :class:`GuardedBuffer`, whose canary margins (and, on Linux, an
inaccessible page after them) catch writes outside ``[0, out_len)``: a call that touches them raises
:class:`BufferOverrun` after copying the output back.

The struct layouts are ``udcodec.adapters.cblosc2_lib``'s, which c-blosc2 2.23 and 3.x share (the libblosc2
of the python-blosc2 4.x wheels); with an older libblosc2, or none, :class:`PluginCallUnavailable` says why
nothing can be called.
"""

from __future__ import annotations

import ctypes
import importlib
import mmap
import sys
from collections.abc import Callable
from ctypes import POINTER, Structure, c_char_p, c_int, c_int32, c_uint8, c_void_p
from typing import Any

import numpy as np
from udcodec.adapters.protocol import FILTER_IDS, SPLITMODE_IDS
from udcodec.pluginlib import resolve

#: Bytes of canary before every output buffer, and at least after it.
MARGIN = 64
#: The canary after an output covers this many times the call's input: an encoder ignoring the size may
#: write a few times its input (2x for a byte run-length code), a decoder ~128x (run-length again).
ENCODER_EXPANSION, DECODER_EXPANSION = 4, 256
MAX_SLACK = 64 << 20
CANARY = 0xA5


class PluginCallUnavailable(Exception):
    """The plugin cannot be called directly here (no library, no ``info``, no usable libblosc2)."""


class BufferOverrun(Exception):
    """The codec wrote outside the output buffer it was given (the message says where)."""


class _CodecInfo(Structure):
    _fields_ = [("encoder", c_char_p), ("decoder", c_char_p)]


class _Libc:
    """mmap/mprotect/munmap through ctypes (Linux); ``None`` where they are not declared alike."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.mmap.restype = c_void_p
        libc.mmap.argtypes = [c_void_p, ctypes.c_size_t, c_int, c_int, c_int, ctypes.c_long]
        libc.mprotect.argtypes = [c_void_p, ctypes.c_size_t, c_int]
        libc.munmap.argtypes = [c_void_p, ctypes.c_size_t]
        self.lib = libc


_LIBC: _Libc | None = None
_MAP_FAILED = ctypes.c_void_p(-1).value


def _libc() -> _Libc | None:
    global _LIBC
    if _LIBC is None and sys.platform.startswith("linux"):
        _LIBC = _Libc()
    return _LIBC


class GuardedBuffer:
    """``size`` writable bytes between two canary margins; the second ends at an inaccessible page (Linux).

    The margin after is ``MARGIN + slack`` bytes: as far as a codec ignoring the size may plausibly write. A
    write into a margin is reported by :meth:`overrun`; one further past the end faults on the page (the
    check's process dies, which the harness reports as a crash of the clause).
    """

    def __init__(self, size: int, slack: int = 0) -> None:
        self.size, self.after = size, MARGIN + min(slack, MAX_SLACK)
        span = MARGIN + size + self.after
        libc = _libc()
        self._map: tuple[int, int] | None = None
        self._fallback: Any = None
        if libc is not None:
            pages = -(-span // mmap.PAGESIZE)
            length = (pages + 1) * mmap.PAGESIZE
            base = libc.lib.mmap(None, length, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
            if base is None or base == _MAP_FAILED:
                raise MemoryError(f"mmap of {length} bytes failed")
            guard = base + pages * mmap.PAGESIZE
            libc.lib.mprotect(guard, mmap.PAGESIZE, 0)
            self._map = (base, length)
            self.start = guard - self.after - size
            ctypes.memset(base, CANARY, pages * mmap.PAGESIZE)
        else:
            self._fallback = ctypes.create_string_buffer(bytes([CANARY]) * span, span)
            self.start = ctypes.addressof(self._fallback) + MARGIN

    @property
    def pointer(self) -> Any:
        return ctypes.cast(self.start, POINTER(c_uint8))

    def load(self, data: bytes) -> None:
        ctypes.memmove(self.start, data, min(len(data), self.size))

    def read(self, n: int | None = None) -> bytes:
        return ctypes.string_at(self.start, self.size if n is None else n)

    def overrun(self) -> str | None:
        """Where the margins were written, or None."""
        before = np.frombuffer(ctypes.string_at(self.start - MARGIN, MARGIN), dtype=np.uint8)
        after = np.frombuffer(ctypes.string_at(self.start + self.size, self.after), dtype=np.uint8)
        bad_after, bad_before = np.flatnonzero(after != CANARY), np.flatnonzero(before != CANARY)
        if bad_after.size:
            return (f"wrote {bad_after.size} byte(s) past the end of its {self.size}-byte output "
                    f"(first at output[{self.size + int(bad_after[0])}])")
        if bad_before.size:
            return f"wrote {bad_before.size} byte(s) before the start of its output (first at output[{int(bad_before[0]) - MARGIN}])"
        return None

    def close(self) -> None:
        libc = _libc()
        if self._map is not None and libc is not None:
            libc.lib.munmap(self._map[0], self._map[1])
        self._map, self._fallback = None, None

    def __enter__(self) -> GuardedBuffer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: The oldest c-blosc2 whose ``blosc2_cparams`` and ``blosc2_dparams`` have the layout declared in
#: ``cblosc2_lib`` (c-blosc2 2.23, in python-blosc2 4.0.0's wheel, declares both as 3.x does, field for field).
STRUCTS_SINCE = (2, 23)


def _blosc2_structs() -> Any:
    """The cblosc2 declarations, with libblosc2 loaded globally (a plugin takes its symbols from it)."""
    from udcodec.adapters import cblosc2_lib

    try:
        lib = ctypes.CDLL(str(cblosc2_lib.library_path()), mode=ctypes.RTLD_GLOBAL)
    except (ImportError, OSError) as exc:
        raise PluginCallUnavailable(f"no libblosc2 to call the plugin beside: {exc}") from None
    lib.blosc2_get_version_string.restype = c_char_p
    version = lib.blosc2_get_version_string().decode()
    numbers = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    if numbers < STRUCTS_SINCE:
        raise PluginCallUnavailable(f"libblosc2 is c-blosc2 {version}; the parameter structs are declared for "
                                    f"c-blosc2 {'.'.join(map(str, STRUCTS_SINCE))} and later")
    return cblosc2_lib


_LOADED: dict[str, PluginCodec] = {}


class PluginCodec:
    """A plugin's encoder and decoder, called directly with c-blosc2's parameter structs."""

    def __init__(self, name: str, codec_id: int, path: str) -> None:
        self.name, self.id, self.path = name, codec_id, path
        self._c = _blosc2_structs()
        try:
            self.lib = ctypes.CDLL(path, mode=ctypes.RTLD_LOCAL)
        except OSError as exc:
            raise PluginCallUnavailable(f"cannot load {path}: {exc}") from None
        try:
            info = _CodecInfo.in_dll(self.lib, "info")
        except ValueError:
            raise PluginCallUnavailable(f"{path} exports no `info` symbol") from None
        if not info.encoder or not info.decoder:
            raise PluginCallUnavailable(f"{path}: `info` does not name an encoder and a decoder")
        self.encoder_name, self.decoder_name = info.encoder.decode(), info.decoder.decode()
        c = self._c
        try:
            self._enc = getattr(self.lib, self.encoder_name)
            self._dec = getattr(self.lib, self.decoder_name)
        except AttributeError as exc:
            raise PluginCallUnavailable(f"{path}: {exc}") from None
        self._enc.restype = self._dec.restype = c_int
        self._enc.argtypes = [c_void_p, c_int32, POINTER(c_uint8), c_int32, c_uint8, POINTER(c.CParamsC), c_void_p]
        self._dec.argtypes = [c_void_p, c_int32, POINTER(c_uint8), c_int32, c_uint8, POINTER(c.DParamsC), c_void_p]
        self._own_schunk: Any = None

    @classmethod
    def load(cls, name: str, codec_id: int) -> PluginCodec:
        """The plugin Blosc2 would load for ``name``, its package imported first as its users do (cached)."""
        key = f"{name}:{codec_id}"
        if key not in _LOADED:
            try:
                importlib.import_module(f"blosc2_{name}")
            except ImportError:
                pass
            found = resolve(name)
            if found.path is None:
                raise PluginCallUnavailable(f"Blosc2 cannot find plugin {name!r}: {found.package_error}")
            _LOADED[key] = cls(name, codec_id, found.path)
        return _LOADED[key]

    def _schunk_address(self, schunk: Any, typesize: int) -> int:
        """The super-chunk c-blosc2 would put in the params: the host's, else one made through the C API."""
        for attr in ("c_schunk", "address"):
            value = getattr(schunk, attr, None)
            if isinstance(value, int) and value:
                return value
        if self._own_schunk is None:
            c = self._c
            try:
                c.load()
            except ImportError as exc:
                raise PluginCallUnavailable(f"the host passed no super-chunk and none can be made here: {exc}") from None
            cp = c.load().blosc2_get_blosc2_cparams_defaults()
            cp.compcode, cp.typesize, cp.nthreads = self.id, typesize, 1
            dp = c.load().blosc2_get_blosc2_dparams_defaults()
            dp.nthreads = 1
            self._storage = c.StorageC(contiguous=False, urlpath=None, cparams=ctypes.pointer(cp), dparams=ctypes.pointer(dp))
            self._own_schunk = c.load().blosc2_schunk_new(ctypes.byref(self._storage))
        return ctypes.cast(self._own_schunk, c_void_p).value or 0

    def cparams(self, meta: int, typesize: int, blocksize: int, schunk: Any = None, *, clevel: int = 5,
                splitmode: str = "never", filters: tuple[str, ...] = ("nofilter",), nthreads: int = 1) -> Any:
        """A ``blosc2_cparams`` as c-blosc2 fills it for one chunk with this codec."""
        cp = self._c.CParamsC()
        cp.compcode, cp.compcode_meta, cp.clevel, cp.typesize = self.id, meta, clevel, typesize
        cp.nthreads, cp.blocksize, cp.splitmode = nthreads, blocksize, SPLITMODE_IDS[splitmode]
        cp.schunk = self._schunk_address(schunk, typesize)
        for i, name in enumerate(filters[-len(cp.filters):]):  # in the last slots, where c-blosc2's defaults put SHUFFLE
            cp.filters[len(cp.filters) - len(filters) + i] = FILTER_IDS[name]
        return cp

    def dparams(self, typesize: int, schunk: Any = None, *, nthreads: int = 1) -> Any:
        dp = self._c.DParamsC()
        dp.nthreads, dp.typesize, dp.schunk = nthreads, typesize, self._schunk_address(schunk, typesize)
        return dp

    def _call(self, role: str, fn: Any, params: Any, src: np.ndarray, output: np.ndarray, meta: int) -> int:
        data = np.ascontiguousarray(src, dtype=np.uint8).tobytes()
        inp = ctypes.create_string_buffer(data, max(len(data), 1))
        slack = len(data) * (DECODER_EXPANSION if role == "decoder" else ENCODER_EXPANSION)
        with GuardedBuffer(output.size, slack) as out:
            out.load(output.tobytes())
            n = int(fn(ctypes.cast(inp, c_void_p), len(data), out.pointer, output.size, meta, ctypes.byref(params),
                       ctypes.cast(inp, c_void_p)))
            output[:] = np.frombuffer(out.read(), dtype=np.uint8)
            problem = out.overrun()
        if problem:
            raise BufferOverrun(f"the {role} {problem}; it returned {n}")
        return n

    def pair(self, typesize: int = 1, *, splitmode: str = "never",
             filters: tuple[str, ...] = ("nofilter",)) -> tuple[Callable[..., int], Callable[..., int]]:
        """``encoder(input, output, meta, schunk)`` and ``decoder(...)`` over uint8 arrays, as Python codecs are called."""

        def encoder(src: np.ndarray, output: np.ndarray, meta: int, schunk: Any = None) -> int:
            cp = self.cparams(meta, typesize, int(np.asarray(src).nbytes), schunk, splitmode=splitmode, filters=filters)
            return self._call("encoder", self._enc, cp, src, output, meta)

        def decoder(src: np.ndarray, output: np.ndarray, meta: int, schunk: Any = None) -> int:
            return self._call("decoder", self._dec, self.dparams(typesize, schunk), src, output, meta)

        return encoder, decoder
