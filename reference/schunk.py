"""``SChunk``: an append-only super-chunk of Blosc2 chunks, optionally persisted as a contiguous
frame (one file) or a sparse frame (a directory, ``contiguous=False``)."""

from __future__ import annotations

import dataclasses
import os
import struct
import zlib
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from . import b2ndmeta, registry, threads, ufilters
from . import chunkformat as cf
from . import frame as _frame
from . import sframe as _sframe
from .filters import check_pipeline
from .params import CParams, DParams, as_cparams, as_dparams, as_int

DEFAULT_CHUNKSIZE = 2**24
MAX_DEFAULT_CHUNKSIZE = 2**28
_MODES = ("r", "a", "w")


def effective_threads(cp: CParams, dp: DParams) -> tuple[int, int]:
    """The (compression, decompression) thread counts in effect; left out, they follow the codec and filters
    (1 where Python code runs)."""
    python = registry.is_python_ucodec(int(cp.codec)) or bool(ufilters.python_filters(list(cp.filters)))
    return threads.resolve(cp.nthreads, python), threads.resolve(dp.nthreads, python)


def check_threads(cp: CParams, dp: DParams) -> None:
    """Python user codecs and filters run on the caller's thread: nthreads > 1 is rejected (blosc2 rule)."""
    if registry.is_python_ucodec(int(cp.codec)):
        for what, n in zip(("cparams", "dparams"), effective_threads(cp, dp), strict=True):
            if n > 1:
                raise ValueError(
                    f"cannot use multi-threading with user-defined Python codecs: {what}.nthreads={n} "
                    f"but codec {int(cp.codec)} is a Python codec (nthreads must be 1)"
                )
    pyfilters = ufilters.python_filters(list(cp.filters))
    for what, n in zip(("cparams", "dparams"), effective_threads(cp, dp), strict=True):
        if pyfilters and n > 1:
            raise ValueError(f"cannot use multi-threading with user-defined Python filters: {what}.nthreads={n} "
                             f"but filters {pyfilters} are Python filters (nthreads must be 1)")


class SChunk:
    """Super-chunk with the blosc2 4.x user-codec API subset (see the package docstring)."""

    def __init__(
        self,
        chunksize: int | None = None,
        data: Any = None,
        *,
        cparams: CParams | dict[str, Any] | None = None,
        dparams: DParams | dict[str, Any] | None = None,
        urlpath: str | os.PathLike[str] | None = None,
        contiguous: bool | None = None,
        mode: str = "a",
        _opened: tuple[_frame.FrameInfo, list[bytes]] | None = None,
        _metalayers: bytes | None = None,
    ) -> None:
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        if _opened is None and (cparams is None or isinstance(cparams, dict) and "typesize" not in cparams):
            # python-blosc2: without a typesize, the data's item size (1 for data without one, or no data)
            itemsize = getattr(data, "itemsize", 1) if data is not None else 1
            cparams = {**(cparams or {}), "typesize": itemsize}
        cp = as_cparams(cparams, ignore_unknown=True)
        dp = as_dparams(dparams, ignore_unknown=True)
        check_threads(cp, dp)
        check_pipeline(list(cp.filters), list(cp.filters_meta))
        if _opened is None and cp.use_dict:  # refused before a frame is written (compress_chunk refuses it too)
            raise NotImplementedError("use_dict=True is not implemented by the reference")
        if _opened is not None:
            chunksize = _opened[0].chunksize
            if chunksize < 0 and _opened[1]:
                raise _frame.FrameFormatError(f"{urlpath!r}: chunksize {chunksize} in a frame that holds chunks")
        elif chunksize is None:
            if data is not None:
                chunksize = cf._as_uint8(data).size
            else:
                chunksize = DEFAULT_CHUNKSIZE
            chunksize = min(chunksize, MAX_DEFAULT_CHUNKSIZE)
        if _opened is None:
            try:
                chunksize = as_int("chunksize", chunksize)  # a float is truncated, as python-blosc2 does
            except TypeError as exc:
                raise ValueError(f"chunksize must be a non-negative integer, got {chunksize!r}") from exc
            if chunksize < 0:
                raise ValueError(f"chunksize must be a non-negative integer, got {chunksize!r}")
        self._cparams = cp
        self._dparams = dp
        self._chunksize = int(chunksize)
        self._chunks: list[bytes] = []
        self._nbytes_list: list[int] = []
        self._urlpath = os.fspath(urlpath) if urlpath is not None else None
        # blosc2's default: a frame (contiguous) when persisted, separate chunks in memory.
        self._contiguous = (urlpath is not None) if contiguous is None else bool(contiguous)
        self._mode = mode
        self._stored_cbytes = 0  # bytes of stored (non-special) chunks in the frame
        self._offsets: list[int] = []
        # metalayers/trailer of a frame written elsewhere, kept when appending; an NDArray's own metalayers
        self._kept = _frame.NEW if _metalayers is None else _frame.Kept(metalayers=_metalayers)
        self._variable = False  # opened a frame of variable-size chunks (read-only for the reference)
        self._closed = False
        self._read_from: list[int | None] | None = None  # file byte offset of each chunk read at open
        self._seen: tuple[int, int, int] | None = None  # the frame on disk as this handle last read or wrote it
        if _opened is not None:
            self._load(*_opened)
            self._variable = self._chunksize == 0 and bool(self._chunks)
            return
        if mode == "r" and self._urlpath is None:  # as python-blosc2: nothing on disk to read
            raise ValueError("mode='r' reads a persisted SChunk: give the urlpath of an existing frame (or use open())")
        if self._urlpath is not None:
            if mode == "r":
                raise ValueError("mode='r' cannot create a new SChunk; use open() to read an existing frame")
            if os.path.exists(self._urlpath) and mode == "a":
                raise FileExistsError(
                    f"{self._urlpath!r} already exists; use mode='w' to overwrite it or open() to read/append"
                )
            remove_urlpath(self._urlpath)
            cthreads, dthreads = effective_threads(cp, dp)
            cp = dataclasses.replace(cp, nthreads=cthreads)
            if self._contiguous:
                _frame.write_frame(self._urlpath, cp, dthreads, self._chunksize, [], 0, self._kept)
            else:
                _sframe.create(self._urlpath, cp, dthreads, self._chunksize, self._kept)
            self._seen = self._signature()
        if data is not None:
            self._append_buffer(cf._as_uint8(data), split=True)

    # ---- the frame on disk -----------------------------------------------------------------------
    def _load(self, info: _frame.FrameInfo, chunks: list[bytes]) -> None:
        """Take the chunks and the layout of a frame read from disk."""
        self._read_from = [info.header_len + off if self._contiguous and off >= 0 else None for off in info.offsets]
        self._kept = info.kept
        self._chunks = list(chunks)
        self._nbytes_list = [cf.parse_header(c).nbytes for c in chunks]
        self._offsets = list(info.offsets)
        self._stored_cbytes = info.cbytes
        self._seen = self._signature()

    def _signature(self) -> tuple[int, int, int] | None:
        """(inode, size, mtime) of the frame file, or of a sparse frame's index: every write changes it."""
        if self._urlpath is None:
            return None
        try:
            st = os.stat(self._urlpath if self._contiguous else _sframe.index_path(self._urlpath))
        except OSError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def _refresh(self) -> None:
        """Read the frame again if another handle or process wrote it since this one last read or wrote it.

        The reference keeps a persisted container's chunks in memory and rewrites the frame from them; python-blosc2
        reads them from disk, so two handles on one file see each other's writes. Without this a write through one
        handle was lost at the other's next write (a sparse frame was left pointing at removed chunk files).
        """
        if self._urlpath is None or self._closed:
            return
        now = self._signature()
        if now is None or now == self._seen:
            return
        contiguous = not os.path.isdir(self._urlpath)
        if contiguous != self._contiguous:
            return  # replaced by another kind of frame: not this container any more
        self._load(*(_frame.read_frame(self._urlpath) if contiguous else _sframe.read_sframe(self._urlpath)))

    # ---- properties ---------------------------------------------------------------------------
    @property
    def cparams(self) -> CParams:
        """A copy of the compression parameters (assign a CParams or a dict of fields to update).

        ``nthreads`` is the count in effect (see :func:`effective_threads`).
        """
        return dataclasses.replace(self._cparams, filters=list(self._cparams.filters),
                                   filters_meta=list(self._cparams.filters_meta),
                                   nthreads=effective_threads(self._cparams, self._dparams)[0])

    @cparams.setter
    def cparams(self, value: CParams | dict[str, Any]) -> None:
        if value is None:
            raise TypeError("cparams must be a CParams or dict, got None")
        self._check_writable()
        cp = as_cparams(value, self._cparams)
        check_threads(cp, self._dparams)
        check_pipeline(list(cp.filters), list(cp.filters_meta))
        self._cparams = cp
        self._sync_header()

    @property
    def dparams(self) -> DParams:
        """A copy of the decompression parameters (assign a DParams or a dict to update); ``nthreads`` in effect."""
        return DParams(nthreads=self._dthreads())

    @dparams.setter
    def dparams(self, value: DParams | dict[str, Any]) -> None:
        if value is None:
            raise TypeError("dparams must be a DParams or dict, got None")
        dp = as_dparams(value, self._dparams)
        check_threads(self._cparams, dp)
        self._dparams = dp
        if self._mode != "r":
            self._sync_header()

    def _dthreads(self) -> int:
        return effective_threads(self._cparams, self._dparams)[1]

    @property
    def nchunks(self) -> int:
        self._refresh()
        return len(self._chunks)

    @property
    def nbytes(self) -> int:
        self._refresh()
        return sum(self._nbytes_list)

    @property
    def cbytes(self) -> int:
        """The bytes of the chunks; a frame keeps a special chunk as a mark in its offsets, which counts 0."""
        self._refresh()
        return sum(len(c) for c in self._chunks if not (self._framed and _frame.special_of(c)))

    @property
    def _framed(self) -> bool:
        """Whether the chunks live in a frame (contiguous, or a sparse frame on disk)."""
        return self._contiguous or self._urlpath is not None

    @property
    def chunksize(self) -> int:
        return self._chunksize

    @property
    def typesize(self) -> int:
        return int(self._cparams.typesize)

    @property
    def blocksize(self) -> int:
        return int(self._cparams.blocksize)

    @property
    def meta(self) -> Meta:
        """The container's fixed-length metalayers, read-only (python-blosc2's ``SChunk.meta``): an NDArray's
        ``b2nd`` among them, so a codec can ask ``"b2nd" in schunk.meta``."""
        return Meta(b2ndmeta.layers_of(self._kept.metalayers))

    @property
    def urlpath(self) -> str | None:
        return self._urlpath

    @property
    def contiguous(self) -> bool:
        return self._contiguous

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def cratio(self) -> float:
        """``nbytes / cbytes`` (0.0 while nothing is stored), as in python-blosc2."""
        cbytes = self.cbytes
        return self.nbytes / cbytes if cbytes else 0.0

    def __len__(self) -> int:
        return self.nbytes // self.typesize

    # ---- writing ------------------------------------------------------------------------------
    def append_data(self, data: Any) -> int:
        """Compress ``data`` (<= chunksize bytes) as one new chunk; return the new number of chunks.

        Only the last chunk may be shorter than ``chunksize``: appending after a short chunk, or
        more than ``chunksize`` bytes, raises ValueError.  On any error nothing is stored.
        """
        self._check_writable()
        self._append_buffer(cf._as_uint8(data), split=False)
        return self.nchunks

    def append_chunk(self, chunk: bytes | bytearray | memoryview) -> int:
        """Append an already compressed chunk (validated header); return the new number of chunks."""
        self._check_writable()
        chunk = bytes(chunk)
        h = cf.parse_header(chunk)
        chunk = chunk[:h.cbytes]
        self._check_chunk_size(h.nbytes)
        self._store(chunk, h.nbytes)
        return self.nchunks

    def __setitem__(self, key: int | slice, value: Any) -> None:
        """Write items ``key`` (of ``typesize`` bytes) from a buffer, as python-blosc2 4.x does.

        Items already stored are overwritten (their chunks recompressed with the current cparams);
        items past the end are appended, so ``schunk[0:n] = data`` fills an empty SChunk.  A step
        other than 1 raises IndexError; a start past the end, an empty range, or fewer bytes in
        ``value`` than the items need, ValueError (extra bytes are ignored).  An int key writes one
        item, a negative one counting from the end (python-blosc2 2.7.1 to 4.14.1 raise AttributeError for
        it, though they document it).  A persisted SChunk is rewritten: the whole contiguous frame, or the
        changed chunk files and the index of a sparse frame.
        """
        self._check_writable()
        n = len(self)
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise IndexError(f"only step 1 slices are supported, got step {key.step}")
            start = 0 if key.start is None else as_int("start", key.start)
            stop = n if key.stop is None else as_int("stop", key.stop)
        elif isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            start = int(key) + (n if key < 0 else 0)
            if not 0 <= start < n:
                raise IndexError(f"item index {int(key)} out of range (len={n})")
            stop = start + 1
        else:
            raise TypeError(f"SChunk indices must be integers or slices, got {type(key).__name__}")
        start = start + n if start < 0 else start
        stop = stop + n if stop < 0 else stop
        if start > n:
            raise ValueError(f"start ({start}) cannot be greater than the number of items ({n})")
        if stop <= start:
            raise ValueError(f"stop ({stop}) must be greater than start ({start})")
        ts = self.typesize
        buf = cf._as_uint8(value)
        need = (stop - start) * ts
        if buf.size < need:
            raise ValueError(f"not enough data for writing the slice: {buf.size} bytes, items "
                             f"[{start}, {stop}) need {need}")
        b0, b1, total = start * ts, stop * ts, self.nbytes
        pos = 0
        for i, nb in enumerate(list(self._nbytes_list)):
            lo, hi = pos, pos + nb
            pos = hi
            # the items that land in this chunk, and, for a short last chunk, those that fill it up
            room = self._chunksize if i == len(self._nbytes_list) - 1 and b1 > total else nb
            end = min(b1, lo + max(room, nb))
            if end <= lo or b0 >= end:
                continue
            data = np.frombuffer(self._decode(i), dtype=np.uint8).copy()
            if end - lo > data.size:
                data = np.concatenate([data, np.zeros(end - lo - data.size, dtype=np.uint8)])
            data[max(b0, lo) - lo:end - lo] = buf[max(b0, lo) - b0:end - b0]
            self._replace_chunk(i, data)
        total = self.nbytes
        if b1 > total:
            self._append_buffer(np.ascontiguousarray(buf[total - b0:need]), split=True)

    def _replace_chunk(self, index: int, data: np.ndarray) -> None:
        """Recompress chunk ``index`` from ``data``; a frame is rewritten (a sparse frame: that chunk's file)."""
        if self._variable:
            raise NotImplementedError("rewriting a frame of variable-size chunks (header chunksize 0) "
                                      "is not implemented by the reference")
        chunk = cf.compress_chunk(data, self._cparams, self)
        special = _frame.special_of(chunk)
        if self._framed and special:
            chunk = cf.special_chunk(self._cparams, special, data.size)
        chunks = [*self._chunks[:index], chunk, *self._chunks[index + 1:]]
        nbytes_list = [*self._nbytes_list[:index], data.size, *self._nbytes_list[index + 1:]]
        if self._urlpath is not None:
            path, nbytes, dthreads = self._urlpath, sum(nbytes_list), self._dthreads()
            if self._contiguous:
                _frame.write_frame(path, self.cparams, dthreads, self._chunksize, chunks, nbytes, self._kept)
                offsets, pos = [], 0
                for c in chunks:
                    off, keep = _frame.chunk_offset_entry(c, pos)
                    offsets.append(off)
                    pos += len(c) if keep else 0
                self._offsets, self._stored_cbytes, self._read_from = offsets, pos, None
            else:
                old = self._offsets[index]
                offsets = list(self._offsets)
                if special:
                    offsets[index] = _frame.special_offset(special)
                else:
                    offsets[index] = old if not old & _frame.SPECIAL_BIT else _sframe.next_file_number(offsets)
                    _frame.atomic_write(_sframe.chunk_path(path, offsets[index]), chunk)
                if not old & _frame.SPECIAL_BIT and offsets[index] != old:
                    os.remove(_sframe.chunk_path(path, old))
                cbytes = sum(len(c) for c in chunks if not _frame.special_of(c))
                _frame.atomic_write(_sframe.index_path(path), _sframe.build_index(
                    self.cparams, dthreads, self._chunksize, nbytes, cbytes, offsets, self._kept))
                self._offsets, self._stored_cbytes = offsets, cbytes
                if self._read_from is not None and index < len(self._read_from):
                    self._read_from[index] = None
        elif self._read_from is not None and index < len(self._read_from):
            self._read_from[index] = None
        self._chunks, self._nbytes_list = chunks, nbytes_list
        self._seen = self._signature()

    def _check_writable(self) -> None:
        if self._closed:
            raise ValueError("the SChunk is closed")
        if self._mode == "r":
            raise ValueError("the SChunk was opened read-only (mode='r')")
        self._refresh()  # a write starts from what is on disk

    def _check_chunk_size(self, n: int) -> None:
        if self._chunksize < 0:  # an empty frame written by blosc2: the first chunk sets the chunksize
            return
        if self._variable:
            raise NotImplementedError("appending to a frame of variable-size chunks (header chunksize 0) "
                                      "is not implemented by the reference")
        if n > self._chunksize:
            raise ValueError(f"cannot append {n} bytes: more than chunksize ({self._chunksize} bytes)")
        if self._nbytes_list and self._nbytes_list[-1] < self._chunksize:
            raise ValueError(
                f"cannot append after a short chunk: chunk {len(self._nbytes_list) - 1} has "
                f"{self._nbytes_list[-1]} bytes < chunksize ({self._chunksize}); only the last chunk may be short"
            )

    def _append_buffer(self, buf: np.ndarray, split: bool) -> None:
        if split:
            cs = self._chunksize or buf.size or 1
            pieces = [buf[i:i + cs] for i in range(0, buf.size, cs)] or [buf]
        else:
            pieces = [buf]
        for piece in pieces:
            self._check_chunk_size(piece.size)
            chunk = cf.compress_chunk(piece, self._cparams, self)
            self._store(chunk, piece.size)

    def _store(self, chunk: bytes, nbytes: int) -> None:
        special = _frame.special_of(chunk)
        if self._framed and special:
            # A frame keeps a special chunk as a marker in its offsets and hands back the special
            # chunk c-blosc2 builds for it (also for in-memory contiguous containers, as blosc2 does).
            chunk = cf.special_chunk(self._cparams, special, nbytes)
        if self._urlpath is None:
            self._chunks.append(chunk)
            self._nbytes_list.append(nbytes)
            return
        if self._chunksize < 0:
            self._chunksize = nbytes
        total = self.nbytes + nbytes
        if self._contiguous:
            off, _keep = _frame.chunk_offset_entry(chunk, self._stored_cbytes)
            new_cbytes = _frame.append_to_frame(
                self._urlpath, self.cparams, self._dthreads(), self._chunksize, total,
                self._stored_cbytes, [*self._offsets, off], chunk, self._kept)
        else:
            off, new_cbytes = _sframe.append_chunk(
                self._urlpath, self.cparams, self._dthreads(), self._chunksize, total,
                self._stored_cbytes, self._offsets, chunk, self._kept)
        self._chunks.append(chunk)
        self._nbytes_list.append(nbytes)
        self._offsets.append(off)
        self._stored_cbytes = new_cbytes
        self._seen = self._signature()

    def _sync_header(self) -> None:
        if self._urlpath is None or self._closed:
            return
        args = (self.cparams, self._dthreads(), self._chunksize, self.nbytes, self._stored_cbytes)
        if self._contiguous:
            _frame.rewrite_header(self._urlpath, *args, kept=self._kept)
        else:
            _sframe.rewrite_header(self._urlpath, *args, kept=self._kept)
        self._seen = self._signature()

    # ---- reading ------------------------------------------------------------------------------
    def _index(self, nchunk: int) -> int:
        if not isinstance(nchunk, (int, np.integer)) or isinstance(nchunk, bool):
            raise TypeError(f"chunk index must be an integer, got {nchunk!r}")
        self._refresh()
        n = int(nchunk)
        if n < 0:
            n += len(self._chunks)
        if not 0 <= n < len(self._chunks):
            raise IndexError(f"chunk index {nchunk} out of range (nchunks={len(self._chunks)})")
        return n

    def get_chunk(self, nchunk: int) -> bytes:
        """The stored (compressed) chunk ``nchunk``."""
        return self._chunks[self._index(nchunk)]

    def decompress_chunk(self, nchunk: int, dst: Any = None) -> bytes | None:
        """Decompress chunk ``nchunk``; into ``dst`` (writable buffer, returns None) if given.

        A chunk of an opened frame that cannot be decoded raises :class:`ChunkFormatError`.
        """
        index = self._index(nchunk)
        data = self._decode(index)
        if dst is None:
            return data
        out = np.frombuffer(memoryview(dst).cast("B"), dtype=np.uint8)
        if out.size < len(data):
            raise ValueError(f"dst has {out.size} bytes, chunk {nchunk} needs {len(data)}")
        out[:len(data)] = np.frombuffer(data, dtype=np.uint8)
        return None

    def _decode(self, index: int) -> bytes:
        if self._read_from is None or index >= len(self._read_from):
            return cf.decompress_chunk(self._chunks[index], self)
        try:
            return cf.decompress_chunk(self._chunks[index], self)
        except _frame.FormatError:
            raise
        except (ValueError, RuntimeError, zlib.error, struct.error, IndexError, OverflowError) as exc:
            kind = _frame.ChunkCodecError if isinstance(exc, RuntimeError) else _frame.ChunkFormatError
            offset = self._read_from[index]
            raise kind(str(self._urlpath), index, offset, f"{type(exc).__name__}: {exc}") from exc

    def get_slice(self, start: int = 0, stop: int | None = None, out: Any = None) -> bytes | None:
        """Items ``[start, stop)`` (of ``typesize`` bytes) as bytes, or into ``out`` (any writable buffer,
        e.g. a NumPy array; returns None)."""
        n = len(self)
        start, stop, step = slice(start, stop).indices(n)
        stop = max(stop, start)
        ts = self.typesize
        b0, b1 = start * ts, stop * ts
        parts: list[bytes] = []
        pos = 0
        for i, nb in enumerate(self._nbytes_list):
            lo, hi = pos, pos + nb
            pos = hi
            if hi <= b0 or lo >= b1:
                continue
            data = self._decode(i)
            parts.append(data[max(b0 - lo, 0):min(b1, hi) - lo])
        result = b"".join(parts)
        if out is None:
            return result
        o = np.frombuffer(memoryview(out).cast("B"), dtype=np.uint8)
        if o.size < len(result):
            raise ValueError(f"out has {o.size} bytes, the slice needs {len(result)}")
        o[:len(result)] = np.frombuffer(result, dtype=np.uint8)
        return None

    def __getitem__(self, item: int | slice) -> bytes:
        if isinstance(item, slice):
            if item.step not in (None, 1):
                raise IndexError(f"only step 1 slices are supported, got step {item.step}")
            return self.get_slice(item.start or 0, item.stop)  # type: ignore[return-value]
        if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
            i = int(item)
            if i < 0:
                i += len(self)
            if not 0 <= i < len(self):
                raise IndexError(f"item index {item} out of range (len={len(self)})")
            return self.get_slice(i, i + 1)  # type: ignore[return-value]
        raise TypeError(f"SChunk indices must be integers or slices, got {type(item).__name__}")

    # ---- lifetime -----------------------------------------------------------------------------
    def close(self) -> None:
        """Flush and detach from the file (data is already on disk after every append)."""
        if not self._closed and self._urlpath is not None and self._mode != "r":
            self._sync_header()
        self._closed = True

    def __enter__(self) -> SChunk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"SChunk(nchunks={self.nchunks}, nbytes={self.nbytes}, cbytes={self.cbytes}, "
                f"chunksize={self.chunksize}, typesize={self.typesize}, urlpath={self.urlpath!r})")


def open(urlpath: str | os.PathLike[str], mode: str = "r",  # noqa: A001 - blosc2's name
         cparams: CParams | dict[str, Any] | None = None,
         dparams: DParams | dict[str, Any] | None = None) -> SChunk:
    """Open a persisted SChunk: a contiguous frame file or a sparse frame directory.

    ``mode``: 'r' read-only, 'a' append.  A malformed frame raises :class:`FrameFormatError`, a chunk
    that cannot be decoded :class:`ChunkFormatError` when read: both are :class:`FormatError` (a ``ValueError``).
    """
    if mode not in ("r", "a"):
        raise ValueError(f"open() mode must be 'r' or 'a', got {mode!r}")
    path = os.fspath(urlpath)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such frame: {path!r}")
    contiguous = not os.path.isdir(path)
    info, chunks = _frame.read_frame(path) if contiguous else _sframe.read_sframe(path)
    try:
        # The thread counts a frame records are the writer's; left out here, they are this process's default.
        cp = as_cparams(cparams, dataclasses.replace(info.cparams, nthreads=None), ignore_unknown=True,
                        given_only=True)
        dp = as_dparams(dparams, DParams(), ignore_unknown=True, given_only=True)
        return SChunk(info.chunksize, None, cparams=cp, dparams=dp, urlpath=path, contiguous=contiguous,
                      mode=mode, _opened=(info, chunks))
    except _frame.FormatError:
        raise
    except (ValueError, NotImplementedError) as exc:  # header fields the parameters or the super-chunk reject
        if cparams is not None or dparams is not None:
            raise  # the caller's own parameters may be what is rejected
        raise _frame.FrameFormatError(f"{path!r}: the frame header holds parameters the reference rejects: "
                                      f"{type(exc).__name__}: {exc}") from exc


def remove_urlpath(path: str | os.PathLike[str] | None) -> None:
    """Remove a persisted frame (file or directory); missing paths are ignored."""
    if path is None:
        return
    import shutil

    p = os.fspath(path)
    if os.path.isdir(p):
        shutil.rmtree(p)
    elif os.path.exists(p):
        os.remove(p)


class Meta(Mapping[str, Any]):
    """Metalayers by name. ``b2nd`` reads as python-blosc2 gives it, ``[version, ndim, shape, chunks, blocks, dtype
    format, dtype]``; another layer as its msgpack bytes (the reference unpacks only the b2nd layer). Writing a
    metalayer is not implemented: the mapping has no item assignment."""

    def __init__(self, layers: dict[str, bytes]) -> None:
        self._layers = layers

    def __getitem__(self, name: str) -> Any:
        content = self._layers[name]
        if name != b2ndmeta.NAME:
            return content
        m = b2ndmeta.parse(content)
        return [b2ndmeta.VERSION, len(m.shape), list(m.shape), list(m.chunks), list(m.blocks),
                b2ndmeta.DTYPE_FORMAT_NUMPY, m.dtype.str]

    def __iter__(self) -> Iterator[str]:
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)

    def __repr__(self) -> str:
        return f"Meta(keys={list(self._layers)})"
