"""The published plugins' expectations files (``adapters/expectations/plugins/``, ``tox -e plugins``): each loads,
names the adapter its folder says (``c-api/``: cblosc2) and only codec clauses of the contract, with a reproduction
and a report to make upstream."""

from __future__ import annotations

from pathlib import Path

import pytest
from udcodec.contract import load_contract
from udcodec.expectations.model import load_expectations

FOLDER = Path(__file__).resolve().parents[2] / "adapters" / "expectations" / "plugins"
FILES = sorted(FOLDER.rglob("*.yaml"))
CODEC_CLAUSES = {c.id for c in load_contract() if c.subject == "codec"}


def test_there_are_files_for_both_hosts() -> None:
    assert {p.stem for p in FILES if p.parent == FOLDER} == {"openzl", "grok", "openhtj2k", "j2k"}
    assert {p.stem for p in FILES if p.parent.name == "c-api"} == {"openzl", "grok", "openhtj2k", "j2k"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FOLDER)))
def test_each_file_is_valid_and_names_codec_clauses(path: Path) -> None:
    loaded = load_expectations(path)
    assert loaded.adapter == ("cblosc2" if path.parent.name == "c-api" else "blosc2")
    for entry in loaded.entries:
        assert entry.clause in CODEC_CLAUSES, entry.clause
        assert entry.reproduction and entry.upstream and entry.upstream.startswith("https://github.com/"), entry
