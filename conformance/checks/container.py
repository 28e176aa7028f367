"""Checks that user codecs are refused outside a container."""

from __future__ import annotations

from udcodec.adapters.protocol import DParams
from udcodec.checks.api import CheckContext, check, describe_exc, exception_chain, exception_types
from udcodec.checks.common import (
    BLOCK,
    CODEC_ID,
    EXCEPTIONS,
    SAMPLE,
    cparams_for,
    fill,
    header,
    new_container,
    register_pair,
)
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
