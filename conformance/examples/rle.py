"""A run-length codec: the block as (count, byte) pairs, each run at most 255 bytes long."""

from __future__ import annotations

from typing import Any

import numpy as np


def encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    if input.size == 0:
        return 0
    starts = np.flatnonzero(np.concatenate(([True], input[1:] != input[:-1])))
    lengths = np.diff(np.append(starts, input.size))
    pieces = -(-lengths // 255)  # runs longer than 255 are cut into pieces
    size = 2 * int(pieces.sum())
    if size >= min(output.size, input.size):
        return 0
    counts = np.full(int(pieces.sum()), 255, dtype=np.int64)
    last = np.cumsum(pieces) - 1
    counts[last] = lengths - 255 * (pieces - 1)
    output[0:size:2] = counts.astype(np.uint8)
    output[1:size:2] = np.repeat(input[starts], pieces)
    return size


def decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    if input.size % 2:
        raise ValueError(f"a run-length stream has an even size, got {input.size} bytes")
    counts = input[0::2].astype(np.int64)
    if int(counts.sum()) != output.size or not counts.all():
        raise ValueError(f"the runs add up to {int(counts.sum())} bytes, the block has {output.size}")
    output[:] = np.repeat(input[1::2], counts)
    return output.size
