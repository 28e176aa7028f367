"""The contract loader: the bundled spec is sound, and malformed specs are refused precisely."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
import udcodec.checks  # noqa: F401 - registers the checks
import yaml
from udcodec import cli
from udcodec.adapters.loader import load_adapter
from udcodec.checks.api import (
    CHECKS,
    EXCEPTION_TYPES,
    CheckContext,
    Param,
    UndeclaredParameter,
    check,
    raised_by_harness,
)
from udcodec.contract import Contract, SpecError, default_spec_dir, load_contract
from udcodec.engine import plugin
from udcodec.engine.runner import execute
from udcodec.outcomes import Outcome
from udcodec.profiles import get_profile

REPO = Path(__file__).resolve().parents[2]

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


def test_each_family_has_one_id_prefix_of_its_own(contract: Contract) -> None:
    """A clause id names its family: FAMILY-WHAT, one prefix per family (the README's family table lists them)."""
    prefixes: dict[str, set[str]] = {}
    for clause in contract:
        prefixes.setdefault(clause.family, set()).add(clause.id.split("-", 1)[0])
    assert all(len(p) == 1 for p in prefixes.values()), prefixes
    assert len({p for ps in prefixes.values() for p in ps}) == len(prefixes)


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
            2,
            "<yaml>",
            "expected",
            id="yaml-syntax",
        ),
        pytest.param(
            'family: fam\ntitle: "unclosed\nclauses: []\nx: 1\n',
            2,
            "<yaml>",
            "quoted scalar (line 2): found unexpected end of stream (line 5)",
            id="yaml-unclosed-quote",
        ),
        pytest.param(
            "family: fam\n  title: x\nclauses: []\n",
            2,
            "<yaml>",
            "mapping values are not allowed here",
            id="yaml-bad-indent",
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


# -- checks declare their parameters; the loader holds the spec to them ----------------------

CREATE = "        params: {id: 180, which: cparams, nthreads: [2, 8], exceptions: [ValueError]}\n"
WHERE = "clauses[THREAD-CPARAMS-CREATE].checks[0]"


def test_the_bundled_spec_matches_every_declaration() -> None:
    contract = load_contract(checks=CHECKS)
    for clause in contract:
        for ref in clause.checks:
            assert set(ref.params) <= set(CHECKS[ref.name].params), f"{clause.id}: {ref.name}"
            assert CHECKS[ref.name].param_problems(ref.params) == []


def test_every_check_declares_each_parameter_with_a_usable_default() -> None:
    for name, definition in CHECKS.items():
        for pname, declaration in definition.params.items():
            assert isinstance(declaration, Param), f"{name}.{pname}"
            if not declaration.required:
                assert list(declaration.problems(declaration.default)) == [], f"{name}.{pname}"


@pytest.mark.parametrize("module", sorted(p for p in (REPO / "conformance" / "checks").glob("*.py") if p.name != "api.py"),
                         ids=lambda p: p.name)
def test_checks_read_parameters_only_through_ctx_param(module: Path) -> None:
    """``ctx.params[...]`` or ``ctx.params.get(name, default)`` would bypass the declarations."""
    source = module.read_text(encoding="utf-8")
    assert re.findall(r"\bparams(?:\.get\(|\[)", source) == []


def _spec_copy(tmp_path: Path, old: str, new: str) -> Path:
    spec = tmp_path / "spec"
    shutil.copytree(default_spec_dir(), spec, ignore=shutil.ignore_patterns("__*"))
    text = (spec / "threads.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    (spec / "threads.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return spec


@pytest.mark.parametrize(
    ("old", "new", "line", "where"),
    [
        pytest.param(CREATE, CREATE.replace("{id:", "{idd:"), 12,
                     f"{WHERE}.params.idd: unknown parameter (declared: exceptions, id, nthreads, which)", id="misspelt"),
        pytest.param(CREATE, CREATE.replace(" which: cparams,", ""), 12,
                     f"{WHERE}.params.which: missing required parameter", id="missing"),
        pytest.param(CREATE, CREATE.replace("{id: 180", "{id: '180'"), 12,
                     f"{WHERE}.params.id: expected an integer, got str '180'", id="wrong-type"),
        pytest.param(CREATE, CREATE.replace("{id: 180", "{id: 300"), 12,
                     f"{WHERE}.params.id: 300 is above the maximum 255", id="out-of-range"),
        pytest.param(CREATE, CREATE.replace("nthreads: [2, 8]", "nthreads: [2, 1]"), 12,
                     f"{WHERE}.params.nthreads[1]: 1 is below the minimum 2", id="item-out-of-range"),
        pytest.param(CREATE, CREATE.replace("which: cparams", "which: both"), 12,
                     f"{WHERE}.params.which: 'both' is not one of: cparams, dparams", id="not-a-choice"),
        pytest.param(CREATE, CREATE.replace("[ValueError]", "[ValueErorr]"), 12,
                     f"{WHERE}.params.exceptions[0]: 'ValueErorr' is not one of: " + ", ".join(EXCEPTION_TYPES),
                     id="unknown-exception"),
        pytest.param(CREATE, "        params:\n          id: 180\n          which: cparams\n"
                     "          nthreads: [2, '8']\n          exceptions: [ValueError]\n", 15,
                     f"{WHERE}.params.nthreads[1]: expected an integer, got str '8'", id="block-style-line"),
        pytest.param("      - check: threads.rejected_at_creation\n        params: {id: 180,",
                     "      - check: threads.nope\n        params: {id: 180,", 11,
                     f"{WHERE}.check: unknown check 'threads.nope'", id="unknown-check"),
    ],
)
def test_run_refuses_a_spec_that_breaks_a_check_declaration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, line: int, where: str
) -> None:
    spec = _spec_copy(tmp_path, old, new)
    report = tmp_path / "report.json"
    with pytest.raises(SystemExit) as info:
        cli.main(["run", "--spec", str(spec), "--adapter", "reference", "--report-json", str(report)])
    out, err = capsys.readouterr()
    assert info.value.code == 2
    assert err == f"udcodec: malformed spec: {spec / 'threads.yaml'}:{line}: {where}\n"
    assert out == "" and not report.exists()  # nothing ran


@pytest.mark.parametrize("command", [["list"], ["explain", "THREAD-CPARAMS-CREATE"], ["replay", "THREAD-CPARAMS-CREATE",
                                     "--adapter", "reference", "--example", "{}"], ["verify", "nothing.json"],
                                     ["baseline", "update", "--adapter", "reference"], ["check-codec", "--host", "reference",
                                     "--encoder", "udcodec.examples.rle:encoder", "--decoder", "udcodec.examples.rle:decoder"]])
def test_every_command_that_reads_the_spec_refuses_a_broken_declaration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    spec = _spec_copy(tmp_path, CREATE, CREATE.replace("{id:", "{idd:"))
    with pytest.raises(SystemExit) as info:
        cli.main([*command, "--spec", str(spec)])
    out, err = capsys.readouterr()
    assert info.value.code == 2, err
    assert err.startswith(f"udcodec: malformed spec: {spec / 'threads.yaml'}:12: {WHERE}.params.idd: unknown parameter")
    assert out == ""


def test_the_pytest_plugin_refuses_a_broken_declaration(tmp_path: Path) -> None:
    spec = _spec_copy(tmp_path, CREATE, CREATE.replace("{id: 180", "{id: 300"))
    config = SimpleNamespace(option=SimpleNamespace(udcodec_spec=str(spec), udcodec_adapter=["reference"]))
    with pytest.raises(pytest.UsageError, match=re.escape(f"{spec / 'threads.yaml'}:12: {WHERE}.params.id: 300 is above")):
        plugin.pytest_configure(config)  # type: ignore[arg-type]


def test_loading_without_the_registry_does_not_check_declarations(tmp_path: Path) -> None:
    spec = _spec_copy(tmp_path, CREATE, CREATE.replace("{id:", "{idd:"))
    assert load_contract(spec).get("THREAD-CPARAMS-CREATE").checks[0].params["idd"] == 180
    with pytest.raises(SpecError, match="unknown parameter"):
        load_contract(spec, checks=CHECKS)


def _context(params: dict[str, object], declared: dict[str, Param]) -> CheckContext:
    return CheckContext(load_adapter("reference"), "reference", load_contract().get("THREAD-CPARAMS-CREATE"), params,
                        get_profile("dev"), declared=declared)


def test_ctx_param_returns_the_declared_value_or_default_and_refuses_undeclared_names() -> None:
    ctx = _context({"id": 180, "typo": 1}, {"id": Param(int, min=160), "n": Param(int, default=3)})
    assert ctx.param("id") == 180
    assert ctx.param("n") == 3
    with pytest.raises(UndeclaredParameter, match="'typo', which it does not declare"):
        ctx.param("typo")
    with pytest.raises(UndeclaredParameter):
        ctx.param("other")
    try:
        ctx.param("typo")
    except UndeclaredParameter as exc:
        assert raised_by_harness(exc)  # so the runner reports a harness error, not a failed implementation


def test_ctx_param_checks_a_value_loaded_without_validation() -> None:
    ctx = _context({"id": 100}, {"id": Param(int, min=160), "need": Param(int)})
    with pytest.raises(ValueError, match=r"parameter id: 100 is below the minimum 160"):
        ctx.param("id")
    with pytest.raises(KeyError, match="needs parameter 'need'"):
        ctx.param("need")


@pytest.mark.parametrize(
    ("declaration", "value", "problems"),
    [
        (Param(int, min=1, max=3), 2, []),
        (Param(int, min=1, max=3), 0, [((), "0 is below the minimum 1")]),
        (Param(int), True, [((), "expected an integer, got bool True")]),
        (Param(float), 2, []),
        (Param(bool, default=False), 1, [((), "expected a boolean, got int 1")]),
        (Param(str, choices=("a", "b")), "c", [((), "'c' is not one of: a, b")]),
        (Param(list, items=Param(int)), (1, 2), []),
        (Param(list, items=Param(int)), "12", [((), "expected a list, got str '12'")]),
        (Param(list, items=Param(list, items=Param(str))), [["a"], ["b", 3]], [((1, 1), "expected a string, got int 3")]),
        (Param(str, test=lambda v: None if v.isupper() else "lower case"), "ab", [((), "lower case")]),
    ],
)
def test_param_declarations(declaration: Param, value: object, problems: list[tuple[tuple[object, ...], str]]) -> None:
    assert list(declaration.problems(value)) == problems


@pytest.mark.parametrize(
    ("documented", "problem"),
    [
        ({"splitmode": "auto"}, None),
        ({"filters": ["nofilter", "shuffle"], "filters_meta": [0, 0]}, None),
        ({}, "names no parameter"),
        ({"clevel": 1}, "'clevel' is not one of: splitmode, typesize, codec_meta, filters, filters_meta"),
        ({"splitmode": "sometimes"}, "splitmode: 'sometimes' is not a value of that parameter"),
        ({"typesize": 0}, "typesize: 0 is not a value of that parameter"),
        ({"filters": ["shuffle"]}, "filters and filters_meta must be left out together"),
    ],
)
def test_documented_defaults_name_parameters_and_their_values(documented: dict[str, object], problem: str | None) -> None:
    """container.default_as_documented refuses a ``documented`` it cannot leave out or give (a spec error at load)."""
    found = CHECKS["container.default_as_documented"].param_problems({"id": 196, "documented": documented, "blocksize": 1024})
    assert found == ([] if problem is None else [(("documented",), problem)])


def test_a_default_that_breaks_its_declaration_is_refused_at_registration() -> None:
    with pytest.raises(ValueError, match="default of parameter 'n' breaks its declaration: 0 is below the minimum 1"):
        check("test.bad_default", params={"n": Param(int, min=1, default=0)})
    assert "test.bad_default" not in CHECKS


# -- the committed JSON schemas ----------------------------------------------------------------

SCHEMAS = sorted((REPO / "conformance" / "schemas").glob("*.json")) + [REPO / "spec" / "schema.json"]


@pytest.mark.parametrize("path", SCHEMAS, ids=[p.name for p in SCHEMAS])
def test_every_committed_schema_is_a_valid_json_schema(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_loaders_use_the_committed_schemas() -> None:
    from udcodec.checkcodec import verdicts
    from udcodec.expectations import model
    from udcodec.golden import manifest

    for name, used in [("expectations.schema.json", model.SCHEMA), ("verdicts.schema.json", verdicts.SCHEMA),
                       ("golden-manifest.schema.json", manifest.SCHEMA)]:
        assert used == json.loads((REPO / "conformance" / "schemas" / name).read_text(encoding="utf-8")), name


def test_every_bundled_clause_says_how_its_checks_call_the_implementation() -> None:
    """``calls``: natural (parameters users leave out are left out) or explicit, with why."""
    contract = load_contract(default_spec_dir())
    missing = [c.id for c in contract if not c.calls]
    assert missing == []
    assert {(c.calls or "").split(":")[0] for c in contract} == {"natural", "explicit"}
    natural = {c.id for c in contract if (c.calls or "").startswith("natural")}
    assert {"THREAD-DEFAULTS", "REOPEN-KEEPS", "REOPEN-APPEND", "REOPEN-SPELLINGS", "ID-REOPEN"} <= natural
