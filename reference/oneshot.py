"""One-shot ``compress2`` / ``decompress2`` (no container): builtin codecs only.

User-defined codecs and filters (ids 160..255) are rejected here, as in blosc2: they receive the SChunk as an
argument and can only be used inside one.  The reference implements the builtin codecs BLOSCLZ, LZ4, LZ4HC,
ZLIB and ZSTD (:mod:`.builtin_codecs`) and clevel=0 (memcpy) for any codec; anything else raises
NotImplementedError (never wrong bytes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import chunkformat as cf
from . import ufilters
from .params import CParams, DParams, as_cparams, as_dparams

_CONTAINER_ONLY = "user-defined codecs can only be used inside an SChunk"


def compress2(src: Any, **kwargs: Any) -> bytes:
    """Compress ``src`` into one Blosc2 chunk.  kwargs: ``cparams=`` or CParams field names."""
    cparams = kwargs.pop("cparams", None)
    if kwargs:
        if cparams is not None:
            raise TypeError(f"give either cparams= or CParams fields, not both (got {sorted(kwargs)})")
        cparams = kwargs
    cp: CParams = as_cparams(cparams)
    if cf.is_user_codec(int(cp.codec)):
        raise ValueError(f"{_CONTAINER_ONLY} (codec id {int(cp.codec)} given to compress2)")
    ufilters.container_only([int(f) for f in cp.filters], "compress2")
    return cf.compress_chunk(src, cp, None)


def decompress2(src: Any, dst: Any = None, **kwargs: Any) -> bytes | None:
    """Decompress one Blosc2 chunk; into ``dst`` (returns None) if given.  kwargs: ``dparams=``."""
    dparams = kwargs.pop("dparams", None)
    if kwargs:
        dparams = kwargs if dparams is None else dparams
    _dp: DParams = as_dparams(dparams)
    chunk = bytes(memoryview(src).cast("B"))
    h = cf.parse_header(chunk)
    if cf.is_user_codec(h.codec) or h.compformat == cf.FORMAT_UDCODEC and cf.is_user_codec(h.udcodec):
        raise ValueError(f"{_CONTAINER_ONLY} (chunk records codec id {h.codec})")
    if not (h.memcpyed or h.special):
        ufilters.container_only(list(h.filters), "decompress2")
    data = cf.decompress_chunk(chunk, None)
    if dst is None:
        return data
    out = np.frombuffer(memoryview(dst).cast("B"), dtype=np.uint8)
    if out.size == 0:  # as python-blosc2, also for a chunk of nothing: nowhere to write is a caller's mistake
        raise ValueError("dst has 0 bytes: it must have room for the chunk")
    if out.size < len(data):
        raise ValueError(f"dst has {out.size} bytes, the chunk needs {len(data)}")
    out[:len(data)] = np.frombuffer(data, dtype=np.uint8)
    return None
