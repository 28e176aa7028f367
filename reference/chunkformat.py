"""Blosc2 chunk format (README_CHUNK_FORMAT.rst): 32-byte extended header, bstarts, streams.

:func:`compress_chunk` follows c-blosc2's ``write_compression_header`` / ``blosc_c`` rules:
memcpyed chunks (clevel 0, < 32 bytes, or output not fitting in ``nbytes + 32``), per-stream
run detection (``csize == 0`` zero runs, negative ``csize`` + token for byte runs), all-zero
chunks as special-zero chunks, raw streams stored with ``csize == stream size``.
:func:`decompress_chunk` reads any regular/memcpyed/special chunk (extended or Blosc1 header).
Both follow ``CParams.blosc2_target`` where python-blosc2 versions write different bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import builtin_codecs, registry
from . import filters as _filters
from .params import (
    DEFAULT_BLOSC2_TARGET,
    MAX_TYPESIZE,
    USER_CODEC_MAX,
    USER_CODEC_MIN,
    Codec,
    CParams,
    Filter,
    SplitMode,
)
from .plugins import CodecPlugin, cparams_c, dparams_c

# ---- format constants (c-blosc2 blosc2.h) -----------------------------------------------------
VERSION_FORMAT = 5  # BLOSC2_VERSION_FORMAT_STABLE
EXTENDED_HEADER_LENGTH = 32
MIN_HEADER_LENGTH = 16
MAX_OVERHEAD = 32
MIN_BUFFERSIZE = 32  # smaller buffers are memcpyed
L1 = 32 * 1024
MAX_STREAMS = 16  # split_block's typesize bound for builtin codecs

FLAG_SHUFFLE = 0x01
FLAG_MEMCPYED = 0x02
FLAG_BITSHUFFLE = 0x04
FLAG_DELTA = 0x08
FLAG_DONT_SPLIT = 0x10
B2FLAG_USEDICT = 0x01
B2FLAG_BIGENDIAN = 0x02
B2FLAG_LAZY = 0x08
SPECIAL_ZERO, SPECIAL_NAN, SPECIAL_VALUE, SPECIAL_UNINIT = 1, 2, 3, 4

FORMAT_BLOSCLZ, FORMAT_LZ4, FORMAT_ZLIB, FORMAT_ZSTD, FORMAT_UDCODEC = 0, 1, 3, 4, 6
_CODEC_TO_FORMAT = {Codec.BLOSCLZ: FORMAT_BLOSCLZ, Codec.LZ4: FORMAT_LZ4, Codec.LZ4HC: FORMAT_LZ4,
                    Codec.ZLIB: FORMAT_ZLIB, Codec.ZSTD: FORMAT_ZSTD}
_FORMAT_NAMES = {FORMAT_BLOSCLZ: "blosclz", FORMAT_LZ4: "lz4", FORMAT_ZLIB: "zlib", FORMAT_ZSTD: "zstd"}

_HEADER = struct.Struct("<BBBBiii6sBB6sBB")


@dataclass(frozen=True)
class ChunkHeader:
    """Decoded chunk header fields (extended header fields are defaults for Blosc1 headers)."""

    version: int
    versionlz: int
    flags: int
    typesize: int
    nbytes: int
    blocksize: int
    cbytes: int
    filters: tuple[int, ...]
    udcodec: int
    codec_meta: int
    filters_meta: tuple[int, ...]
    blosc2_flags2: int
    blosc2_flags: int
    header_len: int

    @property
    def memcpyed(self) -> bool:
        return bool(self.flags & FLAG_MEMCPYED)

    @property
    def dont_split(self) -> bool:
        return bool(self.flags & FLAG_DONT_SPLIT)

    @property
    def compformat(self) -> int:
        return self.flags >> 5

    @property
    def codec(self) -> int:
        """Codec id recorded in the chunk: the extended header's udcodec byte (c-blosc2 always
        writes the codec id there, also for memcpyed chunks whose flags carry no codec bits);
        for Blosc1 headers the flags' codec enumeration."""
        if self.header_len == EXTENDED_HEADER_LENGTH:
            return self.udcodec
        return self.compformat

    @property
    def special(self) -> int:
        return (self.blosc2_flags >> 4) & 0x7


def parse_header(chunk: bytes | memoryview) -> ChunkHeader:
    """Parse and sanity-check a chunk header; ValueError on anything malformed."""
    if len(chunk) < MIN_HEADER_LENGTH:
        raise ValueError(f"chunk too short for a Blosc header: {len(chunk)} bytes")
    flags = chunk[2]
    extended = (flags & (FLAG_SHUFFLE | FLAG_BITSHUFFLE)) == (FLAG_SHUFFLE | FLAG_BITSHUFFLE)
    if extended:
        if len(chunk) < EXTENDED_HEADER_LENGTH:
            raise ValueError(f"chunk too short for a Blosc2 extended header: {len(chunk)} bytes")
        f = _HEADER.unpack_from(chunk, 0)
        h = ChunkHeader(f[0], f[1], f[2], f[3], f[4], f[5], f[6], tuple(f[7]), f[8], f[9],
                        tuple(f[10]), f[11], f[12], EXTENDED_HEADER_LENGTH)
        if h.blosc2_flags & B2FLAG_BIGENDIAN:
            raise NotImplementedError("big-endian Blosc2 chunks are not supported by the reference")
        if h.blosc2_flags2 & 0x01:
            raise NotImplementedError("variable-length-block chunks are not supported by the reference")
        if h.blosc2_flags & B2FLAG_USEDICT and not h.flags & FLAG_MEMCPYED and not (h.blosc2_flags >> 4) & 0x7:
            raise NotImplementedError("chunks compressed with a dictionary (use_dict=True) are not supported by "
                                      "the reference")
    else:
        v, vlz, fl, ts, nb, bs, cb = struct.unpack_from("<BBBBiii", chunk, 0)
        filt = [0] * 6
        if fl & FLAG_SHUFFLE:
            filt[5] = Filter.SHUFFLE
        elif fl & FLAG_BITSHUFFLE:
            filt[5] = Filter.BITSHUFFLE
        h = ChunkHeader(v, vlz, fl, ts, nb, bs, cb, tuple(filt), 0, 0, (0,) * 6, 0, 0, MIN_HEADER_LENGTH)
    if h.nbytes < 0 or h.cbytes < h.header_len or h.blocksize < 0:
        raise ValueError(f"corrupt chunk header: nbytes={h.nbytes} blocksize={h.blocksize} cbytes={h.cbytes}")
    if h.cbytes > len(chunk):
        raise ValueError(f"chunk header says cbytes={h.cbytes} but only {len(chunk)} bytes were given")
    return h


# ---- parameter helpers --------------------------------------------------------------------------
def effective_typesize(typesize: int) -> int:
    """c-blosc2 treats typesizes above 255 as 1 for splitting/shuffling."""
    return 1 if typesize > MAX_TYPESIZE else typesize


def split_block(codec: int, clevel: int, splitmode: int, filters: list[int], typesize: int, blocksize: int) -> bool:
    """c-blosc2's ``split_block``: ALWAYS -> split, NEVER -> not; AUTO and FORWARD_COMPAT split only
    for blosclz/lz4/zstd(clevel<=5) with byte shuffle, typesize <= 16 and >= 32 items per block.
    User codecs therefore never split under AUTO/FORWARD_COMPAT."""
    if splitmode == SplitMode.ALWAYS_SPLIT:
        return True
    if splitmode == SplitMode.NEVER_SPLIT:
        return False
    fast = codec in (Codec.BLOSCLZ, Codec.LZ4) or (codec == Codec.ZSTD and clevel <= 5)
    return bool(fast and Filter.SHUFFLE in filters and typesize <= MAX_STREAMS
                and blocksize // typesize >= MIN_BUFFERSIZE)


def _int32(value: int) -> int:
    """``value`` wrapped to a signed 32-bit integer, as c-blosc2's ``int32_t`` arithmetic leaves it."""
    return (value + (1 << 31)) % (1 << 32) - (1 << 31)


def compute_blocksize(cp: CParams, nbytes: int) -> int:
    """c-blosc2's stune ``next_blocksize`` (automatic when ``cp.blocksize == 0``).

    Runs before c-blosc2 caps typesizes above 255 to 1, so it sees the real typesize."""
    typesize = int(cp.typesize)
    clevel = cp.clevel
    if nbytes < typesize:
        return 1
    splitmode = split_block(cp.codec, clevel, cp.splitmode, list(cp.filters), typesize, nbytes)
    if cp.blocksize:
        blocksize = cp.blocksize
    else:
        blocksize = nbytes
        hcr = cp.codec in (Codec.LZ4HC, Codec.ZLIB, Codec.ZSTD)
        if nbytes >= L1:
            blocksize = L1 * (2 if hcr else 1)
            factor = {0: 0.25, 1: 0.5, 2: 1, 3: 2, 4: 4, 5: 4, 6: 8, 7: 8, 8: 8, 9: 16 if hcr else 8}[clevel]
            blocksize = int(blocksize * factor)
        if clevel > 0 and splitmode:
            blocksize = {1: 32, 2: 32, 3: 32, 4: 64, 5: 64, 6: 64, 7: 128, 8: 256}.get(clevel, 512) * 1024
            # c-blosc2 multiplies in int32: from typesize 32768 on the product wraps (to 32 KiB below)
            blocksize = min(_int32(blocksize * typesize), 4 * 1024 * 1024)
            blocksize = max(blocksize, 32 * 1024)
    blocksize = min(blocksize, nbytes)
    if blocksize > typesize:
        blocksize = blocksize // typesize * typesize
    return max(blocksize, 1)


def _filter_flags(filters: list[int]) -> int:
    fl = 0
    if Filter.SHUFFLE in filters:
        fl |= FLAG_SHUFFLE
    if Filter.BITSHUFFLE in filters:
        fl |= FLAG_BITSHUFFLE
    if Filter.DELTA in filters:
        fl |= FLAG_DELTA
    return fl


def is_user_codec(codec: int) -> bool:
    return USER_CODEC_MIN <= int(codec) <= USER_CODEC_MAX


# ---- codec dispatch -----------------------------------------------------------------------------
def _check_encoder_result(rc: Any, codec: int, maxout: int) -> int:
    import numpy as _np

    if isinstance(rc, (bool, _np.bool_)) or not isinstance(rc, (int, _np.integer)):
        raise TypeError(
            f"encoder of user codec {codec} must return an integer number of bytes, got {rc!r} ({type(rc).__name__})"
        )
    n = int(rc)
    if n < 0 or n > maxout:
        raise ValueError(
            f"encoder of user codec {codec} returned {n}, outside the valid range 0..{maxout} (output size)"
        )
    return n


def _check_decoder_result(rc: Any, codec: int, expected: int) -> None:
    import numpy as _np

    if isinstance(rc, (bool, _np.bool_)) or not isinstance(rc, (int, _np.integer)):
        raise TypeError(
            f"decoder of user codec {codec} must return an integer number of bytes, got {rc!r} ({type(rc).__name__})"
        )
    if int(rc) != expected:
        raise ValueError(f"decoder of user codec {codec} returned {int(rc)}, expected exactly {expected} (output size)")


def _make_encoder(cp: CParams, schunk: Any, typesize: int,
                  blocksize: int) -> Callable[[np.ndarray, int], tuple[int, np.ndarray | bytes]]:
    """Return ``encode(stream, maxout) -> (cbytes, output)``; ``cbytes == 0`` means 'store raw'."""
    codec = int(cp.codec)
    if is_user_codec(codec):
        found = registry.lookup(codec)
        meta = int(cp.codec_meta)
        if isinstance(found, CodecPlugin):
            encoder = found.encoder(cparams_c(cp, typesize=typesize, blocksize=blocksize))
        else:
            encoder = found[1]

        def encode(stream: np.ndarray, maxout: int) -> tuple[int, np.ndarray | bytes]:
            out = np.zeros(maxout, dtype=np.uint8)
            rc = encoder(stream, out, meta, schunk)
            return _check_encoder_result(rc, codec, maxout), out

        return encode
    if codec in builtin_codecs.ENCODERS:
        builtin = builtin_codecs.ENCODERS[codec]
        level = int(cp.clevel)

        def encode_builtin(stream: np.ndarray, maxout: int) -> tuple[int, np.ndarray | bytes]:
            data = builtin(stream.tobytes(), level, maxout)
            return (0, b"") if data is None else (len(data), data)

        return encode_builtin
    name = Codec(codec).name if codec in Codec._value2member_map_ else str(codec)
    raise NotImplementedError(
        f"builtin codec {name} (id {codec}) is not implemented by the reference; use BLOSCLZ, LZ4, LZ4HC, "
        "ZLIB, ZSTD or a user-defined codec"
    )


# ---- compression --------------------------------------------------------------------------------
class _Incompressible(Exception):
    """Output would exceed nbytes + MAX_OVERHEAD: fall back to a memcpyed chunk."""


def _header(cp: CParams, flags: int, typesize: int, nbytes: int, blocksize: int, cbytes: int,
            blosc2_flags: int = 0) -> bytes:
    codec = int(cp.codec)
    versionlz = registry.codec_version(codec) if is_user_codec(codec) else 1
    return _HEADER.pack(VERSION_FORMAT, versionlz, flags, typesize & 0xFF, nbytes, blocksize, cbytes,
                        bytes(int(f) for f in cp.filters), codec, int(cp.codec_meta),
                        bytes(int(m) & 0xFF for m in cp.filters_meta), 0, blosc2_flags)


def _target(cp: CParams | None) -> int:
    return int(getattr(cp, "blosc2_target", DEFAULT_BLOSC2_TARGET))


def compress_chunk(data: Any, cp: CParams, schunk: Any = None) -> bytes:
    """Compress one buffer into a Blosc2 chunk (real format).  Callback errors propagate untouched."""
    src = _as_uint8(data)
    nbytes = src.size
    if nbytes > 2**31 - 1 - MAX_OVERHEAD:
        raise ValueError(f"chunk of {nbytes} bytes exceeds the Blosc2 maximum buffer size")
    typesize = effective_typesize(int(cp.typesize))
    filters = [int(f) for f in cp.filters]
    fmeta = [int(m) for m in cp.filters_meta]
    _filters.check_pipeline(filters, fmeta)
    codec = int(cp.codec)
    if cp.use_dict:
        raise NotImplementedError("use_dict=True is not implemented by the reference")
    blocksize = compute_blocksize(cp, nbytes)
    nblocks, leftover = divmod(nbytes, blocksize)
    if leftover:
        nblocks += 1
    target = _target(cp)
    memcpyed = cp.clevel == 0 or nbytes < MIN_BUFFERSIZE
    destsize = nbytes + MAX_OVERHEAD
    if not memcpyed and target >= 4 and EXTENDED_HEADER_LENGTH + 4 * nblocks > destsize:
        memcpyed = True  # 2.x/3.x try to compress instead, fail, and memcpy keeping the flags
    header_blocksize = _header_blocksize(cp, nbytes, blocksize, target)
    if is_user_codec(codec):
        registry.lookup(codec)  # unusable codec (unregistered/plugin): fail before storing anything
    src = src.view()
    src.flags.writeable = False  # callbacks get read-only inputs (never the caller's writable buffer)
    if memcpyed:
        flags = FLAG_SHUFFLE | FLAG_BITSHUFFLE | FLAG_MEMCPYED
        return _header(cp, flags, typesize, nbytes, header_blocksize, nbytes + EXTENDED_HEADER_LENGTH) \
            + src.tobytes()
    encode = _make_encoder(cp, schunk, typesize, blocksize)
    dont_split = not split_block(codec, cp.clevel, cp.splitmode, filters, typesize, blocksize)
    fmt = _CODEC_TO_FORMAT.get(codec, FORMAT_UDCODEC)  # type: ignore[call-overload]
    flags = FLAG_SHUFFLE | FLAG_BITSHUFFLE | _filter_flags(filters) | (FLAG_DONT_SPLIT if dont_split else 0) | (fmt << 5)
    try:
        body, all_zero = _compress_blocks(src, blocksize, nblocks, leftover, typesize, dont_split,
                                          filters, fmeta, encode, destsize, target, schunk)
    except _Incompressible:
        flags |= FLAG_MEMCPYED
        return _header(cp, flags, typesize, nbytes, header_blocksize, nbytes + EXTENDED_HEADER_LENGTH) \
            + src.tobytes()
    if all_zero and (all(f in _filters.SUPPORTED_FILTERS for f in filters) or not np.any(src)):
        # A zeros chunk's reading calls no filter. c-blosc2 makes one whenever the filtered blocks are zero runs, so
        # a user filter that turns data into zeros reads back as zeros there (FILTER-ZEROS-OUTPUT); behind the
        # builtin filters, zero runs stand for zeros (TRUNC_PREC's lossy ones too), and the chunk is c-blosc2's.
        return _header(cp, flags, typesize, nbytes, header_blocksize, EXTENDED_HEADER_LENGTH,
                       blosc2_flags=SPECIAL_ZERO << 4)
    cbytes = EXTENDED_HEADER_LENGTH + len(body)
    return _header(cp, flags, typesize, nbytes, blocksize, cbytes) + body


def _header_blocksize(cp: CParams, nbytes: int, blocksize: int, target: int) -> int:
    """Blocksize recorded in the header of a memcpyed or special-zero chunk.

    blosc2 4.x records the *requested* blocksize (capped at nbytes) whenever one was given, even when
    the chunk was cut at a smaller multiple of the typesize; 2.x/3.x record the effective one.
    Compressed chunks always get the effective blocksize from the reference: 4.x's header makes such
    chunks undecodable (in 4.x too), a blosc2 bug the reference does not reproduce."""
    requested = int(cp.blocksize)
    if target < 4 or not requested:
        return blocksize
    return min(requested, nbytes) if nbytes > 0 else requested


def _compress_blocks(src: np.ndarray, blocksize: int, nblocks: int, leftover: int, typesize: int,
                     dont_split: bool, filters: list[int], fmeta: list[int],
                     encode: Callable[[np.ndarray, int], tuple[int, Any]], destsize: int,
                     target: int = DEFAULT_BLOSC2_TARGET, schunk: Any = None) -> tuple[bytes, bool]:
    """Return (bstarts + streams, all_streams_are_zero_runs)."""
    bstarts = np.zeros(nblocks, dtype="<i4")
    parts: list[bytes | memoryview] = []
    ntbytes = EXTENDED_HEADER_LENGTH + 4 * nblocks
    chunk0 = src[:blocksize]
    all_zero = True
    filtering = any(f != Filter.NOFILTER for f in filters)
    for j in range(nblocks):
        bstarts[j] = ntbytes
        start = j * blocksize
        leftoverblock = bool(leftover) and j == nblocks - 1
        bsize = leftover if leftoverblock else blocksize
        block = src[start:start + bsize]
        if filtering:
            block = _filters.forward(block, chunk0, j == 0, typesize, filters, fmeta, target, schunk)
            block.flags.writeable = False
        nstreams = typesize if (not dont_split and not leftoverblock) else 1
        neblock = bsize // nstreams
        if neblock == 0:
            # split block smaller than the typesize: c-blosc2 emits typesize empty "runs" per block,
            # which never fits, so the chunk always ends up memcpyed
            raise _Incompressible
        for s in range(nstreams):
            ntbytes += 4
            stream = block[s * neblock:(s + 1) * neblock]
            first = int(stream[0])
            if stream[-1] == first and not np.any(stream != first):  # a run (not encoded by the codec)
                if ntbytes > destsize:
                    raise _Incompressible
                if first == 0:
                    parts.append(b"\x00\x00\x00\x00")
                else:
                    all_zero = False
                    ntbytes += 1
                    if ntbytes > destsize:
                        raise _Incompressible
                    parts.append(struct.pack("<iB", -first, 0x01))
                continue
            all_zero = False
            maxout = neblock
            if ntbytes + maxout > destsize:
                maxout = destsize - ntbytes
                if maxout <= 0:
                    raise _Incompressible
            cbytes, out = encode(stream, maxout)
            if cbytes == maxout < neblock:
                # The encoder filled an output cut short by the chunk's size limit: the chunk comes out
                # no smaller than a raw one, so store it raw rather than decode a no-gain stream later.
                raise _Incompressible
            if cbytes == 0:
                cbytes = neblock
            if cbytes == neblock:  # incompressible stream: stored raw, never passed to the decoder
                if ntbytes + neblock > destsize:
                    raise _Incompressible
                parts.append(struct.pack("<i", neblock))
                parts.append(stream.tobytes())
            else:
                parts.append(struct.pack("<i", cbytes))
                parts.append(bytes(out[:cbytes]) if not isinstance(out, bytes) else out[:cbytes])
            ntbytes += cbytes
    return bstarts.tobytes() + b"".join(parts), all_zero


def _as_uint8(data: Any) -> np.ndarray:
    """View any buffer-protocol object as a read-only 1-D uint8 array (copying only if needed)."""
    if isinstance(data, np.ndarray):
        arr = np.ascontiguousarray(data)
        return arr.reshape(-1).view(np.uint8) if arr.size else np.empty(0, np.uint8)
    try:
        mv = memoryview(data)
    except TypeError:
        raise TypeError(f"data must support the buffer protocol, got {type(data).__name__}") from None
    if not mv.c_contiguous:
        mv = memoryview(mv.tobytes())
    return np.frombuffer(mv.cast("B") if mv.nbytes else b"", dtype=np.uint8)


# ---- decompression ------------------------------------------------------------------------------
def _make_decoder(h: ChunkHeader, schunk: Any) -> Callable[[np.ndarray, int], np.ndarray]:
    codec = h.codec
    fmt = h.compformat
    if fmt == FORMAT_UDCODEC:
        codec = h.udcodec
        if not is_user_codec(codec):
            raise NotImplementedError(f"codec id {codec} (global registered codec) is not implemented by the reference")
        found = registry.lookup(codec)
        meta = h.codec_meta
        decoder = found.decoder(dparams_c(typesize=h.typesize or 1)) if isinstance(found, CodecPlugin) else found[2]

        def decode(cdata: np.ndarray, neblock: int) -> np.ndarray:
            out = np.zeros(neblock, dtype=np.uint8)
            rc = decoder(cdata, out, meta, schunk)
            _check_decoder_result(rc, codec, neblock)
            return out

        return decode
    if fmt in builtin_codecs.DECODERS_BY_FORMAT:
        builtin = builtin_codecs.DECODERS_BY_FORMAT[fmt]

        def decode_builtin(cdata: np.ndarray, neblock: int) -> np.ndarray:
            return np.frombuffer(builtin(cdata.tobytes(), neblock), dtype=np.uint8)

        return decode_builtin

    def unsupported(cdata: np.ndarray, neblock: int) -> np.ndarray:
        raise NotImplementedError(
            f"decoding {_FORMAT_NAMES.get(fmt, f'format {fmt}')} streams is not implemented by the reference"
        )

    return unsupported


def decompress_chunk(chunk: bytes | bytearray | memoryview, schunk: Any = None, target: int | None = None) -> bytes:
    """Decompress one Blosc2 chunk; the decoder is chosen by the codec id recorded in the chunk.

    ``target`` (default: the ``blosc2_target`` of ``schunk``'s cparams, else 4) picks the blosc2
    version whose decoding to follow (only SHUFFLE with non-zero filters_meta differs)."""
    h = parse_header(bytes(chunk) if isinstance(chunk, bytearray) else chunk)
    nbytes = h.nbytes
    if h.special:
        return _special(h, chunk)
    if h.memcpyed:
        if h.header_len + nbytes > len(chunk):
            raise ValueError(f"memcpyed chunk truncated: needs {h.header_len + nbytes} bytes, has {len(chunk)}")
        return bytes(chunk[h.header_len:h.header_len + nbytes])
    if nbytes == 0:
        return b""
    src = np.frombuffer(chunk, dtype=np.uint8, count=h.cbytes)
    typesize = h.typesize or 1
    filters = list(h.filters)
    fmeta = list(h.filters_meta)
    blocksize = h.blocksize
    if blocksize <= 0:
        raise ValueError(f"corrupt chunk header: blocksize={blocksize}")
    nblocks, leftover = divmod(nbytes, blocksize)
    if leftover:
        nblocks += 1
    if h.header_len + 4 * nblocks > h.cbytes:
        raise ValueError("corrupt chunk: bstarts section exceeds cbytes")
    bstarts = np.frombuffer(chunk, dtype="<i4", count=nblocks, offset=h.header_len)
    decode = _make_decoder(h, schunk)
    filtering = any(f != Filter.NOFILTER for f in filters)
    if target is None:
        target = _target(getattr(schunk, "_cparams", None))
    out = np.empty(nbytes, dtype=np.uint8)
    block0: np.ndarray | None = None
    for j in range(nblocks):
        leftoverblock = bool(leftover) and j == nblocks - 1
        bsize = leftover if leftoverblock else blocksize
        nstreams = typesize if (not h.dont_split and not leftoverblock) else 1
        neblock = bsize // nstreams
        if neblock == 0:
            raise ValueError("corrupt chunk: empty streams")
        pos = int(bstarts[j])
        if pos <= 0 or pos >= h.cbytes:
            raise ValueError(f"corrupt chunk: block {j} starts at {pos}, outside 1..{h.cbytes - 1}")
        pieces: list[np.ndarray] = []
        for _s in range(nstreams):
            if pos + 4 > h.cbytes:
                raise ValueError("corrupt chunk: stream size past end of chunk")
            csize = int.from_bytes(chunk[pos:pos + 4], "little", signed=True)
            pos += 4
            if csize == 0:
                pieces.append(np.zeros(neblock, dtype=np.uint8))
            elif csize < 0:
                token = chunk[pos]
                pos += 1
                if not token & 0x01 or csize < -255:
                    raise ValueError(f"unsupported stream token {token} / csize {csize}")
                pieces.append(np.full(neblock, -csize, dtype=np.uint8))
            else:
                if pos + csize > h.cbytes:
                    raise ValueError(f"corrupt chunk: stream of {csize} bytes past end of chunk")
                cdata = src[pos:pos + csize]
                pos += csize
                pieces.append(cdata if csize == neblock else decode(cdata, neblock))
        block = pieces[0] if nstreams == 1 else np.concatenate(pieces)
        if filtering:
            block = _filters.backward(block, block0, j == 0, typesize, filters, fmeta, target, schunk, h.version)
        out[j * blocksize:j * blocksize + bsize] = block
        if j == 0:
            block0 = out[:blocksize]
    return out.tobytes()


def _special(h: ChunkHeader, chunk: bytes | bytearray | memoryview) -> bytes:
    n = h.nbytes
    if h.special in (SPECIAL_ZERO, SPECIAL_UNINIT):
        return bytes(n)
    if h.special == SPECIAL_NAN:
        if h.typesize == 4:
            return np.full(n // 4, np.nan, dtype="<f4").tobytes()
        if h.typesize == 8:
            return np.full(n // 8, np.nan, dtype="<f8").tobytes()
        raise ValueError(f"NaN special chunk with typesize {h.typesize}")
    if h.special == SPECIAL_VALUE:
        ts = h.cbytes - h.header_len
        value = bytes(chunk[h.header_len:h.header_len + ts])
        return (value * (n // ts + 1))[:n] if ts else bytes(n)
    raise ValueError(f"unknown special value {h.special} in chunk header")


def special_chunk(cp: CParams, special: int, nbytes: int, value: bytes | None = None) -> bytes:
    """The special chunk c-blosc2's ``blosc2_chunk_zeros/nans/uninit/repeatval`` write for ``cp``.

    What python-blosc2's ``SChunk.fill_special`` (and frames' special chunks) hand out: an extended
    header with BloscLZ's version byte, flags 0x05, no filters or codec, the automatic/requested
    blocksize (stune) and, for SPECIAL_VALUE, the typesize bytes of ``value`` after the header."""
    typesize = effective_typesize(int(cp.typesize))
    if special == SPECIAL_VALUE:
        if value is None or len(value) != typesize:
            raise ValueError(f"SPECIAL_VALUE needs a value of typesize ({typesize}) bytes")
        payload = bytes(value)
    elif special in (SPECIAL_ZERO, SPECIAL_NAN, SPECIAL_UNINIT):
        payload = b""
    else:
        raise ValueError(f"unknown special value {special}")
    if nbytes % int(cp.typesize) and not (special == SPECIAL_ZERO and nbytes == 0):
        raise ValueError(f"nbytes ({nbytes}) must be a multiple of typesize ({cp.typesize})")
    blocksize = compute_blocksize(cp, nbytes)
    return _HEADER.pack(VERSION_FORMAT, 1, FLAG_SHUFFLE | FLAG_BITSHUFFLE, typesize, nbytes, blocksize,
                        EXTENDED_HEADER_LENGTH + len(payload), bytes(6), 0, 0, bytes(6), 0, special << 4) + payload
