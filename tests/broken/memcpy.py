"""Hosts that mishandle blocks the encoder asked to store raw (encoder returned 0)."""

from __future__ import annotations

from typing import Any

import numpy as np
from udcodec.adapters.reference import ReferenceAdapter
from udcodec.reference import chunkformat as cf
from udcodec.reference import registry


class DecodesRawChunksAdapter(ReferenceAdapter):
    """Chunks stored raw are run through the user decoder when read."""

    def __init__(self) -> None:
        super().__init__()
        original = cf.decompress_chunk

        def decompress_chunk(chunk: Any, schunk: Any = None) -> bytes:
            h = cf.parse_header(chunk)
            entry = registry.ucodecs_registry.get(h.udcodec)
            if not h.memcpyed or h.special or entry is None:
                return original(chunk, schunk)
            payload = np.frombuffer(bytes(chunk[h.header_len : h.header_len + h.nbytes]), np.uint8)
            out = np.zeros(h.nbytes, np.uint8)
            entry[2](payload, out, h.codec_meta, schunk)
            return out.tobytes()

        cf.decompress_chunk = decompress_chunk


class StoresChunkRawOnRawBlockAdapter(ReferenceAdapter):
    """One block stored raw makes the whole chunk raw, discarding blocks already compressed."""

    def __init__(self) -> None:
        super().__init__()
        original = cf._compress_blocks

        encode_at = 8  # _compress_blocks(src, blocksize, nblocks, leftover, typesize, dont_split, filters, fmeta, encode, ...)

        def compress_blocks(*args: Any) -> Any:
            encode = args[encode_at]

            def all_or_nothing(stream: Any, maxout: int) -> Any:
                cbytes, out = encode(stream, maxout)
                if cbytes == 0:
                    raise cf._Incompressible
                return cbytes, out

            return original(*args[:encode_at], all_or_nothing, *args[encode_at + 1:])

        cf._compress_blocks = compress_blocks


class ShortEncoderOutputAdapter(ReferenceAdapter):
    """Every encoder output is one byte short, so a codec that fills it looks like a gain and gets decoded."""

    def __init__(self) -> None:
        super().__init__()
        original = cf._compress_blocks
        encode_at = 8

        def compress_blocks(*args: Any) -> Any:
            encode = args[encode_at]

            def short(stream: Any, maxout: int) -> Any:
                return encode(stream, maxout - 1) if maxout > 1 else encode(stream, maxout)

            return original(*args[:encode_at], short, *args[encode_at + 1:])

        cf._compress_blocks = compress_blocks
