"""``--shard K/N``: a deterministic partition of the clauses; a sharded run merged is the unsharded run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from udcodec.contract import load_contract
from udcodec.shard import Shard, parse_shard
from udcodec_cli import ACCEPTS256, Udcodec, read_report


@pytest.mark.parametrize("count", [1, 2, 3, 7, 60])
def test_every_clause_lands_in_exactly_one_shard(count: int) -> None:
    ids = load_contract().ids()
    shards = [Shard(k, count).pick(reversed(ids)) for k in range(1, count + 1)]
    assert sorted(i for share in shards for i in share) == sorted(ids)
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    assert shards == [Shard(k, count).pick(ids) for k in range(1, count + 1)]  # order of the input is irrelevant


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "x", "1/", "/3", "-1/3", "1/3/4", "1.5/3", ""])
def test_bad_shards_are_one_line(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    from udcodec.cli import main

    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)
    for command in (["run", "--adapter", "reference"], ["check-codec", "--encoder", "udcodec.examples.rle:encoder",
                                                         "--decoder", "udcodec.examples.rle:decoder"]):
        assert main([*command, f"--shard={text}"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--shard" in err, err


def _untimed(path: Path) -> dict[str, object]:
    data = read_report(path)
    for key in ("started", "finished", "duration", "command"):
        data.pop(key)
    for result in data["results"]:
        result.pop("duration")
        for pair in result["extra"].get("pairs", []):  # a pairwise clause times each peer
            pair.pop("duration")
    return data


@pytest.mark.slow
def test_three_shards_merged_are_the_unsharded_run(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    args = ["run", "--adapter", "reference", "--adapter", ACCEPTS256, "--profile", "dev", "--only", "REG-*",
            "--only", "RT-CHUNKS", "--only", "INTEROP-CHUNK-*"]
    whole = udcodec_cli(*args, "--report-json", "whole.json", "--report-markdown", "whole.md")
    assert whole.returncode == 1, whole.stderr  # accepts256 fails REG-ID-OUT-OF-RANGE
    shards = []
    for k in (1, 2, 3):
        proc = udcodec_cli(*args, "--shard", f"{k}/3", "--report-json", f"shard{k}.json")
        assert proc.returncode in (0, 1), proc.stderr
        data = read_report(tmp_path / f"shard{k}.json")
        assert data["shard"] == {"index": k, "count": 3} and data["results"]
        shards.append(f"shard{k}.json")
    merged = udcodec_cli("merge", *shards, "--report-json", "merged.json", "--report-markdown", "merged.md",
                         "--report-junit", "merged.xml", "--report-html", "merged.html",
                         "--certificate", "merged.cert.json")
    assert merged.returncode == 1, merged.stderr  # the unsharded run's exit status
    assert _untimed(tmp_path / "merged.json") == _untimed(tmp_path / "whole.json")
    command = json.loads((tmp_path / "merged.json").read_text())["command"]
    assert "--shard" not in command and command[:len(args) + 1] == ["udcodec", *args]

    def md(name: str) -> str:
        return re.sub(r"\d+\.\d s", "", (tmp_path / name).read_text("utf-8"))
    assert md("merged.md") == md("whole.md")
    assert (tmp_path / "merged.xml").exists() and (tmp_path / "merged.html").exists()
    certs = sorted(p.name for p in tmp_path.glob("merged.cert-*.json"))
    assert len(certs) == 2


@pytest.mark.slow
def test_a_shard_beyond_the_clauses_is_empty_not_a_failure(udcodec_cli: Udcodec, tmp_path: Path) -> None:
    proc = udcodec_cli("run", "--adapter", "reference", "--profile", "dev", "--only", "REG-ID-RANGE",
                       "--shard", "2/2", "--report-json", "empty.json")
    assert proc.returncode == 0, proc.stderr
    data = read_report(tmp_path / "empty.json")
    assert data["results"] == [] and data["shard"] == {"index": 2, "count": 2} and len(data["clauses"]) == 1
