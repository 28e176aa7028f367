"""Expectations files: validated on load, precise errors, version filtering, the shipped file."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from udcodec import versions as versions_rule
from udcodec.adapters.loader import expectations_path
from udcodec.contract import SpecError, load_contract
from udcodec.expectations.model import (
    Expectation,
    Expectations,
    ExpectationsError,
    load_expectations,
)

GOOD = """\
adapter: myport
expectations:
  - clause: REG-ID-TYPE
    reason: floats are accepted
    reproduction: |
      import myport
      myport.register_codec("c", 170.0, f, f)
  - clause: REG-CALLABLE
    reason: non-callables are accepted on python-blosc2 3 and later
    reproduction: x
    versions: ">=3"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "expectations.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD)
    exp = load_expectations(path)
    assert isinstance(exp, Expectations)
    assert (exp.path, exp.adapter) == (str(path), "myport")
    assert [e.clause for e in exp.entries] == ["REG-ID-TYPE", "REG-CALLABLE"]
    first, second = exp.entries
    assert first.reason == "floats are accepted"
    assert first.reproduction == 'import myport\nmyport.register_codec("c", 170.0, f, f)\n'
    assert (first.versions, first.line) == (None, 3)
    assert (second.versions, second.line) == (">=3", 8)


def test_expectations_error_is_a_spec_error() -> None:
    assert issubclass(ExpectationsError, SpecError)


@pytest.mark.parametrize(
    ("text", "line", "field", "problem"),
    [
        pytest.param(
            GOOD.replace("    reason: floats are accepted\n", ""),
            3,
            "expectations[0]",
            "'reason' is a required property",
            id="missing-reason",
        ),
        pytest.param(
            GOOD.replace(
                "reason: floats are accepted", "reason: |\n      line one\n      line two"
            ),
            4,
            "expectations[0].reason",
            "does not match",
            id="multi-line-reason",
        ),
        pytest.param(
            GOOD.replace('    versions: ">=3"\n', '    versions: ">=3"\n    owner: bob\n'),
            12,
            "expectations[1].owner",
            "'owner' was unexpected",
            id="unknown-key",
        ),
        pytest.param(
            GOOD.replace('">=3"', '"=>3"'),
            11,
            "expectations[1].versions",
            "not a version specifier",
            id="bad-versions",
        ),
        pytest.param(
            GOOD.replace("REG-CALLABLE", "REG-ID-TYPE").replace('    versions: ">=3"\n', ""),
            8,
            "expectations[1].clause",
            "REG-ID-TYPE is listed twice",
            id="duplicate-clause",
        ),
        pytest.param(
            GOOD + "extra: 1\n", 12, "extra", "'extra' was unexpected", id="unknown-top-key"
        ),
        pytest.param(
            GOOD.replace("adapter: myport\n", ""),
            1,
            "<document>",
            "'adapter' is a required",
            id="missing-adapter",
        ),
        pytest.param(
            GOOD.replace('    versions: ">=3"\n', '    versions: ">=3"\n    upstream: github#12\n'),
            12,
            "expectations[1].upstream",
            "does not match",
            id="upstream-not-a-url",
        ),
        pytest.param(
            GOOD.replace(
                '    versions: ">=3"\n', '    versions: ">=3"\n    expires: "31/01/2027"\n'
            ),
            12,
            "expectations[1].expires",
            "is not a date (YYYY-MM-DD)",
            id="expires-not-a-date",
        ),
        pytest.param(
            GOOD.replace('    versions: ">=3"\n', '    versions: ">=3"\n    expires: 2027\n'),
            12,
            "expectations[1].expires",
            "2027 is not a date",
            id="expires-a-number",
        ),
        pytest.param("adapter: [x\n", 1, "<yaml>", "flow sequence (line 1)", id="yaml-syntax"),  # where the [ opens
        pytest.param("", 1, "<document>", "empty", id="empty"),
    ],
)
def test_malformed_file_names_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, problem: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ExpectationsError) as info:
        load_expectations(path)
    err = info.value
    assert (err.file, err.line, err.field) == (str(path), line, field)
    assert str(err).startswith(f"{path}:{line}: {field}: ")
    assert problem in str(err)


def test_missing_file_is_an_expectations_error(tmp_path: Path) -> None:
    with pytest.raises(ExpectationsError, match="cannot be read"):
        load_expectations(tmp_path / "absent.yaml")


def test_same_clause_for_different_versions_is_allowed(tmp_path: Path) -> None:
    text = GOOD.replace("REG-CALLABLE", "REG-ID-TYPE")  # second entry: same clause, versions >=3
    exp = load_expectations(_write(tmp_path, text))
    assert len(exp.entries) == 2


def test_for_clause_filters_python_blosc2_versions(tmp_path: Path) -> None:
    exp = load_expectations(_write(tmp_path, GOOD))
    # Unversioned entries hold for every implementation and version.
    assert exp.for_clause("REG-ID-TYPE", "python-blosc2", "2.7.1") is exp.entries[0]
    assert exp.for_clause("REG-ID-TYPE", "myport", "0.1") is exp.entries[0]
    # A versioned entry limits python-blosc2 only.
    assert exp.for_clause("REG-CALLABLE", "python-blosc2", "2.7.1") is None
    assert exp.for_clause("REG-CALLABLE", "python-blosc2", "3.0.0") is exp.entries[1]
    assert exp.for_clause("REG-CALLABLE", "python-blosc2", "4.14.1") is exp.entries[1]
    assert exp.for_clause("REG-CALLABLE", "python-blosc2", "3.0.0rc1") is None  # 3.0.0rc1 < 3
    assert exp.for_clause("REG-CALLABLE", "python-blosc2", "3.1.0rc1") is exp.entries[1]
    assert exp.for_clause("REG-CALLABLE", "udcodec.reference", "1.0") is exp.entries[1]
    assert exp.for_clause("REG-CALLABLE", "myport", "2.0") is exp.entries[1]
    # Unknown clauses give nothing.
    assert exp.for_clause("REG-NOPE", "python-blosc2", "4.14.1") is None


def test_for_clause_picks_the_entry_for_the_version(tmp_path: Path) -> None:
    text = """\
adapter: blosc2
expectations:
  - clause: REG-ID-TYPE
    reason: old behaviour
    reproduction: x
    versions: "<3"
  - clause: REG-ID-TYPE
    reason: new behaviour
    reproduction: x
    versions: ">=3"
"""
    exp = load_expectations(_write(tmp_path, text))
    assert exp.for_clause("REG-ID-TYPE", "python-blosc2", "2.7.1").reason == "old behaviour"  # type: ignore[union-attr]
    assert exp.for_clause("REG-ID-TYPE", "python-blosc2", "4.14.1").reason == "new behaviour"  # type: ignore[union-attr]
    # Other implementations: the first entry holds.
    assert exp.for_clause("REG-ID-TYPE", "myport", "9").reason == "old behaviour"  # type: ignore[union-attr]


def test_shipped_blosc2_expectations_name_contract_clauses() -> None:
    path = expectations_path("blosc2")
    assert path is not None and path.name == "blosc2.yaml"
    exp = load_expectations(path)
    assert exp.adapter == "blosc2"
    assert exp.entries
    known = set(load_contract().ids())
    for entry in exp.entries:
        assert entry.clause in known, (
            f"{path}:{entry.line}: {entry.clause} is not a clause of the contract"
        )
        assert entry.reason.strip() and "\n" not in entry.reason.strip()
        assert entry.reproduction.strip()


@pytest.mark.parametrize("name", ["blosc2", "cblosc2"])
def test_shipped_reproductions_run_as_written(name: str) -> None:
    """A reproduction is one script run as is (``python -c``, or saved to any file): one that wanted its file's name
    or a second run with an argument (ID-MISSING-CODEC's had) does not reproduce as written."""
    path = expectations_path(name)
    assert path is not None
    for entry in load_expectations(path).entries:
        assert "sys.argv" not in entry.reproduction and "__file__" not in entry.reproduction, f"{path}:{entry.line}"


def test_no_expectations_for_module_attribute_adapters() -> None:
    assert expectations_path("udcodec.adapters.blosc2:Blosc2Adapter") is None
    assert expectations_path("reference") is None


def test_upstream_and_expires_are_read(tmp_path: Path) -> None:
    text = GOOD.replace(
        '    versions: ">=3"\n',
        '    versions: ">=3"\n    upstream: https://github.com/Blosc/python-blosc2/issues/1\n'
        "    expires: 2027-01-31\n",
    )
    first, second = load_expectations(_write(tmp_path, text)).entries
    assert (first.upstream, first.expires) == (None, None)
    assert second.upstream == "https://github.com/Blosc/python-blosc2/issues/1"
    assert second.expires == date(2027, 1, 31)  # YAML date
    assert second.expired(date(2027, 1, 31)) is False  # the expiry day itself still holds
    assert second.expired(date(2027, 2, 1)) is True


def test_quoted_expiry_is_a_date_too(tmp_path: Path) -> None:
    text = GOOD.replace('    versions: ">=3"\n', '    versions: ">=3"\n    expires: "2020-02-29"\n')
    entry = load_expectations(_write(tmp_path, text)).entries[1]
    assert entry.expires == date(2020, 2, 29) and entry.expired()


def test_an_impossible_yaml_date_names_the_file(tmp_path: Path) -> None:
    text = GOOD.replace('    versions: ">=3"\n', '    versions: ">=3"\n    expires: 2027-13-01\n')
    path = _write(tmp_path, text)
    with pytest.raises(ExpectationsError, match="month must be in 1..12") as info:
        load_expectations(path)
    assert (info.value.file, info.value.line) == (str(path), 12)
    assert info.value.field == "expectations[1].expires"


# -- one version rule for clauses and expectations --------------------------------------------

VERSION_RULE = [
    # versions, implementation, version, applies
    (None, "python-blosc2", "2.7.1", True),
    (">=3", "python-blosc2", "3.12.2", True),
    (">=3", "python-blosc2", "2.7.1", False),
    (">=3", "python-blosc2", "4.0.0rc1", True),  # a pre-release counts
    ("<4", "python-blosc2", "4.0.0rc1", False),
    (">=3,<4", "python-blosc2", "4.14.1", False),
    (">=3", "reference", "0.1.0", True),  # versions limit python-blosc2 only
    (">=3", "myport", "1.0", True),
]


@pytest.mark.parametrize(("versions", "implementation", "version", "applies"), VERSION_RULE)
def test_one_version_rule_for_clauses_and_expectations(
    versions: str | None, implementation: str, version: str, applies: bool
) -> None:
    clause = load_contract().get("REG-CALLABLE")
    assert replace(clause, versions=versions).applies_to(implementation, version) is applies
    assert Expectation("REG-CALLABLE", "r", "x", versions).holds_for(implementation, version) is applies
    assert versions_rule.applies(versions, implementation, version) is applies


@pytest.mark.parametrize("text", ["3", "=>3", "3.*.1"])
def test_clauses_and_expectations_refuse_the_same_bad_specifiers(tmp_path: Path, text: str) -> None:
    problem = versions_rule.specifier_problem(text)
    assert problem is not None and problem.startswith("not a version specifier")
    bad = GOOD.replace('versions: ">=3"', f'versions: "{text}"')
    with pytest.raises(ExpectationsError, match=re.escape(problem)):
        load_expectations(_write(tmp_path, bad))
    spec = tmp_path / "spec"
    spec.mkdir()
    (spec / "fam.yaml").write_text(
        "family: fam\ntitle: t\nclauses:\n  - id: FAM-ONE\n    title: one\n    level: MUST\n    subject: host\n"
        f"    source: 'derived: because'\n    versions: '{text}'\n    checks:\n      - check: registration.returns_none\n"
        "        params: {id: 230}\n", encoding="utf-8")
    with pytest.raises(SpecError, match=re.escape(problem)):
        load_contract(spec)
    assert versions_rule.specifier_problem(">=3,<4") is None


def test_a_key_given_twice_is_refused_with_its_line(tmp_path: Path) -> None:
    """YAML forbids it and PyYAML kept the last without a word: an entry given two reasons lost one (this file's
    own test of expiry dates had given one entry two expiry dates)."""
    text = GOOD.replace("    reproduction: x\n", "    reproduction: x\n    reason: a second reason\n")
    with pytest.raises(ExpectationsError) as info:
        load_expectations(_write(tmp_path, text))
    assert "expectations.yaml:11: <yaml>: the key 'reason' is given twice in one mapping" in str(info.value)
