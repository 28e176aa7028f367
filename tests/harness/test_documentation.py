"""The contract quotes its documentation verbatim: every quoted source and the example codec are on the page.

The page is python-blosc2 2.7.1's ``register_codec`` docstring as published; ``documentation.py`` renders it
from the release's wheel where the page itself is not beside the checkout, so these tests run everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from documentation import SEED_PAGE, example_code, normalise, rendered_page
from udcodec.contract import Contract, load_contract
from udcodec.examples import doc_example

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "udcodec-tests"


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contract()


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    """The rendered docstring, and the published page where it is beside the checkout."""
    found = {"python-blosc2 2.7.1's docstring": rendered_page(CACHE)}
    if SEED_PAGE.exists():
        found[str(SEED_PAGE)] = SEED_PAGE.read_text(encoding="utf-8")
    return found


def test_the_rendered_docstring_is_the_published_page(pages: dict[str, str]) -> None:
    if not SEED_PAGE.exists():
        pytest.skip(f"{SEED_PAGE} is absent: the rendering is compared with it where it is present")
    rendered, published = pages.values()
    assert normalise(rendered) == normalise(published)
    assert example_code(rendered) == example_code(published)


def test_quoted_sources_are_verbatim_from_the_documentation(contract: Contract, pages: dict[str, str]) -> None:
    quoted = [c for c in contract if not c.derived]
    assert len(quoted) >= 10, "the contract quotes the documentation"
    for where, page in pages.items():
        text = normalise(page)
        assert [c.id for c in quoted if normalise(c.source) not in text] == [], f"quotes not in {where}"
    for clause in contract:
        if clause.derived:
            assert len(clause.source[len("derived:"):].strip()) > 10, clause.id


def test_a_quote_the_page_does_not_hold_is_caught(pages: dict[str, str]) -> None:
    for page in pages.values():
        assert normalise("id (int) – Codec id, must be between 160 and 256 (both included).") not in normalise(page)
        assert normalise("id (int) – Codec id, must be between 160 and 255 (both included).") in normalise(page)


def test_the_doc_example_is_verbatim(pages: dict[str, str]) -> None:
    for page in pages.values():
        assert example_code(page) == doc_example.SOURCE.strip()
