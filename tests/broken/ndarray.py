"""Hosts whose NDArrays break: writes, block layout, the thread rule, reopening and the frame layout."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from udcodec.adapters.blosc2like import ModuleNDContainer
from udcodec.adapters.protocol import NOT_GIVEN, CParams, DParams, NotGiven
from udcodec.adapters.reference import ReferenceAdapter
from udcodec.reference import b2ndmeta
from udcodec.reference import chunkformat as _chunkformat
from udcodec.reference import frame as _frame
from udcodec.reference import ndarray as nd
from udcodec.reference import schunk as _schunk
from udcodec.reference import sframe as _sframe

from ._base import delta_blocks_alone


class WritesFirstChunkOnlyAdapter(ReferenceAdapter):
    """``array[key] = value`` recompresses only the first chunk the selection touches."""

    def __init__(self) -> None:
        super().__init__()

        def setitem(self: nd.NDArray, key: Any, value: Any) -> None:
            lo, hi, _steps, squeezed = self._index(key)
            box = tuple(b - a for a, b in zip(lo, hi, strict=True))
            selected = tuple(n for n, q in zip(box, squeezed, strict=True) if not q)
            values = np.broadcast_to(np.asarray(value, dtype=self.dtype), selected).reshape(box)
            for n, coord in self._chunks_in(lo, hi)[:1]:
                in_chunk, in_box = self._overlap(coord, lo, hi)
                chunk = self._read_chunk(n)
                chunk[in_chunk] = values[in_box]
                self._schunk._replace_chunk(n, nd.pack(chunk, self.blocks))

        nd.NDArray.__setitem__ = setitem  # type: ignore[method-assign]


class SparseNumbersByCountAdapter(ReferenceAdapter):
    """A sparse frame numbers a new chunk file by the count of stored chunks, not one above the largest in use:
    once a chunk has become special, data written into it again overwrites another chunk's file."""

    def __init__(self) -> None:
        super().__init__()

        def next_file_number(offsets: list[int]) -> int:
            return len([o for o in offsets if not o & _frame.SPECIAL_BIT])

        _sframe.next_file_number = next_file_number


class RewriteCountsSpecialsAdapter(ReferenceAdapter):
    """After a chunk of a contiguous frame is rewritten, the stored bytes count special chunks too: the next
    header rewrite (a cparams change) records a cbytes past the chunks, where the offsets are then looked for."""

    def __init__(self) -> None:
        super().__init__()
        replace_chunk = _schunk.SChunk._replace_chunk

        def counting_specials(self: _schunk.SChunk, index: int, data: np.ndarray) -> None:
            replace_chunk(self, index, data)
            if self.contiguous and self.urlpath is not None:
                self._stored_cbytes = sum(len(c) for c in self._chunks)

        _schunk.SChunk._replace_chunk = counting_specials  # type: ignore[method-assign]


class DtypeNameMetalayerAdapter(ReferenceAdapter):
    """The b2nd metalayer holds ``str(dtype)`` ('int32'), not NumPy's ``dtype.str`` ('<i4'): NumPy still reads it."""

    def __init__(self) -> None:
        super().__init__()
        serialize = b2ndmeta.serialize

        def with_dtype_name(meta: b2ndmeta.B2ndMeta) -> bytes:
            typestr = meta.dtype.str.encode()
            name = str(meta.dtype).encode()
            out = serialize(meta)[:-(len(typestr) + 4)]
            return out + len(name).to_bytes(4, "big") + name

        b2ndmeta.serialize = with_dtype_name


class TrustsMetalayerLayoutAdapter(ReferenceAdapter):
    """An opened NDArray takes its b2nd metalayer's dtype, chunks and blocks on trust, never comparing them with
    its super-chunk's typesize and chunk size."""

    def __init__(self) -> None:
        super().__init__()

        def trusting(array: nd.NDArray, schunk: Any, meta: b2ndmeta.B2ndMeta) -> None:
            array._schunk, array._meta, array._padded = schunk, meta, nd._padded(meta.chunks, meta.blocks)

        nd.NDArray.__init__ = trusting  # type: ignore[method-assign]


class IgnoresBlockshapeAdapter(ReferenceAdapter):
    """``blocks`` is ignored: each chunk is one block (as if blocks=chunks)."""

    def __init__(self) -> None:
        super().__init__()
        layout = nd._layout

        def one_block_per_chunk(shape: Any, chunks: Any, blocks: Any, itemsize: int) -> Any:
            chunks, _ = layout(shape, chunks, blocks, itemsize)
            return chunks, chunks

        nd._layout = one_block_per_chunk


class NDArrayDropsThreadsAdapter(ReferenceAdapter):
    """NDArrays with nthreads > 1 are created and opened (silently with one thread)."""

    def nd_create(self, array: np.ndarray, chunks: Any, blocks: Any, cparams: CParams | NotGiven,
                  dparams: DParams | NotGiven, urlpath: str | None = None,
                  contiguous: bool | NotGiven = NOT_GIVEN) -> ModuleNDContainer:
        if isinstance(cparams, CParams):
            cparams = dataclasses.replace(cparams, nthreads=1)
        return super().nd_create(array, chunks, blocks, cparams, DParams(nthreads=1), urlpath, contiguous)

    def nd_open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
                cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleNDContainer:
        return super().nd_open(urlpath, DParams(nthreads=1), cparams, mode)


class NDReopenForgetsCodecMetaAdapter(ReferenceAdapter):
    """A reopened NDArray has codec meta 0: it reports it, and slices written after the reopen carry it."""

    def nd_open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
                cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleNDContainer:
        opened = super().nd_open(urlpath, dparams, cparams, mode)
        sc = opened.native().schunk
        sc._cparams = dataclasses.replace(sc._cparams, codec_meta=0)
        return opened


def _fortran_pack(chunk: np.ndarray, blocks: tuple[int, ...]) -> np.ndarray:
    return _PACK(chunk.T.copy(), blocks[::-1])


def _fortran_unpack(buf: bytes, dtype: np.dtype, padded: tuple[int, ...], blocks: tuple[int, ...]) -> np.ndarray:
    return _UNPACK(buf, dtype, padded[::-1], blocks[::-1]).T.copy()


_PACK, _UNPACK = nd.pack, nd.unpack


@contextmanager
def _fortran_blocks() -> Iterator[None]:
    """The reference's NDArrays lay blocks out in Fortran order while inside (only this host's calls)."""
    nd.pack, nd.unpack = _fortran_pack, _fortran_unpack
    try:
        yield
    finally:
        nd.pack, nd.unpack = _PACK, _UNPACK


class _FortranNDContainer(ModuleNDContainer):
    def read(self, key: Any = ...) -> np.ndarray:
        with _fortran_blocks():
            return super().read(key)

    def write(self, key: Any, value: Any) -> None:
        with _fortran_blocks():
            super().write(key, value)


class FortranOrderBlocksAdapter(ReferenceAdapter):
    """Blocks hold their sub-array in Fortran order (consistent with itself, not with c-blosc2's b2nd)."""

    def nd_create(self, array: np.ndarray, chunks: Any, blocks: Any, cparams: CParams | NotGiven,
                  dparams: DParams | NotGiven, urlpath: str | None = None,
                  contiguous: bool | NotGiven = NOT_GIVEN) -> ModuleNDContainer:
        with _fortran_blocks():
            return _FortranNDContainer(self, super().nd_create(array, chunks, blocks, cparams, dparams, urlpath, contiguous).native())

    def nd_open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
                cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleNDContainer:
        return _FortranNDContainer(self, super().nd_open(urlpath, dparams, cparams, mode).native())


class FullChunkBlocksizeAdapter(ReferenceAdapter):
    """``full()``'s special chunks record the chunk's whole size as their block size, not the array's block:
    they expand to the right values anywhere, but c-blosc2 reads an NDArray's chunks block by block by that
    field, and cannot read such an array whole."""

    def __init__(self) -> None:
        super().__init__()
        special_chunk = _chunkformat.special_chunk

        def whole_chunk_blocks(cp: Any, special: int, nbytes: int, value: bytes | None = None) -> bytes:
            return special_chunk(dataclasses.replace(cp, blocksize=nbytes), special, nbytes, value)

        _chunkformat.special_chunk = whole_chunk_blocks


class _DeltaSelectedAlone(ModuleNDContainer):
    def read(self, key: Any = ...) -> np.ndarray:
        if key is Ellipsis:
            return super().read(key)
        with delta_blocks_alone():
            return super().read(key)


class NDSelectionUndoesDeltaAloneAdapter(ReferenceAdapter):
    """A selection of an NDArray decodes the blocks it touches on their own: a DELTA block after a chunk's first
    is not undone against the first block, so its items read wrong; the whole array reads right."""

    def nd_create(self, array: np.ndarray, chunks: Any, blocks: Any, cparams: CParams | NotGiven,
                  dparams: DParams | NotGiven, urlpath: str | None = None,
                  contiguous: bool | NotGiven = NOT_GIVEN) -> ModuleNDContainer:
        return _DeltaSelectedAlone(self, super().nd_create(array, chunks, blocks, cparams, dparams, urlpath,
                                                           contiguous).native())


class MetalayerFixarray3BitsAdapter(ReferenceAdapter):
    """The b2nd metalayer reader takes a msgpack fixarray's length from 3 bits, not 4: the shape, chunks and blocks
    of an 8-dimensional array read as empty."""

    def __init__(self) -> None:
        super().__init__()

        def array_len(self: Any) -> int:
            marker = self.byte()
            if marker & 0xF0 == 0x90:
                return int(marker & 0x07)
            self.pos -= 1
            return int(read_len(self))

        read_len = b2ndmeta._Reader.array_len
        b2ndmeta._Reader.array_len = array_len  # type: ignore[method-assign]


class NDPartialCparamsResetAdapter(ReferenceAdapter):
    """``open`` with partial cparams resets the codec meta they leave out to its default (0)."""

    def nd_open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
                cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleNDContainer:
        opened = super().nd_open(urlpath, dparams, cparams, mode)
        if isinstance(cparams, CParams) and "codec_meta" not in cparams.given_fields():
            sc = opened.native().schunk
            sc._cparams = dataclasses.replace(sc._cparams, codec_meta=0)
        return opened


class NDArrayIgnoresCodecAdapter(ReferenceAdapter):
    """NDArrays are compressed with the default codec whatever ``cparams`` names (the data still round-trips)."""

    def nd_create(self, array: np.ndarray, chunks: Any, blocks: Any, cparams: CParams | NotGiven,
                  dparams: DParams | NotGiven, urlpath: str | None = None,
                  contiguous: bool | NotGiven = NOT_GIVEN) -> ModuleNDContainer:
        if isinstance(cparams, CParams):
            cparams = dataclasses.replace(cparams, codec=5, codec_meta=0)
        return super().nd_create(array, chunks, blocks, cparams, dparams, urlpath, contiguous)


class NDReadOnlyWritableAdapter(ReferenceAdapter):
    """An NDArray opened with ``mode='r'`` takes writes and writes them to its frame (the mode is kept only for
    super-chunks)."""

    def nd_open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
                cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> ModuleNDContainer:
        array = super().nd_open(urlpath, dparams, cparams, mode)
        array.native().schunk._mode = "a"  # the breakage
        return array


class SumsFirstChunkAdapter(ReferenceAdapter):
    """An NDArray's sum() adds up the items of its first chunk only (a reduction that stops after one chunk)."""

    def __init__(self) -> None:
        super().__init__()

        def first_chunk_sum(self: nd.NDArray, axis: Any = None) -> Any:
            first = tuple(slice(0, c) for c in self.chunks)
            return self[first].sum(axis=axis) if axis is None else self[...].sum(axis=axis)

        nd.NDArray.sum = first_chunk_sum  # type: ignore[method-assign]


class FramesForgetCodecMetaAdapter(NDReopenForgetsCodecMetaAdapter):
    """Every frame, an NDArray's too, reopens with codec meta 0: one defect of the frame reader."""

    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,
             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN) -> Any:
        opened = super().open(urlpath, dparams, cparams, mode)
        opened.native()._cparams = dataclasses.replace(opened.native()._cparams, codec_meta=0)
        return opened


class ExpressionSkipsLastChunkAdapter(ReferenceAdapter):
    """A lazy expression reads every chunk of an NDArray operand but the last (an off-by-one over the chunks), which
    it leaves zero."""

    def __init__(self) -> None:
        super().__init__()
        read = nd._operand_values

        def all_but_the_last_chunk(operand: Any) -> Any:
            values = read(operand)
            if isinstance(operand, nd.NDArray) and values.ndim:
                last = tuple(slice((s - 1) // c * c, s) for s, c in zip(operand.shape, operand.chunks, strict=True))
                values[last] = 0
            return values

        nd._operand_values = all_but_the_last_chunk


class SumNeverEndsAdapter(ReferenceAdapter):
    """An NDArray's sum() never returns (a reduction waiting on a worker that never answers)."""

    def __init__(self) -> None:
        super().__init__()

        def waits_forever(self: nd.NDArray, axis: Any = None) -> Any:
            while True:
                time.sleep(1)

        nd.NDArray.sum = waits_forever  # type: ignore[method-assign]


class SliceTakesCoreThreadsAdapter(ReferenceAdapter):
    """array.slice(key) makes the new array with as many threads as there are cores (the source's nthreads not
    passed on), which the thread rule then refuses on a machine of several cores."""

    def __init__(self) -> None:
        super().__init__()
        from udcodec.reference import threads

        def with_core_threads(self: nd.NDArray, key: Any, **kwargs: Any) -> nd.NDArray:
            cparams = dataclasses.replace(self.cparams, blocksize=0, nthreads=threads.ncores)
            return nd.asarray(np.ascontiguousarray(self[key]), cparams=cparams, dparams=self.dparams)

        nd.NDArray.slice = with_core_threads  # type: ignore[method-assign]


class NDArraysRefusedAdapter(ReferenceAdapter):
    """asarray refuses every array, whatever its codec (an NDArray support that never worked)."""

    def nd_create(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("NDArrays are not supported")


class PlainOpenRefusesThreadsAdapter(ReferenceAdapter):
    """``open(path)`` of an NDArray with nothing else given refuses it for threads (a core-count thread default
    applied to a Python codec's array); given dparams, it opens."""

    def nd_open(self, urlpath: str, dparams: Any = NOT_GIVEN, cparams: Any = NOT_GIVEN, mode: Any = NOT_GIVEN) -> Any:
        if isinstance(dparams, NotGiven):
            raise ValueError("Cannot use multi-threading with user defined Python codecs")
        return super().nd_open(urlpath, dparams, cparams, mode)
