"""Interoperability: chunks and frames written by one implementation are read by another.

The pairwise checks run with two adapters in one process: ``ctx.peer`` writes, ``ctx.adapter``
reads (see :mod:`udcodec.engine.pairs` for which peers an adapter meets). Both register the same test
codecs under the same ids. Configurations come from :mod:`udcodec.sweep`, sized by the profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from udcodec.adapters.protocol import Adapter, CParams
from udcodec.checks.api import CheckContext, NotApplicable, Param, check, describe_exc
from udcodec.checks.common import CODEC_ID, first_difference, header
from udcodec.checks.configs import (
    DP,
    config_cparams,
    config_data,
    produce,
    read_chunk,
    register_test_codecs,
    sweep,
)
from udcodec.data import make_data
from udcodec.sweep import codecs_of, families

#: Chunks of the frame checks: (data recipe, bytes). Six chunks (c-blosc2 compresses the offsets of
#: frames from four chunks on), a zeros chunk (stored as a special value) and a short last chunk.
FRAME_CHUNKS = (("counter-then-random", 16384), ("zeros", 16384), ("run", 16384), ("counter-then-random", 16384),
                ("sized-random", 16384), ("counter-then-random", 1000))


def _registered_pair(ctx: CheckContext, codecs: Iterable[str]) -> tuple[Adapter, int]:
    peer = ctx.the_peer()
    codec_id = int(ctx.param("id"))
    register_test_codecs(ctx, ctx.adapter, codec_id, codecs)
    register_test_codecs(ctx, peer, codec_id, codecs)
    return peer, codec_id


def _decodes(failures: list[str], what: str, decode: Callable[[], bytes], want: bytes) -> bool:
    """Whether ``decode()`` gives ``want``; if not, why goes into ``failures`` under ``what``."""
    try:
        got = decode()
    except Exception as exc:  # noqa: BLE001 - reported per configuration or vector
        failures.append(f"{what}: decoding raised {describe_exc(exc)}")
        return False
    if got != want:
        failures.append(f"{what}: {first_difference(got, want)}")
        return False
    return True


@check("interop.chunk_decode", requires=("append_chunk",),
       params={"id": CODEC_ID})
def chunk_decode(ctx: CheckContext) -> None:
    """Every chunk the peer writes decodes here to the original data, with the same codec registered.

    Chunks the peer cannot read back itself are left out (RT-CONFIGS judges the writer) and listed.
    """
    configs = sweep(ctx)
    peer, codec_id = _registered_pair(ctx, codecs_of(configs))
    failures: list[str] = []
    unusable: list[str] = []
    decoded = 0
    for cfg in configs:
        data, cp = config_data(cfg), config_cparams(cfg, codec_id)
        written = produce(peer, cfg, cp, data)
        if written.problem or written.chunk is None or written.own is None:
            unusable.append(f"{cfg.label}: {written.problem}")
            continue
        chunk, want = written.chunk, (written.own if cfg.lossy else data)
        decoded += _decodes(failures, cfg.label, partial(read_chunk, ctx.adapter, cp, chunk, len(data)), want)
    ctx.extra["unusable"] = unusable
    if failures:
        ctx.fail(f"{len(failures)} of {len(failures) + decoded} chunks written by {peer.name} did not decode in "
                 f"{ctx.adapter.name}:\n" + "\n".join(failures[:8]))
    if not decoded:
        raise NotApplicable(f"{peer.name} wrote no usable chunk: {unusable[:1]}")


def _header_difference(a: bytes, b: bytes) -> str:
    try:
        ha, hb = header(a), header(b)
    except ValueError as exc:
        return str(exc)
    fields = [f"{k} {ha[k]} vs {hb[k]}" for k in ha if ha[k] != hb[k]]
    if fields:
        return "header fields differ: " + ", ".join(fields)
    return f"same header fields, cbytes {len(a)} vs {len(b)}; " + (first_difference(a, b) if len(a) == len(b) else "")


@check("interop.chunk_bytes", params={"id": CODEC_ID})
def chunk_bytes(ctx: CheckContext) -> None:
    """Both implementations write the same chunk bytes for the same data, codec and parameters.

    A configuration counts only when both sides write a chunk they read back correctly themselves.
    """
    configs = sweep(ctx)
    peer, codec_id = _registered_pair(ctx, codecs_of(configs))
    for side, other in ((ctx.adapter, peer), (peer, ctx.adapter)):
        side.match_format_of(other.info())  # e.g. the reference targeting python-blosc2 2.x
    rates: dict[str, dict[str, int]] = {f: {"identical": 0, "total": 0} for f in families(configs)}
    differences: list[str] = []
    unusable: list[str] = []
    for cfg in configs:
        data, cp = config_data(cfg), config_cparams(cfg, codec_id)
        ours, theirs = produce(ctx.adapter, cfg, cp, data), produce(peer, cfg, cp, data)
        if ours.problem or theirs.problem or ours.chunk is None or theirs.chunk is None:
            unusable.append(f"{cfg.label}: {ours.problem or theirs.problem}")
            continue
        rates[cfg.family]["total"] += 1
        if ours.chunk == theirs.chunk:
            rates[cfg.family]["identical"] += 1
        else:
            differences.append(f"{cfg.label}: {_header_difference(ours.chunk, theirs.chunk)}")
    ctx.extra["byte_identity"] = {f: r for f, r in rates.items() if r["total"]}
    ctx.extra["unusable"] = unusable
    same = sum(r["identical"] for r in rates.values())
    total = sum(r["total"] for r in rates.values())
    if not total:
        raise NotApplicable(f"no configuration was written usably by both: {unusable[:1]}")
    if differences:
        per_family = ", ".join(f"{f} {r['identical']}/{r['total']}" for f, r in rates.items() if r["total"])
        ctx.fail(f"{same}/{total} chunks byte-identical between {ctx.adapter.name} and {peer.name} ({per_family}); "
                 f"first differences ({ctx.adapter.name} vs {peer.name}):\n" + "\n".join(differences[:8]))


def _frame_roundtrip(ctx: CheckContext, contiguous: bool) -> None:
    peer, codec_id = _registered_pair(ctx, ("zlib", "memcpy"))
    typesize = 4
    cp = CParams(codec=codec_id, typesize=typesize, nthreads=1, filters=("shuffle",), splitmode="always", codec_meta=3)
    extra = int(ctx.param("extra_chunks"))  # full chunks before the usual ones (a sparse frame: file names past 9)
    recipes = [FRAME_CHUNKS[0]] * extra + list(FRAME_CHUNKS)
    parts = [make_data(recipe, n, typesize=typesize, seed=i + 1 if i < extra else 0) for i, (recipe, n) in enumerate(recipes)]
    chunksize = max(len(p) for p in parts)
    kind = "contiguous frame" if contiguous else "sparse frame"
    path = str(ctx.tmpdir / ("peer.b2frame" if contiguous else "peer.b2sframe"))
    writer = peer.create(cparams=cp, dparams=DP, chunksize=chunksize, urlpath=path, contiguous=contiguous)
    for part in parts:
        writer.append(part)
    writer.close()
    if not Path(path).exists():
        ctx.fail(f"{peer.name} wrote no {kind} at {path}")
    what = f"a {kind} of {len(parts)} chunks written by {peer.name} ({', '.join(r for r, _ in recipes)})"
    try:
        reader = ctx.adapter.open(path, DP)
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"{ctx.adapter.name} could not open {what}: {describe_exc(exc)}")
    try:
        if reader.nchunks != len(parts):
            ctx.fail(f"{what}: {ctx.adapter.name} sees {reader.nchunks} chunks")
        for i, part in enumerate(parts):
            got = reader.decompress_chunk(i)
            if got != part:
                ctx.fail(f"{what}: chunk {i} ({recipes[i][0]}) read back wrong: {first_difference(got, part)}")
        items = chunksize // typesize
        start, stop = items - 3, items + 5  # across the first chunk boundary
        want = b"".join(parts)[start * typesize: stop * typesize]
        got = reader.get_slice(start, stop)
        if got != want:
            ctx.fail(f"{what}: items [{start}, {stop}) read back wrong: {first_difference(got, want)}")
    finally:
        reader.close()


@check("interop.frame_open", requires=("persistence",),
       params={"id": CODEC_ID, "extra_chunks": Param(int, min=0, default=0)})
def frame_open(ctx: CheckContext) -> None:
    """A contiguous frame file the peer wrote opens here and reads back every chunk."""
    _frame_roundtrip(ctx, contiguous=True)


@check("interop.sframe_open", requires=("persistence", "sparse"),
       params={"id": CODEC_ID, "extra_chunks": Param(int, min=0, default=0)})
def sframe_open(ctx: CheckContext) -> None:
    """A sparse frame directory the peer wrote opens here and reads back every chunk."""
    _frame_roundtrip(ctx, contiguous=False)


@check("interop.golden_decode", requires=("append_chunk", "persistence"))
def golden_decode(ctx: CheckContext) -> None:
    """Every golden vector (chunks and frames python-blosc2 2.x/3.x/4.x wrote) decodes to its recorded content."""
    from udcodec.golden import decode_vector, expected_bytes, load_manifest

    sparse = "sparse" in ctx.adapter.capabilities()
    failures: list[str] = []
    decoded = 0
    for entry in load_manifest():
        if entry.kind == "sframe" and not sparse:
            continue
        what = f"{entry.name} ({entry.kind} by {entry.library} {entry.library_version})"
        workdir = ctx.tmpdir / entry.name
        workdir.mkdir()
        decoded += _decodes(failures, what, partial(decode_vector, ctx.adapter, entry, workdir=workdir),
                            expected_bytes(entry))
    ctx.extra["golden_decoded"] = decoded
    if failures:
        ctx.fail(f"{len(failures)} of {len(failures) + decoded} golden vectors did not decode in {ctx.adapter.name}:\n"
                 + "\n".join(failures[:8]))
