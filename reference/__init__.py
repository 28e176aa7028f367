"""udcodec.reference: a Python + NumPy reference implementation of blosc2's user-defined codec API.

Drop-in for the subset of python-blosc2 4.x used with user codecs::

    import udcodec.reference as blosc2
    blosc2.register_codec("mycodec", 180, encoder, decoder)
    blosc2.register_filter(160, forward, backward)   # then filters=[160, ...] in cparams
    s = blosc2.SChunk(chunksize=..., cparams={"codec": 180, "nthreads": 1}, dparams={"nthreads": 1})
    a = blosc2.asarray(x, chunks=(4, 6), blocks=(2, 3), cparams={"codec": 180}, urlpath="a.b2nd")
    blosc2.open("a.b2nd")[2:5, :]                    # an NDArray: frames with the b2nd metalayer

Chunks are written in the real Blosc2 chunk format and persisted containers in the real
contiguous frame format (one file) or sparse frame format (a directory, ``contiguous=False``);
both open in python-blosc2, and frames python-blosc2 wrote open here.  Compiled codec and filter
plugins load as c-blosc2 loads them (:mod:`udcodec.reference.plugins`).  Callbacks always run on
the caller's thread.  ``nthreads`` left out is python-blosc2's default (``nthreads``, from the
CPUs this process may run on), except with a Python codec, where it is 1.

Where the contract (``spec/*.yaml``) is silent it accepts what python-blosc2 4.x accepts (floats for
integer parameters, short filter lists, unknown keys of a parameters dict, ``schunk[a:b] = data``,
...); ``with udcodec.reference.strict():`` or ``UDCODEC_REFERENCE_STRICT=1`` refuses the floats and the unknown
keys (see :mod:`udcodec.reference.compat`).
python-blosc2's own user-codec tests, example and tutorial run against it in ``tests/upstream``.
"""

from typing import Any

from .chunkformat import compress_chunk, decompress_chunk, parse_header
from .compat import strict
from .frame import (
    ChunkCodecError,
    ChunkFormatError,
    FormatError,
    FrameFormatError,
    FrameUnsupportedError,
)
from .ndarray import LazyExpr, NDArray, asarray, empty, full, open, zeros
from .oneshot import compress2, decompress2
from .params import Codec, CParams, DParams, Filter, SplitMode, Tuner
from .registry import _reset_registry as _reset_registry  # tests only (documented in registry)
from .registry import register_codec, ucodecs_registry
from .schunk import SChunk, remove_urlpath
from .threads import ncores, set_nthreads
from .ufilters import register_filter, ufilters_registry


def __getattr__(name: str) -> Any:
    if name == "nthreads":  # the default thread count, as blosc2.nthreads (changed by set_nthreads)
        from . import threads

        return threads.nthreads
    if name == "__version__":  # the reference is versioned with the harness (looked up on first use)
        import udcodec

        return udcodec.__version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

IS_WASM = False
"""python-blosc2 names its WebAssembly builds so (code written for it reads the flag); never one here."""

__all__ = [
    "CParams",
    "Codec",
    "DParams",
    "Filter",
    "ChunkCodecError",
    "ChunkFormatError",
    "FormatError",
    "FrameFormatError",
    "FrameUnsupportedError",
    "IS_WASM",
    "LazyExpr",
    "NDArray",
    "SChunk",
    "SplitMode",
    "Tuner",
    "asarray",
    "compress2",
    "compress_chunk",
    "decompress2",
    "decompress_chunk",
    "empty",
    "full",
    "open",
    "ncores",
    "parse_header",
    "register_codec",
    "register_filter",
    "remove_urlpath",
    "strict",
    "set_nthreads",
    "ucodecs_registry",
    "ufilters_registry",
    "zeros",
]
