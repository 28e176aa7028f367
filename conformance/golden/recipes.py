"""Golden-vector data recipes: named, deterministic byte contents (part of the manifest format)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

# ---- data recipes ---------------------------------------------------------------------------------

def _ramp(width: int) -> Callable[[int, int], bytes]:
    def ramp(nbytes: int, chunksize: int) -> bytes:
        items = np.arange(-(-nbytes // width), dtype=f"<u{width}")  # wraps modulo 2**(8*width)
        return items.tobytes()[:nbytes]

    ramp.__doc__ = f"Little-endian {8 * width}-bit items 0, 1, 2, ... (wrapping)."
    return ramp


def _smooth_i32(nbytes: int, chunksize: int) -> bytes:
    """Slowly growing little-endian int32 items ``i*i >> 10``."""
    i = np.arange(-(-nbytes // 4), dtype=np.int64)
    return ((i * i) >> 10).astype("<i4").tobytes()[:nbytes]


def _records3(nbytes: int, chunksize: int) -> bytes:
    """3-byte records ``(i mod 256, i >> 8 mod 256, 0x2a)``."""
    i = np.arange(-(-nbytes // 3), dtype=np.int64)
    rec = np.stack([i & 0xFF, (i >> 8) & 0xFF, np.full_like(i, 0x2A)], axis=1).astype(np.uint8)
    return rec.tobytes()[:nbytes]


def _quarters_f64(nbytes: int, chunksize: int) -> bytes:
    """Little-endian float64 items 0.0, 0.25, 0.5, ... (exact in binary)."""
    return (np.arange(-(-nbytes // 8), dtype=np.float64) / 4).astype("<f8").tobytes()[:nbytes]


def _runs(nbytes: int, chunksize: int) -> bytes:
    """Runs of lengths 1, 2, 5, 37, 300, 3, 700 (cycling) of the bytes ``53*k mod 256``."""
    lengths = np.array([1, 2, 5, 37, 300, 3, 700], dtype=np.int64)
    reps = -(-nbytes // int(lengths.sum())) if nbytes else 0
    counts = np.tile(lengths, reps)
    values = ((np.arange(counts.size, dtype=np.int64) * 53) % 256).astype(np.uint8)
    return np.repeat(values, counts).tobytes()[:nbytes]


def _noise(nbytes: int, chunksize: int) -> bytes:
    """Incompressible bytes: the low byte of a splitmix64-style hash of the index."""
    x = np.arange(nbytes, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E019)
    x ^= x >> np.uint64(29)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(32)
    return (x & np.uint64(0xFF)).astype(np.uint8).tobytes()


def _ramp32_zero_chunk2(nbytes: int, chunksize: int) -> bytes:
    """``ramp-u32`` with chunk 2 (of ``chunksize`` bytes) all zeros."""
    data = bytearray(_ramp(4)(nbytes, chunksize))
    data[2 * chunksize:3 * chunksize] = bytes(len(data[2 * chunksize:3 * chunksize]))
    return bytes(data)


#: Recipe name -> ``f(nbytes, chunksize) -> bytes`` (``chunksize``: the entry's, or nbytes for a chunk).
RECIPES: Mapping[str, Callable[[int, int], bytes]] = {
    "ramp-u8": _ramp(1),
    "ramp-u16": _ramp(2),
    "ramp-u32": _ramp(4),
    "ramp-u64": _ramp(8),
    "smooth-i32": _smooth_i32,
    "records3": _records3,
    "quarters-f64": _quarters_f64,
    "runs": _runs,
    "noise": _noise,
    "ramp-u32-zero-chunk2": _ramp32_zero_chunk2,
}

