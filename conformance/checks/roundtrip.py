"""Round-trip checks: any data through a correct codec comes back bit-exactly."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from hypothesis import strategies as st
from udcodec.adapters.protocol import NOT_GIVEN, Container, CParams
from udcodec.checks.api import (
    CheckContext,
    CheckFailed,
    NotApplicable,
    NotJudged,
    Param,
    check,
    decode_example,
    describe_exc,
)
from udcodec.checks.common import (
    BLOCK,
    BUILTIN_CODEC_IDS,
    CODEC_ID,
    CONTENT,
    DONT_SPLIT_FLAG,
    DTYPE,
    FILTER_PIPELINES,
    HEADER_CBYTES,
    LAYOUT_SIZE,
    NEEDS,
    SPECIAL_MASK,
    SPLITMODES,
    cparams_for,
    fail_attributed,
    fill,
    first_difference,
    header,
    new_container,
    read_back,
    register_pair,
    require_needed,
)
from udcodec.strategies import CONTENTS, DTYPES, Layout, layouts
from udcodec.testcodecs import zlib_decoder, zlib_encoder

#: Blosc2's builtin ZLIB codec id (every host implements it; user codecs are refused outside a container).
BUILTIN_ZLIB = 4

#: The parameters that draw the layouts (see :func:`udcodec.strategies.layouts`).
LAYOUTS = {"dtypes": Param(list, items=DTYPE, default=DTYPES), "contents": Param(list, items=CONTENT, default=CONTENTS),
           "filters": FILTER_PIPELINES, "splitmodes": SPLITMODES, **LAYOUT_SIZE}


def _strategy(ctx: CheckContext, splitmodes: list[str] | None = None) -> st.SearchStrategy[Layout]:
    return layouts(
        dtypes=ctx.param("dtypes"),
        contents=ctx.param("contents"),
        filters=[tuple(f) for f in ctx.param("filters")],
        splitmodes=splitmodes or ctx.param("splitmodes"),
        max_chunk_items=int(ctx.param("max_chunk_items")),
        max_chunks=int(ctx.param("max_chunks")),
    )


def _roundtrip(ctx: CheckContext, codec_id: int, layout: Layout) -> Any:
    container = new_container(ctx, cparams_for(codec_id, layout), chunksize=layout.chunksize)
    fill(container, layout.chunks())
    got, want = read_back(container), layout.data()
    if got != want:
        ctx.fail(f"decompress(compress(x)) != x: {first_difference(got, want)}")
    return container


def _split_prop(ctx: CheckContext, splitmode: str, codec_id: int, layout: Layout) -> None:
    """The layout round-trips and its chunks are split as ``splitmode`` asks."""
    _split_as_asked(ctx, _roundtrip(ctx, codec_id, layout), splitmode)


def _split_as_asked(ctx: CheckContext, container: Any, splitmode: str) -> None:
    """ALWAYS_SPLIT chunks are split and NEVER_SPLIT ones are not (the header's don't-split flag), memcpyed and special ones aside."""
    if splitmode not in ("always", "never"):
        return
    for i in range(container.nchunks):
        chunk = container.get_chunk(i)
        h = header(chunk)
        if h["memcpyed"] or chunk[31] & SPECIAL_MASK:
            continue
        split = not h["flags"] & DONT_SPLIT_FLAG
        if split != (splitmode == "always"):
            ctx.fail(f"splitmode {splitmode}: chunk {i} was written {'split' if split else 'unsplit'} "
                     f"(header flags 0x{h['flags']:02x})")


def _retry(prop: Callable[[int, Any], None]) -> Callable[[CheckFailed], Callable[[int], str | None] | None]:
    """The builtin-codec retry of a property failure: ``prop(codec_id, example)`` on its shrunk example."""
    def attempt(failure: CheckFailed) -> Callable[[int], str | None] | None:
        if failure.counterexample is None:
            return None
        example = decode_example(failure.counterexample)

        def once(builtin: int) -> str | None:
            try:
                prop(builtin, example)
            except CheckFailed as exc:
                return exc.message
            return None
        return once
    return attempt


@check("roundtrip.chunks", params={"id": CODEC_ID, **LAYOUTS, **NEEDS})
def chunks(ctx: CheckContext) -> None:
    """decompress_chunk of every appended chunk gives back the appended bytes."""
    require_needed(ctx)
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "zlib", codec_id, zlib_encoder, zlib_decoder)
    # One search per split mode: a mode drawn at random with the others can go untested.
    for mode in ctx.param("splitmodes"):
        prop = partial(_split_prop, ctx, str(mode))
        fail_attributed(partial(ctx.for_all, _strategy(ctx, [mode]), partial(prop, codec_id)), _retry(prop))


@st.composite
def _slice_cases(draw: st.DrawFn, layouts_: st.SearchStrategy[Layout]) -> tuple[Layout, int, int]:
    """A layout with data and an item range ``[start, stop)`` of it."""
    layout = draw(layouts_.filter(lambda lay: lay.nitems > 0))
    start = draw(st.integers(0, layout.nitems - 1))
    stop = draw(st.integers(start, layout.nitems))
    return layout, start, stop


@check("roundtrip.slices", params={"id": CODEC_ID, **LAYOUTS})
def slices(ctx: CheckContext) -> None:
    """get_slice of any item range across chunks equals that range of the data."""
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "zlib", codec_id, zlib_encoder, zlib_decoder)

    def prop(case: tuple[Layout, int, int], cid: int = codec_id) -> None:
        layout, start, stop = case
        container = _roundtrip(ctx, cid, layout)
        got = container.get_slice(start, stop)
        want = layout.data()[start * layout.typesize : stop * layout.typesize]
        if got != want:
            ctx.fail(f"get_slice({start}, {stop}) differs from the data: {first_difference(bytes(got), want)}")

    fail_attributed(partial(ctx.for_all, _slice_cases(_strategy(ctx)), prop, _ONE_BLOCK_ACROSS),
                    _retry(lambda cid, case: prop(case, cid)))


@check("roundtrip.filtered_slices", params={"id": CODEC_ID, **LAYOUTS, **NEEDS})
def filtered_slices(ctx: CheckContext) -> None:
    """get_slice of a container written through filters equals that range of the data.

    Judged only where the chunks decompress whole and the same slice of the same data written without filters
    reads right: otherwise the defect is the whole round trip's or the slice's own (other clauses), and the
    example counts in ``extra["slices_not_judged"]``. Each pipeline first gets a slice inside the second block
    of a chunk of several, which a DELTA chunk can only give back by undoing the first block too."""
    require_needed(ctx)
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "zlib", codec_id, zlib_encoder, zlib_decoder)
    ctx.extra["slices_not_judged"] = 0

    def written(cid: int, layout: Layout, start: int, stop: int) -> tuple[bytes, bytes]:
        container = new_container(ctx, cparams_for(cid, layout), chunksize=layout.chunksize)
        fill(container, layout.chunks())
        return read_back(container), bytes(container.get_slice(start, stop))

    def prop(case: tuple[Layout, int, int], cid: int = codec_id) -> None:
        layout, start, stop = case
        data = layout.data()
        want = data[start * layout.typesize : stop * layout.typesize]
        whole, got = written(cid, layout, start, stop)
        if got == want:
            return
        if whole != data or written(cid, dataclasses.replace(layout, filters=("nofilter",)), start, stop)[1] != want:
            ctx.extra["slices_not_judged"] += 1
            return
        ctx.fail(f"get_slice({start}, {stop}) through the filters {'+'.join(layout.filters)} differs from the data "
                 f"({first_difference(got, want)}), though the chunks decompress whole and the same slice written "
                 f"without filters reads right")

    second_block = [(Layout("i4", 4, 256, 64, 3 * 256 - 5, "random-runs", 0, tuple(p), "never"), 256 + 70, 256 + 80)
                    for p in ctx.param("filters")]
    fail_attributed(partial(ctx.for_all, _slice_cases(_strategy(ctx)), prop, second_block),
                    _retry(lambda cid, case: prop(case, cid)))


@check("roundtrip.items", requires=("item_indexing",),
       params={"id": CODEC_ID, "chunk_items": Param(int, min=2), "items": Param(int, min=3)})
def items(ctx: CheckContext) -> None:
    """``container[key]`` as users index an SChunk: ints (negative ones counting from the end) and step-1 slices
    (negative bounds, open ends, across chunks) of ``items`` int32 items in chunks of ``chunk_items`` read back
    those items; every key that does not is reported."""
    codec_id, per_chunk, n = int(ctx.param("id")), int(ctx.param("chunk_items")), int(ctx.param("items"))
    register_pair(ctx, "zlib", codec_id, zlib_encoder, zlib_decoder)
    values = np.arange(n, dtype="<i4") * 7 + 3
    container = _int32_container(ctx, codec_id, values, per_chunk)
    keys: list[int | slice] = [0, per_chunk + 1, n - 1, -1, -2, -n, slice(3, 9), slice(per_chunk - 2, per_chunk + 3),
                               slice(-3, None), slice(-per_chunk - 3, -per_chunk + 2), slice(None, 4), slice(None)]
    wrong: list[str] = []
    for key in keys:
        want = values[key].tobytes()
        shown = f"container[{_key_text(key)}]"
        try:
            got = bytes(container.get_item(key))
        except Exception as exc:  # noqa: BLE001
            wrong.append(f"{shown} raised {describe_exc(exc)}")
            continue
        if got != want:
            wrong.append(f"{shown} read {_items_text(got)}, expected {_items_text(want)}")
    if wrong:
        ctx.fail(f"an SChunk of {n} int32 items in chunks of {per_chunk}: " + "; ".join(wrong))


@check("roundtrip.item_writes", requires=("item_indexing",),
       params={"id": CODEC_ID, "chunk_items": Param(int, min=4), "items": Param(int, min=4)})
def item_writes(ctx: CheckContext) -> None:
    """``container[key] = data`` as users write into an SChunk of ``items`` int32 items in chunks of
    ``chunk_items`` (the last one short): an int (negative too) writes one item; a slice inside, across chunks
    or past the end (appending, the short last chunk filled up first; more than two chunks' worth too) writes
    its items. Each key is written into a fresh container, which must then hold the data with those items
    replaced; every key that does not is reported."""
    codec_id, per_chunk, n = int(ctx.param("id")), int(ctx.param("chunk_items")), int(ctx.param("items"))
    if n % per_chunk == 0:
        ctx.fail("the check needs a short last chunk: items must not be a multiple of chunk_items")
    register_pair(ctx, "zlib", codec_id, zlib_encoder, zlib_decoder)
    values = np.arange(n, dtype="<i4") * 7 + 3
    keys: list[int | slice] = [5, -1, slice(3, 9), slice(per_chunk - 2, per_chunk + 3), slice(n - 10, n + 40),
                               slice(n, n + 10), slice(n, n + 2 * per_chunk + 30)]
    wrong: list[str] = []
    unread: list[str] = []
    for key in keys:
        container = _int32_container(ctx, codec_id, values, per_chunk)
        want = values.copy()
        if isinstance(key, slice):
            want = np.concatenate([want, np.zeros(max(0, key.stop - n), dtype="<i4")])
        new = np.arange(1000, 1000 + np.size(want[key]), dtype="<i4")
        want[key] = new if isinstance(key, slice) else new[0]
        shown = f"container[{_key_text(key)}] = {new.size} item{'s' if new.size > 1 else ''}"
        ctx.doing(f"writing {shown} into a container of {n} int32 items in chunks of {per_chunk}")
        try:
            container.set_item(key, new.tobytes())
        except Exception as exc:  # noqa: BLE001
            wrong.append(f"{shown} raised {describe_exc(exc)}")
            continue
        try:  # what the chunks hold judges the write; get_slice is RT-SLICES' to judge
            stored = np.frombuffer(b"".join(container.decompress_chunk(i) for i in range(container.nchunks)), "<i4")
        except Exception as exc:  # noqa: BLE001
            wrong.append(f"after {shown}, decompressing the container's chunks raised {describe_exc(exc)}")
            continue
        if stored.size != want.size or not np.array_equal(stored, want):
            wrong.append(f"after {shown}, the container's chunks hold {_first_difference_of_items(stored, want)}")
            continue
        try:
            got = np.frombuffer(container.get_slice(0, want.size), "<i4")
        except Exception as exc:  # noqa: BLE001
            unread.append(f"after {shown}, get_slice of the whole container raised {describe_exc(exc)}")
            continue
        if got.size != want.size or not np.array_equal(got, want):
            unread.append(f"after {shown}, the chunks hold the written items, but get_slice of the whole container "
                          f"reads {_first_difference_of_items(got, want)}")
    if wrong:
        ctx.fail(f"an SChunk of {n} int32 items in chunks of {per_chunk}: " + "; ".join(wrong))
    if unread:
        raise NotJudged("; ".join(unread) + " (a read defect: RT-SLICES judges get_slice)")


def _first_difference_of_items(got: np.ndarray, want: np.ndarray) -> str:
    """``"N items, item I V, expected M items, item I W"`` at the first item where ``got`` and ``want`` differ."""
    at = next((i for i in range(min(got.size, want.size)) if got[i] != want[i]), min(got.size, want.size))
    return (f"{got.size} items, item {at} {int(got[at]) if at < got.size else 'missing'}, expected {want.size} "
            f"items, item {at} {int(want[at]) if at < want.size else 'none'}")


@check("roundtrip.chunk_indexes", params={"id": CODEC_ID, "nchunks": Param(int, min=2)})
def chunk_indexes(ctx: CheckContext) -> None:
    """get_chunk and decompress_chunk of a negative index or one past the end raise, or, for a negative one in
    range, give the chunk counted from the end; every index that does otherwise is reported. A crash ends the
    check (the run reports it as one)."""
    codec_id, nchunks = int(ctx.param("id")), int(ctx.param("nchunks"))
    register_pair(ctx, "zlib", codec_id, zlib_encoder, zlib_decoder)
    per_chunk = 64
    values = np.arange(nchunks * per_chunk, dtype="<i4") * 5 + 1
    container = _int32_container(ctx, codec_id, values, per_chunk)
    chunks = {"get_chunk": [bytes(container.get_chunk(i)) for i in range(nchunks)],
              "decompress_chunk": [values[i * per_chunk:(i + 1) * per_chunk].tobytes() for i in range(nchunks)]}
    wrong: list[str] = []
    for index in (-1, -nchunks, nchunks, nchunks + 3, -nchunks - 1):
        for name, want in chunks.items():
            try:
                got = bytes(getattr(container, name)(index))
            except Exception:  # noqa: BLE001 - refusing a negative index or one past the end is right
                continue
            if -nchunks <= index < 0:
                if got == want[index]:
                    continue
                wrong.append(f"{name}({index}) gave {len(got)} bytes that are not chunk {nchunks + index}'s")
            else:
                wrong.append(f"{name}({index}) gave {len(got)} bytes, though the container holds {nchunks} chunks")
    if wrong:
        ctx.fail(f"a container of {nchunks} chunks: " + "; ".join(wrong))


@check("roundtrip.chunks_into", params={"id": CODEC_ID, "nchunks": Param(int, min=1)})
def chunks_into(ctx: CheckContext) -> None:
    """decompress_chunk(i, dst) writes chunk i's data into a bytearray or an int32 NumPy array of exactly its size,
    and into the start of a bytearray 8 bytes larger, whose last 8 bytes it leaves; a bytearray 4 bytes too small is
    refused. Every chunk and buffer that does otherwise is reported."""
    codec_id, nchunks = int(ctx.param("id")), int(ctx.param("nchunks"))
    register_pair(ctx, "zlib", codec_id, zlib_encoder, zlib_decoder)
    per_chunk, spare = 256, b"\xab" * 8
    values = np.arange(nchunks * per_chunk, dtype="<i4") * 7 + 3
    container = _int32_container(ctx, codec_id, values, per_chunk)
    wrong: list[str] = []
    for i in range(nchunks):
        want = values[i * per_chunk:(i + 1) * per_chunk].tobytes()
        buffers: dict[str, Any] = {"a bytearray of its size": bytearray(len(want)),
                                   f"an int32 NumPy array of its {per_chunk} items": np.zeros(per_chunk, "<i4"),
                                   "a bytearray 8 bytes larger": bytearray(len(want)) + spare}
        for what, dst in buffers.items():
            try:
                container.decompress_chunk_into(i, dst)
            except Exception as exc:  # noqa: BLE001 - reported
                wrong.append(f"chunk {i} into {what} raised {describe_exc(exc)}")
                continue
            got = memoryview(dst).cast("B").tobytes()
            if got[:len(want)] != want:
                wrong.append(f"chunk {i} into {what}: {first_difference(got[:len(want)], want)}")
            elif got[len(want):] != spare[:len(got) - len(want)]:
                wrong.append(f"chunk {i} into {what}: the 8 bytes past the chunk's were overwritten")
        try:
            container.decompress_chunk_into(i, bytearray(len(want) - 4))
        except Exception:  # noqa: BLE001,S112 - refusing a buffer without room is right
            continue
        wrong.append(f"chunk {i} into a bytearray 4 bytes too small was not refused")
    if wrong:
        ctx.fail(f"a container of {nchunks} chunks of {per_chunk} int32 items: " + "; ".join(wrong))


#: The length of the extended chunk header, after which come the bstarts.
_HEADER_LEN = 32


def _streams(chunk: bytes, nblocks: int) -> list[tuple[int, int]] | None:
    """(offset, size) of each block's one stream, or None where the chunk holds no compressed stream per block."""
    if header(chunk)["memcpyed"] or chunk[31] & SPECIAL_MASK or len(chunk) < _HEADER_LEN + 4 * nblocks:
        return None
    found = []
    for start in np.frombuffer(chunk, "<i4", nblocks, _HEADER_LEN).tolist():
        size = int.from_bytes(chunk[start:start + 4], "little", signed=True) if 0 < start <= len(chunk) - 4 else 0
        if size <= 0 or start + 4 + size > len(chunk):
            return None
        found.append((start + 4, size))
    return found


def _damaged(chunk: bytes, streams: list[tuple[int, int]], short: bytes) -> dict[str, bytes]:
    """``chunk`` with block 1's stream overwritten by 0xFF bytes, and with its last block's stream replaced by
    ``short`` (a valid stream that decodes to half a block; the chunk ends after it)."""
    at, size = streams[1]
    overwritten = chunk[:at] + b"\xff" * size + chunk[at + size:]
    at = streams[-1][0]
    cut = bytearray(chunk[:at - 4] + len(short).to_bytes(4, "little", signed=True) + short)
    cut[HEADER_CBYTES:HEADER_CBYTES + 4] = len(cut).to_bytes(4, "little")
    return {"block 1's stream overwritten with 0xFF bytes": overwritten,
            f"block {len(streams) - 1}'s stream replaced by one that decodes to half a block": bytes(cut)}


@check("roundtrip.damaged_streams", requires=("outside_container",), params={
    "codecs": Param(list, items=Param(str, choices=tuple(BUILTIN_CODEC_IDS))),
    "nblocks": Param(int, min=3), "blocksize": Param(int, min=256)})
def damaged_streams(ctx: CheckContext) -> None:
    """A chunk the host wrote with a builtin codec, one block's stream then damaged (overwritten, or replaced by a
    valid stream of half the block), fails to read at every door: decompress2, and decompress_chunk and a get_slice
    of the damaged block in a container it was appended to (capability ``append_chunk``). Every door that returns
    bytes is reported."""
    nblocks, blocksize = int(ctx.param("nblocks")), int(ctx.param("blocksize"))
    data = (np.arange(nblocks * blocksize) % 251).astype(np.uint8).tobytes()
    wrong: dict[str, list[str]] = {}
    raw: list[str] = []
    for name in ctx.param("codecs"):
        cparams = CParams(codec=BUILTIN_CODEC_IDS[name], blocksize=blocksize)
        chunk = bytes(ctx.adapter.compress_outside(data, cparams))
        half = bytes(ctx.adapter.compress_outside(data[:blocksize // 2], dataclasses.replace(cparams, blocksize=0)))
        streams, short = _streams(chunk, nblocks), _streams(half, 1)
        if streams is None or short is None:
            raw.append(name)
            continue
        (at, size), = short
        for damage, damaged in _damaged(chunk, streams, half[at:at + size]).items():
            block = 1 if damage.startswith("block 1'") else nblocks - 1
            for door, got in _damaged_reads(ctx, damaged, cparams, len(data), block, blocksize):
                want = data[block * blocksize:(block + 1) * blocksize] if door.startswith("get_slice") else data
                what = f"{damage}: {door} returned {len(got)} bytes ({first_difference(got, want)})"
                wrong.setdefault(what, []).append(name)
    if len(raw) == len(ctx.param("codecs")):
        raise NotApplicable(f"the host wrote no compressed stream per block with {', '.join(raw)}: nothing to damage")
    ctx.extra["codecs_without_streams"] = raw
    if wrong:
        ctx.fail("damaged chunks read without an error: " + "; ".join(
            f"with {', '.join(names)}, {what}" for what, names in wrong.items()))


def _damaged_reads(ctx: CheckContext, chunk: bytes, cparams: CParams, nbytes: int, block: int,
                   blocksize: int) -> list[tuple[str, bytes]]:
    """The doors that gave bytes for the damaged ``chunk``, with those bytes."""
    reads: list[tuple[str, bytes]] = []
    try:
        reads.append(("decompress2(chunk)", bytes(ctx.adapter.decompress_outside(chunk, NOT_GIVEN))))
    except Exception:  # noqa: BLE001,S110 - refusing a damaged chunk is right
        pass
    if "append_chunk" not in ctx.adapter.capabilities():
        return reads
    container = new_container(ctx, cparams, chunksize=nbytes)
    try:
        container.append_chunk(chunk)
    except Exception:  # noqa: BLE001 - refusing it when it is appended is right too
        return reads
    doors: dict[str, Callable[[], bytes]] = {
        "decompress_chunk(0)": lambda: container.decompress_chunk(0),
        f"get_slice({block * blocksize}, {(block + 1) * blocksize})":
            lambda: container.get_slice(block * blocksize, (block + 1) * blocksize)}
    for door, read in doors.items():
        try:
            reads.append((door, bytes(read())))
        except Exception:  # noqa: BLE001,S112 - refusing a damaged chunk is right
            continue
    return reads


def _int32_container(ctx: CheckContext, codec_id: int, values: np.ndarray, per_chunk: int) -> Container:
    """A container of ``values`` (int32) with codec ``codec_id``, in chunks of ``per_chunk`` items."""
    container = new_container(ctx, cparams_for(codec_id, typesize=4, blocksize=BLOCK), chunksize=per_chunk * 4)
    fill(container, [values[i:i + per_chunk].tobytes() for i in range(0, len(values), per_chunk)])
    return container


def _key_text(key: int | slice) -> str:
    if isinstance(key, int):
        return str(key)
    return ":".join("" if v is None else str(v) for v in (key.start, key.stop))


def _items_text(data: bytes) -> str:
    """The int32 items of ``data`` (at most 6 shown), or its length when it is not whole items."""
    if len(data) % 4:
        return f"{len(data)} bytes"
    shown = np.frombuffer(data, "<i4")
    return str(shown[:6].tolist())[:-1] + (", ...]" if shown.size > 6 else "]")


#: Slices exactly one block long that start inside a block (so they end inside the next), block sizes of 4, 7
#: and 12 int32 items: always run before the drawn ones. c-blosc2's get_slice has returned wrong items for such
#: slices (python-blosc2 2.7.1, 3.12.2 and 4.14.1, with ZLIB and LZ4 too), which drawn slices seldom hit.
_ONE_BLOCK_ACROSS = [(Layout("i4", 4, 20 * b, b, 20 * b + 1, "random-runs", 0, ("nofilter",), "never"), start, start + b)
                     for b in (4, 7, 12) for start in (1, b // 2)]


@check("roundtrip.configurations", requires=("filters", "splitmode"),
       params={"id": CODEC_ID})
def configurations_roundtrip(ctx: CheckContext) -> None:
    """Every configuration of the profile's sweep (filters, pipelines, split modes, typesizes, block
    sizes, raw blocks, runs) round-trips: the host reads back what it wrote."""
    from udcodec.checks.common import attribution_of
    from udcodec.checks.configs import (
        config_cparams,
        config_data,
        produce,
        register_test_codecs,
        retry_config,
        sweep,
    )
    from udcodec.sweep import codecs_of

    codec_id = int(ctx.param("id"))
    configs = sweep(ctx)
    register_test_codecs(ctx, ctx.adapter, codec_id, codecs_of(configs))
    failures, retries = [], []
    for cfg in configs:
        data = config_data(cfg)  # private: the host gets a copy, so writing into its input is no round-trip failure
        cp = config_cparams(cfg, codec_id)
        written = produce(ctx.adapter, cfg, cp, data)
        if written.problem:
            retry = retry_config(ctx.adapter, cfg, cp, data)
            retries.append(retry)
            failures.append(f"{cfg.label}: {written.problem}" + (f" {retry.tag}" if retry else ""))
    if failures:
        ctx.fail(f"{len(failures)} of {len(configs)} configurations do not round-trip:\n" + "\n".join(failures[:8]),
                 attribution=attribution_of(retries))


@check("roundtrip.input_unchanged", requires=("filters",),
       params={"id": CODEC_ID, "typesize": Param(int, min=1, max=255), "items": Param(int, min=1), "pipelines": FILTER_PIPELINES})
def input_unchanged(ctx: CheckContext) -> None:
    """After appending (and, outside a container, compressing with builtin ZLIB) a bytes object and a
    NumPy array through each filter pipeline, both are unchanged."""
    codec_id, typesize, items = int(ctx.param("id")), int(ctx.param("typesize")), int(ctx.param("items"))
    register_pair(ctx, "input", codec_id, zlib_encoder, zlib_decoder)
    original = (np.arange(items, dtype=np.uint64) * 2654435761 % 1000).astype(f"u{typesize}" if typesize in (1, 2, 4, 8) else "u1")
    original = np.frombuffer(original.tobytes()[: items * typesize].ljust(items * typesize, b"\x01"), np.uint8)
    written: list[str] = []
    outside = "outside_container" in ctx.adapter.capabilities()
    for pipeline in ctx.param("pipelines"):
        filters = tuple(pipeline)
        for kind in ("bytes", "numpy"):
            given: Any = original.tobytes() if kind == "bytes" else original.copy()
            container = new_container(ctx, cparams_for(codec_id, typesize=typesize, filters=filters), chunksize=original.size)
            container.append(given)
            now = bytes(given) if kind == "bytes" else given.tobytes()
            if now != original.tobytes():
                written.append(f"{kind} with filters {list(filters)} ({first_difference(now, original.tobytes())})")
            if not outside:
                continue
            given = original.tobytes() if kind == "bytes" else original.copy()
            ctx.adapter.compress_outside(given, cparams_for(BUILTIN_ZLIB, typesize=typesize, filters=filters))
            now = bytes(given) if kind == "bytes" else given.tobytes()
            if now != original.tobytes():
                written.append(f"{kind} compressed outside a container (ZLIB) with filters {list(filters)} "
                               f"({first_difference(now, original.tobytes())})")
    if written:
        ctx.fail("the caller's data was written to: " + "; ".join(written))
