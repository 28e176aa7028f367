"""Fixtures for the harness tests that run ``udcodec`` as a subprocess, the way users run it."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest
from udcodec_cli import ADAPTERS_MODULE, Udcodec, run_udcodec


@pytest.fixture(scope="session")
def udcodec_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Subprocess environment: the test adapters importable, bytecode cached outside the tree."""
    modules = tmp_path_factory.mktemp("test-adapters")
    (modules / "udcodec_test_adapters.py").write_text(ADAPTERS_MODULE, encoding="utf-8")
    environ = dict(os.environ)
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    environ["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.getbasetemp().parent / "udcodec-pycache")
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(modules), environ.get("PYTHONPATH")]))
    return environ


@pytest.fixture
def udcodec_cli(udcodec_env: dict[str, str], tmp_path: Path) -> Udcodec:
    """``udcodec ARGS`` as ``python -m udcodec.cli ARGS`` in a subprocess, run in ``tmp_path``."""
    return functools.partial(run_udcodec, udcodec_env, cwd=tmp_path)
