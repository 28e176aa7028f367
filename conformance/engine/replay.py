"""``udcodec replay``: re-run one failing example in this process: its verdict, with the traceback of what the
implementation raised (a wrong answer has none)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from udcodec.contract import add_spec_option, contract_or_exit


def add_parser(sub: Any) -> argparse.ArgumentParser:
    replay = sub.add_parser("replay", help="re-run one failing example in this process: its verdict, with the traceback of what "
                                               "the implementation raised")
    replay.add_argument("clause")
    replay.add_argument("--adapter", required=True, metavar="SPEC")
    replay.add_argument("--example", required=True, help="the JSON payload from a report's reproduction line")
    add_spec_option(replay)
    replay.set_defaults(handler=cmd_replay)
    return replay


def example_problem(payload: Any, nchecks: int) -> str | None:
    """Why ``payload`` is not a replayable example of a clause with ``nchecks`` checks, or None."""
    if not isinstance(payload, dict) or set(payload) != {"check", "property", "example"}:
        return 'expected an object {"check": I, "property": J, "example": ...}'
    check, prop = payload["check"], payload["property"]
    if not isinstance(check, int) or isinstance(check, bool) or not 0 <= check < nchecks:
        return f"check {check!r} is not one of the clause's {nchecks} check(s) (0..{nchecks - 1})"
    if not isinstance(prop, int) or isinstance(prop, bool) or prop < 0:
        return f"property {prop!r} is not a property index (0, 1, ...)"
    return None


def cmd_replay(args: argparse.Namespace) -> int:
    from udcodec.engine.runner import run_clause
    from udcodec.outcomes import Outcome
    from udcodec.profiles import get_profile

    contract = contract_or_exit(args.spec)
    try:
        clause = contract.get(args.clause)
        payload = json.loads(args.example)
    except KeyError:
        print(f"udcodec: no clause {args.clause!r}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"udcodec: --example is not JSON: {exc}", file=sys.stderr)
        return 2
    problem = example_problem(payload, len(clause.checks))
    if problem:
        print(f"udcodec: --example: {problem} (copy it from the report's reproduction line)", file=sys.stderr)
        return 2
    from udcodec.adapters.loader import AdapterLoadError, UnknownAdapter, check_adapter_spec

    try:
        check_adapter_spec(args.adapter)
        verdict = run_clause(args.adapter, clause, get_profile("dev"), replay=payload)
    except (UnknownAdapter, AdapterLoadError) as exc:
        print(f"udcodec: --adapter {args.adapter}: {exc.reason}", file=sys.stderr)
        return 2
    message = (verdict.message or "").strip()
    if verdict.outcome is Outcome.ERROR and "harness error" in message:  # not an example a report gave
        print(f"udcodec: --example: the check could not replay it ({message.splitlines()[0]}); copy it from the "
              "report's reproduction line", file=sys.stderr)
        return 2
    print(f"{clause.id}[{args.adapter}]: {verdict.outcome.value}")
    if verdict.message:
        print(verdict.message)
    return 0 if verdict.outcome is Outcome.PASS else 1
