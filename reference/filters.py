"""Blosc2 block filters in NumPy: byte shuffle, bit shuffle, delta and truncate-precision.

All functions take and return 1-D uint8 arrays of one block; none loops over bytes in Python.
User-defined filters (ids 160..255, :mod:`.ufilters`) take any slot of the pipeline.
Where python-blosc2 versions differ (see :mod:`.params` ``blosc2_target``) the functions take the
target major version: 4 (c-blosc2 3.x) or 2/3 (c-blosc2 2.x).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ufilters
from .params import MAX_FILTERS, Filter

SUPPORTED_FILTERS = frozenset({Filter.NOFILTER, Filter.SHUFFLE, Filter.BITSHUFFLE, Filter.DELTA, Filter.TRUNC_PREC})
"""Builtin filters the reference can apply; user filters (160..255) are accepted too, any other id raises
NotImplementedError when validated."""

MANTISSA_BITS = {4: 23, 8: 52}
"""Mantissa bits of IEEE 754 float32/float64: the only typesizes TRUNC_PREC accepts."""


def check_pipeline(filters: list[int], filters_meta: list[int]) -> None:
    """Raise NotImplementedError for filters the reference does not implement."""
    for i, f in enumerate(filters):
        if f not in SUPPORTED_FILTERS and not ufilters.is_user_filter(f):
            raise NotImplementedError(
                f"filter {f} in slot {i} is not implemented by the reference "
                f"(supported: NOFILTER, SHUFFLE, BITSHUFFLE, DELTA, TRUNC_PREC and user filters 160..255)"
            )
    assert len(filters_meta) == MAX_FILTERS


def as_int8(meta: int) -> int:
    """A filters_meta byte as the signed value c-blosc2 reads (TRUNC_PREC takes an int8)."""
    meta &= 0xFF
    return meta - 256 if meta > 127 else meta


def trunc_prec_zeroed_bits(prec_bits: int, typesize: int) -> int:
    """Mantissa bits TRUNC_PREC clears; ValueError where c-blosc2's filter fails (and so does compression).

    ``prec_bits >= 0`` keeps that many mantissa bits, ``< 0`` clears ``-prec_bits`` bits; only
    typesizes 4 and 8 are accepted, and at least one mantissa bit must survive.
    """
    mant = MANTISSA_BITS.get(typesize)
    if mant is None:
        raise ValueError(f"TRUNC_PREC filter needs typesize 4 or 8 (float32/float64), got typesize {typesize}")
    if abs(prec_bits) > mant:
        raise ValueError(f"TRUNC_PREC precision must be within -{mant}..{mant} bits for typesize {typesize}, "
                         f"got {prec_bits}")
    zeroed = mant - prec_bits if prec_bits >= 0 else -prec_bits
    if zeroed >= mant:
        raise ValueError(f"TRUNC_PREC would clear all {mant} mantissa bits (filters_meta {prec_bits}, "
                         f"typesize {typesize}); use 1..{mant} or -{mant - 1}..-1")
    return zeroed


def trunc_prec(block: np.ndarray, prec_bits: int, typesize: int) -> np.ndarray:
    """Zero the low mantissa bits of every whole float32/float64 element; a partial tail is copied."""
    zeroed = trunc_prec_zeroed_bits(prec_bits, typesize)
    dt = np.dtype(f"<u{typesize}")
    n = block.size // typesize
    out = block.copy()
    if zeroed:
        w = out[: n * typesize].view(dt)
        w &= dt.type((~((1 << zeroed) - 1)) & ((1 << (8 * typesize)) - 1))
    return out


def shuffle(block: np.ndarray, typesize: int) -> np.ndarray:
    """Byte shuffle: group byte k of every element together; trailing partial element unchanged."""
    n = block.size // typesize
    if typesize <= 1 or n <= 1:
        return block
    body = block[: n * typesize].reshape(n, typesize).T.ravel()
    if n * typesize == block.size:
        return body
    return np.concatenate((body, block[n * typesize :]))


def unshuffle(block: np.ndarray, typesize: int) -> np.ndarray:
    """Inverse of :func:`shuffle`."""
    n = block.size // typesize
    if typesize <= 1 or n <= 1:
        return block
    body = block[: n * typesize].reshape(typesize, n).T.ravel()
    if n * typesize == block.size:
        return body
    return np.concatenate((body, block[n * typesize :]))


def bitshuffle(block: np.ndarray, typesize: int) -> np.ndarray:
    """Bit shuffle (bitshuffle's trans_bit_elem) on the largest multiple of 8 elements; rest copied."""
    n = block.size // typesize
    n -= n % 8
    if n == 0:
        return block
    x = block[: n * typesize].reshape(n, typesize)
    bits = np.unpackbits(x, axis=1, bitorder="little")  # (n, typesize*8): bit k of byte j at j*8+k
    body = np.packbits(bits.T, axis=1, bitorder="little").ravel()
    if n * typesize == block.size:
        return body
    return np.concatenate((body, block[n * typesize :]))


def bitunshuffle(block: np.ndarray, typesize: int, format_version: int = 3) -> np.ndarray:
    """Inverse of :func:`bitshuffle`. Blosc1 chunks (format version 2) bit-shuffled a block only when it holds
    a multiple of 8 elements, and stored it as is otherwise (c-blosc2's ``bitunshuffle`` reads them so)."""
    n = block.size // typesize
    if format_version == 2 and n % 8:
        return block
    n -= n % 8
    if n == 0:
        return block
    planes = block[: n * typesize].reshape(typesize * 8, n // 8)
    bits = np.unpackbits(planes, axis=1, bitorder="little")  # (typesize*8, n)
    body = np.packbits(bits.T, axis=1, bitorder="little").ravel()
    if n * typesize == block.size:
        return body
    return np.concatenate((body, block[n * typesize :]))


def _delta_word(typesize: int) -> np.dtype:
    if typesize in (1, 2, 4, 8):
        return np.dtype(f"<u{typesize}")
    return np.dtype("<u8") if typesize % 8 == 0 else np.dtype("u1")


def delta_forward(block: np.ndarray, dref: np.ndarray, first: bool, typesize: int) -> np.ndarray:
    """Delta (XOR) encode in words: block 0 as ``out[0] = dref[0]``, ``out[i] = block[i] ^ dref[i-1]``;
    other blocks as ``block ^ dref``.  A trailing partial word is copied (c-blosc2 leaves it unset)."""
    dt = _delta_word(typesize)
    nw = block.size // dt.itemsize
    out = block.copy()
    w = block[: nw * dt.itemsize].view(dt)
    o = out[: nw * dt.itemsize].view(dt)
    r = dref[: nw * dt.itemsize].view(dt)
    if first:
        if nw:
            o[0] = r[0]
            o[1:] = w[1:] ^ r[:-1]
    else:
        o[:] = w ^ r
    return out


def delta_backward(block: np.ndarray, dref: np.ndarray | None, first: bool, typesize: int) -> np.ndarray:
    """c-blosc2's delta decoder: block 0 is XOR-accumulated in place, other blocks XORed with
    ``dref`` (the already fully decoded block 0)."""
    dt = _delta_word(typesize)
    nw = block.size // dt.itemsize
    out = block.copy()
    o = out[: nw * dt.itemsize].view(dt)
    if first:
        np.bitwise_xor.accumulate(o, out=o)
    else:
        assert dref is not None
        o ^= dref[: nw * dt.itemsize].view(dt)
    return out


def _shuffle_bytes(meta: int, typesize: int, target: int) -> int:
    # blosc2 4.x (c-blosc2 3.x) shuffles in groups of filters_meta bytes when it is not 0;
    # earlier versions ignore filters_meta for SHUFFLE.
    return (meta & 0xFF or typesize) if target >= 4 else typesize


def forward(block: np.ndarray, chunk0: np.ndarray, first: bool, typesize: int,
            filters: list[int], filters_meta: list[int], target: int = 4, schunk: Any = None) -> np.ndarray:
    """Apply the filter pipeline (slots in increasing order) to one block.

    ``chunk0`` is the raw (unfiltered) start of the chunk: DELTA encodes blocks other than the
    first against it.  DELTA in block 0 references its own input in blosc2 4.x, but the raw block
    in 2.x/3.x (where a DELTA after another filter therefore does not round-trip).
    """
    out = block
    for f, meta in zip(filters, filters_meta, strict=True):
        if f == Filter.SHUFFLE:
            out = shuffle(out, _shuffle_bytes(meta, typesize, target))
        elif f == Filter.BITSHUFFLE:
            out = bitshuffle(out, typesize)
        elif f == Filter.DELTA:
            dref = out if (first and target >= 4) else chunk0[: out.size]
            out = delta_forward(out, dref, first, typesize)
        elif f == Filter.TRUNC_PREC:
            out = trunc_prec(out, as_int8(meta), typesize)
        elif ufilters.is_user_filter(f):
            out = ufilters.apply(f, 0, out, meta, schunk)
    return out


def backward(block: np.ndarray, chunk0: np.ndarray | None, first: bool, typesize: int,
             filters: list[int], filters_meta: list[int], target: int = 4, schunk: Any = None,
             format_version: int = 3) -> np.ndarray:
    """Undo the filter pipeline (slots in decreasing order) on one block; TRUNC_PREC is lossy (no-op).
    ``format_version``: the chunk header's (2: a Blosc1 chunk)."""
    out = block
    for f, meta in zip(reversed(filters), reversed(filters_meta), strict=True):
        if f == Filter.SHUFFLE:
            out = unshuffle(out, _shuffle_bytes(meta, typesize, target))
        elif f == Filter.BITSHUFFLE:
            out = bitunshuffle(out, typesize, format_version)
        elif f == Filter.DELTA:
            out = delta_backward(out, chunk0, first, typesize)
        elif ufilters.is_user_filter(f):
            out = ufilters.apply(f, 1, out, meta, schunk)
        elif f not in (Filter.NOFILTER, Filter.TRUNC_PREC):
            raise NotImplementedError(f"filter {f} is not implemented by the reference")
    return out
