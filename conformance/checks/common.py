"""Helpers shared by the check families."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
from udcodec.adapters.protocol import FILTER_IDS, SPLITMODE_IDS, Container, CParams, DParams
from udcodec.checks.api import EXCEPTION_TYPES, CheckContext, Param
from udcodec.strategies import ADVERSARIAL, Layout, make_data

#: First byte of the extended header fields, from the Blosc2 chunk format.
HEADER_FLAGS, HEADER_TYPESIZE, HEADER_NBYTES, HEADER_BLOCKSIZE = 2, 3, 4, 8
HEADER_UDCODEC, HEADER_CODEC_META = 22, 23
UDCODEC_FORMAT = 6  # compressor enumeration in flags bits 5..7: "defined in the user-defined codec slot"
MEMCPYED_FLAG = 0x02

#: A small compressible sample and a block size that splits it into several blocks.
SAMPLE = make_data("arange", np.dtype("u1"), 4096, 3)
BLOCK = 1024


# -- parameter declarations the families share ------------------------------------------------


def not_a_literal(text: str) -> str | None:
    """Why ``text`` is no Python literal (see :func:`literal`), or None."""
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return f"{text!r} is not a Python literal"
    return None


def _not_a_dtype(text: str) -> str | None:
    try:
        np.dtype(text)
    except TypeError:
        return f"{text!r} is not a NumPy dtype"
    return None


#: A user-defined codec id (Blosc2 reserves 160..255 for them).
CODEC_ID = Param(int, min=160, max=255)
#: The bounds of a range of codec ids a check registers codecs under.
ID_RANGE = {"min": CODEC_ID, "max": CODEC_ID}
#: The exception types a rejection may raise.
EXCEPTIONS = Param(list, items=Param(str, choices=tuple(EXCEPTION_TYPES)))
#: Values written as Python literals (see :func:`literal`).
LITERALS = Param(list, items=Param(str, test=not_a_literal))
#: A data kind of :func:`udcodec.strategies.make_data`.
CONTENT = Param(str, choices=ADVERSARIAL)
#: A NumPy dtype name.
DTYPE = Param(str, test=_not_a_dtype)
#: Sizes of generated layouts: items per chunk, chunks per container.
LAYOUT_SIZE = {"max_chunk_items": Param(int, min=1), "max_chunks": Param(int, min=1)}
FILTER_PIPELINES = Param(list, items=Param(list, items=Param(str, choices=tuple(FILTER_IDS))), default=(("nofilter",),))
SPLITMODES = Param(list, items=Param(str, choices=tuple(SPLITMODE_IDS)), default=("never",))
#: ``needs_filters`` / ``needs_splitmode``: the clause needs that adapter capability (see :func:`require_needed`).
NEEDS = {"needs_filters": Param(bool, default=False), "needs_splitmode": Param(bool, default=False)}


def literal(text: Any) -> Any:
    """A spec parameter written as a Python literal (``"170.0"``, ``"None"``, ``"'x'"``)."""
    if not isinstance(text, str):
        return text
    return ast.literal_eval(text)


class IdPool:
    """Hands out unused codec ids in [lo, hi], so one check can register many codecs."""

    def __init__(self, lo: int = 160, hi: int = 255) -> None:
        self._ids = iter(range(lo, hi + 1))

    def next(self) -> int:
        try:
            return next(self._ids)
        except StopIteration:
            raise RuntimeError("the check ran out of codec ids (raise its id range or lower max_examples)") from None

    def take(self, n: int) -> list[int]:
        return list(itertools.islice(self._ids, n))


def require_needed(ctx: CheckContext) -> None:
    """Capabilities a spec asks for with ``needs_filters`` / ``needs_splitmode`` parameters."""
    for name in ("filters", "splitmode"):
        if ctx.param(f"needs_{name}"):
            ctx.require(name)


def cparams_for(codec: int, layout: Layout | None = None, **overrides: Any) -> CParams:
    base: dict[str, Any] = {"codec": codec, "nthreads": 1}
    if layout is not None:
        base.update(typesize=layout.typesize, blocksize=layout.blocksize, filters=layout.filters, splitmode=layout.splitmode)
    base.update(overrides)
    return CParams(**base)


def new_container(ctx: CheckContext, cparams: CParams, chunksize: int, **kw: Any) -> Container:
    return ctx.adapter.create(cparams=cparams, dparams=DParams(nthreads=1), chunksize=chunksize, **kw)


def fill(container: Container, chunks: list[bytes]) -> None:
    for i, chunk in enumerate(chunks):
        n = container.append(chunk)
        if container.nchunks != i + 1:
            raise AssertionError(f"append returned {n!r} but the container holds {container.nchunks} chunks, expected {i + 1}")


def read_back(container: Container) -> bytes:
    return b"".join(container.decompress_chunk(i) for i in range(container.nchunks))


def first_difference(a: bytes, b: bytes) -> str:
    if len(a) != len(b):
        return f"lengths differ: got {len(a)} bytes, expected {len(b)}"
    pos = int(np.flatnonzero(np.frombuffer(a, np.uint8) != np.frombuffer(b, np.uint8))[0])
    return f"first difference at byte {pos}: got {a[pos]:#04x}, expected {b[pos]:#04x}"


def register_pair(ctx: CheckContext, name: str, codec_id: int, encoder: Callable[..., Any], decoder: Callable[..., Any]) -> None:
    """Register a codec the check needs; a rejection here is itself a violation."""
    try:
        ctx.adapter.register_codec(name, codec_id, encoder, decoder)
    except Exception as exc:  # noqa: BLE001
        ctx.fail(f"registering a valid codec ({name!r}, id {codec_id}) was rejected: {type(exc).__name__}: {exc}")


def header(chunk: bytes) -> dict[str, int]:
    """The few Blosc2 chunk-header fields the identity checks read."""
    if len(chunk) < 32:
        raise ValueError(f"a Blosc2 chunk has a 32-byte header; got {len(chunk)} bytes")
    flags = chunk[HEADER_FLAGS]
    return {
        "version": chunk[0],
        "versionlz": chunk[1],
        "flags": flags,
        "compformat": flags >> 5,
        "memcpyed": int(bool(flags & MEMCPYED_FLAG)),
        "typesize": chunk[HEADER_TYPESIZE],
        "nbytes": int.from_bytes(chunk[HEADER_NBYTES : HEADER_NBYTES + 4], "little"),
        "blocksize": int.from_bytes(chunk[HEADER_BLOCKSIZE : HEADER_BLOCKSIZE + 4], "little"),
        "udcodec": chunk[HEADER_UDCODEC],
        "codec_meta": chunk[HEADER_CODEC_META],
    }
