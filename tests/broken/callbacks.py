"""Hosts that call encoder/decoder callbacks wrongly or mistreat what they return."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from udcodec.adapters.reference import ReferenceAdapter
from udcodec.reference import chunkformat

from ._base import Callback, CallbackHost


class EncoderGetsMemoryviewAdapter(CallbackHost):
    """The encoder receives a memoryview instead of a NumPy array."""

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return fn(memoryview(inp), out, meta, container)


class DecoderGetsZeroMetaAdapter(CallbackHost):
    """The decoder always receives meta 0 instead of the chunk's codec meta."""

    def call_decoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return fn(inp, out, 0, container)


class PassesNoContainerAdapter(CallbackHost):
    """Callbacks receive None instead of the container."""

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return fn(inp, out, meta, None)

    def call_decoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return fn(inp, out, meta, None)


class EncoderInputOffByOneAdapter(CallbackHost):
    """The encoder's input starts one byte into the block."""

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return fn(inp[1:], out, meta, container)


class DecoderInputPaddedAdapter(CallbackHost):
    """The decoder's input carries four bytes past the stored stream."""

    def call_decoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return fn(np.concatenate([inp, np.zeros(4, np.uint8)]), out, meta, container)


class ClampsEncoderReturnAdapter(CallbackHost):
    """Negative or oversized encoder returns are clamped into 0..len(output) instead of failing."""

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        rc = fn(inp, out, meta, container)
        return min(max(rc, 0), out.size) if isinstance(rc, int) else rc


class CoercesEncoderReturnAdapter(CallbackHost):
    """Non-integer encoder returns are coerced (None as 0, others by ``int(float())``)."""

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        rc = fn(inp, out, meta, container)
        if isinstance(rc, int) and not isinstance(rc, bool):
            return rc
        return 0 if rc is None else int(float(rc))


class IgnoresDecoderReturnAdapter(CallbackHost):
    """Whatever the decoder returns, the host takes it as the full output size."""

    def call_decoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        fn(inp, out, meta, container)
        return out.size


class SwallowsEncoderExceptionAdapter(CallbackHost):
    """An encoder that raises is taken as 'store raw' (returns 0)."""

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        try:
            return fn(inp, out, meta, container)
        except Exception:  # noqa: BLE001 - the breakage
            return 0


class ReplacesDecoderExceptionAdapter(CallbackHost):
    """A decoder's exception is replaced by an unrelated, unchained RuntimeError."""

    def call_decoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        failed = False
        try:
            return fn(inp, out, meta, container)
        except Exception:  # noqa: BLE001 - the breakage
            failed = True
        if failed:
            raise RuntimeError("decompression failed")
        return None


class RaisesSystemErrorAdapter(CallbackHost):
    """A callback failure surfaces as SystemError (NULL returned without an exception set)."""

    def _guard(self, fn: Callback, *args: Any) -> Any:
        failed = False
        try:
            return fn(*args)
        except Exception:  # noqa: BLE001 - the breakage
            failed = True
        if failed:
            raise SystemError("error return without exception set")
        return None

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return self._guard(fn, inp, out, meta, container)

    def call_decoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return self._guard(fn, inp, out, meta, container)


class StoresPastReturnAdapter(CallbackHost):
    """One output byte past the encoder's returned size is stored too."""

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        rc = fn(inp, out, meta, container)
        return rc + 1 if isinstance(rc, int) and 0 < rc < out.size - 1 else rc


class CallbacksOnWorkerThreadAdapter(CallbackHost):
    """Callbacks run on a worker thread, not the caller's."""

    def __init__(self) -> None:
        super().__init__()
        self._pool = ThreadPoolExecutor(max_workers=1)

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return self._pool.submit(fn, inp, out, meta, container).result()

    def call_decoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return self._pool.submit(fn, inp, out, meta, container).result()


class DecoderOutputOversizedAdapter(CallbackHost):
    """The decoder's output buffer is 8 bytes larger than the block it restores."""

    def call_decoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        big = np.zeros(out.size + 8, np.uint8)
        fn(inp, big, meta, container)
        out[:] = big[: out.size]
        return out.size


class SuppressesEncoderExceptionAdapter(CallbackHost):
    """An encoder's exception is replaced with ``raise ... from None``, hiding it from the caller."""

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        try:
            return fn(inp, out, meta, container)
        except Exception:  # noqa: BLE001 - the breakage
            raise RuntimeError("compression failed") from None


def _writable_alias(arr: Any) -> Any:
    """The writable array ``arr`` views into (its owner), sliced to ``arr``'s bytes; else ``arr`` itself."""
    owner = arr.base
    while isinstance(owner, np.ndarray) and not owner.flags.writeable and isinstance(owner.base, np.ndarray):
        owner = owner.base
    if not isinstance(owner, np.ndarray) or not owner.flags.writeable or not owner.flags.c_contiguous:
        return arr
    flat = owner.reshape(-1).view(np.uint8)
    offset = arr.__array_interface__["data"][0] - flat.__array_interface__["data"][0]
    if offset < 0 or offset + arr.size > flat.size:
        return arr
    return flat[offset:offset + arr.size]


class EncoderInputAliasesCallerAdapter(CallbackHost):
    """The encoder gets a writable view of the caller's own array (zero copy), not a read-only one."""

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return fn(_writable_alias(inp), out, meta, container)


class CorruptsUserDecodesAdapter(CallbackHost):
    """What a user codec's decoder restores gets its last byte flipped (builtin codecs are not affected)."""

    def call_decoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        rc = fn(inp, out, meta, container)
        if len(out):
            out[-1] ^= 0xFF
        return rc


class BlocksizeIgnoresTypesizeAdapter(ReferenceAdapter):
    """The automatic blocksize is tuned as if the typesize were 1, so it is not rounded to whole items."""

    def __init__(self) -> None:
        super().__init__()
        tuned = chunkformat.compute_blocksize

        def compute_blocksize(cp: Any, nbytes: int) -> int:
            return tuned(cp if cp.blocksize else dataclasses.replace(cp, typesize=1), nbytes)

        chunkformat.compute_blocksize = compute_blocksize  # type: ignore[assignment]


class DecoderOutputDoubledCheckedAdapter(CallbackHost):
    """The decoder's output buffer is twice the block, and the host checks the decoder's return against the block
    (as CB-DEC-RETURN asks): the host's own check raises before the harness sees the sizes."""

    def call_decoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        big = np.zeros(out.size * 2, np.uint8)
        n = fn(inp, big, meta, container)
        if n != out.size:
            raise ValueError(f"decoder returned {n}, expected exactly {out.size}")
        out[:] = big[: out.size]
        return out.size
