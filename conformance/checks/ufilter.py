"""Checks of a user filter's own side of the contract (``udcodec check-filter``): what forward and backward must do.

The filter under test is ``ctx.ufilter``. Container checks register it on the host and push data through the
host's pipeline; direct checks call forward/backward the way a host does, with buffers the check controls.
Every failure carries a runnable Python reproduction.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from udcodec.adapters.protocol import CParams, DParams, user_filter_name, value_of
from udcodec.checks.api import (
    CheckContext,
    CheckFailed,
    Explanation,
    NotJudged,
    Param,
    check,
    describe_exc,
    names_same_raise,
    raised_words,
)
from udcodec.checks.common import CONTENT, first_difference
from udcodec.checks.repro import rerun_command
from udcodec.strategies import make_data
from udcodec.subject import FilterSubject

KINDS = Param(list, items=CONTENT)
SIZES = Param(list, items=Param(int, min=1))
#: Builtin filters the pipelines mix with the filter under test ("user"), in slot order.
PIPELINES = Param(list, items=Param(list, items=Param(str, choices=("nofilter", "shuffle", "bitshuffle", "delta",
                                                                    "user"))))
#: Host module names a reproduction can import, by adapter spec.
_HOST_MODULES = {"reference": "udcodec.reference", "blosc2": "blosc2"}
_SEED = 5


def _subject(ctx: CheckContext) -> FilterSubject:
    if ctx.ufilter is None:
        raise RuntimeError(f"clause {ctx.clause.id} checks a user filter: run it with udcodec check-filter")
    return ctx.ufilter


def _data(kind: str, nbytes: int) -> bytes:
    return make_data(kind, np.dtype("u1"), nbytes, _SEED)


def _prelude(f: FilterSubject) -> list[str]:
    fmod, _, fname = f.forward_target.partition(":")
    bmod, _, bname = f.backward_target.partition(":")
    return ["import numpy as np", "from udcodec.strategies import make_data",
            f"from {fmod} import {fname} as forward", f"from {bmod} import {bname} as backward"]


def _direct_repro(ctx: CheckContext, f: FilterSubject, case: Case, lines: list[str]) -> str:
    module = _HOST_MODULES.get(ctx.adapter_spec, "udcodec.reference")  # a third-party host: the reference's SChunk
    return "\n".join([*_prelude(f),
                      f"x = np.frombuffer(make_data({case.kind!r}, np.dtype('u1'), {case.x.size}, {_SEED}),"
                      " np.uint8).copy()",
                      f"import {module} as host  # a host hands the filter its SChunk",
                      f"meta, schunk = {case.meta}, host.SChunk(chunksize=4096, cparams={{'typesize': {case.typesize},"
                      " 'nthreads': 1})",
                      *lines]) + "\n"


def _host_repro(ctx: CheckContext, f: FilterSubject, cp: CParams, kind: str, nbytes: int) -> str:
    """A script that writes, with ``cp``, the data kinds the check wrote before ``kind`` and then ``kind``, each in a
    new SChunk: a host that reuses its buffers may fail on ``kind`` only after what came before it."""
    kinds = list(ctx.param("kinds"))
    kinds = kinds[:kinds.index(kind) + 1] if kind in kinds else [kind]
    module = _HOST_MODULES.get(ctx.adapter_spec)
    if module is None:
        return rerun_command(ctx.adapter_spec, ctx.clause, f)
    filters = [int(n) if n.isdigit() else {"nofilter": 0, "shuffle": 1, "bitshuffle": 2, "delta": 3}[n]
               for n in value_of(cp.filters)]
    params = {"codec": cp.codec, "clevel": cp.clevel, "typesize": cp.typesize, "blocksize": cp.blocksize,
              "nthreads": 1, "filters": filters, "filters_meta": list(value_of(cp.filters_meta))}
    return "\n".join([*_prelude(f), f"import {module} as blosc2",
                      f"blosc2.register_filter({f.id}, forward, backward)",
                      f"for kind in {kinds!r}:",
                      f"    data = make_data(kind, np.dtype('u1'), {nbytes}, {_SEED})",
                      f"    sc = blosc2.SChunk(chunksize=len(data), cparams={params!r}, dparams={{'nthreads': 1}})",
                      "    sc.append_data(bytearray(data))",
                      "    assert sc.decompress_chunk(0) == data, f'{kind} data: decompress(compress(x)) != x'"]) + "\n"


def _cparams(names: tuple[str, ...], metas: tuple[int, ...], typesize: int, blocksize: int) -> CParams:
    return CParams(codec=4, clevel=5, typesize=typesize, blocksize=blocksize, nthreads=1, splitmode="never",
                   filters=names, filters_meta=metas)


#: The filter ids each adapter instance was given by these checks (a clause's checks share one adapter).
_REGISTERED: weakref.WeakKeyDictionary[Any, set[int]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Case:
    """One block the direct-call checks hand forward and backward: its meta, data kind and typesize (the
    container's, passed as ``schunk``; 1 unless the filter's domain says otherwise)."""

    meta: int
    kind: str
    x: np.ndarray
    typesize: int = 1

    def where(self) -> str:
        items = f", typesize {self.typesize}" if self.typesize > 1 else ""
        return f"{self.kind} data of {self.x.size} bytes{items}, meta {self.meta}"


def _register(ctx: CheckContext, f: FilterSubject) -> None:
    done = _REGISTERED.setdefault(ctx.adapter, set())
    if f.id in done:
        return
    try:
        f.register(ctx.adapter)
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"the host rejected the filter's registration (id {f.id}): {describe_exc(exc)}",
                 reproduction="\n".join([*_prelude(f), f"import {_HOST_MODULES.get(ctx.adapter_spec, 'blosc2')} as"
                                         f" blosc2", f"blosc2.register_filter({f.id}, forward, backward)"]) + "\n")
    done.add(f.id)


def _through_host(ctx: CheckContext, f: FilterSubject, pipeline: list[str], meta: int, kind: str, nbytes: int,
                  typesize: int, blocksize: int) -> None:
    # blocks of whole items, as a user of typed data sets them (a block size that is not is a host matter: python-
    # blosc2 4.x misreads such chunks with builtin filters too, RT-CONFIGS')
    blocksize -= blocksize % typesize if blocksize > typesize else 0
    names = tuple(user_filter_name(f.id) if p == "user" else p for p in pipeline)
    metas = tuple(meta if p == "user" else 0 for p in pipeline)
    cp = _cparams(names, metas, typesize, blocksize)
    data = _data(kind, nbytes // typesize * typesize)
    where = (f"{kind} data, {len(data)} bytes, typesize {typesize}, blocksize {blocksize}, pipeline {list(names)},"
             f" meta {meta}")
    blocks = [np.frombuffer(data[i:i + blocksize], np.uint8).copy() for i in range(0, len(data), blocksize)]
    container = None
    try:
        container = ctx.adapter.create(cparams=cp, dparams=DParams(nthreads=1), chunksize=len(data))
        container.append(bytes(bytearray(data)))
        got = container.decompress_chunk(0)
    except Exception as exc:  # noqa: BLE001
        message = f"{where}: the round trip raised {describe_exc(exc)}"
        ctx.fail(message, reproduction=_host_repro(ctx, f, cp, kind, len(data)),
                 explained_by=_same_kind(_direct_defect(f, meta, blocks, _native(container, ctx, typesize)), message))
    if got != data:
        ctx.fail(f"{where}: decompress(compress(x)) != x ({first_difference(got, data)})",
                 counterexample={"kind": kind, "nbytes": len(data), "typesize": typesize, "blocksize": blocksize,
                                 "filters": list(names), "meta": meta},
                 reproduction=_host_repro(ctx, f, cp, kind, len(data)),
                 explained_by=_same_kind(_direct_defect(f, meta, blocks, _native(container, ctx, typesize)), None))


def _native(container: Any, ctx: CheckContext, typesize: int) -> Any:
    """The SChunk a host hands the filter: the round trip's own, else one of the host's."""
    try:
        return container.native() if container is not None else _host_schunk(ctx, typesize)
    except Exception:  # noqa: BLE001
        return None


def _same_kind(found: Explanation | None, raised: str | None) -> Explanation | None:
    """``found`` when it can be what failed the host round trip: a call that raises only by the same exception (its
    words, numbers aside) in the host's message ``raised``; wrong data by anything but an exception. Otherwise the
    direct calls met another defect, and the failure stays."""
    if found is None:
        return None
    raises = " raised " in found.why
    if raised is None:
        return None if raises else found
    if not raises:
        return found if found.check == "ufilter.input_intact" else None  # a read-only input refuses the write
    return found if names_same_raise(found, raised) else None


def _direct_defect(f: FilterSubject, meta: int, blocks: list[np.ndarray], schunk: Any, *,
                   properties: tuple[str, ...] = ("input_intact", "full_output", "inverse")) -> Explanation | None:
    """The first of the direct-call ``properties`` that forward and backward break on ``blocks`` (called as a
    host calls them), as an explanation of a failure on the same data; None when they hold. A call that raises is
    UF-INVERSE's to judge (it calls both on blocks of any size): its explanation names the exception and where."""
    assert f.forward is not None and f.backward is not None
    pair = (("forward", f.forward), ("backward", f.backward))
    called = "forward"
    try:
        for x in blocks:
            if "input_intact" in properties:
                for called, fn in pair:
                    inp = x.copy()
                    fn(inp, np.zeros_like(x), meta, schunk)
                    if not np.array_equal(inp, x):
                        return Explanation("ufilter.input_intact", f"{called} wrote into its input")
            if "full_output" in properties:
                for called, fn in pair:
                    outs = [np.full_like(x, c) for c in (0, 255, 0)]
                    for out in outs:
                        fn(x.copy(), out, meta, schunk)
                    # the same output twice from a canary of 0 and another from 255: bytes left unwritten
                    if np.array_equal(outs[0], outs[2]) and not np.array_equal(outs[0], outs[1]):
                        return Explanation("ufilter.full_output", f"{called} left part of its output unwritten")
            if "inverse" in properties:
                mid, back = np.zeros_like(x), np.zeros_like(x)
                called = "forward"
                f.forward(x.copy(), mid, meta, schunk)
                called = "backward"
                f.backward(mid.copy(), back, meta, schunk)
                if not np.array_equal(back, x):
                    return Explanation("ufilter.inverse", "backward(forward(x)) != x")
    except Exception as exc:  # noqa: BLE001 - raising on a block the host cuts: UF-INVERSE's, if it fails of it
        if "inverse" not in properties:
            return None
        return Explanation("ufilter.inverse", f"{called} raised {raised_words(exc)}")
    return None


@check("ufilter.registers", requires=("user_filters",), params={})
def registers(ctx: CheckContext) -> None:
    """The host accepts the filter's registration under its id."""
    _register(ctx, _subject(ctx))


@check("ufilter.roundtrip", requires=("user_filters",),
       params={"kinds": KINDS, "typesizes": SIZES, "blocksizes": SIZES, "nbytes": Param(int, min=1),
               "pipelines": PIPELINES})
def roundtrip(ctx: CheckContext) -> None:
    """Data round-trips through the host's container with the filter in each pipeline, for every meta it supports
    (in containers of the clause's typesizes, or of those the filter's domain declares).

    A meta the host refuses for its builtin SHUFFLE too is the host's limit, not the filter's (python-blosc2 4.x
    takes filters_meta as a signed byte): it is left out, and the clause is then not judged for it."""
    f = _subject(ctx)
    _register(ctx, f)
    refused = {meta: why for meta in f.metas if (why := _host_refuses_meta(ctx, meta))}
    typesizes = f.domain.typesizes if f.domain is not None else ctx.param("typesizes")
    for pipeline in ctx.param("pipelines"):
        for meta in (m for m in f.metas if m not in refused):
            for kind in ctx.param("kinds"):
                for ts in typesizes:
                    for bs in ctx.param("blocksizes"):
                        _through_host(ctx, f, pipeline, meta, kind, int(ctx.param("nbytes")), int(ts), int(bs))
    if refused:
        raise NotJudged("; ".join(f"meta {meta}: the host refuses filters_meta {meta} for its builtin SHUFFLE too "
                                  f"({why})" for meta, why in refused.items()))


def _host_refuses_meta(ctx: CheckContext, meta: int) -> str | None:
    """Why the host refuses a container whose SHUFFLE has filters_meta ``meta`` (None when it takes it)."""
    try:
        ctx.adapter.create(cparams=_cparams(("shuffle",), (meta,), 4, 0), dparams=DParams(nthreads=1), chunksize=4096)
    except Exception as exc:  # noqa: BLE001 - a refusal is the answer
        return describe_exc(exc)
    return None


#: The host's SChunks the direct calls hand a filter, per adapter instance and typesize (a host always passes its
#: SChunk).
_SCHUNKS: weakref.WeakKeyDictionary[Any, dict[int, Any]] = weakref.WeakKeyDictionary()


def _host_schunk(ctx: CheckContext, typesize: int = 1) -> Any:
    """A container of the host's, of the direct call's typesize: what a filter gets as ``schunk``."""
    made = _SCHUNKS.setdefault(ctx.adapter, {})
    if typesize not in made:
        made[typesize] = ctx.adapter.create(cparams=_cparams(("nofilter",), (0,), typesize, 0),
                                            dparams=DParams(nthreads=1), chunksize=4096).native()
    return made[typesize]


def _call(ctx: CheckContext, f: FilterSubject, fn: Callable[..., Any], name: str, inp: np.ndarray, out: np.ndarray,
          case: Case) -> None:
    try:
        fn(inp, out, case.meta, _host_schunk(ctx, case.typesize))
    except Exception as exc:  # noqa: BLE001
        message = f"{name} raised on {case.where()}: {describe_exc(exc)}"
        raise CheckFailed(message, reproduction=_direct_repro(ctx, f, case, [
                              "out = np.zeros_like(x)", f"{name}(x, out, meta, schunk)"]),
                          explained_by=Explanation("ufilter.inverse", message)) from exc


def _sizes(f: FilterSubject, sizes: list[int]) -> list[tuple[int, int]]:
    """The (block size, typesize) pairs of the clause's sizes: as given (typesize 1) or, for a filter whose domain
    declares typesizes, each size cut down to whole items of the first typesize it holds whole (or of the smallest)."""
    if f.domain is None:
        return [(size, 1) for size in sizes]
    pairs: list[tuple[int, int]] = []
    for size in sizes:
        t = f.domain.whole_items(size) or min(f.domain.typesizes)
        pair = (max(t, size - size % t), t)
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def _cases(ctx: CheckContext, f: FilterSubject) -> Iterator[Case]:
    """Every block of the direct-call checks: the filter's metas x the kinds x the sizes (in its domain)."""
    for meta in f.metas:
        for kind in ctx.param("kinds"):
            for size, typesize in _sizes(f, [int(s) for s in ctx.param("sizes")]):
                yield Case(meta, kind, np.frombuffer(_data(kind, size), np.uint8).copy(), typesize)


@check("ufilter.inverse", requires=("user_filters",), params={"kinds": KINDS, "sizes": SIZES}, explains=2)
def inverse(ctx: CheckContext) -> None:
    """Called directly, backward(forward(x)) == x for every meta, data kind and block size (odd ones too)."""
    f = _subject(ctx)
    assert f.forward is not None and f.backward is not None
    for case in _cases(ctx, f):
        x = case.x
        mid, back = np.zeros_like(x), np.zeros_like(x)
        _call(ctx, f, f.forward, "forward", x.copy(), mid, case)
        _call(ctx, f, f.backward, "backward", mid.copy(), back, case)
        if not np.array_equal(back, x):
            ctx.fail(f"backward(forward(x)) != x for {case.where()}"
                     f" ({first_difference(back.tobytes(), x.tobytes())})",
                     explained_by=_direct_defect(f, case.meta, [x], _host_schunk(ctx, case.typesize),
                                                 properties=("full_output",)),
                     reproduction=_direct_repro(ctx, f, case, [
                         "mid, back = np.zeros_like(x), np.zeros_like(x)", "forward(x.copy(), mid, meta, schunk)",
                         "backward(mid.copy(), back, meta, schunk)",
                         "assert np.array_equal(back, x), 'backward(forward(x)) != x'"]))


@check("ufilter.full_output", requires=("user_filters",), params={"kinds": KINDS, "sizes": SIZES, "canaries": Param(list, items=Param(int, min=0,
       max=255))}, explains=1)
def full_output(ctx: CheckContext) -> None:
    """forward and backward write every byte of their output: what was in it before does not show."""
    f = _subject(ctx)
    assert f.forward is not None and f.backward is not None
    canaries = [int(c) for c in ctx.param("canaries")]
    for case in _cases(ctx, f):
        x = case.x
        for name, fn in (("forward", f.forward), ("backward", f.backward)):
            outs = []
            for canary in canaries:
                out = np.full_like(x, canary)
                _call(ctx, f, fn, name, x.copy(), out, case)
                outs.append(out)
            if any(not np.array_equal(o, outs[0]) for o in outs[1:]):
                again = np.full_like(x, canaries[0])
                _call(ctx, f, fn, name, x.copy(), again, case)
                if not np.array_equal(again, outs[0]):  # another output for the same call: no sign of the buffer
                    raise NotJudged(f"{name} gives other bytes each call for the same {case.where()}, so what it leaves unwritten cannot be told; UF-ROUNDTRIP judges "
                                    "such a filter")
                ctx.fail(f"{name} left part of its output unwritten ({case.where()}):"
                         f" outputs pre-filled with {canaries} differ after the call",
                         reproduction=_direct_repro(ctx, f, case, [
                             f"outs = [np.full_like(x, c) for c in {canaries}]",
                             *[f"{name}(x.copy(), outs[{i}], meta, schunk)" for i in range(len(canaries))],
                             "assert all(np.array_equal(o, outs[0]) for o in outs), 'output left unwritten'"]))


@check("ufilter.input_intact", requires=("user_filters",), params={"kinds": KINDS, "sizes": SIZES}, explains=1)
def input_intact(ctx: CheckContext) -> None:
    """forward and backward leave their input as it was (a host may still need it, or hand out a read-only one)."""
    f = _subject(ctx)
    assert f.forward is not None and f.backward is not None
    for case in _cases(ctx, f):
        x = case.x
        for name, fn in (("forward", f.forward), ("backward", f.backward)):
            inp = x.copy()
            _call(ctx, f, fn, name, inp, np.zeros_like(x), case)
            if not np.array_equal(inp, x):
                ctx.fail(f"{name} wrote into its input ({case.where()};"
                         f" {first_difference(inp.tobytes(), x.tobytes())})",
                         reproduction=_direct_repro(ctx, f, case, [
                             "inp = x.copy()", f"{name}(inp, np.zeros_like(x), meta, schunk)",
                             "assert np.array_equal(inp, x), 'the input was written'"]))


@check("ufilter.deterministic", requires=("user_filters",), params={"kinds": KINDS, "sizes": SIZES})
def deterministic(ctx: CheckContext) -> None:
    """forward gives the same output for the same input and meta, call after call."""
    f = _subject(ctx)
    assert f.forward is not None
    for case in _cases(ctx, f):
        x = case.x
        first, second = np.zeros_like(x), np.zeros_like(x)
        _call(ctx, f, f.forward, "forward", x.copy(), first, case)
        _call(ctx, f, f.forward, "forward", x.copy(), second, case)
        if not np.array_equal(first, second):
            ctx.fail(f"forward gave different results for the same {case.where()}",
                     reproduction=_direct_repro(ctx, f, case, [
                         "a, b = np.zeros_like(x), np.zeros_like(x)", "forward(x.copy(), a, meta, schunk)",
                         "forward(x.copy(), b, meta, schunk)", "assert np.array_equal(a, b), 'not deterministic'"]))
