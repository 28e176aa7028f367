"""The folder the plugin tests build plugin packages in."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder the plugin packages are importable from, here and in the interpreters Blosc2 starts
    (``python`` on ``PATH`` is this interpreter)."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    return folder
