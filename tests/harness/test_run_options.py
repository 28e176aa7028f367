"""``udcodec run`` options for CI: ``-n`` gives the serial reports, ``--list-failing``, JUnit validity."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from udcodec.contract import load_contract
from udcodec_cli import ACCEPTS256, FAILS_TO_LOAD, Udcodec, read_report

pytestmark = pytest.mark.slow  # real runs in subprocesses, serial and -n 2: the slow tier

JUNIT_XSD = Path(__file__).parents[1] / "reports" / "junit.xsd"
TIMING = ("started", "finished", "duration", "command")


def _untimed_json(path: Path) -> dict[str, Any]:
    data = read_report(path)
    for key in TIMING:
        data.pop(key)
    for result in data["results"]:
        result.pop("duration")
    return data


def _untimed_junit(path: Path) -> str:
    root = ET.parse(path).getroot()
    for element in root.iter():
        for key in ("time", "timestamp", "hostname"):
            element.attrib.pop(key, None)
    return ET.tostring(root, encoding="unicode")


def _untimed_markdown(path: Path) -> str:
    return re.sub(r"\d+\.\d s · ", "", path.read_text("utf-8"))


def _untimed_html(path: Path) -> str:
    page = re.sub(r"\d+\.\d+ s\b", "", path.read_text("utf-8"))
    return re.sub(r"Command: <code>.*?</code>", "", page)


def test_n_2_writes_the_reports_of_a_serial_run(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    args = ["run", "--adapter", "reference", "--adapter", ACCEPTS256, "--profile", "ci",
            "--only", "REG-*", "--only", "RT-CHUNKS"]  # fmt: skip
    reports = {}
    for name, extra in (("serial", []), ("dist", ["-n", "2"])):
        out = tmp_path / name
        proc = udcodec_cli(*args, *extra, "--report-json", f"{out}.json",
                           "--report-junit", f"{out}.xml", "--report-markdown", f"{out}.md",
                           "--report-html", f"{out}.html")  # fmt: skip
        assert proc.returncode == 1, proc.stdout + proc.stderr  # accepts256 fails one clause
        reports[name] = out
    serial, dist = reports["serial"], reports["dist"]
    a, b = _untimed_json(Path(f"{serial}.json")), _untimed_json(Path(f"{dist}.json"))
    registration = sum(c.id.startswith("REG-") for c in load_contract())
    assert len(a["results"]) == 2 * (registration + 1)
    assert [r["outcome"] for r in a["results"]].count("fail") == 1
    assert a == b  # outcomes, messages, counterexamples, reproductions, summary, exit status
    assert _untimed_junit(Path(f"{serial}.xml")) == _untimed_junit(Path(f"{dist}.xml"))
    assert _untimed_markdown(Path(f"{serial}.md")) == _untimed_markdown(Path(f"{dist}.md"))
    assert _untimed_html(Path(f"{serial}.html")) == _untimed_html(Path(f"{dist}.html"))


def test_list_failing_prints_only_the_ids(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        "adapter: accepts256\nexpectations:\n  - clause: REG-RETURNS-NONE\n"
        "    reason: claimed, passes in fact\n    reproduction: x\n",
        encoding="utf-8",
    )
    only = ("--only", "REG-ID-OUT-OF-RANGE", "--only", "REG-RETURNS-NONE", "--profile", "dev")
    one = udcodec_cli(
        "run", "--adapter", ACCEPTS256, *only, "--list-failing", "--report-json", "r.json"
    )
    assert one.returncode == 1
    assert one.stdout == "REG-ID-OUT-OF-RANGE\n"
    assert "udcodec conformance" in one.stderr  # pytest's output went to stderr
    assert (tmp_path / "r.json").exists()  # the other reports are still written

    two = udcodec_cli(
        "run", "--adapter", "reference", "--adapter", ACCEPTS256, *only, "--list-failing"
    )
    assert two.stdout == "accepts256 REG-ID-OUT-OF-RANGE\n"

    # An expected failure is still a failing clause: the list seeds a complete expectations file.
    exp.write_text(
        exp.read_text("utf-8").replace("REG-RETURNS-NONE", "REG-ID-OUT-OF-RANGE"), "utf-8"
    )
    xfail = udcodec_cli("run", "--adapter", ACCEPTS256, *only, "--list-failing",
                        "--expectations", f"{ACCEPTS256}={exp}")  # fmt: skip
    assert xfail.returncode == 0 and xfail.stdout == "REG-ID-OUT-OF-RANGE\n"


def test_junit_of_a_real_run_validates(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    proc = udcodec_cli("run", "--adapter", "reference", "--adapter", ACCEPTS256, "--adapter",
                       FAILS_TO_LOAD, "--only", "REG-ID-*", "--profile", "dev",
                       "--report-junit", "r.xml")  # fmt: skip
    assert proc.returncode == 1
    xmlschema.XMLSchema(str(JUNIT_XSD)).validate(str(tmp_path / "r.xml"))
    root = ET.parse(tmp_path / "r.xml").getroot()
    failure = root.find(
        "testsuite[@name='accepts256']/testcase[@name='REG-ID-OUT-OF-RANGE']/failure"
    )
    assert failure is not None and "was accepted" in (failure.text or "")
    err = root.findtext(f"testsuite[@name='{FAILS_TO_LOAD}']/system-err") or ""
    assert err.count("could not be loaded") == 1


def test_a_run_writes_nothing_in_the_users_directory_but_its_reports(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    """Hypothesis had left .hypothesis/constants (about 100 files) in the directory a run was started in."""
    pytest.importorskip("xdist")
    for extra in ([], ["-n", "2"]):
        proc = udcodec_cli("run", "--adapter", "reference", "--only", "CB-ENC-ARGS", *extra, "--report-json", "r.json")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]
