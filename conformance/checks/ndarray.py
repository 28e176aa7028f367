"""Checks of user codecs through NDArray containers: a super-chunk whose chunks hold C-order blocks of an
n-dimensional array (python-blosc2's ``asarray``/``open``/``[...]``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from udcodec.adapters.protocol import Adapter, CParams, DParams, NDContainer
from udcodec.checks.api import (
    CheckContext,
    Explanation,
    NotJudged,
    Param,
    check,
    describe_exc,
    exception_types,
    expect_rejection,
)
from udcodec.checks.common import (
    CODEC_ID,
    EXCEPTIONS,
    FILTER_PIPELINES,
    ONE_CORE_INTERPRETER,
    OPEN_WITH_WRITTEN_PARAMS,
    THREADED_ZLIB,
    Retry,
    ThreadsRefused,
    attribution_of,
    refuses_threads,
    register_pair,
    reopen_defect,
    retry_with_builtin,
)
from udcodec.checks.fresh import fail_fresh, run_fresh, run_fresh_each
from udcodec.checks.ndsupport import (
    DP,
    LAYOUT,
    LAYOUTS,
    NDLayout,
    array_difference,
    array_of,
    b2nd_metalayer,
    expected_blocks,
    frame_metalayer,
    nd_cparams,
    parse_layout,
    selections,
    written_nd_cparams,
)
from udcodec.scenarios import COPIES, nd_read_only
from udcodec.testcodecs import Recorder, memcpy_encoder, zlib_decoder, zlib_encoder

NTHREADS = Param(list, items=Param(int, min=2))


def _zeroing_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    output[:] = 0  # wrong on purpose: if the host decodes a raw block with it, the data changes
    return int(output.size)


def _layouts(ctx: CheckContext) -> list[NDLayout]:
    return [parse_layout(text) for text in ctx.param("layouts")]


def _geometry(nd: NDContainer, layout: NDLayout) -> str | None:
    got = (tuple(nd.shape), tuple(nd.chunks), tuple(nd.blocks), str(nd.dtype))
    want = (layout.shape, layout.chunks, layout.blocks, layout.dtype.str)
    return None if got == want else f"shape/chunks/blocks/dtype are {got}, written as {want}"


def _open(ctx: CheckContext, adapter: Adapter, path: str, codec_id: int, layout: NDLayout, meta: int,
          mode: str | None = None) -> NDContainer:
    """``open(path)`` as users write it; where the thread default refuses that, with the written params."""
    kwargs: dict[str, Any] = {} if mode is None else {"mode": mode}
    written = written_nd_cparams(codec_id, layout, meta)
    return ctx.get_past(OPEN_WITH_WRITTEN_PARAMS, lambda: adapter.nd_open(path, **kwargs),
                        lambda: adapter.nd_open(path, DP, written, **kwargs), when=refuses_threads)


def _arrays(ctx: CheckContext, codec_id: int) -> Iterator[tuple[int, NDLayout, np.ndarray, NDContainer]]:
    """For each of the clause's layouts: its index, the layout, its data, and the array ``asarray`` made of the data
    with the zlib codec registered under ``codec_id`` and one thread (as users make one)."""
    register_pair(ctx, "ndzlib", codec_id, zlib_encoder, zlib_decoder)
    for n, layout in enumerate(_layouts(ctx)):
        data = array_of(layout, n)
        yield n, layout, data, ctx.adapter.nd_create(data, layout.chunks, layout.blocks, nd_cparams(codec_id), DP)


@check("ndarray.roundtrip", requires=("ndarray",), params={"id": CODEC_ID, "layouts": LAYOUTS})
def roundtrip(ctx: CheckContext) -> None:
    """asarray with a user codec: shape/chunks/blocks/dtype kept, every selection reads back, a written slice
    across chunks reads back with the rest unchanged."""
    codec_id = int(ctx.param("id"))
    problems = []
    for n, layout, want, nd in _arrays(ctx, codec_id):
        problem = _geometry(nd, layout)
        if nd.cparams().codec != codec_id:
            problem = f"the array's codec is {nd.cparams().codec}, not {codec_id}"
        for key in [..., *selections(layout.shape)]:
            diff = None if problem else array_difference(nd.read(key), want[key])
            problem = problem or (diff and f"[{key!r}]: {diff}")
        if layout.shape and problem is None:
            key = selections(layout.shape)[0]
            new = np.ascontiguousarray(array_of(layout, n + 100)[key])  # python-blosc2 writes only C-contiguous values
            nd.write(key, new)
            want[key] = new
            diff = array_difference(nd.read(...), want)
            problem = diff and f"after writing [{key!r}]: {diff}"
        if problem:
            problems.append(f"{layout}: {problem}")
    if problems:
        ctx.fail("\n".join(problems))


#: A sum or an expression that takes this many times as long as reading its array whole, and at least
#: :data:`SLOWEST` s, is taken never to end: the clause is ``hang`` then, sooner than its timeout.
SLOWER = 20
SLOWEST = 2.0


def _deadline(nd: NDContainer, layout: NDLayout) -> tuple[float, str]:
    """The deadline of a call that reads every item of ``nd`` once (a sum, an expression), and how it was set."""
    start = time.perf_counter()
    nd.read(...)
    took = time.perf_counter() - start
    return (max(SLOWEST, SLOWER * took),
            f"{SLOWER} times the {took:.2g} s that reading the {layout} array whole took, and at least {SLOWEST:g} s")


@check("ndarray.reductions", requires=("ndarray", "nd_reductions"), params={"id": CODEC_ID, "layouts": LAYOUTS})
def reductions(ctx: CheckContext) -> None:
    """asarray with a user codec, then ``sum()`` and ``sum(axis=k)`` for every axis: NumPy's sums of the items
    (exact for integers, to rounding for floats), or an exception; a reduction that does not end is the clause's
    ``hang``, called after :data:`SLOWER` times as long as reading the array whole (:func:`_deadline`)."""
    problems = []
    for _, layout, data, nd in _arrays(ctx, int(ctx.param("id"))):
        limit, basis = _deadline(nd, layout)
        for axis in (None, *range(len(layout.shape))):
            call = "sum()" if axis is None else f"sum(axis={axis})"
            ctx.doing(f"calling {call} of the {layout} array")
            try:
                with ctx.deadline(limit, basis):
                    got = np.asarray(nd.sum(axis))
            except Exception as exc:  # noqa: BLE001 - a refusal is an answer; a wrong sum is not
                ctx.extra.setdefault("refused", []).append(f"{layout}: {call} raised {describe_exc(exc)}")
                continue
            want = data.sum(axis=axis)
            exact = data.dtype.kind in "iub"
            if got.shape != want.shape or not (np.array_equal(got, want) if exact else
                                                 np.allclose(got, want, rtol=1e-9, atol=0)):
                problems.append(f"{layout}: {call} gave {_shown(got)}, NumPy's sum of the items is {_shown(want)}")
    if problems:
        ctx.fail("\n".join(problems))


#: ``OP OPERAND`` with OPERAND a number or ``a`` (the array itself), as users write ``a + 1`` or ``a * a``.
EXPRESSIONS = Param(list, items=Param(str, choices=("+ 1", "- 3", "* 2", "+ a", "- a", "* a")))


@check("ndarray.expressions", requires=("ndarray", "nd_expressions"),
       params={"id": CODEC_ID, "layouts": LAYOUTS, "expressions": EXPRESSIONS})
def expressions(ctx: CheckContext) -> None:
    """asarray with a user codec, then ``(a <op> x)[:]`` for each expression: NumPy's values of the items (in the
    array's dtype, as NumPy wraps integers; to rounding for floats), or an exception; an expression that does not
    end is the clause's ``hang``, called after :data:`SLOWER` times as long as reading the array whole. The host
    may compute in a wider dtype: its values are compared once cast back."""
    problems = []
    for _, layout, data, nd in _arrays(ctx, int(ctx.param("id"))):
        limit, basis = _deadline(nd, layout)
        for text in ctx.param("expressions"):
            op, operand = text.split()
            call = f"(a {op} {operand})[:]"
            ctx.doing(f"reading {call} of the {layout} array")
            try:
                with ctx.deadline(limit, basis):
                    got = np.asarray(nd.expression(op, nd if operand == "a" else int(operand)))
            except Exception as exc:  # noqa: BLE001 - a refusal is an answer; wrong values are not
                ctx.extra.setdefault("refused", []).append(f"{layout}: {call} raised {describe_exc(exc)}")
                continue
            with np.errstate(all="ignore"):
                want = np.asarray(_NUMPY_OPERATORS[op](data, data if operand == "a" else data.dtype.type(operand)))
                cast = got.astype(want.dtype) if got.shape == want.shape else got
            if got.shape != want.shape:
                problems.append(f"{layout}: {call} has shape {got.shape}, the array {want.shape}")
                continue
            wrong = (cast != want) if want.dtype.kind in "iub" else \
                ~np.isclose(cast, want, rtol=1e-9, atol=0, equal_nan=True)
            if wrong.any():
                where = tuple(int(i) for i in np.argwhere(wrong)[0])
                problems.append(f"{layout}: {call} gave {cast[where]!r} at {where} ({int(wrong.sum())} item(s) wrong),"
                                f" NumPy gives {want[where]!r}")
    if problems:
        ctx.fail("\n".join(problems))


_NUMPY_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {"+": np.add, "-": np.subtract, "*": np.multiply}


@check("ndarray.copies_under_core_counts", requires=("ndarray", "nd_copies"),
       params={"id": CODEC_ID, "cores": Param(list, items=Param(int, min=1)),
               "ways": Param(list, items=Param(str, choices=tuple(COPIES)))})
def copies_under_core_counts(ctx: CheckContext) -> None:
    """An array made with a Python codec and one thread in its cparams and dparams, then each of ``ways`` makes a
    new array of it (``udcodec.scenarios:nd_copies``), read whole: in a fresh interpreter per core count of
    ``cores``, every step works, each new array holds its items, and the codec runs on the caller's thread alone,
    under each of them. A way whose capability the adapter lacks (``save``: ``nd_save``) is left out, and said."""
    codec_id = int(ctx.param("id"))
    ways = [w for w in ctx.param("ways") if COPIES[w][1] in ctx.adapter.capabilities()]
    left_out = [f"{COPIES[w][0]} (no {COPIES[w][1]})" for w in ctx.param("ways") if w not in ways]
    if left_out:
        ctx.extra["not_tried"] = left_out
    requests = {cores: {"adapter": ctx.adapter_spec, "cores": cores, "call": "udcodec.scenarios:nd_copies",
                        "register": [{"name": "ndcopies", "id": codec_id, **THREADED_ZLIB}],
                        "args": {"id": codec_id, "ways": ways, "path": str(ctx.tmpdir / f"cores-{cores}")}}
                for cores in ctx.param("cores")}
    for request in requests.values():
        os.makedirs(request["args"]["path"], exist_ok=True)
    problems, ok, made = [], [], []
    for cores, answer in zip(requests, run_fresh_each(list(requests.values())), strict=True):
        if not answer["ok"]:
            fail_fresh(f"with {cores} core(s) the interpreter failed", answer)
        seen = answer["result"]
        made.append(seen["steps"]["asarray"])
        if seen["got_past"] and OPEN_WITH_WRITTEN_PARAMS.record() not in ctx.workarounds:
            ctx.workarounds.append(OPEN_WITH_WRITTEN_PARAMS.record())
        failed = [f"{_way_call(name)} failed: {error}" for name, error in seen["steps"].items() if error]
        if seen["threads"]:
            failed.append(f"the codec ran on {seen['threads']} thread(s) besides the caller's")
        problems += [f"with {cores} core(s), " + "; ".join(failed)] if failed else []
        ok += [] if failed else [str(cores)]
    if all(made):
        raise NotJudged(f"asarray with nthreads=1 failed under every core count, which ND-ROUNDTRIP judges: {made[0]}")
    if problems:
        ctx.fail("asarray with nthreads=1 in cparams and dparams, then new arrays of it: "
                 + (f"all work with {', '.join(ok)} core(s); " if ok else "") + "; ".join(problems))


def _way_call(step: str) -> str:
    """A step of :func:`udcodec.scenarios.nd_copies` as the call users write (``read save``: reading what it made)."""
    read, _, way = step.rpartition(" ")
    call = COPIES[way][0] if way in COPIES else way
    return f"reading what {call} made" if read else call


def _shown(value: np.ndarray) -> str:
    """A sum as a message quotes it: a scalar whole, an array by its shape and first items."""
    if value.ndim == 0:
        return repr(value.item())
    return f"an array of shape {value.shape} starting {value.ravel()[:3].tolist()}"


def _count_wrong(wrong: Callable[[int, NDLayout, np.ndarray, tuple[str, ...]], list[str]], layout: NDLayout,
                 want: np.ndarray, pipeline: tuple[str, ...], codec_id: int) -> str:
    """How many selections ``wrong`` finds with ``codec_id`` (a builtin codec's retry), or ''."""
    found = wrong(codec_id, layout, want, pipeline)
    return f"{len(found)} selection(s) read wrong" if found else ""


@check("ndarray.filtered_selections", requires=("ndarray", "filters"),
       params={"id": CODEC_ID, "layouts": LAYOUTS, "filters": FILTER_PIPELINES})
def filtered_selections(ctx: CheckContext) -> None:
    """asarray through each filter pipeline: every selection reads back.

    Judged only where the array reads back whole through the filters and the same selection of the array
    written without filters reads right: otherwise the defect is another clause's, and the selection counts in
    ``extra["selections_not_judged"]``. Every selection that reads wrong is reported, and each array with one is
    written again with a builtin codec (the attribution)."""
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "ndzlib", codec_id, zlib_encoder, zlib_decoder)
    ctx.extra["selections_not_judged"] = 0

    def wrong(cid: int, layout: NDLayout, want: np.ndarray, pipeline: tuple[str, ...]) -> list[str]:
        plain = ctx.adapter.nd_create(want, layout.chunks, layout.blocks, nd_cparams(cid, filters=("nofilter",)), DP)
        nd = ctx.adapter.nd_create(want, layout.chunks, layout.blocks, nd_cparams(cid, filters=pipeline), DP)
        whole_right = array_difference(nd.read(...), want) is None
        found = []
        for key in selections(layout.shape):
            diff = array_difference(nd.read(key), want[key])
            if diff is None:
                continue
            if not whole_right or array_difference(plain.read(key), want[key]) is not None:
                ctx.extra["selections_not_judged"] += 1
                continue
            found.append(f"[{key!r}]: {diff}")
        return found

    problems: list[str] = []
    retries: list[Retry | None] = []
    for n, layout in enumerate(_layouts(ctx)):
        want = array_of(layout, n)
        for pipeline in (tuple(p) for p in ctx.param("filters")):
            found = wrong(codec_id, layout, want, pipeline)
            if found:
                retry = retry_with_builtin(partial(_count_wrong, wrong, layout, want, pipeline))
                retries.append(retry)
                problems.append(f"{layout} through {'+'.join(pipeline)}: " + "; ".join(found)
                                + (f" {retry.tag}" if retry else ""))
    if problems:
        ctx.fail("these selections read wrong, though each array reads back whole and the same selections "
                 "written without filters read right:\n" + "\n".join(problems), attribution=attribution_of(retries))


@check("ndarray.blocks", requires=("ndarray",), params={"id": CODEC_ID, "layouts": LAYOUTS})
def blocks(ctx: CheckContext) -> None:
    """The encoder gets blocks of prod(blocks) * itemsize bytes, each the C-order sub-array of its block,
    chunks padded with zeros (no filter, no split; blocks of one repeated byte may be stored as runs)."""
    codec_id = int(ctx.param("id"))
    rec = Recorder(zlib_encoder, zlib_decoder)
    register_pair(ctx, "ndblocks", codec_id, rec.enc, rec.dec)
    problems = []
    for n, layout in enumerate(_layouts(ctx)):
        rec.calls.clear()
        array = array_of(layout, n)
        ctx.adapter.nd_create(array, layout.chunks, layout.blocks,
                              nd_cparams(codec_id, filters=("nofilter",), splitmode="never"), DP)
        inputs = [c.input_bytes for c in rec.of("encoder")]
        sizes = sorted({len(i) for i in inputs})
        want = [b for b in expected_blocks(layout, array) if len(set(b)) > 1]
        if sizes != [layout.block_bytes]:
            problems.append(f"{layout}: the encoder got blocks of {sizes} bytes, expected {layout.block_bytes} "
                            f"(prod(blocks) * itemsize)")
        elif [i for i in inputs if len(set(i)) > 1] != want:
            got = [i for i in inputs if len(set(i)) > 1]
            at = next((k for k, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want)))
            problems.append(f"{layout}: {len(got)} blocks reached the encoder, {len(want)} expected; block {at} is "
                            f"not the C-order sub-array of the padded chunk's block {at}")
    if problems:
        ctx.fail("\n".join(problems))


@check("ndarray.memcpy", requires=("ndarray",), params={"id": CODEC_ID, "layouts": LAYOUTS})
def memcpy(ctx: CheckContext) -> None:
    """An encoder that always returns 0: the array reads back (also after a write) and the decoder is never called."""
    codec_id = int(ctx.param("id"))
    rec = Recorder(memcpy_encoder, _zeroing_decoder)
    register_pair(ctx, "ndraw", codec_id, rec.enc, rec.dec)
    problems = []
    for n, layout in enumerate(_layouts(ctx)):
        rec.calls.clear()
        want = array_of(layout, n)
        nd = ctx.adapter.nd_create(want, layout.chunks, layout.blocks, nd_cparams(codec_id), DP)
        diff = array_difference(nd.read(...), want)
        if diff is None and layout.shape:
            key = selections(layout.shape)[0]
            nd.write(key, 7)
            want[key] = 7
            diff = array_difference(nd.read(...), want)
        if diff:
            problems.append(f"{layout}: raw-stored blocks did not read back: {diff}")
        if rec.of("decoder"):
            problems.append(f"{layout}: the decoder was called {len(rec.of('decoder'))} time(s) although every "
                            f"encoder call returned 0")
    if problems:
        ctx.fail("\n".join(problems))


@check("ndarray.threads", requires=("ndarray", "persistence"),
       params={"id": CODEC_ID, "layouts": LAYOUTS, "nthreads": NTHREADS, "exceptions": EXCEPTIONS})
def threads(ctx: CheckContext) -> None:
    """asarray with nthreads > 1 (cparams or dparams) and open with dparams nthreads > 1 are rejected for a
    Python codec."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "ndmt", codec_id, zlib_encoder, zlib_decoder)
    layout = _layouts(ctx)[0]
    array = array_of(layout, 0)
    path = str(ctx.tmpdir / "one-thread.b2nd")
    ctx.adapter.nd_create(array, layout.chunks, layout.blocks, nd_cparams(codec_id), DP, urlpath=path).close()
    for n in ctx.param("nthreads"):
        with expect_rejection(ctx, f"asarray(..., cparams with nthreads={n})", allowed):
            ctx.adapter.nd_create(array, layout.chunks, layout.blocks, nd_cparams(codec_id, nthreads=n), DP)
        with expect_rejection(ctx, f"asarray(..., dparams with nthreads={n})", allowed):
            ctx.adapter.nd_create(array, layout.chunks, layout.blocks, nd_cparams(codec_id), DParams(nthreads=n))
        with expect_rejection(ctx, f"open(path, dparams with nthreads={n})", allowed):
            ctx.adapter.nd_open(path, DParams(nthreads=n), written_nd_cparams(codec_id, layout)).read(...)


@check("ndarray.reopen", requires=("ndarray", "persistence"),
       params={"id": CODEC_ID, "meta": Param(int, min=0, max=255), "layouts": LAYOUTS})
def reopen(ctx: CheckContext) -> None:
    """A persisted NDArray reopens as an NDArray with its geometry, codec and meta; a slice written after
    open(mode='a') goes through the codec with that meta and reads back."""
    codec_id, meta = int(ctx.param("id")), int(ctx.param("meta"))
    rec = Recorder(zlib_encoder, zlib_decoder)
    register_pair(ctx, "ndreopen", codec_id, rec.enc, rec.dec)
    problems = []
    reopens: list[Explanation | None] = []  # per problem: the frames' reopen defect it shows, if that is all
    for n, layout in enumerate(_layouts(ctx)):
        want = array_of(layout, n)
        path = str(ctx.tmpdir / f"a{n}.b2nd")
        ctx.adapter.nd_create(want, layout.chunks, layout.blocks, nd_cparams(codec_id, meta), DP, urlpath=path).close()
        try:
            nd = _open(ctx, ctx.adapter, path, codec_id, layout, meta)
        except Exception as exc:  # noqa: BLE001 - reported per layout
            problems.append(f"{layout}: open(path) raised {describe_exc(exc)}")
            reopens.append(None)
            continue
        cp = nd.cparams()
        problem = _geometry(nd, layout)
        reopen = None
        if (cp.codec, cp.codec_meta) != (codec_id, meta):
            problem = f"reopened with codec {cp.codec} meta {cp.codec_meta}, written with {codec_id} meta {meta}"
            reopen = reopen_defect({"codec": codec_id, "codec_meta": meta},
                                   {"codec": cp.codec, "codec_meta": cp.codec_meta})
        problem = problem or array_difference(nd.read(...), want)
        nd.close()
        if problem is None and layout.shape:
            rec.calls.clear()
            key = selections(layout.shape)[0]
            new = np.ascontiguousarray(array_of(layout, n + 100)[key])  # python-blosc2 writes only C-contiguous values
            rw = _open(ctx, ctx.adapter, path, codec_id, layout, meta, mode="a")
            rw.write(key, new)
            rw.close()
            want[key] = new
            metas = sorted({c.meta for c in rec.of("encoder")})
            if metas != [meta]:
                problem = f"a slice written after open(mode='a') reached the codec {codec_id} with meta {metas}"
            problem = problem or array_difference(_open(ctx, ctx.adapter, path, codec_id, layout, meta).read(...), want)
        if problem:
            problems.append(f"{layout}: {problem}")
            reopens.append(reopen)
    if problems:
        ctx.fail("\n".join(problems), explained_by=reopens[0] if all(reopens) else None)


#: The ways users open a persisted NDArray (keyword arguments of ``nd_open``; ``partial_cparams`` gives the codec only).
SPELLINGS = ("plain", "mode_r", "mode_a", "dparams", "partial_cparams")


def _spelled(spelling: str, codec_id: int) -> dict[str, Any]:
    kwargs: dict[str, dict[str, Any]] = {
        "plain": {}, "mode_r": {"mode": "r"}, "mode_a": {"mode": "a"}, "dparams": {"dparams": DP},
        "partial_cparams": {"cparams": CParams.only(codec=codec_id, nthreads=1), "dparams": DP}}
    return kwargs[spelling]


@check("ndarray.reopen_spellings", requires=("ndarray", "persistence"),
       params={"id": CODEC_ID, "meta": Param(int, min=0, max=255), "layouts": LAYOUTS,
               "spellings": Param(list, items=Param(str, choices=SPELLINGS))})
def reopen_spellings(ctx: CheckContext) -> None:
    """Each way users open a persisted NDArray either refuses at open or gives back the array with its geometry,
    codec, meta and values; none opens an array that then cannot be read or reads differently. What goes wrong
    with ``open(path)`` too is ND-REOPEN's to judge: only what a spelling gets wrong beyond it is reported."""
    codec_id, meta = int(ctx.param("id")), int(ctx.param("meta"))
    register_pair(ctx, "ndspell", codec_id, zlib_encoder, zlib_decoder)
    problems = []
    for n, layout in enumerate(_layouts(ctx)):
        want = array_of(layout, n)
        path = str(ctx.tmpdir / f"s{n}.b2nd")
        ctx.adapter.nd_create(want, layout.chunks, layout.blocks, nd_cparams(codec_id, meta), DP, urlpath=path).close()
        plain = _spelling_problems(ctx, path, "plain", codec_id, meta, layout, want) or []
        for spelling in ctx.param("spellings"):
            call = f"open(path, {', '.join(_spelled(spelling, codec_id)) or ''})".replace(", )", ")")
            found = _spelling_problems(ctx, path, spelling, codec_id, meta, layout, want)
            own = [p for p in found or [] if p not in plain]
            if own:
                problems.append(f"{layout} {call} ({spelling}): {'; '.join(own)}")
    if problems:
        ctx.fail("\n".join(problems))


def _spelling_problems(ctx: CheckContext, path: str, spelling: str, codec_id: int, meta: int, layout: NDLayout,
                       want: np.ndarray) -> list[str] | None:
    """What the array opened with ``spelling`` gets wrong; None when the open refuses (a clear answer)."""
    try:
        nd = ctx.adapter.nd_open(path, **_spelled(spelling, codec_id))
    except Exception:  # noqa: BLE001 - refusing at open is clear (THREAD-DEFAULTS judges thread refusals)
        return None
    found = [_geometry(nd, layout)]
    cp = nd.cparams()
    if (cp.codec, cp.codec_meta) != (codec_id, meta):
        found.append(f"silently changed codec/meta from {codec_id}/{meta} to {cp.codec}/{cp.codec_meta}")
    try:
        found.append(array_difference(nd.read(...), want))
    except Exception as exc:  # noqa: BLE001 - the array opened; it must be readable
        found.append(f"opened, then reading it raised {describe_exc(exc)}")
    return [p for p in found if p]


def _persisted(ctx: CheckContext, codec_id: int, layout: NDLayout, n: int, stem: str) -> str:
    """The path of a new frame holding ``array_of(layout, n)``, written with codec ``codec_id`` and one thread."""
    path = str(ctx.tmpdir / f"{stem}{n}.b2nd")
    ctx.adapter.nd_create(array_of(layout, n), layout.chunks, layout.blocks, nd_cparams(codec_id), DP,
                          urlpath=path).close()
    return path


@check("ndarray.metalayer", requires=("ndarray", "persistence"), params={"id": CODEC_ID, "layouts": LAYOUTS})
def metalayer(ctx: CheckContext) -> None:
    """A persisted NDArray's frame holds the ``b2nd`` metalayer byte for byte as c-blosc2 lays it out; a
    difference names the first field that differs."""
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "ndmeta", codec_id, zlib_encoder, zlib_decoder)
    problems = []
    for n, layout in enumerate(_layouts(ctx)):
        path = _persisted(ctx, codec_id, layout, n, "m")
        try:
            got = frame_metalayer(path, "b2nd")
        except ValueError as exc:
            problems.append(f"{layout}: {exc}")
            continue
        if got is None:
            problems.append(f"{layout}: the frame has no b2nd metalayer")
            continue
        at = 0
        for field, want in b2nd_metalayer(layout):
            if got[at:at + len(want)] != want:
                problems.append(f"{layout}: the b2nd metalayer's {field} (byte {at}) is {got[at:at + len(want)]!r}, "
                                f"c-blosc2 writes {want!r}")
                break
            at += len(want)
        else:
            if len(got) != at:
                problems.append(f"{layout}: the b2nd metalayer has {len(got) - at} byte(s) after the dtype string")
    if problems:
        ctx.fail("\n".join(problems))


@check("ndarray.contradicting_dtype", requires=("ndarray", "persistence"),
       params={"id": CODEC_ID, "layout": LAYOUT, "relabels": Param(list, items=LAYOUT)})
def contradicting_dtype(ctx: CheckContext) -> None:
    """A persisted NDArray whose b2nd metalayer is then rewritten in place to another layout whose dtype has
    another item size (the super-chunk left as written, as in a damaged or forged file; some relabels keep the
    chunks' byte size, so that only the typesize contradicts) is refused when opened or read; an array read from
    it is reported with its dtype and first items."""
    codec_id, layout = int(ctx.param("id")), parse_layout(ctx.param("layout"))
    register_pair(ctx, "nddtype", codec_id, zlib_encoder, zlib_decoder)
    problems = []
    for n, text in enumerate(ctx.param("relabels")):
        relabel = parse_layout(text)
        label = b"".join(field for _, field in b2nd_metalayer(relabel))
        if relabel.shape != layout.shape or relabel.dtype.itemsize == layout.dtype.itemsize:
            raise ValueError(f"relabel {text!r} must keep the shape of {ctx.param('layout')!r} and change its item size")
        path = _persisted(ctx, codec_id, layout, n, "d")
        raw = Path(path).read_bytes()
        meta = frame_metalayer(path, "b2nd")
        if meta is None or len(meta) != len(label) or raw.count(meta) != 1:
            ctx.fail(f"the NDArray's frame holds no b2nd metalayer of the {len(label)} bytes c-blosc2 writes for "
                     f"{text} (ND-METALAYER's to judge), so it cannot be relabelled in place")
        Path(path).write_bytes(raw.replace(meta, label))
        try:
            got = _open(ctx, ctx.adapter, path, codec_id, layout, 0).read()
        except Exception:  # noqa: BLE001,S112 - refusing the contradiction is right
            continue
        problems.append(f"relabelled {text}, the array opened and read as {got.dtype.str}, shape {got.shape}, "
                        f"first items {got.ravel()[:3].tolist()}")
    if problems:
        ctx.fail(f"a {ctx.param('layout')} array (typesize {layout.dtype.itemsize}) whose b2nd metalayer gives "
                 "another item size: " + "; ".join(problems))


#: The frames an NDArray is persisted in (``nd_create``'s ``contiguous``); ``sparse`` needs that capability.
FRAMES = ("contiguous", "sparse")


def _chunk_boxes(layout: NDLayout) -> list[tuple[slice, ...]]:
    """The region of the array each chunk holds, chunks in C order over the chunk grid."""
    return [tuple(slice(x * c, min((x + 1) * c, s)) for x, c, s in zip(coord, layout.chunks, layout.shape, strict=True))
            for coord in np.ndindex(*layout.grid)]


def _rewrite_steps(layout: NDLayout, seed: int) -> tuple[list[tuple[str, Any, Any]], list[tuple[str, Any, Any]]]:
    """The writes of both sessions: (what, key, value), each a whole chunk, in an order where storage is
    freed and reused (a chunk made all zeros is stored special, and data written into it again needs new
    storage while other chunks keep theirs). The second session ends with a chunk left all zeros."""
    boxes = _chunk_boxes(layout)
    first, second, last = boxes[0], boxes[1], boxes[-1]

    def data(box: tuple[slice, ...], k: int) -> np.ndarray:
        return np.ascontiguousarray(array_of(layout, seed + k)[box])

    def zeros(box: tuple[slice, ...]) -> np.ndarray:
        return np.zeros(tuple(s.stop - s.start for s in box), dtype=layout.dtype)

    created = [("data into chunk 0", first, data(first, 1)), ("zeros into chunk 0", first, zeros(first)),
               ("data into chunk 1", second, data(second, 2)), ("data into the zeroed chunk 0", first, data(first, 3))]
    n = len(boxes) - 1
    reopened = [("zeros into chunk 1", second, zeros(second)), (f"data into chunk {n}", last, data(last, 4)),
                ("data into the zeroed chunk 1", second, data(second, 5)), ("zeros into chunk 0", first, zeros(first))]
    return created, reopened


@check("ndarray.rewrites", requires=("ndarray", "persistence"),
       params={"id": CODEC_ID, "meta": Param(int, min=0, max=255), "layouts": LAYOUTS,
               "frames": Param(list, items=Param(str, choices=FRAMES))})
def rewrites(ctx: CheckContext) -> None:
    """An NDArray persisted in a contiguous or a sparse frame reads back every item when reopened after its
    chunks are rewritten (data, a chunk made all zeros, data into another chunk, then into the zeroed one),
    and again after more such writes in mode 'a' and a change of its super-chunk's clevel (capability
    ``update_params``; ``sparse`` for the sparse frame)."""
    codec_id, meta = int(ctx.param("id")), int(ctx.param("meta"))
    register_pair(ctx, "ndrewrite", codec_id, zlib_encoder, zlib_decoder)
    capabilities = ctx.adapter.capabilities()
    frames = [f for f in ctx.param("frames") if f != "sparse" or "sparse" in capabilities]
    updates = "update_params" in capabilities
    problems = []
    for n, layout in enumerate(_layouts(ctx)):
        if len(_chunk_boxes(layout)) < 3:
            raise ValueError(f"ndarray.rewrites needs layouts of at least 3 chunks, {layout} has fewer")
        created, reopened = _rewrite_steps(layout, 10 * n)
        for frame in frames:
            want = array_of(layout, 10 * n)
            path = str(ctx.tmpdir / f"r{n}-{frame}.b2nd")
            done = "asarray"
            try:
                nd = ctx.adapter.nd_create(want, layout.chunks, layout.blocks, nd_cparams(codec_id, meta), DP,
                                           urlpath=path, contiguous=frame == "contiguous")
                for what, key, value in created:
                    nd.write(key, value)
                    want[key] = value
                    done = what
                nd.close()
                done = "the writes after asarray, reopened"
                problem = array_difference(_open(ctx, ctx.adapter, path, codec_id, layout, meta).read(...), want)
                if problem is None:
                    rw = _open(ctx, ctx.adapter, path, codec_id, layout, meta, mode="a")
                    for what, key, value in reopened:
                        rw.write(key, value)
                        want[key] = value
                        done = f"open(mode='a') then {what}"
                    if updates:
                        rw.schunk().update_cparams(CParams.only(clevel=9))  # rewrites the frame's header
                    rw.close()
                    done = f"the writes after open(mode='a'){' and clevel=9' if updates else ''}, reopened"
                    problem = array_difference(_open(ctx, ctx.adapter, path, codec_id, layout, meta).read(...), want)
            except Exception as exc:  # noqa: BLE001 - reported per layout and frame
                problem = f"after {done}: raised {describe_exc(exc)}"
            else:
                problem = problem and f"after {done}: {problem}"
            if problem:
                problems.append(f"{layout} in a {frame} frame: {problem}")
    if problems:
        ctx.fail("\n".join(problems))


@check("ndarray.read_only", requires=("ndarray", "persistence"), params={"id": CODEC_ID, "layouts": LAYOUTS})
def read_only(ctx: CheckContext) -> None:
    """A persisted NDArray opened with ``open(path, mode='r')`` refuses a write of one item and never writes to its
    file (its bytes and its modification time); a refused open writes nothing either."""
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "ndro", codec_id, zlib_encoder, zlib_decoder)
    problems = []
    for n, layout in enumerate(_layouts(ctx)):
        path = _persisted(ctx, codec_id, layout, n, "ro")
        args = {"path": path, "workdir": str(ctx.tmpdir)}
        seen = ctx.get_past(ONE_CORE_INTERPRETER, partial(_read_only_here, ctx, args),
                            partial(_read_only_on_one_core, ctx, args, codec_id),
                            when=lambda e: isinstance(e, ThreadsRefused))
        found = []
        if "error" not in seen and seen["write_refused"] is None:
            found.append("writing its first item was accepted")
        if not seen["file_unchanged"]:
            found.append("the file's bytes changed")
        elif not seen["file_untouched"]:
            found.append("the file was written to (its bytes are the same, its modification time is not)")
        if found:
            problems.append(f"{layout}: after open(path, mode='r')" + (" (refused)" if "error" in seen else "")
                            + ": " + "; ".join(found))
    if problems:
        ctx.fail("\n".join(problems))


def _read_only_here(ctx: CheckContext, args: dict[str, Any]) -> dict[str, Any]:
    seen = nd_read_only(ctx.adapter, args)
    if seen.get("refuses_threads"):
        raise ThreadsRefused(seen["error"])
    return seen


def _read_only_on_one_core(ctx: CheckContext, args: dict[str, Any], codec_id: int) -> dict[str, Any]:
    answer = run_fresh({"adapter": ctx.adapter_spec, "cores": 1, "call": "udcodec.scenarios:nd_read_only",
                        "register": [{"name": "ndro", "id": codec_id, "encoder": "udcodec.testcodecs:zlib_encoder",
                                      "decoder": "udcodec.testcodecs:zlib_decoder"}], "args": args})
    if not answer["ok"]:
        fail_fresh("open(path, mode='r') in a fresh interpreter failed", answer)
    result: dict[str, Any] = answer["result"]
    return result
