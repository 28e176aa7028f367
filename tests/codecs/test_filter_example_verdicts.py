"""The example filters (``udcodec.examples``) get their committed verdicts (``filters`` of verdicts.yaml) on
both hosts, as ``udcodec check-filter`` gives them."""

from __future__ import annotations

import dataclasses
import importlib

import pytest
import udcodec.checks  # noqa: F401 - registers the checks
from udcodec.checkcodec.verdicts import FilterVerdict, load_filter_verdicts
from udcodec.contract import load_contract
from udcodec.engine.runner import execute
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile
from udcodec.reports.causes import settle_explained
from udcodec.subject import FilterSubject

CONTRACT = load_contract()
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True, timeout=120.0)
VERDICTS = load_filter_verdicts()
FILTER_CLAUSES = [c.id for c in CONTRACT if c.subject == "filter"]


def _subject(entry: FilterVerdict) -> FilterSubject:
    return FilterSubject.build(forward=f"{entry.module}:{entry.forward}", backward=f"{entry.module}:{entry.backward}",
                               id=entry.id, metas=list(entry.metas), domain=entry.domain_path())


@pytest.mark.slow
@pytest.mark.parametrize("host", ["reference", "blosc2"])
@pytest.mark.parametrize("entry", VERDICTS, ids=[e.name for e in VERDICTS])
def test_filter_verdict(entry: FilterVerdict, host: str) -> None:
    """Every filter clause, then the failures another clause explains settled, as check-filter does."""
    if host == "blosc2":
        pytest.importorskip("blosc2")
    results = [execute(host, host, CONTRACT.get(clause), PROFILE, codec=_subject(entry)) for clause in FILTER_CLAUSES]
    settle_explained(results)
    outcomes = {r.clause: r.outcome for r in results}
    assert sorted(c for c, o in outcomes.items() if o is Outcome.FAIL) == sorted(entry.fails), outcomes
    assert sorted(c for c, o in outcomes.items() if o is Outcome.SKIP) == sorted(entry.not_judged), outcomes
    assert {o for c, o in outcomes.items() if c not in entry.fails + entry.not_judged} <= {Outcome.PASS}, outcomes


def test_filter_verdicts_name_real_clauses() -> None:
    assert {v.name for v in VERDICTS} == {"bytedelta_filter", "int32_filter", "int32_filter[int32_filter.yaml]"}
    for entry in VERDICTS:
        assert set(entry.fails) | set(entry.not_judged) <= set(FILTER_CLAUSES), entry.module
        importlib.import_module(entry.module)
