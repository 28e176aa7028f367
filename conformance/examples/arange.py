"""The documentation's arange codec, corrected.

A block whose items form an arithmetic progression (modulo 2**bits, so wrap-around and negative steps
count) is stored as its first item and its step. The codec meta is the item width in bytes (1, 2, 4
or 8; 0 means 1); items are little-endian whatever the machine. Anything else is left to the host to
store raw (the encoder returns 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

WIDTHS = (1, 2, 4, 8)


def _width(meta: int) -> int:
    width = meta or 1
    if width not in WIDTHS:
        raise ValueError(f"codec meta {meta} is not an item width in bytes (0, 1, 2, 4 or 8)")
    return width


def encoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    width = meta or 1
    if width not in WIDTHS or input.size % width or input.size <= 2 * width or output.size < 2 * width:
        return 0
    items = input.view(f"<u{width}")
    steps = items[1:] - items[:-1]  # unsigned: wraps, so negative steps are large positive ones
    if not (steps == steps[0]).all():
        return 0
    output[:width] = items[:1].view(np.uint8)
    output[width : 2 * width] = steps[:1].view(np.uint8)
    return 2 * width


def decoder(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> int:
    width = _width(meta)
    if input.size != 2 * width or output.size % width:
        raise ValueError(f"an arange stream of {width}-byte items is {2 * width} bytes for a multiple of {width}")
    start, step = (int(v) for v in input.view(f"<u{width}"))
    index = np.arange(output.size // width, dtype=np.uint64)
    with np.errstate(over="ignore"):
        items = np.uint64(start) + index * np.uint64(step)  # modulo 2**64, then cut to the item width
    output[:] = items.astype(f"<u{width}").view(np.uint8)
    return output.size
