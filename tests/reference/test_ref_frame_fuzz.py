"""Corrupt frames: opening a mutated or truncated frame and reading every chunk either works or raises
:class:`FormatError` (``FrameFormatError`` at open, ``ChunkFormatError`` naming file, chunk and offset)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import udcodec.reference as ref
from udcodec.reference import ChunkFormatError, FormatError, FrameFormatError

SEED = 20261129
MUTATIONS = 1500  # per frame: single-byte changes at random positions
CASES = {
    "memcpy-shuffle": {"codec": ref.Codec.ZLIB, "clevel": 0, "typesize": 4},
    "zlib-bitshuffle": {"codec": ref.Codec.ZLIB, "typesize": 4, "filters": [0, 0, 0, 0, 0, 2]},
}


def _frame(tmp_path: Path, name: str, cparams: dict[str, object]) -> bytes:
    path = tmp_path / f"{name}.b2frame"
    data = (np.arange(3000, dtype=np.int32) % 97).tobytes() + bytes(range(256)) * 4
    s = ref.SChunk(chunksize=4000, urlpath=str(path), mode="w", cparams=cparams)
    for start in range(0, len(data), 4000):  # three full chunks and a short last one
        s.append_data(data[start:start + 4000])
    s.close()
    return path.read_bytes()


def _read_all(path: Path) -> None:
    s = ref.open(str(path))
    for i in range(s.nchunks):
        s.decompress_chunk(i)


def _variants(original: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    out = []
    for _ in range(MUTATIONS):
        pos = rng.randrange(len(original))
        value = rng.choice([0, 0xFF, original[pos] ^ (1 << rng.randrange(8)), rng.randrange(256)])
        if value != original[pos]:
            out.append((f"byte {pos} := 0x{value:02x}", original[:pos] + bytes([value]) + original[pos + 1:]))
    out += [(f"truncated to {n}", original[:n]) for n in range(0, len(original), max(1, len(original) // 150))]
    return out


@pytest.mark.slow  # a few thousand opens: about 2-3 s
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_corrupt_frame_raises_only_format_errors(case: str, tmp_path: Path) -> None:
    original = _frame(tmp_path, case, CASES[case])
    _read_all(tmp_path / f"{case}.b2frame")  # the untouched frame reads
    rng = random.Random(f"{SEED}-{case}")
    path = tmp_path / "mutated.b2frame"
    raised = {"ok": 0, "frame": 0, "chunk": 0}
    for what, blob in _variants(original, rng):
        path.write_bytes(blob)
        try:
            _read_all(path)
        except FormatError as exc:
            assert str(path) in str(exc), (what, exc)
            raised["chunk" if isinstance(exc, ChunkFormatError) else "frame"] += 1
        except Exception as exc:  # noqa: BLE001 - anything else escaping is the defect under test
            pytest.fail(f"{case}, {what}: {type(exc).__name__} escaped: {exc}")
        else:
            raised["ok"] += 1
    assert raised["frame"] > 100, raised
    if CASES[case].get("clevel") != 0:  # a memcpyed chunk's data decodes whatever its bytes are
        assert raised["chunk"] > 0, raised


def test_format_errors_are_value_errors() -> None:
    assert issubclass(FrameFormatError, FormatError) and issubclass(ChunkFormatError, FormatError)
    assert issubclass(FormatError, ValueError)
    assert issubclass(ref.ChunkCodecError, ChunkFormatError) and issubclass(ref.ChunkCodecError, RuntimeError)


def test_a_corrupt_chunk_names_file_chunk_and_offset(tmp_path: Path) -> None:
    original = bytearray(_frame(tmp_path, "z", CASES["zlib-bitshuffle"]))
    info, _ = ref.frame.read_frame(str(tmp_path / "z.b2frame"))
    start = info.header_len + info.offsets[1]
    header_len = ref.parse_header(bytes(original[start:])).header_len
    original[start + header_len + 8:start + header_len + 24] = bytes(16)  # inside chunk 1's zlib stream
    path = tmp_path / "bad.b2frame"
    path.write_bytes(bytes(original))
    s = ref.open(str(path))
    s.decompress_chunk(0)
    with pytest.raises(ChunkFormatError) as info_:
        s.decompress_chunk(1)
    assert (info_.value.path, info_.value.index, info_.value.offset) == (str(path), 1, start)
    assert f"{str(path)!r}: chunk 1 (at byte {start}): " in str(info_.value)
