"""Checks of the container a user codec runs in: refused outside one, and its documented defaults."""

from __future__ import annotations

from typing import Any

import numpy as np
from udcodec.adapters.protocol import NOT_GIVEN, SPLITMODE_IDS, CParams, DParams
from udcodec.checks.api import (
    CheckContext,
    Param,
    check,
    describe_exc,
    exception_chain,
    exception_types,
)
from udcodec.checks.common import (
    BLOCK,
    CODEC_ID,
    EXCEPTIONS,
    SAMPLE,
    cparams_for,
    fill,
    first_difference,
    header,
    new_container,
    register_pair,
)
from udcodec.strategies import make_data
from udcodec.testcodecs import Recorder


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


#: The chunk header's flag that says the blocks were not split into one stream per byte of the typesize.
DONT_SPLIT_FLAG = 0x10


def _written(ctx: CheckContext, rec: Recorder, cparams: CParams, data: bytes) -> tuple[bytes, list[int]]:
    """The chunk a new container writes for ``data`` and the sizes of the encoder's inputs, in order."""
    rec.calls.clear()
    container = new_container(ctx, cparams, chunksize=len(data))
    fill(container, [data])
    return container.get_chunk(0), [len(c.input_bytes) for c in rec.of("encoder")]


def _split(chunk: bytes) -> str:
    return "unsplit" if header(chunk)["flags"] & DONT_SPLIT_FLAG else "split"


@check("container.splitmode_default",
       params={"id": CODEC_ID, "documented": Param(str, choices=tuple(SPLITMODE_IDS)),
               "typesize": Param(int, min=2, max=16), "blocksize": Param(int, min=64)})
def splitmode_default(ctx: CheckContext) -> None:
    """With the split mode left out, a user codec's chunk is the one written with the documented default given.

    The header's split flag, the sizes of the encoder's inputs (whole blocks, or one stream per byte of
    the typesize) and the chunk's bytes are compared; every other parameter is given.
    """
    documented = str(ctx.param("documented"))
    if documented != "auto":
        ctx.require("splitmode")
    codec_id, typesize, blocksize = int(ctx.param("id")), int(ctx.param("typesize")), int(ctx.param("blocksize"))
    rec = Recorder()
    register_pair(ctx, "splitdefault", codec_id, rec.enc, rec.dec)
    data = make_data("random-runs", np.dtype("u1"), 4 * blocksize, 3)
    fields: dict[str, Any] = {"typesize": typesize, "blocksize": blocksize, "filters": ("nofilter",)}
    natural, natural_inputs = _written(ctx, rec, cparams_for(codec_id, splitmode=NOT_GIVEN, **fields), data)
    given, given_inputs = _written(ctx, rec, cparams_for(codec_id, splitmode=documented, **fields), data)
    where = (f"codec {codec_id}, typesize {typesize}, blocksize {blocksize}, {len(data)} bytes: with the split mode "
             f"left out")
    if _split(natural) != _split(given):
        ctx.fail(f"{where} the chunk is {_split(natural)} (header flags {header(natural)['flags']:#04x}), with the "
                 f"documented default {documented!r} given it is {_split(given)} ({header(given)['flags']:#04x}); "
                 f"the encoder got inputs of {sorted(set(natural_inputs))} bytes, not {sorted(set(given_inputs))}")
    if natural_inputs != given_inputs:
        ctx.fail(f"{where} the encoder got inputs of {natural_inputs} bytes, with the documented default "
                 f"{documented!r} given {given_inputs}")
    if natural != given:
        ctx.fail(f"{where} the chunk differs from the one written with the documented default {documented!r} "
                 f"given: {first_difference(natural, given)}")
