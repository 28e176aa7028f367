"""Checks of what the host passes to encoder/decoder callbacks and how it treats what they return."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from udcodec.checks.api import (
    CheckContext,
    Param,
    check,
    describe_exc,
    exception_chain,
    exception_types,
    value_text,
)
from udcodec.checks.common import (
    BLOCK,
    CODEC_ID,
    EXCEPTIONS,
    ID_RANGE,
    SAMPLE,
    WHOLE_ITEMS,
    IdPool,
    Keeper,
    cparams_for,
    fill,
    first_difference,
    header,
    kept_buffer_problems,
    literal,
    new_container,
    not_a_literal,
    partial_items,
    read_back,
    register_pair,
    whole_item_cases,
)
from udcodec.strategies import Layout, layouts
from udcodec.testcodecs import (
    Call,
    Recorder,
    size_tolerant_zlib_decoder,
    zlib_decoder,
    zlib_encoder,
    zlib_stream,
)

#: Compressible data: four 1 KiB blocks of a smooth ramp (zlib shrinks it, so the decoder runs too).

#: A codec meta (one byte), and which callback a check is about.
META = Param(int, min=0, max=255)
KIND = Param(str, choices=("encoder", "decoder"))


def _not_a_return(text: str) -> str | None:
    return None if re.fullmatch(r"OUT[+-]\d+", text) else not_a_literal(text)


#: What a callback returns: a Python literal, or ``OUT+N`` / ``OUT-N`` (the output buffer's size plus N).
RETURNS = Param(list, items=Param(str, test=_not_a_return))


def _return_value(text: str) -> Any:
    return text if text.startswith("OUT") else literal(text)


def _sized(value: Any, output: np.ndarray) -> Any:
    return output.size + int(value[3:]) if isinstance(value, str) and value.startswith("OUT") else value


def _sample_container(ctx: CheckContext, codec_id: int, meta: int = 0) -> Any:
    return new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK, codec_meta=meta), chunksize=len(SAMPLE))


def _check_call(ctx: CheckContext, call: Call, meta: int) -> None:
    who = f"{call.kind} call"
    if call.input_type != "ndarray" or call.output_type != "ndarray":
        ctx.fail(f"{who}: input/output are {call.input_type}/{call.output_type}, expected numpy ndarrays")
    if call.input_dtype != "uint8" or call.output_dtype != "uint8":
        ctx.fail(f"{who}: input/output dtypes are {call.input_dtype}/{call.output_dtype}, expected uint8")
    if len(call.input_shape) != 1 or len(call.output_shape) != 1:
        ctx.fail(f"{who}: input/output shapes are {call.input_shape}/{call.output_shape}, expected 1-D")
    if not call.input_contiguous:
        ctx.fail(f"{who}: the input array is not contiguous")
    if call.output_shape[0] < 1:
        ctx.fail(f"{who}: the output buffer is empty")
    if call.kind == "encoder" and call.output_shape[0] > call.input_shape[0]:
        ctx.fail(f"{who}: the output buffer holds {call.output_shape[0]} bytes, more than the {call.input_shape[0]}-byte "
                 "input (a stream that does not shrink is stored raw)")
    if call.meta != meta or not isinstance(call.meta, int | np.integer):
        ctx.fail(f"{who}: meta is {call.meta!r}, expected the codec_meta {meta}")
    if not ctx.adapter.is_container(call.container):
        ctx.fail(f"{who}: the fourth argument is {type(call.container).__name__}, expected the container (SChunk)")


@check("callbacks.arguments", params={"id": CODEC_ID, "meta": META, "kinds": Param(list, items=KIND)})
def arguments(ctx: CheckContext) -> None:
    """Encoder and decoder receive uint8 1-D arrays, the codec meta and the container."""
    meta = int(ctx.param("meta"))
    rec = Recorder()
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "rec", codec_id, rec.enc, rec.dec)
    container = _sample_container(ctx, codec_id, meta)
    fill(container, [SAMPLE])
    read_back(container)
    for kind in ctx.param("kinds"):
        calls = rec.of(kind)
        if not calls:
            ctx.fail(f"the {kind} was never called while compressing/decompressing {len(SAMPLE)} compressible bytes")
        for call in calls:
            _check_call(ctx, call, meta)


def _one_byte_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    output[0] = 0
    return 1


@check("callbacks.input_is_block", params={"id": CODEC_ID, "min_chunk_bytes": Param(int, min=0), "min_block_bytes": Param(int, min=0),
                 "max_chunk_items": Param(int, min=1), "smallest_encoded_chunk": Param(int, min=0, default=0)})
def input_is_block(ctx: CheckContext) -> None:
    """Without filters or splitting, the encoder gets each block of the chunk, in order, whole.

    The encoder here shrinks every block to one byte (nothing is read back), so the chunk never runs
    out of room: a host may stop calling the encoder once raw blocks have filled the chunk. A host may store without calling the encoder a
    block made of one repeated byte, a block shorter than ``min_block_bytes`` or a chunk shorter than
    ``min_chunk_bytes`` (c-blosc2 does); every other block must reach it. A chunk of exactly
    ``smallest_encoded_chunk`` bytes (0: none) is checked too: hosts store only shorter ones raw.
    """
    codec_id = int(ctx.param("id"))
    rec = Recorder(_one_byte_encoder, zlib_decoder)
    register_pair(ctx, "blocks", codec_id, rec.enc, rec.dec)
    min_chunk, min_block = int(ctx.param("min_chunk_bytes")), int(ctx.param("min_block_bytes"))

    def counted(block: bytes) -> bool:
        return len(block) >= min_block and len(set(block)) > 1

    def prop(layout: Any, min_chunk: int = min_chunk) -> None:
        rec.calls.clear()
        container = new_container(ctx, cparams_for(codec_id, layout), chunksize=layout.chunksize)
        for chunk in layout.chunks():
            before = len(rec.calls)
            container.append(chunk)
            inputs = [c.input_bytes for c in rec.calls[before:] if c.kind == "encoder"]
            if len(chunk) < min_chunk:
                continue
            # The host may adjust the blocksize asked for; the chunk header says what it used.
            blocksize = header(container.get_chunk(container.nchunks - 1))["blocksize"]
            blocks = [chunk[i : i + blocksize] for i in range(0, len(chunk), blocksize)]
            expected = [b for b in blocks if counted(b)]
            got = [i for i in inputs if counted(i)]
            if got != expected:
                sizes = [len(i) for i in inputs]
                ctx.fail(f"a {len(chunk)}-byte chunk with blocksize {blocksize} reached the encoder as inputs of "
                         f"sizes {sizes[:12]}{'...' if len(sizes) > 12 else ''}, not as its {len(blocks)} blocks in order")

    ctx.for_all(
        layouts(contents=("random", "arange"), dtypes=("u1", "i4", "f8"), block_items=(64, 100, 256), max_chunks=2, allow_empty=False,
                max_chunk_items=int(ctx.param("max_chunk_items"))),
        prop,
    )
    smallest = int(ctx.param("smallest_encoded_chunk"))
    if smallest:
        prop(Layout(dtype="u1", typesize=1, chunk_items=smallest, block_items=0, nitems=smallest, content="random",
                    seed=smallest, filters=("nofilter",), splitmode="never"), min_chunk=smallest)


@check("callbacks.whole_items", params={"id": CODEC_ID, **WHOLE_ITEMS})
def whole_items(ctx: CheckContext) -> None:
    """With the blocksize left out and no split, every encoder input and decoder output is whole items."""
    codec_id = int(ctx.param("id"))
    lengths: dict[str, list[int]] = {"encoder": [], "decoder": []}

    def encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
        lengths["encoder"].append(int(input.size))
        return zlib_encoder(input, output, meta, schunk)

    def decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
        lengths["decoder"].append(int(output.size))
        return zlib_decoder(input, output, meta, schunk)

    register_pair(ctx, "items", codec_id, encoder, decoder)
    problems: list[str] = []
    for case in whole_item_cases(ctx):
        for seen in lengths.values():
            seen.clear()
        container = new_container(ctx, cparams_for(codec_id, typesize=case.typesize, clevel=case.clevel, blocksize=0,
                                                   splitmode="never"), chunksize=len(case.data))
        container.append(case.data)
        container.decompress_chunk(0)
        if not lengths["encoder"]:
            problems.append(f"{case.where()}: the encoder was never called")
        for kind, seen in lengths.items():
            what = "inputs" if kind == "encoder" else "outputs"
            partial = partial_items(seen, case.typesize)
            if partial:
                problems.append(f"{case.where()}: the {kind}'s {what} were {partial}")
    if problems:
        ctx.fail(f"{len(problems)} problem(s): " + "; ".join(problems[:3]))


@check("callbacks.decoder_sizes", params={"id": CODEC_ID, "tail": Param(int, min=0, max=len(SAMPLE))}, explains=1)
def decoder_sizes(ctx: CheckContext) -> None:
    """The decoder's output size is the size of the block its input was encoded from."""
    rec = Recorder(zlib_encoder, size_tolerant_zlib_decoder)  # a wrong output size is seen here
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "dsz", codec_id, rec.enc, rec.dec)
    data = SAMPLE + SAMPLE[: int(ctx.param("tail"))]
    container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK), chunksize=len(data))
    fill(container, [data])
    encoded = {zlib_stream(c.input_bytes): len(c.input_bytes) for c in rec.of("encoder")}
    try:
        got = read_back(container)
    finally:  # the calls recorded say what was wrong, also when the host's own check of them raised
        for call in rec.of("decoder"):
            want = encoded.get(call.input_bytes)
            if want is None:
                ctx.fail(f"the decoder received {len(call.input_bytes)} bytes that no encoder call returned")
            if call.output_shape[0] != want:
                ctx.fail(f"the decoder's output holds {call.output_shape[0]} bytes, but its block had {want}")
    if got != data:
        ctx.fail(f"the data did not round-trip through a correct codec: {first_difference(got, data)}")


def _returning(value: Any) -> Any:
    def encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> Any:
        output[: min(8, output.size)] = 1
        return _sized(value, output)

    return encoder


def _decoder_returning(value: Any) -> Any:
    def decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> Any:
        zlib_decoder(input, output, meta, schunk)
        return _sized(value, output)

    return decoder


def _clean_failure_problem(what: str, allowed: tuple[type[BaseException], ...], action: Any) -> str | None:
    """Why ``action`` did not fail with one of ``allowed`` (itself or anywhere in its chain), or None.

    A rejection wrapped in SystemError still counts as the rejection: how it is wrapped is
    CB-NO-SYSTEMERROR's business, so the wrapping is not counted a second time here.
    """
    try:
        action()
    except Exception as exc:  # noqa: BLE001
        if not any(isinstance(e, allowed) for e in exception_chain(exc)):
            return f"{what}: raised {describe_exc(exc)}; expected {' or '.join(t.__name__ for t in allowed)}"
        return None
    return f"{what}: no error was raised"


@check("callbacks.encoder_return_rejected", params={**ID_RANGE, "values": RETURNS, "exceptions": EXCEPTIONS})
def encoder_return_rejected(ctx: CheckContext) -> None:
    """An encoder returning an invalid size makes the append fail, and nothing is stored; every value is reported."""
    allowed = exception_types(ctx.param("exceptions"))
    pool = IdPool(int(ctx.param("min")), int(ctx.param("max")))
    problems: list[str] = []
    for text in ctx.param("values"):
        value = _return_value(text)
        codec_id = pool.next()
        register_pair(ctx, f"ret{codec_id}", codec_id, _returning(value), zlib_decoder)
        container = _sample_container(ctx, codec_id)
        problem = _clean_failure_problem(f"an encoder returning {value!r}", allowed, lambda c=container: c.append(SAMPLE))
        if problem:
            problems.append(problem)
        if container.nchunks != 0:
            problems.append(f"the encoder returned {value_text(value)}, yet the container now holds {container.nchunks} chunk(s)")
    if problems:
        ctx.fail("; ".join(problems))


@check("callbacks.decoder_return_rejected", params={**ID_RANGE, "values": RETURNS, "exceptions": EXCEPTIONS})
def decoder_return_rejected(ctx: CheckContext) -> None:
    """A decoder returning anything but the output size makes the read fail; every value is reported."""
    allowed = exception_types(ctx.param("exceptions"))
    pool = IdPool(int(ctx.param("min")), int(ctx.param("max")))
    problems: list[str] = []
    for text in ctx.param("values"):
        value = _return_value(text)
        codec_id = pool.next()
        register_pair(ctx, f"dret{codec_id}", codec_id, zlib_encoder, _decoder_returning(value))
        container = _sample_container(ctx, codec_id)
        fill(container, [SAMPLE])
        problem = _clean_failure_problem(f"a decoder returning {value!r}", allowed, lambda c=container: c.decompress_chunk(0))
        if problem:
            problems.append(problem)
    if problems:
        ctx.fail("; ".join(problems))


class _Marker(Exception):
    """Raised by the checks' own callbacks, to be recognised when it comes back."""


@check("callbacks.exception_propagates", params={"id": CODEC_ID, "kind": KIND})
def exception_propagates(ctx: CheckContext) -> None:
    """An exception raised in a callback reaches the caller as itself or chained to it; nothing is stored."""
    codec_id = int(ctx.param("id"))
    raised: list[BaseException] = []

    def raising(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
        exc = _Marker(f"raised inside the {ctx.param('kind')}")
        raised.append(exc)
        raise exc

    kind = ctx.param("kind")
    if kind == "encoder":
        register_pair(ctx, "raise", codec_id, raising, zlib_decoder)
        container = _sample_container(ctx, codec_id)
        action = lambda: container.append(SAMPLE)  # noqa: E731
    else:
        register_pair(ctx, "raise", codec_id, zlib_encoder, raising)
        container = _sample_container(ctx, codec_id)
        fill(container, [SAMPLE])
        action = lambda: container.decompress_chunk(0)  # noqa: E731
    before = container.nchunks
    try:
        action()
    except BaseException as exc:  # noqa: BLE001
        if not raised:
            ctx.fail(f"the call failed with {describe_exc(exc)} before the {kind} was even called")
        if not any(e is raised[0] for e in exception_chain(exc)):
            ctx.fail(f"the {kind}'s exception did not reach the caller: got {describe_exc(exc)}")
    else:
        ctx.fail(f"the {kind} raised {raised[0]!r} but the call succeeded" if raised else f"the {kind} was never called")
    if container.nchunks != before:
        ctx.fail(f"the encoder raised, yet the container now holds {container.nchunks} chunks (was {before})")


@check("callbacks.no_system_error", params=ID_RANGE)
def no_system_error(ctx: CheckContext) -> None:
    """Callback failures surface as ordinary exceptions, never SystemError (an interpreter-level bug signal)."""
    pool = IdPool(int(ctx.param("min")), int(ctx.param("max")))

    def raising(*args: Any) -> int:
        raise _Marker("callback failure")

    cases = {"an encoder that raises": (raising, zlib_decoder, "append"),
             "an encoder returning None": (_returning(None), zlib_decoder, "append"),
             "a decoder that raises": (zlib_encoder, raising, "read")}
    wrapped: list[str] = []
    for what, (enc, dec, op) in cases.items():
        codec_id = pool.next()
        register_pair(ctx, f"se{codec_id}", codec_id, enc, dec)
        container = _sample_container(ctx, codec_id)
        try:
            if op == "read":
                fill(container, [SAMPLE])
                container.decompress_chunk(0)
            else:
                container.append(SAMPLE)
        except SystemError as exc:
            wrapped.append(f"{what}: the caller got {describe_exc(exc)}")
        except Exception:  # noqa: BLE001 - any ordinary exception is fine here
            pass
    if wrapped:
        ctx.fail("; ".join(wrapped))


@check("callbacks.output_past_return_ignored", params={"id": CODEC_ID})
def output_past_return_ignored(ctx: CheckContext) -> None:
    """Only the returned number of output bytes is stored: the decoder gets exactly them back."""
    codec_id = int(ctx.param("id"))
    returned: set[bytes] = set()

    def scribbling(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
        n = zlib_encoder(input, output, meta, schunk)
        if n:
            returned.add(output[:n].tobytes())
            output[n:] = 0xAA
        return n

    rec = Recorder(scribbling, zlib_decoder)
    register_pair(ctx, "scribble", codec_id, rec.enc, rec.dec)
    container = _sample_container(ctx, codec_id)
    fill(container, [SAMPLE])
    got = read_back(container)
    if got != SAMPLE:
        ctx.fail(f"bytes written past the returned size corrupted the data: {first_difference(got, SAMPLE)}")
    for call in rec.of("decoder"):
        if call.input_bytes not in returned:
            ctx.fail(f"the decoder received {len(call.input_bytes)} bytes that are not what the encoder returned")



@check("callbacks.kept_buffers", params={"id": CODEC_ID})
def kept_buffers(ctx: CheckContext) -> None:
    """A codec keeps every input and output array it was given, and writes 0xA5 into them: into those of earlier
    calls at the end of each later call (scratch space it thinks is its own), and into all of them afterwards.

    The stored chunks, the data read back and the caller's bytes object and NumPy array must be unchanged (a write
    may raise: read-only arrays are fine). A crash of the host is the child's death.
    """
    codec_id = int(ctx.param("id"))
    keeper = Keeper()
    register_pair(ctx, "keeper", codec_id, keeper.wrap(zlib_encoder), keeper.wrap(zlib_decoder))
    container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK), chunksize=len(SAMPLE))
    problems = kept_buffer_problems(container, keeper, SAMPLE, "codec", ctx.doing)
    if problems:
        ctx.fail("; ".join(problems))


