"""Check implementations, one module per clause family; importing this package registers them all.

``CHECKS`` is the registry they fill (name -> :class:`udcodec.checks.api.CheckDef`).
"""

from udcodec.checks import (  # noqa: F401
    callbacks,
    codec,
    container,
    filters,
    identity,
    interop,
    memcpy,
    ndarray,
    plugins,
    registration,
    reopen,
    roundtrip,
    threads,
    ufilter,
)
from udcodec.checks.api import CHECKS

__all__ = ["CHECKS"]
