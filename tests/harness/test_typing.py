"""The installed package is typed (py.typed): mypy checks user code against the public API.

The dev venv holds an editable install, which mypy cannot see through (setuptools' import hook,
and ``udcodec`` maps to several source folders). So the package is built the way a wheel lays it
out (``build_py``) into a bare virtual environment, and mypy checks snippets against that.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

pytest.importorskip("mypy")
pytest.importorskip("setuptools")

pytestmark = pytest.mark.slow  # builds the package into a bare venv: the slow tier

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("conformance", "adapters", "reference", "spec", "pyproject.toml", "README.md")

GOOD = """\
from udcodec.adapters.protocol import Adapter, AdapterInfo, CParams, DParams

params = CParams(codec=200, typesize=4, filters=("shuffle",))
level: int = params.clevel
dparams = DParams(nthreads=1)


def describe(adapter: Adapter) -> str:
    info: AdapterInfo = adapter.info()
    caps: frozenset[str] = adapter.capabilities()
    return f"{info.name} {info.version} {sorted(caps)}"
"""

BAD = """\
from udcodec.adapters.protocol import Adapter, CParams

wrong = CParams(codec="x")
missing = CParams()
name: int = CParams(codec=1).splitmode


def describe(adapter: Adapter) -> int:
    return adapter.info()
"""


def _purelib(env: Path) -> Path:
    scheme = "venv" if "venv" in sysconfig.get_scheme_names() else "posix_prefix"
    return Path(
        sysconfig.get_path("purelib", scheme, vars={"base": str(env), "platbase": str(env)})
    )


def _python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``udcodec`` as a wheel would install it (build_py of a copy of the sources)."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif path.exists():
            shutil.copy2(path, src / name)
    (src / "README.md").touch()
    lib = tmp_path_factory.mktemp("lib")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from setuptools import setup; setup()",
            "-q",
            "build_py",
            "--build-lib",
            str(lib),
        ],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return lib / "udcodec"


def _environment(root: Path, package: Path, typed: bool) -> Path:
    venv.EnvBuilder(with_pip=False, symlinks=sys.platform != "win32").create(root)
    target = _purelib(root) / "udcodec"
    shutil.copytree(package, target)
    if not typed:
        (target / "py.typed").unlink()
    python = _python(root)
    assert python.exists()
    return python


@pytest.fixture(scope="module")
def typed_python(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _environment(tmp_path_factory.mktemp("typed-env"), built, typed=True)


def mypy(python: Path, code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(code), encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            "--python-executable",
            str(python),
            "--strict",
            str(snippet),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_built_package_ships_py_typed_and_its_data(built: Path) -> None:
    assert (built / "py.typed").is_file()
    assert (built / "adapters" / "protocol.py").is_file()
    assert (built / "schemas" / "report.schema.json").is_file()
    assert (built / "adapters" / "expectations" / "blosc2.yaml").is_file()
    spec = REPO / "spec"
    for path in [*spec.glob("*.yaml"), spec / "schema.json", spec / "VERSION"]:
        assert (built / "spec" / path.name).is_file(), f"spec/{path.name} is not packaged"


def test_correct_use_of_the_public_api_type_checks(typed_python: Path, tmp_path: Path) -> None:
    proc = mypy(typed_python, GOOD, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout


def test_wrong_calls_are_flagged(typed_python: Path, tmp_path: Path) -> None:
    proc = mypy(typed_python, BAD, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert (
        'snippet.py:3: error: Argument "codec" to "CParams" has incompatible type "str"; '
        'expected "int"' in out
    )
    assert 'snippet.py:4: error: Missing positional argument "codec" in call to "CParams"' in out
    assert "snippet.py:5: error: Incompatible types in assignment" in out
    assert (
        'snippet.py:9: error: Incompatible return value type (got "AdapterInfo", expected "int")'
        in out
    )
    assert "import-untyped" not in out and "import-not-found" not in out


def test_without_py_typed_mypy_ignores_the_package(
    built: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """The control: it is the py.typed marker that makes the types visible."""
    python = _environment(tmp_path_factory.mktemp("untyped-env"), built, typed=False)
    proc = mypy(python, BAD, tmp_path)
    assert "missing library stubs or py.typed marker" in proc.stdout
    assert 'incompatible type "str"' not in proc.stdout
