"""Broken user filters (forward/backward functions), one realistic mistake each, for the filter clauses."""

from __future__ import annotations

import os
from typing import Any

import numpy as np


def off_by_one_backward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """Undoes ``add_meta_forward`` with ``meta`` instead of ``meta + 1``."""
    output[:] = input - np.uint8(meta & 0xFF)


def tail_skipping_forward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """XORs whole 8-byte words only and never writes the tail of the output."""
    n = input.size - input.size % 8
    output[:n] = input[:n] ^ np.uint8(0x5A)


def tail_copying_backward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    n = input.size - input.size % 8
    output[:n] = input[:n] ^ np.uint8(0x5A)
    output[n:] = input[n:]


def in_place_forward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """Transforms its input in place, then copies it out."""
    input ^= np.uint8(0x5A)
    output[:] = input


def xor_backward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    output[:] = input ^ np.uint8(0x5A)


def salted_forward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """XORs with a per-call random salt: not deterministic (and not invertible either)."""
    output[:] = input ^ np.uint8(os.urandom(1)[0] | 1)


def lane_delta_forward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """A delta per byte lane of the container's items: it reads ``schunk.typesize``, as a host hands it."""
    width = schunk.typesize
    output[:] = input
    for k in range(width):
        lane = input[k::width].astype(np.int64)
        output[k::width] = np.diff(lane, prepend=0).astype(np.uint8)


def lane_delta_backward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    width = schunk.typesize
    output[:] = input
    for k in range(width):
        output[k::width] = np.cumsum(input[k::width], dtype=np.uint64).astype(np.uint8)


def _items(buf: np.ndarray, width: int) -> tuple[np.ndarray, int]:
    n = buf.size // width * width
    return buf[:n].view(f"<u{width}"), n  # no such dtype for 3, 5, 6, 7, 9.. or 16-byte items


def item_view_forward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """XORs each item with the previous one through an unsigned-int view of the item width (1, 2, 4, 8 only)."""
    w, n = _items(input, schunk.typesize)
    o = output[:n].view(w.dtype)
    o[:1] = w[:1]
    o[1:] = w[1:] ^ w[:-1]
    output[n:] = input[n:]


def item_view_backward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    w, n = _items(input, schunk.typesize)
    output[:n].view(w.dtype)[:] = np.bitwise_xor.accumulate(w)
    output[n:] = input[n:]


def int32_last_item_backward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """Undoes the int32 example's +1 on every item but the block's last (wrong data in whole int32 blocks)."""
    out = output.view(np.int32)
    out[:] = input.view(np.int32) - 1
    out[-1:] += 1
