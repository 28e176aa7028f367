"""Checks of user-defined filters (``register_filter``): registration, what forward/backward receive, the
pipeline they share with builtin filters, memcpyed chunks, threads, persistence and filter plugins."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
from udcodec.adapters.protocol import Container, CParams, DParams, user_filter_name
from udcodec.checks.api import (
    CheckContext,
    Param,
    check,
    describe_exc,
    exception_chain,
    exception_types,
    expect_rejection,
)
from udcodec.checks.common import (
    BUILTIN_CODEC_IDS,
    EXCEPTIONS,
    LITERALS,
    SPECIAL_MASK,
    WHOLE_ITEMS,
    Keeper,
    chunk_difference,
    directions,
    first_difference,
    header,
    install_probe,
    kept_buffer_problems,
    literal,
    names_loaded,
    partial_items,
    read_back,
    whole_item_cases,
    written_cparams,
)
from udcodec.checks.fresh import fail_fresh, run_fresh
from udcodec.strategies import make_data
from udcodec.testcodecs import (
    FilterBoom,
    Recorder,
    add_meta_backward,
    add_meta_forward,
    failing_filter,
    reverse_backward,
    reverse_forward,
    zlib_decoder,
    zlib_encoder,
)

#: A user-defined filter id (Blosc2 reserves 160..255 for them).
FILTER_ID = Param(int, min=160, max=255)
#: Blosc2's builtin ZLIB: a codec that is no Python callback (threads are then the filters' business).
ZLIB = 4
CODEC = Param(int, min=0, max=255, default=ZLIB)
META = Param(int, min=0, max=255, default=7)
#: A pipeline: builtin filter names, or "user" for the check's user filter (``user2``: its second one).
PIPELINE = Param(list, items=Param(str, choices=("nofilter", "shuffle", "bitshuffle", "delta", "user", "user2")))
SIZES = {"typesize": Param(int, min=1, max=16, default=4), "blocksize": Param(int, min=16, default=1024),
         "nbytes": Param(int, min=1, default=4396)}


@dataclass
class FilterCall:
    direction: str  # "forward" | "backward"
    thread: int
    input_kind: str
    output_kind: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    meta: Any
    container: Any
    input_bytes: bytes


@dataclass
class FilterRecorder:
    """Wraps a forward/backward pair and records every call (an identity pair by default)."""

    forward: Callable[..., Any] = field(default=lambda i, o, m, s: o.__setitem__(slice(None), i))
    backward: Callable[..., Any] = field(default=lambda i, o, m, s: o.__setitem__(slice(None), i))
    calls: list[FilterCall] = field(default_factory=list)

    def _call(self, direction: str, fn: Callable[..., Any], inp: Any, out: Any, meta: Any, container: Any) -> Any:
        self.calls.append(FilterCall(direction, threading.get_ident(), _kind(inp), _kind(out),
                                     tuple(getattr(inp, "shape", ())), tuple(getattr(out, "shape", ())), meta,
                                     container, bytes(np.asarray(inp, dtype=np.uint8).tobytes())
                                     if isinstance(inp, np.ndarray) else b""))
        return fn(inp, out, meta, container)

    def fwd(self, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return self._call("forward", self.forward, inp, out, meta, container)

    def bwd(self, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return self._call("backward", self.backward, inp, out, meta, container)

    def of(self, direction: str) -> list[FilterCall]:
        return [c for c in self.calls if c.direction == direction]


def _kind(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"ndarray {value.dtype} {value.ndim}-D"
    return type(value).__name__


def _names(pipeline: list[str], ids: dict[str, int]) -> tuple[str, ...]:
    return tuple(user_filter_name(ids[f]) if f in ids else f for f in pipeline)


def filter_cparams(filters: tuple[str, ...], metas: tuple[int, ...], *, codec: int = ZLIB, typesize: int = 4,
                   blocksize: int = 1024, clevel: int = 5, nthreads: int = 1) -> CParams:
    return CParams(codec=codec, clevel=clevel, typesize=typesize, blocksize=blocksize, nthreads=nthreads,
                   splitmode="never", filters=filters, filters_meta=metas)


def _data(nbytes: int, kind: str = "arange") -> bytes:
    return make_data(kind, np.dtype("u1"), nbytes, 5)


def _container(ctx: CheckContext, cparams: CParams, chunksize: int, **kw: Any) -> Container:
    return ctx.adapter.create(cparams=cparams, dparams=DParams(nthreads=1), chunksize=chunksize, **kw)


def _register(ctx: CheckContext, fid: int, forward: Callable[..., Any], backward: Callable[..., Any]) -> None:
    """Register a filter the check needs; a rejection here is itself a violation."""
    try:
        ctx.adapter.register_filter(fid, forward, backward)
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"registering a valid filter (id {fid}) was rejected: {describe_exc(exc)}")


def _roundtrip(ctx: CheckContext, cparams: CParams, data: bytes, what: str) -> Container:
    container = _container(ctx, cparams, len(data))
    container.append(bytes(bytearray(data)))  # a copy: writing into the caller's buffer is FILTER-SOURCE-INTACT's
    got = container.decompress_chunk(0)
    if got != data:
        ctx.fail(f"{what}: decompress(compress(x)) != x ({first_difference(got, data)})")
    return container


def _blocks(data: bytes, blocksize: int) -> list[bytes]:
    return [data[i:i + blocksize] for i in range(0, len(data), blocksize)]


def _shuffled(block: bytes, typesize: int) -> bytes:
    """Blosc2's byte shuffle of one block (a trailing partial item is left in place)."""
    n = len(block) // typesize
    if typesize <= 1 or n <= 1:
        return block
    body = np.frombuffer(block[: n * typesize], np.uint8).reshape(n, typesize).T.tobytes()
    return body + block[n * typesize:]


# -- registration -------------------------------------------------------------------------------


@check("filters.rejects_ids", requires=("user_filters",), params={"values": LITERALS, "exceptions": EXCEPTIONS})
def rejects_ids(ctx: CheckContext) -> None:
    """Each id (a Python literal) is rejected by register_filter with one of the exceptions named."""
    allowed = exception_types(ctx.param("exceptions"))
    for text in ctx.param("values"):
        fid = literal(text)
        with expect_rejection(ctx, f"register_filter({fid!r}, forward, backward)", allowed):
            ctx.adapter.register_filter(fid, reverse_forward, reverse_backward)


@check("filters.accepts_ids", requires=("user_filters",), params={"ids": Param(list, items=FILTER_ID)})
def accepts_ids(ctx: CheckContext) -> None:
    """Each id (the ends of the range) is accepted by register_filter."""
    for fid in ctx.param("ids"):
        _register(ctx, int(fid), reverse_forward, reverse_backward)


_FN = {"fn": reverse_forward, "None": None}


@check("filters.rejects_functions", requires=("user_filters",),
       params={"id": FILTER_ID, "pairs": Param(list, items=Param(list, items=Param(str))), "exceptions": EXCEPTIONS})
def rejects_functions(ctx: CheckContext) -> None:
    """Each (forward, backward) pair is rejected: ``fn`` is a valid function, anything else a Python literal."""
    allowed = exception_types(ctx.param("exceptions"))
    fid = int(ctx.param("id"))
    for pair in ctx.param("pairs"):
        forward, backward = (_FN[p] if p in _FN else literal(p) for p in pair)
        with expect_rejection(ctx, f"register_filter({fid}, {pair[0]}, {pair[1]})", allowed):
            ctx.adapter.register_filter(fid, forward, backward)


@check("filters.duplicate_id", requires=("user_filters",),
       params={"id": FILTER_ID, "exceptions": EXCEPTIONS, "meta": META})
def duplicate_id(ctx: CheckContext) -> None:
    """Registering a taken id again is rejected, and the first filter stays the one that runs."""
    fid, meta = int(ctx.param("id")), int(ctx.param("meta"))
    first, second = FilterRecorder(add_meta_forward, add_meta_backward), FilterRecorder()
    _register(ctx, fid, first.fwd, first.bwd)
    with expect_rejection(ctx, f"register_filter({fid}, ...) a second time", exception_types(ctx.param("exceptions"))):
        ctx.adapter.register_filter(fid, second.fwd, second.bwd)
    data = _data(4096)
    _roundtrip(ctx, filter_cparams((user_filter_name(fid),), (meta,)), data, "after the refused re-registration")
    if second.calls or not first.of("forward") or not first.of("backward"):
        ctx.fail(f"after the refused re-registration the second filter ran {len(second.calls)} times and the first"
                 f" {len(first.calls)} times: the first registration must stay in effect")


@check("filters.plugin_names", requires=("user_filters", "filter_plugins"),
       params={"id": FILTER_ID, "values": LITERALS, "exceptions": EXCEPTIONS})
def plugin_names(ctx: CheckContext) -> None:
    """A filter plugin (forward = backward = None) whose name cannot name a library is rejected at registration."""
    allowed = exception_types(ctx.param("exceptions"))
    fid = int(ctx.param("id"))
    for text in ctx.param("values"):
        name = literal(text)
        with expect_rejection(ctx, f"register_filter({fid}, None, None, {name!r})", allowed):
            ctx.adapter.register_filter(fid, None, None, name)


@check("filters.plugin_missing", requires=("user_filters", "filter_plugins"),
       params={"id": FILTER_ID, "name": Param(str), "exceptions": EXCEPTIONS})
def plugin_missing(ctx: CheckContext) -> None:
    """A filter plugin that is not installed fails at registration or at first use, with an exception."""
    fid, name = int(ctx.param("id")), ctx.param("name")
    allowed = exception_types(ctx.param("exceptions"))
    try:
        ctx.adapter.register_filter(fid, None, None, name)
    except allowed:
        return
    data = _data(4096)
    try:
        container = _container(ctx, filter_cparams((user_filter_name(fid),), (0,)), len(data))
        container.append(data)
        container.decompress_chunk(0)
    except Exception as exc:  # noqa: BLE001
        if not any(isinstance(e, allowed) for e in exception_chain(exc)):
            ctx.fail(f"using the missing filter plugin raised {describe_exc(exc)}")
        return
    ctx.fail(f"filter plugin {name!r} (id {fid}) is not installed, yet compressing and decompressing with it succeeded")


@check("filters.plugin_installed", requires=("user_filters", "filter_plugins"),
       params={"name": Param(str), "id": FILTER_ID, "codec_id": Param(int, min=160, max=255), "meta": META})
def plugin_installed(ctx: CheckContext) -> None:
    """A filter plugin installed as plugins are published is registered and used: the chunk round-trips and its
    forward got the slot's meta (the probe adds meta + 1 to each byte; a recording Python codec sees the result)."""
    name, fid, meta = ctx.param("name"), int(ctx.param("id")), int(ctx.param("meta"))
    codec_id = int(ctx.param("codec_id"))
    install_probe(ctx, name, "filter")
    rec = Recorder()
    try:
        ctx.adapter.register_filter(fid, None, None, name)
        ctx.adapter.register_codec("udcrecord", codec_id, rec.enc, rec.dec)
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"registering the installed filter plugin {name!r} at id {fid} (beside Python codec {codec_id}) "
                 f"raised {describe_exc(exc)}")
    data = _data(4096)
    container = _container(ctx, filter_cparams((user_filter_name(fid),), (meta,), codec=codec_id, typesize=1), len(data))
    try:
        container.append(data)
        got = container.decompress_chunk(0)
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"a chunk through the installed filter plugin {name!r} (id {fid}, meta {meta}) raised {describe_exc(exc)}")
    if got != data:
        ctx.fail(f"a chunk through the installed filter plugin {name!r} (id {fid}) came back different "
                 f"({first_difference(got, data)})")
    encoded = rec.of("encoder")
    if not encoded:
        ctx.fail(f"the Python codec {codec_id} after the filter plugin was never called")
    first = encoded[0].input_bytes
    want = bytes((b + meta + 1) & 0xFF for b in data[:len(first)])
    if first != want:
        added = (first[0] - data[0]) & 0xFF if first else None
        ctx.fail(f"the codec after the installed filter plugin {name!r} got bytes shifted by {added}, not by meta + 1 = "
                 f"{(meta + 1) & 0xFF}: forward did not run with the slot's meta {meta}")


@check("filters.plugin_name_never_loads_path", requires=("user_filters", "filter_plugins"),
       params={"min": FILTER_ID, "max": FILTER_ID,
               "names": Param(list, items=Param(str, test=lambda s: None if "{marker}" in s else f"{s!r} has no {{marker}}"))})
def plugin_name_never_loads_path(ctx: CheckContext) -> None:
    """Filter plugin names with slashes and ``..`` are registered and used; no library they spell a path to loads.

    As ``plugins.name_never_loads_path``, with register_filter and a container whose pipeline holds the filter.
    """
    fids = iter(range(int(ctx.param("min")), int(ctx.param("max")) + 1))
    data = _data(4096)

    def register(name: str) -> Callable[[], object]:
        fid = next(fids)
        ctx.adapter.register_filter(fid, None, None, name)

        def use() -> object:
            container = _container(ctx, filter_cparams((user_filter_name(fid),), (0,)), len(data))
            container.append(data)
            return container.decompress_chunk(0)

        return use

    names_loaded(ctx, register)


# -- what forward and backward receive ----------------------------------------------------------


@check("filters.arguments", requires=("user_filters", "filters"), params={"id": FILTER_ID, "meta": META, **SIZES})
def arguments(ctx: CheckContext) -> None:
    """forward/backward get uint8 1-D input and output arrays of the block's size, the slot's meta and the container."""
    fid, meta = int(ctx.param("id")), int(ctx.param("meta"))
    ts, bs, nbytes = int(ctx.param("typesize")), int(ctx.param("blocksize")), int(ctx.param("nbytes"))
    rec = FilterRecorder()
    _register(ctx, fid, rec.fwd, rec.bwd)
    data = _data(nbytes // ts * ts)
    _roundtrip(ctx, filter_cparams(("shuffle", user_filter_name(fid)), (0, meta), typesize=ts, blocksize=bs), data,
               "through an identity user filter")
    sizes = [len(b) for b in _blocks(data, bs)]
    for direction in ("forward", "backward"):
        calls = rec.of(direction)
        got = sorted(c.input_shape for c in calls)
        if got != sorted((s,) for s in sizes):
            ctx.fail(f"{direction} got inputs of shapes {got[:8]}..., expected one call per block: {sizes}")
        for c in calls:
            if c.input_kind != "ndarray uint8 1-D" or c.output_kind != "ndarray uint8 1-D":
                ctx.fail(f"{direction} got input {c.input_kind} and output {c.output_kind}, expected numpy uint8 1-D arrays")
            if c.output_shape != c.input_shape:
                ctx.fail(f"{direction} got an output of shape {c.output_shape} for an input of {c.input_shape}")
            if c.meta != meta or isinstance(c.meta, bool) or not isinstance(c.meta, int | np.integer):
                ctx.fail(f"{direction} got meta {c.meta!r}, expected the slot's filters_meta {meta}")
            if not ctx.adapter.is_container(c.container):
                ctx.fail(f"{direction} got {type(c.container).__name__} as its last argument, expected the container")


@check("filters.slot_order", requires=("user_filters", "filters"),
       params={"ids": Param(list, items=FILTER_ID), "pipelines": Param(list, items=PIPELINE), "meta": META, **SIZES})
def slot_order(ctx: CheckContext) -> None:
    """User filters run in slot order among builtin ones: the recording filter ``user2`` sees the output of the slots
    before it (``user`` adds meta + 1 to each byte), and backward undoes them in reverse order."""
    adder_id, rec_id = (int(i) for i in ctx.param("ids"))
    meta = int(ctx.param("meta"))
    ts, bs, nbytes = int(ctx.param("typesize")), int(ctx.param("blocksize")), int(ctx.param("nbytes"))
    rec = FilterRecorder()
    _register(ctx, adder_id, add_meta_forward, add_meta_backward)
    _register(ctx, rec_id, rec.fwd, rec.bwd)
    data = _data(nbytes // ts * ts)
    for pipeline in ctx.param("pipelines"):
        rec.calls.clear()
        names = _names(pipeline, {"user": adder_id, "user2": rec_id})
        metas = tuple(meta if f in ("user", "user2") else 0 for f in pipeline)  # builtin slots keep their default
        _roundtrip(ctx, filter_cparams(names, metas, typesize=ts, blocksize=bs), data,
                   f"pipeline {list(names)}")
        before = pipeline[: pipeline.index("user2")]
        expected = []
        for block in _blocks(data, bs):
            for f in before:
                if f == "user":
                    block = (np.frombuffer(block, np.uint8) + np.uint8(meta + 1)).tobytes()
                elif f == "shuffle":
                    block = _shuffled(block, ts)
                elif f != "nofilter":
                    raise ValueError(f"slot_order computes only nofilter, shuffle and user before user2, not {f}")
            expected.append(block)
        seen = [c.input_bytes for c in rec.of("forward")]
        if sorted(seen) != sorted(expected):
            ctx.fail(f"pipeline {list(names)}: the filter in slot {pipeline.index('user2')} did not receive the output"
                     f" of the slots before it ({len(seen)} forward inputs, {sum(s in expected for s in seen)} as"
                     " expected)")
        if sorted(c.input_bytes for c in rec.of("backward")) != sorted(expected):
            ctx.fail(f"pipeline {list(names)}: backward of slot {pipeline.index('user2')} did not receive what its"
                     " forward wrote (the later slots were not undone first)")


@check("filters.whole_items", requires=("user_filters",),
       params={"id": FILTER_ID, "splitmodes": Param(list, items=Param(str, choices=("never", "always", "auto"))),
               **WHOLE_ITEMS})
def whole_items(ctx: CheckContext) -> None:
    """With the blocksize left out, forward and backward get whole items in every split mode (filters run before any split)."""
    fid = int(ctx.param("id"))
    rec = FilterRecorder()
    _register(ctx, fid, rec.fwd, rec.bwd)
    problems: list[str] = []
    for case in whole_item_cases(ctx):
        for mode in ctx.param("splitmodes"):
            rec.calls.clear()
            cp = replace(filter_cparams((user_filter_name(fid),), (0,), typesize=case.typesize, blocksize=0,
                                        clevel=case.clevel), splitmode=mode)
            _roundtrip(ctx, cp, case.data, case.where())
            for direction in ("forward", "backward"):
                calls = rec.of(direction)
                if not calls:
                    problems.append(f"{case.where()}, split {mode}: {direction} was never called")
                partial = partial_items([c.input_shape[0] if c.input_shape else 0 for c in calls], case.typesize)
                if partial:
                    problems.append(f"{case.where()}, split {mode}: {direction}'s inputs were {partial}")
            if problems:  # before another configuration's round trip stumbles on these blocks
                ctx.fail("; ".join(problems))


@check("filters.with_user_codec", requires=("user_filters",), params={"id": FILTER_ID, "codec": Param(int, min=160,
       max=255), "meta": META, **SIZES})
def with_user_codec(ctx: CheckContext) -> None:
    """With a user codec, the encoder compresses the filtered block and backward gets what the decoder restored."""
    fid, codec_id, meta = int(ctx.param("id")), int(ctx.param("codec")), int(ctx.param("meta"))
    bs, nbytes = int(ctx.param("blocksize")), int(ctx.param("nbytes"))
    encoded: list[bytes] = []

    def encoder(inp: Any, out: Any, m: int, container: Any) -> Any:
        encoded.append(bytes(np.asarray(inp).tobytes()))
        return zlib_encoder(inp, out, m, container)

    try:
        ctx.adapter.register_codec("zlib_under_filter", codec_id, encoder, zlib_decoder)
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"registering a valid codec (id {codec_id}) was rejected: {describe_exc(exc)}")
    _register(ctx, fid, add_meta_forward, add_meta_backward)
    data = _data(nbytes, "smooth")
    _roundtrip(ctx, filter_cparams((user_filter_name(fid),), (meta,), codec=codec_id, typesize=1, blocksize=bs), data,
               f"user filter {fid} with user codec {codec_id}")
    expected = [(np.frombuffer(b, np.uint8) + np.uint8(meta + 1)).tobytes() for b in _blocks(data, bs)]
    if sorted(encoded) != sorted(expected):
        ctx.fail(f"the codec's encoder did not receive the filtered blocks ({sum(e in expected for e in encoded)} of"
                 f" {len(encoded)} inputs were a filtered block)")


@check("filters.zeros_output", requires=("user_filters",),
       params={"id": FILTER_ID, "meta": META, "typesize": Param(int, min=1, max=255), **SIZES})
def zeros_output(ctx: CheckContext) -> None:
    """Data a user filter turns into zero bytes reads back as written: a whole chunk of it, and a chunk of which
    only the first blocks turn into zeros."""
    fid, meta, ts = int(ctx.param("id")), int(ctx.param("meta")), int(ctx.param("typesize"))
    bs, nbytes = int(ctx.param("blocksize")), int(ctx.param("nbytes"))
    _register(ctx, fid, add_meta_forward, add_meta_backward)
    value = (255 - meta) % 256  # add_meta_forward adds meta + 1 to each byte: zero
    half = nbytes // 2
    cases = ((bytes([value]) * nbytes, f"a chunk of {nbytes} bytes of {value:#04x}"),
             (bytes([value]) * half + _data(nbytes - half), f"a chunk whose first {half} bytes are {value:#04x}"))
    cparams = filter_cparams((user_filter_name(fid),), (meta,), typesize=ts, blocksize=bs)
    for data, what in cases:
        container = _container(ctx, cparams, len(data))
        container.append(bytes(bytearray(data)))
        got = container.decompress_chunk(0)
        if got != data:
            ctx.fail(f"{what}, which user filter {fid} (meta {meta}) turns into zero bytes, does not read back: "
                     f"decompress(compress(x)) != x ({first_difference(got, data)}){_stored_as_zeros(container)}")


def _stored_as_zeros(container: Container) -> str:
    """`` (stored as a zeros chunk ...)`` when chunk 0 is one, else ``""``: what explains a chunk read as zeros."""
    try:
        flags = container.get_chunk(0)[31]
    except Exception:  # noqa: BLE001 - the stored form only explains; the round trip is the verdict
        return ""
    if not flags & SPECIAL_MASK:
        return ""
    return f"; it was stored as a special chunk (blosc2 flags {flags:#04x}), whose reading calls no backward"


@check("filters.return_ignored", requires=("user_filters",),
       params={"min": FILTER_ID, "max": FILTER_ID, "values": LITERALS})
def return_ignored(ctx: CheckContext) -> None:
    """Whatever forward and backward return (a literal each time) is ignored: the data round-trips."""
    ids = iter(range(int(ctx.param("min")), int(ctx.param("max")) + 1))
    data = _data(4096)
    for text in ctx.param("values"):
        value = literal(text)
        fid = next(ids)

        def forward(i: Any, o: Any, m: int, s: Any, value: Any = value) -> Any:
            reverse_forward(i, o, m, s)
            return value

        def backward(i: Any, o: Any, m: int, s: Any, value: Any = value) -> Any:
            reverse_backward(i, o, m, s)
            return value

        _register(ctx, fid, forward, backward)
        try:
            _roundtrip(ctx, filter_cparams((user_filter_name(fid),), (0,)), data, f"filters returning {text}")
        except Exception as exc:  # noqa: BLE001
            if type(exc).__name__ == "CheckFailed":
                raise
            ctx.fail(f"filters returning {text} made the round trip fail: {describe_exc(exc)}")


# -- errors, threads, outside containers --------------------------------------------------------


@check("filters.exceptions", requires=("user_filters",), params={"id": FILTER_ID})
def exceptions(ctx: CheckContext) -> None:
    """An exception in forward fails the append (nothing stored); one in backward fails the read; both reach the caller."""
    fid = int(ctx.param("id"))
    data = _data(4096)
    _register(ctx, fid, failing_filter, reverse_backward)
    container = _container(ctx, filter_cparams((user_filter_name(fid),), (0,)), len(data))
    try:
        container.append(data)
    except Exception as exc:  # noqa: BLE001
        if not any(isinstance(e, FilterBoom) for e in exception_chain(exc)):
            ctx.fail(f"forward raised FilterBoom, but it did not reach the caller: {describe_exc(exc)}")
    else:
        ctx.fail("forward raised FilterBoom, but the append succeeded")
    if container.nchunks != 0:
        ctx.fail(f"the failed append stored {container.nchunks} chunk(s)")
    _register(ctx, fid + 1, reverse_forward, failing_filter)
    container = _container(ctx, filter_cparams((user_filter_name(fid + 1),), (0,)), len(data))
    container.append(data)
    try:
        got = container.decompress_chunk(0)
    except Exception as exc:  # noqa: BLE001
        if not any(isinstance(e, FilterBoom) for e in exception_chain(exc)):
            ctx.fail(f"backward raised FilterBoom, but it did not reach the caller: {describe_exc(exc)}")
        return
    ctx.fail(f"backward raised FilterBoom, but the read succeeded ({len(got)} bytes)")


@check("filters.single_thread", requires=("user_filters",),
       params={"id": FILTER_ID, "exceptions": EXCEPTIONS, "codec": CODEC})
def single_thread(ctx: CheckContext) -> None:
    """nthreads > 1 in cparams or dparams beside a Python filter is rejected at creation or first use."""
    fid, codec = int(ctx.param("id")), int(ctx.param("codec"))
    allowed = exception_types(ctx.param("exceptions"))
    _register(ctx, fid, reverse_forward, reverse_backward)
    data = _data(4096)
    for cthreads, dthreads in ((2, 1), (1, 2)):
        what = f"a container with filter {fid} and cparams.nthreads={cthreads}, dparams.nthreads={dthreads}"
        with expect_rejection(ctx, what, allowed):
            cp = filter_cparams((user_filter_name(fid),), (0,), codec=codec, nthreads=cthreads)
            container = ctx.adapter.create(cparams=cp, dparams=DParams(nthreads=dthreads), chunksize=len(data))
            container.append(data)
            container.decompress_chunk(0)


def _answer(value: object) -> str:
    """What an operation returned, for a message: its size, or its type when it is not bytes (the adapter's doing)."""
    return f"{len(value)} bytes" if isinstance(value, bytes | bytearray | memoryview) else f"it returned {type(value).__name__}"


@check("filters.container_only", requires=("user_filters", "outside_container"),
       params={"id": FILTER_ID, "exceptions": EXCEPTIONS})
def container_only(ctx: CheckContext) -> None:
    """Compressing with a user filter outside a container fails, and so does decompressing outside one a chunk
    written through it in a container; the filter never runs without its container."""
    fid = int(ctx.param("id"))
    allowed = exception_types(ctx.param("exceptions"))
    rec = FilterRecorder()
    _register(ctx, fid, rec.fwd, rec.bwd)
    data, cparams = _data(4096), filter_cparams((user_filter_name(fid),), (0,))
    problems = []
    try:
        chunk = ctx.adapter.compress_outside(data, cparams)
    except Exception as exc:  # noqa: BLE001
        if not any(isinstance(e, allowed) for e in exception_chain(exc)):
            problems.append(f"compressing with a user filter outside a container raised {describe_exc(exc)}")
    else:
        problems.append(f"compressing with user filter {fid} outside a container succeeded ({_answer(chunk)})")
    container = _container(ctx, cparams, len(data))
    container.append(data)
    chunk = container.get_chunk(0)
    try:
        got = ctx.adapter.decompress_outside(chunk, DParams(nthreads=1))
    except Exception as exc:  # noqa: BLE001
        if not any(isinstance(e, allowed) for e in exception_chain(exc)):
            problems.append(f"decompressing outside a container a chunk written through user filter {fid} raised "
                            f"{describe_exc(exc)}")
    else:
        problems.append(f"decompressing outside a container a chunk written through user filter {fid} succeeded "
                        f"({_answer(got)})")
    strays = [c for c in rec.calls if not ctx.adapter.is_container(c.container)]
    if strays:
        ran = sorted({c.direction for c in strays})
        problems.append(f"the filter ({' and '.join(ran)}) ran {len(strays)} time(s) with "
                        f"{type(strays[0].container).__name__} for a container")
    if problems:
        ctx.fail("; ".join(problems))


@check("filters.unregistered", requires=("user_filters",), params={"id": FILTER_ID, "exceptions": EXCEPTIONS})
def unregistered(ctx: CheckContext) -> None:
    """Writing with a user filter id nobody registered fails (at creation or append) and stores nothing."""
    fid = int(ctx.param("id"))
    allowed = exception_types(ctx.param("exceptions"))
    data = _data(4096)
    holder: list[Container] = []
    with expect_rejection(ctx, f"appending through unregistered filter {fid}", allowed):
        holder.append(_container(ctx, filter_cparams((user_filter_name(fid),), (0,)), len(data)))
        holder[0].append(data)
    if holder and holder[0].nchunks:
        ctx.fail(f"the refused append stored {holder[0].nchunks} chunk(s)")


# -- memcpyed chunks, the caller's data -----------------------------------------------------------


@check("filters.memcpyed_unfiltered", requires=("user_filters",), params={"id": FILTER_ID, "meta": META})
def memcpyed_unfiltered(ctx: CheckContext) -> None:
    """A memcpyed chunk (clevel 0, or incompressible data) holds the raw data: backward never runs on it."""
    fid, meta = int(ctx.param("id")), int(ctx.param("meta"))
    rec = FilterRecorder(add_meta_forward, add_meta_backward)
    _register(ctx, fid, rec.fwd, rec.bwd)
    for what, clevel, kind in (("clevel 0", 0, "arange"), ("incompressible data", 5, "random")):
        data = _data(4096, kind)
        rec.calls.clear()
        container = _roundtrip(ctx, filter_cparams((user_filter_name(fid),), (meta,), clevel=clevel), data, what)
        chunk = container.get_chunk(0)
        if not header(chunk)["memcpyed"]:
            ctx.fail(f"{what}: the chunk is not memcpyed (flags {header(chunk)['flags']:#04x})")
        if chunk[-len(data):] != data:
            ctx.fail(f"{what}: the memcpyed chunk does not hold the raw data after its header")
        if rec.of("backward"):
            ctx.fail(f"{what}: backward ran {len(rec.of('backward'))} time(s) on a memcpyed chunk")


@check("filters.source_intact", requires=("user_filters", "filters"),
       params={"ids": Param(list, items=FILTER_ID), "pipelines": Param(list, items=PIPELINE), "typesize": SIZES["typesize"]})
def source_intact(ctx: CheckContext) -> None:
    """Compressing leaves the caller's buffer as it was, whatever the pipeline."""
    ids = {"user": int(ctx.param("ids")[0]), "user2": int(ctx.param("ids")[1])}
    ts = int(ctx.param("typesize"))
    _register(ctx, ids["user"], reverse_forward, reverse_backward)
    _register(ctx, ids["user2"], add_meta_forward, add_meta_backward)
    data = _data(4096)
    for pipeline in ctx.param("pipelines"):
        names = _names(pipeline, ids)
        container = _container(ctx, filter_cparams(names, tuple(0 for _ in names), typesize=ts), len(data))
        buffer = bytearray(data)
        container.append(buffer)  # type: ignore[arg-type]  # any buffer: the caller's
        if bytes(buffer) != data:
            ctx.fail(f"pipeline {list(names)}: compressing wrote into the caller's buffer"
                     f" ({first_difference(bytes(buffer), data)})")
        if container.decompress_chunk(0) != data:
            ctx.fail(f"pipeline {list(names)}: decompress(compress(x)) != x")


def _said(ctx: CheckContext, prefix: str, what: str) -> None:
    ctx.doing(prefix + what)


@check("filters.kept_buffers", requires=("user_filters", "filters"),
       params={"id": FILTER_ID, "typesize": Param(int, min=1, max=255),
               "pipelines": Param(list, items=Param(list, items=Param(str)))})
def kept_buffers(ctx: CheckContext) -> None:
    """A filter keeps every input and output array forward and backward were given, and writes 0xA5 into them:
    into those of earlier calls at the end of each later call, and into all of them afterwards.

    As ``callbacks.kept_buffers`` for codecs: for each pipeline, the stored chunks, the data read back and the
    caller's bytes object and NumPy array must be unchanged (a write may raise: read-only arrays are fine), and the next append
    must work. A crash of the host is the child's death.
    """
    fid, ts = int(ctx.param("id")), int(ctx.param("typesize"))
    keeper = Keeper()
    _register(ctx, fid, keeper.wrap(reverse_forward), keeper.wrap(reverse_backward))
    expected = _data(4096)
    problems: list[str] = []
    for pipeline in ctx.param("pipelines"):
        names = _names(pipeline, {"user": fid})
        keeper.kept.clear()
        container = _container(ctx, filter_cparams(names, tuple(0 for _ in names), typesize=ts), len(expected))
        said = f"pipeline {list(names)}: "
        found = kept_buffer_problems(container, keeper, expected, "filter", partial(_said, ctx, said))
        problems += [said + p for p in found]
        if problems:  # the host's memory may be damaged: another pipeline in this process proves nothing more
            break
    if problems:
        ctx.fail("; ".join(problems))


# -- persistence ----------------------------------------------------------------------------------

_ADD_META = {"forward": "udcodec.testcodecs:add_meta_forward", "backward": "udcodec.testcodecs:add_meta_backward"}


@check("filters.reopen_fresh", requires=("user_filters", "persistence", "filters"),
       params={"id": FILTER_ID, "meta": META, "contiguous": Param(bool, default=True),
               "register": Param(bool, default=True)})
def reopen_fresh(ctx: CheckContext) -> None:
    """A frame written with a user filter reads back in a fresh process once the filter is registered again; without
    it, the read fails cleanly (an exception, neither wrong data nor a crash)."""
    fid, meta, contiguous = int(ctx.param("id")), int(ctx.param("meta")), bool(ctx.param("contiguous"))
    if not contiguous:
        ctx.require("sparse")
    _register(ctx, fid, add_meta_forward, add_meta_backward)
    path = str(ctx.tmpdir / ("filtered.b2frame" if contiguous else "filtered.b2sframe"))
    data = _data(3 * 4096)
    written = filter_cparams((user_filter_name(fid), "shuffle"), (meta, 0))
    container = _container(ctx, written, 4096, urlpath=path, contiguous=contiguous)
    for chunk in _blocks(data, 4096):
        container.append(chunk)
    if read_back(container) != data:
        ctx.fail("the container does not read its own chunks back before it is closed")
    container.close()
    register = [{"id": fid, **_ADD_META}] if ctx.param("register") else []
    given = {k: list(v) if isinstance(v, tuple) else v for k, v in written_cparams(written).given_fields().items()}
    answer = run_fresh({"adapter": ctx.adapter_spec, "open": path, "register_filters": register,  # explicit, one thread
                        "open_args": {"cparams": given, "dparams": {"nthreads": 1}}})
    if register:
        if not answer["ok"]:
            fail_fresh(f"reopening in a fresh process with filter {fid} registered failed", answer)
        got = base64.b64decode(answer["data"])
        if got != data:
            ctx.fail(f"the reopened container's data differs: {first_difference(got, data)}")
        return
    if answer.get("crashed"):
        fail_fresh("the fresh process died instead of raising", answer)
    if answer["ok"]:
        ctx.fail(f"the container was read without filter {fid} registered ({answer['nchunks']} chunks, "
                 f"{'the data' if base64.b64decode(answer['data']) == data else 'wrong data'})")


# -- interoperability (pairwise: the peer writes, this adapter reads) ------------------------------


def _interop_pair(ctx: CheckContext) -> tuple[Any, dict[str, int], int]:
    """Register the same filters (``user``: reverse, ``user2``: add meta) and codec on both sides."""
    peer = ctx.the_peer()
    ids = {"user": int(ctx.param("ids")[0]), "user2": int(ctx.param("ids")[1])}
    codec_id = int(ctx.param("codec"))
    for side in (ctx.adapter, peer):
        if side is peer and codec_id in peer.registry():
            break  # adapter and peer share one library, and so its codec and filter registries
        for name, (fwd, bwd) in (("user", (reverse_forward, reverse_backward)),
                                 ("user2", (add_meta_forward, add_meta_backward))):
            try:
                side.register_filter(ids[name], fwd, bwd)
            except Exception as exc:  # noqa: BLE001
                ctx.fail(f"{side.name}: registering a valid filter (id {ids[name]}) was rejected: {describe_exc(exc)}")
        try:
            side.register_codec("zlib", codec_id, zlib_encoder, zlib_decoder)
        except Exception as exc:  # noqa: BLE001
            ctx.fail(f"{side.name}: registering a valid codec (id {codec_id}) was rejected: {describe_exc(exc)}")
    ctx.adapter.match_format_of(peer.info())  # e.g. the reference reading as python-blosc2 2.x writes
    peer.match_format_of(ctx.adapter.info())
    return peer, ids, codec_id


def _builtin_problem(value: str) -> str | None:
    name, _, clevel = value.partition(":")
    if name.islower() and name.upper() in BUILTIN_CODEC_IDS and clevel.isdigit() and 1 <= int(clevel) <= 9:
        return None
    names = ", ".join(n.lower() for n in BUILTIN_CODEC_IDS)
    return f"expected CODEC:CLEVEL with CODEC one of {names} and CLEVEL 1..9, got {value!r}"


INTEROP = {"ids": Param(list, items=FILTER_ID), "codec": Param(int, min=160, max=255), "meta": META,
           "pipelines": Param(list, items=PIPELINE), "typesizes": Param(list, items=Param(int, min=1, max=16)),
           "identity": Param(bool, default=False)}
#: Builtin codecs (``zstd:5``: ZSTD at clevel 5) each pipeline is also written with, beside the user codec.
BUILTINS = Param(list, items=Param(str, test=_builtin_problem), default=())


def _codecs(ctx: CheckContext, codec_id: int) -> list[tuple[str, int, int]]:
    """(label, codec id, clevel) of every codec a pipeline is written with: the user codec at clevel 0 and 5,
    then each builtin the ``builtins`` parameter names."""
    out = [(f"codec {codec_id}", codec_id, clevel) for clevel in (0, 5)]
    for text in ctx.param("builtins"):
        name, _, clevel = text.partition(":")
        out.append((name.upper(), BUILTIN_CODEC_IDS[name.upper()], int(clevel)))
    return out


@check("filters.interop_chunks", requires=("user_filters", "filters", "append_chunk"),
       params={**INTEROP, "builtins": BUILTINS})
def interop_chunks(ctx: CheckContext) -> None:
    """Chunks written through user filters, with the user codec and with each builtin codec named, decode in the
    other implementation of the pair, both ways (with ``identity``: the two write the very same bytes). The
    reference's result against a port is n/a: the port's result judges both directions."""
    pairs = directions(ctx)
    _, ids, codec_id = _interop_pair(ctx)
    meta, identity = int(ctx.param("meta")), bool(ctx.param("identity"))
    data = _data(4396, "smooth")
    failures: list[str] = []
    unusable: list[str] = []
    total = 0
    for pipeline in ctx.param("pipelines"):
        names = _names(pipeline, ids)
        metas = tuple(meta if f in ids else 0 for f in pipeline)
        for ts in ctx.param("typesizes"):
            for codec_name, codec, clevel in _codecs(ctx, codec_id):
                cp = filter_cparams(names, metas, codec=codec, typesize=int(ts), blocksize=1000, clevel=clevel)
                body = data[: len(data) // int(ts) * int(ts)]
                label = f"filters {list(names)}, typesize {ts}, {codec_name}, clevel {clevel}"
                written: list[bytes] = []
                for writer_side, reader_side in pairs:
                    writer = writer_side.adapter.create(cparams=cp, dparams=DParams(nthreads=1), chunksize=len(body))
                    given = bytes(bytearray(body))
                    writer.append(given)
                    if given != body and writer.decompress_chunk(0) != body:
                        # its filters wrote into the data (FILTER-SOURCE-INTACT) and the chunk holds what they wrote
                        unusable.append(f"{label}: {writer_side.label} wrote into the data it was given and does "
                                        "not read it back")
                        continue
                    total += 1
                    chunk = writer.get_chunk(0)
                    written.append(chunk)
                    where = f"{label}, written by {writer_side.label}, read by {reader_side.label}"
                    reader = reader_side.adapter.create(cparams=cp, dparams=DParams(nthreads=1), chunksize=len(body))
                    try:
                        reader.append_chunk(chunk)
                        got = reader.decompress_chunk(0)
                    except Exception as exc:  # noqa: BLE001
                        failures.append(f"{where}: decoding raised {describe_exc(exc)}")
                        continue
                    if got != body:
                        failures.append(f"{where}: {first_difference(got, body)}")
                if identity and len(written) == 2 and written[0] != written[1]:
                    (there, _), (here, _) = pairs
                    failures.append(f"{label}: the chunks {here.label} and {there.label} write differ "
                                    f"({chunk_difference(written[1], written[0])})")
    ctx.extra["unusable"] = unusable
    if failures:
        what = "were not byte-identical or did not decode" if identity else "did not decode"
        ctx.fail(f"{len(failures)} of {total} chunks written through user filters by one of the pair {what} in "
                 "the other:\n" + "\n".join(failures[:8]))


@check("filters.interop_frame", requires=("user_filters", "filters", "persistence"),
       params={**INTEROP, "contiguous": Param(bool, default=True)})
def interop_frame(ctx: CheckContext) -> None:
    """A frame written through user filters by one of the pair opens in the other and reads back, both ways. The
    reference's result against a port is n/a: the port's result judges both directions."""
    pairs = directions(ctx)
    _, ids, codec_id = _interop_pair(ctx)
    contiguous = bool(ctx.param("contiguous"))
    if not contiguous:
        ctx.require("sparse")
    meta = int(ctx.param("meta"))
    for pipeline in ctx.param("pipelines"):
        names = _names(pipeline, ids)
        metas = tuple(meta if f in ids else 0 for f in pipeline)
        for ts in ctx.param("typesizes"):
            cp = filter_cparams(names, metas, codec=codec_id, typesize=int(ts), blocksize=1000)
            data = _data(3 * 4000, "smooth")
            for n, (writer_side, reader_side) in enumerate(pairs):
                path = str(ctx.tmpdir / f"w{n}-{len(names)}-{ts}.b2frame")
                writer = writer_side.adapter.create(cparams=cp, dparams=DParams(nthreads=1), chunksize=4000,
                                                    urlpath=path, contiguous=contiguous)
                for chunk in _blocks(data, 4000):
                    writer.append(bytes(bytearray(chunk)))
                writer.close()
                what = f"a frame written by {writer_side.label} through filters {list(names)} (typesize {ts})"
                try:
                    opened = reader_side.adapter.open(path, DParams(nthreads=1), written_cparams(cp))  # one thread
                    got = read_back(opened)
                except Exception as exc:  # noqa: BLE001
                    ctx.fail(f"{what} did not open and read in {reader_side.label}: {describe_exc(exc)}")
                if got != data:
                    ctx.fail(f"{what} reads back different in {reader_side.label}: {first_difference(got, data)}")
