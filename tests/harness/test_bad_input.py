"""Bad input to the command line: one line naming the problem and exit 2, before anything runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from udcodec import cli
from udcodec.contract import default_spec_dir
from udcodec.engine import plugin
from udcodec.engine.isolation import parse_memory_limit

CODEC = ["--encoder", "udcodec.examples.zlib_codec:encoder", "--decoder", "udcodec.examples.zlib_codec:decoder"]


def _exit_and_lines(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, list[str]]:
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip()]


@pytest.mark.parametrize("command", [["run", "--adapter", "reference"], ["check-codec", *CODEC],
                                     ["smoke", "--adapter", "reference"], ["self-test"], ["history"]],
                         ids=lambda c: c[0])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-3", "soon"])
def test_a_timeout_that_is_no_positive_finite_number_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                                                      command: list[str], value: str) -> None:
    """Every command's timeouts are read by one function (``udcodec.engine.options.positive_seconds``)."""
    code, lines = _exit_and_lines(capsys, [*command, f"--timeout={value}"])
    assert code == 2 and len(lines) == 1 and "--timeout" in lines[0] and value in lines[0], lines
    assert "a number of seconds" in lines[0] or "a positive, finite number of seconds" in lines[0]


@pytest.mark.parametrize("value", ["inf", "0"])
def test_the_self_test_run_timeout_is_read_like_every_timeout(capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, lines = _exit_and_lines(capsys, ["self-test", f"--run-timeout={value}"])
    assert code == 2 and lines == [f"udcodec self-test: error: argument --run-timeout: {value!r}: give a positive,"
                                   " finite number of seconds (see udcodec self-test --help)"], lines


@pytest.mark.parametrize(("argv", "needle"), [
    (["run", "--adapter", "reference", "--expectations", "foo"], "--expectations 'foo': give ADAPTER=PATH"),
    (["run", "--adapter", "reference", "--expectations", "blosc2=x.yaml"], "'blosc2' is not an adapter of this run"),
    (["run", "--adapter", "reference", "-n", "bogus"], "-n 'bogus'"),
    (["run", "--adapter", "reference", "--only", "CODEC-NOPE"], "--only CODEC-NOPE: matches no host clause"),
    (["run", "--adapter", "reference", "--skip", "REG-NOPE*"], "--skip REG-NOPE*: matches no host clause"),
    (["run", "--adapter", "no-such-adapter"], "--adapter no-such-adapter: no adapter of that name"),
    (["run", "--adapter", "no_such_module.sub:Adapter"], "no module named 'no_such_module.sub'"),
    (["run", "--adapter", "udcodec.adapters.reference:ReferenceAdaptr"],
     "'udcodec.adapters.reference' has no attribute 'ReferenceAdaptr'"),
    (["run", "--adapter", "reference", "--adapter", "reference"], "--adapter reference: given twice; each adapter"),
    (["run", "--adapter", "reference", "--adapter", "udcodec.adapters.reference:ReferenceAdapter"],
     "given twice (as reference)"),
    (["run", "--adapter", "reference", "--skip", "*"], "--only/--skip leave no host clause to run"),
    (["run", "--adapter", "reference", "--only", "INTEROP-BLOSC1", "--skip", "INTEROP-*"], "leave no host clause"),
    (["run", "--adapter", "reference", "--report-json", "x.json", "--certificate", "x.json"],
     "--certificate x.json: --report-json writes that file too"),
    (["run", "--adapter", "reference", "--report-json", "-"], "--report-json '-': give the path of a file to write"),
    (["run", "--adapter", "reference", "--report-html", ""], "--report-html '': give the path of a file to write"),
    (["run", "--adapter", "reference", "--report-json", "/"], "--report-json /: is a directory"),
    (["run", "--adapter", "reference", "--report-markdown", f"{__file__}/r.md"],
     f"--report-markdown {__file__}/r.md: {__file__} is not a directory"),
    (["check-codec", *CODEC, "--certificate", f"{__file__}/c-{{adapter}}.json"], "is not a directory"),
    (["run", "--adapter", "reference", "-n", "100000"], "-n 100000: more than 4 processes a core"),
    (["check-codec", *CODEC, "--host", "blosc"], "--host blosc: no adapter of that name"),
    (["check-codec", *CODEC, "--host", "reference", "--expectations", "blosc2=x.yaml"],
     "--expectations 'blosc2=x.yaml': 'blosc2' is not an adapter of this run, as given with --host (given: "
     "reference); the key is that spec, not the adapter's name"),
    (["check-codec", *CODEC, "--only", "REG-ID-RANGE"], "--only REG-ID-RANGE: matches no codec clause"),
    (["check-codec", *CODEC, "--domain", "no-such-domain"], "--domain no-such-domain: cannot read the domain file"),
    (["check-codec", "--plugin", "openzl", "--id", "37"], "--id 37 is Blosc2's global id of plugin 'grok', not of 'openzl'"),
    (["check-codec", "--plugin", "openzl", "--id", "12"], "(or a global plugin id: 36 openhtj2k, 37 grok, 38 openzl"),
    (["check-codec", "--plugin", "openzl", "--id", "38", "--domain", "grok"],
     "--domain grok: the domain of codec 'grok', not of plugin 'openzl'"),
    (["check-codec", "--plugin", "openzl", "--id", "38", "--domain", "openzl", "--meta", "200"],
     "--meta 200 is outside the domain's metas (0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 31; openzl)"),
    (["check-codec", *CODEC, "--name", "a\n<svg onload=alert(1)>"],
     "--name 'a\\n<svg onload=alert(1)>': give a non-empty name of printable characters"),
    (["check-codec", *CODEC, "--name", ""], "--name '': give a non-empty name of printable characters"),
    (["check-codec", "--plugin", "udcodec_no_such_plugin", "--id", "200"],
     "plugin udcodec_no_such_plugin: no library found: package blosc2_udcodec_no_such_plugin is not usable"),
])
def test_run_options_are_checked_before_anything_runs(capsys: pytest.CaptureFixture[str], argv: list[str],
                                                      needle: str) -> None:
    code, lines = _exit_and_lines(capsys, argv)
    assert code == 2 and len(lines) == 1, lines
    assert needle in lines[0]


@pytest.mark.parametrize("command", [["run", "--adapter", "reference"], ["check-codec", *CODEC, "--host", "reference"]])
def test_an_expectations_file_that_cannot_be_used_stops_the_run(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                                command: list[str]) -> None:
    """Without its file a run would report every known divergence as a failure: refused before anything runs."""
    missing = tmp_path / "missing.yaml"
    code, lines = _exit_and_lines(capsys, [*command, "--expectations", f"reference={missing}"])
    assert code == 2 and len(lines) == 1 and lines[0].startswith("udcodec: --expectations reference: "), lines
    assert "cannot be read" in lines[0]
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("adapter: reference\nexpectations:\n  - clause: REG-ID-RANGE\n", encoding="utf-8")
    code, lines = _exit_and_lines(capsys, [*command, "--expectations", f"reference={malformed}"])
    assert code == 2 and len(lines) == 1, lines
    assert f"{malformed}:3: expectations[0]: 'reason' is a required property" in lines[0]


@pytest.mark.parametrize(("module", "ended"), [
    ("import os\nos._exit(0)\n", "importing them ended the process (exit status 0)"),
    ("import faulthandler\nfaulthandler._sigsegv()\n", "importing them crashed (SIGSEGV)"),
    ("import sys\nsys.exit(0)\n", "cannot import 'udcodec_test_ends': SystemExit: 0"),
    # a message of several lines and terminal escapes: one printable line
    ("raise ImportError('line1\\nline2 \\x1b[2J')\n", "ImportError: line1\\nline2 \\x1b[2J"),
])
@pytest.mark.parametrize("command", ["check-codec", "check-filter"])
def test_a_subject_module_that_ends_the_process_at_import_is_an_option_error(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, ended: str,
        command: str) -> None:
    """Imported in a child first: such a module had ended check-codec with status 0 and no report (a false pass)."""
    (tmp_path / "udcodec_test_ends.py").write_text(module, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    pair = (["--encoder", "udcodec_test_ends:e", "--decoder", "udcodec_test_ends:d"] if command == "check-codec"
            else ["--forward", "udcodec_test_ends:f", "--backward", "udcodec_test_ends:b"])
    code, lines = _exit_and_lines(capsys, [command, *pair, "--host", "reference"])
    assert code == 2 and len(lines) == 1 and lines[0].startswith(f"udcodec {command}: --"), lines
    assert ended in lines[0]


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


@pytest.mark.parametrize(("adapter", "needle"), [
    ("nope", "--adapter nope: no adapter of that name"),
    ("os:path", "--adapter os:path: os:path does not implement the adapter protocol"),
])
def test_replay_refuses_an_adapter_it_cannot_load(capsys: pytest.CaptureFixture[str], adapter: str,
                                                  needle: str) -> None:
    """Both had ended in a traceback; run says the same in one line."""
    example = '{"check": 0, "property": 0, "example": {}}'
    code, lines = _exit_and_lines(capsys, ["replay", "REG-ID-RANGE", "--adapter", adapter, "--example", example])
    assert code == 2 and len(lines) == 1 and needle in lines[0], lines


@pytest.mark.parametrize("example", ["null", '{"bogus": 1}'])
def test_replay_refuses_an_example_its_check_cannot_take(capsys: pytest.CaptureFixture[str], example: str) -> None:
    """Well formed, but not what RT-CHUNKS' property draws: it had been a harness error with a traceback."""
    code, lines = _exit_and_lines(capsys, ["replay", "RT-CHUNKS", "--adapter", "reference",
                                           "--example", f'{{"check": 0, "property": 0, "example": {example}}}'])
    assert code == 2 and len(lines) == 1 and "the check could not replay it" in lines[0], lines


def test_a_directory_named_like_a_contract_file_is_one_line(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    spec = tmp_path / "spec"
    shutil.copytree(default_spec_dir(), spec)
    (spec / "x.yaml").mkdir()
    code, lines = _exit_and_lines(capsys, ["list", "--spec", str(spec)])
    assert code == 2 and len(lines) == 1 and "x.yaml" in lines[0] and "is not a file" in lines[0]


def _plugin_error(pytester: pytest.Pytester, *args: str) -> list[str]:
    """The error lines of the pytest plugin refusing ``args`` (a usage error, exit 4)."""
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--udcodec-adapter", "reference", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.outlines + result.errlines
    return [line.removeprefix("ERROR: ") for line in result.errlines if line.startswith("ERROR: ")]


@pytest.mark.parametrize(("item", "needle"), [
    ("foo", "--expectations 'foo': give ADAPTER=PATH"),
    ("reference", "--expectations 'reference': give ADAPTER=PATH"),
    ("=x.yaml", "--expectations '=x.yaml': give ADAPTER=PATH"),
    ("blosc2=x.yaml", "--expectations 'blosc2=x.yaml': 'blosc2' is not an adapter of this run, as given with "
                      "--adapter (given: reference); the key is that spec, not the adapter's name"),
])
def test_bad_expectations_read_the_same_from_both_doors(capsys: pytest.CaptureFixture[str],
                                                        pytester: pytest.Pytester, item: str, needle: str) -> None:
    """``udcodec run --expectations`` and the plugin's ``--udcodec-expectations`` refuse an item with one line,
    the same but for each door's spelling of the options."""
    code, lines = _exit_and_lines(capsys, ["run", "--adapter", "reference", "--expectations", item])
    assert code == 2 and lines == [f"udcodec: {needle}"], lines
    from_plugin = _plugin_error(pytester, "--udcodec-expectations", item)
    assert [line.replace("--udcodec-", "--") for line in from_plugin] == [needle], from_plugin


@pytest.mark.parametrize("text", ["lots", "-1G", "4X", "nan", "", "9000000T"])
def test_a_bad_memory_limit_reads_the_same_from_both_doors(capsys: pytest.CaptureFixture[str],
                                                           pytester: pytest.Pytester, text: str) -> None:
    with pytest.raises(ValueError, match="memory") as refused:
        parse_memory_limit(text)
    code, lines = _exit_and_lines(capsys, ["run", "--adapter", "reference", f"--memory-limit={text}"])
    assert code == 2 and lines == [f"udcodec run: error: argument --memory-limit: {refused.value} (see udcodec run --help)"], lines
    assert _plugin_error(pytester, f"--udcodec-memory-limit={text}") == [f"--udcodec-memory-limit: {refused.value}"]


@pytest.mark.parametrize(("text", "size"), [("4G", 4 << 30), ("512M", 512 << 20), ("1.5GiB", 3 << 29),
                                            ("2048", 2048), ("64k", 64 << 10), ("0", None), ("none", None)])
def test_both_doors_take_every_memory_limit_spelling(text: str, size: int | None) -> None:
    args = cli._parser().parse_args(["run", "--adapter", "reference", "--memory-limit", text])
    assert args.memory_limit == text  # passed on to the plugin as given
    assert plugin._memory_limit(text) == parse_memory_limit(text) == size


@pytest.mark.parametrize(("args", "needle"), [
    (["--udcodec-timeout", "-1"], "a positive, finite number of seconds"),
    (["--udcodec-timeout", "nan"], "a positive, finite number of seconds"),
    (["--udcodec-only", "NOSUCH*"], "--udcodec-only NOSUCH*: matches no host clause"),
    (["--udcodec-skip", "REG-NOPE"], "--udcodec-skip REG-NOPE: matches no host clause"),
    (["--udcodec-skip", "*"], "--udcodec-only/--udcodec-skip leave no host clause to run"),
    (["--udcodec-adapter", "reference"], "--udcodec-adapter reference: given twice; each adapter runs once"),
])
def test_the_plugin_refuses_what_the_command_refuses(pytester: pytest.Pytester, args: list[str], needle: str) -> None:
    """A timeout of -1 had blamed the adapter for not loading in -1 s, nan was an INTERNALERROR, and a glob matching
    nothing ran no clause and passed."""
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--udcodec-adapter", "reference", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.outlines + result.errlines
    assert any(needle in line for line in result.errlines), result.errlines


@pytest.mark.parametrize("command", [["run", "--adapter", "reference"], ["check-codec", *CODEC, "--host", "reference"]])
def test_workers_without_pytest_xdist_are_one_line_naming_the_extra(capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   command: list[str]) -> None:
    """The install line of a codec author has no xdist: pytest's own error had been the answer to -n 2."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "xdist" else real(name, *a))
    code, lines = _exit_and_lines(capsys, [*command, "-n", "2"])
    assert code == 2 and len(lines) == 1 and "udcodec-conformance[xdist]" in lines[0], lines
