"""Checks that each chunk keeps the codec it was written with, in memory and on disk."""

from __future__ import annotations

import base64

import numpy as np
from udcodec.checks.api import CheckContext, Param, check
from udcodec.checks.common import (
    BLOCK,
    CODEC_ID,
    SAMPLE,
    cparams_for,
    fill,
    first_difference,
    header,
    new_container,
    read_back,
    register_pair,
)
from udcodec.checks.fresh import run_fresh
from udcodec.strategies import make_data
from udcodec.testcodecs import Recorder, zlib_decoder, zlib_encoder

ZLIB = {"encoder": "udcodec.testcodecs:zlib_encoder", "decoder": "udcodec.testcodecs:zlib_decoder"}


@check("identity.header_records_codec", params={"id": CODEC_ID, "meta": Param(int, min=0, max=255),
                                                 "version": Param(int, min=0, max=255, default=1)})
def header_records_codec(ctx: CheckContext) -> None:
    """Every chunk's header records the codec id, version and meta it was written with."""
    codec_id, meta, version = int(ctx.param("id")), int(ctx.param("meta")), int(ctx.param("version"))
    try:
        ctx.adapter.register_codec("hdr", codec_id, zlib_encoder, zlib_decoder, version)
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"registering a valid codec ('hdr', id {codec_id}, version {version}) was rejected: {type(exc).__name__}: {exc}")
    container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK, codec_meta=meta), chunksize=len(SAMPLE))
    fill(container, [SAMPLE, SAMPLE[::-1]])
    for i in range(container.nchunks):
        h = header(container.get_chunk(i))
        if h["udcodec"] != codec_id or h["codec_meta"] != meta:
            ctx.fail(f"chunk {i} header records codec {h['udcodec']} meta {h['codec_meta']}, written with {codec_id} meta {meta}")
        if h["versionlz"] != version:
            ctx.fail(f"chunk {i} header records codec version {h['versionlz']}, the codec was registered as version {version}")
        if not h["memcpyed"] and h["compformat"] != 6:
            ctx.fail(f"chunk {i} header's compressor format is {h['compformat']}, expected 6 (user-defined codec slot)")


@check("identity.decoded_with_written_codec", requires=("update_params",),
       params={"first_id": CODEC_ID, "second_id": CODEC_ID})
def decoded_with_written_codec(ctx: CheckContext) -> None:
    """A chunk is decoded by the codec and meta it was written with, whatever the container's current codec."""
    first, second = Recorder(), Recorder()
    a, b = int(ctx.param("first_id")), int(ctx.param("second_id"))
    register_pair(ctx, "first", a, first.enc, first.dec)
    register_pair(ctx, "second", b, second.enc, second.dec)
    container = new_container(ctx, cparams_for(a, typesize=1, blocksize=BLOCK, codec_meta=1), chunksize=len(SAMPLE))
    fill(container, [SAMPLE])
    container.update_cparams(cparams_for(b, typesize=1, blocksize=BLOCK, codec_meta=2))
    other = SAMPLE[::-1]
    container.append(other)
    first.calls.clear()
    second.calls.clear()
    for index, (want, rec, wrong, meta) in enumerate(((SAMPLE, first, second, 1), (other, second, first, 2))):
        got = container.decompress_chunk(index)
        if wrong.of("decoder"):
            ctx.fail(f"chunk {index} was decoded with the container's other codec, not the one it was written with")
        if got != want:
            ctx.fail(f"chunk {index} did not read back: {first_difference(got, want)}")
        if not rec.of("decoder") or any(c.meta != meta for c in rec.of("decoder")):
            ctx.fail(f"chunk {index}'s decoder got meta {[c.meta for c in rec.of('decoder')]}, written with meta {meta}")
        rec.calls.clear()


def _persist(ctx: CheckContext, codec_id: int, contiguous: bool = True) -> tuple[str, bytes]:
    """A frame (or sparse frame) of ``nchunks`` chunks, the last one all zeros (a frame stores it as a special chunk)."""
    register_pair(ctx, "zlib", codec_id, zlib_encoder, zlib_decoder)
    if not contiguous:
        ctx.require("sparse")
    path = str(ctx.tmpdir / ("container.b2frame" if contiguous else "container.b2sframe"))
    nchunks = int(ctx.param("nchunks"))
    chunks = [make_data("arange", np.dtype("u1"), len(SAMPLE), i) for i in range(nchunks - 1)] + [bytes(len(SAMPLE))]
    container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK), chunksize=len(SAMPLE), urlpath=path,
                              contiguous=contiguous)
    fill(container, chunks)
    read_back(container)
    container.close()
    return path, b"".join(chunks)


@check("identity.reopen_in_fresh_process", requires=("persistence",),
       params={"id": CODEC_ID, "nchunks": Param(int, min=2), "contiguous": Param(bool, default=True)})
def reopen_in_fresh_process(ctx: CheckContext) -> None:
    """A persisted container (a frame, or a sparse frame) reopens in a fresh process once the codec is registered again."""
    codec_id = int(ctx.param("id"))
    path, data = _persist(ctx, codec_id, bool(ctx.param("contiguous")))
    answer = run_fresh({"adapter": ctx.adapter_spec, "open": path, "register": [{"name": "zlib", "id": codec_id, **ZLIB}]})
    if not answer["ok"]:
        ctx.fail(f"reopening in a fresh process with codec {codec_id} registered failed: {answer['error']}")
    got = base64.b64decode(answer["data"])
    if got != data:
        ctx.fail(f"the reopened container's data differs: {first_difference(got, data)}")


@check("identity.missing_codec_named", requires=("persistence",),
       params={"id": CODEC_ID, "nchunks": Param(int, min=2)})
def missing_codec_named(ctx: CheckContext) -> None:
    """Reading a persisted container without its codec registered fails with an error naming the id."""
    codec_id = int(ctx.param("id"))
    path, _ = _persist(ctx, codec_id)
    answer = run_fresh({"adapter": ctx.adapter_spec, "open": path, "register": []})
    if answer["ok"]:
        ctx.fail(f"the container was read without codec {codec_id} registered ({answer['nchunks']} chunks)")
    if answer.get("crashed"):
        ctx.fail(f"the fresh process died (status {answer['returncode']}) instead of raising: {answer['error'][-300:]}")
    messages = " | ".join(e["message"] for e in answer["chain"])
    if str(codec_id) not in messages:
        ctx.fail(f"the error does not name the missing codec id {codec_id}: {answer['error']}")
