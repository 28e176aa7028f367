"""Where the contract is silent the reference accepts what python-blosc2 4.x accepts; ``strict()`` turns that off.

Lenient by default (python-blosc2 4.14.1 behaviour, checked against it):

- floats for integer parameters (``CParams``/``DParams`` fields, ``SChunk(chunksize=...)``): truncated
  to ``int``, as python-blosc2 does (``blocksize=8000.0`` is 8000);
- keys of a ``cparams``/``dparams`` dict that name no field, when an SChunk is created or opened:
  ignored (assigning ``schunk.cparams = {...}`` still refuses them: python-blosc2 takes no dict there).

Strict (``with udcodec.reference.strict():`` or ``UDCODEC_REFERENCE_STRICT=1`` in the environment):
those are refused with TypeError / ValueError.  What a clause of ``spec/*.yaml`` demands (e.g. a
float codec id, REG-ID-TYPE) is refused in both modes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

ENV_VAR = "UDCODEC_REFERENCE_STRICT"
_strict_depth = 0


def is_strict() -> bool:
    """True inside ``strict()`` or when ``UDCODEC_REFERENCE_STRICT`` is set to a non-empty value other than 0."""
    return _strict_depth > 0 or os.environ.get(ENV_VAR, "") not in ("", "0")


@contextmanager
def strict() -> Iterator[None]:
    """Refuse what the contract does not document although python-blosc2 accepts it (see the module)."""
    global _strict_depth
    _strict_depth += 1
    try:
        yield
    finally:
        _strict_depth -= 1
