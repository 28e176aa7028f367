"""Checks of the single-thread rule for Python codecs."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
from udcodec.adapters.protocol import DParams
from udcodec.checks.api import CheckContext, Param, check, exception_types, expect_rejection
from udcodec.checks.common import (
    CODEC_ID,
    EXCEPTIONS,
    cparams_for,
    fill,
    new_container,
    read_back,
    register_pair,
)
from udcodec.strategies import make_data
from udcodec.testcodecs import Recorder, zlib_decoder, zlib_encoder

DATA = make_data("arange", np.dtype("u1"), 1 << 14, 1)
#: Which parameters carry nthreads, and the thread counts (> 1) that must be rejected.
WHICH = Param(str, choices=("cparams", "dparams"))
NTHREADS = Param(list, items=Param(int, min=2))


@check("threads.rejected_at_creation", params={"id": CODEC_ID, "which": WHICH, "nthreads": NTHREADS, "exceptions": EXCEPTIONS})
def rejected_at_creation(ctx: CheckContext) -> None:
    """Creating a container with nthreads > 1 and a Python codec is rejected."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "mt", codec_id, zlib_encoder, zlib_decoder)
    which = ctx.param("which")
    for n in ctx.param("nthreads"):
        cparams = cparams_for(codec_id, typesize=1, nthreads=n if which == "cparams" else 1)
        dparams = DParams(nthreads=n if which == "dparams" else 1)
        with expect_rejection(ctx, f"creating a container with {which}.nthreads={n}", allowed):
            ctx.adapter.create(cparams=cparams, dparams=dparams, chunksize=len(DATA))


@check("threads.rejected_at_update", requires=("update_params",),
       params={"id": CODEC_ID, "which": WHICH, "nthreads": NTHREADS, "exceptions": EXCEPTIONS})
def rejected_at_update(ctx: CheckContext) -> None:
    """Updating a container's parameters to nthreads > 1 is rejected and leaves them unchanged."""
    allowed = exception_types(ctx.param("exceptions"))
    codec_id = int(ctx.param("id"))
    register_pair(ctx, "mt", codec_id, zlib_encoder, zlib_decoder)
    which = ctx.param("which")
    for n in ctx.param("nthreads"):
        container = new_container(ctx, cparams_for(codec_id, typesize=1), chunksize=len(DATA))
        with expect_rejection(ctx, f"updating {which}.nthreads to {n}", allowed):
            if which == "cparams":
                container.update_cparams(replace(container.cparams(), nthreads=n))
            else:
                container.update_dparams(DParams(nthreads=n))
        got = container.cparams().nthreads if which == "cparams" else container.dparams().nthreads
        if got != 1:
            ctx.fail(f"after the rejected update, {which}.nthreads is {got}, expected it unchanged (1)")
        fill(container, [DATA])
        if read_back(container) != DATA:
            ctx.fail("after the rejected update, the container no longer round-trips")


@check("threads.callbacks_on_one_thread", params={"id": CODEC_ID, "blocksize": Param(int, min=1), "nchunks": Param(int, min=1)})
def callbacks_on_one_thread(ctx: CheckContext) -> None:
    """Every encoder and decoder call runs on one thread: the caller's."""
    codec_id = int(ctx.param("id"))
    rec = Recorder()
    register_pair(ctx, "one", codec_id, rec.enc, rec.dec)
    container = new_container(ctx, cparams_for(codec_id, typesize=4, blocksize=int(ctx.param("blocksize"))), chunksize=len(DATA))
    fill(container, [DATA] * int(ctx.param("nchunks")))
    read_back(container)
    container.get_slice(0, len(DATA) // 4)
    threads = {c.thread for c in rec.calls}
    if not rec.calls:
        ctx.fail("no callback was called")
    if threads != {threading.get_ident()}:
        ctx.fail(f"{len(rec.calls)} callbacks ran on {len(threads)} thread(s), not only on the calling thread")
