"""The shape of register_filter's documentation example: view the block as int32 and add 1 (subtract when
undoing). It assumes every block holds whole int32 items, which a host does not promise (short last blocks,
typesizes other than 4, blocks of any size when called directly): its verdict shows where that breaks.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def forward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    output.view(np.int32)[:] = input.view(np.int32) + 1


def backward(input: np.ndarray, output: np.ndarray, meta: int, schunk: Any) -> None:
    output.view(np.int32)[:] = input.view(np.int32) - 1
