"""Checks that each chunk keeps the codec it was written with, in memory and on disk."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
from udcodec.adapters.protocol import FILTER_IDS
from udcodec.checks.api import CheckContext, Param, check
from udcodec.checks.common import (
    BLOCK,
    CODEC_ID,
    DELTA_FLAG,
    EXTENDED_FLAGS,
    OPEN_WITH_WRITTEN_PARAMS,
    SAMPLE,
    cparams_for,
    fail_attributed,
    fill,
    first_difference,
    header,
    new_container,
    read_back,
    register_pair,
    written_cparams,
)
from udcodec.checks.fresh import fail_fresh, run_fresh
from udcodec.strategies import make_data
from udcodec.testcodecs import Recorder, zlib_decoder, zlib_encoder

#: Filter slots in a Blosc2 extended chunk header (filters and filters_meta, bytes 16..21 and 24..29).
HEADER_FILTER_SLOTS = 6

ZLIB = {"encoder": "udcodec.testcodecs:zlib_encoder", "decoder": "udcodec.testcodecs:zlib_decoder"}


@check("identity.header_records_codec", params={"id": CODEC_ID, "meta": Param(int, min=0, max=255)}, explains=1)
def header_records_codec(ctx: CheckContext) -> None:
    """Every chunk's header records the codec id and meta it was written with."""
    codec_id, meta = int(ctx.param("id")), int(ctx.param("meta"))
    register_pair(ctx, "hdr", codec_id, zlib_encoder, zlib_decoder)
    container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK, codec_meta=meta), chunksize=len(SAMPLE))
    fill(container, [SAMPLE, SAMPLE[::-1]])
    for i in range(container.nchunks):
        h = header(container.get_chunk(i))
        if h["udcodec"] != codec_id or h["codec_meta"] != meta:
            ctx.fail(f"chunk {i} header records codec {h['udcodec']} meta {h['codec_meta']}, written with {codec_id} meta {meta}")
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

    def builtin_first(builtin: int) -> str | None:
        """The same with a builtin codec writing the first chunk: is it read with the container's codec?"""
        container = new_container(ctx, cparams_for(builtin, typesize=1, blocksize=BLOCK), chunksize=len(SAMPLE))
        fill(container, [SAMPLE])
        container.update_cparams(cparams_for(b, typesize=1, blocksize=BLOCK, codec_meta=2))
        second.calls.clear()
        got = container.decompress_chunk(0)
        if second.of("decoder"):
            return "a chunk written with a builtin codec was decoded with the container's user codec"
        return None if got == SAMPLE else f"chunk 0 did not read back: {first_difference(got, SAMPLE)}"

    fail_attributed(lambda: _decoded_with_written_codec(ctx, first, second, a, b), lambda failure: builtin_first)


def _decoded_with_written_codec(ctx: CheckContext, first: Recorder, second: Recorder, a: int, b: int) -> None:
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


class FreshRefusal(Exception):
    """The fresh interpreter's open was refused for its thread count."""


def _answered(answer: dict[str, Any]) -> dict[str, Any]:
    if not answer["ok"] and any("thread" in e["message"].lower() for e in answer.get("chain", [])):
        raise FreshRefusal(answer["error"])
    return answer


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
    request = {"adapter": ctx.adapter_spec, "open": path, "register": [{"name": "zlib", "id": codec_id, **ZLIB}]}
    written = {k: list(v) if isinstance(v, tuple) else v
               for k, v in written_cparams(cparams_for(codec_id, typesize=1, blocksize=BLOCK)).given_fields().items()}
    answer = ctx.get_past(OPEN_WITH_WRITTEN_PARAMS, lambda: _answered(run_fresh(request)),
                          lambda: run_fresh({**request, "open_args": {"cparams": written, "dparams": {"nthreads": 1}}}),
                          when=lambda e: isinstance(e, FreshRefusal))
    if not answer["ok"]:
        fail_fresh(f"reopening in a fresh process with codec {codec_id} registered failed", answer)
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
        fail_fresh("the fresh process died instead of raising", answer)
    messages = " | ".join(e["message"] for e in answer["chain"])
    if str(codec_id) not in messages:
        ctx.fail(f"the error does not name the missing codec id {codec_id}: {answer['error']}")


@check("identity.header_records_params",
       params={"min": CODEC_ID, "max": CODEC_ID, "versions": Param(list, items=Param(int, min=0, max=255)),
               "meta": Param(int, min=0, max=255), "typesize": Param(int, min=1, max=255), "blocksize": Param(int, min=1),
               "filters": Param(list, items=Param(str, choices=tuple(FILTER_IDS))),
               "filters_meta": Param(list, items=Param(int, min=0, max=255))})
def header_records_params(ctx: CheckContext) -> None:
    """For codecs registered with each version, a chunk's header records version, filters (and the delta flag), metas, typesize, blocksize."""
    ids = range(int(ctx.param("min")), int(ctx.param("max")) + 1)
    versions = [int(v) for v in ctx.param("versions")]
    if len(ids) < len(versions):
        raise ValueError("the id range is smaller than the list of versions")
    meta, typesize, blocksize = int(ctx.param("meta")), int(ctx.param("typesize")), int(ctx.param("blocksize"))
    filters, fmeta = tuple(ctx.param("filters")), tuple(int(m) for m in ctx.param("filters_meta"))
    data = make_data("random-runs", np.dtype("u1"), 4 * blocksize, 3)
    wrong: list[str] = []
    for codec_id, version in zip(ids, versions, strict=False):
        try:
            ctx.adapter.register_codec(f"v{version}", codec_id, zlib_encoder, zlib_decoder, version=version)
        except Exception as exc:  # noqa: BLE001
            ctx.fail(f"register_codec('v{version}', {codec_id}, enc, dec, version={version}) was rejected: {exc}")
        cparams = cparams_for(codec_id, typesize=typesize, blocksize=blocksize, codec_meta=meta,
                              filters=filters, filters_meta=fmeta)
        container = new_container(ctx, cparams, chunksize=len(data))
        fill(container, [data])
        chunk = container.get_chunk(0)
        want: dict[str, object] = {
            "versionlz": version, "udcodec": codec_id, "codec_meta": meta, "typesize": typesize,
            "blocksize": blocksize,
            "filters": [FILTER_IDS[f] for f in filters] + [0] * (HEADER_FILTER_SLOTS - len(filters)),
            "filters_meta": list(fmeta) + [0] * (HEADER_FILTER_SLOTS - len(fmeta))}
        got: dict[str, object] = {
            "versionlz": chunk[1], "udcodec": chunk[22], "codec_meta": chunk[23], "typesize": chunk[3],
            "blocksize": int.from_bytes(chunk[8:12], "little"),
            "filters": list(chunk[16:22]), "filters_meta": list(chunk[24:30])}
        # The chunk format's flags byte says the header is extended and, unless the chunk is stored raw,
        # whether the delta filter was applied.
        flags = header(chunk)["flags"]
        want["extended-header flags"], got["extended-header flags"] = "set", (
            "set" if flags & EXTENDED_FLAGS == EXTENDED_FLAGS else f"not both set (flags {flags:#04x})")
        if not header(chunk)["memcpyed"]:
            want["delta flag"] = "set" if "delta" in filters else "clear"
            got["delta flag"] = "set" if flags & DELTA_FLAG else "clear"
        for field, value in want.items():
            if got[field] != value:
                wrong.append(f"codec {codec_id} (version {version}): {field} is {got[field]}, written with {value}")
    if wrong:
        ctx.fail("chunk headers that do not record what they were written with: " + "; ".join(wrong))
