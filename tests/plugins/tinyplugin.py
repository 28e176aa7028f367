"""Build ``tinyplugin.c`` into an installable-looking plugin package ``blosc2_NAME`` in a folder.

The system C compiler builds it against the headers shipped in the python-blosc2 wheel; without a
compiler or those headers the calling test is skipped and says why.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

SOURCE = Path(__file__).with_name("tinyplugin.c")
FILTER_SOURCE = Path(__file__).with_name("tinyfilter.c")

_INIT = '''"""A tiny codec plugin built for udcodec's tests."""
import ctypes
import glob
import os

HERE = os.path.dirname(os.path.abspath(__file__))
if {preload}:  # load libblosc2 globally first, as some published plugins' packages do
    import blosc2
    for _lib in glob.glob(os.path.join(os.path.dirname(blosc2.__file__), "lib", "libblosc2.so*")):
        ctypes.CDLL(_lib, mode=ctypes.RTLD_GLOBAL)
        break


def print_libpath():
    print(os.path.join(HERE, "libblosc2_{name}.so"), end="")
'''


def compiler() -> str:
    found = shutil.which("gcc") or shutil.which("cc")
    if found is None:
        pytest.skip("no C compiler (gcc or cc) on this machine: the compiled plugin tests need one")
    return found


def blosc2_include() -> Path:
    spec = importlib.util.find_spec("blosc2")
    if spec is None or spec.origin is None:
        pytest.skip("python-blosc2 is not installed: its wheel's headers build the test plugin")
    include = Path(spec.origin).parent / "include"
    if not (include / "blosc2.h").is_file() or not (include / "blosc2" / "codecs-registry.h").is_file():
        pytest.skip(f"python-blosc2's wheel ships no blosc2.h and blosc2/codecs-registry.h under {include}")
    return include


def build(folder: Path, name: str, *defines: str, preload_libblosc2: bool = False, source: Path = SOURCE) -> Path:
    """``folder/blosc2_NAME/`` with ``libblosc2_NAME.so`` built with ``-D`` each of ``defines``; returns the library.

    ``source`` is the codec plugin ``tinyplugin.c`` unless given (``FILTER_SOURCE``: the filter plugin).
    """
    package = folder / f"blosc2_{name}"
    package.mkdir(parents=True, exist_ok=True)
    library = package / f"libblosc2_{name}.so"
    command = [compiler(), "-shared", "-fPIC", "-O1", f"-I{blosc2_include()}", *(f"-D{d}" for d in defines),
               str(source), "-o", str(library)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    (package / "__init__.py").write_text(_INIT.format(name=name, preload=preload_libblosc2))
    return library
