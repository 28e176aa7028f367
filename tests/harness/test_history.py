"""``udcodec history``: selecting releases, the timeline, the cache; a real run over two python-blosc2 releases (slow)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version
from proctable import naming, wait_until
from udcodec.cli import main
from udcodec.history import (
    HistoryError,
    Key,
    ReleaseRun,
    releases_of,
    render_markdown,
    select_releases,
    spans,
    spread,
    timeline,
)

INDEX = {"releases": {
    "0.6.6": [{"yanked": False}], "2.0.0": [{"yanked": False}], "2.7.1": [{"yanked": False}],
    "3.0.0rc1": [{"yanked": False}], "3.0.0": [{"yanked": False}], "3.1.0": [{"yanked": True}],
    "3.12.2": [{"yanked": False}, {"yanked": True}], "4.0.0": [], "4.14.1": [{"yanked": False}],
}}
ALL = ["2.0.0", "2.7.1", "3.0.0", "3.12.2", "4.14.1"]


def test_final_unyanked_releases_from_2_0_0_oldest_first() -> None:
    assert [str(v) for v in releases_of(INDEX)] == ALL


@pytest.mark.parametrize(("text", "chosen"), [
    (None, ALL), ("2.7.1,3.12.2", ["2.7.1", "3.12.2"]), (" 4.14.1 , 2.0.0", ["2.0.0", "4.14.1"]),
    (">=3,<4", ["3.0.0", "3.12.2"]), ("~=2.7", ["2.7.1"]),
])
def test_releases_by_list_or_range(text: str | None, chosen: list[str]) -> None:
    assert [str(v) for v in select_releases(releases_of(INDEX), text)] == chosen


@pytest.mark.parametrize(("text", "says"), [
    ("2.7.2", "2.7.2 is not a release"), ("two", "'two' is not a version"), (">=9", "matches no blosc2 release"),
    (">=>3", "not a version range"), ("3.1.0", "3.1.0 is not a release"),
])
def test_bad_releases_are_refused(text: str, says: str) -> None:
    with pytest.raises(HistoryError, match=says):
        select_releases(releases_of(INDEX), text)


def test_spans_and_the_bisection_order() -> None:
    rel = ["a", "b", "c", "d", "e"]
    assert spans([True, True, False, True, False], rel) == [("a", "b", 2), ("d", "d", 1)]
    assert spans([False] * 5, rel) == []
    for n in range(30):
        items = [str(i) for i in range(n)]
        assert sorted(spread(items)) == sorted(items)
    assert spread(rel)[:3] == ["a", "e", "c"]


def _run(release: str, outcomes: dict[str, str]) -> ReleaseRun:
    report = {"clauses": [{"id": c, "level": "MUST", "title": c} for c in outcomes],
              "results": [{"clause": c, "adapter": "blosc2", "outcome": o, "message": f"{c} {o} in {release}\nmore"}
                          for c, o in outcomes.items()]}
    return ReleaseRun(release, "ran", numpy="1.26.4", report=report)


def test_the_timeline_names_each_divergence_by_its_first_and_last_release() -> None:
    runs = [_run("2.0.0", {"A": "fail", "B": "pass", "C": "n/a"}), _run("2.7.1", {"A": "fail", "B": "crash", "C": "pass"}),
            ReleaseRun("3.0.0", "not installed", "no wheel for cp311"),
            _run("3.12.2", {"A": "pass", "B": "pass", "C": "pass"}), _run("4.14.1", {"A": "hang", "B": "pass", "C": "pass"})]
    data = timeline(runs, Key("f" * 64, "0.1.0", "dev", (), 120.0))
    clauses = {c["clause"]: c for c in data["clauses"]}
    assert clauses["A"]["divergences"] == [
        {"first": "2.0.0", "last": "2.7.1", "releases": 2, "message": "A fail in 2.0.0"},
        {"first": "4.14.1", "last": "4.14.1", "releases": 1, "message": "A hang in 4.14.1"}]
    assert clauses["A"]["passes"] == [{"first": "3.12.2", "last": "3.12.2", "releases": 1}]
    assert [(d["first"], d["last"]) for d in clauses["B"]["divergences"]] == [("2.7.1", "2.7.1")]
    assert clauses["C"]["divergences"] == []  # n/a is not a divergence
    assert "3.0.0" not in clauses["A"]["outcomes"]
    md = render_markdown(data)
    assert "| `A` | MUST | 2.0.0 – 2.7.1 (2), 4.14.1 | 3.12.2 | A fail in 2.0.0 |" in md
    assert "| 3.0.0 | – | **not installed**: no wheel for cp311 |" in md
    assert "Every other clause (1) passes" in md and "`C`" in md
    assert "4 of 5 blosc2 releases" in md


def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "index.json").write_text(json.dumps(INDEX), encoding="utf-8")  # a fresh cached listing
    for args, says in ((["--releases", "9.9.9"], "9.9.9 is not a release"), (["--shard", "3/2"], "--shard '3/2'"),
                       (["--releases", "<<"], "not a version range")):
        assert main(["history", "--cache", str(tmp_path), "--out", str(tmp_path / "out"), *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and says in err, err
    assert not (tmp_path / "out").exists()


def test_no_run_writes_the_timeline_of_the_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "index.json").write_text(json.dumps(INDEX), encoding="utf-8")
    assert main(["history", "--cache", str(tmp_path), "--out", str(tmp_path / "out"), "--no-run",
                 "--releases", "2.7.1,4.14.1"]) == 0
    data = json.loads((tmp_path / "out" / "history.json").read_text())
    assert [(r["release"], r["status"]) for r in data["releases"]] == [("2.7.1", "not run"), ("4.14.1", "not run")]
    assert (tmp_path / "out" / "history.md").exists() and (tmp_path / "out" / "history.html").exists()


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_args(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``--wheel`` with a wheel of this checkout where the harness is installed from a wheel (tox); from a source
    tree, nothing: the history builds one itself."""
    pytest.importorskip("uv")
    from udcodec.history import project_root

    if project_root() is not None:
        return []
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "uv", "build", "--wheel", "--out-dir", str(out), str(REPO)],
                           capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stderr
    return ["--wheel", str(next(out.glob("*.whl")))]


def _history(cache: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "udcodec.cli", "history", "--cache", str(cache), "--out", str(out),
                           "--releases", "2.7.1,4.14.1", "-j", "2", "--only", "REG-ID-*", "--only", "REG-NAME-TYPE",
                           *extra], capture_output=True, text=True, timeout=1800, check=False)


@pytest.mark.slow
def test_two_releases_for_real_then_from_the_cache(tmp_path: Path, wheel_args: list[str]) -> None:
    cache, out = tmp_path / "cache", tmp_path / "out"
    first = _history(cache, out, *wheel_args)
    assert first.returncode == 0, first.stderr
    assert "2 release(s); 0 cached, 2 to run" in first.stderr
    data: dict[str, Any] = json.loads((out / "history.json").read_text())
    assert [(r["release"], r["status"]) for r in data["releases"]] == [("2.7.1", "ran"), ("4.14.1", "ran")]
    assert all(Version(r["numpy"]) for r in data["releases"])  # the NumPy each release ran with
    clauses = {c["clause"]: c for c in data["clauses"]}
    assert set(clauses) == {"REG-ID-RANGE", "REG-ID-OUT-OF-RANGE", "REG-ID-TYPE", "REG-ID-INTEGER-LIKE",
                            "REG-ID-DUPLICATE", "REG-ID-NONINTEGER-CLAIMS", "REG-NAME-TYPE"}
    # both lines accept a float id (adapters/expectations/blosc2.yaml): one divergence over both releases
    assert clauses["REG-ID-TYPE"]["divergences"][0] | {"message": ""} == {
        "first": "2.7.1", "last": "4.14.1", "releases": 2, "message": ""}
    assert clauses["REG-ID-RANGE"]["outcomes"] == {"2.7.1": "pass", "4.14.1": "pass"}
    assert "REG-ID-TYPE" in (out / "history.md").read_text()
    again = _history(cache, tmp_path / "again", *wheel_args)
    assert again.returncode == 0 and "2 release(s); 2 cached, 0 to run" in again.stderr, again.stderr
    assert json.loads((tmp_path / "again" / "history.json").read_text())["clauses"] == data["clauses"]


def test_the_workflow_runs_every_shard_then_the_timeline() -> None:
    import yaml

    flow = yaml.safe_load((Path(__file__).parents[2] / ".github" / "workflows" / "history.yml").read_text())
    count = int(flow["env"]["SHARDS"])
    shard, timeline_job = flow["jobs"]["shard"], flow["jobs"]["timeline"]
    assert shard["strategy"]["matrix"]["shard"] == list(range(1, count + 1))
    runs = [step.get("run", "") for step in shard["steps"]]
    assert any("udcodec history --shard ${{ matrix.shard }}/${{ env.SHARDS }}" in run for run in runs)
    assert timeline_job["needs"] == "shard"
    assert any(run.startswith("udcodec history --no-run") for run in (s.get("run", "") for s in timeline_job["steps"]))


def test_a_release_the_harness_cannot_run_is_reported_and_tried_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from udcodec import history

    def vanished(self: Any, release: str, venvs: Path) -> ReleaseRun:
        raise FileNotFoundError(2, "No such file or directory", f"/gone/blosc2-{release}/bin/python")

    monkeypatch.setattr(history.Workshop, "run_release", vanished)
    monkeypatch.setattr(history, "find_uv", lambda: "uv")  # never run: no release gets that far
    (tmp_path / "index.json").write_text(json.dumps(INDEX), encoding="utf-8")
    (tmp_path / "harness.whl").write_bytes(b"never installed")  # its digest keys the cache
    args = ["history", "--cache", str(tmp_path), "--out", str(tmp_path / "out"), "--releases", "2.7.1,4.14.1",
            "--wheel", str(tmp_path / "harness.whl")]
    main(args)
    data = json.loads((tmp_path / "out" / "history.json").read_text())
    assert [(r["release"], r["status"]) for r in data["releases"]] == [("2.7.1", "run failed"), ("4.14.1", "run failed")]
    assert "FileNotFoundError" in capsys.readouterr().err
    main(args)
    assert "0 cached, 2 to run" in capsys.readouterr().err


def test_the_cache_is_keyed_by_the_harness_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A check changed under the same spec is run again: the key holds a digest of the harness's code."""
    from udcodec.history import harness_id

    wheel = tmp_path / "harness.whl"
    wheel.write_bytes(b"one build")
    first = harness_id(str(wheel))
    wheel.write_bytes(b"another build")
    assert first != harness_id(str(wheel)) and first.startswith("0.") and harness_id() == harness_id()
    assert main(["history", "--cache", str(tmp_path), "--wheel", str(tmp_path / "missing.whl"), "--no-run"]) == 2
    assert capsys.readouterr().err.strip().startswith("udcodec history: --wheel ")


@pytest.mark.slow
def test_sigterm_stops_every_release_run_and_exits_130(tmp_path: Path, wheel_args: list[str]) -> None:
    """Stopped while it runs releases, the history stops each ``udcodec run`` with all it started, says how far it
    got, caches nothing half done and exits 130."""
    cache = tmp_path / "cache"
    cmd = [sys.executable, "-m", "udcodec.cli", "history", "--cache", str(cache), "--out", str(tmp_path / "out"),
           "--releases", "2.7.1,4.14.1", "-j", "2", "--keep-venvs", "--only", "THREAD-CHUNK-DOOR", *wheel_args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: proc.poll() is not None or naming(str(cache / "venvs"), "/bin/udcodec run"), 600)
    assert proc.poll() is None, "the history ended before any release ran"
    proc.terminate()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted after 0 of 2 releases" in err
    assert not list(cache.glob("results/*.json")), "a release stopped half way was cached"
    time.sleep(1)
    leftover = naming(str(tmp_path), zombies=True)
    assert leftover == [], f"processes outlived the history: {leftover}"
