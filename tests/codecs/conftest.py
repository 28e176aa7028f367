"""``tests/`` on ``sys.path`` (the ``broken`` package), and fixtures for the tests that run ``udcodec check-codec``/
``check-filter`` as subprocesses."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest
from subject_cli import TESTS_DIR, Command, run_udcodec, subject_env

if str(TESTS_DIR) not in sys.path:  # the broken codecs and filters import as ``broken.codecs``, ``broken.ufilters``
    sys.path.insert(0, str(TESTS_DIR))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Subprocess environment: ``tests/`` importable (``broken.codecs``), bytecode cached outside the tree."""
    return subject_env(tmp_path_factory.getbasetemp().parent / "udcodec-pycache")


@pytest.fixture
def check_codec(env: dict[str, str], tmp_path: Path) -> Command:
    """``udcodec check-codec ARGS`` in a subprocess, run in ``tmp_path``."""
    return functools.partial(run_udcodec, env, "check-codec", cwd=tmp_path)


@pytest.fixture
def check_filter(env: dict[str, str], tmp_path: Path) -> Command:
    """``udcodec check-filter ARGS`` in a subprocess, run in ``tmp_path``."""
    return functools.partial(run_udcodec, env, "check-filter", cwd=tmp_path)
