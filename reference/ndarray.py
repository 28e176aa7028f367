"""``NDArray``: an n-dimensional array stored in a super-chunk, as c-blosc2's b2nd writes it.

The array is cut into chunks of ``chunks`` items per dimension (in C order over the chunk grid),
each padded with zeros to a multiple of ``blocks``; a chunk's buffer holds its blocks one after the
other (C order over the block grid), each a C-order sub-array of ``blocks``. The super-chunk has
``typesize = itemsize``, ``blocksize = prod(blocks) * itemsize`` and ``chunksize = prod(padded chunk)
* itemsize``, and its frame carries the ``b2nd`` metalayer (:mod:`.b2ndmeta`), so its frames open as
NDArrays in python-blosc2 and python-blosc2's NDArray frames open here. Numeric dtypes only.

An arithmetic operator on an NDArray (``a + 1``, ``a * b``) returns a :class:`LazyExpr`, computed with NumPy's
rules from its operands' decompressed items when it is read (``expr[key]``) or computed (``expr.compute()``).

Left out, ``chunks`` and ``blocks`` are chosen by a simple rule (halving leading dimensions), not by
python-blosc2's cache-size heuristics: give them for byte-identical frames.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import b2ndmeta
from . import chunkformat as cf
from . import schunk as _schunk
from .frame import FrameFormatError
from .params import CParams, DParams, as_cparams

#: Left-out chunks are at most this many bytes, left-out blocks at most this many.
DEFAULT_CHUNK_BYTES = 2**22
DEFAULT_BLOCK_BYTES = 2**15

Shape = tuple[int, ...]


def _shape(value: Any, what: str) -> Shape:
    dims = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
    if any(not isinstance(d, (int, np.integer)) or isinstance(d, bool) or d < 0 for d in dims):
        raise ValueError(f"{what} must be non-negative integers, got {value!r}")
    return tuple(int(d) for d in dims)


def _shrink(dims: Shape, itemsize: int, limit: int) -> Shape:
    """``dims`` with leading dimensions halved until they hold at most ``limit`` bytes."""
    out = list(dims)
    i = 0
    while out and math.prod(out) * itemsize > limit and i < len(out):
        if out[i] > 1:
            out[i] = (out[i] + 1) // 2
        else:
            i += 1
    return tuple(out)


def _layout(shape: Shape, chunks: Any, blocks: Any, itemsize: int) -> tuple[Shape, Shape]:
    ndim = len(shape)
    chunks = _shrink(tuple(max(d, 1) for d in shape), itemsize, DEFAULT_CHUNK_BYTES) if chunks is None \
        else _shape(chunks, "chunks")
    blocks = _shrink(chunks, itemsize, DEFAULT_BLOCK_BYTES) if blocks is None else _shape(blocks, "blocks")
    if len(chunks) != ndim or len(blocks) != ndim:
        raise ValueError(f"chunks {chunks} and blocks {blocks} must have as many dimensions as shape {shape}")
    if ndim > b2ndmeta.MAX_DIM:
        raise ValueError(f"at most {b2ndmeta.MAX_DIM} dimensions, got {ndim}")
    for c, b in zip(chunks, blocks, strict=True):
        if c < 1 or b < 1 or b > c:
            raise ValueError(f"blocks {blocks} must be positive and fit in chunks {chunks}")
    return chunks, blocks


def _padded(chunks: Shape, blocks: Shape) -> Shape:
    # a block of extent 0 (python-blosc2 gives an empty array chunks and blocks of its zero extent) pads nothing
    return tuple(-(-c // b) * b if b else c for c, b in zip(chunks, blocks, strict=True))


def pack(chunk: np.ndarray, blocks: Shape) -> np.ndarray:
    """A padded chunk as its buffer: blocks one after the other, each in C order (uint8 view)."""
    grid = [n // b for n, b in zip(chunk.shape, blocks, strict=True)]
    split = chunk.reshape([x for g, b in zip(grid, blocks, strict=True) for x in (g, b)])
    nd = chunk.ndim
    order = [2 * i for i in range(nd)] + [2 * i + 1 for i in range(nd)]
    return np.ascontiguousarray(split.transpose(order)).reshape(-1).view(np.uint8)


def unpack(buf: bytes, dtype: np.dtype, padded: Shape, blocks: Shape) -> np.ndarray:
    """The padded chunk array a chunk buffer holds (the inverse of :func:`pack`)."""
    nd = len(padded)
    grid = [n // b for n, b in zip(padded, blocks, strict=True)]
    flat = np.frombuffer(buf, dtype=dtype, count=math.prod(padded))
    split = flat.reshape([*grid, *blocks])
    order = [x for i in range(nd) for x in (i, nd + i)]
    return split.transpose(order).reshape(padded).copy()


class Operators:
    """The arithmetic operators of NDArray and LazyExpr: each returns a :class:`LazyExpr`."""

    def __add__(self, other: Any) -> LazyExpr:
        return LazyExpr("+", self, other)

    def __radd__(self, other: Any) -> LazyExpr:
        return LazyExpr("+", other, self)

    def __sub__(self, other: Any) -> LazyExpr:
        return LazyExpr("-", self, other)

    def __rsub__(self, other: Any) -> LazyExpr:
        return LazyExpr("-", other, self)

    def __mul__(self, other: Any) -> LazyExpr:
        return LazyExpr("*", self, other)

    def __rmul__(self, other: Any) -> LazyExpr:
        return LazyExpr("*", other, self)

    def __truediv__(self, other: Any) -> LazyExpr:
        return LazyExpr("/", self, other)

    def __rtruediv__(self, other: Any) -> LazyExpr:
        return LazyExpr("/", other, self)

    def __pow__(self, other: Any) -> LazyExpr:
        return LazyExpr("**", self, other)


class NDArray(Operators):
    """An n-dimensional array in a super-chunk (python-blosc2's ``NDArray`` subset used with user codecs)."""

    def __init__(self, schunk: _schunk.SChunk, meta: b2ndmeta.B2ndMeta) -> None:
        padded = _padded(meta.chunks, meta.blocks)
        if schunk.typesize != meta.dtype.itemsize or (
                schunk.chunksize not in (-1, math.prod(padded) * meta.dtype.itemsize) and schunk.nchunks):
            raise FrameFormatError(f"{schunk.urlpath!r}: the b2nd metalayer (dtype {meta.dtype}, chunks {meta.chunks}, "
                                   f"blocks {meta.blocks}) does not fit the super-chunk (typesize {schunk.typesize}, "
                                   f"chunksize {schunk.chunksize})")
        self._schunk = schunk
        self._meta = meta
        self._padded = padded

    # ---- description -----------------------------------------------------------------------
    @property
    def schunk(self) -> _schunk.SChunk:
        return self._schunk

    @property
    def shape(self) -> Shape:
        return self._meta.shape

    @property
    def chunks(self) -> Shape:
        return self._meta.chunks

    @property
    def blocks(self) -> Shape:
        return self._meta.blocks

    @property
    def dtype(self) -> np.dtype:
        return self._meta.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def cbytes(self) -> int:
        return self._schunk.cbytes

    @property
    def cparams(self) -> CParams:
        return self._schunk.cparams

    @property
    def dparams(self) -> DParams:
        return self._schunk.dparams

    @property
    def urlpath(self) -> str | None:
        return self._schunk.urlpath

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d NDArray")
        return self.shape[0]

    def __repr__(self) -> str:
        return f"NDArray(shape={self.shape}, chunks={self.chunks}, blocks={self.blocks}, dtype={self.dtype})"

    # ---- chunk grid ------------------------------------------------------------------------
    def _grid(self) -> Shape:
        return tuple(-(-s // c) if c else 0 for s, c in zip(self.shape, self.chunks, strict=True))

    def _chunks_in(self, lo: Shape, hi: Shape) -> list[tuple[int, Shape]]:
        """(chunk number, chunk coordinates) of the chunks that meet the box ``[lo, hi)``."""
        grid = self._grid()
        if 0 in grid:  # an empty array (extent 0 in some dimension) has no chunk
            return []
        ranges = [range(a // c, -(-b // c)) for a, b, c in zip(lo, hi, self.chunks, strict=True)]
        if any(len(r) == 0 for r in ranges):
            return []
        coords = np.stack(np.meshgrid(*ranges, indexing="ij"), -1).reshape(-1, len(grid)) if grid else \
            np.zeros((1, 0), dtype=np.int64)
        return [(int(np.ravel_multi_index(tuple(c), grid)) if grid else 0, tuple(int(x) for x in c)) for c in coords]

    def _read_chunk(self, n: int) -> np.ndarray:
        self._schunk._refresh()  # another handle may have written the file (SChunk's own reads do this in _index)
        return unpack(self._schunk._decode(n), self.dtype, self._padded, self.blocks)

    def _overlap(self, coord: Shape, lo: Shape, hi: Shape) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
        """(slices in the chunk, slices in the box) where chunk ``coord`` meets ``[lo, hi)``."""
        in_chunk, in_box = [], []
        for x, a, b, c in zip(coord, lo, hi, self.chunks, strict=True):
            c0 = x * c
            s, e = max(a, c0), min(b, c0 + c)
            in_chunk.append(slice(s - c0, e - c0))
            in_box.append(slice(s - a, e - a))
        return tuple(in_chunk), tuple(in_box)

    def _index(self, key: Any) -> tuple[Shape, Shape, tuple[int | None, ...], tuple[bool, ...]]:
        """(lo, hi, steps, squeezed) of a basic index: ints, slices and one Ellipsis."""
        key = key if isinstance(key, tuple) else (key,)
        if sum(k is Ellipsis for k in key) > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        if any(k is Ellipsis for k in key):  # `in` would compare an array in the key with ==
            i = next(n for n, k in enumerate(key) if k is Ellipsis)
            key = key[:i] + (slice(None),) * (self.ndim - len(key) + 1) + key[i + 1:]
        if len(key) > self.ndim:
            raise IndexError(f"too many indices for an array of {self.ndim} dimensions")
        key = key + (slice(None),) * (self.ndim - len(key))
        lo, hi, steps, squeezed = [], [], [], []
        for k, n in zip(key, self.shape, strict=True):
            if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
                i = int(k) + (n if k < 0 else 0)
                if not 0 <= i < n:
                    raise IndexError(f"index {int(k)} is out of bounds for a dimension of size {n}")
                lo.append(i)
                hi.append(i + 1)
                steps.append(1)
                squeezed.append(True)
            elif isinstance(k, slice):
                start, stop, step = k.indices(n)
                if step < 0:
                    raise IndexError("negative steps are not supported by the reference")
                stop = max(stop, start)
                lo.append(start)
                hi.append(stop)
                steps.append(step)
                squeezed.append(False)
            else:
                raise IndexError(f"only integers, slices and '...' index an NDArray, got {type(k).__name__}")
        return tuple(lo), tuple(hi), tuple(steps), tuple(squeezed)

    # ---- reading and writing ---------------------------------------------------------------
    def __getitem__(self, key: Any) -> np.ndarray:
        """The selected items as a NumPy array (basic indexing)."""
        lo, hi, steps, squeezed = self._index(key)
        out = np.zeros(tuple(b - a for a, b in zip(lo, hi, strict=True)), dtype=self.dtype)
        for n, coord in self._chunks_in(lo, hi):
            in_chunk, in_box = self._overlap(coord, lo, hi)
            out[in_box] = self._read_chunk(n)[in_chunk]
        out = out[tuple(slice(None, None, s) for s in steps)]
        return out[tuple(0 if q else slice(None) for q in squeezed)]

    def __setitem__(self, key: Any, value: Any) -> None:
        """Write ``value`` (broadcast) into the selected items; each touched chunk is recompressed."""
        lo, hi, steps, squeezed = self._index(key)
        if any(s != 1 for s in steps):
            raise IndexError("only step 1 slices can be written")
        box = tuple(b - a for a, b in zip(lo, hi, strict=True))
        selected = tuple(n for n, q in zip(box, squeezed, strict=True) if not q)
        given = np.asarray(value, dtype=self.dtype)
        while given.ndim > len(selected) and given.shape[0] == 1:  # as NumPy: a[3] = ones((1, n)) drops the 1
            given = given[0]
        values = np.broadcast_to(given, selected).reshape(box)
        self._schunk._check_writable()
        for n, coord in self._chunks_in(lo, hi):
            in_chunk, in_box = self._overlap(coord, lo, hi)
            chunk = self._read_chunk(n)
            chunk[in_chunk] = values[in_box]
            self._schunk._replace_chunk(n, pack(chunk, self.blocks))

    def slice(self, key: Any, **kwargs: Any) -> NDArray:
        """``self[key]`` as a new NDArray (:meth:`_made_from`); ``chunks`` and ``blocks`` are chosen afresh when left
        out."""
        return self._made_from(np.ascontiguousarray(self[key]), kwargs)

    def copy(self, dtype: Any = None, **kwargs: Any) -> NDArray:
        """A new NDArray of these items (as ``dtype``) with these chunks and blocks (:meth:`_made_from`); given
        ``urlpath``, persisted there."""
        kwargs.setdefault("chunks", self.chunks)
        kwargs.setdefault("blocks", self.blocks)
        items = self[...]
        return self._made_from(items if dtype is None else items.astype(dtype), kwargs)

    def save(self, urlpath: str | os.PathLike[str], contiguous: bool = True, **kwargs: Any) -> None:
        """Persist a copy of the array at ``urlpath`` (replacing what is there), as :meth:`copy`."""
        self.copy(urlpath=urlpath, contiguous=contiguous, mode="w", **kwargs)

    def _made_from(self, items: np.ndarray, kwargs: dict[str, Any]) -> NDArray:
        """A new NDArray of ``items``, made with this array's codec, filters and thread counts (its cparams and
        dparams) unless ``kwargs`` gives others."""
        kwargs.setdefault("cparams", dataclasses.replace(self.cparams, blocksize=0))  # the new blocks set its size
        kwargs.setdefault("dparams", self.dparams)
        return asarray(items, **kwargs)

    def sum(self, axis: int | tuple[int, ...] | None = None) -> Any:
        """The sum of the items (along ``axis``), as NumPy gives it for the decompressed array."""
        return self[...].sum(axis=axis)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = self[...]
        return data if dtype is None else data.astype(dtype)

    def tobytes(self) -> bytes:
        return self[...].tobytes()


# ---- lazy expressions: a + 1, a * b ----------------------------------------------------------
_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
}


def _operand_values(operand: Any) -> Any:
    """What ``operand`` holds, as NumPy computes with it (an NDArray read through its codec)."""
    if isinstance(operand, (LazyExpr, NDArray)):
        return operand[...]
    return operand


class LazyExpr(Operators):
    """``left <op> right``, computed when read."""

    def __init__(self, op: str, left: Any, right: Any) -> None:
        if op not in _OPERATORS:
            raise ValueError(f"unknown operator {op!r} (known: {', '.join(_OPERATORS)})")
        self.op, self.left, self.right = op, left, right

    def evaluate(self) -> np.ndarray:
        """The expression's values, as a NumPy array."""
        return np.asarray(_OPERATORS[self.op](_operand_values(self.left), _operand_values(self.right)))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.evaluate().shape)

    @property
    def dtype(self) -> np.dtype:
        return self.evaluate().dtype

    def __getitem__(self, key: Any) -> np.ndarray:
        return np.asarray(self.evaluate()[key])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        values = self.evaluate()
        return values if dtype is None else values.astype(dtype)

    def compute(self, **kwargs: Any) -> NDArray:
        """The values as a new NDArray (``kwargs`` as :func:`asarray` takes them)."""
        return asarray(self.evaluate(), **kwargs)

    def __repr__(self) -> str:
        return f"LazyExpr({self.left!r} {self.op} {self.right!r})"


def _new(shape: Any, dtype: Any, chunks: Any, blocks: Any, cparams: Any, dparams: Any, urlpath: Any,
         mode: str, contiguous: bool | None, kwargs: dict[str, Any]) -> NDArray:
    if kwargs:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(kwargs))}")
    shape = _shape(shape, "shape")
    dt = np.dtype(dtype)
    chunks, blocks = _layout(shape, chunks, blocks, dt.itemsize)
    padded = _padded(chunks, blocks)
    for name in ("chunks", "blocks"):
        if isinstance(cparams, dict) and name in cparams:  # python-blosc2 refuses them there too
            raise ValueError(f"{name} cannot be given in cparams: use the {name} argument")
    base = as_cparams(cparams if isinstance(cparams, CParams) else None)
    cp = as_cparams(cparams if isinstance(cparams, dict) else None, base, ignore_unknown=True)
    cp = dataclasses.replace(cp, typesize=dt.itemsize, blocksize=math.prod(blocks) * dt.itemsize)
    meta = b2ndmeta.B2ndMeta(shape, chunks, blocks, dt)
    layers = b2ndmeta.section({b2ndmeta.NAME: b2ndmeta.serialize(meta)})
    if urlpath is not None:
        urlpath = os.fspath(urlpath)
    sc = _schunk.SChunk(math.prod(padded) * dt.itemsize, cparams=cp, dparams=dparams, urlpath=urlpath,
                        contiguous=contiguous, mode=mode, _metalayers=layers)
    return NDArray(sc, meta)


def _chunk_count(arr: NDArray) -> int:
    return math.prod(arr._grid())


def asarray(array: Any, chunks: Sequence[int] | None = None, blocks: Sequence[int] | None = None,
            cparams: CParams | dict[str, Any] | None = None, dparams: DParams | dict[str, Any] | None = None,
            urlpath: str | os.PathLike[str] | None = None, mode: str = "a", contiguous: bool | None = None,
            **kwargs: Any) -> NDArray:
    """A new NDArray holding ``array`` (any array-like): one chunk compressed per chunk of the grid."""
    data = np.asarray(array)
    arr = _new(data.shape, data.dtype, chunks, blocks, cparams, dparams, urlpath, mode, contiguous, kwargs)
    for n in range(_chunk_count(arr)):
        coord = np.unravel_index(n, arr._grid())
        chunk = np.zeros(arr._padded, dtype=arr.dtype)
        region = tuple(slice(int(x) * c, min((int(x) + 1) * c, s)) for x, c, s in
                       zip(coord, arr.chunks, arr.shape, strict=True))
        part = data[region]
        chunk[tuple(slice(0, k) for k in part.shape)] = part
        arr.schunk.append_data(pack(chunk, arr.blocks))
    return arr


def _special(shape: Any, dtype: Any, special: int, value: bytes | None, chunks: Any, blocks: Any, cparams: Any,
             dparams: Any, urlpath: Any, mode: str, contiguous: bool | None, kwargs: dict[str, Any]) -> NDArray:
    arr = _new(shape, dtype, chunks, blocks, cparams, dparams, urlpath, mode, contiguous, kwargs)
    nbytes = math.prod(arr._padded) * arr.dtype.itemsize
    for _ in range(_chunk_count(arr)):
        arr.schunk.append_chunk(cf.special_chunk(arr.schunk._cparams, special, nbytes, value))
    return arr


def zeros(shape: Any, dtype: Any = np.float64, chunks: Sequence[int] | None = None,
          blocks: Sequence[int] | None = None, cparams: Any = None, dparams: Any = None, urlpath: Any = None,
          mode: str = "a", contiguous: bool | None = None, **kwargs: Any) -> NDArray:
    """An NDArray of zeros: every chunk is a special zeros chunk (nothing is compressed)."""
    return _special(shape, dtype, cf.SPECIAL_ZERO, None, chunks, blocks, cparams, dparams, urlpath, mode,
                    contiguous, kwargs)


def empty(shape: Any, dtype: Any = np.float64, chunks: Sequence[int] | None = None,
          blocks: Sequence[int] | None = None, cparams: Any = None, dparams: Any = None, urlpath: Any = None,
          mode: str = "a", contiguous: bool | None = None, **kwargs: Any) -> NDArray:
    """An NDArray whose contents are unspecified (zeros here, as python-blosc2 4.x writes them)."""
    return zeros(shape, dtype, chunks, blocks, cparams, dparams, urlpath, mode, contiguous, **kwargs)


def full(shape: Any, fill_value: Any, dtype: Any = None, chunks: Sequence[int] | None = None,
         blocks: Sequence[int] | None = None, cparams: Any = None, dparams: Any = None, urlpath: Any = None,
         mode: str = "a", contiguous: bool | None = None, **kwargs: Any) -> NDArray:
    """An NDArray of ``fill_value``: every chunk is a special repeated-value chunk."""
    value = np.asarray(fill_value, dtype=dtype)
    return _special(shape, value.dtype, cf.SPECIAL_VALUE, value.tobytes(), chunks, blocks, cparams, dparams,
                    urlpath, mode, contiguous, kwargs)


def open(urlpath: str | os.PathLike[str], mode: str = "r",  # noqa: A001 - blosc2's name
         cparams: CParams | dict[str, Any] | None = None,
         dparams: DParams | dict[str, Any] | None = None) -> _schunk.SChunk | NDArray:
    """Open a persisted frame: an :class:`NDArray` when it carries the ``b2nd`` metalayer, else an SChunk."""
    sc = _schunk.open(urlpath, mode, cparams, dparams)
    layers = b2ndmeta.layers_of(sc._kept.metalayers, repr(os.fspath(urlpath)))
    if b2ndmeta.NAME not in layers:
        return sc
    return NDArray(sc, b2ndmeta.parse(layers[b2ndmeta.NAME], f"{os.fspath(urlpath)!r}: b2nd metalayer"))
