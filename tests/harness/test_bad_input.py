"""Bad input to the command line: one line naming the problem and exit 2, before anything runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from udcodec import cli
from udcodec.contract import default_spec_dir

CODEC = ["--encoder", "udcodec.examples.zlib_codec:encoder", "--decoder", "udcodec.examples.zlib_codec:decoder"]


def _exit_and_lines(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, list[str]]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.startswith("udcodec")]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-3", "soon"])
def test_a_timeout_that_is_no_positive_finite_number_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                                                      value: str) -> None:
    code, lines = _exit_and_lines(capsys, ["run", "--adapter", "reference", f"--timeout={value}"])
    assert code == 2 and len(lines) == 1 and "--timeout" in lines[0] and value in lines[0]


@pytest.mark.parametrize(("argv", "needle"), [
    (["run", "--adapter", "reference", "--expectations", "foo"], "--expectations 'foo': give ADAPTER=PATH"),
    (["run", "--adapter", "reference", "--expectations", "blosc2=x.yaml"], "adapter 'blosc2' is not run"),
    (["run", "--adapter", "reference", "-n", "bogus"], "-n 'bogus'"),
    (["run", "--adapter", "reference", "--only", "CODEC-NOPE"], "--only CODEC-NOPE: matches no host clause"),
    (["run", "--adapter", "reference", "--skip", "REG-NOPE*"], "--skip REG-NOPE*: matches no host clause"),
    (["run", "--adapter", "no-such-adapter"], "--adapter no-such-adapter: no adapter of that name"),
    (["run", "--adapter", "no_such_module.sub:Adapter"], "no module named 'no_such_module.sub'"),
    (["run", "--adapter", "udcodec.adapters.reference:ReferenceAdaptr"],
     "'udcodec.adapters.reference' has no attribute 'ReferenceAdaptr'"),
    (["check-codec", *CODEC, "--host", "blosc"], "--host blosc: no adapter of that name"),
    (["check-codec", *CODEC, "--only", "REG-ID-RANGE"], "--only REG-ID-RANGE: matches no codec clause"),
    (["check-codec", *CODEC, "--domain", "no-such-domain"], "--domain no-such-domain: cannot read the domain file"),
    (["check-codec", "--plugin", "openzl", "--id", "37"], "--id 37 is Blosc2's global id of plugin 'grok', not of 'openzl'"),
    (["check-codec", "--plugin", "openzl", "--id", "12"], "(or a global plugin id: 36 openhtj2k, 37 grok, 38 openzl"),
    (["check-codec", "--plugin", "udcodec_no_such_plugin", "--id", "200"],
     "plugin udcodec_no_such_plugin: no library found: package blosc2_udcodec_no_such_plugin is not usable"),
])
def test_run_options_are_checked_before_anything_runs(capsys: pytest.CaptureFixture[str], argv: list[str],
                                                      needle: str) -> None:
    code, lines = _exit_and_lines(capsys, argv)
    assert code == 2 and len(lines) == 1, lines
    assert needle in lines[0]


def test_a_known_adapter_and_matching_globs_pass_the_checks(capsys: pytest.CaptureFixture[str]) -> None:
    """The checks refuse only what is wrong: this run goes ahead and passes."""
    code, lines = _exit_and_lines(capsys, ["run", "--adapter", "reference", "--only", "REG-ID-R*", "--no-isolation"])
    assert code == 0 and lines == []


@pytest.mark.parametrize(("example", "needle"), [
    ("[]", "expected an object"),
    ("{}", "expected an object"),
    ('{"check": 0, "property": 0}', "expected an object"),
    ('{"check": 3, "property": 0, "example": 1}', "check 3 is not one of the clause's 1 check(s)"),
    ('{"check": true, "property": 0, "example": 1}', "check True"),
    ('{"check": 0, "property": -1, "example": 1}', "property -1"),
])
def test_replay_refuses_an_example_of_the_wrong_shape(capsys: pytest.CaptureFixture[str], example: str,
                                                      needle: str) -> None:
    code, lines = _exit_and_lines(capsys, ["replay", "REG-ID-RANGE", "--adapter", "reference", "--example", example])
    assert code == 2 and len(lines) == 1 and needle in lines[0]


def test_a_directory_named_like_a_contract_file_is_one_line(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    shutil.copytree(default_spec_dir(), spec)
    (spec / "x.yaml").mkdir()
    code, lines = _exit_and_lines(capsys, ["list", "--spec", str(spec)])
    assert code == 2 and len(lines) == 1 and "x.yaml" in lines[0] and "is not a file" in lines[0]
