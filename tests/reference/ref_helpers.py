"""Shared helpers for the reference tests; the codecs are the harness's (``udcodec.testcodecs``)."""

from __future__ import annotations

from udcodec.testcodecs import zlib_decoder, zlib_encoder

__all__ = ["Recorder", "cparams", "zlib_decoder", "zlib_encoder"]


class Recorder:
    """Codec that records every call (stream sizes, meta, schunk, thread)."""

    def __init__(self) -> None:
        self.enc_calls: list[tuple] = []
        self.dec_calls: list[tuple] = []

    def encoder(self, inp, out, meta, schunk):
        import threading

        self.enc_calls.append((inp.size, out.size, meta, schunk, threading.get_ident(), inp.dtype, out.dtype,
                               inp.flags.c_contiguous, out.flags.c_contiguous, inp.ndim, out.ndim))
        return zlib_encoder(inp, out, meta, schunk)

    def decoder(self, inp, out, meta, schunk):
        import threading

        self.dec_calls.append((inp.size, out.size, meta, schunk, threading.get_ident(), bytes(inp)))
        return zlib_decoder(inp, out, meta, schunk)


def cparams(codec=200, **kw):
    d = dict(codec=codec, nthreads=1, typesize=4)
    d.update(kw)
    return d
