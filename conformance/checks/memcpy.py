"""Checks of the memcpy fallback: an encoder returning 0 asks the host to store the block raw."""

from __future__ import annotations

from typing import Any

import numpy as np
from udcodec.checks.api import CheckContext, Param, check
from udcodec.checks.common import (
    CODEC_ID,
    LAYOUT_SIZE,
    cparams_for,
    fill,
    first_difference,
    new_container,
    read_back,
    register_pair,
)
from udcodec.strategies import layouts, make_data
from udcodec.testcodecs import Recorder, even_zlib_encoder, memcpy_encoder, zlib_decoder


def _layouts(ctx: CheckContext) -> Any:
    return layouts(max_chunk_items=int(ctx.param("max_chunk_items")), max_chunks=int(ctx.param("max_chunks")))


def _zeroing_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    output[:] = 0  # wrong on purpose: if the host decodes a raw block with it, the data changes
    return output.size


@check("memcpy.roundtrip", params={"id": CODEC_ID, **LAYOUT_SIZE})
def roundtrip(ctx: CheckContext) -> None:
    """Blocks whose encoder returned 0 come back bit-exactly (without help from the decoder)."""
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "raw", codec_id, memcpy_encoder, _zeroing_decoder)

    def prop(layout: Any) -> None:
        container = new_container(ctx, cparams_for(codec_id, layout), chunksize=layout.chunksize)
        fill(container, layout.chunks())
        got, want = read_back(container), layout.data()
        if got != want:
            ctx.fail(f"raw-stored data did not round-trip: {first_difference(got, want)}")

    ctx.for_all(_layouts(ctx), prop)


@check("memcpy.decoder_not_called", params={"id": CODEC_ID, **LAYOUT_SIZE})
def decoder_not_called(ctx: CheckContext) -> None:
    """The decoder is never called for a block the encoder asked to store raw."""
    codec_id = int(ctx.param("id"))
    rec = Recorder(memcpy_encoder, _zeroing_decoder)
    register_pair(ctx, "nodec", codec_id, rec.enc, rec.dec)

    def prop(layout: Any) -> None:
        rec.calls.clear()
        container = new_container(ctx, cparams_for(codec_id, layout), chunksize=layout.chunksize)
        fill(container, layout.chunks())
        read_back(container)
        if layout.nitems:
            container.get_slice(0, layout.nitems)
        if rec.of("decoder"):
            ctx.fail(f"the decoder was called {len(rec.of('decoder'))} time(s) although every encoder call returned 0")

    ctx.for_all(_layouts(ctx), prop)


@check("memcpy.mixed_blocks", params={"id": CODEC_ID, "blocksize": Param(int, min=1), "nblocks": Param(int, min=1)})
def mixed_blocks(ctx: CheckContext) -> None:
    """Chunks mixing compressed and raw blocks round-trip; the decoder sees only the compressed ones."""
    codec_id = int(ctx.param("id"))
    block = int(ctx.param("blocksize"))
    rec = Recorder(even_zlib_encoder, zlib_decoder)
    register_pair(ctx, "mixed", codec_id, rec.enc, rec.dec)
    # Blocks alternate between an even and an odd first byte; all are compressible.
    nblocks = int(ctx.param("nblocks"))
    blocks = [bytes([2 * i % 256 + (i % 2)]) + make_data("random-runs", np.dtype("u1"), block - 1, i) for i in range(nblocks)]
    data = b"".join(blocks)
    container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=block), chunksize=len(data))
    fill(container, [data])
    compressed = sum(1 for c in rec.of("encoder") if 0 < c.returned < len(c.input_bytes))
    raw = sum(1 for c in rec.of("encoder") if c.returned == 0)
    if not compressed or not raw:
        ctx.fail(f"the chunk did not mix block kinds (compressed={compressed}, raw={raw}); is the blocksize honoured?")
    got = read_back(container)
    if got != data:
        ctx.fail(f"a chunk mixing compressed and raw blocks did not round-trip: {first_difference(got, data)}")
    decoded = len(rec.of("decoder"))
    if decoded != compressed:
        ctx.fail(f"the decoder was called {decoded} times for {compressed} compressed and {raw} raw blocks")


def _inverting_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Fills its whole output with the inverted input and claims it all: no gain."""
    n = min(input.size, output.size)
    output[:n] = input[:n] ^ 0xFF
    output[n:] = 0
    return int(output.size)


def _inverting_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    n = min(input.size, output.size)
    output[:n] = input[:n] ^ 0xFF
    return int(output.size)


@check("memcpy.no_gain_not_decoded",
       params={"id": CODEC_ID, "chunk_bytes": Param(int, min=64), "blocksizes": Param(list, items=Param(int, min=0))})
def no_gain_not_decoded(ctx: CheckContext) -> None:
    """An encoder returning output.size every time: the data round-trips and the decoder is never called."""
    codec_id = int(ctx.param("id"))
    rec = Recorder(_inverting_encoder, _inverting_decoder)
    register_pair(ctx, "nogain", codec_id, rec.enc, rec.dec)
    size = int(ctx.param("chunk_bytes"))
    data = make_data("random-runs", np.dtype("u1"), size, 7)
    problems: list[str] = []
    for blocksize in ctx.param("blocksizes"):
        rec.calls.clear()
        container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=int(blocksize)), chunksize=size)
        fill(container, [data])
        got = read_back(container)
        decoded = rec.of("decoder")
        if decoded:
            sizes = sorted({(len(c.input_bytes), c.output_shape[0] if c.output_shape else 0) for c in decoded})
            problems.append(f"blocksize {blocksize}: the decoder was called {len(decoded)} time(s) "
                            f"(input, output sizes {sizes}) for blocks whose encoder returned output.size")
        if got != data:
            problems.append(f"blocksize {blocksize}: the data did not round-trip ({first_difference(got, data)})")
    if problems:
        ctx.fail("; ".join(problems))
