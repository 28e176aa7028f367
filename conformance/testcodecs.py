"""The codecs the harness and the test suite drive hosts with (one home: do not copy them).

They live at module level so that a fresh process (the persistence checks, the golden manifest)
can import and register them again by ``module:function`` name.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def memcpy_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Always asks the host to store the block raw."""
    return 0


def forbidden_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """A decoder for codecs whose blocks must all be stored raw: being called is a violation."""
    raise AssertionError("the decoder was called for a block the encoder asked to store raw")


def zlib_stream(raw: bytes) -> bytes:
    """What :func:`zlib_encoder` writes for a block it compresses."""
    return zlib.compress(raw, 1)


def zlib_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """A correct general-purpose codec: zlib, or raw when that does not pay."""
    packed = zlib_stream(input.tobytes())
    if len(packed) >= output.size:
        return 0
    output[: len(packed)] = np.frombuffer(packed, dtype=np.uint8)
    return len(packed)


class WrongOutputSize(ValueError):
    """The host handed :func:`zlib_decoder` an output of another size than the block it restores (CB-DEC-OUTPUT-SIZE
    judges that; a check that meets it elsewhere names it)."""


def zlib_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    raw = zlib.decompress(input.tobytes())
    if len(raw) != output.size:
        raise WrongOutputSize(f"the decoder's output holds {output.size} bytes, but its block had {len(raw)}")
    output[:] = np.frombuffer(raw, dtype=np.uint8)
    return output.size


#: Threads the ``threaded_*`` codecs and filters ran on (in this process).
CALLBACK_THREADS: set[int] = set()


def threaded_zlib_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """:func:`zlib_encoder` that notes its thread in :data:`CALLBACK_THREADS`."""
    CALLBACK_THREADS.add(threading.get_ident())
    return zlib_encoder(input, output, meta, schunk)


def threaded_zlib_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """:func:`zlib_decoder` that notes its thread in :data:`CALLBACK_THREADS`."""
    CALLBACK_THREADS.add(threading.get_ident())
    return zlib_decoder(input, output, meta, schunk)


def size_tolerant_zlib_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """:func:`zlib_decoder` that fills whatever output it gets (a wrong output size is the caller's to see)."""
    raw = np.frombuffer(zlib.decompress(input.tobytes()), dtype=np.uint8)
    n = min(raw.size, output.size)
    output[:n] = raw[:n]
    return int(output.size)


def even_zlib_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """zlib for blocks whose first byte is even, raw (0) for the others: chunks mix both kinds."""
    if input.size == 0 or int(input[0]) % 2:
        return 0
    return zlib_encoder(input, output, meta, schunk)


def odd_zlib_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """zlib for blocks whose first byte is odd, raw (0) for the others (the mirror of ``even_zlib_encoder``)."""
    if input.size == 0 or int(input[0]) % 2 == 0:
        return 0
    return zlib_encoder(input, output, meta, schunk)


@dataclass
class Call:
    kind: str  # "encoder" | "decoder"
    thread: int
    input_type: str
    input_dtype: str
    input_shape: tuple[int, ...]
    input_contiguous: bool
    output_type: str
    output_dtype: str
    output_shape: tuple[int, ...]
    meta: Any
    container: Any
    input_bytes: bytes
    returned: Any = None


@dataclass
class Recorder:
    """Wraps an encoder/decoder pair and records every call made to it."""

    encoder: Callable[..., Any] = zlib_encoder
    decoder: Callable[..., Any] = zlib_decoder
    calls: list[Call] = field(default_factory=list)

    def _record(self, kind: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        inp, out, meta, container = args
        call = Call(
            kind,
            threading.get_ident(),
            type(inp).__name__,
            str(getattr(inp, "dtype", "?")),
            tuple(getattr(inp, "shape", ())),
            bool(getattr(getattr(inp, "flags", None), "c_contiguous", False)),
            type(out).__name__,
            str(getattr(out, "dtype", "?")),
            tuple(getattr(out, "shape", ())),
            meta,
            container,
            bytes(np.asarray(inp, dtype=np.uint8).tobytes()) if isinstance(inp, np.ndarray) else b"",
        )
        self.calls.append(call)
        call.returned = fn(*args)
        return call.returned

    def enc(self, *args: Any) -> Any:
        return self._record("encoder", self.encoder, args)

    def dec(self, *args: Any) -> Any:
        return self._record("decoder", self.decoder, args)

    def of(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind]


# -- user filters (register_filter): forward/backward(input, output, meta, schunk), return ignored --


def add_meta_forward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """Adds ``meta + 1`` to every byte (mod 256): a filter whose output depends on its meta."""
    output[:] = input + np.uint8((meta + 1) & 0xFF)


def add_meta_backward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    output[:] = input - np.uint8((meta + 1) & 0xFF)


def reverse_forward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """Reverses the block: position-sensitive, so running it in the wrong slot order shows."""
    output[:] = input[::-1]


def reverse_backward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    output[:] = input[::-1]


def threaded_reverse_forward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """:func:`reverse_forward` that notes its thread in :data:`CALLBACK_THREADS`."""
    CALLBACK_THREADS.add(threading.get_ident())
    reverse_forward(input, output, meta, schunk)


def threaded_reverse_backward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """:func:`reverse_backward` that notes its thread in :data:`CALLBACK_THREADS`."""
    CALLBACK_THREADS.add(threading.get_ident())
    reverse_backward(input, output, meta, schunk)


def xor_position_forward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """XORs byte i with ``(i * 7 + meta) & 0xFF``: depends on the block size, position and meta."""
    key = ((np.arange(input.size, dtype=np.uint32) * 7 + meta) & 0xFF).astype(np.uint8)
    output[:] = input ^ key


xor_position_backward = xor_position_forward


def failing_filter(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    """A filter that always raises (its own exception type, to be found in what the host raises)."""
    raise FilterBoom(f"filter refused a block of {input.size} bytes (meta {meta})")


class FilterBoom(Exception):
    """Raised by :func:`failing_filter`."""
