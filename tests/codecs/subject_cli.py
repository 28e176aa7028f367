"""``udcodec check-codec``/``check-filter`` in a subprocess, as codec and filter authors run them (fixtures:
``conftest.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

#: ``tests/``: on the subprocesses' ``PYTHONPATH``, so they import the ``broken`` package.
TESTS_DIR = Path(__file__).resolve().parents[1]
#: A command of the ``check_codec``/``check_filter`` fixtures: ``(*args) -> CompletedProcess``.
Command = Callable[..., subprocess.CompletedProcess[str]]


def subject_env(pycache: Path) -> dict[str, str]:
    """This process's environment with ``tests/`` importable and bytecode cached in ``pycache``."""
    environ = dict(os.environ)
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), environ.get("PYTHONPATH")]))
    environ["PYTHONPYCACHEPREFIX"] = str(pycache)
    return environ


def run_udcodec(env: dict[str, str], command: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``udcodec COMMAND ARGS`` as ``python -m udcodec.cli`` in ``cwd``, its output captured as text."""
    return subprocess.run([sys.executable, "-m", "udcodec.cli", command, *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)
