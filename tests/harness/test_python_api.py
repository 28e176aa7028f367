"""Clauses of the Python API only: the spec's ``python_api`` field and the adapter's ``AdapterInfo.api``.

A clause with ``python_api: <reason>`` is ``n/a`` on an adapter that drives a C API (``api == "c"``,
the ``cblosc2`` adapter); ``tests/adapters/test_adapter_cblosc2.py`` shows it through a real run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from udcodec.adapters.protocol import APIS, AdapterInfo
from udcodec.adapters.reference import ReferenceAdapter
from udcodec.contract import SpecError, load_contract
from udcodec.engine.plugin import describe_adapter

CLAUSE = """\
family: pyapi
title: one clause
clauses:
  - id: PYAPI-ONE
    title: ids that are not integers are rejected
    level: MUST
    subject: host
{field}    source: "derived: a test clause."
    checks:
      - check: registration.rejects_id_types
        params: {{min: 160, max: 255, values: ["1.5"], exceptions: [TypeError]}}
"""


def _spec(tmp_path: Path, field: str) -> Path:
    spec = tmp_path / "spec"
    spec.mkdir(parents=True)
    (spec / "VERSION").write_text("1.0.0\n", encoding="utf-8")
    (spec / "pyapi.yaml").write_text(CLAUSE.format(field=field), encoding="utf-8")
    return spec


def test_a_reason_is_loaded(tmp_path: Path) -> None:
    contract = load_contract(_spec(tmp_path, '    python_api: "Python argument types"\n'))
    assert contract.get("PYAPI-ONE").python_api == "Python argument types"
    assert load_contract(_spec(tmp_path / "b", "")).get("PYAPI-ONE").python_api is None


@pytest.mark.parametrize("value", ['""', "true", "[types]"])
def test_the_schema_refuses_anything_but_a_reason(tmp_path: Path, value: str) -> None:
    with pytest.raises(SpecError, match="python_api"):
        load_contract(_spec(tmp_path, f"    python_api: {value}\n"))


def test_the_bundled_spec_gives_every_python_api_clause_a_reason() -> None:
    marked = [c for c in load_contract() if c.python_api is not None]
    assert marked and all(c.python_api.strip() and c.subject == "host" and not c.pairwise for c in marked)


class WrongApiAdapter(ReferenceAdapter):
    def info(self) -> AdapterInfo:
        return AdapterInfo(name="wrong", implementation="x", version="0", api="rust")


def test_adapters_describe_their_api() -> None:
    assert AdapterInfo(name="a", implementation="b", version="0").api == "python" and APIS == {"python", "c"}
    described = describe_adapter("reference")
    assert not isinstance(described, str) and described[3] == "python"
    wrong = describe_adapter(f"{__name__}:WrongApiAdapter")
    assert isinstance(wrong, str) and "'rust'" in wrong and "c, python" in wrong


def test_explain_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    from udcodec.cli import main

    assert main(["explain", "REG-ID-TYPE"]) == 0
    assert "Python API only (Python argument types: a C caller's id is a uint8_t)" in capsys.readouterr().out
    assert main(["explain", "REG-ID-RANGE"]) == 0
    assert "Python API only" not in capsys.readouterr().out
