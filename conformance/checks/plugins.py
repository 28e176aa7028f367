"""Checks of dynamic plugin registration (encoder=None, decoder=None)."""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np
from udcodec.checks.api import (
    CheckContext,
    NotApplicable,
    Param,
    check,
    describe_exc,
    exception_chain,
    exception_types,
    expect_rejection,
)
from udcodec.checks.common import (
    BLOCK,
    CODEC_ID,
    EXCEPTIONS,
    ID_RANGE,
    LITERALS,
    SAMPLE,
    IdPool,
    Offences,
    cparams_for,
    first_difference,
    install_probe,
    literal,
    names_loaded,
    new_container,
)
from udcodec.testcodecs import zlib_decoder, zlib_encoder


@check("plugins.missing_plugin_fails_at_use", requires=("plugins",),
       params={"name": Param(str), "id": CODEC_ID, "exceptions": EXCEPTIONS})
def missing_plugin_fails_at_use(ctx: CheckContext) -> None:
    """A plugin that is not installed fails clearly at registration or at first use, naming it: the first
    append with it, compressible data and a clevel-0 chunk alike (whether the codec would have been called
    is the host's business; the chunk would record a codec that is not there)."""
    name, codec_id = ctx.param("name"), int(ctx.param("id"))
    allowed = exception_types(ctx.param("exceptions"))
    try:
        ctx.adapter.register_codec(name, codec_id)
    except allowed:
        return  # refused eagerly: fine
    problems = []
    for what, clevel in (("compressing", 5), ("appending a clevel-0 chunk", 0)):
        try:
            container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK, clevel=clevel),
                                      chunksize=len(SAMPLE))
            container.append(SAMPLE)
            container.decompress_chunk(0)
        except Exception as exc:  # noqa: BLE001
            chain = exception_chain(exc)
            if not any(isinstance(e, allowed) for e in chain):
                problems.append(f"{what} with the missing plugin raised {describe_exc(exc)}")
            elif name not in (text := " ".join(str(e) for e in chain)) and str(codec_id) not in text:
                problems.append(f"{what}: the error for the missing plugin names neither {name!r} nor id {codec_id}: "
                                f"{describe_exc(exc)}")
            continue
        problems.append(f"plugin {name!r} (id {codec_id}) is not installed, yet {what} with it and decompressing succeeded")
    if problems:
        ctx.fail("; ".join(problems))


@check("plugins.rejects_names", requires=("plugins",),
       params={"id": CODEC_ID, "values": LITERALS, "exceptions": EXCEPTIONS})
def rejects_names(ctx: CheckContext) -> None:
    """Plugin names that cannot name a library (empty, path separators, non-str) are rejected at registration, each at its own id."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    offences = Offences(ctx)
    for cid, text in zip(range(codec_id, 256), ctx.param("values"), strict=False):  # a fresh id per value
        name = literal(text)
        with offences.each(), expect_rejection(ctx, f"register_codec({name!r}, {cid}) as a plugin", allowed):
            ctx.adapter.register_codec(name, cid)
    offences.report()


@check("plugins.one_id_space", requires=("plugins",), params={"id": CODEC_ID, "exceptions": EXCEPTIONS})
def one_id_space(ctx: CheckContext) -> None:
    """A Python codec then a plugin, a plugin then a Python codec, the same plugin twice, two different plugins:
    the second registration is rejected.

    Uses ids ``id`` to ``id + 3``; every order that shares an id is reported. The same plugin again is
    refused too: its id is taken, and the second call may carry another version.
    """
    allowed = exception_types(ctx.param("exceptions"))
    base = int(ctx.param("id"))
    shared: list[str] = []
    orders = (
        ("a Python codec, then a plugin", (("py", zlib_encoder, zlib_decoder), ("plug", None, None))),
        ("a plugin, then a Python codec", (("plug", None, None), ("py", zlib_encoder, zlib_decoder))),
        ("the same plugin twice", (("plug", None, None), ("plug", None, None))),
        ("two different plugins", (("plug", None, None), ("other_plug", None, None))),
    )
    for offset, (what, (first, second)) in enumerate(orders):
        codec_id = base + offset
        try:
            ctx.adapter.register_codec(first[0], codec_id, first[1], first[2])
        except Exception as exc:  # noqa: BLE001
            ctx.fail(f"{what} at id {codec_id}: the first registration was rejected: {describe_exc(exc)}")
        before = dict(ctx.adapter.registry())
        try:
            ctx.adapter.register_codec(second[0], codec_id, second[1], second[2])
        except allowed:
            if dict(ctx.adapter.registry()) != before:
                shared.append(f"{what} at id {codec_id}: rejected, but the registry changed")
            continue
        except Exception as exc:  # noqa: BLE001
            shared.append(f"{what} at id {codec_id}: rejected with {describe_exc(exc)}, "
                          f"expected {' or '.join(t.__name__ for t in allowed)}")
            continue
        shared.append(f"{what} at id {codec_id}: both registrations were accepted")
    if shared:
        ctx.fail("; ".join(shared))


@check("plugins.rejection_frees_id", requires=("plugins",),
       params={**ID_RANGE, "names": LITERALS, "versions": LITERALS})
def rejection_frees_id(ctx: CheckContext) -> None:
    """After a rejected plugin registration (bad name or version) a Python codec registers at that id and works."""
    pool = IdPool(int(ctx.param("min")), int(ctx.param("max")))
    calls = [((literal(n), 1), f"register_codec({literal(n)!r}, ID)") for n in ctx.param("names")]
    calls += [(("plug", literal(v)), f"register_codec('plug', ID, version={literal(v)!r})") for v in ctx.param("versions")]
    kept: list[str] = []
    for (name, version), what in calls:
        codec_id = pool.next()
        try:
            ctx.adapter.register_codec(name, codec_id, None, None, version)
        except Exception:  # noqa: BLE001 - rejected: the id must be free
            try:
                ctx.adapter.register_codec("retry", codec_id, zlib_encoder, zlib_decoder)
                container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK), chunksize=len(SAMPLE))
                container.append(SAMPLE)
                if container.decompress_chunk(0) != SAMPLE:
                    kept.append(f"after {what.replace('ID', str(codec_id))} was rejected, a Python codec at that id did not round-trip")
            except Exception as exc:  # noqa: BLE001
                kept.append(f"after {what.replace('ID', str(codec_id))} was rejected, a Python codec at that id "
                            f"failed: {describe_exc(exc)}")
        # An accepted bad plugin call is PLUG-NAME's or REG-VERSION-*'s business.
    if kept:
        ctx.fail("; ".join(kept))


@check("plugins.name_never_runs", requires=("plugins",),
       params={**ID_RANGE, "names": Param(list, items=Param(str, test=lambda s: None if "{marker}" in s else f"{s!r} has no {{marker}}"))})
def name_never_runs(ctx: CheckContext) -> None:
    """Plugin names carrying shell syntax that would create a marker file are registered and used; no marker appears.

    Each name's ``{marker}`` is a fresh path in the check's temporary directory; the shell
    syntax only ever runs ``touch`` on it.
    """
    pool = IdPool(int(ctx.param("min")), int(ctx.param("max")))
    tmp = ctx.tmpdir
    tried: list[tuple[str, str]] = []
    for i, template in enumerate(ctx.param("names")):
        marker = str(tmp / f"marker{i}")
        name = template.replace("{marker}", marker)
        codec_id = pool.next()
        tried.append((name, marker))
        try:
            ctx.adapter.register_codec(name, codec_id)
        except Exception:  # noqa: BLE001, S112 - refusing the name is the safe answer
            continue
        try:
            container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK), chunksize=len(SAMPLE))
            container.append(SAMPLE)
            container.decompress_chunk(0)
        except Exception:  # noqa: BLE001, S110 - the plugin is not installed: failing is expected
            pass
    ran = [name for name, marker in tried if os.path.exists(marker)]
    if ran:
        ctx.fail(f"{len(ran)} of {len(tried)} plugin names were run by a shell (their marker file appeared): "
                 + ", ".join(repr(n) for n in ran))


@check("plugins.name_never_loads_path", requires=("plugins",),
       params={**ID_RANGE, "names": Param(list, items=Param(str, test=lambda s: None if "{marker}" in s else f"{s!r} has no {{marker}}"))})
def name_never_loads_path(ctx: CheckContext) -> None:
    """Codec plugin names with slashes and ``..`` are registered and used; no library they spell a path to loads.

    Each ``{marker}`` becomes ``markerN``; a library planted where ``libblosc2_NAME.so`` leads from the working
    directory creates a marker file when loaded, and does nothing else.
    """
    pool = IdPool(int(ctx.param("min")), int(ctx.param("max")))

    def register(name: str) -> Callable[[], object]:
        codec_id = pool.next()
        ctx.adapter.register_codec(name, codec_id)

        def use() -> object:
            container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK), chunksize=len(SAMPLE))
            container.append(SAMPLE)
            return container.decompress_chunk(0)

        return use

    names_loaded(ctx, register)


#: The block size PLUG-INSTALLED's chunk is written with (its spec entry's ``calls`` says so).
_PLUGIN_BLOCKSIZE = 1024


@check("plugins.installed_roundtrip", requires=("plugins",),
       params={"name": Param(str), "id": CODEC_ID, "meta": Param(int, min=0, max=255), "typesize": Param(int, min=1, max=255)})
def installed_roundtrip(ctx: CheckContext) -> None:
    """A plugin installed as plugins are published (a ``blosc2_NAME`` package whose ``print_libpath()`` names its
    library) is registered and used: the chunk round-trips and the encoder got the chunk's meta, typesize, id and
    block size.

    The probe plugin is built from C source here; it prefixes each stream with what its encoder got, and its
    decoder refuses a stream whose meta differs from the one it is given.
    """
    name, codec_id, meta, typesize = ctx.param("name"), int(ctx.param("id")), int(ctx.param("meta")), int(ctx.param("typesize"))
    install_probe(ctx, name, "codec")
    data = bytes(np.repeat(np.arange(64, dtype=np.uint8), 64))
    try:
        ctx.adapter.register_codec(name, codec_id)
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"registering the installed plugin {name!r} at id {codec_id} raised {describe_exc(exc)}")
    container = new_container(ctx, cparams_for(codec_id, codec_meta=meta, typesize=typesize,
                                               blocksize=_PLUGIN_BLOCKSIZE, splitmode="never"), chunksize=len(data))
    try:
        container.append(data)
        got = container.decompress_chunk(0)
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"a chunk through the installed plugin {name!r} (id {codec_id}, meta {meta}) raised {describe_exc(exc)}")
    if got != data:
        ctx.fail(f"a chunk through the installed plugin {name!r} (id {codec_id}) came back different "
                 f"({first_difference(got, data)})")
    chunk = container.get_chunk(0)
    if len(chunk) >= len(data):
        ctx.fail(f"the installed plugin {name!r} was never asked to encode: the chunk holds {len(chunk)} bytes "
                 f"for {len(data)} bytes of runs")
    start = int.from_bytes(chunk[32:36], "little") + 4  # the first block's stream, after its size
    received = (*chunk[start:start + 3], int.from_bytes(chunk[start + 3:start + 7], "little", signed=True))
    if received != (meta, typesize & 0xFF, codec_id, _PLUGIN_BLOCKSIZE):
        ctx.fail(f"the installed plugin's encoder got meta {received[0]}, typesize {received[1]} (low byte), codec "
                 f"id {received[2]} and block size {received[3]} in its cparams; the chunk's are {meta}, {typesize}, "
                 f"{codec_id} and {_PLUGIN_BLOCKSIZE}")


@check("plugins.registry_lists_plugins", requires=("plugins",), params={"name": Param(str), "id": CODEC_ID})
def registry_lists_plugins(ctx: CheckContext) -> None:
    """After a plugin registers, the registry has an entry for its id."""
    name, codec_id = ctx.param("name"), int(ctx.param("id"))
    try:
        ctx.adapter.register_codec(name, codec_id)
    except Exception as exc:  # noqa: BLE001
        raise NotApplicable(f"the host refuses to register the plugin {name!r} that is not installed: "
                            f"{type(exc).__name__}: {exc}") from exc
    listed = ctx.adapter.registry()
    if codec_id not in listed:
        ctx.fail(f"plugin {name!r} registered at id {codec_id}, but the registry lists only {sorted(listed)}")
