"""Checks of dynamic plugin registration (encoder=None, decoder=None)."""

from __future__ import annotations

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
    BLOCK,
    CODEC_ID,
    EXCEPTIONS,
    LITERALS,
    SAMPLE,
    cparams_for,
    literal,
    new_container,
)


@check("plugins.missing_plugin_fails_at_use", requires=("plugins",),
       params={"name": Param(str), "id": CODEC_ID, "exceptions": EXCEPTIONS})
def missing_plugin_fails_at_use(ctx: CheckContext) -> None:
    """A plugin that is not installed fails clearly at registration or at first use, naming it."""
    name, codec_id = ctx.param("name"), int(ctx.param("id"))
    allowed = exception_types(ctx.param("exceptions"))
    try:
        ctx.adapter.register_codec(name, codec_id)
    except allowed:
        return  # refused eagerly: fine
    try:
        container = new_container(ctx, cparams_for(codec_id, typesize=1, blocksize=BLOCK), chunksize=len(SAMPLE))
        container.append(SAMPLE)
        container.decompress_chunk(0)
    except Exception as exc:  # noqa: BLE001
        chain = exception_chain(exc)
        if not any(isinstance(e, allowed) for e in chain):
            ctx.fail(f"using the missing plugin raised {describe_exc(exc)}")
        text = " ".join(str(e) for e in chain)
        if name not in text and str(codec_id) not in text:
            ctx.fail(f"the error for the missing plugin names neither {name!r} nor id {codec_id}: {describe_exc(exc)}")
        return
    ctx.fail(f"plugin {name!r} (id {codec_id}) is not installed, yet compressing and decompressing with it succeeded")


@check("plugins.rejects_names", requires=("plugins",),
       params={"id": CODEC_ID, "values": LITERALS, "exceptions": EXCEPTIONS})
def rejects_names(ctx: CheckContext) -> None:
    """Plugin names that cannot name a library (empty, path separators, non-str) are rejected at registration."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    for text in ctx.param("values"):
        name = literal(text)
        with expect_rejection(ctx, f"register_codec({name!r}, {codec_id}) as a plugin", allowed):
            ctx.adapter.register_codec(name, codec_id)
