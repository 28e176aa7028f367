"""``udcodec merge`` over the shared record: shards of it merge back into it; sets that are not one run's shards are refused."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest
from udcodec.cli import main
from udcodec.reports import write_json
from udcodec.reports.merge import MergeError, merge_records
from udcodec.reports.model import RunRecord
from udcodec.shard import Shard


def shards_of(record: RunRecord, count: int) -> list[tuple[str, RunRecord]]:
    """``record`` cut into ``count`` shard records the way ``--shard K/N`` cuts a run."""
    ids = record.clause_ids()
    out = []
    for index in range(1, count + 1):
        mine = set(Shard(index, count).pick(ids))
        shard = dataclasses.replace(
            copy.deepcopy(record), results=[r for r in record.results if r.clause in mine],
            shard={"index": index, "count": count}, exit_status=None,
            command=[*record.command, "--shard", f"{index}/{count}"],
            stale_expectations=[s for s in record.stale_expectations if s.why_stale != "passed" or s.clause in mine],
            started=record.started + timedelta(seconds=index), finished=record.finished - timedelta(seconds=index))
        out.append((f"shard{index}.json", shard))
    return out


@pytest.fixture
def record(record: RunRecord) -> RunRecord:
    """The shared record in the order a run writes its results (by clause, then adapter)."""
    return dataclasses.replace(record, results=sorted(record.results, key=lambda r: (r.clause, r.adapter)))


@pytest.fixture
def strict_record(strict_record: RunRecord) -> RunRecord:
    return dataclasses.replace(strict_record, results=sorted(strict_record.results, key=lambda r: (r.clause, r.adapter)))


def untimed(record: RunRecord) -> dict[str, object]:
    data = record.to_json()
    for key in ("started", "finished", "duration"):
        data.pop(key)
    for result in data["results"]:
        result.pop("duration")
    return data


@pytest.mark.parametrize("count", [1, 2, 3, 9, 12])
def test_shards_merge_into_the_whole_record(record: RunRecord, count: int) -> None:
    shards = shards_of(record, count)
    assert sum(len(r.results) for _, r in shards) == len(record.results)  # each result in exactly one shard
    merged = merge_records(list(reversed(shards)))
    assert untimed(merged) == untimed(record)
    assert merged.shard is None and merged.exit_status == record.exit_status == 1
    assert merged.started == min(r.started for _, r in shards)
    for key in record.adapter_keys():  # a shard counts as not run only its own clauses with no result
        assert sum(r.not_run(key) for _, r in shards) == record.not_run(key)


def test_strict_shards_keep_the_stale_exit_status(strict_record: RunRecord) -> None:
    assert untimed(merge_records(shards_of(strict_record, 3))) == untimed(strict_record)


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s[:2], "shard(s) 3 of 3 missing"),
    (lambda s: [*s, s[0]], "shard 1/3 given twice: shard1.json and shard1.json"),
    (lambda s: [(n, dataclasses.replace(r, shard=None)) if n == "shard2.json" else (n, r) for n, r in s],
     "shard2.json: not a shard's report"),
    (lambda s: [(n, dataclasses.replace(r, spec_sha256="0" * 64)) if n == "shard3.json" else (n, r) for n, r in s],
     "shard3.json: its spec sha256 differs from shard1.json's"),
    (lambda s: [(n, dataclasses.replace(r, profile="dev")) if n == "shard2.json" else (n, r) for n, r in s],
     "shard2.json: its profile differs"),
    (lambda s: [(n, dataclasses.replace(r, adapters=r.adapters[:1])) if n == "shard2.json" else (n, r)
                for n, r in s], "shard2.json: its adapters differ"),
    (lambda s: [*s[:2], ("other.json", dataclasses.replace(s[2][1], shard={"index": 3, "count": 4}))],
     "other.json is shard 3/4, shard1.json one of 3"),
    (lambda s: [*s[:2], ("dup.json", dataclasses.replace(s[2][1], results=[*s[2][1].results, s[0][1].results[0]]))],
     "is in both shard1.json and dup.json"),
])
def test_what_is_not_one_runs_shards_is_refused(record: RunRecord, change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MergeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        merge_records(change(shards_of(record, 3)))


def test_udcodec_merge_writes_every_format(record: RunRecord, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(write_json(r, tmp_path / name)) for name, r in shards_of(record, 3)]
    out = {fmt: tmp_path / f"merged.{fmt}" for fmt in ("json", "xml", "md", "html")}
    code = main(["merge", *paths, "--report-json", str(out["json"]), "--report-junit", str(out["xml"]),
                 "--report-markdown", str(out["md"]), "--report-html", str(out["html"])])
    assert code == 1  # the record has unexpected results
    assert all(path.stat().st_size > 0 for path in out.values())
    assert json.loads(out["json"].read_text())["shard"] is None
    assert "(3 shards)" in capsys.readouterr().out


def test_udcodec_merge_refuses_in_one_line(record: RunRecord, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(write_json(r, tmp_path / name)) for name, r in shards_of(record, 3)]
    (tmp_path / "junk.json").write_text("{}", encoding="utf-8")
    for args, says in ((paths[:2], "shard(s) 3 of 3 missing"), ([*paths, str(tmp_path / "junk.json")], "junk.json"),
                       ([*paths, "--certificate", str(tmp_path / "c.json")], "--certificate: the shards ran spec")):
        assert main(["merge", *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and says in err, err
    assert not (tmp_path / "c.json").exists()


def test_budgeted_codec_shards_merge_their_budgets(record: RunRecord) -> None:
    """Each shard of a `check-codec --budget` run measured the codec and planned its own clauses: the merged
    record keeps the budget, the largest call cost and every lowered clause."""
    codec = {"name": "c", "id": 200, "encoder": "m:e", "decoder": "m:d", "plugin": False, "metas": [0], "version": 1}
    shards = shards_of(dataclasses.replace(record, codec=dict(codec)), 2)
    for index, (_, shard) in enumerate(shards):
        shard.codec = {**codec, "budget": {"seconds": 60.0, "call_seconds": 0.1 + index / 100,
                                           "lowered": [shard.results[0].clause]}}
    merged = merge_records(shards)
    assert merged.codec is not None and merged.codec["budget"] == {
        "seconds": 60.0, "call_seconds": 0.11, "lowered": sorted({s.results[0].clause for _, s in shards})}
