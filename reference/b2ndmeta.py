"""The ``b2nd`` metalayer of an NDArray frame, and the frame header's metalayers section that holds it.

As c-blosc2 writes them (``b2nd_serialize_meta``, ``new_header_frame``): the metalayer is a msgpack
array ``[version 0, ndim, shape (int64s), chunkshape (int32s), blockshape (int32s), dtype format 0,
dtype string (str32)]``; the section after the 87 fixed header bytes is ``[index size (uint16),
{name: offset (int32, from the frame start)}, [content (bin32), ...]]``. Only numeric dtypes (dtype
format 0, NumPy's ``dtype.str``) are written; structured dtypes are out of scope.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from .frame import HEADER_MINLEN, FrameFormatError

NAME = "b2nd"
VERSION = 0
DTYPE_FORMAT_NUMPY = 0
MAX_DIM = 8


@dataclass(frozen=True)
class B2ndMeta:
    """What the ``b2nd`` metalayer says about an array."""

    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    blocks: tuple[int, ...]
    dtype: np.dtype


def serialize(meta: B2ndMeta) -> bytes:
    """The metalayer's bytes (c-blosc2's layout for a NumPy-format dtype)."""
    ndim = len(meta.shape)
    if not (len(meta.chunks) == len(meta.blocks) == ndim <= MAX_DIM):
        raise ValueError(f"shape, chunks and blocks need the same length <= {MAX_DIM}")
    if meta.dtype.fields is not None or meta.dtype.subdtype is not None:
        raise ValueError(f"structured or sub-array dtypes are not supported by the reference: {meta.dtype}")
    out = bytearray([0x97, VERSION, ndim])
    out += bytes([0x90 | ndim]) + b"".join(b"\xd3" + struct.pack(">q", n) for n in meta.shape)
    out += bytes([0x90 | ndim]) + b"".join(b"\xd2" + struct.pack(">i", n) for n in meta.chunks)
    out += bytes([0x90 | ndim]) + b"".join(b"\xd2" + struct.pack(">i", n) for n in meta.blocks)
    dtype = meta.dtype.str.encode()
    out += bytes([DTYPE_FORMAT_NUMPY]) + b"\xdb" + struct.pack(">I", len(dtype)) + dtype
    return bytes(out)


class _Reader:
    def __init__(self, data: bytes, what: str) -> None:
        self.data, self.pos, self.what = data, 0, what

    def fail(self, problem: str) -> FrameFormatError:
        return FrameFormatError(f"{self.what}: {problem} at byte {self.pos}")

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise self.fail("truncated")
        self.pos += 1
        return self.data[self.pos - 1]

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise self.fail("truncated")
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def integer(self) -> int:
        """A msgpack integer (fixint or a sized int/uint)."""
        marker = self.byte()
        if marker < 0x80:
            return marker
        if marker >= 0xE0:
            return marker - 0x100
        sizes = {0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q", 0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q"}
        if marker not in sizes:
            raise self.fail(f"expected an integer, got marker 0x{marker:02x}")
        fmt = sizes[marker]
        return int(struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0])

    def array_len(self) -> int:
        marker = self.byte()
        if marker & 0xF0 == 0x90:
            return marker & 0x0F
        if marker == 0xDC:
            return int(struct.unpack(">H", self.take(2))[0])
        raise self.fail(f"expected an array, got marker 0x{marker:02x}")

    def string(self) -> str:
        marker = self.byte()
        if marker & 0xE0 == 0xA0:
            n = marker & 0x1F
        elif marker in (0xD9, 0xDA, 0xDB):
            n = int.from_bytes(self.take({0xD9: 1, 0xDA: 2, 0xDB: 4}[marker]), "big")
        else:
            raise self.fail(f"expected a string, got marker 0x{marker:02x}")
        return self.take(n).decode("utf-8", errors="replace")


def parse(content: bytes, what: str = "b2nd metalayer") -> B2ndMeta:
    """Read a ``b2nd`` metalayer (FrameFormatError if it is malformed or names a dtype NumPy does not know)."""
    r = _Reader(content, what)
    r.array_len()
    version = r.integer()
    if version > VERSION:
        raise r.fail(f"b2nd version {version} is newer than the reference reads ({VERSION})")
    ndim = r.integer()
    dims = []
    for _ in range(3):
        if r.array_len() != ndim:
            raise r.fail(f"a shape that is not {ndim}-dimensional")
        dims.append(tuple(r.integer() for _ in range(ndim)))
    fmt = r.integer()
    text = r.string()
    if fmt != DTYPE_FORMAT_NUMPY:
        raise r.fail(f"dtype format {fmt} is not NumPy's (0)")
    try:
        dtype = np.dtype(text)
    except TypeError as exc:
        raise r.fail(f"dtype {text!r} is not a NumPy dtype string the reference reads ({exc})") from None
    return B2ndMeta(dims[0], dims[1], dims[2], dtype)


def section(layers: dict[str, bytes]) -> bytes:
    """The header's metalayers section holding ``layers`` (offsets count from the frame start)."""
    names = b"".join(bytes([0xA0 | len(n)]) + n.encode() for n in layers)
    map_len = 3 + len(names) + 5 * len(layers)
    index_size = 1 + map_len + 3
    pos = HEADER_MINLEN + 4 + map_len + 3
    entries = b""
    contents = b""
    for name, content in layers.items():
        entries += bytes([0xA0 | len(name)]) + name.encode() + b"\xd2" + struct.pack(">i", pos + len(contents))
        contents += b"\xc6" + struct.pack(">I", len(content)) + content
    return (b"\x93\xcd" + struct.pack(">H", index_size) + b"\xde" + struct.pack(">H", len(layers)) + entries
            + b"\xdc" + struct.pack(">H", len(layers)) + contents)


def layers_of(metalayers: bytes, what: str = "frame header") -> dict[str, bytes]:
    """The metalayers (name -> content) of a header's metalayers section (the bytes after the fixed 87)."""
    r = _Reader(metalayers, f"{what}: metalayers section")
    if not metalayers:
        return {}
    r.array_len()
    r.integer()  # index size
    marker = r.byte()
    if marker == 0xDE:
        count = int(struct.unpack(">H", r.take(2))[0])
    elif marker & 0xF0 == 0x80:
        count = marker & 0x0F
    else:
        raise r.fail(f"expected a map, got marker 0x{marker:02x}")
    offsets = {}
    for _ in range(count):
        name = r.string()
        offsets[name] = r.integer()
    layers = {}
    for name, offset in offsets.items():
        r.pos = offset - HEADER_MINLEN
        if r.byte() != 0xC6:
            raise r.fail(f"metalayer {name!r} does not start with a bin32 marker")
        (n,) = struct.unpack(">I", r.take(4))
        layers[name] = r.take(n)
    return layers
