"""Blosc2 block filters in NumPy: byte shuffle, bit shuffle and delta (forward and backward).

All functions take and return 1-D uint8 arrays of one block; none loops over bytes in Python.
"""

from __future__ import annotations

import numpy as np

from .params import MAX_FILTERS, Filter

SUPPORTED_FILTERS = frozenset({Filter.NOFILTER, Filter.SHUFFLE, Filter.BITSHUFFLE, Filter.DELTA})
"""Filters the reference can apply; any other id raises NotImplementedError when validated."""


def check_pipeline(filters: list[int], filters_meta: list[int]) -> None:
    """Raise NotImplementedError for filters the reference does not implement (or only partly)."""
    active_before_delta = False
    for i, f in enumerate(filters):
        if f not in SUPPORTED_FILTERS:
            raise NotImplementedError(
                f"filter {f} in slot {i} is not implemented by the reference "
                f"(supported: NOFILTER, SHUFFLE, BITSHUFFLE, DELTA)"
            )
        if f == Filter.DELTA and active_before_delta:
            raise NotImplementedError(
                f"DELTA in slot {i} after another active filter is not implemented by the reference "
                "(c-blosc2 references raw chunk data there); put DELTA first"
            )
        if f != Filter.NOFILTER:
            active_before_delta = True
    assert len(filters_meta) == MAX_FILTERS


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


def bitunshuffle(block: np.ndarray, typesize: int) -> np.ndarray:
    """Inverse of :func:`bitshuffle` (format version >= 3)."""
    n = block.size // typesize
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
    """Delta (XOR) encode: block 0 against itself shifted by one word, other blocks against block 0."""
    dt = _delta_word(typesize)
    nw = block.size // dt.itemsize
    out = block.copy()
    w = block[: nw * dt.itemsize].view(dt)
    o = out[: nw * dt.itemsize].view(dt)
    if first:
        o[1:] = w[1:] ^ w[:-1]
    else:
        o[:] = w ^ dref[: nw * dt.itemsize].view(dt)
    return out


def delta_backward(block: np.ndarray, dref: np.ndarray | None, first: bool, typesize: int) -> np.ndarray:
    """Inverse of :func:`delta_forward`; ``dref`` is the already decoded block 0."""
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


def forward(block: np.ndarray, chunk0: np.ndarray, first: bool, typesize: int,
            filters: list[int], filters_meta: list[int]) -> np.ndarray:
    """Apply the filter pipeline (slots in increasing order) to one block."""
    out = block
    for f, meta in zip(filters, filters_meta, strict=True):
        if f == Filter.SHUFFLE:
            out = shuffle(out, meta or typesize)
        elif f == Filter.BITSHUFFLE:
            out = bitshuffle(out, typesize)
        elif f == Filter.DELTA:
            out = delta_forward(out, chunk0, first, typesize)
    return out


def backward(block: np.ndarray, chunk0: np.ndarray | None, first: bool, typesize: int,
             filters: list[int], filters_meta: list[int]) -> np.ndarray:
    """Undo the filter pipeline (slots in decreasing order) on one block."""
    out = block
    for f, meta in zip(reversed(filters), reversed(filters_meta), strict=True):
        if f == Filter.SHUFFLE:
            out = unshuffle(out, meta or typesize)
        elif f == Filter.BITSHUFFLE:
            out = bitunshuffle(out, typesize)
        elif f == Filter.DELTA:
            out = delta_backward(out, chunk0, first, typesize)
        elif f != Filter.NOFILTER:
            raise NotImplementedError(f"filter {f} is not implemented by the reference")
    return out
