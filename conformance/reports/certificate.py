"""Conformance certificates: the level one implementation reached against one spec, and whether it holds.

A certificate is a small JSON file (schema: ``udcodec/schemas/certificate.schema.json``) written by
``udcodec run --certificate PATH``, one per adapter. It states the spec version and sha256, the
harness version, the implementation and its version, Python, platform, profile, the date and the
level reached:

* ``full``: every clause of the spec (for the subject, ``host``) passes;
* ``core``: every MUST clause passes;
* ``none``: otherwise, or the adapter could not be loaded.

"Passes" means the outcome ``pass`` or ``xpass``, or ``n/a``: the clause does not apply to the
implementation (its ``versions`` range excludes it, the check said so, or a pairwise clause had no
peer). Everything else counts against the level: an ``xfail`` is a failing clause that was merely
expected, a ``skip`` for a missing capability is a clause not shown to hold, and a clause left out
with ``--only``/``--skip`` was not run.

Each clause is recorded with its level, its outcome and a digest of what defines it (level,
subject, source, checks and their parameters, versions), so ``udcodec verify`` can say precisely
what changed in a newer spec and whether the clauses the level rests on are among the changes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from udcodec import __version__
from udcodec.contract import Clause, Contract, add_spec_option, contract_or_exit
from udcodec.outcomes import CheckResult, Outcome
from udcodec.reports.atomic import write_atomic
from udcodec.reports.badge import write_badge
from udcodec.reports.bounds import printable
from udcodec.reports.json_report import load_named_schema, schema_errors
from udcodec.reports.model import RunRecord, count_outcomes, format_timestamp

CERTIFICATE_VERSION = "1"
SCHEMA_FILE = "certificate.schema.json"
LEVEL_ORDER: tuple[str, ...] = ("none", "core", "full")
MUST_LEVELS = frozenset({"MUST", "MUST NOT"})
PASS = Outcome.PASS.value  # the status of a clause that passed, or passed against an expectation (xpass)
NOT_APPLICABLE = Outcome.NOT_APPLICABLE.value
NOT_RUN = "not run"
#: Per-clause statuses that count as holding.
HOLDING = frozenset({PASS, NOT_APPLICABLE})


class CertificateError(ValueError):
    """A malformed or inconsistent certificate (the message names the file and the field)."""


def clause_digest(clause: Clause) -> str:
    """16 hex digits identifying what a clause demands (its title and timeout are left out)."""
    data = {
        "id": clause.id,
        "level": clause.level,
        "subject": clause.subject,
        "source": clause.source,
        "checks": [{"check": c.name, "params": dict(c.params)} for c in clause.checks],
        "versions": clause.versions,
    }
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def clause_status(result: CheckResult | None) -> str:
    """``pass`` (for ``xpass`` too), ``not run``, or the outcome itself (``n/a`` holds, the others do not)."""
    if result is None:
        return NOT_RUN
    outcome = Outcome(result.outcome)
    if outcome is Outcome.XPASS:
        return PASS
    return outcome.value


def level_of(clauses: dict[str, dict[str, str]], loaded: bool = True) -> str:
    """The level reached given ``{id: {"level": ..., "status": ...}}``."""
    if not loaded or not clauses:
        return "none"
    if all(c["status"] in HOLDING for c in clauses.values()):
        return "full"
    if all(c["status"] in HOLDING for c in clauses.values() if c["level"] in MUST_LEVELS):
        return "core"
    return "none"


def build_certificate(
    record: RunRecord, adapter: str, contract: Contract, subject: str = "host"
) -> dict[str, Any]:
    """The certificate of ``adapter`` (a key of ``record``) against ``contract``'s ``subject`` clauses."""
    run = next((a for a in record.adapters if a.key == adapter), None)
    if run is None:
        raise KeyError(f"no adapter {adapter!r} in the run")
    results = {r.clause: r for r in record.results_for(adapter)}
    clauses = {
        c.id: {"level": c.level, "digest": clause_digest(c), "status": clause_status(results.get(c.id))}
        for c in contract
        if c.subject == subject
    }
    statuses = [c["status"] for c in clauses.values()]
    codec = {"codec": record.codec} if subject == "codec" and record.codec is not None else {}
    return {
        "certificate_version": CERTIFICATE_VERSION,
        "spec": {"version": contract.version, "sha256": contract.sha256, "subject": subject},
        **codec,  # a codec run certifies the codec (on the host named under "implementation")
        "harness": {"version": record.harness_version},
        "implementation": {
            "adapter": run.key,
            "spec": run.spec,
            "name": run.implementation,
            "version": run.version,
            "load_error": run.load_error,
        },
        "python": run.python,
        "platform": run.platform,
        "profile": record.profile,
        "date": format_timestamp(record.finished),
        "level": level_of(clauses, loaded=run.load_error is None),
        "counts": {
            **count_outcomes(results[c] for c in clauses if c in results),
            NOT_RUN: statuses.count(NOT_RUN),
        },
        "clauses": clauses,
    }


def certificate_paths(path: str | Path, adapters: list[str]) -> dict[str, Path]:
    """Where each adapter's certificate goes: ``PATH`` itself for one adapter, else ``{adapter}``
    replaced in PATH, else ``-<adapter>`` inserted before the suffix (``cert.json`` ->
    ``cert-blosc2.json``). Adapter names are reduced to ``[A-Za-z0-9._-]``."""
    path = Path(path)
    safe = {a: re.sub(r"[^A-Za-z0-9._-]+", "_", a) for a in adapters}
    if "{adapter}" in str(path):
        return {a: Path(str(path).replace("{adapter}", safe[a])) for a in adapters}
    if len(adapters) == 1:
        return {adapters[0]: path}
    return {a: path.with_name(f"{path.stem}-{safe[a]}{path.suffix}") for a in adapters}


def write_certificates(
    record: RunRecord, contract: Contract, path: str | Path, subject: str = "host"
) -> list[Path]:
    """One certificate per adapter of ``record`` (see :func:`certificate_paths`); return the paths."""
    targets = certificate_paths(path, record.adapter_keys())
    return [write_certificate(record, contract, adapter, target, subject) for adapter, target in targets.items()]


def write_certificate(record: RunRecord, contract: Contract, adapter: str, target: Path, subject: str = "host") -> Path:
    """``adapter``'s certificate, checked, written atomically to ``target``; return ``target``."""
    data = build_certificate(record, adapter, contract, subject)
    check_certificate(data, str(target))
    return write_atomic(target, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def check_certificate(data: Any, name: str = "<certificate>") -> None:
    """Raise :class:`CertificateError` if ``data`` breaks the schema or claims a level it did not reach."""
    errors = schema_errors(data, load_named_schema(SCHEMA_FILE))
    if errors:
        where, problem = errors[0]
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise CertificateError(f"{name}: not a valid udcodec certificate: {where}: {problem}{more}")
    loaded = data["implementation"]["load_error"] is None
    reached = level_of(data["clauses"], loaded)
    if data["level"] != reached:
        raise CertificateError(
            f"{name}: $.level: claims {data['level']!r} but its clauses reach {reached!r}"
        )
    statuses = [c["status"] for c in data["clauses"].values()]
    counts = data["counts"]
    tallied = {**{key: statuses.count(key) for key in counts if key not in (PASS, Outcome.XPASS.value)},
               PASS: statuses.count(PASS)}  # an xpass is a clause of status pass
    stated = {**{key: counts[key] for key in counts if key not in (PASS, Outcome.XPASS.value)},
              PASS: counts.get(PASS, 0) + counts.get(Outcome.XPASS.value, 0)}
    wrong = [key for key in tallied if tallied[key] != stated[key]]
    if wrong:
        raise CertificateError(f"{name}: $.counts.{wrong[0]}: says {stated[wrong[0]]}, but "
                               f"{tallied[wrong[0]]} of its clauses have that status")


def load_certificate(path: str | Path) -> dict[str, Any]:
    """Read and check a certificate file; raise :class:`CertificateError` if it is malformed."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CertificateError(f"{path}: cannot be read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise CertificateError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from exc
    check_certificate(data, str(path))
    result: dict[str, Any] = data
    return result


@dataclass
class Verification:
    """What :func:`verify` found: whether the claimed level holds, and why."""

    holds: bool
    lines: list[str] = field(default_factory=list)


def _spec_changes(cert: dict[str, Any], current: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    old = cert["clauses"]
    return {
        "added": [c for c in current if c not in old],
        "removed": [c for c in old if c not in current],
        "changed": [c for c in current if c in old and old[c]["digest"] != current[c]["digest"]],
    }


def _shortfall(cert: dict[str, Any]) -> list[str]:
    """What keeps the certificate from the next level, e.g. ``MUST clauses not holding: X (xfail)``."""
    level, load_error = cert["level"], cert["implementation"]["load_error"]
    if level == "full":
        return []
    if load_error:
        return [f"  the adapter was not loaded: {load_error}"]
    short = [(cid, c) for cid, c in cert["clauses"].items()
             if c["status"] not in HOLDING and (level == "core" or c["level"] in MUST_LEVELS)]
    short.sort(key=lambda item: item[1]["status"] == NOT_RUN)  # what failed first, what was left out last
    missing = [f"{cid} ({c['status']})" for cid, c in short]
    kind = "SHOULD clauses" if level == "core" else "MUST clauses"
    more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
    return [f"  {kind} not holding: {', '.join(missing[:10])}{more}"]


def verify(cert: dict[str, Any], contract: Contract) -> Verification:
    """Whether ``cert`` (checked already) still holds against ``contract``."""
    impl = cert["implementation"]
    who = " ".join(x for x in (impl["name"] or impl["adapter"], impl["version"]) if x)
    if cert.get("codec"):
        who = f"codec {cert['codec']['name']!r} (id {cert['codec']['id']}) on {who}"
    level = cert["level"]
    spec = cert["spec"]
    head = (f"certificate: {who}, level {level}, spec {spec['version']} "
            f"(sha256 {spec['sha256'][:12]}), issued {cert['date']}")
    out = Verification(True, [head, *_shortfall(cert)])
    subject = spec["subject"]
    current = {c.id: {"level": c.level, "digest": clause_digest(c)} for c in contract if c.subject == subject}
    if cert["harness"]["version"] != __version__:
        out.lines.append(f"note: issued by harness {cert['harness']['version']}, this is {__version__};"
                         " its checks may differ")
    if spec["sha256"] == contract.sha256:
        # A certificate of this spec lists its every clause, each with the digest of what defines it: one that
        # does not was edited (or made by another tool), and its level cannot be read from it.
        edited = {kind: ids for kind, ids in _spec_changes(cert, current).items() if ids}
        if edited:
            out.holds = False
            said = {"added": "not listed", "removed": "not in the spec", "changed": "digest differs"}
            out.lines.append("does not hold: it names this spec's sha256 but not its clauses (" + "; ".join(
                f"{said[kind]}: {', '.join(ids[:10])}{' ...' if len(ids) > 10 else ''}" for kind, ids in edited.items())
                + "); re-run `udcodec run --certificate` to re-certify")
            return out
        out.lines.append(f"holds: the spec is unchanged ({contract.version}, sha256 {contract.sha256[:12]})")
        return out
    out.lines.append(f"the spec differs: now {contract.version} (sha256 {contract.sha256[:12]})"
                     + (f", was {spec['version']}" if spec["version"] != contract.version else ""))
    changes = _spec_changes(cert, current)
    for kind, ids in changes.items():
        if ids:
            out.lines.append(f"  clauses {kind}: {', '.join(ids)}")
    if not any(changes.values()):
        out.lines.append(f"  no {subject} clause changed (ids, levels, sources, checks, parameters)")
    if level == "none":
        out.lines.append("holds: it claims no level")
        return out
    needed = [c for c, v in current.items() if level == "full" or v["level"] in MUST_LEVELS]
    touched = [c for c in needed if c in changes["added"] or c in changes["changed"]]
    if touched:
        out.holds = False
        out.lines.append(f"does not hold: level {level} rests on clauses that are new or changed: "
                         f"{', '.join(touched)}; re-run `udcodec run --certificate` to re-certify")
    else:
        out.lines.append(f"holds: no clause that level {level} rests on was added or changed")
    return out


def add_parser(sub: Any) -> argparse.ArgumentParser:
    verify_ = sub.add_parser("verify", help="check that a conformance certificate still holds for the spec")
    verify_.add_argument("certificate", metavar="CERT")
    verify_.add_argument("--badge", metavar="OUT.svg",
                         help="write an SVG badge of the level that holds (none when the certificate does not)")
    add_spec_option(verify_)
    verify_.set_defaults(handler=cmd_verify)
    return verify_


def cmd_verify(args: argparse.Namespace) -> int:
    """``udcodec verify CERT``: 0 the certificate holds, 1 it does not, 2 a malformed certificate or spec."""
    try:
        certificate = load_certificate(args.certificate)
    except CertificateError as exc:
        print(f"udcodec: malformed certificate: {exc}", file=sys.stderr)
        return 2
    found = verify(certificate, contract_or_exit(args.spec))
    print(printable("\n".join(found.lines)))  # names in it are the certificate's: no control sequence reaches the terminal
    if args.badge:
        level = certificate["level"] if found.holds else "none"
        try:
            written = write_badge(level, args.badge)
        except OSError as exc:
            print(f"udcodec: could not write the badge {args.badge}: {exc}", file=sys.stderr)
            return 2
        print(f"badge ({level}) written to {written}")
    return 0 if found.holds else 1
