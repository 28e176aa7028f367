"""Blosc2 contiguous frame (README_CFRAME_FORMAT.rst): msgpack header, chunks, offsets chunk, trailer.

Layout written (matching what c-blosc2 writes for a frame without metalayers)::

    header (87 + 10 bytes) | chunk0 | chunk1 | ... | offsets chunk | trailer (35 bytes)

Offsets are int64 little endian, relative to the end of the header; all-zero/NaN/uninit chunks
are not stored but encoded in their offset (bit 63 + special value in byte 7).  The offsets
chunk is written memcpyed (valid format; c-blosc2 compresses it with BloscLZ once it holds 4 or
more offsets, which the reader decodes).  An append writes the new chunk after the stored ones,
then the offsets chunk and trailer, then updates the header.

Frames read from other writers keep their metalayers (header bytes after the fixed 87),
vlmetalayers flag and trailer (vlmetalayers) verbatim when appended to (:class:`Kept`).  The sparse-frame index file
(``chunks.b2frame``, see :mod:`.sframe`) is the same format with frame type 1, no chunks
section and chunk file numbers instead of byte offsets.
"""

from __future__ import annotations

import dataclasses
import os
import struct
from dataclasses import dataclass

import numpy as np

from . import chunkformat as cf
from .params import MAX_FILTERS, Codec, CParams, SplitMode, Tuner, _enum_or_int, validate_cparams

MAGIC = b"b2frame\x00"
HEADER_MINLEN = 87
HEADER_LEN_OFFSET = 11
FRAME_LEN_OFFSET = 16
FLAGS_OFFSET = 25
FRAME_TYPE_OFFSET = 26
CODECS_OFFSET = 27
OTHER_FLAGS_OFFSET = 28
NBYTES_OFFSET = 30
CBYTES_OFFSET = 39
TYPESIZE_OFFSET = 48
BLOCKSIZE_OFFSET = 53
CHUNKSIZE_OFFSET = 58
NTHREADS_C_OFFSET = 63
NTHREADS_D_OFFSET = 66
HAS_VLMETALAYERS_OFFSET = 68
FILTER_PIPELINE_OFFSET = 70
UDCODEC_OFFSET = 77
CODEC_META_OFFSET = 78
OTHER_FLAGS2_OFFSET = 85
VERSION_FRAME_FORMAT_RC1 = 2
VERSION_FRAME_FORMAT_MAX = 3
OFFSETS_64BIT = 0x10
VARIABLE_CHUNKS = 0x40
VL_BLOCKS = 0x80
FRAME_CONTIGUOUS, FRAME_DIRECTORY = 0, 1
LAST_BUILTIN_CODEC = 6
TRAILER_LEN = 35
TRAILER_MINLEN = 25
TRAILER_LEN_FROM_END = 22  # the trailer length (uint32) sits this many bytes before the frame end
OFFSETS_BLOCKSIZE = 16 * 1024
SPECIAL_BIT = 1 << 63
SPECIAL_OFFSETS = (cf.SPECIAL_ZERO, cf.SPECIAL_NAN, cf.SPECIAL_UNINIT)
#: Metalayers section of a header without metalayers: [index size, {}, []].
EMPTY_METALAYERS = bytes([0x93, 0xCD]) + struct.pack(">H", 7) + bytes([0xDE, 0, 0, 0xDC, 0, 0])


class FormatError(ValueError):
    """Corrupt or unreadable persisted input: the one error family of opening a frame and reading its chunks."""


class FrameFormatError(FormatError):
    """The file is not a Blosc2 frame the reference can read (the message names the path)."""


class FrameUnsupportedError(FrameFormatError, NotImplementedError):
    """The frame holds a valid chunk of a kind the reference does not read (a dictionary, big-endian, ...)."""


class ChunkFormatError(FormatError):
    """A stored chunk of an opened frame cannot be decoded; names the file, the chunk index and its byte offset."""

    def __init__(self, path: str, index: int, offset: int | None, problem: str) -> None:
        where = f"at byte {offset}" if offset is not None else "special or in its own file"
        super().__init__(f"{path!r}: chunk {index} ({where}): {problem}")
        self.path, self.index, self.offset = path, index, offset


class ChunkCodecError(ChunkFormatError, RuntimeError):
    """A chunk's codec is not registered or its decoder failed; also a ``RuntimeError``, as before."""


@dataclass(frozen=True)
class Kept:
    """Parts of a frame that appends keep verbatim (the defaults are what a new frame gets)."""

    metalayers: bytes = EMPTY_METALAYERS  # header bytes after the fixed 87 (offsets inside are header-relative)
    trailer: bytes = b""  # b"": the standard 35-byte trailer (its vlmetalayer offsets are trailer-relative)
    has_vlmetalayers: bool = False


NEW = Kept()


@dataclass
class FrameInfo:
    """What a frame header says about its super-chunk, plus the parts kept verbatim on append."""

    cparams: CParams
    dthreads: int
    chunksize: int
    nbytes: int
    cbytes: int
    header_len: int
    offsets: list[int] = dataclasses.field(default_factory=list)
    frame_type: int = FRAME_CONTIGUOUS
    kept: Kept = NEW

    @property
    def nchunks(self) -> int:
        return len(self.offsets)


def build_trailer() -> bytes:
    """Trailer with no vlmetalayers and no fingerprint, as c-blosc2 writes it (35 bytes)."""
    t = bytes([0x94, 0x01, 0x93, 0xCD]) + struct.pack(">H", 6) + bytes([0xDE, 0, 0, 0xDC, 0, 0])
    t += b"\xce" + struct.pack(">I", TRAILER_LEN) + bytes([0xD8, 0x00]) + bytes(16)
    assert len(t) == TRAILER_LEN
    return t


def build_header(cp: CParams, chunksize: int, nbytes: int, cbytes: int, frame_len: int, dthreads: int,
                 frame_type: int = FRAME_CONTIGUOUS, kept: Kept = NEW) -> bytes:
    """Frame header (87 bytes + ``kept.metalayers``), byte layout as c-blosc2's ``new_header_frame``."""
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
    h += bytes([0xA4, general, frame_type, codec_flags & 0xFF, int(cp.splitmode) - 1])
    h += b"\xd3" + struct.pack(">q", nbytes)
    h += b"\xd3" + struct.pack(">q", cbytes)
    h += b"\xd2" + struct.pack(">i", int(cp.typesize))
    h += b"\xd2" + struct.pack(">i", int(cp.blocksize))
    h += b"\xd2" + struct.pack(">i", chunksize)
    h += b"\xd1" + struct.pack(">h", int(cp.nthreads or 1))
    h += b"\xd1" + struct.pack(">h", dthreads)
    h += b"\xc3" if kept.has_vlmetalayers else b"\xc2"
    h += bytes([0xD8, MAX_FILTERS]) + bytes(pipeline)
    assert len(h) == HEADER_MINLEN
    h += kept.metalayers
    struct.pack_into(">i", h, HEADER_LEN_OFFSET, len(h))
    return bytes(h)


def build_offsets_chunk(offsets: list[int]) -> bytes:
    """Offsets as c-blosc2 compresses them: BloscLZ, clevel 5, shuffle, typesize 8, 16 KiB blocks, no split."""
    raw = np.array(offsets, dtype="<u8").tobytes()
    cp = CParams(codec=Codec.BLOSCLZ, typesize=8, clevel=5, blocksize=OFFSETS_BLOCKSIZE,
                 splitmode=SplitMode.NEVER_SPLIT, nthreads=1)
    return cf.compress_chunk(raw, cp)


def special_of(chunk: bytes) -> int:
    """The special value (zeros/NaN/uninit) a frame codes in the offset instead of storing ``chunk``; 0 if none."""
    special = (chunk[31] >> 4) & 0x7 if len(chunk) >= cf.EXTENDED_HEADER_LENGTH else 0
    return special if special in SPECIAL_OFFSETS else 0


def special_offset(special: int) -> int:
    return SPECIAL_BIT | (special << 56)


def chunk_offset_entry(chunk: bytes, position: int) -> tuple[int, bool]:
    """(offset value, stored?) for a chunk placed at ``position``; special chunks are not stored."""
    special = special_of(chunk)
    if special:
        return special_offset(special), False
    return position, True


def write_frame(path: str, cp: CParams, dthreads: int, chunksize: int, chunks: list[bytes], nbytes: int,
                kept: Kept = NEW) -> None:
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
    trailer = kept.trailer or build_trailer()
    hlen = HEADER_MINLEN + len(kept.metalayers)
    frame_len = hlen + len(body) + len(trailer)
    header = build_header(cp, chunksize, nbytes, cbytes, frame_len, dthreads, kept=kept)
    atomic_write(path, header + body + trailer)


def atomic_write(path: str, data: bytes) -> None:
    """Replace ``path`` by ``data`` through a synced temporary file and a rename."""
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def append_to_frame(path: str, cp: CParams, dthreads: int, chunksize: int, nbytes: int,
                    old_cbytes: int, offsets: list[int], new_chunk: bytes, kept: Kept = NEW) -> int:
    """Append ``new_chunk`` in place: write it after the stored chunks, then offsets, trailer, header.

    ``offsets`` must already contain the new chunk's entry.  Returns the new stored cbytes.
    """
    hlen = HEADER_MINLEN + len(kept.metalayers)
    _off, keep = chunk_offset_entry(new_chunk, old_cbytes)
    new_cbytes = old_cbytes + (len(new_chunk) if keep else 0)
    tail = build_offsets_chunk(offsets) + (kept.trailer or build_trailer())
    frame_len = hlen + new_cbytes + len(tail)
    with open(path, "r+b") as f:
        f.seek(hlen + old_cbytes)
        if keep:
            f.write(new_chunk)
        f.write(tail)
        f.truncate(frame_len)
        f.seek(0)
        f.write(build_header(cp, chunksize, nbytes, new_cbytes, frame_len, dthreads, kept=kept))
        f.flush()
        os.fsync(f.fileno())
    return new_cbytes


def rewrite_header(path: str, cp: CParams, dthreads: int, chunksize: int, nbytes: int, cbytes: int,
                   frame_type: int = FRAME_CONTIGUOUS, kept: Kept = NEW) -> None:
    """Rewrite the header in place (e.g. after a cparams update); the length never changes."""
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.write(build_header(cp, chunksize, nbytes, cbytes, size, dthreads, frame_type, kept))


# ---- reading ------------------------------------------------------------------------------------
def _u(fmt: str, data: bytes, pos: int, marker: int, what: str, path: str) -> int:
    if data[pos - 1] != marker:
        raise FrameFormatError(f"{path!r}: corrupt frame header: {what} has msgpack marker "
                               f"0x{data[pos - 1]:02x} at byte {pos - 1}, expected 0x{marker:02x}")
    return int(struct.unpack_from(fmt, data, pos)[0])


def parse_frame(path: str, data: bytes, frame_type: int) -> tuple[FrameInfo, np.ndarray]:
    """Validate a frame's header, trailer and offsets chunk; return its info and raw offsets.

    ``path`` is only used in error messages; ``frame_type`` is the type the caller expects.
    The offsets are chunk positions relative to the header end (contiguous frames) or chunk
    file numbers (sparse frames); negative int64 values are special chunks.
    """
    if len(data) < HEADER_MINLEN or data[0] & 0xF0 != 0x90 or data[1] != 0xA8 or data[2:10] != MAGIC:
        raise FrameFormatError(f"{path!r} is not a Blosc2 frame (bad magic or shorter than {HEADER_MINLEN} bytes)")
    header_len = _u(">i", data, HEADER_LEN_OFFSET, 0xD2, "header_len", path)
    frame_len = _u(">Q", data, FRAME_LEN_OFFSET, 0xCF, "frame_len", path)
    if frame_len > len(data):
        raise FrameFormatError(f"{path!r}: truncated frame: the header says {frame_len} bytes, the file has "
                               f"{len(data)}")
    if not HEADER_MINLEN <= header_len <= frame_len - TRAILER_MINLEN:
        raise FrameFormatError(f"{path!r}: header_len {header_len} is impossible for a frame of {frame_len} bytes")
    general = data[FLAGS_OFFSET]
    if general & 0x0F > VERSION_FRAME_FORMAT_MAX or (general >> 4) & 0x3 != 1:
        raise FrameFormatError(f"{path!r}: unsupported frame version/offset size (flags 0x{general:02x})")
    if general & VL_BLOCKS:
        raise FrameFormatError(f"{path!r}: frames of variable-length-block chunks are not supported by the reference")
    ftype = data[FRAME_TYPE_OFFSET] & 0x0F
    if ftype != frame_type:
        kinds = {FRAME_CONTIGUOUS: "a contiguous frame", FRAME_DIRECTORY: "a sparse frame index"}
        raise FrameFormatError(f"{path!r}: expected {kinds.get(frame_type)}, the header says frame type {ftype} "
                               f"({kinds.get(ftype, 'unknown')})")
    # trailer: its length is stored just before the fingerprint, counting from the frame end
    if data[frame_len - TRAILER_LEN_FROM_END - 1] != 0xCE:
        raise FrameFormatError(f"{path!r}: corrupt frame trailer (no trailer length marker at byte "
                               f"{frame_len - TRAILER_LEN_FROM_END - 1})")
    (trailer_len,) = struct.unpack_from(">I", data, frame_len - TRAILER_LEN_FROM_END)
    if not TRAILER_MINLEN <= trailer_len <= frame_len - header_len:
        raise FrameFormatError(f"{path!r}: corrupt frame trailer: trailer_len {trailer_len} for a frame of "
                               f"{frame_len} bytes with a {header_len}-byte header")
    trailer_start = frame_len - trailer_len
    codec_flags = data[CODECS_OFFSET]
    codec = codec_flags & 0x0F
    if codec == cf.FORMAT_UDCODEC:
        codec = data[UDCODEC_OFFSET]
    nbytes = _u(">q", data, NBYTES_OFFSET, 0xD3, "nbytes", path)
    cbytes = _u(">q", data, CBYTES_OFFSET, 0xD3, "cbytes", path)
    typesize = _u(">i", data, TYPESIZE_OFFSET, 0xD2, "typesize", path)
    blocksize = _u(">i", data, BLOCKSIZE_OFFSET, 0xD2, "blocksize", path)
    chunksize = _u(">i", data, CHUNKSIZE_OFFSET, 0xD2, "chunksize", path)
    cthreads = _u(">h", data, NTHREADS_C_OFFSET, 0xD1, "nthreads (compression)", path)
    dthreads = _u(">h", data, NTHREADS_D_OFFSET, 0xD1, "nthreads (decompression)", path)
    nfilters = data[FILTER_PIPELINE_OFFSET]
    if nbytes < 0 or cbytes < 0 or typesize <= 0 or blocksize < 0 or nfilters > MAX_FILTERS:
        raise FrameFormatError(f"{path!r}: corrupt frame header: nbytes={nbytes} cbytes={cbytes} "
                               f"typesize={typesize} blocksize={blocksize} nfilters={nfilters}")
    fstart = FILTER_PIPELINE_OFFSET + 1
    filters = list(data[fstart:fstart + nfilters]) + [0] * (MAX_FILTERS - nfilters)
    fmeta = list(data[fstart + 8:fstart + 8 + nfilters]) + [0] * (MAX_FILTERS - nfilters)
    splitmode = (data[OTHER_FLAGS_OFFSET] & 0x3) + 1
    try:
        cp = validate_cparams(CParams(
            codec=_enum_or_int(Codec, codec), codec_meta=data[CODEC_META_OFFSET], clevel=codec_flags >> 4,
            use_dict=bool(data[OTHER_FLAGS2_OFFSET] & 1), typesize=typesize, nthreads=max(cthreads, 1),
            blocksize=blocksize, splitmode=SplitMode(splitmode), filters=filters, filters_meta=fmeta,
            tuner=Tuner.STUNE))
    except (ValueError, TypeError) as exc:
        raise FrameFormatError(f"{path!r}: frame header holds invalid compression parameters: {exc}") from exc
    kept = Kept(bytes(data[HEADER_MINLEN:header_len]), bytes(data[trailer_start:frame_len]),
                data[HAS_VLMETALAYERS_OFFSET] == 0xC3)
    info = FrameInfo(cp, max(dthreads, 1), chunksize, nbytes, cbytes, header_len, frame_type=ftype, kept=kept)
    off_start = header_len + (cbytes if frame_type == FRAME_CONTIGUOUS else 0)
    if nbytes == 0:
        return info, np.zeros(0, dtype="<i8")
    if chunksize > 0:
        nchunks: int | None = -(-nbytes // chunksize)
    elif chunksize == 0:
        nchunks = None  # variable-size chunks: the offsets chunk says how many
    else:
        raise FrameFormatError(f"{path!r}: chunksize {chunksize} in a frame holding {nbytes} bytes")
    if off_start + cf.EXTENDED_HEADER_LENGTH > trailer_start:
        raise FrameFormatError(f"{path!r}: no room for the offsets chunk: it would start at byte {off_start} "
                               f"(header_len {header_len} + cbytes {cbytes}), the trailer starts at {trailer_start}")
    region = data[off_start:trailer_start]
    try:
        h = cf.parse_header(region)
        raw = cf.decompress_chunk(region[:h.cbytes])
    except Exception as exc:  # noqa: BLE001 - any decoding failure means a corrupt offsets chunk
        raise FrameFormatError(f"{path!r}: cannot decode the offsets chunk at byte {off_start}: "
                               f"{type(exc).__name__}: {exc}") from exc
    if len(raw) % 8:
        raise FrameFormatError(f"{path!r}: the offsets chunk holds {len(raw)} bytes, not a multiple of 8")
    offsets = np.frombuffer(raw, dtype="<i8")
    if nchunks is not None and offsets.size != nchunks:
        raise FrameFormatError(f"{path!r}: the offsets chunk has {offsets.size} entries, the header "
                               f"(nbytes {nbytes}, chunksize {chunksize}) implies {nchunks} chunks")
    info.offsets = [int(o) for o in offsets.astype(np.uint64)]
    return info, offsets


def special_chunk_for(path: str, index: int, offset: int, nbytes: int, cp: CParams) -> bytes:
    """Rebuild the header-only chunk a special offset stands for."""
    special = (offset >> 56) & 0x7
    if special not in SPECIAL_OFFSETS:
        raise FrameFormatError(f"{path!r}: chunk {index} has offset 0x{offset & (2**64 - 1):016x}: "
                               f"special value {special} is not zeros (1), NaN (2) or uninit (4)")
    return cf.special_chunk(cp, special, nbytes)


def expected_nbytes(info: FrameInfo, index: int, nchunks: int) -> int | None:
    """Uncompressed size chunk ``index`` must have (None for variable-size chunks)."""
    if info.chunksize <= 0:
        return None
    return info.chunksize if index < nchunks - 1 else info.nbytes - info.chunksize * (nchunks - 1)


def check_chunk(path: str, index: int, chunk: bytes, where: str, limit: int, expect: int | None) -> bytes:
    """Validate a stored chunk's header against the space it may use and its expected size."""
    try:
        h = cf.parse_header(chunk[:limit])
    except NotImplementedError as exc:  # a valid chunk of a kind the reference does not read: no corrupt frame
        raise FrameUnsupportedError(f"{path!r}: chunk {index} ({where}): {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - a malformed chunk header
        raise FrameFormatError(f"{path!r}: chunk {index} ({where}): {exc}") from exc
    if expect is not None and h.nbytes != expect:
        raise FrameFormatError(f"{path!r}: chunk {index} ({where}) holds {h.nbytes} bytes, the frame header "
                               f"implies {expect}")
    return bytes(chunk[:h.cbytes])


def read_frame(path: str) -> tuple[FrameInfo, list[bytes]]:
    """Read a contiguous frame file; return its header info and its chunks (special ones rebuilt)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        raise FrameFormatError(f"{path!r} is a directory (a sparse frame?), not a contiguous frame file") from None
    info, offsets = parse_frame(path, data, FRAME_CONTIGUOUS)
    nchunks = offsets.size
    header_len, cbytes = info.header_len, info.cbytes
    chunks: list[bytes] = []
    sizes: list[int] = []
    for i in range(nchunks):
        off = int(offsets[i])
        expect = expected_nbytes(info, i, nchunks)
        if off < 0:
            if expect is None:
                raise FrameFormatError(f"{path!r}: special chunk {i} in a frame of variable-size chunks")
            chunks.append(special_chunk_for(path, i, off & (2**64 - 1), expect, info.cparams))
        else:
            if off > cbytes - cf.EXTENDED_HEADER_LENGTH:
                raise FrameFormatError(f"{path!r}: chunk {i} offset {off} points outside the chunks section "
                                       f"({cbytes} bytes)")
            start = header_len + off
            chunks.append(check_chunk(path, i, data[start:header_len + cbytes], f"at byte {start}",
                                      header_len + cbytes - start, expect))
        sizes.append(cf.parse_header(chunks[-1]).nbytes)
    if sum(sizes) != info.nbytes:
        raise FrameFormatError(f"{path!r}: the chunks hold {sum(sizes)} bytes, the header says nbytes {info.nbytes}")
    return info, chunks
