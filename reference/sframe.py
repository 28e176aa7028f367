"""Blosc2 sparse frame (README_SFRAME_FORMAT.rst): a directory of chunk files plus an index frame.

Layout (what c-blosc2 writes)::

    DIR/chunks.b2frame   index: frame header (frame type 1) | offsets chunk | trailer
    DIR/00000000.chunk   one file per stored chunk, exactly the chunk's cbytes bytes
    DIR/00000001.chunk   ...

The index frame has no chunks section: its offsets chunk follows the header directly, and its
entries are chunk *file numbers* (``%08X.chunk``, upper-case hex), not byte positions.  The
header's cbytes is the sum of the stored chunk sizes.  Special chunks (zeros/NaN/uninit) get no
file, only a special offset.  A new stored chunk takes the file number one above the largest
one in use, so numbers need not follow the logical chunk order.
"""

from __future__ import annotations

import os

from . import chunkformat as cf
from . import frame as _frame
from .frame import FRAME_DIRECTORY, NEW, FrameFormatError, FrameInfo, Kept
from .params import CParams

INDEX_NAME = "chunks.b2frame"
MAX_FILE_NUMBER = 0xFFFFFFFF


def index_path(dirpath: str) -> str:
    return os.path.join(dirpath, INDEX_NAME)


def chunk_path(dirpath: str, number: int) -> str:
    return os.path.join(dirpath, f"{number:08X}.chunk")


def next_file_number(offsets: list[int]) -> int:
    """File number for a new stored chunk: one above the largest in use (0 for the first)."""
    numbers = [o for o in offsets if not o & _frame.SPECIAL_BIT]
    return max(numbers) + 1 if numbers else 0


def build_index(cp: CParams, dthreads: int, chunksize: int, nbytes: int, cbytes: int, offsets: list[int],
                kept: Kept = NEW) -> bytes:
    """The bytes of ``chunks.b2frame`` for these offsets (no offsets chunk when there are no chunks)."""
    body = _frame.build_offsets_chunk(offsets) if offsets else b""
    trailer = kept.trailer or _frame.build_trailer()
    frame_len = _frame.HEADER_MINLEN + len(kept.metalayers) + len(body) + len(trailer)
    header = _frame.build_header(cp, chunksize, nbytes, cbytes, frame_len, dthreads, FRAME_DIRECTORY, kept)
    return header + body + trailer


def create(dirpath: str, cp: CParams, dthreads: int, chunksize: int, kept: Kept = NEW) -> None:
    """Create an empty sparse frame in a new directory ``dirpath`` (``kept``: its metalayers)."""
    os.makedirs(dirpath)
    _frame.atomic_write(index_path(dirpath), build_index(cp, dthreads, chunksize, 0, 0, [], kept))


def append_chunk(dirpath: str, cp: CParams, dthreads: int, chunksize: int, nbytes: int, cbytes: int,
                 offsets: list[int], chunk: bytes, kept: Kept = NEW) -> tuple[int, int]:
    """Store ``chunk`` (a file unless special), then rewrite the index; return (offset entry, new cbytes).

    ``offsets`` are the entries before the append; ``nbytes`` is the total after it.
    """
    special = _frame.special_of(chunk)
    if special:
        entry = _frame.special_offset(special)
    else:
        entry = next_file_number(offsets)
        if entry > MAX_FILE_NUMBER:
            raise ValueError(f"{dirpath!r}: no chunk file number left (the largest in use is {entry - 1})")
        _frame.atomic_write(chunk_path(dirpath, entry), chunk)
        cbytes += len(chunk)
    index = build_index(cp, dthreads, chunksize, nbytes, cbytes, [*offsets, entry], kept)
    _frame.atomic_write(index_path(dirpath), index)
    return entry, cbytes


def rewrite_header(dirpath: str, cp: CParams, dthreads: int, chunksize: int, nbytes: int, cbytes: int,
                   kept: Kept = NEW) -> None:
    _frame.rewrite_header(index_path(dirpath), cp, dthreads, chunksize, nbytes, cbytes, FRAME_DIRECTORY, kept)


def read_sframe(dirpath: str) -> tuple[FrameInfo, list[bytes]]:
    """Read a sparse frame directory; return the index's header info and the chunks in logical order."""
    ipath = index_path(dirpath)
    try:
        with open(ipath, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise FrameFormatError(f"{dirpath!r} is not a Blosc2 sparse frame: it has no {INDEX_NAME}") from None
    info, offsets = _frame.parse_frame(ipath, data, FRAME_DIRECTORY)
    nchunks = offsets.size
    chunks: list[bytes] = []
    stored = 0
    for i in range(nchunks):
        off = int(offsets[i])
        expect = _frame.expected_nbytes(info, i, nchunks)
        if off < 0:
            if expect is None:
                raise FrameFormatError(f"{ipath!r}: special chunk {i} in a frame of variable-size chunks")
            chunks.append(_frame.special_chunk_for(ipath, i, off & (2**64 - 1), expect, info.cparams))
            continue
        if off > MAX_FILE_NUMBER:
            raise FrameFormatError(f"{ipath!r}: chunk {i} has file number {off}, above 0x{MAX_FILE_NUMBER:X}")
        cpath = chunk_path(dirpath, off)
        try:
            with open(cpath, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            raise FrameFormatError(f"{dirpath!r}: chunk {i} is stored in {os.path.basename(cpath)}, "
                                   "which does not exist") from None
        chunk = _frame.check_chunk(cpath, i, raw, os.path.basename(cpath), len(raw), expect)
        stored += len(chunk)
        chunks.append(chunk)
    info.cbytes = stored  # what the chunk files hold (the header's cbytes is not needed to find them)
    total = sum(cf.parse_header(c).nbytes for c in chunks)
    if total != info.nbytes:
        raise FrameFormatError(f"{ipath!r}: the chunks hold {total} bytes, the header says nbytes {info.nbytes}")
    return info, chunks
