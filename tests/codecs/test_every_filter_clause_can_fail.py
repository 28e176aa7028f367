"""Every filter-subject clause can fail: each broken filter in ``tests/broken/ufilters.py`` fails its clause,
and a good filter passes every clause the rows name; together the rows cover every ``filter`` clause."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
import udcodec.checks  # noqa: F401 - registers the checks
from udcodec.contract import load_contract
from udcodec.engine.runner import execute
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile
from udcodec.subject import FilterSubject

TESTS_DIR = Path(__file__).resolve().parents[1]
if str(TESTS_DIR) not in sys.path:  # the broken filters are imported as ``broken.ufilters``
    sys.path.insert(0, str(TESTS_DIR))
CONTRACT = load_contract()
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True, timeout=120.0)
GOOD = "udcodec.examples.bytedelta_filter"
BROKEN = "broken.ufilters"


class Breaks(NamedTuple):
    forward: str
    backward: str
    clause: str
    needle: str
    id: int = 160

    def subject(self) -> FilterSubject:
        def target(name: str) -> str:
            return f"{GOOD}:{name}" if name in ("forward", "backward") else (
                f"udcodec.testcodecs:{name}" if name.startswith("add_meta") else f"{BROKEN}:{name}")

        good = FilterSubject.build(forward=target(self.forward), backward=target(self.backward), metas=[0, 7])
        return dataclasses.replace(good, id=self.id)  # an id build() refuses reaches the host as is


ROWS = [
    Breaks("forward", "backward", "UF-REGISTERS", "rejected the filter's registration", id=159),
    Breaks("add_meta_forward", "off_by_one_backward", "UF-ROUNDTRIP", "decompress(compress(x)) != x"),
    Breaks("add_meta_forward", "off_by_one_backward", "UF-INVERSE", "backward(forward(x)) != x"),
    Breaks("tail_skipping_forward", "tail_copying_backward", "UF-FULL-OUTPUT", "forward left part of its output"),
    Breaks("in_place_forward", "xor_backward", "UF-INPUT-INTACT", "forward wrote into its input"),
    Breaks("salted_forward", "xor_backward", "UF-DETERMINISTIC", "forward gave different results"),
]


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.clause}-{r.forward}-{r.backward}")
def test_broken_filter_fails_its_clause(row: Breaks) -> None:
    result = execute("reference", "reference", CONTRACT.get(row.clause), PROFILE, codec=row.subject())
    assert result.outcome is Outcome.FAIL, f"{result.outcome}: {result.message}"
    assert row.needle in result.message, result.message
    assert result.reproduction, "a failing filter check must come with a reproduction"


@pytest.mark.slow
@pytest.mark.parametrize("clause", sorted({r.clause for r in ROWS}))
def test_the_good_filter_passes(clause: str) -> None:
    good = FilterSubject.build(forward=f"{GOOD}:forward", backward=f"{GOOD}:backward", metas=[0, 7])
    result = execute("reference", "reference", CONTRACT.get(clause), PROFILE, codec=good)
    assert result.outcome is Outcome.PASS, result.message


def test_every_filter_clause_has_a_breaking_filter() -> None:
    assert {c.id for c in CONTRACT if c.subject == "filter"} == {r.clause for r in ROWS}
