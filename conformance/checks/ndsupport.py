"""What the NDArray checks share: array layouts written as text, their data, the blocks a host must
hand the codec, and the parameters NDArrays are created and reopened with."""

from __future__ import annotations

import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgpack
import numpy as np
from udcodec.adapters.protocol import CParams, DParams
from udcodec.checks.api import Param
from udcodec.strategies import make_data

DP = DParams(nthreads=1)


@dataclass(frozen=True)
class NDLayout:
    """``shape/chunks/blocks/dtype``, written ``"7x10/5x7/2x3/<f8"`` (``"-"`` for a 0-d shape)."""

    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    blocks: tuple[int, ...]
    dtype: np.dtype[Any]

    @property
    def padded(self) -> tuple[int, ...]:
        """The chunk shape padded to whole blocks (what a chunk holds)."""
        return tuple(-(-c // b) * b for c, b in zip(self.chunks, self.blocks, strict=True))

    @property
    def grid(self) -> tuple[int, ...]:
        return tuple(-(-s // c) for s, c in zip(self.shape, self.chunks, strict=True))

    @property
    def block_bytes(self) -> int:
        return math.prod(self.blocks) * self.dtype.itemsize

    def __str__(self) -> str:
        dims = ["x".join(map(str, d)) or "-" for d in (self.shape, self.chunks, self.blocks)]
        return "/".join([*dims, self.dtype.str])


def parse_layout(text: str) -> NDLayout:
    """An :class:`NDLayout` from its text (ValueError when malformed)."""
    parts = text.split("/")
    if len(parts) != 4:
        raise ValueError(f"{text!r}: expected shape/chunks/blocks/dtype")
    dims = [tuple(int(n) for n in p.split("x")) if p != "-" else () for p in parts[:3]]
    layout = NDLayout(dims[0], dims[1], dims[2], np.dtype(parts[3]))
    if not len(layout.shape) == len(layout.chunks) == len(layout.blocks):
        raise ValueError(f"{text!r}: shape, chunks and blocks differ in dimensions")
    if any(not 0 < b <= c for c, b in zip(layout.chunks, layout.blocks, strict=True)):
        raise ValueError(f"{text!r}: blocks must be positive and fit in chunks")
    return layout


def _not_a_layout(text: str) -> str | None:
    try:
        parse_layout(text)
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


LAYOUT = Param(str, test=_not_a_layout)
LAYOUTS = Param(list, items=LAYOUT)


def array_of(layout: NDLayout, seed: int) -> np.ndarray:
    """Data for ``layout`` (runs of random values: compressible, and no block is one repeated byte)."""
    n = math.prod(layout.shape)
    data = np.frombuffer(make_data("random-runs", layout.dtype, n, seed), dtype=layout.dtype, count=n)
    return data.reshape(layout.shape).copy()


def array_difference(got: np.ndarray, want: np.ndarray) -> str | None:
    """How ``got`` differs from ``want`` (shape, dtype or the first differing item), or None."""
    if got.shape != want.shape or got.dtype != want.dtype:
        return f"got shape {got.shape} dtype {got.dtype}, expected shape {want.shape} dtype {want.dtype}"
    if np.array_equal(got, want, equal_nan=want.dtype.kind in "fc"):
        return None
    where = tuple(int(i) for i in np.argwhere(got != want)[0]) if got.ndim else ()
    if want.dtype.kind not in "fc" and not np.isin(got[where], want):
        # read from memory outside the data (its bytes differ run to run): said so, not quoted
        return f"item {where} is a value the array does not hold (expected {want[where]!r})"
    return f"item {where} is {got[where]!r}, expected {want[where]!r}"


def expected_blocks(layout: NDLayout, array: np.ndarray) -> list[bytes]:
    """Every block a host hands the codec, in order: chunks in C order over the chunk grid, each padded with
    zeros to whole blocks, its blocks in C order, each block a C-order sub-array (no filter, no split)."""
    out = []
    for coord in np.ndindex(*layout.grid):
        chunk = np.zeros(layout.padded, dtype=layout.dtype)
        region = tuple(slice(x * c, min((x + 1) * c, s)) for x, c, s in zip(coord, layout.chunks, layout.shape,
                                                                          strict=True))
        part = array[region]
        chunk[tuple(slice(0, n) for n in part.shape)] = part
        for b in np.ndindex(*(p // k for p, k in zip(layout.padded, layout.blocks, strict=True))):
            block = chunk[tuple(slice(i * k, (i + 1) * k) for i, k in zip(b, layout.blocks, strict=True))]
            out.append(np.ascontiguousarray(block).tobytes())
    return out


def nd_cparams(codec_id: int, meta: int = 0, **fields: Any) -> CParams:
    """What users give ``asarray``: the codec, its meta and one thread (typesize and block size follow the array)."""
    return CParams.only(**{"codec": codec_id, "codec_meta": meta, "nthreads": 1, **fields})


def written_nd_cparams(codec_id: int, layout: NDLayout, meta: int = 0, **fields: Any) -> CParams:
    """Every field an NDArray was written with, one thread: what a workaround gives ``open``."""
    return CParams(codec=codec_id, codec_meta=meta, typesize=layout.dtype.itemsize, blocksize=layout.block_bytes,
                   nthreads=1, **fields)


def selections(shape: tuple[int, ...]) -> list[Any]:
    """Basic indexes users write: all, an inner box crossing chunks, one index, a stepped slice, ``...``, and
    negative ones: the last item along the first axis, the last along the last, the last two of each axis."""
    if not shape:
        return [()]
    inner = tuple(slice(min(1, n), max(n - 1, min(1, n))) for n in shape)
    return [inner, (shape[0] // 2,), (slice(None, None, 2),), (Ellipsis, slice(0, 1)), slice(None),
            (-1,), (Ellipsis, -1), tuple(slice(-2, None) for _ in shape)]


#: c-blosc2's fixed frame header (FRAME_HEADER_MINLEN); the metalayers section follows it.
FRAME_HEADER_FIXED = 87


def b2nd_metalayer(layout: NDLayout) -> list[tuple[str, bytes]]:
    """The ``b2nd`` metalayer c-blosc2 writes for ``layout`` (README_B2ND_METALAYER.rst), field by field: a
    7-element fixarray, version 0, ndim, the shape as int64s, chunks and blocks as int32s, dtype format 0 and
    NumPy's ``dtype.str`` as a str32."""
    nd = len(layout.shape)

    def dims(values: tuple[int, ...], marker: bytes, fmt: str) -> bytes:
        return bytes([0x90 | nd]) + b"".join(marker + struct.pack(fmt, v) for v in values)

    dtype = layout.dtype.str.encode()
    return [("array header", b"\x97"), ("version", b"\x00"), ("ndim", bytes([nd])),
            ("shape", dims(layout.shape, b"\xd3", ">q")), ("chunkshape", dims(layout.chunks, b"\xd2", ">i")),
            ("blockshape", dims(layout.blocks, b"\xd2", ">i")), ("dtype format", b"\x00"),
            ("dtype string", b"\xdb" + struct.pack(">I", len(dtype)) + dtype)]


def frame_metalayer(path: str, name: str) -> bytes | None:
    """The content of metalayer ``name`` in the header of the frame at ``path`` (a sparse frame's
    ``chunks.b2frame``), None when it has none; ValueError when the metalayers section does not parse. The
    section is msgpack ``[index size, {name: offset from the frame start}, [content, ...]]``."""
    file = Path(path, "chunks.b2frame") if os.path.isdir(path) else Path(path)
    data = file.read_bytes()
    try:
        section = msgpack.Unpacker(raw=False)
        section.feed(data[FRAME_HEADER_FIXED:])
        index = section.unpack()[1]
        if name not in index:
            return None
        content = msgpack.Unpacker(raw=False)
        content.feed(data[int(index[name]):])
        found = content.unpack()
    except (ValueError, TypeError, IndexError, KeyError, msgpack.OutOfData, msgpack.UnpackException) as exc:
        raise ValueError(f"the frame header's metalayers section does not parse ({type(exc).__name__}: {exc})") \
            from None
    if not isinstance(found, bytes):
        raise ValueError(f"metalayer {name!r} is a msgpack {type(found).__name__}, not bin")
    return found
