"""Startup hook of interpreters that simulate a core count (see :func:`udcodec.checks.fresh.run_fresh`).

With ``UDCODEC_CORES=N`` in the environment, the operating-system queries a Python program asks how
many CPUs it may use (``os.cpu_count``, ``os.process_cpu_count``, ``os.sched_getaffinity``) answer
N. python-blosc2 reads its default thread count from them at import: 4.x from
``os.sched_getaffinity``, 2.x and 3.x through py-cpuinfo, which asks ``os.cpu_count`` in a child
interpreter (this hook reaches it through ``PYTHONPATH``). c-blosc2 reads no core count.
"""

import os

_cores = os.environ.get("UDCODEC_CORES", "")
if _cores.isdigit() and int(_cores) > 0:
    _n = int(_cores)
    os.cpu_count = lambda: _n
    if hasattr(os, "process_cpu_count"):
        os.process_cpu_count = lambda: _n
    if hasattr(os, "sched_getaffinity"):
        os.sched_getaffinity = lambda pid: set(range(_n))
