"""The default thread count, found as python-blosc2 4.x finds it: the CPUs this process may run on.

The reference never runs a thread of its own; ``nthreads`` is what a container reports and
checks. Left out with a Python codec, it is 1 whatever the core count (the contract: "Cannot use
multi-threading when using an user defined codec"); left out with any other codec, it is
:data:`nthreads`, as in python-blosc2.
"""

from __future__ import annotations

import os


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def default_for(ncores: int) -> int:
    """python-blosc2 4.x's default for ``ncores`` cores: all of them up to 16, 7/8 above, at most 64."""
    n = min(ncores, 64)
    return n - n // 8 if n > 16 else n


ncores = available_cpus()
nthreads = default_for(ncores)


def set_nthreads(n: int) -> int:
    """Set the default thread count; return the previous one."""
    global nthreads
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"nthreads must be a positive integer, got {n!r}")
    previous, nthreads = nthreads, n
    return previous


def resolve(given: int | None, python_codec: bool) -> int:
    """The thread count in effect: the one given, else 1 for a Python codec, else the default."""
    if given is not None:
        return given
    return 1 if python_codec else nthreads
