"""Golden-vector data recipes: the golden names of :mod:`udcodec.data` as ``f(nbytes, chunksize)``.

They are part of the manifest format: a recipe's bytes must never change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial

from udcodec.data import GOLDEN, make_data


def _recipe(name: str, nbytes: int, chunksize: int) -> bytes:
    return make_data(name, nbytes, chunksize=chunksize)


#: Recipe name -> ``f(nbytes, chunksize) -> bytes`` (``chunksize``: the entry's, or nbytes for a chunk).
RECIPES: Mapping[str, Callable[[int, int], bytes]] = {name: partial(_recipe, name) for name in GOLDEN}
