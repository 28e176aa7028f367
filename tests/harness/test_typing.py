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
from udcodec.adapters.protocol import NOT_GIVEN, Adapter, AdapterInfo, CParams, DParams, value_of

params = CParams(codec=200, typesize=4, filters=("shuffle",), nthreads=NOT_GIVEN)
level: int = value_of(params.clevel)
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

#: The shipped adapters satisfy the protocol, as classes and as instances.
SATISFIES = """\
from udcodec.adapters.blosc2 import Blosc2Adapter
from udcodec.adapters.blosc2like import ModuleAdapter, for_module
from udcodec.adapters.protocol import Adapter, Container, CParams, DParams
from udcodec.adapters.reference import ReferenceAdapter


class MyPortAdapter(ModuleAdapter):
    module_name = adapter_name = "myport"


reference: Adapter = ReferenceAdapter()
blosc2: Adapter = Blosc2Adapter()
port: Adapter = MyPortAdapter()
generated: Adapter = for_module("myport")()


def as_adapter(adapter: ModuleAdapter) -> Adapter:
    return adapter


def container(adapter: Adapter) -> Container:
    return adapter.create(CParams(codec=200), DParams(), chunksize=1024)
"""

#: An adapter written from scratch that forgot ``open``: mypy must reject it as an Adapter.
WITHOUT_OPEN = """\
from typing import Any

from udcodec.adapters.protocol import (
    NOT_GIVEN,
    Adapter,
    AdapterInfo,
    Container,
    CParams,
    DParams,
    NDContainer,
    NotGiven,
)


class WithoutOpen:
    name = "without-open"

    def info(self) -> AdapterInfo:
        return AdapterInfo(name=self.name, implementation="port", version="0")

    def capabilities(self) -> frozenset[str]:
        return frozenset()

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        return None

    def registry(self) -> dict[Any, Any]:
        return {}

    def register_filter(self, id: Any, forward: Any = None, backward: Any = None, name: Any = None) -> Any:
        return None

    def create(
        self,
        cparams: CParams | NotGiven,
        dparams: DParams | NotGiven,
        chunksize: int,
        urlpath: str | None = None,
        contiguous: bool | NotGiven = NOT_GIVEN,
    ) -> Container:
        raise NotImplementedError

    def compress_outside(self, data: bytes, cparams: CParams) -> bytes:
        raise NotImplementedError

    def decompress_outside(self, chunk: bytes, dparams: DParams | NotGiven) -> bytes:
        raise NotImplementedError

    def is_container(self, obj: Any) -> bool:
        return False

    def match_format_of(self, other: AdapterInfo) -> None:
        pass

    def compress_outside_spellings(self, data: bytes, cparams: CParams) -> Any:
        raise NotImplementedError

    def decompress_outside_spellings(self, chunk: bytes, dparams: DParams) -> Any:
        raise NotImplementedError

    def nd_create(self, array: Any, chunks: Any, blocks: Any, cparams: Any, dparams: Any,
                  urlpath: str | None = None, contiguous: Any = NOT_GIVEN) -> NDContainer:
        raise NotImplementedError

    def nd_full(self, shape: Any, fill_value: Any, dtype: Any, chunks: Any, blocks: Any, cparams: Any,
                dparams: Any, urlpath: str | None = None) -> NDContainer:
        raise NotImplementedError

    def nd_open(self, urlpath: str, dparams: Any = NOT_GIVEN, cparams: Any = NOT_GIVEN,
                mode: Any = NOT_GIVEN) -> NDContainer:
        raise NotImplementedError


port: Adapter = WithoutOpen()
"""

#: Everything an adapter or check author needs comes from ``udcodec.api``.
PUBLIC_API = """\
from typing import Any

from udcodec.api import (
    CAPABILITIES,
    Adapter,
    AdapterLoadError,
    CapabilityMissing,
    CheckContext,
    CheckResult,
    CParams,
    DParams,
    ModuleAdapter,
    NotApplicable,
    Outcome,
    check,
    expect_rejection,
    load_adapter,
)


class MyPortAdapter(ModuleAdapter):
    module_name = adapter_name = "myport"


@check("myfamily.roundtrip", requires=("persistence",))
def roundtrip(ctx: CheckContext) -> None:
    adapter: Adapter = ctx.adapter
    if "persistence" not in adapter.capabilities() & CAPABILITIES:
        raise CapabilityMissing("persistence")
    container = adapter.create(CParams(codec=200), DParams(), chunksize=64)
    if container.append(bytes(64)) != 1:
        ctx.fail("append did not return 1")
    with expect_rejection(ctx, "register_codec(id=300)", (ValueError,)):
        adapter.register_codec("c", 300)
    raise NotApplicable("an example")


def load(spec: str) -> Adapter | None:
    try:
        return load_adapter(spec)
    except AdapterLoadError:
        return None


passed: bool = CheckResult(clause="X", adapter="a", outcome=Outcome.PASS).outcome is Outcome.PASS
port: Adapter = MyPortAdapter()
fn: Any = roundtrip
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
        'expected "int | NotGiven"' in out
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


def test_the_shipped_adapters_satisfy_the_protocol(typed_python: Path, tmp_path: Path) -> None:
    proc = mypy(typed_python, SATISFIES, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout


def test_an_adapter_missing_an_operation_is_rejected(typed_python: Path, tmp_path: Path) -> None:
    proc = mypy(typed_python, WITHOUT_OPEN, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    line = WITHOUT_OPEN.splitlines().index('port: Adapter = WithoutOpen()') + 1
    assert (
        f'snippet.py:{line}: error: Incompatible types in assignment (expression has type '
        '"WithoutOpen", variable has type "Adapter")' in out
    )
    assert '"WithoutOpen" is missing following "Adapter" protocol member:' in out
    assert "snippet.py:" + str(line) + ": note:     open" in out
    assert out.count("error:") == 1, out


def test_the_public_api_module_type_checks(typed_python: Path, tmp_path: Path) -> None:
    proc = mypy(typed_python, PUBLIC_API, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout


def test_the_same_adapter_with_open_is_accepted(typed_python: Path, tmp_path: Path) -> None:
    """The control: ``open`` is the only thing the rejected adapter lacks."""
    method = (
        "    def open(self, urlpath: str, dparams: DParams | NotGiven = NOT_GIVEN,\n"
        "             cparams: CParams | NotGiven | None = NOT_GIVEN, mode: str | NotGiven = NOT_GIVEN)"
        " -> Container:\n        raise NotImplementedError\n\n"
    )
    code = WITHOUT_OPEN.replace("    def is_container", method + "    def is_container")
    assert code != WITHOUT_OPEN
    proc = mypy(typed_python, code, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
