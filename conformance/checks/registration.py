"""Checks of register_codec's argument rules and of the registry it maintains."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from hypothesis import strategies as st
from udcodec.checks.api import (
    CheckContext,
    CheckFailed,
    Param,
    check,
    describe_exc,
    exception_chain,
    exception_types,
    expect_rejection,
    value_text,
)
from udcodec.checks.common import (
    CODEC_ID,
    DTYPE,
    EXCEPTIONS,
    ID_RANGE,
    LITERALS,
    IdPool,
    Offences,
    cparams_for,
    fill,
    literal,
    new_container,
    read_back,
    register_pair,
)
from udcodec.strategies import ids_outside
from udcodec.testcodecs import Recorder, zlib_decoder, zlib_encoder

#: The id range the contract claims a host accepts: the claim under test, so not bounded by the user range.
ACCEPTED_IDS = {"min": Param(int, min=0), "max": Param(int, min=0)}

ROUNDTRIP_DATA = bytes(range(256)) * 16 + bytes(4096)


def _usable(ctx: CheckContext, codec_id: int, recorder: Recorder | None = None) -> None:
    """A registered codec must work in a container: round trip, and its encoder is the one called."""
    container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=1024), chunksize=len(ROUNDTRIP_DATA))
    fill(container, [ROUNDTRIP_DATA])
    if read_back(container) != ROUNDTRIP_DATA:
        ctx.fail(f"a container using codec id {codec_id!r} did not round-trip its data")
    if recorder is not None and not recorder.of("encoder"):
        ctx.fail(f"a container using codec id {codec_id!r} never called the registered encoder")


def _snapshot(ctx: CheckContext) -> dict[Any, Any]:
    return dict(ctx.adapter.registry())


def _rejected_unchanged(ctx: CheckContext, what: str, allowed: tuple[type[BaseException], ...], *args: Any, **kw: Any) -> None:
    before = _snapshot(ctx)
    with expect_rejection(ctx, what, allowed):
        ctx.adapter.register_codec(*args, **kw)
    after = _snapshot(ctx)
    if after != before:
        ctx.fail(f"{what}: was rejected but the registry changed: {sorted(map(repr, set(after) ^ set(before)))}")


@check("registration.accepts_ids", params=ACCEPTED_IDS)
def accepts_ids(ctx: CheckContext) -> None:
    """Every id in [min, max] is accepted, listed in the registry, and usable; both edges included."""
    lo, hi = int(ctx.param("min")), int(ctx.param("max"))
    for codec_id in range(lo, hi + 1):
        try:
            ctx.adapter.register_codec(f"codec{codec_id}", codec_id, zlib_encoder, zlib_decoder)
        except Exception as exc:  # noqa: BLE001
            ctx.fail(f"register_codec('codec{codec_id}', {codec_id}, enc, dec) was rejected: {describe_exc(exc)}")
        if codec_id not in ctx.adapter.registry():
            ctx.fail(f"id {codec_id} was accepted but is not in the registry")
    for codec_id in (lo, hi):
        _usable(ctx, codec_id)


@check("registration.rejects_ids", params={**ACCEPTED_IDS, "exceptions": EXCEPTIONS})
def rejects_ids(ctx: CheckContext) -> None:
    """Integer ids outside [min, max] are rejected with the given exception and change nothing."""
    lo, hi = int(ctx.param("min")), int(ctx.param("max"))
    allowed = exception_types(ctx.param("exceptions"))

    def prop(codec_id: int) -> None:
        _rejected_unchanged(ctx, f"register_codec('c', {codec_id}, enc, dec)", allowed, "c", codec_id, zlib_encoder, zlib_decoder)

    for value in (lo - 1, hi + 1):  # the edges always, whatever the profile
        prop(value)
    ctx.for_all(ids_outside(lo, hi), prop)


@check("registration.rejects_id_types", params={**ACCEPTED_IDS, "values": LITERALS, "exceptions": EXCEPTIONS})
def rejects_id_types(ctx: CheckContext) -> None:
    """Ids that are not integers are rejected (listed values, and floats drawn inside the range)."""
    allowed = exception_types(ctx.param("exceptions"))
    lo, hi = int(ctx.param("min")), int(ctx.param("max"))

    def prop(value: Any) -> None:
        _rejected_unchanged(ctx, f"register_codec('c', {value!r}, enc, dec)", allowed, "c", value, zlib_encoder, zlib_decoder)

    offences = Offences(ctx)
    for text in ctx.param("values"):
        with offences.each():
            prop(literal(text))
    offences.report()
    ctx.for_all(st.floats(lo, hi, allow_nan=False), prop)


@check("registration.accepts_integer_like_ids", params={"base_id": CODEC_ID, "dtypes": Param(list, items=DTYPE)})
def accepts_integer_like_ids(ctx: CheckContext) -> None:
    """NumPy integer ids are accepted like the equal int, and the codec is usable under that int."""
    for i, dtype in enumerate(ctx.param("dtypes")):
        value = np.dtype(dtype).type(int(ctx.param("base_id")) + i)
        try:
            ctx.adapter.register_codec(f"np{i}", value, zlib_encoder, zlib_decoder)
        except Exception as exc:  # noqa: BLE001
            ctx.fail(f"register_codec('np{i}', np.{np.dtype(dtype).name}({int(value)}), enc, dec) was rejected: {describe_exc(exc)}")
        _usable(ctx, int(value))


@check("registration.rejects_duplicate_id", params={"id": CODEC_ID, "exceptions": EXCEPTIONS})
def rejects_duplicate_id(ctx: CheckContext) -> None:
    """Registering an id twice is rejected; the first codec stays registered and in use."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    first, second = Recorder(), Recorder()
    register_pair(ctx, "first", codec_id, first.enc, first.dec)
    _rejected_unchanged(ctx, f"registering id {codec_id} a second time", allowed, "second", codec_id, second.enc, second.dec)
    _usable(ctx, codec_id, first)
    if second.calls:
        ctx.fail(f"after the rejected re-registration of id {codec_id}, the rejected codec was called")


@check("registration.rejects_unpaired", params={"id": CODEC_ID, "exceptions": EXCEPTIONS})
def rejects_unpaired(ctx: CheckContext) -> None:
    """An encoder without a decoder, or a decoder without an encoder, is rejected."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    offences = Offences(ctx)
    for what, args, kw in ((f"register_codec('c', {codec_id}, enc, None)", ("c", codec_id, zlib_encoder, None), {}),
                           (f"register_codec('c', {codec_id}, None, dec)", ("c", codec_id, None, zlib_decoder), {}),
                           (f"register_codec('c', {codec_id}, encoder=enc)", ("c", codec_id), {"encoder": zlib_encoder}),
                           (f"register_codec('c', {codec_id}, decoder=dec)", ("c", codec_id), {"decoder": zlib_decoder})):
        with offences.each():
            _rejected_unchanged(ctx, what, allowed, *args, **kw)
    offences.report()


@check("registration.rejects_non_callables", params={"id": CODEC_ID, "values": LITERALS, "exceptions": EXCEPTIONS})
def rejects_non_callables(ctx: CheckContext) -> None:
    """Encoders and decoders that are not callable are rejected at registration (each call at its own id, from ``id`` up)."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    offences = Offences(ctx)
    ids = iter(range(codec_id, 256))  # a fresh id per call: an accepted value must not turn the next into a duplicate
    for text in ctx.param("values"):
        bad = literal(text)
        with offences.each():
            cid = next(ids)
            _rejected_unchanged(ctx, f"register_codec('c', {cid}, {bad!r}, dec)", allowed, "c", cid, bad, zlib_decoder)
        with offences.each():
            cid = next(ids)
            _rejected_unchanged(ctx, f"register_codec('c', {cid}, enc, {bad!r})", allowed, "c", cid, zlib_encoder, bad)
    offences.report()


@check("registration.rejects_names", params={"id": CODEC_ID, "values": LITERALS, "exceptions": EXCEPTIONS})
def rejects_names(ctx: CheckContext) -> None:
    """Codec names outside the rules are rejected with the given exception (each at its own id, from ``id`` up)."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    offences = Offences(ctx)
    for cid, text in zip(range(codec_id, 256), ctx.param("values"), strict=False):  # a fresh id per value
        name = literal(text)
        with offences.each():
            _rejected_unchanged(ctx, f"register_codec({name!r}, {cid}, enc, dec)", allowed, name, cid, zlib_encoder, zlib_decoder)
    offences.report()


@check("registration.accepts_names", params={**ID_RANGE, "values": LITERALS})
def accepts_names(ctx: CheckContext) -> None:
    """Valid codec names are accepted and recorded."""
    pool = IdPool(int(ctx.param("min")), int(ctx.param("max")))
    for text in ctx.param("values"):
        name = literal(text)
        codec_id = pool.next()
        register_pair(ctx, name, codec_id, zlib_encoder, zlib_decoder)


@check("registration.versions", params={**ID_RANGE, "valid": LITERALS, "invalid": LITERALS, "exceptions": EXCEPTIONS})
def versions(ctx: CheckContext) -> None:
    """Versions in the valid list are accepted; the invalid ones are rejected with the given exceptions."""
    pool = IdPool(int(ctx.param("min")), int(ctx.param("max")))
    allowed = exception_types(ctx.param("exceptions"))
    for text in ctx.param("valid"):
        value, codec_id = literal(text), pool.next()
        try:
            ctx.adapter.register_codec("v", codec_id, zlib_encoder, zlib_decoder, version=value)
        except Exception as exc:  # noqa: BLE001
            ctx.fail(f"register_codec('v', {codec_id}, enc, dec, version={value!r}) was rejected: {describe_exc(exc)}")
    offences = Offences(ctx)
    for text in ctx.param("invalid"):
        value, codec_id = literal(text), pool.next()
        with offences.each():
            _rejected_unchanged(ctx, f"register_codec('v', {codec_id}, enc, dec, version={value!r})", allowed,
                                "v", codec_id, zlib_encoder, zlib_decoder, version=value)
    offences.report()


@check("registration.returns_none", params={"id": CODEC_ID})
def returns_none(ctx: CheckContext) -> None:
    """register_codec returns None."""
    got = ctx.adapter.register_codec("c", int(ctx.param("id")), zlib_encoder, zlib_decoder)
    if got is not None:
        ctx.fail(f"register_codec returned {value_text(got)}, expected None")


@check("registration.registry_entry", params={"id": CODEC_ID})
def registry_entry(ctx: CheckContext) -> None:
    """After registration the registry maps the id to (name, encoder, decoder)."""
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "entry", codec_id, zlib_encoder, zlib_decoder)
    entry = ctx.adapter.registry().get(codec_id)
    if entry != ("entry", zlib_encoder, zlib_decoder):
        ctx.fail(f"registry()[{codec_id}] is {entry!r}, expected ('entry', encoder, decoder)")


def _arg_text(value: Any) -> str:
    """An argument as a message shows it: the test codec's functions by role, never by address."""
    if value is zlib_encoder:
        return "enc"
    if value is zlib_decoder:
        return "dec"
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    return repr(value)


def _call_text(args: tuple[Any, ...]) -> str:
    return f"register_codec({', '.join(map(_arg_text, args))})"


@check("registration.rejection_is_atomic", params={"id": CODEC_ID})
def rejection_is_atomic(ctx: CheckContext) -> None:
    """Whatever argument is bad, a rejected registration leaves the registry exactly as it was.

    Every bad call that leaves something behind is reported, each in words that are the same on every run.
    """
    kept = int(ctx.param("id"))
    register_pair(ctx, "kept", kept, zlib_encoder, zlib_decoder)
    fresh = iter(range(kept + 1, 256))
    bad_calls: list[tuple[Any, ...]] = [
        ("c", kept, zlib_encoder, zlib_decoder),  # duplicate id
        ("c", next(fresh), zlib_encoder, None),
        ("c", next(fresh), 5, zlib_decoder),
        (None, next(fresh), zlib_encoder, zlib_decoder),
        ("c", next(fresh), zlib_encoder, zlib_decoder, -1),
        ("c", next(fresh), zlib_encoder, zlib_decoder, 256),
        ("c", 159, zlib_encoder, zlib_decoder),
        ("c", str(next(fresh)), zlib_encoder, zlib_decoder),
    ]
    left: list[str] = []
    for args in bad_calls:
        before = _snapshot(ctx)
        try:
            ctx.adapter.register_codec(*args)
        except Exception as exc:  # noqa: BLE001 - rejected: look behind it
            after = _snapshot(ctx)
            if after != before:
                left.append(f"{_call_text(args)} was rejected ({type(exc).__name__}) but changed the registry: "
                            f"{sorted(map(repr, set(after) ^ set(before)))}")
            codec_id = args[1]
            if isinstance(codec_id, int) and kept < codec_id <= 255:
                # State the registry snapshot cannot show (a C table, a plugin table) would make
                # the corrected retry fail with "already in use": that retry is why this matters.
                try:
                    ctx.adapter.register_codec("retry", codec_id, zlib_encoder, zlib_decoder)
                except Exception as retry:  # noqa: BLE001
                    left.append(f"after {_call_text(args)} was rejected, registering id {codec_id} with valid "
                                f"arguments failed: {type(retry).__name__}: {retry}")
        # An accepted bad call is judged by the clause of that argument, not here.
    if left:
        ctx.fail("; ".join(left))
    _usable(ctx, kept)


@check("registration.noninteger_id_claims_nothing", params={"values": LITERALS})
def noninteger_id_claims_nothing(ctx: CheckContext) -> None:
    """After register_codec with a non-integer id (accepted or rejected), the ids around it are still free.

    Every integer next to each value is then registered with a valid codec and used; every
    id the non-integer call took is reported, not just the first.
    """
    taken: list[str] = []
    for text in ctx.param("values"):
        value = literal(text)
        try:
            ctx.adapter.register_codec("c", value, zlib_encoder, zlib_decoder)
        except Exception:  # noqa: BLE001, S110 - rejecting it is the other clause's business (REG-ID-TYPE)
            pass
        for codec_id in sorted({int(np.floor(value)), int(np.ceil(value))}):
            if not 160 <= codec_id <= 255:
                continue
            try:
                ctx.adapter.register_codec(f"after{codec_id}", codec_id, zlib_encoder, zlib_decoder)
                _usable(ctx, codec_id)
            except CheckFailed as failed:
                taken.append(f"after register_codec('c', {value!r}, enc, dec), id {codec_id} is unusable: {failed}")
            except Exception as exc:  # noqa: BLE001
                taken.append(f"after register_codec('c', {value!r}, enc, dec), registering id {codec_id} "
                             f"failed: {describe_exc(exc)}")
    if taken:
        ctx.fail("; ".join(taken))


@check("registration.errors_name_the_id",
       params={**ACCEPTED_IDS, "values": Param(list, items=Param(int)), "duplicate_id": CODEC_ID})
def errors_name_the_id(ctx: CheckContext) -> None:
    """Out-of-range rejections name the id and the allowed range; a duplicate-id rejection names the id."""
    lo, hi = int(ctx.param("min")), int(ctx.param("max"))
    vague: list[str] = []

    def message(*args: Any) -> str | None:
        try:
            ctx.adapter.register_codec(*args)
        except Exception as exc:  # noqa: BLE001
            return " ".join(str(e) for e in exception_chain(exc))
        return None

    for codec_id in ctx.param("values"):
        text = message("c", codec_id, zlib_encoder, zlib_decoder)
        if text is None:
            continue  # accepted: REG-ID-OUT-OF-RANGE's business
        missing = [str(v) for v in (codec_id, lo, hi) if not re.search(rf"(?<![\d-]){v}(?!\d)", text)]
        if missing:
            vague.append(f"id {codec_id}: {text!r} does not name {', '.join(missing)}")
    dup = int(ctx.param("duplicate_id"))
    register_pair(ctx, "first", dup, zlib_encoder, zlib_decoder)
    text = message("second", dup, zlib_encoder, zlib_decoder)
    if text is not None and not re.search(rf"(?<!\d){dup}(?!\d)", text):
        vague.append(f"duplicate id {dup}: {text!r} does not name the id")
    if vague:
        ctx.fail("rejections that do not name the offending value or the allowed range: " + "; ".join(vague))
