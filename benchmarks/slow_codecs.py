"""Slow user codecs for ``bench_check_codec.py``: lzma at preset 9, and zlib sleeping 100 ms per call.

Import them as ``slow_codecs:lzma9_encoder`` etc. with this folder on ``PYTHONPATH``.
"""

from __future__ import annotations

import lzma
import time
import zlib
from typing import Any

import numpy as np

#: Seconds ``sleepy_*`` wait per call.
SLEEP = 0.1


def _store(packed: bytes, output: np.ndarray, size: int) -> int:
    if len(packed) >= min(output.size, size):
        return 0  # no gain, or no room: the host stores the block raw
    output[: len(packed)] = np.frombuffer(packed, dtype=np.uint8)
    return len(packed)


def _restore(raw: bytes, output: np.ndarray) -> int:
    if len(raw) != output.size:
        raise ValueError(f"the stream holds {len(raw)} bytes, the block has {output.size}")
    output[:] = np.frombuffer(raw, dtype=np.uint8)
    return output.size


def lzma9_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    return _store(lzma.compress(input.tobytes(), format=lzma.FORMAT_XZ, preset=9), output, input.size)


def lzma9_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    return _restore(lzma.decompress(input.tobytes()), output)


def sleepy_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    time.sleep(SLEEP)
    return _store(zlib.compress(input.tobytes()), output, input.size)


def sleepy_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    time.sleep(SLEEP)
    return _restore(zlib.decompress(input.tobytes()), output)
