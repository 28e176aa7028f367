"""A full disk is no verdict on the implementation: the clause is ``resource``, and no temporary directory is exit 2."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from udcodec.checks.api import describe_exc
from udcodec.cli import main as cli_main
from udcodec.outcomes import Outcome
from udcodec.pluginlib import PluginLibError, install_probe_plugin, plant_marker_libraries
from udcodec.resources import NO_ROOM_SAID, OutOfDisk, exhausted
from udcodec_cli import read_report, run_udcodec

FULL = Path("/dev/full")
pytestmark = pytest.mark.skipif(not FULL.exists(), reason="needs /dev/full, a device that is always out of room")


def _no_room() -> OSError:
    try:
        with FULL.open("wb") as full:
            full.write(b"x")
    except OSError as exc:
        return exc
    raise AssertionError("/dev/full took a write")


def test_a_full_file_system_anywhere_in_the_chain_is_out_of_disk() -> None:
    real = _no_room()
    assert real.errno == errno.ENOSPC
    try:
        try:
            raise real
        except OSError as inner:
            raise RuntimeError("Error while writing the frame") from inner
    except RuntimeError as outer:
        found = exhausted(outer)
    assert isinstance(found, OutOfDisk) and isinstance(found, MemoryError) and found.__cause__ is real
    assert str(found).startswith(f"{NO_ROOM_SAID}: OSError: [Errno {errno.ENOSPC}]")
    copied = shutil.Error([("/spec/golden/a.chunk", "/tmp/x/a.chunk", str(real))])  # what copytree raises
    assert isinstance(exhausted(copied), OutOfDisk)
    decoding = ValueError("decoding failed")
    decoding.__cause__ = real
    with pytest.raises(OutOfDisk):  # a check describing what a host raised gets past it, as past a MemoryError
        describe_exc(decoding)


@pytest.mark.parametrize("exc", [FileNotFoundError(errno.ENOENT, "no such file"), shutil.Error([("a", "b", "denied")]),
                                 ValueError("[Errno 28] in a codec's own message")])
def test_other_errors_are_no_lack_of_room(exc: BaseException) -> None:
    assert exhausted(exc) is None
    assert "escaped" not in describe_exc(exc)  # described, not raised


def _fake_compiler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, says: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("cc", "gcc"):
        script = bin_dir / name
        script.write_text(f"#!/bin/sh\necho '{says}' >&2\nexit 1\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")


def test_a_compiler_out_of_room_is_out_of_disk_and_one_failing_otherwise_a_plugin_lib_error(tmp_path: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_compiler(tmp_path, monkeypatch, "probe.c:13:8: fatal error: error closing /tmp/cc1.s: No space left on device")
    with pytest.raises(OutOfDisk, match="the C compiler .* said: probe.c:13:8: fatal error: error closing"):
        install_probe_plugin(tmp_path / "site", "udcfull")
    (tmp_path / "bin").rename(tmp_path / "old")
    _fake_compiler(tmp_path, monkeypatch, "cc1: internal compiler error: Segmentation fault")
    with pytest.raises(PluginLibError, match="internal compiler error"):  # n/a, saying why
        plant_marker_libraries(tmp_path, ["x/../m"])


def test_a_check_whose_host_finds_the_disk_full_is_resource(udcodec_env: dict[str, str], tmp_path: Path) -> None:
    env = {**udcodec_env, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]), udcodec_env["PYTHONPATH"]])}
    got = run_udcodec(env, "run", "--adapter", "broken.processes:DiskFullAdapter", "--only", "REG-RETURNS-NONE",
                      "--report-json", "r.json", cwd=tmp_path)
    assert got.returncode == 1, got.stdout + got.stderr
    (result,) = read_report(tmp_path / "r.json")["results"]
    assert result["outcome"] == "resource", result
    assert NO_ROOM_SAID in result["message"] and "memory" not in result["message"], result["message"]


def test_no_usable_temporary_directory_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    def nowhere() -> str:
        raise FileNotFoundError(errno.ENOENT, "No usable temporary directory found in ['/tmp', '/var/tmp']")

    monkeypatch.setattr(tempfile, "gettempdir", nowhere)
    assert cli_main(["run", "--adapter", "reference", "--only", "REG-RETURNS-NONE"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["udcodec: No usable temporary directory found in ['/tmp', '/var/tmp'] (each is full or cannot be "
                   "written to): set TMPDIR to a directory with room"]


def test_a_failure_on_a_full_tmpdir_is_resource_whatever_it_said(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh interpreter that cannot start, a frame not written: on a full disk a check fails in words that name
    no lack of room ("the interpreter failed: exit status 1"). A failure when the child's TMPDIR had next to no room
    left is no verdict; one with room is the implementation's."""
    from udcodec.contract import load_contract
    from udcodec.engine import isolation
    from udcodec.engine.runner import execute
    from udcodec.profiles import get_profile

    monkeypatch.syspath_prepend(str(Path(__file__).parents[1]))  # tests/: the broken hosts
    clause, profile = load_contract().get("FILTER-ZEROS-OUTPUT"), get_profile("dev")
    broken = "broken.filters:ZerosAfterFiltersAdapter"
    assert execute(broken, "broken", clause, profile).outcome is Outcome.FAIL
    monkeypatch.setattr(isolation, "disk_free", lambda path: 4096)
    full = execute(broken, "broken", clause, profile)
    assert full.outcome is Outcome.RESOURCE and full.counterexample is None
    assert full.message.startswith(f"{NO_ROOM_SAID} of TMPDIR (4 KiB free as the check ended): no verdict; the "
                                   "check said: [filters.zeros_output] a chunk of 8192 bytes"), full.message
    assert execute("reference", "reference", clause, profile).outcome is Outcome.PASS  # a pass stays a pass
