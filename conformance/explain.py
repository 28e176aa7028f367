"""``udcodec list`` and ``udcodec explain``: the clauses of the contract, and where each is checked."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import Any

from udcodec.contract import add_spec_option, contract_or_exit
from udcodec.versions import VERSIONED_IMPLEMENTATION


def add_parsers(sub: Any) -> None:
    lst = sub.add_parser("list", help="list clauses, their levels and checks")
    add_spec_option(lst)
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(handler=cmd_list)
    explain = sub.add_parser("explain", help="show one clause: source text, checks and their parameters")
    explain.add_argument("clause")
    add_spec_option(explain)
    explain.set_defaults(handler=cmd_explain)


def cmd_list(args: argparse.Namespace) -> int:
    """List the clauses; the contract is validated against the checks first (an unknown check exits 2)."""

    contract = contract_or_exit(args.spec)
    problems = 0
    rows: list[dict[str, Any]] = []
    for clause in contract:
        names = [c.name for c in clause.checks]
        flag = "" if names else "NO CHECK"
        problems += bool(flag)
        rows.append({"id": clause.id, "level": clause.level, "subject": clause.subject, "family": clause.family,
                     "title": clause.title, "checks": names, "problem": flag or None, "where": f"{clause.file}:{clause.line}"})
    if args.json:
        print(json.dumps({"spec_version": contract.version, "spec_sha256": contract.sha256, "clauses": rows}, indent=2))
    else:
        width = max(len(r["id"]) for r in rows)
        for r in rows:
            checks = ", ".join(r["checks"]) or "-"
            print(f"{r['id']:<{width}}  {r['level']:<6}  {r['subject']:<5}  {checks}{'  <-- ' + r['problem'] if r['problem'] else ''}")
        print(f"\n{len(rows)} clauses, spec {contract.version} (sha256 {contract.sha256[:12]}); {problems} without a working check")
    return 1 if problems else 0


def cmd_explain(args: argparse.Namespace) -> int:
    from udcodec.adapters.loader import BUILTIN, expectations_path
    from udcodec.checks import CHECKS
    from udcodec.expectations.model import load_expectations

    contract = contract_or_exit(args.spec)
    try:
        clause = contract.get(args.clause)
    except KeyError:
        print(f"udcodec: no clause {args.clause!r}; `udcodec list` shows them", file=sys.stderr)
        return 2
    print(f"{clause.id} ({clause.level}, {clause.subject}, family {clause.family})")
    print(f"  {clause.title}")
    print(f"  specified at {clause.file}:{clause.line}")
    if clause.versions:
        print(f"  applies to {VERSIONED_IMPLEMENTATION} {clause.versions}")
    if clause.python_api:
        print(f"  Python API only ({clause.python_api}): n/a on an adapter that drives a C API")
    if clause.calls:
        print(f"  calls: {clause.calls}")
    print("  source:")
    print(textwrap.indent(textwrap.fill(clause.source, 96), "    "))
    for ref in clause.checks:
        definition = CHECKS[ref.name]
        print(f"  check {ref.name} -> {definition.fn.__module__}.{definition.fn.__name__}")
        if definition.doc:
            print(f"    {definition.doc}")
        if definition.requires:
            print(f"    requires: {', '.join(sorted(definition.requires))}")
        for key, value in ref.params.items():
            print(f"    {key}: {value!r}")
        for key, declaration in definition.params.items():
            if key not in ref.params and not declaration.required:
                print(f"    {key}: {declaration.default!r} (default)")
    for name in BUILTIN:
        path = expectations_path(name)
        entry = next((e for e in load_expectations(path).entries if e.clause == clause.id), None) if path else None
        if entry is not None:
            print(f"  expected to fail on {name} ({path}:{entry.line}): {entry.reason}")
    return 0
