"""Every filter-subject clause can fail: each broken filter in ``tests/broken/ufilters.py`` fails its clause,
and a good filter passes every clause the rows name; together the rows cover every ``filter`` clause."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import pytest
from clause_can_fail import assert_fails, assert_passes, assert_rows_cover, run_clause, target
from udcodec.subject import FilterSubject

TIMEOUT = 120.0
GOOD = "udcodec.examples.bytedelta_filter"
BROKEN = "broken.ufilters"


class Breaks(NamedTuple):
    forward: str
    backward: str
    clause: str
    needle: str
    id: int = 160

    def subject(self) -> FilterSubject:
        def find(name: str) -> str:
            return target(name, good=GOOD, own=("forward", "backward"), broken=BROKEN,
                          prefixes={"add_meta": "udcodec.testcodecs"})

        good = FilterSubject.build(forward=find(self.forward), backward=find(self.backward), metas=[0, 7])
        return dataclasses.replace(good, id=self.id)  # an id build() refuses reaches the host as is


ROWS = [
    Breaks("forward", "backward", "UF-REGISTERS", "rejected the filter's registration", id=159),
    Breaks("add_meta_forward", "off_by_one_backward", "UF-ROUNDTRIP", "decompress(compress(x)) != x"),
    # works on 1, 2, 4 and 8-byte items only: the clause had tried no other typesize
    Breaks("item_view_forward", "item_view_backward", "UF-ROUNDTRIP", "typesize 3"),
    Breaks("add_meta_forward", "off_by_one_backward", "UF-INVERSE", "backward(forward(x)) != x"),
    Breaks("tail_skipping_forward", "tail_copying_backward", "UF-FULL-OUTPUT", "forward left part of its output"),
    Breaks("in_place_forward", "xor_backward", "UF-INPUT-INTACT", "forward wrote into its input"),
    Breaks("salted_forward", "xor_backward", "UF-DETERMINISTIC", "forward gave different results"),
]


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.clause}-{r.forward}-{r.backward}")
def test_broken_filter_fails_its_clause(row: Breaks) -> None:
    assert_fails(run_clause(row.clause, row.subject(), TIMEOUT), row.needle, "filter")


@pytest.mark.slow
@pytest.mark.parametrize("clause", sorted({r.clause for r in ROWS}))
def test_the_good_filter_passes(clause: str) -> None:
    good = FilterSubject.build(forward=f"{GOOD}:forward", backward=f"{GOOD}:backward", metas=[0, 7])
    assert_passes(run_clause(clause, good, TIMEOUT))


def test_every_filter_clause_has_a_breaking_filter() -> None:
    assert_rows_cover("filter", (r.clause for r in ROWS))


@pytest.mark.slow
def test_a_filter_that_is_not_deterministic_is_not_blamed_for_unwritten_output() -> None:
    """A filter writing its whole output with a per-call salt had failed UF-FULL-OUTPUT ('left part of its output
    unwritten'): UF-DETERMINISTIC is the clause it breaks."""
    from udcodec.outcomes import Outcome

    salted = Breaks("salted_forward", "xor_backward", "UF-FULL-OUTPUT", "").subject()
    result = run_clause("UF-FULL-OUTPUT", salted, TIMEOUT)
    assert result.outcome is Outcome.SKIP, result.message
    assert "forward gives other bytes each call" in result.message and "cannot be told" in result.message
