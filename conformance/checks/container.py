"""Checks of the container a user codec runs in: refused outside one, and its documented defaults."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
from udcodec.adapters.protocol import FILTER_IDS, NOT_GIVEN, SPLITMODE_IDS, CParams, DParams
from udcodec.checks.api import (
    CheckContext,
    Explanation,
    Param,
    check,
    describe_exc,
    exception_chain,
    exception_types,
)
from udcodec.checks.common import (
    BLOCK,
    CODEC_ID,
    DONT_SPLIT_FLAG,
    EXCEPTIONS,
    SAMPLE,
    cparams_for,
    fill,
    first_difference,
    header,
    header_codec_defect,
    new_container,
    register_pair,
)
from udcodec.strategies import make_data
from udcodec.testcodecs import Recorder, zlib_decoder, zlib_encoder


def _refused(ctx: CheckContext, what: str, action: object) -> None:
    allowed = exception_types(ctx.param("exceptions"))
    try:
        got = action()  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001
        if not any(isinstance(e, allowed) for e in exception_chain(exc)):
            ctx.fail(f"{what}: raised {describe_exc(exc)}; expected {' or '.join(t.__name__ for t in allowed)} (or chained to one)")
        return
    ctx.fail(f"{what}: succeeded and returned {type(got).__name__} of {len(got) if hasattr(got, '__len__') else '?'} bytes")


@check("container.compress_outside_refused", requires=("outside_container",),
       params={"id": CODEC_ID, "exceptions": EXCEPTIONS})
def compress_outside_refused(ctx: CheckContext) -> None:
    """Compressing with a user codec outside a container raises a clear error and never calls the codec."""
    codec_id = int(ctx.param("id"))
    rec = Recorder()
    register_pair(ctx, "outside", codec_id, rec.enc, rec.dec)
    _refused(ctx, f"compressing {len(SAMPLE)} bytes with codec {codec_id} outside a container",
             lambda: ctx.adapter.compress_outside(SAMPLE, cparams_for(codec_id, typesize=1, blocksize=BLOCK)))


@check("container.decompress_outside_refused", requires=("outside_container",),
       params={"id": CODEC_ID, "exceptions": EXCEPTIONS})
def decompress_outside_refused(ctx: CheckContext) -> None:
    """Decompressing a user-codec chunk outside its container raises a clear error."""
    codec_id = int(ctx.param("id"))
    rec = Recorder()
    register_pair(ctx, "outside", codec_id, rec.enc, rec.dec)
    container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK), chunksize=len(SAMPLE))
    fill(container, [SAMPLE])
    chunk = container.get_chunk(0)
    _refused(ctx, f"decompressing a codec-{codec_id} chunk outside a container",
             lambda: ctx.adapter.decompress_outside(chunk, DParams(nthreads=1)))


@check("container.compress_spellings", requires=("outside_container",), params={"id": CODEC_ID})
def compress_spellings(ctx: CheckContext) -> None:
    """Each spelling of compress2 with a user codec raises, or returns a chunk whose header records that codec."""
    codec_id = int(ctx.param("id"))
    rec = Recorder()
    register_pair(ctx, "spelt", codec_id, rec.enc, rec.dec)
    cparams = cparams_for(codec_id, typesize=1, blocksize=BLOCK)
    silent: list[str] = []
    spellings = ctx.adapter.compress_outside_spellings(SAMPLE, cparams)
    if not spellings:
        ctx.fail("the adapter names no spelling of compress_outside")
    for spelling, call in spellings.items():
        try:
            chunk = bytes(call())
        except NotImplementedError as exc:  # not a refusal: the host tried something else it lacks
            silent.append(f"{spelling} did not use the user codec: NotImplementedError: {exc}")
            continue
        except Exception:  # noqa: BLE001, S112 - refused: fine
            continue
        h = header(chunk)
        if h["udcodec"] != codec_id:
            silent.append(f"{spelling} wrote a chunk recording codec {h['udcodec']}, not {codec_id}")
    if silent:
        ctx.fail("; ".join(silent))


@check("container.decompress_spellings_refused", requires=("outside_container",),
       params={"id": CODEC_ID, "exceptions": EXCEPTIONS})
def decompress_spellings_refused(ctx: CheckContext) -> None:
    """Every spelling of decompress2 refuses a user-codec chunk; each one that does not is reported."""
    codec_id = int(ctx.param("id"))
    rec = Recorder()
    register_pair(ctx, "spelt", codec_id, rec.enc, rec.dec)
    container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK), chunksize=len(SAMPLE))
    fill(container, [SAMPLE])
    chunk = container.get_chunk(0)
    allowed = exception_types(ctx.param("exceptions"))
    accepted: list[str] = []
    for spelling, call in ctx.adapter.decompress_outside_spellings(chunk, DParams(nthreads=1)).items():
        try:
            got = call()
        except Exception as exc:  # noqa: BLE001
            if not any(isinstance(e, allowed) for e in exception_chain(exc)):
                accepted.append(f"{spelling} raised {describe_exc(exc)}")
            continue
        accepted.append(f"{spelling} succeeded and returned {len(got) if hasattr(got, '__len__') else '?'} bytes")
    if accepted:
        ctx.fail(f"decompressing a codec-{codec_id} chunk outside a container: " + "; ".join(accepted))


#: How each parameter a clause may leave out is checked: (name, test of a documented value).
_DOCUMENTABLE: dict[str, Callable[[Any], bool]] = {
    "splitmode": lambda v: v in SPLITMODE_IDS,
    "typesize": lambda v: isinstance(v, int) and 1 <= v <= 255,
    "codec_meta": lambda v: isinstance(v, int) and 0 <= v <= 255,
    "filters": lambda v: isinstance(v, list) and len(v) <= 6 and all(f in FILTER_IDS for f in v),
    "filters_meta": lambda v: isinstance(v, list) and len(v) <= 6 and all(isinstance(m, int) and 0 <= m <= 255 for m in v),
}


def _not_documented_params(documented: dict[str, Any]) -> str | None:
    """Why a clause's ``documented`` cannot be left out and given, or None."""
    for name, value in documented.items():
        if name not in _DOCUMENTABLE:
            return f"{name!r} is not one of: {', '.join(_DOCUMENTABLE)}"
        if not _DOCUMENTABLE[name](value):
            return f"{name}: {value!r} is not a value of that parameter"
    if ("filters" in documented) != ("filters_meta" in documented):
        return "filters and filters_meta must be left out together"
    return None if documented else "names no parameter"


def _written(ctx: CheckContext, rec: Recorder, cparams: CParams, data: bytes) -> tuple[dict[str, Any], bytes]:
    """What a new container writes for ``data``: the header fields a default shows in, the encoder's inputs, the chunk."""
    rec.calls.clear()
    container = new_container(ctx, cparams, chunksize=len(data))
    fill(container, [data])
    chunk = container.get_chunk(0)
    h = header(chunk)
    seen = {
        "split flag": "unsplit" if h["flags"] & DONT_SPLIT_FLAG else "split",
        "typesize": h["typesize"], "blocksize": h["blocksize"], "codec_meta": h["codec_meta"],
        "filters": list(chunk[16:22]), "filters_meta": list(chunk[24:30]),
        "encoder inputs": [(len(c.input_bytes), c.meta) for c in rec.of("encoder")],
        "encoder input bytes": b"".join(c.input_bytes for c in rec.of("encoder")),
    }
    return seen, chunk


def _shown(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        return ", ".join(f"{n}x {size} bytes (meta {meta})" for (size, meta), n in Counter(value).items())
    return str(value)


@check("container.default_as_documented",
       params={"id": CODEC_ID, "documented": Param(dict, test=_not_documented_params), "blocksize": Param(int, min=64)})
def default_as_documented(ctx: CheckContext) -> None:
    """With the ``documented`` parameters left out, a user codec's chunk is the one written with their values given.

    Compared: the header's split flag, typesize, block size, filters, filters_meta and codec_meta, the encoder's
    inputs (sizes, metas and bytes) and the chunk's bytes. Every other parameter is given, the same in both calls.
    """
    documented = {k: tuple(v) if isinstance(v, list) else v for k, v in dict(ctx.param("documented")).items()}
    if documented.get("splitmode", "auto") != "auto":
        ctx.require("splitmode")
    if any(f != "nofilter" for f in documented.get("filters", ())):
        ctx.require("filters")
    codec_id, blocksize = int(ctx.param("id")), int(ctx.param("blocksize"))
    rec = Recorder()
    register_pair(ctx, "documented", codec_id, rec.enc, rec.dec)
    data = make_data("random-runs", np.dtype("u1"), 4 * blocksize, 3)
    base: dict[str, Any] = {"typesize": 4, "blocksize": blocksize, "codec_meta": 0, "splitmode": "auto",
                            "filters": ("nofilter",), "filters_meta": ()}
    natural, natural_chunk = _written(ctx, rec, cparams_for(codec_id, **{**base, **dict.fromkeys(documented, NOT_GIVEN)}), data)
    given, given_chunk = _written(ctx, rec, cparams_for(codec_id, **{**base, **documented}), data)
    differ = [f"{name}: {first_difference(natural[name], given[name])}" if isinstance(natural[name], bytes)
              else f"{name} {_shown(natural[name])}, documented {_shown(given[name])}"
              for name in natural if natural[name] != given[name]]
    if natural_chunk != given_chunk:
        differ.append(f"chunk bytes: {first_difference(natural_chunk, given_chunk)}")
    if differ:
        left_out = ", ".join(f"{k}={v!r}" for k, v in documented.items())
        ctx.fail(f"codec {codec_id}, {len(data)} bytes: with {', '.join(documented)} left out the chunk is not the one "
                 f"written with the documented {left_out} given: " + "; ".join(differ))


@check("container.assigned_typesize",
       params={"id": CODEC_ID, "builtin": Param(int, min=1, max=5), "typesizes": Param(list, items=Param(int, min=1, max=255))})
def assigned_typesize(ctx: CheckContext) -> None:
    """cparams assigned to a container may change its typesize: a container written with the ``builtin`` codec and
    the first of ``typesizes`` is switched to the user codec with each of the others in turn, once empty and once
    holding chunks; the assignment is taken, each chunk appended after it records the codec and typesize assigned,
    and every chunk reads back."""
    codec_id, builtin = int(ctx.param("id")), int(ctx.param("builtin"))
    first, *others = (int(t) for t in ctx.param("typesizes"))
    if not others:
        ctx.fail("the check needs at least two typesizes")
    register_pair(ctx, "zlib", codec_id, zlib_encoder, zlib_decoder)
    problems: list[str] = []
    headers: list[Explanation | None] = []  # per problem: the header writer's defect it shows, if that is all
    for holding in (False, True):
        what = f"a container {'holding a chunk' if holding else 'still empty'} written with codec {builtin} and typesize {first}"
        container = new_container(ctx, cparams_for(builtin, typesize=first, blocksize=BLOCK), chunksize=len(SAMPLE))
        if holding:
            fill(container, [SAMPLE])
        wanted = [(builtin, first)] * container.nchunks
        for typesize in others:
            assignment = f"cparams with codec {codec_id} and typesize {typesize} assigned to {what}"
            try:
                container.update_cparams(CParams.only(codec=codec_id, typesize=typesize))
                container.append(SAMPLE)
            except Exception as exc:  # noqa: BLE001 - python-blosc2 takes the assignment on every line
                problems.append(f"{assignment}: raised {describe_exc(exc)}")
                headers.append(None)
                break
            wanted.append((codec_id, typesize))
            got = header(container.get_chunk(container.nchunks - 1))
            if (got["udcodec"], got["typesize"]) != (codec_id, typesize):
                problems.append(f"{assignment}: the next chunk records codec {got['udcodec']} and typesize "
                                f"{got['typesize']}")
                headers.append(header_codec_defect(got["udcodec"], got["codec_meta"], (codec_id, 0))
                               if got["typesize"] == typesize else None)
        for i in range(container.nchunks):
            try:
                back = container.decompress_chunk(i)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{what}: chunk {i} (codec {wanted[i][0]}, typesize {wanted[i][1]}) raised "
                                f"{describe_exc(exc)} when read")
                headers.append(None)
                continue
            if back != SAMPLE:
                problems.append(f"{what}: chunk {i} (codec {wanted[i][0]}, typesize {wanted[i][1]}) read back "
                                f"({first_difference(back, SAMPLE)})")
                headers.append(None)
    if problems:
        ctx.fail("; ".join(problems), explained_by=headers[0] if all(headers) else None)
