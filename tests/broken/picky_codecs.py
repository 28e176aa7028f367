"""Codecs that are not broken but picky: each takes only what its domain declares (``tests/codecs/domains``).

A check that hands one of them input no host sends for that domain raises a false alarm.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np


def u4_delta_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Delta then zlib over 32-bit items; refuses a container of any other typesize."""
    if schunk.typesize != 4 or input.size % 4:
        raise ValueError(f"u4_delta: 32-bit items only (typesize {schunk.typesize}, {input.size} bytes)")
    deltas = np.diff(input.view("<u4"), prepend=np.uint32(0)).astype("<u4")
    packed = zlib.compress(deltas.tobytes())
    if len(packed) >= input.size or len(packed) > output.size:
        return 0
    output[:len(packed)] = np.frombuffer(packed, np.uint8)
    return len(packed)


def u4_delta_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    deltas = np.frombuffer(zlib.decompress(input.tobytes()), "<u4")
    if deltas.size * 4 != output.size:
        raise ValueError("u4_delta: the stream does not fill the output")
    output.view("<u4")[:] = np.cumsum(deltas, dtype=np.uint32)
    return output.size


def logging_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """zlib, appending the size of every block it is given to the file $UDCODEC_TEST_SIZES (one a line)."""
    import os

    from udcodec.examples.zlib_codec import encoder

    with open(os.environ["UDCODEC_TEST_SIZES"], "a", encoding="utf-8") as log:
        log.write(f"{input.size} {int(schunk.typesize)}\n")
    return int(encoder(input, output, meta, schunk))
