"""The contract loader: the bundled spec is sound, and malformed specs are refused precisely."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import udcodec.checks  # noqa: F401 - registers the checks
import yaml
from udcodec.checks.api import CHECKS
from udcodec.contract import Contract, SpecError, default_spec_dir, load_contract
from udcodec.engine.runner import execute
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile

REPO = Path(__file__).resolve().parents[2]
DOC_PAGE = REPO.parent / "shared" / "seed" / "register_codec.txt"

GOOD = """\
family: fam
title: A family
clauses:
  - id: FAM-ONE
    title: one
    level: MUST
    subject: host
    source: "derived: because"
    checks:
      - check: registration.returns_none
        params: {id: 230}
"""


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contract()


def _normalise(text: str) -> str:
    return " ".join(text.split())


# -- the bundled contract --------------------------------------------------------------------


def test_bundled_contract_loads(contract: Contract) -> None:
    assert contract.directory.resolve() == default_spec_dir().resolve()
    assert len(contract) >= 40
    assert re.fullmatch(r"[0-9a-f]{64}", contract.sha256)
    assert contract.version == (contract.directory / "VERSION").read_text().strip()
    families = {c.family for c in contract}
    assert {"registration", "roundtrip", "threads", "callbacks"} <= families


def test_clause_ids_are_unique(contract: Contract) -> None:
    ids = contract.ids()
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_every_clause_names_a_registered_check(contract: Contract) -> None:
    assert CHECKS, "udcodec.checks registered no check"
    for clause in contract:
        assert clause.checks, f"{clause.id} ({clause.file}:{clause.line}) names no check"
        for ref in clause.checks:
            assert ref.name in CHECKS, f"{clause.id} names unknown check {ref.name!r}"


def test_every_registered_check_is_used(contract: Contract) -> None:
    used = {ref.name for clause in contract for ref in clause.checks}
    assert set(CHECKS) - used == set()


def test_clause_lines_point_at_the_clause(contract: Contract) -> None:
    for clause in contract:
        lines = Path(clause.file).read_text(encoding="utf-8").splitlines()
        assert clause.id in lines[clause.line - 1], f"{clause.id}: {clause.file}:{clause.line}"


def test_quoted_sources_are_verbatim_from_the_documentation(contract: Contract) -> None:
    if not DOC_PAGE.exists():
        pytest.skip(f"{DOC_PAGE} is absent")
    doc = _normalise(DOC_PAGE.read_text(encoding="utf-8"))
    quoted = [c for c in contract if not c.derived]
    assert quoted, "no clause quotes the documentation"
    for clause in quoted:
        assert _normalise(clause.source) in doc, (
            f"{clause.id}: {clause.source!r} is not on the page"
        )
    for clause in contract:
        if clause.derived:
            assert len(clause.source[len("derived:") :].strip()) > 10, clause.id


# -- malformed specs -------------------------------------------------------------------------


def _spec(tmp_path: Path, text: str, name: str = "fam.yaml") -> Path:
    directory = tmp_path / "spec"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def _error(directory: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_contract(directory)
    return info.value


def test_a_wellformed_minimal_spec_loads(tmp_path: Path) -> None:
    contract = load_contract(_spec(tmp_path, GOOD))
    assert contract.ids() == ["FAM-ONE"]
    clause = contract.get("FAM-ONE")
    assert (clause.line, clause.family, clause.derived) == (4, "fam", True)
    assert clause.checks[0].name == "registration.returns_none"
    assert dict(clause.checks[0].params) == {"id": 230}
    assert contract.version == "unversioned"


@pytest.mark.parametrize(
    ("text", "line", "field", "problem"),
    [
        pytest.param(
            "family: fam\ntitle: [unclosed\nclauses: []\n",
            3,
            "<yaml>",
            "expected",
            id="yaml-syntax",
        ),
        pytest.param("", 1, "<document>", "empty", id="empty-file"),
        pytest.param(
            GOOD.replace("    level: MUST\n", ""),
            4,
            "clauses[FAM-ONE]",
            "'level' is a required",
            id="missing-level",
        ),
        pytest.param(
            GOOD.replace("level: MUST", "level: MAYBE"),
            6,
            "clauses[FAM-ONE].level",
            "MAYBE",
            id="bad-enum",
        ),
        pytest.param(
            GOOD.replace("    subject: host\n", "    subject: host\n    colour: red\n"),
            8,
            "clauses[FAM-ONE].colour",
            "colour",
            id="extra-key",
        ),
        pytest.param(
            GOOD.replace("FAM-ONE", "fam_one"),
            4,
            "clauses[fam_one].id",
            "does not match",
            id="bad-id",
        ),
        pytest.param(
            GOOD.replace('"derived: because"', '"derived:   "'),
            8,
            "clauses[FAM-ONE].source",
            "reasoning",
            id="derived-without-reasoning",
        ),
        pytest.param(
            GOOD.replace("    subject: host\n", "    subject: host\n    versions: '>>3'\n"),
            8,
            "clauses[FAM-ONE].versions",
            "version specifier",
            id="bad-versions",
        ),
        pytest.param(
            GOOD.replace("family: fam", "family: Fam"),
            1,
            "family",
            "does not match",
            id="bad-family",
        ),
        pytest.param(
            GOOD.replace("registration.returns_none", "returns-none"),
            10,
            "clauses[FAM-ONE].checks[0].check",
            "does not match",
            id="bad-check-name",
        ),
    ],
)
def test_malformed_spec_names_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, problem: str
) -> None:
    directory = _spec(tmp_path, text)
    err = _error(directory)
    path = str(directory / "fam.yaml")
    assert (err.file, err.line, err.field) == (path, line, field)
    message = str(err)
    assert message.startswith(f"{path}:{line}: {field}: "), message
    assert problem in message


def test_duplicate_id_across_files_names_both_places(tmp_path: Path) -> None:
    _spec(tmp_path, GOOD, "a.yaml")
    directory = _spec(tmp_path, GOOD.replace("family: fam", "family: other"), "b.yaml")
    err = _error(directory)
    assert (err.file, err.line, err.field) == (str(directory / "b.yaml"), 4, "clauses[FAM-ONE].id")
    assert "duplicate clause id" in str(err)
    assert f"{directory / 'a.yaml'}:4" in str(err)


def test_directory_without_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_text("no spec here")
    err = _error(tmp_path)
    assert err.file == str(tmp_path) and err.field == "<directory>"
    assert "no *.yaml" in str(err)


def test_missing_directory(tmp_path: Path) -> None:
    err = _error(tmp_path / "nope")
    assert "is not a directory" in str(err)


def test_one_bad_file_among_good_ones_is_named(tmp_path: Path) -> None:
    shutil.copytree(default_spec_dir(), tmp_path / "spec", ignore=shutil.ignore_patterns("__*"))
    bad = tmp_path / "spec" / "threads.yaml"
    text = bad.read_text(encoding="utf-8")
    bad.write_text(text.replace("subject: host", "subject: guest", 1), encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "subject: host" in t)
    err = _error(tmp_path / "spec")
    assert (err.file, err.line) == (str(bad), line)
    assert err.field.endswith("].subject") and "guest" in str(err)


# -- parameters come from the spec -----------------------------------------------------------


def test_checks_read_their_parameters_from_the_spec(tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    shutil.copytree(default_spec_dir(), spec, ignore=shutil.ignore_patterns("__*"))
    path = spec / "registration.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    clause = next(c for c in data["clauses"] if c["id"] == "REG-ID-RANGE")
    assert clause["checks"][0]["params"]["max"] == 255
    profile = get_profile("dev")

    original = execute("reference", "reference", load_contract(spec).get("REG-ID-RANGE"), profile)
    assert original.outcome == Outcome.PASS, original.message

    clause["checks"][0]["params"]["max"] = 256
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    changed = load_contract(spec)
    assert changed.sha256 != load_contract().sha256
    result = execute("reference", "reference", changed.get("REG-ID-RANGE"), profile)
    assert result.outcome == Outcome.FAIL
    assert "256" in result.message
