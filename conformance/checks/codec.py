"""Codec checks: does a user encoder/decoder pair keep its side of the contract on a host?

Host-level checks push adversarial data through the host's container with the codec registered.
Block-level checks call the codec directly, as a host does, with buffers the harness controls
(canary-filled outputs, small outputs, weak references), passing the host's container as ``schunk``.
"""

from __future__ import annotations

import dataclasses
import gc
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
from hypothesis import strategies as st
from udcodec.adapters.protocol import Container, CParams
from udcodec.checks.api import CheckContext, NotApplicable, Param, check, describe_exc
from udcodec.checks.common import (
    CONTENT,
    DTYPE,
    FILTER_PIPELINES,
    LAYOUT_SIZE,
    NEEDS,
    SPLITMODES,
    cparams_for,
    fill,
    first_difference,
    new_container,
    read_back,
    require_needed,
)
from udcodec.checks.repro import direct_call, registration, rerun_command, through_host
from udcodec.data import Adversary, catalogue
from udcodec.pluginlib import resolve, run_standalone
from udcodec.strategies import ADVERSARIAL, Layout, layouts, make_data
from udcodec.subject import CodecSubject

CANARIES = (0xA5, 0x5A)

#: The dtypes, adversarial contents and sizes of the blocks and layouts the codec checks draw.
DTYPES = Param(list, items=DTYPE, default=("u1", "i2", "i4", "i8", "f4", "f8", "c16", "V3"))
CONTENTS = Param(list, items=CONTENT, default=ADVERSARIAL)
#: ``min_block_bytes``: the smallest block a direct call hands the codec. Hosts never pass blocks under
#: 2 bytes (benchmarks/measure_block_sizes.py); the spec states that bound, and robustness below it is
#: a clause of its own.
RANDOM_BLOCK_CASES = {"dtypes": DTYPES, "min_items": Param(int, min=0, default=0), "max_items": Param(int, min=1),
                      "min_block_bytes": Param(int, min=0, default=0)}
BLOCK_CASES = {**RANDOM_BLOCK_CASES, "contents": CONTENTS}
#: ``adversarial``: run every entry of the adversarial catalogue (adversarial.yaml) first.
ADVERSARIAL_PARAM = {"adversarial": Param(bool, default=False)}
#: Under a time budget (``Profile.cut``) a host round trip draws one chunk of at most this many blocks.
CUT_BLOCKS = 2


@dataclass(frozen=True)
class BlockCase:
    """One block handed straight to the codec: its content recipe and the codec meta."""

    content: str
    dtype: str
    nitems: int
    seed: int
    meta: int

    def data(self) -> bytes:
        return make_data(self.content, np.dtype(self.dtype), self.nitems, self.seed)

    def recipe(self) -> str:
        return _recipe(self)


def _subject(ctx: CheckContext, *, inside_domain: bool = True) -> CodecSubject:
    """The codec under test; n/a when the host cannot run it or (``inside_domain``) no SChunk is in its domain."""
    if ctx.codec is None:
        raise NotApplicable("a codec clause needs a codec under test (udcodec check-codec)")
    if ctx.codec.is_plugin and "plugin_libraries" not in ctx.adapter.capabilities():
        raise NotApplicable(f"host {ctx.adapter_spec!r} cannot load compiled codec plugins "
                            "(it does not list the capability 'plugin_libraries')")
    if inside_domain and ctx.codec.domain is not None and not ctx.codec.domain.drivable:
        raise NotApplicable(ctx.codec.domain.not_drivable_reason())
    return ctx.codec


def _in_domain(codec: CodecSubject, axis: str, values: Any) -> list[Any]:
    """The clause's ``values`` of ``axis`` inside the codec's declared domain; n/a when none is."""
    values = list(values)
    if codec.domain is None:
        return values
    kept = codec.domain.keep(axis, values)
    if not kept:
        shown = ", ".join("+".join(v) if isinstance(v, list | tuple) else str(v) for v in values)
        raise NotApplicable(f"outside the codec's domain ({codec.domain.source}): it accepts "
                            f"{codec.domain.describe(axis)}, this clause drives {axis} {shown}")
    return kept


def _callables(ctx: CheckContext) -> tuple[CodecSubject, Callable[..., Any], Callable[..., Any]]:
    codec = _subject(ctx)
    if codec.encoder is None or codec.decoder is None:
        raise NotApplicable("a dynamic plugin has no Python functions to call directly; only host-level clauses apply")
    return codec, codec.encoder, codec.decoder


def _prepare(ctx: CheckContext) -> None:
    """Before calling the codec directly: it must be a Python codec, registered on the host."""
    codec, _, _ = _callables(ctx)
    _register(ctx, codec)


_REGISTERED: weakref.WeakSet[Any] = weakref.WeakSet()  # adapters the codec is registered on (a clause may run several checks)


def _register(ctx: CheckContext, codec: CodecSubject) -> None:
    if ctx.adapter in _REGISTERED:
        return
    try:
        codec.register(ctx.adapter)
        _REGISTERED.add(ctx.adapter)
    except Exception as exc:  # noqa: BLE001
        message = (f"the host rejected the codec's registration (name {codec.name!r}, id {codec.id}, version "
                   f"{codec.version}): {type(exc).__name__}: {exc}")
        ctx.fail(message, reproduction=registration(codec, ctx.clause.id, message, ctx.adapter,
                                                    rerun_command(ctx.adapter_spec, ctx.clause, codec)))


def _host_container(ctx: CheckContext, codec: CodecSubject, meta: int, nbytes: int) -> Container:
    """A container of the host using the codec: what the codec receives as ``schunk``."""
    return new_container(ctx, cparams_for(codec.id, codec_meta=meta), chunksize=max(nbytes, 1))


def block_cases(ctx: CheckContext, contents: Any = None) -> st.SearchStrategy[BlockCase]:
    """Blocks drawn as ``BLOCK_CASES`` declares, or ``RANDOM_BLOCK_CASES`` when ``contents`` is given."""
    codec = _subject(ctx)
    least, most = int(ctx.param("min_items")), int(ctx.param("max_items"))
    min_bytes = int(ctx.param("min_block_bytes"))

    def items(dtype: str) -> st.SearchStrategy[int]:
        width = max(np.dtype(dtype).itemsize, 1)
        low = max(least, -(-min_bytes // width))  # at least min_block_bytes bytes
        return st.integers(low, max(low, most))

    @st.composite
    def case(draw: st.DrawFn) -> BlockCase:
        content = draw(st.sampled_from(_in_domain(codec, "contents", contents if contents is not None else ctx.param("contents"))))
        dtype = draw(st.sampled_from(_in_domain(codec, "dtypes", ctx.param("dtypes"))))
        return BlockCase(content=content, dtype=dtype, nitems=draw(items(dtype)),
                         seed=draw(st.integers(0, 2**32 - 1)), meta=draw(st.sampled_from(_in_domain(codec, "metas", codec.metas))))

    return case()


class _Direct:
    """Calls the codec on one block the way a host does, turning any exception into a check failure."""

    def __init__(self, ctx: CheckContext, case: BlockCase, what: str) -> None:
        self.ctx, self.case, self.what = ctx, case, what
        self.codec, self.encoder, self.decoder = _callables(ctx)
        self.data = case.data()
        self.block = np.frombuffer(bytearray(self.data), dtype=np.uint8)
        self.cparams = cparams_for(self.codec.id, codec_meta=case.meta)
        self.schunk = _host_container(ctx, self.codec, case.meta, len(self.data)).native()

    def fail(self, message: str, body: str) -> NoReturn:
        codec, case = self.codec, self.case
        snippet = direct_call(codec, self.ctx.clause.id, message, self.ctx.adapter, self.cparams, self.data,
                              case.recipe(), body.replace("META", str(case.meta)))
        self.ctx.fail(message, counterexample=_counterexample(self.ctx, case, self.data), reproduction=snippet)

    def encode(self, output: np.ndarray, body: str) -> Any:
        try:
            return self.encoder(self.block, output, self.case.meta, self.schunk)
        except Exception as exc:  # noqa: BLE001
            self.fail(f"the encoder raised {describe_exc(exc)} ({self.what})", body)

    def decode(self, packed: np.ndarray, size: int, body: str) -> tuple[Any, np.ndarray]:
        output = np.zeros(size, dtype=np.uint8)
        try:
            return self.decoder(packed, output, self.case.meta, self.schunk), output
        except Exception as exc:  # noqa: BLE001
            self.fail(f"the decoder raised {describe_exc(exc)} ({self.what})", body)

    def valid_size(self, n: Any, limit: int, role: str, body: str) -> int:
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            self.fail(f"the {role} returned {n!r} ({type(n).__name__}), not an integer size", body)
        if not 0 <= int(n) <= limit:
            self.fail(f"the {role} returned {int(n)}, outside [0, {limit}] (the output buffer's size)", body)
        return int(n)

    def roundtrip(self, output: np.ndarray, n: int, body: str) -> None:
        """Decode ``output[:n]`` and compare with the block."""
        packed = np.frombuffer(bytearray(output[:n].tobytes()), dtype=np.uint8)
        got, out = self.decode(packed, len(self.data), body)
        size = self.valid_size(got, len(self.data), "decoder", body)
        if size != len(self.data):
            self.fail(f"the decoder returned {size}, not the decompressed size {len(self.data)}", body)
        if out.tobytes() != self.data:
            self.fail(f"decoder(encoder(block)) != block: {first_difference(out.tobytes(), self.data)}", body)


def _counterexample(ctx: CheckContext, case: BlockCase | Layout, data: bytes, **extra: Any) -> dict[str, Any]:
    shown = data[:64].hex() + ("…" if len(data) > 64 else "")
    fields = {k: getattr(case, k) for k in case.__dataclass_fields__}
    return {"host": ctx.adapter_spec, **fields, **extra, "nbytes": len(data), "data_hex": shown}


_ENCODE = """
output = np.zeros(len(data), dtype=np.uint8)
n = encoder(block, output, META, schunk)
print("encoder returned", repr(n))
"""
_ROUNDTRIP = _ENCODE + """
restored = np.zeros(len(data), dtype=np.uint8)
if n:
    m = decoder(np.frombuffer(bytearray(output[:n].tobytes()), dtype=np.uint8), restored, META, schunk)
    print("decoder returned", repr(m))
    assert m == len(data) and restored.tobytes() == data, "decoder(encoder(block)) != block"
"""


@check("codec.registers")
def registers(ctx: CheckContext) -> None:
    """The host accepts the codec's registration (name, id, version) and can build a container with it."""
    codec = _subject(ctx, inside_domain=False)
    _register(ctx, codec)
    for meta in codec.metas:
        try:
            _host_container(ctx, codec, meta, 1)
        except Exception as exc:  # noqa: BLE001
            ctx.fail(f"creating a container with codec {codec.id} and meta {meta} failed: {type(exc).__name__}: {exc}")


@check("codec.roundtrip", params={**LAYOUT_SIZE, **NEEDS, **ADVERSARIAL_PARAM, "dtypes": DTYPES, "contents": CONTENTS,
                                  "filters": FILTER_PIPELINES, "splitmodes": SPLITMODES,
                                  "block_items": Param(list, items=Param(int, min=0), default=(0, 1, 7, 64, 256))})
def roundtrip(ctx: CheckContext) -> None:
    """decompress(compress(x)) == x through the host's container for adversarial data and layouts.

    Each split mode starts with one chunk of the first dtype round-tripped with every content kind (and,
    with ``adversarial``, every catalogue entry); under a time budget (``Profile.cut``) the drawn layouts
    are one chunk of at most ``CUT_BLOCKS`` blocks, each with one content kind (in turn), unless the clause
    covers the catalogue.
    """
    codec = _subject(ctx)
    require_needed(ctx)
    dtypes, filters = _in_domain(codec, "dtypes", ctx.param("dtypes")), _in_domain(codec, "filters", ctx.param("filters"))
    modes, metas = _in_domain(codec, "splitmodes", ctx.param("splitmodes")), _in_domain(codec, "metas", codec.metas)
    contents = _in_domain(codec, "contents", ctx.param("contents"))
    _register(ctx, codec)
    cut = ctx.profile.cut
    max_chunks, max_items = int(ctx.param("max_chunks")), int(ctx.param("max_chunk_items"))
    block_items = tuple(ctx.param("block_items"))
    if cut:
        max_chunks, max_items = 1, min(max_items, 256)
    adversaries = _adversaries(ctx, codec)
    every = not cut or bool(adversaries)  # a cut clause tries one content kind per layout
    turn = [0]
    for mode in modes:
        strategy = st.tuples(
            layouts(
                dtypes=dtypes,
                contents=["random"],  # the property tries every content kind on each layout
                filters=[tuple(f) for f in filters],
                splitmodes=[mode],
                max_chunk_items=max_items,
                max_chunks=max_chunks,
                block_items=block_items,
                max_blocks=CUT_BLOCKS if cut else None,
                allow_empty=not cut,
            ),
            st.sampled_from(metas),
        )
        dtype = dtypes[0]
        items = min(max_items, 256)
        floor = Layout(dtype=dtype, typesize=np.dtype(dtype).itemsize, chunk_items=items, block_items=0, nitems=items,
                       content="random", seed=0, filters=tuple(filters[0]), splitmode=mode)
        first: list[Any] = [(floor, metas[0], "every" if every else "one")]
        first += [(Layout(dtype=a.dtype, typesize=np.dtype(a.dtype).itemsize, chunk_items=a.items, block_items=0,
                          nitems=a.items, content=a.recipe, seed=a.seed, filters=tuple(filters[0]), splitmode=mode),
                   metas[0], a.id) for a in adversaries]

        def prop(case: tuple[Layout, int] | tuple[Layout, int, str]) -> None:
            layout, meta = case[0], case[1]
            which = case[2] if len(case) > 2 else ("every" if every else "one")
            if which == "every":
                _every_content(ctx, codec, layout, meta, contents)
            elif which == "one":
                _host_roundtrip(ctx, codec, dataclasses.replace(layout, content=contents[turn[0] % len(contents)]), meta)
                turn[0] += 1
            else:  # a catalogue entry: its own data
                _host_roundtrip(ctx, codec, layout, meta)

        ctx.for_all(strategy, prop, first=first)


def _every_content(ctx: CheckContext, codec: CodecSubject, layout: Layout, meta: int, contents: list[str]) -> None:
    """Round-trip the layout once per content kind: a kind drawn at random can go untested."""
    for content in contents:
        _host_roundtrip(ctx, codec, dataclasses.replace(layout, content=content), meta)


def _host_roundtrip(ctx: CheckContext, codec: CodecSubject, layout: Layout, meta: int) -> None:
    cparams: CParams = cparams_for(codec.id, layout, codec_meta=meta)
    data = layout.data()

    def fail(message: str) -> NoReturn:
        snippet = through_host(codec, ctx.clause.id, message, ctx.adapter, cparams, layout.chunksize, data,
                               _recipe(layout), rerun_command(ctx.adapter_spec, ctx.clause, codec))
        ctx.fail(message, counterexample=_counterexample(ctx, layout, data, meta=meta, chunksize=layout.chunksize,
                                                         blocksize=layout.blocksize), reproduction=snippet)

    try:
        container = new_container(ctx, cparams, chunksize=layout.chunksize)
        fill(container, layout.chunks())
        got = read_back(container)
    except Exception as exc:  # noqa: BLE001
        fail(f"the round trip raised {describe_exc(exc)}")
    tolerance = codec.domain.tolerance if codec.domain is not None else None
    if tolerance is not None:
        off = tolerance.problem(got, data, layout.dtype)
        if off:
            fail(f"decompress(compress(x)) is outside the codec's stated tolerance: {off}")
    elif got != data:
        fail(f"decompress(compress(x)) != x: {first_difference(got, data)}")


def _recipe(case: BlockCase | Layout) -> str:
    """The ``make_data`` call that regenerates a case's data (for snippets too long to spell out in hex)."""
    return f'make_data("{case.content}", np.dtype("{case.dtype}"), {case.nitems}, {case.seed})'


@check("codec.block_roundtrip", params={**BLOCK_CASES, **ADVERSARIAL_PARAM})
def block_roundtrip(ctx: CheckContext) -> None:
    """The decoder inverts the encoder bit-exactly on any block, and reports the decompressed size."""
    _prepare(ctx)
    codec = _subject(ctx)
    first = [BlockCase(content=a.recipe, dtype=a.dtype, nitems=a.items, seed=a.seed, meta=meta)
             for a in _adversaries(ctx, codec) for meta in _in_domain(codec, "metas", codec.metas)[:1]
             if a.nbytes >= int(ctx.param("min_block_bytes"))]

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "encoding then decoding one block")
        out = np.zeros(len(call.data), dtype=np.uint8)
        n = call.valid_size(call.encode(out, _ROUNDTRIP), out.size, "encoder", _ROUNDTRIP)
        if n:
            call.roundtrip(out, n, _ROUNDTRIP)

    ctx.for_all(block_cases(ctx), prop, first=first)


def _adversaries(ctx: CheckContext, codec: CodecSubject) -> list[Adversary]:
    """The catalogue's entries when the clause asks for them (``adversarial``), inside the codec's domain."""
    if not ctx.param("adversarial"):
        return []
    entries = list(catalogue())
    if codec.domain is not None:  # its dtypes and, when it names them, its data generators
        dtypes = set(codec.domain.keep("dtypes", sorted({a.dtype for a in entries})))
        recipes = set(codec.domain.keep("contents", sorted({a.recipe for a in entries})))
        entries = [a for a in entries if a.dtype in dtypes and a.recipe in recipes]
    return entries


@check("codec.encoder_size", params=BLOCK_CASES)
def encoder_size(ctx: CheckContext) -> None:
    """The encoder returns an integer in [0, output.size] for any block."""
    _prepare(ctx)

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "encoding one block")
        out = np.zeros(len(call.data), dtype=np.uint8)
        body = _ENCODE + "assert isinstance(n, int) and 0 <= n <= output.size\n"
        call.valid_size(call.encode(out, body), out.size, "encoder", body)

    ctx.for_all(block_cases(ctx), prop)


@check("codec.decoder_size", params=BLOCK_CASES)
def decoder_size(ctx: CheckContext) -> None:
    """The decoder returns the decompressed size (output.size) for every block the encoder compressed."""
    _prepare(ctx)

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "decoding one compressed block")
        out = np.zeros(len(call.data), dtype=np.uint8)
        n = call.valid_size(call.encode(out, _ROUNDTRIP), out.size, "encoder", _ROUNDTRIP)
        if n:
            packed = np.frombuffer(bytearray(out[:n].tobytes()), dtype=np.uint8)
            got, _ = call.decode(packed, len(call.data), _ROUNDTRIP)
            if isinstance(got, bool) or not isinstance(got, int | np.integer) or int(got) != len(call.data):
                call.fail(f"the decoder returned {got!r}, not the decompressed size {len(call.data)}", _ROUNDTRIP)

    ctx.for_all(block_cases(ctx), prop)


@check("codec.no_overrun", params=BLOCK_CASES)
def no_overrun(ctx: CheckContext) -> None:
    """When the encoder returns n > 0 it has written nothing past output[n]."""
    _prepare(ctx)
    body = """
    for canary in (0xA5, 0x5A):
        output = np.full(len(data), canary, dtype=np.uint8)
        n = encoder(block, output, META, schunk)
        assert not n or (output[n:] == canary).all(), f"bytes past {n} were written"
    """

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "encoding into a canary-filled output")
        for canary in CANARIES:
            out = np.full(len(call.data), canary, dtype=np.uint8)
            n = call.valid_size(call.encode(out, body), out.size, "encoder", body)
            touched = np.flatnonzero(out[n:] != canary) if n else np.empty(0, dtype=np.intp)
            if touched.size:
                call.fail(f"the encoder returned {n} but wrote {touched.size} byte(s) past it (first at output[{n + int(touched[0])}])", body)

    ctx.for_all(block_cases(ctx), prop)


@check("codec.small_output", params={**BLOCK_CASES, "min_output_bytes": Param(int, min=0, default=0)})
def small_output(ctx: CheckContext) -> None:
    """Given an output buffer smaller than the block, the encoder returns 0 or a size that fits and decodes."""
    _prepare(ctx)
    min_out = int(ctx.param("min_output_bytes"))

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[BlockCase, int]:
        case = draw(block_cases(ctx).filter(lambda c: c.nitems * np.dtype(c.dtype).itemsize > min_out))
        nbytes = case.nitems * np.dtype(case.dtype).itemsize
        return case, draw(st.integers(min_out, nbytes - 1))

    def prop(example: tuple[BlockCase, int]) -> None:
        case, size = example
        call = _Direct(ctx, case, f"encoding into an output of {size} bytes")
        body = _ROUNDTRIP.replace("output = np.zeros(len(data), dtype=np.uint8)", f"output = np.zeros({size}, dtype=np.uint8)")
        out = np.zeros(size, dtype=np.uint8)
        n = call.valid_size(call.encode(out, body), size, "encoder", body)
        if n:
            call.roundtrip(out, n, body)

    ctx.for_all(cases(), prop)


@check("codec.incompressible", params={**RANDOM_BLOCK_CASES, "min_nbytes": Param(int, min=0, default=1)})
def incompressible(ctx: CheckContext) -> None:
    """Incompressible blocks give 0 (store raw), not a size as large as the block or bytes that do not decode."""
    _prepare(ctx)

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "encoding random bytes")
        out = np.zeros(len(call.data), dtype=np.uint8)
        n = call.valid_size(call.encode(out, _ROUNDTRIP), out.size, "encoder", _ROUNDTRIP)
        if n >= ctx.param("min_nbytes") and n >= len(call.data):
            call.fail(f"the encoder returned {n} for {len(call.data)} random bytes: no gain, it should return 0", _ROUNDTRIP)
        if n:
            call.roundtrip(out, n, _ROUNDTRIP)

    ctx.for_all(block_cases(ctx, ["random"]), prop)


@check("codec.deterministic", params=BLOCK_CASES)
def deterministic(ctx: CheckContext) -> None:
    """Encoding the same block twice gives the same size and the same bytes."""
    _prepare(ctx)
    body = """
    first, second = np.zeros(len(data), dtype=np.uint8), np.full(len(data), 0xFF, dtype=np.uint8)
    n1, n2 = encoder(block, first, META, schunk), encoder(block.copy(), second, META, schunk)
    assert n1 == n2 and first[:n1].tobytes() == second[:n2].tobytes(), (n1, n2)
    """

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "encoding one block twice")
        first, second = np.zeros(len(call.data), dtype=np.uint8), np.full(len(call.data), 0xFF, dtype=np.uint8)
        n1 = call.valid_size(call.encode(first, body), first.size, "encoder", body)
        call.block = call.block.copy()
        n2 = call.valid_size(call.encode(second, body), second.size, "encoder", body)
        if n1 != n2 or first[:n1].tobytes() != second[:n2].tobytes():
            detail = f"sizes {n1} and {n2}" if n1 != n2 else first_difference(first[:n1].tobytes(), second[:n2].tobytes())
            call.fail(f"encoding the same block twice gave different results: {detail}", body)

    ctx.for_all(block_cases(ctx), prop)


@check("codec.no_retained_buffers", params=BLOCK_CASES)
def no_retained_buffers(ctx: CheckContext) -> None:
    """After returning, the codec holds no reference to the input or output array it was given."""
    _prepare(ctx)
    body = """
    import gc, weakref
    output = np.zeros(len(data), dtype=np.uint8)
    refs = [weakref.ref(block), weakref.ref(output)]
    n = encoder(block, output, META, schunk)
    del block, output
    gc.collect()
    assert all(r() is None for r in refs), "the encoder kept a reference to its input or output"
    """

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "checking buffer references after a call")
        inp, out = call.block, np.zeros(len(call.data), dtype=np.uint8)
        refs = {"encoder input": weakref.ref(inp), "encoder output": weakref.ref(out)}
        n = call.valid_size(call.encode(out, body), out.size, "encoder", body)
        packed = np.frombuffer(bytearray(out[:n].tobytes()), dtype=np.uint8)
        del inp, out
        call.block = np.frombuffer(bytearray(call.data), dtype=np.uint8)
        if n:
            refs["decoder input"] = weakref.ref(packed)
            got, restored = call.decode(packed, len(call.data), body)
            refs["decoder output"] = weakref.ref(restored)
            del restored
        del packed
        gc.collect()
        alive = [name for name, ref in refs.items() if ref() is not None]
        if alive:
            call.fail(f"the codec still references its {', '.join(alive)} after returning "
                      "(buffers are only valid during the call)", body)

    ctx.for_all(block_cases(ctx), prop)


@check("codec.interleaved", params={**BLOCK_CASES, "max_blocks": Param(int, min=2, default=4)})
def interleaved(ctx: CheckContext) -> None:
    """Blocks encoded with any declared meta decode correctly in any order: decoding uses only its arguments."""
    _prepare(ctx)

    def prop(cases: list[BlockCase]) -> None:
        calls = [_Direct(ctx, case, f"decoding {len(cases)} blocks in reverse order of encoding") for case in cases]
        packed: list[tuple[_Direct, np.ndarray, int]] = []
        for call in calls:
            out = np.zeros(len(call.data), dtype=np.uint8)
            n = call.valid_size(call.encode(out, _ROUNDTRIP), out.size, "encoder", _ROUNDTRIP)
            packed.append((call, out, n))
        for call, out, n in reversed(packed):
            if n:
                call.roundtrip(out, n, _interleaved_body(cases, call.case))

    ctx.for_all(st.lists(block_cases(ctx), min_size=2, max_size=ctx.param("max_blocks")), prop)


def _interleaved_body(cases: list[BlockCase], failing: BlockCase) -> str:
    lines = ["from udcodec.strategies import make_data", "cases = ["]
    lines += [f"    ({c.recipe()}, {c.meta})," for c in cases]
    lines += [
        "]",
        "packed = []",
        "for data_i, meta in cases:",
        "    out = np.zeros(len(data_i), dtype=np.uint8)",
        "    packed.append((data_i, meta, out, encoder(np.frombuffer(bytearray(data_i), dtype=np.uint8), out, meta, schunk)))",
        "for data_i, meta, out, n in reversed(packed):",
        "    if n:",
        "        restored = np.zeros(len(data_i), dtype=np.uint8)",
        "        decoder(np.frombuffer(bytearray(out[:n].tobytes()), dtype=np.uint8), restored, meta, schunk)",
        '        assert restored.tobytes() == data_i, f"block with meta {meta} decodes wrongly after the others"',
    ]
    return "\n".join(lines)


@check("codec.outside_domain", params={"dtypes": DTYPES, "contents": CONTENTS, "filters": FILTER_PIPELINES,
                                       "splitmodes": SPLITMODES, "nitems": Param(int, min=1, default=4096)})
def outside_domain(ctx: CheckContext) -> None:
    """Input outside the codec's declared domain raises an exception with a message or comes back exact."""
    codec = _subject(ctx, inside_domain=False)
    domain = codec.domain
    if domain is None:
        raise NotApplicable("the codec declares no data domain (check-codec --domain PATH)")
    dtypes, filters, modes = list(ctx.param("dtypes")), [tuple(f) for f in ctx.param("filters")], list(ctx.param("splitmodes"))
    # each case leaves the domain on one axis only, the others at their first value inside it
    home: list[Any] = [(domain.keep(axis, values) or values)[0] for axis, values in
                       (("dtypes", dtypes), ("filters", filters), ("splitmodes", modes))]
    cases: list[tuple[str, str, tuple[str, ...], str]] = []  # (what is outside, dtype, filters, split mode)
    if not domain.drivable:
        cases += [(f"an SChunk of {d} (the domain accepts {', '.join(domain.containers)} only)", d, home[1], home[2])
                  for d in dtypes]
    else:
        cases += [(f"dtype {d} (the domain accepts {domain.describe('dtypes')})", d, home[1], home[2])
                  for d in dtypes if d not in domain.keep("dtypes", dtypes)]
        cases += [(f"filters {'+'.join(f)} (the domain accepts {domain.describe('filters')})", home[0], f, home[2])
                  for f in filters if f not in domain.keep("filters", filters)]
        cases += [(f"split mode {m} (the domain accepts {domain.describe('splitmodes')})", home[0], home[1], m)
                  for m in modes if m not in domain.keep("splitmodes", modes)]
    if not cases:
        raise NotApplicable(f"the codec's domain ({domain.source}) excludes nothing this clause drives through an SChunk")
    _register(ctx, codec)
    meta = (domain.keep("metas", codec.metas) or codec.metas)[0]
    for what, dtype, pipeline, mode in cases:
        if pipeline != ("nofilter",) and "filters" not in ctx.adapter.capabilities():
            continue
        if mode != "never" and "splitmode" not in ctx.adapter.capabilities():
            continue
        for content in ctx.param("contents"):
            nitems = int(ctx.param("nitems"))
            layout = Layout(dtype=dtype, typesize=np.dtype(dtype).itemsize, chunk_items=nitems, block_items=0,
                            nitems=nitems, content=content, seed=0, filters=pipeline, splitmode=mode)
            _outside_roundtrip(ctx, codec, layout, meta, what)


def _outside_roundtrip(ctx: CheckContext, codec: CodecSubject, layout: Layout, meta: int, what: str) -> None:
    cparams = cparams_for(codec.id, layout, codec_meta=meta)
    data = layout.data()

    def fail(message: str) -> NoReturn:
        snippet = through_host(codec, ctx.clause.id, message, ctx.adapter, cparams, layout.chunksize, data,
                               _recipe(layout), rerun_command(ctx.adapter_spec, ctx.clause, codec))
        ctx.fail(message, counterexample=_counterexample(ctx, layout, data, meta=meta, outside=what),
                 reproduction=snippet)

    try:
        container = new_container(ctx, cparams, chunksize=layout.chunksize)
        fill(container, layout.chunks())
        got = read_back(container)
    except Exception as exc:  # noqa: BLE001 - refusing is the expected answer, if it says something
        if not str(exc).strip():
            fail(f"input outside the domain, {what}, raised {type(exc).__name__} with no message")
        return
    tolerance = codec.domain.tolerance if codec.domain is not None else None
    if got != data and (tolerance is None or tolerance.problem(got, data, layout.dtype)):
        fail(f"input outside the domain, {what}, came back wrong instead of being refused: {first_difference(got, data)}")


@check("codec.plugin_standalone", params={"timeout": Param(float, min=1, default=120.0)})
def plugin_standalone(ctx: CheckContext) -> None:
    """A plugin's library resolves every symbol on its own and works when its Python package was never imported."""
    codec = _subject(ctx, inside_domain=False)
    if not codec.is_plugin:
        raise NotApplicable("the codec is a Python encoder/decoder pair: no library is loaded")
    found = resolve(codec.name)
    if found.path is None:
        ctx.fail(f"Blosc2 cannot find plugin {codec.name!r}: {found.package_error}")
    sample = None
    if codec.domain is None or codec.domain.drivable:
        dtype = (codec.domain.keep("dtypes", ["u1", "i4", "f8"]) if codec.domain else ["u1"])[0]
        sample = {"dtype": dtype, "meta": (_in_domain(codec, "metas", codec.metas))[0],
                  "splitmode": (codec.domain.keep("splitmodes", ["never", "always"]) if codec.domain else ["never"])[0]}
    problem = run_standalone(ctx.adapter_spec, codec.name, codec.id, codec.version, found.path,
                             register=not codec.is_global_plugin, sample=sample, timeout=float(ctx.param("timeout")))
    if problem:
        ctx.fail(problem, reproduction=_standalone_snippet(codec, found.path))


def _standalone_snippet(codec: CodecSubject, path: str) -> str:
    register = ("" if codec.is_global_plugin else
                f'blosc2.register_codec("{codec.name}", {codec.id}, None, None, {codec.version})\n')
    return (f"# Reproduces CODEC-PLUGIN-STANDALONE (blosc2_{codec.name} is never imported; run with the venv's bin on PATH)\n"
            "import ctypes, os\nimport blosc2\n"
            f"ctypes.CDLL({path!r}, mode=os.RTLD_NOW)  # every undefined symbol must resolve\n"
            f"{register}"
            f"s = blosc2.SChunk(chunksize=4096, cparams=blosc2.CParams(codec={codec.id}, splitmode=blosc2.SplitMode.NEVER_SPLIT))\n"
            "s.append_data(bytes(range(256)) * 16)\nassert s.decompress_chunk(0) == bytes(range(256)) * 16\n")
