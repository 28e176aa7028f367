"""A user codec backed by the standard library's zlib (meta: the compression level, 0 meaning 6)."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np


def encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    packed = zlib.compress(input.tobytes(), meta if 1 <= meta <= 9 else 6)
    if len(packed) >= min(output.size, input.size):
        return 0  # no gain, or no room: the host stores the block raw
    output[: len(packed)] = np.frombuffer(packed, dtype=np.uint8)
    return len(packed)


def decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    raw = zlib.decompress(input.tobytes())
    if len(raw) != output.size:
        raise ValueError(f"zlib stream holds {len(raw)} bytes, the block has {output.size}")
    output[:] = np.frombuffer(raw, dtype=np.uint8)
    return output.size
