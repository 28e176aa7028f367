"""Shard records of one run (``--shard K/N``) merged into the record of the whole run.

The merged record is the one an unsharded run writes, timings aside: results sorted by (clause,
adapter), the clause catalogue and adapters of the shards (which must agree), ``started``/``finished``
spanning the shards, the first shard's command without ``--shard``, and its exit status recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple

from udcodec.reports.causes import settle_explained
from udcodec.reports.model import RunRecord, StaleExpectation


class MergeError(ValueError):
    """Records that are not the complete set of shards of one run (one line)."""


def _same_run_key(record: RunRecord) -> dict[str, object]:
    """What every shard of one run shares (machine-specific fields aside)."""
    return {
        "spec sha256": record.spec_sha256,
        "harness version": record.harness_version,
        "profile": record.profile,
        "strict": record.strict,
        "adapters": [(a.spec, a.name, a.implementation, a.version, a.load_error) for a in record.adapters],
        "clause catalogue": [c.to_json() for c in record.clauses],
        "codec": {k: v for k, v in (record.codec or {}).items() if k not in ("throughput", "budget")},
    }


def _without_shard(command: Sequence[str]) -> list[str]:
    out, skip = [], False
    for arg in command:
        if skip:
            skip = False
        elif arg == "--shard":
            skip = True
        elif not arg.startswith("--shard="):
            out.append(arg)
    return out


def _stale_order(record: RunRecord, stale: list[StaleExpectation]) -> list[StaleExpectation]:
    order = {key: i for i, key in enumerate(record.adapter_keys())}
    unique = list({astuple(s): s for s in stale}.values())
    return sorted(unique, key=lambda s: (order.get(s.adapter, len(order)), s.clause, s.why_stale))


def merge_records(named: Sequence[tuple[str, RunRecord]]) -> RunRecord:
    """The record of the whole run from its shards' records ``(source, record)``; :class:`MergeError` if they
    are not exactly the shards 1..N of one run."""
    if not named:
        raise MergeError("no shard report given")
    by_index: dict[int, str] = {}
    count: int | None = None
    first_source, first = named[0]
    for source, record in named:
        if record.shard is None:
            raise MergeError(f"{source}: not a shard's report (its run had no --shard K/N)")
        index, n = record.shard["index"], record.shard["count"]
        if count is None:
            count = n
        elif n != count:
            raise MergeError(f"{source} is shard {index}/{n}, {first_source} one of {count}: shards of one run only")
        if index in by_index:
            raise MergeError(f"shard {index}/{n} given twice: {by_index[index]} and {source}")
        by_index[index] = source
        for what, value in _same_run_key(record).items():
            if value != _same_run_key(first)[what]:
                raise MergeError(f"{source}: its {what} differs from {first_source}'s: shards of one run only")
    assert count is not None
    missing = [str(i) for i in range(1, count + 1) if i not in by_index]
    if missing:
        raise MergeError(f"shard(s) {', '.join(missing)} of {count} missing")
    seen: dict[tuple[str, str], str] = {}
    results = []
    for source, record in named:
        for result in record.results:
            key = (result.clause, result.adapter)
            if key in seen:
                raise MergeError(f"{result.clause}[{result.adapter}] is in both {seen[key]} and {source}")
            seen[key] = source
            results.append(result)
    settle_explained(results)  # a shard's failure may be explained by another shard's
    records = [record for _, record in named]
    interrupted = any(r.interrupted for r in records)
    stale = _stale_order(first, [s for r in records for s in r.stale_expectations])
    codec = first.codec
    if codec is not None and "throughput" not in codec:
        codec = next((r.codec for r in records if r.codec and "throughput" in r.codec), codec)
    budgets = [r.codec["budget"] for r in records if r.codec and isinstance(r.codec.get("budget"), dict)]
    if codec is not None and budgets:  # each shard had the budget and measured the codec itself
        calls = [b["call_seconds"] for b in budgets if b.get("call_seconds") is not None]
        codec = {**codec, "budget": {"seconds": budgets[0]["seconds"], "call_seconds": max(calls) if calls else None,
                                     "lowered": sorted({c for b in budgets for c in b.get("lowered", [])})}}
    merged = RunRecord(
        spec_version=first.spec_version, spec_sha256=first.spec_sha256, harness_version=first.harness_version,
        profile=first.profile, started=min(r.started for r in records), finished=max(r.finished for r in records),
        command=_without_shard(next(r for r in records if r.shard and r.shard["index"] == 1).command),
        strict=first.strict, adapters=list(first.adapters),
        results=sorted(results, key=lambda r: (r.clause, r.adapter)), stale_expectations=stale,
        clauses=list(first.clauses), codec=codec, interrupted=interrupted,
    )
    if merged.strict and stale and not interrupted:
        merged.exit_status = 1
    return merged
