"""Interoperability: chunks and frames written by one implementation are read by another.

The pairwise checks run with two adapters in one process, both ways: ``ctx.peer`` writes and
``ctx.adapter`` reads, and the reverse (see :mod:`udcodec.engine.pairs` for which peers an adapter
meets); the reference judges a port in the port's result only. Both register the same test
codecs under the same ids. Configurations come from :mod:`udcodec.sweep`, sized by the profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from hashlib import sha256
from pathlib import Path
from typing import Any

import numpy as np
from udcodec.adapters.protocol import Adapter, CParams, value_of
from udcodec.checks.api import (
    CheckContext,
    Explanation,
    NotApplicable,
    Param,
    Workaround,
    check,
    describe_exc,
)
from udcodec.checks.common import (
    BYTE_IDENTICAL_BUILTIN_CODECS,
    CODEC_ID,
    OPEN_WITH_WRITTEN_PARAMS,
    SPECIAL_MASK,
    Retry,
    attribution_of,
    chunk_difference,
    directions,
    first_difference,
    refuses_threads,
    reopen_defect,
    retry_with_builtin,
    written_cparams,
)
from udcodec.checks.configs import (
    DP,
    config_cparams,
    config_data,
    produce,
    read_chunk,
    register_test_codecs,
    sweep,
    with_builtin,
)
from udcodec.checks.ndsupport import (
    LAYOUTS,
    NDLayout,
    array_difference,
    array_of,
    nd_cparams,
    parse_layout,
    selections,
    written_nd_cparams,
)
from udcodec.data import make_data
from udcodec.sweep import Config, codecs_of, families, frame_chunks

#: Chunks of the frame checks in the ``ci`` profile (:func:`udcodec.sweep.frame_chunks` sizes them by profile).
FRAME_CHUNKS = frame_chunks("ci")


def _registered_pair(ctx: CheckContext, codecs: Iterable[str]) -> tuple[Adapter, int]:
    peer = ctx.the_peer()
    codec_id = int(ctx.param("id"))
    register_test_codecs(ctx, ctx.adapter, codec_id, codecs)
    register_test_codecs(ctx, peer, codec_id, codecs)
    return peer, codec_id




def _decoded(decode: Callable[[], bytes]) -> bytes | str:
    """What ``decode`` returned, or how it failed to return bytes."""
    try:
        got = decode()
    except Exception as exc:  # noqa: BLE001 - reported per configuration or vector
        return f"decoding raised {describe_exc(exc)}"
    if not isinstance(got, bytes | bytearray | memoryview):  # an adapter's answer is the implementation's
        return f"decoding returned {type(got).__name__}, not the bytes"
    return bytes(got)


def _decode_problem(decode: Callable[[], bytes], want: bytes) -> str | None:
    got = _decoded(decode)
    if isinstance(got, str):
        return got
    return None if got == want else first_difference(got, want)


def _chunk_problem(writer: Adapter, reader: Adapter, cfg: Config, cp: CParams, data: bytes,
                   unusable: list[str] | None) -> str | None:
    """How a chunk ``writer`` writes fails to decode in ``reader`` (None: it decodes). A chunk its writer
    cannot read back is listed in ``unusable`` and not judged; without that list (a builtin-codec retry)
    it is a failure of the retry."""
    written = produce(writer, cfg, cp, data, builtin=unusable is None)
    if written.problem or written.chunk is None or written.own is None:
        if unusable is None:
            return written.problem or f"{writer.name} wrote no chunk"
        unusable.append(f"{cfg.label}: {written.problem}")
        return None
    want = written.own if cfg.lossy else data
    return _decode_problem(partial(read_chunk, reader, cp, written.chunk, len(data)), want) or None


def _builtin_chunk_problem(writer: Adapter, reader: Adapter, cfg: Config, cp: CParams, data: bytes,
                           codec: int) -> str | None:
    return _chunk_problem(writer, reader, cfg, with_builtin(cp, codec), data, None)


@check("interop.chunk_decode", requires=("append_chunk",),
       params={"id": CODEC_ID})
def chunk_decode(ctx: CheckContext) -> None:
    """Every chunk the peer writes decodes here, and every chunk written here decodes in the peer, to the
    original data, with the same codec registered.

    Chunks their writer cannot read back itself are left out (RT-CONFIGS judges the writer) and listed.
    A failing chunk is written again with a builtin codec to attribute the failure.
    """
    configs = sweep(ctx)
    pairs = directions(ctx)
    _, codec_id = _registered_pair(ctx, codecs_of(configs))
    failures: list[str] = []
    retries: list[Retry | None] = []
    unusable: list[str] = []
    decoded = 0
    for w_side, r_side in pairs:
        writer, wname, reader, rname = w_side.adapter, w_side.label, r_side.adapter, r_side.label
        for cfg in configs:
            data, cp = config_data(cfg), config_cparams(cfg, codec_id)
            before = len(unusable)
            problem = _chunk_problem(writer, reader, cfg, cp, data, unusable)
            if problem is None:
                decoded += len(unusable) == before
                continue
            retry = retry_with_builtin(partial(_builtin_chunk_problem, writer, reader, cfg, cp, data))
            retries.append(retry)
            failures.append(f"written by {wname}, read by {rname}: {cfg.label}: {problem}"
                            + (f" {retry.tag}" if retry else ""))
    ctx.extra["unusable"] = unusable
    if failures:
        ctx.fail(f"{len(failures)} of {len(failures) + decoded} chunks did not decode (both ways between "
                 f"{ctx.adapter.name} and {ctx.the_peer().name}):\n" + "\n".join(failures[:8]),
                 attribution=attribution_of(retries))
    if not decoded:
        raise NotApplicable(f"no usable chunk was written either way: {unusable[:1]}")


def _builtin_difference(ours: Adapter, theirs: Adapter, cfg: Config, cp: CParams, data: bytes,
                        codec: int) -> str | None:
    """How the chunks both write with a builtin codec differ (None: byte-identical)."""
    builtin = with_builtin(cp, codec)
    a = produce(ours, cfg, builtin, data, builtin=True)
    b = produce(theirs, cfg, builtin, data, builtin=True)
    if a.chunk is None or b.chunk is None:
        return a.problem or b.problem
    return None if a.chunk == b.chunk else chunk_difference(a.chunk, b.chunk)


@check("interop.chunk_bytes", params={"id": CODEC_ID})
def chunk_bytes(ctx: CheckContext) -> None:
    """Both implementations write the same chunk bytes for the same data, codec and parameters.

    A configuration counts only when both sides write a chunk they read back correctly themselves,
    from a buffer they left alone.
    """
    configs = sweep(ctx)
    peer, codec_id = _registered_pair(ctx, codecs_of(configs))
    for side, other in ((ctx.adapter, peer), (peer, ctx.adapter)):
        side.match_format_of(other.info())  # e.g. the reference targeting python-blosc2 2.x
    rates: dict[str, dict[str, int]] = {f: {"identical": 0, "total": 0} for f in families(configs)}
    differences: list[str] = []
    retries: list[Retry | None] = []
    unusable: list[str] = []
    for cfg in configs:
        data, cp = config_data(cfg), config_cparams(cfg, codec_id)
        ours, theirs = produce(ctx.adapter, cfg, cp, data), produce(peer, cfg, cp, data)
        if ours.problem or theirs.problem or ours.chunk is None or theirs.chunk is None:
            unusable.append(f"{cfg.label}: {ours.problem or theirs.problem}")
            continue
        if ours.wrote_into_input or theirs.wrote_into_input:  # its bytes follow from the changed buffer
            unusable.append(f"{cfg.label}: {ours.wrote_into_input or theirs.wrote_into_input}")
            continue
        rates[cfg.family]["total"] += 1
        if ours.chunk == theirs.chunk:
            rates[cfg.family]["identical"] += 1
        else:
            retry = retry_with_builtin(partial(_builtin_difference, ctx.adapter, peer, cfg, cp, data),
                                       BYTE_IDENTICAL_BUILTIN_CODECS)
            retries.append(retry)
            differences.append(f"{cfg.label}: {chunk_difference(ours.chunk, theirs.chunk)}"
                               + (f" {retry.tag}" if retry else ""))
    ctx.extra["byte_identity"] = {f: r for f, r in rates.items() if r["total"]}
    ctx.extra["unusable"] = unusable
    same = sum(r["identical"] for r in rates.values())
    total = sum(r["total"] for r in rates.values())
    if not total:
        raise NotApplicable(f"no configuration was written usably by both: {unusable[:1]}")
    if differences:
        per_family = ", ".join(f"{f} {r['identical']}/{r['total']}" for f, r in rates.items() if r["total"])
        ctx.fail(f"{same}/{total} chunks byte-identical between {ctx.adapter.name} and {peer.name} ({per_family}); "
                 f"first differences ({ctx.adapter.name} vs {peer.name}):\n" + "\n".join(differences[:8]),
                 attribution=attribution_of(retries))


def _frame_problem(ctx: CheckContext, writer: Adapter, reader: Adapter, cp: CParams, contiguous: bool,
                   where: Path) -> str | None:
    """How a frame ``writer`` writes at ``where`` fails to read back in ``reader``, or None."""
    chunks = frame_chunks(ctx.profile.sweep)
    typesize = value_of(cp.typesize)
    parts = [make_data(recipe, n, typesize=typesize) for recipe, n in chunks]
    chunksize = max(len(p) for p in parts)
    path = str(where)
    try:
        container = writer.create(cparams=cp, dparams=DP, chunksize=chunksize, urlpath=path, contiguous=contiguous)
        for part in parts:
            container.append(part)
        stored = [bytes(container.get_chunk(i)) for i in range(len(parts))]
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001
        return f"{writer.name} raised writing it: {describe_exc(exc)}"
    # Read while the writer still holds it, as users do (python-blosc2 has no close): every append is on disk.
    try:
        return _frame_read_problem(ctx, reader, cp, path, where, parts, chunks, chunksize, typesize, writer.name,
                                   stored)
    finally:
        container.close()


def _frame_read_problem(ctx: CheckContext, reader: Adapter, cp: CParams, path: str, where: Path, parts: list[bytes],
                        chunks: Any, chunksize: int, typesize: int, writer_name: str, stored: list[bytes]) -> str | None:
    """How the frame at ``where`` fails to open and read back in ``reader``, or None. Its chunks (``stored``: as
    the writer gives them back) must come back byte for byte, special ones aside: a frame stores those as an
    offset and each reader rebuilds their header with its own parameters."""
    if not where.exists():
        return f"{writer_name} wrote nothing at {path}"
    try:
        got_reader = ctx.get_past(OPEN_WITH_WRITTEN_PARAMS, lambda: reader.open(path),
                                  lambda: reader.open(path, DP, written_cparams(cp)), when=refuses_threads)
    except Exception as exc:  # noqa: BLE001
        return f"{reader.name} could not open it: {describe_exc(exc)}"
    try:
        if got_reader.nchunks != len(parts):
            return f"{reader.name} sees {got_reader.nchunks} chunks"
        for i, part in enumerate(parts):
            problem = _decode_problem(partial(got_reader.decompress_chunk, i), part)
            if problem:
                return f"chunk {i} ({chunks[i][0]}) read back wrong: {problem}"
        for i, chunk in enumerate(stored):
            got = bytes(got_reader.get_chunk(i))
            if not chunk[31] & SPECIAL_MASK and got != chunk:
                return (f"chunk {i} ({chunks[i][0]}) is not the chunk {writer_name} stored: {len(got)} bytes against "
                        f"{len(chunk)}, {first_difference(got, chunk)}")
        items = chunksize // typesize
        data = b"".join(parts)
        start, stop = items - 3, items + 5  # across the first chunk boundary
        problem = _decode_problem(partial(got_reader.get_slice, start, stop), data[start * typesize: stop * typesize])
        if problem:
            return f"items [{start}, {stop}) read back wrong: {problem}"
        # the short last chunk's items, the stop past the end: a reader that takes the frame for longer reads more
        total = len(data) // typesize
        start, stop = total - 3, total + 5
        problem = _decode_problem(partial(got_reader.get_slice, start, stop), data[start * typesize:])
        return f"items [{start}, {stop}) of {total} (the stop past the end) read back wrong: {problem}" if problem else None
    finally:
        got_reader.close()


def _frame_roundtrip(ctx: CheckContext, contiguous: bool) -> None:
    pairs = directions(ctx)
    _, codec_id = _registered_pair(ctx, ("zlib", "memcpy"))
    cp = CParams(codec=codec_id, typesize=4, nthreads=1, filters=("shuffle",), splitmode="always", codec_meta=3)
    kind = "contiguous frame" if contiguous else "sparse frame"
    suffix = ".b2frame" if contiguous else ".b2sframe"
    chunks = frame_chunks(ctx.profile.sweep)
    failures, retries = [], []
    for n, (w_side, r_side) in enumerate(pairs):
        writer, reader = w_side.adapter, r_side.adapter
        problem = _frame_problem(ctx, writer, reader, cp, contiguous, ctx.tmpdir / f"w{n}{suffix}")
        if problem is None:
            continue
        def builtin_frame(codec: int, writer: Adapter = writer, reader: Adapter = reader, n: int = n) -> str | None:
            return _frame_problem(ctx, writer, reader, with_builtin(cp, codec), contiguous,
                                  ctx.tmpdir / f"builtin{codec}-w{n}{suffix}")

        retry = retry_with_builtin(builtin_frame)
        retries.append(retry)
        failures.append(f"a {kind} of {len(chunks)} chunks written by {w_side.label}, read by {r_side.label}: {problem}"
                        + (f" {retry.tag}" if retry else ""))
    if failures:
        ctx.fail("\n".join(failures), attribution=attribution_of(retries))


@check("interop.frame_open", requires=("persistence",),
       params={"id": CODEC_ID})
def frame_open(ctx: CheckContext) -> None:
    """A contiguous frame file the peer wrote opens here and reads back every chunk."""
    _frame_roundtrip(ctx, contiguous=True)


@check("interop.sframe_open", requires=("persistence", "sparse"),
       params={"id": CODEC_ID})
def sframe_open(ctx: CheckContext) -> None:
    """A sparse frame directory the peer wrote opens here and reads back every chunk."""
    _frame_roundtrip(ctx, contiguous=False)


#: Golden codecs whose streams are plain zlib streams (or raw blocks): their chunks read as builtin ZLIB chunks.
ZLIB_STREAM_ENCODERS = ("udcodec.examples.zlib_codec:encoder", "udcodec.testcodecs:zlib_encoder",
                        "udcodec.testcodecs:memcpy_encoder")
#: The compressor format of the chunk header's flags (bits 5..7): the user-codec slot, and ZLIB.
UDCODEC_FORMAT, ZLIB_FORMAT, ZLIB_ID = 6, 3, 4


def as_builtin_zlib(chunk: bytes) -> bytes:
    """The same chunk recorded as a builtin ZLIB chunk (its streams are zlib streams): same filters,
    typesize and block size, only the header's compressor format and user-codec byte change."""
    patched = bytearray(chunk)
    patched[2] = (patched[2] & 0x1F) | (ZLIB_FORMAT << 5)
    patched[22] = 0
    return bytes(patched)


def _golden_retry(ctx: CheckContext, entry: Any) -> Retry | None:
    """A failing golden chunk of a zlib-stream codec, read again as a builtin ZLIB chunk."""
    from udcodec.golden import expected_bytes
    from udcodec.golden import read_chunk as read_golden

    if entry.kind != "chunk" or entry.codec.encoder not in ZLIB_STREAM_ENCODERS:
        return None
    chunk = read_golden(entry)
    if (chunk[2] >> 5) != UDCODEC_FORMAT:
        return None  # stored raw (memcpyed): no codec to swap

    def builtin(codec: int) -> str | None:
        if codec != ZLIB_ID:
            raise NotImplementedError("only ZLIB reads a zlib stream")
        cp = with_builtin(entry.params.cparams(), codec)
        return _decode_problem(partial(read_chunk, ctx.adapter, cp, as_builtin_zlib(chunk), entry.content.nbytes),
                               expected_bytes(entry))

    return retry_with_builtin(builtin)


#: c-blosc2 releases read SHUFFLE with a nonzero filters_meta in three ways (udcodec.golden.READINGS); the golden
#: check accepts any of them.
ANY_SHUFFLE_META_READING = Workaround(
    "any-shuffle-meta-reading",
    "the chunk format gives SHUFFLE with a nonzero filters_meta three meanings: python-blosc2 2.0.0 - 2.2.4 shuffle "
    "meta + 1 times, 2.2.5 - 4.0.0 ignore the meta, 4.1.0 on (c-blosc2 3.x) move bytes in groups of that many, and no "
    "header field says which a chunk was written for, so such a chunk decodes to other bytes, without an error, "
    "where another one reads it",
    "count a vector written so as decoded when it decodes to the bytes of any of the three readings (the "
    "manifest's other_readings); extra.golden_readings names the reading of each")


def _reading(got: bytes | str, entry: Any) -> str | None:
    """The reading of a vector of several meanings that gives ``got`` (its writer's first), or None."""
    if isinstance(got, str) or not entry.other_readings:
        return None
    digest = sha256(got).hexdigest()
    return next((name for name, sha in entry.readings.items() if sha == digest), None)


@check("interop.golden_decode", requires=("append_chunk", "persistence"))
def golden_decode(ctx: CheckContext) -> None:
    """Every golden vector (chunks and frames python-blosc2 2.x/3.x/4.x wrote) decodes to its recorded content,
    or, for one c-blosc2 releases read in several ways, to the bytes of one of those readings.

    A failing chunk of a zlib-stream codec is read again as a builtin ZLIB chunk to attribute the failure.
    """
    from udcodec.golden import decode_vector, expected_bytes, load_manifest

    sparse = "sparse" in ctx.adapter.capabilities()
    user_filters = "user_filters" in ctx.adapter.capabilities()
    nd = "ndarray" in ctx.adapter.capabilities()
    failures: list[str] = []
    retries: list[Retry | None] = []
    decoded = 0
    readings: dict[str, str] = {}  # vector of several meanings -> the READINGS key it was read by
    as_written: set[str] = set()  # those read as their writer's line reads them
    for entry in load_manifest():
        if entry.kind == "sframe" and not sparse or entry.ufilters and not user_filters or entry.kind == "ndarray" and not nd:
            continue
        what = f"{entry.name} ({entry.kind} by {entry.library} {entry.library_version})"
        workdir = ctx.tmpdir / entry.name
        workdir.mkdir()
        natural = partial(decode_vector, ctx.adapter, entry, workdir=workdir)
        instead = partial(decode_vector, ctx.adapter, entry, workdir=workdir, register=False, open_with_params=True)
        got = _decoded(partial(ctx.get_past, OPEN_WITH_WRITTEN_PARAMS, natural, instead, when=refuses_threads))
        want = expected_bytes(entry)
        reading = _reading(got, entry)
        if got == want or reading is not None:
            decoded += 1
            if reading is not None:
                readings[entry.name] = reading
                if got == want:
                    as_written.add(entry.name)
            continue
        problem = got if isinstance(got, str) else first_difference(got, want)
        if isinstance(got, bytes) and entry.other_readings:
            problem += f" (nor is it the bytes of {', '.join(r.name for r in entry.other_readings)})"
        retry = _golden_retry(ctx, entry)
        retries.append(retry)
        failures.append(f"{what}: {problem}" + (f" {retry.tag}" if retry else ""))
    ctx.extra["golden_decoded"] = decoded
    if readings:
        ctx.extra["golden_readings"] = readings
    if readings.keys() - as_written:
        ctx.workarounds.append(ANY_SHUFFLE_META_READING.record())
    if failures:
        ctx.fail(f"{len(failures)} of {len(failures) + decoded} golden vectors did not decode in {ctx.adapter.name}:\n"
                 + "\n".join(failures[:8]), attribution=attribution_of(retries))


@check("interop.legacy_header_decode", requires=("outside_container",))
def legacy_header_decode(ctx: CheckContext) -> None:
    """Every Blosc1 golden chunk (16-byte header, written by c-blosc 1.x) decompresses outside a container
    to its recorded content: builtin codecs, no/byte/bit shuffle, split and unsplit blocks, memcpyed."""
    from udcodec.golden.blosc1 import load_blosc1

    failures: list[str] = []
    vectors = load_blosc1()
    for entry in vectors:
        p = entry.params
        what = f"{entry.name} ({p.cname} clevel {p.clevel} {p.shuffle} typesize {p.typesize}, {entry.writer} {entry.writer_version})"
        problem = _decode_problem(partial(ctx.adapter.decompress_outside, entry.read(), DP), entry.expected())
        if problem is not None:
            failures.append(f"{what}: {problem}")
    ctx.extra["blosc1_decoded"] = len(vectors) - len(failures)
    if failures:
        ctx.fail(f"{len(failures)} of {len(vectors)} Blosc1 chunks did not decompress in {ctx.adapter.name}:\n"
                 + "\n".join(failures[:8]))


def _nd_frame_problem(ctx: CheckContext, writer: Adapter, reader: Adapter, codec_id: int, meta: int,
                      layout: NDLayout, seed: int, path: str,
                      fill: Any = None) -> tuple[str | None, Explanation | None]:
    """How an NDArray frame ``writer`` writes (``asarray`` of data, or ``full`` of ``fill``) fails to open,
    read or take a slice in ``reader``, or None; and, when all ``reader`` got wrong is the codec or codec meta it
    opened the frame with, REOPEN-KEEPS' words for that (:func:`reopen_defect`)."""
    cparams = nd_cparams(codec_id, meta)
    if fill is None:
        want = array_of(layout, seed)
        write: Callable[[], Any] = partial(writer.nd_create, want, layout.chunks, layout.blocks, cparams, DP,
                                           urlpath=path)
    else:
        want = np.full(layout.shape, fill, dtype=layout.dtype)
        write = partial(writer.nd_full, layout.shape, fill, layout.dtype, layout.chunks, layout.blocks, cparams, DP,
                        urlpath=path)
    try:
        write().close()
    except Exception as exc:  # noqa: BLE001
        return f"{writer.name} raised writing it: {describe_exc(exc)}", None
    written = written_nd_cparams(codec_id, layout, meta)

    def opened(who: Adapter, **kw: Any) -> Any:
        return ctx.get_past(OPEN_WITH_WRITTEN_PARAMS, lambda: who.nd_open(path, **kw),
                            lambda: who.nd_open(path, DP, written, **kw), when=refuses_threads)

    try:
        nd = opened(reader)
        got = (tuple(nd.shape), tuple(nd.chunks), tuple(nd.blocks), str(nd.dtype), nd.cparams().codec,
               nd.cparams().codec_meta)
        wrote = (layout.shape, layout.chunks, layout.blocks, layout.dtype.str, codec_id, meta)
        if got != wrote:
            names = ("shape", "chunks", "blocks", "dtype", "codec", "codec meta")
            said = f"{reader.name} reads " + ", ".join(f"{name} {g!r} (written: {w!r})" for name, g, w
                                                       in zip(names, got, wrote, strict=True) if g != w)
            reopened = reader is ctx.adapter and got[:4] == wrote[:4]
            return said, reopen_defect({"codec": codec_id, "codec_meta": meta},
                                       {"codec": got[4], "codec_meta": got[5]}) if reopened else None
        values = nd.read(...)
        nd.close()
    except Exception as exc:  # noqa: BLE001
        return f"{reader.name} could not open and read it: {describe_exc(exc)}", None
    diff = array_difference(np.asarray(values), want)
    if diff:
        return f"{reader.name} reads different values ({diff})", None
    if not layout.shape:
        return None, None
    key = selections(layout.shape)[0]
    new = np.ascontiguousarray(array_of(layout, seed + 100)[key])
    want[key] = new
    try:
        rw = opened(reader, mode="a")
        rw.write(key, new)
        rw.close()
        back = opened(writer).read(...)
    except Exception as exc:  # noqa: BLE001
        return f"a slice {reader.name} wrote into it, read back by {writer.name}: {describe_exc(exc)}", None
    diff = array_difference(np.asarray(back), want)
    if diff:
        return f"a slice {reader.name} wrote reads back differently in {writer.name} ({diff})", None
    return None, None


@check("interop.ndarray_frame", requires=("persistence", "ndarray"),
       params={"id": CODEC_ID, "meta": Param(int, min=0, max=255), "layouts": LAYOUTS,
               "fills": Param(list, items=Param(int, min=0, max=127), default=[])})
def ndarray_frame(ctx: CheckContext) -> None:
    """An NDArray frame the peer wrote opens here as an NDArray with its geometry, codec, meta and values, and a
    slice written here reads back there; and the same the other way. Arrays of data (``asarray``) and, for each
    layout with a shape, of each of ``fills`` (``full``: special chunks, which name no codec)."""
    _, codec_id = _registered_pair(ctx, ("zlib",))
    meta = int(ctx.param("meta"))
    fills = [int(v) for v in ctx.param("fills")]
    failures = []
    reopens: list[Explanation | None] = []  # per failure: the frames' reopen defect it shows, if that is all
    for n, (w_side, r_side) in enumerate(directions(ctx)):
        for k, text in enumerate(ctx.param("layouts")):
            layout = parse_layout(text)
            for f, fill in enumerate([None, *(fills if layout.shape else [])]):
                made = "data" if fill is None else f"full of {fill}"
                problem, reopen = _nd_frame_problem(ctx, w_side.adapter, r_side.adapter, codec_id, meta, layout, k,
                                                    str(ctx.tmpdir / f"w{n}-{k}-{f}.b2nd"), fill)
                if problem:
                    failures.append(f"an NDArray {layout} ({made}) written by {w_side.label}, read by "
                                    f"{r_side.label}: {problem}")
                    reopens.append(reopen)
    if failures:
        ctx.fail("\n".join(failures), explained_by=reopens[0] if all(reopens) else None)
