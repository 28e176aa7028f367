"""The ``b2nd`` metalayer ND-METALAYER expects (``udcodec.checks.ndsupport``): the bytes python-blosc2 writes for
the same layout, found in a frame's header by ``frame_metalayer``; none in a plain super-chunk's frame; a
header that does not parse is a ValueError."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import udcodec.reference as ref
from udcodec.checks.ndsupport import (
    FRAME_HEADER_FIXED,
    b2nd_metalayer,
    frame_metalayer,
    parse_layout,
)

LAYOUTS = ["6x10/4x6/2x3/<i4", "7x10/5x7/2x3/<f8", "100/40/10/<u2", "3x4x5/2x3x4/1x2x3/<f4", "-/-/-/<f8"]


def _expected(text: str) -> bytes:
    return b"".join(field for _, field in b2nd_metalayer(parse_layout(text)))


@pytest.mark.parametrize("text", LAYOUTS)
def test_python_blosc2_writes_the_expected_metalayer(text: str, tmp_path: Path) -> None:
    blosc2 = pytest.importorskip("blosc2")
    layout = parse_layout(text)
    path = str(tmp_path / "a.b2nd")
    kwargs = {"chunks": layout.chunks, "blocks": layout.blocks} if layout.shape else {}
    blosc2.asarray(np.zeros(layout.shape, layout.dtype), urlpath=path, mode="w", **kwargs)
    assert frame_metalayer(path, "b2nd") == _expected(text)


def test_the_fields_are_c_blosc2s() -> None:
    fields = dict(b2nd_metalayer(parse_layout("6x10/4x6/2x3/<i4")))
    assert fields["array header"] == b"\x97" and fields["ndim"] == b"\x02"
    assert fields["shape"] == b"\x92\xd3" + (6).to_bytes(8, "big") + b"\xd3" + (10).to_bytes(8, "big")
    assert fields["blockshape"] == b"\x92\xd2" + (2).to_bytes(4, "big") + b"\xd2" + (3).to_bytes(4, "big")
    assert fields["dtype string"] == b"\xdb\x00\x00\x00\x03<i4"


def test_a_plain_frame_has_none_and_a_broken_header_does_not_parse(tmp_path: Path) -> None:
    path = tmp_path / "plain.b2frame"
    ref.SChunk(chunksize=64, data=bytes(64), urlpath=str(path), mode="w")
    assert frame_metalayer(str(path), "b2nd") is None
    data = bytearray(path.read_bytes())
    data[FRAME_HEADER_FIXED] = 0xC1  # a byte msgpack never uses
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="metalayers section does not parse"):
        frame_metalayer(str(path), "b2nd")


def test_an_item_read_from_outside_the_data_is_said_so_not_quoted() -> None:
    """ND-SLICES-FILTERS on python-blosc2 had quoted items read from memory outside the array, a different number
    every run: its message changed run to run."""
    from udcodec.checks.ndsupport import array_difference

    want = np.arange(12, dtype="<i4").reshape(3, 4)
    got = want.copy()
    got[1, 2] = -596411940
    assert array_difference(got, want) == "item (1, 2) is a value the array does not hold (expected np.int32(6))"
    got[1, 2] = 11  # a value of the array, misplaced: quoted
    assert array_difference(got, want) == "item (1, 2) is np.int32(11), expected np.int32(6)"
    floats = want.astype("<f8")
    wrong = floats.copy()
    wrong[0, 0] = 0.5
    assert array_difference(wrong, floats) == "item (0, 0) is np.float64(0.5), expected np.float64(0.0)"
