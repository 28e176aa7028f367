"""``udcodec merge``: the JSON reports of a sharded run (``--shard K/N``) joined into the whole run's record,
written in every report format (and certificates) as an unsharded run writes them."""

from __future__ import annotations

import argparse
import sys
from types import SimpleNamespace
from typing import Any

from udcodec.contract import add_spec_option, contract_or_exit
from udcodec.engine.session import write_reports
from udcodec.reports.bounds import printable
from udcodec.reports.merge import MergeError, merge_records
from udcodec.reports.model import RunRecord


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("merge", help="merge the JSON reports of a sharded run into one record (every format)",
                       description="Exit 0 when the merged run is as expected, 1 when it is not, 2 when the files "
                                   "are not the complete set of shards of one run (one line).")
    p.add_argument("shards", nargs="+", metavar="SHARD.json", help="the JSON report of each shard (--shard K/N)")
    add_spec_option(p)
    p.add_argument("--report-json", metavar="PATH")
    p.add_argument("--report-junit", metavar="PATH")
    p.add_argument("--report-markdown", metavar="PATH")
    p.add_argument("--report-html", metavar="PATH")
    p.add_argument("--certificate", metavar="PATH",
                   help="a conformance certificate per adapter (needs the spec the shards ran: --spec)")
    p.set_defaults(handler=cmd_merge)
    return p


def _read(paths: list[str]) -> list[tuple[str, RunRecord]]:
    from udcodec.reports.matrix import load_reports

    records, problems = load_reports(paths)
    unreadable = [p for p in problems if "interrupted" not in p]
    if unreadable:
        raise MergeError(unreadable[0])
    return records


def cmd_merge(args: argparse.Namespace) -> int:
    try:
        merged = merge_records(_read(args.shards))
        contract = None
        if args.certificate:
            contract = contract_or_exit(args.spec)
            if contract.sha256 != merged.spec_sha256:
                raise MergeError(f"--certificate: the shards ran spec sha256 {merged.spec_sha_short}, "
                                 f"not {contract.sha256[:12]} (give the spec they ran with --spec)")
    except MergeError as exc:
        print(f"udcodec merge: {printable(str(exc))}", file=sys.stderr)
        return 2
    options = SimpleNamespace(udcodec_report_json=args.report_json, udcodec_report_junit=args.report_junit,
                              udcodec_report_markdown=args.report_markdown, udcodec_report_html=args.report_html,
                              udcodec_certificate=args.certificate)
    done = write_reports(merged, options, contract, "codec" if merged.codec else "host")
    for path in done.paths:
        print(f"udcodec merge: written {path}")
    counts = merged.totals()
    print("udcodec merge: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
          + f" ({len(args.shards)} shards)")
    return 1 if merged.exit_status or done.failures else 0
