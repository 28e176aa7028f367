"""The example codecs get the verdicts committed in ``udcodec/examples/verdicts.yaml``."""

from __future__ import annotations

import dataclasses
import importlib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from udcodec.contract import load_contract
from udcodec.engine.runner import execute
from udcodec.examples import doc_example
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile
from udcodec.subject import CodecSubject

CONTRACT = load_contract()
CODEC_CLAUSES = [c.id for c in CONTRACT if c.subject == "codec"]
# Verdicts only: the first failing example will do, shrinking it would triple the time.
PROFILE = dataclasses.replace(get_profile("dev"), derandomize=True, shrink=False)
VERDICTS: list[dict[str, Any]] = yaml.safe_load(
    resources.files("udcodec.examples").joinpath("verdicts.yaml").read_text(encoding="utf-8")
)["codecs"]
SEED_PAGE = Path(__file__).resolve().parents[3] / "shared" / "seed" / "register_codec.txt"


def _subject(entry: dict[str, Any]) -> CodecSubject:
    module = entry["module"]
    return CodecSubject.build(encoder=f"{module}:{entry['encoder']}", decoder=f"{module}:{entry['decoder']}",
                              id=entry.get("id"), metas=entry.get("metas", []))


CASES = [(entry, clause) for entry in VERDICTS for clause in CODEC_CLAUSES]


@pytest.mark.slow
@pytest.mark.parametrize("host", ["reference", "blosc2"])
@pytest.mark.parametrize(("entry", "clause"), CASES, ids=[f"{e['module'].rsplit('.')[-1]}-{c}" for e, c in CASES])
def test_verdict(entry: dict[str, Any], clause: str, host: str) -> None:
    result = execute(host, host, CONTRACT.get(clause), PROFILE, codec=_subject(entry))
    expected = Outcome.FAIL if clause in entry["fails"] else Outcome.PASS
    assert result.outcome is expected, result.message


def test_verdicts_name_real_clauses() -> None:
    for entry in VERDICTS:
        assert set(entry["fails"]) <= set(CODEC_CLAUSES), entry["module"]
        importlib.import_module(entry["module"])


def test_the_doc_example_fails_to_register_as_printed() -> None:
    expected = next(e for e in VERDICTS if e["module"].endswith("doc_example"))["registration_error"]
    error = doc_example.REGISTRATION_ERROR
    assert error is not None and f"{type(error).__name__}: {error}" == expected
    assert doc_example.REGISTRATIONS == []  # the example never reached register_codec


@pytest.mark.skipif(not SEED_PAGE.exists(), reason="the documentation page is outside this checkout")
def test_the_doc_example_is_verbatim() -> None:
    page = SEED_PAGE.read_text(encoding="utf-8")
    assert doc_example.SOURCE.strip() in page
    assert page.rstrip().endswith(doc_example.SOURCE.strip())
