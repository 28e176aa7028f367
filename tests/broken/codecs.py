"""Deliberately broken user codecs: each must make its codec clause fail (tests/codecs).

Each is the zlib example codec with one realistic mistake. Names say what is wrong.
"""

from __future__ import annotations

import itertools
import zlib
from typing import Any

import numpy as np
from udcodec.examples.zlib_codec import decoder, encoder

_KEPT: list[Any] = []
_LAST_KEY = [0]
_COUNTER = itertools.count()


def corrupting_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Gets the last byte wrong on blocks longer than 64 bytes."""
    decoder(input, output, meta, schunk)
    if output.size > 64:
        output[-1] ^= 1
    return output.size


def truncating_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Copies what fits into a short output and returns the full decompressed size."""
    raw = np.frombuffer(zlib.decompress(input.tobytes()), dtype=np.uint8)
    n = min(raw.size, output.size)
    output[:n] = raw[:n]
    return raw.size


def float_size_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> Any:
    """Returns the size as a float."""
    return float(encoder(input, output, meta, schunk))


def oversize_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Claims one byte more than the output holds when it compresses."""
    n = encoder(input, output, meta, schunk)
    return output.size + 1 if n else 0


def zero_returning_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Fills the output but returns 0."""
    decoder(input, output, meta, schunk)
    return 0


def unchecked_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Writes its stream without checking that it fits in the output."""
    packed = zlib.compress(input.tobytes(), 1)
    if len(packed) >= input.size:
        return 0
    output[: len(packed)] = np.frombuffer(packed, dtype=np.uint8)
    return len(packed)


def stateful_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """XORs with a key it remembers globally instead of storing it in the stream."""
    _LAST_KEY[0] = (int(input[0]) if input.size else 0) ^ meta
    keyed = np.bitwise_xor(input, np.uint8(_LAST_KEY[0]))
    return encoder(keyed, output, meta, schunk)


def stateful_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    decoder(input, output, meta, schunk)
    output ^= np.uint8(_LAST_KEY[0])
    return output.size


def retaining_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Keeps the input array for later (a cache keyed by nothing)."""
    _KEPT.append(input)
    del _KEPT[:-4]
    return encoder(input, output, meta, schunk)


def retaining_wide_items_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Keeps the input of blocks of 4-byte items for later (a cache for one typesize): the direct calls had all
    been made with a typesize-1 container, so CODEC-NO-RETAIN never saw it."""
    if int(getattr(schunk, "typesize", 1) or 1) == 4:
        _KEPT.append(input)
        del _KEPT[:-4]
    return encoder(input, output, meta, schunk)


def item_view_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Assumes its input is whole items of the container's typesize (false when blocks are split)."""
    width = int(getattr(schunk, "typesize", 1) or 1)
    if input.size % width:
        raise ValueError(f"input of {input.size} bytes is not made of {width}-byte items")
    return encoder(input, output, meta, schunk)


def wide_item_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Gets blocks wrong for typesizes above 8 (it keeps only 8 bytes of each item's header)."""
    decoder(input, output, meta, schunk)
    if int(getattr(schunk, "typesize", 1) or 1) > 8 and output.size > 8:
        output[8] ^= 0xFF
    return output.size


def tiny_block_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Reads a 4-byte header from every block, even blocks shorter than that."""
    header = int.from_bytes(bytes(input[:4]), "little") | int(input[3]) << 24
    del header
    return encoder(input, output, meta, schunk)


def second_byte_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Reads the block's second byte (as the documentation's example does): blocks under 2 bytes raise."""
    del meta
    step = int(input[1]) - int(input[0])
    del step
    return encoder(input, output, 0, schunk)


def scribbling_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Zero-fills the rest of the output after its stream."""
    n = encoder(input, output, meta, schunk)
    if n:
        output[n:] = 0
    return n


def copying_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Stores incompressible blocks as a copy of themselves (returning their full size) instead of 0."""
    n = encoder(input, output, meta, schunk)
    if n or input.size == 0 or output.size < input.size:
        return n
    output[: input.size] = input
    return input.size


def copying_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    if input.size == output.size:  # zlib streams are always shorter (the encoder returns 0 otherwise)
        output[:] = input
        return output.size
    return decoder(input, output, meta, schunk)


def salted_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Prefixes every stream with a call counter (a 'nonce'), so equal blocks encode differently."""
    n = encoder(input, output[1:], meta, schunk) if output.size > 1 else 0
    if not n:
        return 0
    output[0] = next(_COUNTER) % 256
    return n + 1


def salted_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    return decoder(input[1:], output, meta, schunk)


def bytes_only_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Declares a domain of single bytes (``domains/bytes_only.yaml``) and, handed wider items, flips a byte
    silently instead of refusing them."""
    decoder(input, output, meta, schunk)
    if int(getattr(schunk, "typesize", 1) or 1) > 1 and output.size:
        output[0] ^= 0xFF
    return output.size


def subnormal_flushing_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Flushes a block of float32 values that are all non-zero subnormals to zeros, as a block-floating-point
    codec whose scale overflows does (the catalogue's ``subnormal-block``)."""
    decoder(input, output, meta, schunk)
    if output.size % 4 == 0 and output.size >= 16:
        words = output.view("<u4")
        if not ((words >> np.uint32(23)) & np.uint32(0xFF)).any() and (words & np.uint32(0x7FFFFF)).all():
            output[:] = 0
    return output.size


def near_64k_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Refuses blocks of 65533 to 65535 bytes ("destination too small"), as a 64 KiB block format did."""
    if 65533 <= input.size <= 65535:
        raise ValueError(f"destination too small for a block of {input.size} bytes")
    return int(encoder(input, output, meta, schunk))


# -- codecs that take the process down: check-codec must isolate even its first calls (the --budget cost) --


def exiting_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Ends the process with status 0, as a stray ``sys.exit(0)`` deep in a codec library would."""
    import os

    os._exit(0)


def segfaulting_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Dies of SIGSEGV, as a C extension following a null pointer does."""
    import faulthandler

    faulthandler._sigsegv()
    return 0


#: The argument of the process :func:`leaky_encoder` leaves running (a test finds it by it).
LEAKED_SLEEP = "86421"


def leaky_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """The zlib example, starting once per process a daemon (``sleep``, in a session of its own) it never stops."""
    import subprocess

    if not getattr(leaky_encoder, "started", False):
        subprocess.Popen(["sleep", LEAKED_SLEEP], start_new_session=True)
        leaky_encoder.started = True  # type: ignore[attr-defined]
    return encoder(input, output, meta, schunk)


def loud_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """The zlib example, printing 1 MiB to stdout and to stderr per call (a debug print left in)."""
    import os
    import sys

    print("x" * (1 << 20))
    sys.stdout.flush()
    os.write(2, b"y" * (1 << 20))
    return encoder(input, output, meta, schunk)


def huge_message_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Raises with a 12-million-character message holding NULs and lone surrogates (a buffer dumped into an error)."""
    raise ValueError("big\x00\udc80" * 2_000_000)


def greedy_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Asks for 30 GiB for any block (a size computed from the wrong field), beyond any check's memory limit."""
    np.ones(30 << 30, dtype=np.uint8)
    return encoder(input, output, meta, schunk)


def multiline_message_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Refuses every block with a message of two lines (its reproductions' comments must stay comments)."""
    raise ValueError("unsupported block\nhint: use typesize 4")


def endless_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Never returns."""
    import time

    while True:
        time.sleep(1)


def overcounting_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Returns one byte more than it wrote (a stream's length off by one)."""
    n = int(encoder(input, output, meta, schunk))
    return n + 1 if 0 < n < output.size else n


# Two defects at once, for "one defect fails one clause": neither may hide the other.

def whole_items_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """zlib over the whole items of ``schunk.typesize`` only: a split stream's trailing part-item is lost."""
    width = max(int(getattr(schunk, "typesize", 1) or 1), 1)
    packed = zlib.compress(input[:input.size // width * width].tobytes(), 6)
    if len(packed) >= min(output.size, input.size):
        return 0
    output[:len(packed)] = np.frombuffer(packed, dtype=np.uint8)
    return len(packed)


def short_count_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Restores the data but reports one byte less for blocks of 512 bytes or more."""
    raw = zlib.decompress(input.tobytes())
    output[:len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    return output.size - 1 if output.size >= 512 else output.size


def picky_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """One precondition for two defects: blocks under 2 bytes (SHOULD) and typesizes such as 5 or 11 (MUST)."""
    if input.size < 2 or schunk.typesize not in (1, 2, 3, 4, 7, 8, 12, 16):
        raise ValueError("unsupported block")
    return encoder(input, output, meta, schunk)


def even_count_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Restores the data but reports an odd block one byte short (the count rounded down to even)."""
    raw = zlib.decompress(input.tobytes())
    output[:len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    return len(raw) & ~1


def half_fitting_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Given an output smaller than the block, compresses only the block's first half (which then fits)."""
    data = input.tobytes() if output.size >= input.size else input[:input.size // 2].tobytes()
    packed = zlib.compress(data, 6)
    if len(packed) >= min(output.size, input.size):
        return 0
    output[:len(packed)] = np.frombuffer(packed, dtype=np.uint8)
    return len(packed)


def large_block_refusing_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Raises on blocks over 2000 bytes (a limit it never states)."""
    if input.size > 2000:
        raise ValueError("block too large for this codec")
    return encoder(input, output, meta, schunk)


class UnprintableError(Exception):
    """An exception whose message cannot be made: its ``__str__`` raises."""

    def __str__(self) -> str:
        raise RuntimeError("__str__ exploded")


def unprintable_raising_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    raise UnprintableError()


def huge_size_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Returns an integer too long for Python to print by default."""
    return 10 ** 5000


def system_exit_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Raises SystemExit on blocks over 2000 bytes (a library's sys.exit, which Python can catch)."""
    if input.size > 2000:
        raise SystemExit(3)
    return encoder(input, output, meta, schunk)


def long_message_decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """Refuses every block with a 70,000-character message (past the reports' 64 KiB bound)."""
    raise ValueError("HEAD" + "B" * 70_000 + "TAIL")


def six_byte_items_encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    """A fast path for 6-byte items (RGB48 pixels) that leaves the last item out of the stream."""
    if int(getattr(schunk, "typesize", 1) or 1) == 6 and input.size >= 12 and input.size % 6 == 0:
        kept = np.concatenate([input[:-6], np.zeros(6, dtype=np.uint8)])
        return encoder(kept, output, meta, schunk)
    return encoder(input, output, meta, schunk)
