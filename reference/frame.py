"""Blosc2 contiguous frame (README_CFRAME_FORMAT.rst): msgpack header, chunks, offsets chunk, trailer.

Layout written (matching what c-blosc2 writes for a frame without metalayers)::

    header (87 + 10 bytes) | chunk0 | chunk1 | ... | offsets chunk | trailer (35 bytes)

Offsets are int64 little endian, relative to the end of the header; all-zero/NaN/uninit chunks
are not stored but encoded in their offset (bit 63 + special value in byte 7).  The offsets
chunk is written memcpyed (valid format; c-blosc2 compresses it with BloscLZ).  The frame is
rewritten from the first changed chunk onwards at every append, then the header is updated.
"""

from __future__ import annotations

import dataclasses
import os
import struct
from dataclasses import dataclass

import numpy as np

from . import chunkformat as cf
from .params import MAX_FILTERS, Codec, CParams, SplitMode, Tuner, _enum_or_int

MAGIC = b"b2frame\x00"
HEADER_MINLEN = 87
HEADER_LEN_OFFSET = 11
FRAME_LEN_OFFSET = 16
FLAGS_OFFSET = 25
CODECS_OFFSET = 27
OTHER_FLAGS_OFFSET = 28
NBYTES_OFFSET = 30
CBYTES_OFFSET = 39
TYPESIZE_OFFSET = 48
BLOCKSIZE_OFFSET = 53
CHUNKSIZE_OFFSET = 58
NTHREADS_C_OFFSET = 63
NTHREADS_D_OFFSET = 66
FILTER_PIPELINE_OFFSET = 70
UDCODEC_OFFSET = 77
CODEC_META_OFFSET = 78
OTHER_FLAGS2_OFFSET = 85
VERSION_FRAME_FORMAT_RC1 = 2
OFFSETS_64BIT = 0x10
VARIABLE_CHUNKS = 0x40
LAST_BUILTIN_CODEC = 6
TRAILER_LEN = 35
OFFSETS_BLOCKSIZE = 16 * 1024
SPECIAL_BIT = 1 << 63


class FrameFormatError(ValueError):
    """The file is not a Blosc2 contiguous frame the reference can read."""


@dataclass
class FrameInfo:
    """What a frame header says about its super-chunk."""

    cparams: CParams
    dthreads: int
    chunksize: int
    nbytes: int
    cbytes: int
    header_len: int
    offsets: list[int] = dataclasses.field(default_factory=list)


def build_header(cp: CParams, chunksize: int, nbytes: int, cbytes: int, frame_len: int, dthreads: int) -> bytes:
    """Frame header without metalayers (97 bytes), byte layout as c-blosc2's ``new_header_frame``."""
    codec = int(cp.codec)
    general = VERSION_FRAME_FORMAT_RC1 | OFFSETS_64BIT | (VARIABLE_CHUNKS if chunksize == 0 else 0)
    codec_flags = (cf.FORMAT_UDCODEC if codec >= LAST_BUILTIN_CODEC else codec) | (int(cp.clevel) << 4)
    pipeline = bytearray(16)
    pipeline[:MAX_FILTERS] = bytes(int(f) for f in cp.filters)
    pipeline[6] = codec
    pipeline[7] = int(cp.codec_meta)
    pipeline[8:8 + MAX_FILTERS] = bytes(int(m) for m in cp.filters_meta)
    pipeline[14] = 1 if cp.use_dict else 0
    h = bytearray()
    h += bytes([0x9E, 0xA8]) + MAGIC
    h += b"\xd2" + struct.pack(">i", 0)  # header_len, patched below
    h += b"\xcf" + struct.pack(">Q", frame_len)
    h += bytes([0xA4, general, 0, codec_flags & 0xFF, int(cp.splitmode) - 1])
    h += b"\xd3" + struct.pack(">q", nbytes)
    h += b"\xd3" + struct.pack(">q", cbytes)
    h += b"\xd2" + struct.pack(">i", int(cp.typesize))
    h += b"\xd2" + struct.pack(">i", int(cp.blocksize))
    h += b"\xd2" + struct.pack(">i", chunksize)
    h += b"\xd1" + struct.pack(">h", int(cp.nthreads))
    h += b"\xd1" + struct.pack(">h", dthreads)
    h += b"\xc2"  # no vlmetalayers
    h += bytes([0xD8, MAX_FILTERS]) + bytes(pipeline)
    assert len(h) == HEADER_MINLEN
    # metalayers: [size of index map, {} , []]
    h += bytes([0x93, 0xCD]) + struct.pack(">H", 7) + bytes([0xDE, 0, 0, 0xDC, 0, 0])
    struct.pack_into(">i", h, HEADER_LEN_OFFSET, len(h))
    return bytes(h)


def build_trailer() -> bytes:
    """Trailer with no vlmetalayers and no fingerprint, as c-blosc2 writes it (35 bytes)."""
    t = bytes([0x94, 0x01, 0x93, 0xCD]) + struct.pack(">H", 6) + bytes([0xDE, 0, 0, 0xDC, 0, 0])
    t += b"\xce" + struct.pack(">I", TRAILER_LEN) + bytes([0xD8, 0x00]) + bytes(16)
    assert len(t) == TRAILER_LEN
    return t


def build_offsets_chunk(offsets: list[int]) -> bytes:
    """Offsets as a memcpyed Blosc2 chunk (typesize 8, BloscLZ id, shuffle slot set like c-blosc2)."""
    raw = np.array(offsets, dtype="<u8").tobytes()
    cp = CParams(codec=Codec.BLOSCLZ, typesize=8, clevel=0, blocksize=OFFSETS_BLOCKSIZE,
                 splitmode=SplitMode.NEVER_SPLIT)
    header_blocksize = min(OFFSETS_BLOCKSIZE, len(raw)) if raw else OFFSETS_BLOCKSIZE
    flags = cf.FLAG_SHUFFLE | cf.FLAG_BITSHUFFLE | cf.FLAG_MEMCPYED
    return cf._header(cp, flags, 8, len(raw), header_blocksize, len(raw) + cf.EXTENDED_HEADER_LENGTH) + raw


def chunk_offset_entry(chunk: bytes, position: int) -> tuple[int, bool]:
    """(offset value, stored?) for a chunk placed at ``position``; special chunks are not stored."""
    special = (chunk[31] >> 4) & 0x7 if len(chunk) >= 32 else 0
    if special in (cf.SPECIAL_ZERO, cf.SPECIAL_NAN, cf.SPECIAL_UNINIT):
        return SPECIAL_BIT | (special << 56), False
    return position, True


def write_frame(path: str, cp: CParams, dthreads: int, chunksize: int, chunks: list[bytes], nbytes: int) -> None:
    """Write a complete frame for ``chunks`` (atomically: temp file + rename)."""
    offsets: list[int] = []
    stored: list[bytes] = []
    pos = 0
    for c in chunks:
        off, keep = chunk_offset_entry(c, pos)
        offsets.append(off)
        if keep:
            stored.append(c)
            pos += len(c)
    cbytes = pos
    body = b"".join(stored) + (build_offsets_chunk(offsets) if chunks else b"")
    trailer = build_trailer()
    hlen = len(build_header(cp, chunksize, nbytes, cbytes, 0, dthreads))
    frame_len = hlen + len(body) + len(trailer)
    header = build_header(cp, chunksize, nbytes, cbytes, frame_len, dthreads)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(header)
        f.write(body)
        f.write(trailer)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def append_to_frame(path: str, cp: CParams, dthreads: int, chunksize: int, nbytes: int,
                    old_cbytes: int, offsets: list[int], new_chunk: bytes) -> int:
    """Append ``new_chunk`` in place: write it after the stored chunks, then offsets, trailer, header.

    ``offsets`` must already contain the new chunk's entry.  Returns the new stored cbytes.
    """
    header_probe = build_header(cp, chunksize, nbytes, 0, 0, dthreads)
    hlen = len(header_probe)
    _off, keep = chunk_offset_entry(new_chunk, old_cbytes)
    new_cbytes = old_cbytes + (len(new_chunk) if keep else 0)
    tail = build_offsets_chunk(offsets) + build_trailer()
    frame_len = hlen + new_cbytes + len(tail)
    with open(path, "r+b") as f:
        f.seek(hlen + old_cbytes)
        if keep:
            f.write(new_chunk)
        f.write(tail)
        f.truncate(frame_len)
        f.seek(0)
        f.write(build_header(cp, chunksize, nbytes, new_cbytes, frame_len, dthreads))
        f.flush()
        os.fsync(f.fileno())
    return new_cbytes


def rewrite_header(path: str, cp: CParams, dthreads: int, chunksize: int, nbytes: int, cbytes: int) -> None:
    """Rewrite the header in place (e.g. after a cparams update); the length never changes."""
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.write(build_header(cp, chunksize, nbytes, cbytes, size, dthreads))


def read_frame(path: str) -> tuple[FrameInfo, list[bytes]]:
    """Read a contiguous frame file; return its header info and its chunks (special ones rebuilt)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < HEADER_MINLEN or data[2:10] != MAGIC or data[0] != 0x9E:
        raise FrameFormatError(f"{path!r} is not a Blosc2 contiguous frame (bad magic)")
    (header_len,) = struct.unpack_from(">i", data, HEADER_LEN_OFFSET)
    (frame_len,) = struct.unpack_from(">Q", data, FRAME_LEN_OFFSET)
    if frame_len != len(data) or not HEADER_MINLEN <= header_len <= len(data):
        raise FrameFormatError(f"{path!r}: frame_len {frame_len} / header_len {header_len} do not match file size {len(data)}")
    general = data[FLAGS_OFFSET]
    if general & 0x0F > 3 or (general >> 4) & 0x3 != 1:
        raise FrameFormatError(f"{path!r}: unsupported frame version/offset size (flags 0x{general:02x})")
    if data[FLAGS_OFFSET + 1] != 0:
        raise FrameFormatError(f"{path!r}: not a contiguous frame (type {data[FLAGS_OFFSET + 1]})")
    codec_flags = data[CODECS_OFFSET]
    codec = codec_flags & 0x0F
    if codec == cf.FORMAT_UDCODEC:
        codec = data[UDCODEC_OFFSET]
    clevel = codec_flags >> 4
    splitmode = (data[OTHER_FLAGS_OFFSET] & 0x3) + 1
    (nbytes,) = struct.unpack_from(">q", data, NBYTES_OFFSET)
    (cbytes,) = struct.unpack_from(">q", data, CBYTES_OFFSET)
    (typesize,) = struct.unpack_from(">i", data, TYPESIZE_OFFSET)
    (blocksize,) = struct.unpack_from(">i", data, BLOCKSIZE_OFFSET)
    (chunksize,) = struct.unpack_from(">i", data, CHUNKSIZE_OFFSET)
    (cthreads,) = struct.unpack_from(">h", data, NTHREADS_C_OFFSET)
    (dthreads,) = struct.unpack_from(">h", data, NTHREADS_D_OFFSET)
    nfilters = data[FILTER_PIPELINE_OFFSET]
    fstart = FILTER_PIPELINE_OFFSET + 1
    filters = list(data[fstart:fstart + nfilters]) + [0] * (MAX_FILTERS - nfilters)
    fmeta = list(data[fstart + 8:fstart + 8 + nfilters]) + [0] * (MAX_FILTERS - nfilters)
    cp = CParams(codec=_enum_or_int(Codec, codec), codec_meta=data[CODEC_META_OFFSET], clevel=clevel,
                 use_dict=bool(data[OTHER_FLAGS2_OFFSET] & 1), typesize=typesize, nthreads=max(cthreads, 1),
                 blocksize=blocksize, splitmode=SplitMode(splitmode), filters=filters, filters_meta=fmeta,
                 tuner=Tuner.STUNE)
    info = FrameInfo(cp, max(dthreads, 1), chunksize, nbytes, cbytes, header_len)
    chunks: list[bytes] = []
    if nbytes <= 0 and cbytes <= 0 and header_len + TRAILER_LEN >= len(data):
        return info, chunks
    if chunksize <= 0:
        raise FrameFormatError(f"{path!r}: variable-size chunks are not supported by the reference")
    nchunks = -(-nbytes // chunksize) if nbytes > 0 else 0
    off_start = header_len + cbytes
    if nchunks == 0:
        return info, chunks
    try:
        offs_raw = cf.decompress_chunk(data[off_start:len(data)])
    except NotImplementedError as exc:
        raise FrameFormatError(
            f"{path!r}: the offsets chunk is compressed with a codec the reference cannot decode ({exc})"
        ) from exc
    offsets = np.frombuffer(offs_raw, dtype="<u8")
    if offsets.size < nchunks:
        raise FrameFormatError(f"{path!r}: offsets chunk has {offsets.size} entries, expected {nchunks}")
    info.offsets = [int(o) for o in offsets[:nchunks]]
    for i in range(nchunks):
        off = int(offsets[i])
        this_nbytes = chunksize if i < nchunks - 1 else nbytes - chunksize * (nchunks - 1)
        if off & SPECIAL_BIT:
            special = (off >> 56) & 0x7
            chunks.append(cf.make_special_chunk(special, this_nbytes, typesize if typesize <= 255 else 1,
                                                this_nbytes, cp))
            continue
        start = header_len + off
        if start + cf.EXTENDED_HEADER_LENGTH > off_start:
            raise FrameFormatError(f"{path!r}: chunk {i} offset {off} points outside the chunks section")
        h = cf.parse_header(data[start:off_start])
        chunks.append(bytes(data[start:start + h.cbytes]))
    return info, chunks
