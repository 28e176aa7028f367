"""ctypes declarations of the part of c-blosc2's C API the ``cblosc2`` adapter drives.

The library is the ``libblosc2`` shipped in the python-blosc2 4.x wheel (``blosc2/lib``), or the
file named by the environment variable ``UDCODEC_LIBBLOSC2``; it must be c-blosc2 3.x (older
python-blosc2 wheels ship no shared library, and c-blosc2 2.x's structs differ). Struct layouts follow ``blosc2.h`` of
that wheel (c-blosc2 3.x): field order and types are the header's, and
``tests/adapters/test_adapter_cblosc2.py`` compares every size and offset with a C compiler's.
The super-chunk struct is declared only up to ``dctx``: it is never allocated here, only read
through the library's pointers. ``blosc2_cparams`` and ``blosc2_dparams`` are the reference's
(:mod:`udcodec.reference.plugins`), which hands the same structs to the plugins it loads.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
import sys
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_bool,
    c_char_p,
    c_int,
    c_int32,
    c_int64,
    c_size_t,
    c_uint8,
    c_void_p,
)
from pathlib import Path

from udcodec.reference.plugins import CParamsC, DParamsC

#: The c-blosc2 major line whose struct layouts are declared here.
DECLARED_MAJOR = 3
MAX_FILTERS = 6  # BLOSC2_MAX_FILTERS
MAX_OVERHEAD = 32  # BLOSC2_MAX_OVERHEAD: a chunk is at most this much larger than its data
USER_CODECS_START = 160  # BLOSC2_USER_REGISTERED_CODECS_START
LIBRARY_ENV = "UDCODEC_LIBBLOSC2"


class StorageC(Structure):
    """``blosc2_storage``."""

    _fields_ = [
        ("contiguous", c_bool),
        ("urlpath", c_char_p),
        ("cparams", POINTER(CParamsC)),
        ("dparams", POINTER(DParamsC)),
        ("io", c_void_p),
    ]


class SChunkC(Structure):
    """The leading fields of ``blosc2_schunk``, up to ``dctx`` (read through the library's pointers only)."""

    _fields_ = [
        ("version", c_uint8),
        ("compcode", c_uint8),
        ("compcode_meta", c_uint8),
        ("clevel", c_uint8),
        ("splitmode", c_uint8),
        ("typesize", c_int32),
        ("blocksize", c_int32),
        ("chunksize", c_int32),
        ("flags2", c_uint8),
        ("use_dict", c_uint8),
        ("filters", c_uint8 * MAX_FILTERS),
        ("filters_meta", c_uint8 * MAX_FILTERS),
        ("nchunks", c_int64),
        ("current_nchunk", c_int64),
        ("nbytes", c_int64),
        ("cbytes", c_int64),
        ("data", c_void_p),
        ("data_len", c_size_t),
        ("storage", POINTER(StorageC)),
        ("frame", c_void_p),
        ("cctx", c_void_p),
        ("dctx", c_void_p),
    ]


B2ND_MAX_DIM = 16
DTYPE_NUMPY_FORMAT = 0


class ChunkCacheC(Structure):
    """``struct chunk_cache_s`` (b2nd.h)."""

    _fields_ = [("data", POINTER(c_uint8)), ("nchunk", c_int64)]


class B2ndArrayC(Structure):
    """``b2nd_array_t`` (b2nd.h): allocated by the library, read through its pointers."""

    _fields_ = [
        ("sc", POINTER(SChunkC)),
        ("shape", c_int64 * B2ND_MAX_DIM),
        ("chunkshape", c_int32 * B2ND_MAX_DIM),
        ("extshape", c_int64 * B2ND_MAX_DIM),
        ("blockshape", c_int32 * B2ND_MAX_DIM),
        ("extchunkshape", c_int64 * B2ND_MAX_DIM),
        ("nitems", c_int64),
        ("chunknitems", c_int32),
        ("extnitems", c_int64),
        ("blocknitems", c_int32),
        ("extchunknitems", c_int64),
        ("ndim", ctypes.c_int8),
        ("chunk_cache", ChunkCacheC),
        ("item_array_strides", c_int64 * B2ND_MAX_DIM),
        ("item_chunk_strides", c_int64 * B2ND_MAX_DIM),
        ("item_extchunk_strides", c_int64 * B2ND_MAX_DIM),
        ("item_block_strides", c_int64 * B2ND_MAX_DIM),
        ("block_chunk_strides", c_int64 * B2ND_MAX_DIM),
        ("chunk_array_strides", c_int64 * B2ND_MAX_DIM),
        ("dtype", c_char_p),
        ("dtype_format", ctypes.c_int8),
        ("last_tick", c_int64),
    ]


#: ``blosc2_codec_encoder_cb`` / ``blosc2_codec_decoder_cb``.
ENCODER_CB = CFUNCTYPE(c_int, POINTER(c_uint8), c_int32, POINTER(c_uint8), c_int32, c_uint8, POINTER(CParamsC), c_void_p)
DECODER_CB = CFUNCTYPE(c_int, POINTER(c_uint8), c_int32, POINTER(c_uint8), c_int32, c_uint8, POINTER(DParamsC), c_void_p)


class CodecC(Structure):
    """``blosc2_codec``."""

    _fields_ = [
        ("compcode", c_uint8),
        ("compname", c_char_p),
        ("complib", c_uint8),
        ("version", c_uint8),
        ("encoder", ENCODER_CB),
        ("decoder", DECODER_CB),
    ]


#: ``blosc2_filter_forward_cb`` / ``blosc2_filter_backward_cb``: (src, dest, size, meta, params, filter id).
FORWARD_CB = CFUNCTYPE(c_int, POINTER(c_uint8), POINTER(c_uint8), c_int32, c_uint8, POINTER(CParamsC), c_uint8)
BACKWARD_CB = CFUNCTYPE(c_int, POINTER(c_uint8), POINTER(c_uint8), c_int32, c_uint8, POINTER(DParamsC), c_uint8)


class FilterC(Structure):
    """``blosc2_filter``."""

    _fields_ = [
        ("id", c_uint8),
        ("name", c_char_p),
        ("version", c_uint8),
        ("forward", FORWARD_CB),
        ("backward", BACKWARD_CB),
    ]


#: Every ``BLOSC2_ERROR_*`` code of ``blosc2.h`` with its name.
ERROR_NAMES: dict[int, str] = {
    -1: "BLOSC2_ERROR_FAILURE",
    -2: "BLOSC2_ERROR_STREAM",
    -3: "BLOSC2_ERROR_DATA",
    -4: "BLOSC2_ERROR_MEMORY_ALLOC",
    -5: "BLOSC2_ERROR_READ_BUFFER",
    -6: "BLOSC2_ERROR_WRITE_BUFFER",
    -7: "BLOSC2_ERROR_CODEC_SUPPORT",
    -8: "BLOSC2_ERROR_CODEC_PARAM",
    -9: "BLOSC2_ERROR_CODEC_DICT",
    -10: "BLOSC2_ERROR_VERSION_SUPPORT",
    -11: "BLOSC2_ERROR_INVALID_HEADER",
    -12: "BLOSC2_ERROR_INVALID_PARAM",
    -13: "BLOSC2_ERROR_FILE_READ",
    -14: "BLOSC2_ERROR_FILE_WRITE",
    -15: "BLOSC2_ERROR_FILE_OPEN",
    -16: "BLOSC2_ERROR_NOT_FOUND",
    -17: "BLOSC2_ERROR_RUN_LENGTH",
    -18: "BLOSC2_ERROR_FILTER_PIPELINE",
    -19: "BLOSC2_ERROR_CHUNK_INSERT",
    -20: "BLOSC2_ERROR_CHUNK_APPEND",
    -21: "BLOSC2_ERROR_CHUNK_UPDATE",
    -22: "BLOSC2_ERROR_2GB_LIMIT",
    -23: "BLOSC2_ERROR_SCHUNK_COPY",
    -24: "BLOSC2_ERROR_FRAME_TYPE",
    -25: "BLOSC2_ERROR_FILE_TRUNCATE",
    -26: "BLOSC2_ERROR_THREAD_CREATE",
    -27: "BLOSC2_ERROR_POSTFILTER",
    -28: "BLOSC2_ERROR_FRAME_SPECIAL",
    -29: "BLOSC2_ERROR_SCHUNK_SPECIAL",
    -30: "BLOSC2_ERROR_PLUGIN_IO",
    -31: "BLOSC2_ERROR_FILE_REMOVE",
    -32: "BLOSC2_ERROR_NULL_POINTER",
    -33: "BLOSC2_ERROR_INVALID_INDEX",
    -34: "BLOSC2_ERROR_METALAYER_NOT_FOUND",
    -35: "BLOSC2_ERROR_MAX_BUFSIZE_EXCEEDED",
    -36: "BLOSC2_ERROR_TUNER",
    -37: "BLOSC2_ERROR_LOCK",
}


class CBlosc2Error(Exception):
    """A c-blosc2 call failed: a negative ``BLOSC2_ERROR_*`` code, or NULL where a pointer was due."""

    def __init__(self, call: str, code: int | None) -> None:
        self.call = call
        self.code = code
        self.error_name = ERROR_NAMES.get(code, f"code {code}") if code is not None else "NULL"
        super().__init__(f"{call} failed: {self.error_name}")


class CBlosc2ValueError(CBlosc2Error, ValueError):
    """A parameter the library refused (invalid parameter, unsupported codec or version, a size limit)."""


class CBlosc2OSError(CBlosc2Error, OSError):
    """A file the library could not open, read, write, truncate or remove."""


class CBlosc2RuntimeError(CBlosc2Error, RuntimeError):
    """Any other failure (bad data or stream, a codec that failed, NULL returned)."""


_VALUE_ERRORS = {-7, -8, -10, -12, -22, -33, -35}
_OS_ERRORS = {-13, -14, -15, -25, -31}


def error_for(call: str, code: int | None) -> CBlosc2Error:
    """The exception of this adapter for ``code`` returned by ``call`` (None: a NULL pointer)."""
    if code in _VALUE_ERRORS:
        return CBlosc2ValueError(call, code)
    if code in _OS_ERRORS:
        return CBlosc2OSError(call, code)
    return CBlosc2RuntimeError(call, code)


def library_path() -> Path:
    """The libblosc2 to load: ``$UDCODEC_LIBBLOSC2``, else the one in the installed python-blosc2 wheel."""
    explicit = os.environ.get(LIBRARY_ENV)
    if explicit:
        return Path(explicit)
    spec = importlib.util.find_spec("blosc2")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"python-blosc2 is not installed; install it, or set {LIBRARY_ENV} to a libblosc2")
    libdir = Path(next(iter(spec.submodule_search_locations))) / "lib"
    names = {"darwin": ["libblosc2.dylib"], "win32": ["blosc2.dll", "libblosc2.dll"]}.get(sys.platform, ["libblosc2.so"])
    for name in names:
        if (libdir / name).exists():
            return libdir / name
    raise ImportError(f"no libblosc2 in {libdir} (python-blosc2's wheel); set {LIBRARY_ENV} to one")


def _declare(lib: ctypes.CDLL) -> None:
    schunk_p = POINTER(SChunkC)
    b2nd_p = POINTER(B2ndArrayC)
    signatures: dict[str, tuple[object, list[object]]] = {
        "blosc2_init": (None, []),
        "blosc2_get_version_string": (c_char_p, []),
        "blosc2_register_codec": (c_int, [POINTER(CodecC)]),
        "blosc2_register_filter": (c_int, [POINTER(FilterC)]),
        "blosc2_get_blosc2_cparams_defaults": (CParamsC, []),
        "blosc2_get_blosc2_dparams_defaults": (DParamsC, []),
        "blosc2_schunk_new": (schunk_p, [POINTER(StorageC)]),
        "blosc2_schunk_open": (schunk_p, [c_char_p]),
        "blosc2_schunk_free": (c_int, [schunk_p]),
        "blosc2_schunk_append_buffer": (c_int64, [schunk_p, c_void_p, c_int32]),
        "blosc2_schunk_append_chunk": (c_int64, [schunk_p, c_void_p, c_bool]),
        "blosc2_schunk_get_chunk": (c_int, [schunk_p, c_int64, POINTER(c_void_p), POINTER(c_bool)]),
        "blosc2_schunk_decompress_chunk": (c_int, [schunk_p, c_int64, c_void_p, c_int32]),
        "blosc2_schunk_get_slice_buffer": (c_int, [schunk_p, c_int64, c_int64, c_void_p]),
        "blosc2_schunk_get_cparams": (c_int, [schunk_p, POINTER(POINTER(CParamsC))]),
        "blosc2_schunk_get_dparams": (c_int, [schunk_p, POINTER(POINTER(DParamsC))]),
        "blosc2_cbuffer_sizes": (c_int, [c_void_p, POINTER(c_int32), POINTER(c_int32), POINTER(c_int32)]),
        "blosc2_create_cctx": (c_void_p, [CParamsC]),
        "blosc2_create_dctx": (c_void_p, [DParamsC]),
        "blosc2_free_ctx": (None, [c_void_p]),
        "blosc2_compress_ctx": (c_int, [c_void_p, c_void_p, c_int32, c_void_p, c_int32]),
        "blosc2_decompress_ctx": (c_int, [c_void_p, c_void_p, c_int32, c_void_p, c_int32]),
        "b2nd_create_ctx": (c_void_p, [POINTER(StorageC), ctypes.c_int8, POINTER(c_int64), POINTER(c_int32),
                                       POINTER(c_int32), c_char_p, ctypes.c_int8, c_void_p, c_int32]),
        "b2nd_free_ctx": (c_int, [c_void_p]),
        "b2nd_from_cbuffer": (c_int, [c_void_p, POINTER(b2nd_p), c_void_p, c_int64]),
        "b2nd_full": (c_int, [c_void_p, POINTER(b2nd_p), c_void_p]),
        "b2nd_open": (c_int, [c_char_p, POINTER(b2nd_p)]),
        "b2nd_free": (c_int, [b2nd_p]),
        "b2nd_get_slice_cbuffer": (c_int, [b2nd_p, POINTER(c_int64), POINTER(c_int64), c_void_p, POINTER(c_int64),
                                           c_int64]),
        "b2nd_set_slice_cbuffer": (c_int, [c_void_p, POINTER(c_int64), c_int64, POINTER(c_int64), POINTER(c_int64),
                                           b2nd_p]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


_LIB: ctypes.CDLL | None = None
_LIBC: ctypes.CDLL | None = None


def load() -> ctypes.CDLL:
    """The library, loaded, declared and initialised (``blosc2_init``) once per process."""
    global _LIB
    if _LIB is None:
        path = library_path()
        lib = ctypes.CDLL(str(path))
        _declare(lib)
        version = lib.blosc2_get_version_string().decode()
        if not version.startswith(f"{DECLARED_MAJOR}."):
            raise ImportError(f"{path} is c-blosc2 {version}; the cblosc2 adapter declares c-blosc2 "
                              f"{DECLARED_MAJOR}.x's structs (python-blosc2 4.x ships one)")
        lib.blosc2_init()
        _LIB = lib
    return _LIB


def free(pointer: int | None) -> None:
    """``free()`` a buffer the library allocated for the caller."""
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or None)
        _LIBC.free.argtypes = [c_void_p]
        _LIBC.free.restype = None
    if pointer:
        _LIBC.free(pointer)
