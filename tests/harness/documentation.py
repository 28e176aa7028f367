"""The documentation page the contract quotes, wherever a test runs.

The page (`register_codec.txt`, beside the checkout in ``shared/seed/``) is the published rendering of
``blosc2.register_codec``'s docstring in python-blosc2 2.7.1. Where the page is not beside the checkout (a
fresh clone, CI), :func:`rendered_page` downloads that release's wheel from PyPI (its sha256 pinned here),
reads the docstring from ``blosc2/core.py`` without importing anything, and renders it as the page
prints it; a test keeps the rendering equal to the page wherever both are at hand.
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import re
import textwrap
import urllib.request
import zipfile
from pathlib import Path

import pytest

SEED_PAGE = Path(__file__).resolve().parents[3] / "shared" / "seed" / "register_codec.txt"
INDEX = "https://pypi.org/simple/blosc2/"
WHEEL = "blosc2-2.7.1-cp311-cp311-win32.whl"  # the smallest 2.7.1 wheel; every one holds the same core.py
WHEEL_SHA256 = "bf55816beaf34eaba021904ee7d6c428ca338d0f3ec7a5be04dda552258d0a8b"
#: Set (as .ci/run does) to fail, not skip, when the page can be neither read nor downloaded.
REQUIRE = "UDCODEC_REQUIRE_DOCUMENTATION"


def normalise(text: str) -> str:
    return " ".join(text.split())


def _wheel(cache: Path) -> bytes:
    path = cache / WHEEL
    if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == WHEEL_SHA256:
        return path.read_bytes()
    request = urllib.request.Request(INDEX, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        files = json.load(answer)["files"]
    (entry,) = [f for f in files if f["filename"] == WHEEL]
    with urllib.request.urlopen(entry["url"], timeout=120) as answer:
        data: bytes = answer.read()
    assert hashlib.sha256(data).hexdigest() == WHEEL_SHA256, f"{WHEEL} from PyPI is not the pinned file"
    cache.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)
    return data


def register_codec_source(cache: Path) -> ast.FunctionDef:
    """``register_codec``'s definition in python-blosc2 2.7.1's ``blosc2/core.py`` (skips when offline)."""
    try:
        data = _wheel(cache)
    except OSError as exc:
        if os.environ.get(REQUIRE):
            raise
        pytest.skip(f"python-blosc2 2.7.1's wheel could not be downloaded ({exc}); {REQUIRE} makes this fail")
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        tree = ast.parse(wheel.read("blosc2/core.py"))
    (function,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "register_codec"]
    return function


def _signature(function: ast.FunctionDef) -> str:
    args = function.args.args
    defaults = [None] * (len(args) - len(function.args.defaults)) + list(function.args.defaults)
    shown = [a.arg if d is None else f"{a.arg}={ast.unparse(d)}" for a, d in zip(args, defaults, strict=True)]
    return f"blosc2.{function.name}({', '.join(shown)})"


def _sections(doc: str) -> tuple[str, dict[str, list[str]]]:
    lines = textwrap.dedent("\n".join(doc.splitlines()[1:])).splitlines()
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i] and set(lines[i + 1]) == {"-"}:
            current = sections.setdefault(lines[i], [])
            i += 2
            continue
        current.append(lines[i])
        i += 1
    return doc.splitlines()[0].strip(), sections


def _entries(lines: list[str]) -> list[tuple[str, str]]:
    """numpydoc ``name: type`` entries with their indented descriptions, joined into one line each."""
    out: list[tuple[str, str]] = []
    for line in lines:
        if line and not line[0].isspace():
            out.append((line, ""))
        elif line.strip():
            head, text = out[-1]
            out[-1] = (head, f"{text} {line.strip()}".strip())
    return out


def _bullets(lines: list[str]) -> list[str]:
    return [normalise(b) for b in re.split(r"^\* ", "\n".join(lines), flags=re.M) if b.strip()]


def render(function: ast.FunctionDef) -> str:
    """The docstring as the published page prints it (Sphinx with numpydoc sections)."""
    doc = ast.get_docstring(function, clean=False) or ""
    summary, sections = _sections(doc)
    out = [f"blosc2.{function.name}#", "", f"{_signature(function)}#", "", summary, "", "Parameters:"]
    for head, text in _entries(sections["Parameters"]):
        name, kind = (part.strip() for part in head.split(":", 1))
        out += [f"  • {name} ({kind}) – {text}".replace("`", ""), ""]
    ((head, _),) = _entries(sections["Returns"])
    name, kind = (part.strip() for part in head.split(":", 1))
    out += ["Returns:", "", name, "", "Return type:", "", kind, "", "Notes", ""]
    out += [line for b in _bullets(sections["Notes"]) for line in (f"  • {b}".replace("`", ""), "")]
    # The page shows no "See Also" section.
    code = "\n".join(sections["Examples"]).split(".. code-block:: python", 1)[1]
    out += ["Examples", "", textwrap.dedent(code).strip("\n")]
    return "\n".join(out)


def rendered_page(cache: Path) -> str:
    return render(register_codec_source(cache))


def example_code(page: str) -> str:
    """The page's example, runs of blank lines made one (the docstring separates functions by two)."""
    code = page.split("\nExamples\n", 1)[1].strip("\n")
    return re.sub(r"\n(\s*\n)+", "\n\n", code)
