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
from udcodec.subject import FilterSubject

CONTRACT = load_contract()
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True, timeout=120.0)
VERDICTS = load_filter_verdicts()
FILTER_CLAUSES = [c.id for c in CONTRACT if c.subject == "filter"]
CASES = [(v, c) for v in VERDICTS for c in FILTER_CLAUSES]


def _subject(entry: FilterVerdict) -> FilterSubject:
    return FilterSubject.build(forward=f"{entry.module}:{entry.forward}", backward=f"{entry.module}:{entry.backward}",
                               id=entry.id, metas=list(entry.metas))


@pytest.mark.slow
@pytest.mark.parametrize("host", ["reference", "blosc2"])
@pytest.mark.parametrize(("entry", "clause"), CASES, ids=[f"{e.name}-{c}" for e, c in CASES])
def test_filter_verdict(entry: FilterVerdict, clause: str, host: str) -> None:
    if host == "blosc2":
        pytest.importorskip("blosc2")
    result = execute(host, host, CONTRACT.get(clause), PROFILE, codec=_subject(entry))
    expected = Outcome.FAIL if clause in entry.fails else Outcome.PASS
    assert result.outcome is expected, result.message


def test_filter_verdicts_name_real_clauses() -> None:
    assert {v.name for v in VERDICTS} == {"bytedelta_filter", "int32_filter"}
    for entry in VERDICTS:
        assert set(entry.fails) <= set(FILTER_CLAUSES), entry.module
        importlib.import_module(entry.module)
