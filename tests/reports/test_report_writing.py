"""Writing reports: atomic (``reports/atomic.py``), any message survives every format, long messages
are clipped (``reports/bounds.py``), interrupted runs are marked, and a report that cannot be written is
named and fails the run (``engine/session.py::write_reports``). No checks are run."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import threading
import xml.etree.ElementTree as ET
from argparse import Namespace
from pathlib import Path
from typing import Any

import pytest
from udcodec.contract import load_contract
from udcodec.engine.session import write_reports
from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports import (
    ReportValidationError,
    atomic,
    read_json,
    render_failures,
    render_junit,
    render_markdown,
    render_matrix,
    validate_report,
    write_json,
    write_junit,
    write_markdown,
)
from udcodec.reports.atomic import append_text, write_atomic
from udcodec.reports.bounds import MESSAGE_MAX, TERMINAL_MAX, clip, printable
from udcodec.reports.html import render_html, write_html
from udcodec.reports.matrix import load_reports, write_matrix
from udcodec.reports.model import RunRecord
from udcodec.reports.upgrade import upgrade

HOSTILE = "file name b'\\xff' reads back as \udcff, a NUL \x00 here, \x07 bell, \x1b[31m and a lone \ud800"


def _with_message(record: RunRecord, message: str, stderr: str | None = None) -> RunRecord:
    """``record`` whose blosc2 failure carries ``message`` (and ``stderr`` as its stderr tail)."""
    results = [dataclasses.replace(r, message=message, stderr_tail=stderr)
               if (r.clause, r.adapter) == ("REG-ID-002", "blosc2") else r for r in record.results]
    return dataclasses.replace(record, results=results)


def _failure(record: RunRecord) -> CheckResult:
    return next(r for r in record.results if (r.clause, r.adapter) == ("REG-ID-002", "blosc2"))


def _temp_files(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.name.endswith(".tmp")]


# -- atomic writes ---------------------------------------------------------------------------------


def test_write_atomic_replaces_the_file_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "report.json"
    write_atomic(target, "old")
    write_atomic(target, "new \udcff")
    assert target.read_bytes() == b"new \\udcff"
    assert _temp_files(target.parent) == []


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_leaves_the_previous_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "report.json"
    target.write_text('{"previous": true}', encoding="utf-8")

    def boom(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, failing, boom)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "x" * 100_000)
    assert target.read_text(encoding="utf-8") == '{"previous": true}'
    assert _temp_files(tmp_path) == []


def test_an_interrupt_while_writing_leaves_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.md"
    target.write_text("previous", encoding="utf-8")

    def interrupted(*_args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "partial")
    assert target.read_text(encoding="utf-8") == "previous"
    assert _temp_files(tmp_path) == []


def test_a_directory_or_a_file_in_the_way_is_an_oserror(tmp_path: Path) -> None:
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(IsADirectoryError) as exc:
        write_atomic(tmp_path / "dir.json", "{}")
    assert exc.value.strerror == "Is a directory"
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(OSError):  # the parent cannot be created
        write_atomic(tmp_path / "file" / "sub" / "report.json", "{}")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
def test_a_read_only_file_is_refused_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("kept", encoding="utf-8")
    target.chmod(0o444)
    with pytest.raises(PermissionError):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "kept"


def test_a_read_only_file_is_refused_even_for_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("kept", encoding="utf-8")
    monkeypatch.setattr(atomic.os, "access", lambda *_a: False)
    with pytest.raises(PermissionError, match="read-only"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "kept"


def test_the_file_mode_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.stat().st_mode & 0o777 == 0o640


def test_append_keeps_the_old_bytes(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_bytes(b"before \xff\n")
    append_text(target, "after \udcff\n")
    assert target.read_bytes() == b"before \xff\nafter \\udcff\n"


# -- any message survives every format -------------------------------------------------------------


def test_every_format_survives_surrogates_nul_and_control_characters(record: RunRecord, tmp_path: Path) -> None:
    hostile = _with_message(record, HOSTILE, stderr=HOSTILE)
    loaded = read_json(write_json(hostile, tmp_path / "r.json"))  # validated while read
    assert _failure(loaded).message == HOSTILE  # JSON carries it exactly (\u escapes)
    junit = write_junit(hostile, tmp_path / "r.xml").read_bytes()
    failure = ET.fromstring(junit).find("testsuite[@name='blosc2']/testcase[@name='REG-ID-002']/failure")
    assert failure is not None and "\\xdcff" in (failure.text or "") and "\\x00" in (failure.text or "")
    markdown = write_markdown(hostile, tmp_path / "r.md").read_text(encoding="utf-8")
    assert "\\udcff" in markdown and "\\x00" in markdown and "\\ud800" in markdown and "\x00" not in markdown
    terminal = render_failures(hostile)
    terminal.encode("utf-8")  # printable: no lone surrogate left
    assert "\\udcff" in terminal and "\\x00" in terminal and "\x07" not in terminal


def test_printable_escapes_only_what_does_not_print() -> None:
    assert printable("tab\tnewline\n✅ é") == "tab\tnewline\n✅ é"
    assert printable("\x00\x7f\udcff") == "\\x00\\x7f\\udcff"


# -- long messages are clipped ---------------------------------------------------------------------


def test_clip_keeps_head_and_tail_and_says_how_much_was_cut() -> None:
    text = "H" * 100 + "m" * 1000 + "T" * 100
    clipped = clip(text, 200)
    assert clipped.startswith("H" * 100) and clipped.endswith("T" * 100)
    assert "[... 1000 characters cut ...]" in clipped
    assert clip("short", 200) == "short"


def test_clipping_a_quoted_clipped_text_counts_every_character_cut() -> None:
    """A failure quoting a clipped message was clipped again around the earlier note, which said only the last cut."""
    first = clip("H" * 100 + "m" * 1000 + "T" * 100, 200)
    again = clip("[check] " + first + " (encoding one block)", 200)
    assert again.count("[...") == 1 and again.startswith("[check] HHH") and again.endswith("(encoding one block)")
    kept = again.count("H") + again.count("m") + again.count("T")
    assert f"[... {1200 - kept} characters cut ...]" in again


def test_a_20_mib_message_is_clipped_in_every_report(record: RunRecord, tmp_path: Path) -> None:
    huge = "HEAD" + "x" * (20 * 1024 * 1024) + "TAIL"
    big = _with_message(record, huge, stderr=huge)
    limit = 4 * MESSAGE_MAX  # message and stderr tail, with the rest of the report
    for path in (write_json(big, tmp_path / "r.json"), write_junit(big, tmp_path / "r.xml"),
                 write_markdown(big, tmp_path / "r.md"), write_html(big, tmp_path / "r.html")):
        text = path.read_text(encoding="utf-8")
        assert len(text) < (limit if path.suffix != ".html" else limit + len(render_html(record))), path.name
        assert "HEAD" in text and "TAIL" in text and "characters cut ..." in text, path.name
    message = _failure(read_json(tmp_path / "r.json")).message
    assert len(message) < MESSAGE_MAX + 100
    terminal = render_failures(big)
    assert len(terminal) < 3 * TERMINAL_MAX and "HEAD" in terminal and "TAIL" in terminal
    assert _failure(big).message == huge  # the record itself is not changed


def test_the_matrix_clips_what_a_report_from_elsewhere_holds(record: RunRecord, tmp_path: Path) -> None:
    """A JSON report need not have been written by this harness (or clipped): the matrix clips on reading."""
    huge = "HEAD" + "x\x00" * (5 * 1024 * 1024) + "TAIL"
    path = tmp_path / "big.json"
    path.write_text(json.dumps(_with_message(record, huge, stderr=huge)._to_json()), encoding="utf-8")
    assert path.stat().st_size > 10 << 20
    write_matrix([path], tmp_path / "m.md", tmp_path / "m.html")  # 1: the run it reports failed
    for name in ("m.md", "m.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert len(text) < 8 * MESSAGE_MAX + len(render_html(record)), name
        assert "HEAD" in text and "\x00" not in text, name


# -- interrupted runs ------------------------------------------------------------------------------


def _interrupted(record: RunRecord) -> RunRecord:
    passing = [r for r in record.results if r.outcome is Outcome.PASS]
    return RunRecord(spec_version=record.spec_version, spec_sha256=record.spec_sha256, clauses=record.clauses,
                     adapters=record.adapters[:1], results=passing[:2], interrupted=True)


def test_an_interrupted_record_says_so_in_every_format(record: RunRecord, tmp_path: Path) -> None:
    partial = _interrupted(record)
    assert partial.exit_status == 2
    data = json.loads(write_json(partial, tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["interrupted"] is True and data["exit_status"] == 2
    assert read_json(tmp_path / "r.json").interrupted
    root = ET.fromstring(render_junit(partial))
    assert int(root.get("errors", "0")) >= 1  # CI reads it as a failure
    error = root.find("testsuite[@name='interrupted']/testcase/error")
    assert error is not None and "interrupted after 2 result(s)" in (error.get("message") or "")
    assert root.find(".//property[@name='interrupted'][@value='true']") is not None
    headline = render_markdown(partial).splitlines()[0]
    assert "interrupted" in headline and "as expected" not in headline
    assert "INTERRUPTED after 2 result(s)" in render_matrix(partial, width=100)
    heading = render_html(partial).split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "interrupted after 2 result(s)" in heading and "as expected" not in heading
    finished = dataclasses.replace(partial, interrupted=False, exit_status=None)
    assert finished.exit_status == 0 and "interrupted" not in render_markdown(finished).splitlines()[0]
    assert ET.fromstring(render_junit(finished)).find("testsuite[@name='interrupted']") is None
    assert "interrupted" not in render_html(finished).split("</h1>", 1)[0]


def test_the_interrupted_junit_validates_against_the_xsd(record: RunRecord) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(Path(__file__).with_name("junit.xsd")))
    assert schema.is_valid(render_junit(_interrupted(record)))


def test_the_schema_wants_the_interrupted_flag(record: RunRecord) -> None:
    data = record.to_json()
    validate_report(data)
    del data["interrupted"]
    with pytest.raises(ReportValidationError, match="interrupted"):
        validate_report(data)
    data["interrupted"] = "yes"
    with pytest.raises(ReportValidationError, match="interrupted"):
        validate_report(data)


def test_a_1_2_report_reads_as_not_interrupted(record: RunRecord) -> None:
    old = record.to_json()
    del old["interrupted"]
    old["schema_version"] = "1.2"
    current = upgrade(old)
    validate_report(current)
    assert current["interrupted"] is False and "interrupted" not in old


# -- write_reports: failures named, the others written ---------------------------------------------


def _options(tmp_path: Path, **paths: str | None) -> Namespace:
    values = {"udcodec_report_json": None, "udcodec_report_junit": None, "udcodec_report_markdown": None,
              "udcodec_certificate": None}
    values.update({f"udcodec_{k}": None if v is None else str(tmp_path / v) for k, v in paths.items()})
    return Namespace(**values)


def test_a_report_that_cannot_be_written_is_one_line_and_the_others_are_written(
    record: RunRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    (tmp_path / "dir.xml").mkdir()
    options = _options(tmp_path, report_json="a-file/sub/r.json", report_junit="dir.xml", report_markdown="ok/r.md")
    done = write_reports(record, options)
    assert done.paths == [tmp_path / "ok" / "r.md"] and (tmp_path / "ok" / "r.md").is_file()
    err = capsys.readouterr().err
    assert err.splitlines() == done.failures and len(done.failures) == 2
    assert done.failures[0].startswith(f"udcodec: could not write {tmp_path / 'a-file/sub/r.json'}: ")
    assert done.failures[1] == f"udcodec: could not write {tmp_path / 'dir.xml'}: Is a directory"


def test_a_json_report_breaking_its_schema_is_written_whole_and_said(
    record: RunRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A schema the harness's own report broke had kept the JSON report from being written at all: every result of
    the run lost. It is written as it is, the defect named on one line, and the run fails."""
    import dataclasses
    import json

    passing = dataclasses.replace(record, exit_status=0)
    passing.results[0].extra["explained_by"] = {"reference": {"check": "x", "why": "y"}}  # nested: breaks the schema
    done = write_reports(passing, _options(tmp_path, report_json="r.json", report_markdown="r.md"))
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert len(data["results"]) == len(record.results) and data["exit_status"] == 1
    assert "exit status 1" in (tmp_path / "r.md").read_text(encoding="utf-8")
    err = capsys.readouterr().err
    assert err.splitlines() == done.failures and len(done.failures) == 1
    assert done.failures[0].startswith(f"udcodec: {tmp_path / 'r.json'} was written but does not match "
                                       "report.schema.json (")
    assert "a defect of the harness, the results in it are whole" in done.failures[0]
    assert done.paths == [tmp_path / "r.json", tmp_path / "r.md"]


def test_the_reports_written_say_the_run_failed_when_another_could_not_be_written(
    record: RunRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The run exits 1 then; the JSON and Markdown written before had said exit status 0."""
    import dataclasses
    import json

    passing = dataclasses.replace(record, exit_status=0)
    (tmp_path / "dir.html").mkdir()
    options = _options(tmp_path, report_json="r.json", report_markdown="r.md")
    options.udcodec_report_html = str(tmp_path / "dir.html")
    done = write_reports(passing, options)
    assert len(done.failures) == 1 and done.paths == [tmp_path / "r.json", tmp_path / "r.md"]
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["exit_status"] == 1
    assert "exit status 1" in (tmp_path / "r.md").read_text(encoding="utf-8")


def test_an_interrupted_run_writes_no_certificate(record: RunRecord, tmp_path: Path) -> None:
    partial = _interrupted(record)
    contract = load_contract(None)
    (tmp_path / "cert.json").write_text("previous", encoding="utf-8")
    done = write_reports(partial, _options(tmp_path, certificate="cert.json", report_json="r.json"), contract)
    assert done.paths == [tmp_path / "r.json"]
    assert (tmp_path / "cert.json").read_text(encoding="utf-8") == "previous"
    assert len(done.failures) == 1 and "interrupted" in done.failures[0]


def test_matrix_names_an_interrupted_report_and_an_output_it_cannot_write(
    record: RunRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    partial = write_json(_interrupted(record), tmp_path / "partial.json")
    records, problems = load_reports([partial])
    assert len(records) == 1 and problems == [f"{partial}: the run was interrupted; its results are partial"]
    (tmp_path / "m.md").mkdir()
    assert write_matrix([partial], tmp_path / "m.md") == 1
    err = capsys.readouterr().err
    assert f"could not write {tmp_path / 'm.md'}: Is a directory" in err and "interrupted" in err


def test_a_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    target, link = tmp_path / "real.md", tmp_path / "link.md"
    target.write_text("old", encoding="utf-8")
    link.symlink_to(target)
    assert write_atomic(link, "new") == link
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new"


def test_a_fifo_is_written_to_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_an_interrupted_run_removes_an_earlier_runs_certificate(record: RunRecord, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A certificate older than the run is an earlier run's: left in place, it would read as this one's."""
    partial = _interrupted(record)
    cert = tmp_path / "cert.json"
    cert.write_text("previous", encoding="utf-8")
    os.utime(cert, (partial.started.timestamp() - 60,) * 2)
    write_reports(partial, _options(tmp_path, certificate="cert.json"), load_contract(None))
    assert not cert.exists()
    assert f"removed {cert}: it was an earlier run's" in capsys.readouterr().err
