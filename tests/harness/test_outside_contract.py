"""``docs/outside-contract.md``: each python-blosc2 defect recorded there reproduces, with the output the page shows,
on the installed python-blosc2 when the page lists its version (slow tier: a fresh interpreter each)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "outside-contract.md"
_ENTRY = re.compile(r"^## (?P<title>.+?)\n(?P<body>.*?)(?=^## |\Z)", re.S | re.M)
_SEEN = re.compile(r"^Seen on: (?P<versions>.+)$", re.M)
_BLOCK = re.compile(r"^```(?P<lang>python|text)\n(?P<code>.*?)^```$", re.S | re.M)


def _entries() -> list[tuple[str, list[str], str, str]]:
    """(title, versions, reproduction, output) of each entry of the page."""
    found = []
    for entry in _ENTRY.finditer(PAGE.read_text(encoding="utf-8")):
        seen = _SEEN.search(entry["body"])
        blocks = {b["lang"]: b["code"] for b in _BLOCK.finditer(entry["body"])}
        assert seen and set(blocks) == {"python", "text"}, f"entry {entry['title']!r} lacks a version list or a block"
        found.append((entry["title"], [v.strip() for v in seen["versions"].split(",")], blocks["python"], blocks["text"]))
    return found


ENTRIES = _entries()


def test_the_page_has_entries() -> None:
    assert len(ENTRIES) >= 2, ENTRIES


@pytest.mark.slow
@pytest.mark.parametrize(("title", "versions", "code", "output"), ENTRIES, ids=[e[0] for e in ENTRIES])
def test_each_recorded_defect_reproduces(title: str, versions: list[str], code: str, output: str,
                                         tmp_path: Path) -> None:
    blosc2 = pytest.importorskip("blosc2")
    if blosc2.__version__ not in versions:
        pytest.skip(f"recorded on {', '.join(versions)}, not on the installed {blosc2.__version__}")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert got.stdout == output, f"{title}: {got.stdout!r}"
