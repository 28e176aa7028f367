"""The plugin preflight of ``udcodec check-codec --plugin``: a tiny plugin built with the system C compiler
against python-blosc2's headers, and broken builds of it, each named by one problem line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tinyplugin import build
from udcodec.pluginlib import inspect, preflight

pytest.importorskip("elftools", reason="pyelftools reads the plugin libraries")


def test_a_good_plugin_passes_and_its_info_names_are_read(plugins: Path) -> None:
    library = build(plugins, "udctiny")
    problems, notes, path = preflight("udctiny")
    assert problems == [] and path == str(library)
    assert f"library {library} (from blosc2_udctiny.print_libpath())" in notes
    assert "`info` names encoder 'udc_tiny_encoder' and decoder 'udc_tiny_decoder'" in notes
    facts = inspect(str(library))
    assert facts.info_names == ("udc_tiny_encoder", "udc_tiny_decoder") and facts.blosc2_undefined == []


def test_no_info_symbol(plugins: Path) -> None:
    build(plugins, "udcnoinfo", "NO_INFO")
    problems, _, _ = preflight("udcnoinfo")
    assert len(problems) == 1 and "exports no `info` symbol" in problems[0]


def test_info_naming_functions_the_library_lacks(plugins: Path) -> None:
    build(plugins, "udcnames", "WRONG_NAMES")
    problems, _, _ = preflight("udcnames")
    assert [p.split(", which")[0].rsplit(" ", 2)[-2:] for p in problems] == [
        ["encoder", "'udc_tiny_missing_encoder'"], ["decoder", "'udc_tiny_missing_decoder'"]]


def test_an_undefined_blosc2_symbol_libblosc2_does_not_export(plugins: Path) -> None:
    build(plugins, "udcunres", "UNRESOLVED")
    problems, _, _ = preflight("udcunres")
    assert len(problems) == 1
    assert "needs blosc2_udcodec_no_such_function, which libblosc2 of python-blosc2" in problems[0]


def test_blosc2_symbols_without_linking_libblosc2_are_a_note(plugins: Path) -> None:
    build(plugins, "udcunlinked", "UNLINKED")
    problems, notes, _ = preflight("udcunlinked")
    assert problems == []
    assert any(n.startswith("does not link libblosc2 (no DT_NEEDED entry): blosc2_error_string") for n in notes)


def test_no_package_and_no_library(plugins: Path) -> None:
    problems, _, path = preflight("udc_not_installed")
    assert path is None and len(problems) == 1
    assert "package blosc2_udc_not_installed is not usable (ModuleNotFoundError" in problems[0]


def test_a_printed_path_that_is_no_elf_file(plugins: Path) -> None:
    library = build(plugins, "udcnotelf")
    library.write_text("not a library\n")
    problems, _, _ = preflight("udcnotelf")
    assert len(problems) == 1 and "is not a readable ELF shared library" in problems[0]


def _check_codec(folder: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), env.get("PYTHONPATH")]))
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return subprocess.run([sys.executable, "-m", "udcodec.cli", "check-codec", *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_check_codec_exits_2_with_one_line_per_problem(plugins: Path, tmp_path: Path) -> None:
    build(plugins, "udcnames", "WRONG_NAMES")
    proc = _check_codec(plugins, tmp_path, "--plugin", "udcnames", "--id", "201")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("udcodec check-codec: plugin udcnames: `info` names the")
                                   for line in lines)
    assert "CODEC-" not in proc.stdout  # no clause ran


@pytest.mark.slow
def test_the_reference_reports_plugin_clauses_not_applicable(plugins: Path, tmp_path: Path) -> None:
    """On the default hosts a good plugin passes: the reference's clauses are n/a with the reason, never FAIL."""
    build(plugins, "udctiny")
    report = tmp_path / "r.json"
    proc = _check_codec(plugins, tmp_path, "--plugin", "udctiny", "--id", "201", "--profile", "dev",
                        "--report-json", str(report))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    results = json.loads(report.read_text())["results"]
    on_reference = [r for r in results if r["adapter"] == "reference"]
    assert on_reference and {r["outcome"] for r in on_reference} == {"n/a"}
    assert all("does not run compiled codec plugins as c-blosc2 does" in r["message"] for r in on_reference)
    on_blosc2 = {r["clause"]: r["outcome"] for r in results if r["adapter"] == "blosc2"}
    assert on_blosc2["CODEC-ROUNDTRIP"] == on_blosc2["CODEC-NO-OVERRUN"] == on_blosc2["CODEC-THREADS"] == "pass"
    assert on_blosc2["CODEC-NO-RETAIN"] == "n/a"


@pytest.mark.slow
def test_a_defect_recorded_under_an_na_clause_is_reported_with_it(plugins: Path, tmp_path: Path) -> None:
    """An NDArray-only domain makes CODEC-SPLITMODES (an SChunk clause) n/a; the defect an expectations file
    records under it still shows, with its reproduction."""
    build(plugins, "udctiny")
    domain = tmp_path / "images.yaml"
    domain.write_text("codec: udctiny\ncontainers: [ndarray]\n")
    known = tmp_path / "known.yaml"
    known.write_text("adapter: blosc2\nexpectations:\n  - clause: CODEC-SPLITMODES\n    reason: images fail\n"
                     "    reproduction: |\n      raise SystemExit('images fail')\n")
    report = tmp_path / "r.json"
    proc = _check_codec(plugins, tmp_path, "--plugin", "udctiny", "--id", "201", "--host", "blosc2", "--domain",
                        str(domain), "--expectations", f"blosc2={known}", "--only", "CODEC-SPLITMODES",
                        "--report-json", str(report))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    (result,) = json.loads(report.read_text())["results"]
    assert result["outcome"] == "n/a" and "accepts only ndarray containers" in result["message"]
    assert result["expected_reason"] == "images fail" and "images fail" in result["reproduction"]
