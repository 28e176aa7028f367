"""Hypothesis strategies shared by every check family (extend here, don't fork)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from udcodec import data as _data

DTYPES = ("u1", "i2", "i4", "i8", "f4", "f8", "c16", "V3", "V5")
#: Layout contents: recipes of :mod:`udcodec.data` driven by the drawn seed.
CONTENTS = ("random", "zeros", "arange", "random-runs", "sparse")
#: Block contents that probe a codec's corner cases (the codec checks draw from these).
ADVERSARIAL = (
    *CONTENTS, "constant", "typed_arange", "pattern", "float_specials", "smooth", "gradient", "text",
)


def make_data(kind: str, dtype: np.dtype[Any], nitems: int, seed: int) -> bytes:
    """``nitems`` items of ``dtype`` of the data recipe ``kind`` (:func:`udcodec.data.make_data`)."""
    return _data.make_data(kind, nitems * dtype.itemsize, dtype=dtype, seed=seed)


@dataclass(frozen=True)
class Layout:
    """One container configuration plus the data to push through it."""

    dtype: str
    typesize: int
    chunk_items: int
    block_items: int  # 0: automatic
    nitems: int
    content: str
    seed: int
    filters: tuple[str, ...]
    splitmode: str

    @property
    def chunksize(self) -> int:
        return self.chunk_items * self.typesize

    @property
    def blocksize(self) -> int:
        return self.block_items * self.typesize

    def data(self) -> bytes:
        return make_data(self.content, np.dtype(self.dtype), self.nitems, self.seed)

    def chunks(self) -> list[bytes]:
        data = self.data()
        return [data[i : i + self.chunksize] for i in range(0, len(data), self.chunksize)]


@st.composite
def layouts(
    draw: st.DrawFn,
    *,
    dtypes: Sequence[str] = DTYPES,
    contents: Sequence[str] = CONTENTS,
    filters: Sequence[Sequence[str]] = (("nofilter",),),
    splitmodes: Sequence[str] = ("never",),
    max_chunk_items: int = 4096,
    max_chunks: int = 3,
    block_items: Sequence[int] = (0, 1, 7, 64, 256),
    allow_empty: bool = True,
    max_blocks: int | None = None,
) -> Layout:
    """A layout; ``max_blocks``: chunks of at most that many blocks of a given block size (automatic sizes kept)."""
    dtype = draw(st.sampled_from(list(dtypes)))
    typesize = np.dtype(dtype).itemsize
    chunk_items = draw(st.integers(1, max_chunk_items))
    blocks = draw(st.sampled_from([b for b in block_items if b <= chunk_items] or [0]))
    if max_blocks is not None and blocks:
        chunk_items = min(chunk_items, blocks * max_blocks)
    nchunks = draw(st.integers(0 if allow_empty else 1, max_chunks))
    last = draw(st.integers(1, chunk_items)) if nchunks else 0
    nitems = max(0, nchunks - 1) * chunk_items + last
    return Layout(
        dtype=dtype,
        typesize=typesize,
        chunk_items=chunk_items,
        block_items=blocks,
        nitems=nitems,
        content=draw(st.sampled_from(list(contents))),
        seed=draw(st.integers(0, 2**32 - 1)),
        filters=tuple(draw(st.sampled_from([tuple(f) for f in filters]))),
        splitmode=draw(st.sampled_from(list(splitmodes))),
    )


def ids_in(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Codec ids in [lo, hi], edges included with high probability."""
    return st.one_of(st.sampled_from([lo, hi]), st.integers(lo, hi))


def ids_outside(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Integers outside [lo, hi]: just outside, far outside, huge and negative."""
    return st.one_of(
        st.sampled_from([lo - 1, hi + 1, 0, -1, 2**31, 2**63, -(2**63), 2**64 + lo]),
        st.integers(max_value=lo - 1),
        st.integers(min_value=hi + 1),
    )


#: Image-like contents for codecs of pictures (CODEC-ROUNDTRIP's NDArrays): :func:`make_image`.
IMAGES = ("gradient", "noise", "texture", "edges")


def make_image(kind: str, shape: tuple[int, ...], dtype: np.dtype[Any], seed: int,
               channel_axis: int | None = None) -> np.ndarray:
    """An image-like array of ``shape``: a ``gradient``, uniform ``noise``, a smooth ``texture`` (summed sines)
    or flat regions with sharp ``edges``; each channel along ``channel_axis`` differs. Integer samples span the
    dtype's range up to 16 bits (wider dtypes hold 8-bit samples, as image codecs take them); floats lie in [0, 1]."""
    rng = np.random.default_rng(seed)
    spatial = [n for axis, n in enumerate(shape) if axis != channel_axis] or [1]
    grid = np.meshgrid(*(np.linspace(0, 1, n) for n in spatial), indexing="ij")
    channels = shape[channel_axis] if channel_axis is not None else 1
    planes = []
    for c in range(channels):
        if kind == "gradient":
            weights = rng.uniform(0.2, 1, len(grid))
            plane = sum(w * g for w, g in zip(weights, grid, strict=True)) / weights.sum()
        elif kind == "noise":
            plane = rng.uniform(0, 1, grid[0].shape)
        elif kind == "texture":
            plane = sum(np.sin(2 * np.pi * rng.uniform(1, 6) * g + rng.uniform(0, 6)) for g in grid)
            plane = (plane + len(grid)) / (2 * len(grid))
        elif kind == "edges":
            cells = [np.minimum((g * rng.integers(2, 6)).astype(int), 5) for g in grid]
            levels = rng.uniform(0, 1, (6,) * len(grid))
            plane = levels[tuple(cells)]
        else:
            raise ValueError(f"unknown image kind {kind!r}; known: {', '.join(IMAGES)}")
        planes.append(np.clip(plane * (1 - 0.2 * c / channels), 0, 1))
    values = np.stack(planes, axis=channel_axis) if channel_axis is not None else planes[0].reshape(shape)
    if dtype.kind == "f":
        return values.astype(dtype)
    info = np.iinfo(dtype)
    low, high = (0, 255) if dtype.itemsize > 2 else (info.min, info.max)
    return np.round(low + values * (high - low)).astype(dtype)
