"""Blosc2's builtin codecs, one stream at a time, as c-blosc2's codec wrappers (``blosc2.c``) call them.

Each stream is stored as the library's own output, nothing added:

* ZSTD: a zstd frame (``ZSTD_compressCCtx`` with c-blosc2's output capacity), level ``2 * clevel - 1``
  for clevel 1..8 and zstd's maximum (22) for 9 (library: ``zstandard``, its libzstd called through cffi);
* ZLIB: a zlib stream (``compress2``) at level ``clevel`` (stdlib ``zlib``);
* LZ4: a raw LZ4 block (``LZ4_compress_fast``), acceleration ``10 - clevel`` (``lz4.block``);
* LZ4HC: a raw LZ4 block (``LZ4_compress_HC``) at level ``clevel`` (``lz4.block``);
* BLOSCLZ: a BloscLZ stream (:mod:`.blosclz`).

An encoder answers ``0`` when its output does not fit in ``maxout`` bytes (c-blosc2 then stores the
stream raw or the chunk memcpyed); a decoder must produce exactly the stream's size.
"""

from __future__ import annotations

import functools
import importlib
import re
import threading
import zlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import blosclz
from .params import Codec

ZSTD_MAX_LEVEL = 22  # ZSTD_maxCLevel()

Encoder = Callable[[bytes, int, int], bytes | None]
Decoder = Callable[[bytes, int], bytes]


def zstd_level(clevel: int) -> int:
    """c-blosc2's zstd level for a Blosc2 clevel (1..9)."""
    return 2 * clevel - 1 if clevel < 9 else ZSTD_MAX_LEVEL


def lz4_acceleration(clevel: int) -> int:
    """c-blosc2's LZ4 acceleration for a Blosc2 clevel (``get_accel``)."""
    return 10 - clevel


@functools.cache
def _library(module: str, codec: str) -> ModuleType:
    """Import a compression library when a codec first needs it (the reference imports without them)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if _OUT_OF_MEMORY.search(str(exc)):  # the loader could not map the library: memory, not the package
            raise MemoryError(f"loading {module} for builtin codec {codec}: {exc}") from None
        raise NotImplementedError(f"builtin codec {codec} needs the Python package behind {module} "
                                  f"(pip install udcodec-conformance installs it): {exc}") from None


#: How the dynamic loader says it ran out of memory mapping a library (glibc: "failed to map segment from shared
#: object", "cannot allocate memory").
_OUT_OF_MEMORY = re.compile(r"failed to map segment|cannot allocate memory", re.IGNORECASE)


_local = threading.local()


def _zstd_cctx() -> Any:
    """This thread's ZSTD_CCtx (c-blosc2 keeps one per thread too)."""
    cctx = getattr(_local, "zstd_cctx", None)
    if cctx is None:
        cffi = _library("zstandard.backend_cffi", "ZSTD")  # libzstd's own functions (needs cffi)
        cctx = _local.zstd_cctx = cffi.ffi.gc(cffi.lib.ZSTD_createCCtx(), cffi.lib.ZSTD_freeCCtx)
    return cctx


@functools.cache
def _zstd_decompressor() -> Any:
    return _library("zstandard", "ZSTD").ZstdDecompressor()


def _fits(out: bytes, maxout: int) -> bytes | None:
    return out if len(out) <= maxout else None


def _encode_zstd(stream: bytes, clevel: int, maxout: int) -> bytes | None:
    # zstd's own entry point with c-blosc2's output capacity: zstd writes other bytes (e.g. raw literals)
    # when the capacity is below its bound, so compressing first and checking the size after would not do
    cctx = _zstd_cctx()
    cffi = _library("zstandard.backend_cffi", "ZSTD")
    ffi, lib = cffi.ffi, cffi.lib
    dst = ffi.new("char[]", maxout)
    n = lib.ZSTD_compressCCtx(cctx, dst, maxout, stream, len(stream), zstd_level(clevel))
    return None if lib.ZSTD_isError(n) else ffi.buffer(dst, n)[:]


def _encode_zlib(stream: bytes, clevel: int, maxout: int) -> bytes | None:
    return _fits(zlib.compress(stream, clevel), maxout)


def _encode_lz4(stream: bytes, clevel: int, maxout: int) -> bytes | None:
    lz4 = _library("lz4.block", "LZ4")
    out = lz4.compress(stream, mode="fast", acceleration=lz4_acceleration(clevel), store_size=False)
    return _fits(out, maxout)


def _encode_lz4hc(stream: bytes, clevel: int, maxout: int) -> bytes | None:
    lz4 = _library("lz4.block", "LZ4HC")
    out = lz4.compress(stream, mode="high_compression", compression=clevel, store_size=False)
    return _fits(out, maxout)


def _encode_blosclz(stream: bytes, clevel: int, maxout: int) -> bytes | None:
    out = blosclz.compress(stream, clevel, maxout)
    return out or None


def _exact(name: str, out: bytes, size: int) -> bytes:
    if len(out) != size:
        raise ValueError(f"{name} stream decoded to {len(out)} bytes, expected {size}")
    return out


def _decode_zstd(cdata: bytes, size: int) -> bytes:
    zstd = _library("zstandard", "ZSTD")
    try:
        out = _zstd_decompressor().decompress(cdata, max_output_size=size)
    except zstd.ZstdError as exc:
        raise ValueError(f"corrupt zstd stream: {exc}") from None
    return _exact("zstd", out, size)


def _decode_zlib(cdata: bytes, size: int) -> bytes:
    try:
        out = zlib.decompress(cdata)
    except zlib.error as exc:
        raise ValueError(f"corrupt zlib stream: {exc}") from None
    return _exact("zlib", out, size)


def _decode_lz4(cdata: bytes, size: int) -> bytes:
    lz4 = _library("lz4.block", "LZ4")
    try:
        out = lz4.decompress(cdata, uncompressed_size=size)
    except lz4.LZ4BlockError as exc:
        raise ValueError(f"corrupt lz4 block: {exc}") from None
    return _exact("lz4", out, size)


def _decode_blosclz(cdata: bytes, size: int) -> bytes:
    return blosclz.decompress_exact(cdata, size)


ENCODERS: dict[int, Encoder] = {Codec.BLOSCLZ: _encode_blosclz, Codec.LZ4: _encode_lz4,
                                Codec.LZ4HC: _encode_lz4hc, Codec.ZLIB: _encode_zlib, Codec.ZSTD: _encode_zstd}
"""Codec id -> ``encode(stream, clevel, maxout)``: the stream's encoding, or None if it does not fit."""

DECODERS_BY_FORMAT: dict[int, Decoder] = {0: _decode_blosclz, 1: _decode_lz4, 3: _decode_zlib, 4: _decode_zstd}
"""Chunk flags' compressor format (LZ4 and LZ4HC share one) -> ``decode(cdata, size)``."""
