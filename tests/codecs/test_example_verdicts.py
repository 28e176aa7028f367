"""The example codecs get the verdicts committed in ``udcodec/examples/verdicts.yaml``."""

from __future__ import annotations

import dataclasses
import importlib
from importlib import resources
from pathlib import Path

import pytest
from udcodec.checkcodec.verdicts import Verdict, VerdictsError, load_verdicts
from udcodec.contract import load_contract
from udcodec.engine.runner import execute
from udcodec.examples import doc_example
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile
from udcodec.reports.causes import settle_explained
from udcodec.subject import CodecSubject

CONTRACT = load_contract()
CODEC_CLAUSES = [c.id for c in CONTRACT if c.subject == "codec"]
# Verdicts only: the first failing example will do, shrinking it would triple the time.
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True, shrink=False)
VERDICTS = load_verdicts()


def _subject(entry: Verdict) -> CodecSubject:
    return CodecSubject.build(encoder=f"{entry.module}:{entry.encoder}", decoder=f"{entry.module}:{entry.decoder}",
                              id=entry.id, metas=list(entry.metas))


#: Clauses that do not apply to an encoder/decoder pair that declares no domain: n/a, never pass or fail.
NOT_FOR_PAIRS = {"CODEC-OUTSIDE-DOMAIN": "declares no data domain", "CODEC-PLUGIN-STANDALONE": "no library is loaded",
                 "CODEC-THREADS": "run on one thread only"}


@pytest.mark.slow
@pytest.mark.parametrize("host", ["reference", "blosc2"])
@pytest.mark.parametrize("entry", VERDICTS, ids=[e.name for e in VERDICTS])
def test_verdict(entry: Verdict, host: str) -> None:
    """Every codec clause, then the failures another clause explains settled, as check-codec does."""
    results = [execute(host, host, CONTRACT.get(clause), PROFILE, codec=_subject(entry)) for clause in CODEC_CLAUSES]
    settle_explained(results)
    for result in results:
        if result.clause in NOT_FOR_PAIRS:
            assert result.outcome is Outcome.NOT_APPLICABLE and NOT_FOR_PAIRS[result.clause] in result.message, result
    outcomes = {r.clause: r.outcome for r in results if r.clause not in NOT_FOR_PAIRS}
    assert sorted(c for c, o in outcomes.items() if o is Outcome.FAIL) == sorted(entry.fails), outcomes
    assert sorted(c for c, o in outcomes.items() if o is Outcome.SKIP) == sorted(entry.not_judged), outcomes
    assert {o for c, o in outcomes.items() if c not in entry.fails + entry.not_judged} <= {Outcome.PASS}, outcomes


def test_verdicts_name_real_clauses() -> None:
    for entry in VERDICTS:
        assert set(entry.fails) | set(entry.not_judged) <= set(CODEC_CLAUSES), entry.module
        assert not set(entry.fails) & set(entry.not_judged), entry.module
        importlib.import_module(entry.module)


def test_the_doc_example_fails_to_register_as_printed() -> None:
    expected = next(e for e in VERDICTS if e.module.endswith("doc_example")).registration_error
    error = doc_example.REGISTRATION_ERROR
    assert error is not None and f"{type(error).__name__}: {error}" == expected
    assert doc_example.REGISTRATIONS == []  # the example never reached register_codec


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "problem"),
    [
        ("    metas: [0, 1, 9]\n", "    metas: [0, 1, 256]\n", 8, "codecs[0].metas[2]", "256 is greater than the maximum of 255"),
        ("    metas: [0, 1, 9]\n", "    metas: [0, 1, 9]\n    colour: red\n", 9, "codecs[0].colour",
         "Additional properties are not allowed ('colour' was unexpected)"),
        ("      - CODEC-DETERMINISTIC\n", "      - codec-deterministic\n", None, "codecs[3].not_judged[8]", "does not match"),
        ("  - module: udcodec.examples.rle\n", "  - module: udcodec.examples.zlib_codec\n", 11, "codecs[1].module",
         "udcodec.examples.zlib_codec is listed twice (first at codecs[0])"),
    ],
    ids=["meta-range", "unknown-field", "clause-id", "duplicate"],
)
def test_malformed_verdicts_name_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int | None, field: str, problem: str
) -> None:
    text = resources.files("udcodec.examples").joinpath("verdicts.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "verdicts.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    if line is None:
        line = text.splitlines().index(old.rstrip("\n")) + 1
    with pytest.raises(VerdictsError) as info:
        load_verdicts(path)
    assert (info.value.file, info.value.line, info.value.field) == (str(path), line, field)
    assert problem in info.value.problem
