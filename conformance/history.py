"""``udcodec history``: the host contract against every python-blosc2 release, one virtualenv each.

The releases come from PyPI's JSON API (the listing is cached for a day). Each release gets a virtualenv
made with ``uv``, ``blosc2==V`` from a binary wheel and this harness (a wheel built once), and one
``udcodec run --adapter blosc2 --no-expectations --report-json``. Releases run in parallel (``-j``).
Every outcome, a release that does not install included, is cached under ``--cache`` keyed by
(release, spec sha256, harness version and a digest of its code, profile, clause selection): a second run
only runs new releases, a changed spec or changed checks. ``--shard K/N`` runs every N-th release (a CI job matrix); a last job with
every shard's cache and ``--no-run`` writes the timeline.

The timeline (``history.json``, ``history.md``, ``history.html`` in ``--out``) gives, per clause, the
releases where it passes and where it does not, and each divergence (a run of consecutive releases
where it does not pass) by its first and last release.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from udcodec import __version__
from udcodec.contract import add_spec_option, contract_or_exit
from udcodec.engine import groups
from udcodec.engine.options import positive_seconds
from udcodec.profiles import PROFILES
from udcodec.shard import Shard, parse_shard

PACKAGE = "blosc2"
INDEX_URL = "https://pypi.org/pypi/{package}/json"
INDEX_MAX_AGE = 24 * 3600
#: The oldest release line the contract is checked on (register_codec exists from 2.0.0).
OLDEST = Version("2.0.0")
#: How a release's outcome on a clause is grouped in the timeline.
PASSING = {"pass", "xpass"}
NOT_CHECKED = {"n/a", "skip"}
#: Per-check timeout of the runs: several releases run at once, so the profile's own would be tight.
DEFAULT_TIMEOUT = 120.0
INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 3600
#: Layout of the cached per-release result and of history.json.
LAYOUT = "1"


class HistoryError(Exception):
    """Bad input or an unusable environment: one line, exit 2."""


class HistoryInterrupted(Exception):
    """Ctrl-C or SIGTERM: every release run stopped, the finished ones cached; one line, exit 130."""


# -- the releases --------------------------------------------------------------------------


def fetch_index(cache: Path, refresh: bool = False, url: str = INDEX_URL) -> dict[str, Any]:
    """PyPI's JSON listing of python-blosc2, from the cache when younger than a day (or when offline)."""
    path = cache / "index.json"
    fresh = path.exists() and time.time() - path.stat().st_mtime < INDEX_MAX_AGE
    if path.exists() and fresh and not refresh:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    try:
        with urllib.request.urlopen(url.format(package=PACKAGE), timeout=60) as response:  # noqa: S310
            data = json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        if path.exists():
            print(f"udcodec history: index not refreshed ({exc}); using the cached listing", file=sys.stderr)
            data = json.loads(path.read_text(encoding="utf-8"))
            return data
        raise HistoryError(f"cannot list {PACKAGE} releases from {url.format(package=PACKAGE)}: {exc}") from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"releases": {v: [{"yanked": f.get("yanked", False),
                                                  "filename": f.get("filename", "")} for f in files]
                                              for v, files in data.get("releases", {}).items()}}),
                    encoding="utf-8")
    return data


def releases_of(index: dict[str, Any]) -> list[Version]:
    """Final releases from 2.0.0 on that have files, not all yanked, oldest first."""
    out = []
    for text, files in index.get("releases", {}).items():
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if version.is_prerelease or version.is_devrelease or version < OLDEST:
            continue
        if files and not all(f.get("yanked", False) for f in files):
            out.append(version)
    return sorted(out)


def select_releases(available: list[Version], text: str | None) -> list[Version]:
    """``--releases``: a comma list (``2.7.1,3.12.2``) or a PEP 440 range (``>=3,<4``); None: all."""
    if not text:
        return available
    if any(ch in text for ch in "<>=!~"):
        try:
            spec = SpecifierSet(text)
        except InvalidSpecifier:
            raise HistoryError(f"--releases {text!r}: not a version range (e.g. '>=3,<4')") from None
        chosen = [v for v in available if v in spec]
        if not chosen:
            raise HistoryError(f"--releases {text!r}: matches no {PACKAGE} release from {OLDEST}")
        return chosen
    chosen = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            version = Version(item)
        except InvalidVersion:
            raise HistoryError(f"--releases: {item!r} is not a version") from None
        if version not in available:
            raise HistoryError(f"--releases: {PACKAGE} {item} is not a release from {OLDEST} on PyPI")
        chosen.append(version)
    return sorted(set(chosen))


# -- one release -------------------------------------------------------------------------


@dataclass
class Key:
    """What a cached result depends on."""

    spec_sha256: str
    harness: str
    profile: str
    only: tuple[str, ...] = ()
    timeout: float | None = None

    def digest(self, release: str) -> str:
        text = json.dumps([release, self.spec_sha256, self.harness, self.profile, list(self.only), self.timeout])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class ReleaseRun:
    """One release: installed and run (``report``), or why not (``problem``)."""

    release: str
    status: str  # "ran", "not installed", "run failed"
    problem: str | None = None
    numpy: str | None = None
    report: dict[str, Any] | None = None
    seconds: float = 0.0
    cached: bool = False

    def outcomes(self) -> dict[str, str]:
        """clause id -> outcome of this release's run."""
        if not self.report:
            return {}
        return {r["clause"]: r["outcome"] for r in self.report["results"] if r["adapter"] == PACKAGE}

    def to_json(self) -> dict[str, Any]:
        return {"layout": LAYOUT, "release": self.release, "status": self.status, "problem": self.problem,
                "numpy": self.numpy, "seconds": round(self.seconds, 1), "report": self.report}


def _tail(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:])[:400]


@dataclass
class Workshop:
    """The tools and the wheel every release's virtualenv is made from."""

    uv: str
    wheel: Path
    python: str = sys.executable
    spec: str | None = None
    profile: str = "dev"
    only: list[str] = field(default_factory=list)
    timeout: float | None = None
    keep_venvs: bool = False

    def _install(self, venv: Path, release: str, extra: Sequence[str]) -> subprocess.CompletedProcess[str]:
        return groups.run([self.uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
                           "--only-binary", PACKAGE, f"{PACKAGE}=={release}", str(self.wheel), *extra],
                          INSTALL_TIMEOUT)

    def _imports(self, venv: Path) -> subprocess.CompletedProcess[str]:
        return groups.run([str(venv / "bin" / "python"), "-c",
                           "import numpy, blosc2; print(numpy.__version__); blosc2.register_codec"], 120)

    def run_release(self, release: str, venvs: Path) -> ReleaseRun:
        """Install ``release`` in a fresh virtualenv and run the host contract on it."""
        started = time.monotonic()
        venv = venvs / f"{PACKAGE}-{release}"
        shutil.rmtree(venv, ignore_errors=True)
        try:
            made = groups.run([self.uv, "venv", "--quiet", "--python", self.python, str(venv)], INSTALL_TIMEOUT)
            if made.returncode:
                return ReleaseRun(release, "not installed", f"uv venv failed: {_tail(made.stderr)}")
            got = self._install(venv, release, [])
            if got.returncode:
                return ReleaseRun(release, "not installed", _tail(got.stderr), seconds=time.monotonic() - started)
            imported = self._imports(venv)
            if imported.returncode:  # built against NumPy 1.x: the newest NumPy 1 instead
                got = self._install(venv, release, ["numpy<2"])
                imported = self._imports(venv) if not got.returncode else got
                if imported.returncode:
                    return ReleaseRun(release, "not installed", f"does not import: {_tail(imported.stderr)}",
                                   seconds=time.monotonic() - started)
            numpy = imported.stdout.strip()
            report = venv / "report.json"
            cmd = [str(venv / "bin" / "udcodec"), "run", "--adapter", PACKAGE, "--no-expectations",
                   "--profile", self.profile, "--report-json", str(report)]
            cmd += ["--spec", self.spec] if self.spec else []
            cmd += ["--timeout", str(self.timeout)] if self.timeout else []
            for glob in self.only:
                cmd += ["--only", glob]
            ran = groups.run(cmd, RUN_TIMEOUT)
            if ran.returncode not in (0, 1) or not report.exists():
                return ReleaseRun(release, "run failed", f"exit {ran.returncode}: {_tail(ran.stderr or ran.stdout)}",
                               numpy=numpy, seconds=time.monotonic() - started)
            data = json.loads(report.read_text(encoding="utf-8"))
            return ReleaseRun(release, "ran", numpy=numpy, report=data, seconds=time.monotonic() - started)
        except subprocess.TimeoutExpired as exc:
            return ReleaseRun(release, "run failed", f"timed out after {exc.timeout:g} s: {' '.join(exc.cmd[:3])}",
                           seconds=time.monotonic() - started)
        finally:
            if not self.keep_venvs:
                shutil.rmtree(venv, ignore_errors=True)


def project_root() -> Path | None:
    """The source tree this harness is installed from (editable installs), if any."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").exists() and (root / "conformance").is_dir() else None


def find_uv() -> str:
    """``uv`` next to this interpreter or on PATH; installed into this environment with pip when missing."""
    def which() -> str | None:
        return shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")

    found = which()
    if not found:
        got = groups.run([sys.executable, "-m", "pip", "install", "--quiet", "uv"], INSTALL_TIMEOUT)
        found = which()
        if got.returncode or not found:
            raise HistoryError(f"uv is missing and pip could not install it ({_tail(got.stderr, 1)}); "
                               "install the 'history' extra")
    return found


def build_wheel(uv: str, out: Path) -> Path:
    """This harness as a wheel, built once per run from its source tree."""
    root = project_root()
    if root is None:
        raise HistoryError("the harness is not installed from a source tree; give --wheel PATH")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.whl"):
        old.unlink()
    got = groups.run([uv, "build", "--wheel", "--quiet", "--out-dir", str(out), str(root)], INSTALL_TIMEOUT)
    wheels = sorted(out.glob("*.whl"))
    if got.returncode or not wheels:
        raise HistoryError(f"could not build the harness wheel: {_tail(got.stderr)}")
    return wheels[0]


# -- the cache ---------------------------------------------------------------------------


def cache_path(cache: Path, release: str, key: Key) -> Path:
    return cache / "results" / f"{release}-{key.digest(release)}.json"


def load_cached(cache: Path, release: str, key: Key) -> ReleaseRun | None:
    path = cache_path(cache, release, key)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("layout") != LAYOUT:
            return None
        return ReleaseRun(data["release"], data["status"], data.get("problem"), data.get("numpy"), data.get("report"),
                       float(data.get("seconds", 0.0)), cached=True)
    except (OSError, ValueError, KeyError):
        return None


def store(cache: Path, outcome: ReleaseRun, key: Key) -> None:
    path = cache_path(cache, outcome.release, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(outcome.to_json()), encoding="utf-8")
    tmp.replace(path)


def spread(items: Sequence[str]) -> list[str]:
    """``items`` in bisection order (first, last, middle, quarters, ...): an interrupted run still spans them."""
    if not items:
        return []
    order, seen = [], set()
    intervals = [(0, len(items) - 1)]
    for i in (0, len(items) - 1):
        if i not in seen:
            seen.add(i)
            order.append(i)
    while intervals:
        following = []
        for lo, hi in intervals:
            mid = (lo + hi) // 2
            if mid not in seen:
                seen.add(mid)
                order.append(mid)
            if hi - lo > 1:
                following += [(lo, mid), (mid, hi)]
        intervals = following
    return [items[i] for i in order]


# -- the timeline ------------------------------------------------------------------------


def spans(flags: Sequence[bool], releases: Sequence[str]) -> list[tuple[str, str, int]]:
    """Maximal runs of consecutive releases where ``flags`` holds: (first, last, how many)."""
    out, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out.append((releases[start], releases[i - 1], i - start))
            start = None
    return out


def span_text(items: list[tuple[str, str, int]]) -> str:
    return ", ".join(first if n == 1 else f"{first} – {last} ({n})" for first, last, n in items) or "–"


def timeline(outcomes: Sequence[ReleaseRun], key: Key) -> dict[str, Any]:
    """The history as JSON data: releases (with why one did not run) and, per clause, where it passes."""
    ran = [o for o in outcomes if o.status == "ran"]
    releases = [o.release for o in ran]
    clauses: dict[str, dict[str, Any]] = {}
    for o in ran:
        for info in (o.report or {}).get("clauses", []):
            clauses.setdefault(info["id"], {"level": info["level"], "title": info["title"]})
    per_clause = []
    for clause_id, info in clauses.items():
        by_release = [o.outcomes().get(clause_id, "not run") for o in ran]
        passes = [x in PASSING for x in by_release]
        diverges = [x not in PASSING and x not in NOT_CHECKED and x != "not run" for x in by_release]
        messages: dict[str, str] = {}
        for o, outcome in zip(ran, by_release, strict=True):
            if outcome not in PASSING and outcome not in NOT_CHECKED:
                for r in (o.report or {}).get("results", []):
                    if r["clause"] == clause_id and r["adapter"] == PACKAGE:
                        messages.setdefault(o.release, (r.get("message") or "").strip().split("\n", 1)[0][:200])
        per_clause.append({
            "clause": clause_id, "level": info["level"], "title": info["title"],
            "outcomes": dict(zip(releases, by_release, strict=True)),
            "passes": [{"first": a, "last": b, "releases": n} for a, b, n in spans(passes, releases)],
            "divergences": [{"first": a, "last": b, "releases": n, "message": messages.get(a, "")}
                            for a, b, n in spans(diverges, releases)],
        })
    return {
        "layout": LAYOUT, "package": PACKAGE, "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "spec_sha256": key.spec_sha256, "harness": key.harness, "profile": key.profile, "only": list(key.only),
        "timeout": key.timeout,
        "releases": [{"release": o.release, "status": o.status, "problem": o.problem, "numpy": o.numpy,
                      "counts": _counts(o)} for o in outcomes],
        "clauses": per_clause,
    }


def _counts(outcome: ReleaseRun) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in outcome.outcomes().values():
        counts[value] = counts.get(value, 0) + 1
    return counts


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(data: dict[str, Any]) -> str:
    """The timeline as Markdown: divergences per clause, then every release and how its run went."""
    ran = [r for r in data["releases"] if r["status"] == "ran"]
    lines = ["# python-blosc2 release history of the host contract", "",
             f"{len(ran)} of {len(data['releases'])} {PACKAGE} releases from {OLDEST} on ran the contract "
             f"(spec sha256 `{data['spec_sha256'][:12]}`, harness {data['harness']}, profile `{data['profile']}`, per-check timeout {data['timeout'] or 'of the profile'} s, "
             f"no expectations). Generated by `udcodec history`; releases are consecutive in the list of "
             f"releases that ran.", ""]
    diverging = [c for c in data["clauses"] if c["divergences"]]
    clean = [c for c in data["clauses"] if not c["divergences"]]
    lines += ["## Divergences", "",
              "| clause | level | diverges in (first – last) | passes in | first message |",
              "|---|---|---|---|---|"]
    for c in diverging:
        div = span_text([(d["first"], d["last"], d["releases"]) for d in c["divergences"]])
        ok = span_text([(p["first"], p["last"], p["releases"]) for p in c["passes"]])
        lines.append(f"| `{c['clause']}` | {c['level']} | {div} | {ok} | {_md(c['divergences'][0]['message'])} |")
    lines += ["", f"Every other clause ({len(clean)}) passes, or does not apply, in every release that ran: "
              + ", ".join(f"`{c['clause']}`" for c in clean) + ".", "", "## Releases", "",
              "| release | NumPy | result |", "|---|---|---|"]
    for r in data["releases"]:
        if r["status"] == "ran":
            result = ", ".join(f"{n} {k}" for k, n in sorted(r["counts"].items()))
        else:
            result = f"**{r['status']}**: {_md(r['problem'] or '')}"
        lines.append(f"| {r['release']} | {r['numpy'] or '–'} | {result} |")
    return "\n".join(lines) + "\n"


_COLOURS = {"pass": "#cfc", "xpass": "#cfc", "fail": "#f99", "crash": "#f6c", "hang": "#fc6", "resource": "#fc6",
            "error": "#ccc", "n/a": "#eee", "skip": "#eee"}


def render_html(data: dict[str, Any]) -> str:
    """A self-contained page: clause × release grid, one coloured cell per outcome."""
    ran = [r["release"] for r in data["releases"] if r["status"] == "ran"]
    head = "".join(f"<th class=v>{html.escape(r)}</th>" for r in ran)
    rows = []
    for c in data["clauses"]:
        cells = "".join(f"<td style='background:{_COLOURS.get(o, '#fff')}' title='{html.escape(r)}: "
                        f"{html.escape(o)}'>{'' if o in PASSING else html.escape(o[:1])}</td>"
                        for r, o in c["outcomes"].items())
        rows.append(f"<tr><th>{html.escape(c['clause'])}</th>{cells}</tr>")
    missing = "".join(f"<li>{html.escape(r['release'])}: {html.escape(r['status'])}: {html.escape(r['problem'] or '')}"
                      f"</li>" for r in data["releases"] if r["status"] != "ran")
    return ("<!doctype html><meta charset=utf-8><title>python-blosc2 history</title><style>"
            "body{font-family:sans-serif}table{border-collapse:collapse;font-size:11px}td,th{border:1px solid #ddd;"
            "padding:1px 3px}th.v{writing-mode:vertical-rl}</style><h1>python-blosc2 release history</h1>"
            f"<p>spec sha256 {html.escape(data['spec_sha256'][:12])}, harness {html.escape(data['harness'])}, "
            f"profile {html.escape(data['profile'])}. Empty green cell: pass; f fail, c crash, h hang, n n/a, "
            f"s skip, e error.</p><table><tr><th>clause</th>{head}</tr>{''.join(rows)}</table>"
            f"<h2>Releases that did not run</h2><ul>{missing or '<li>none</li>'}</ul>\n")


# -- the command -------------------------------------------------------------------------


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of jobs") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give at least 1 job")
    return value


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("history", help="the host contract against every python-blosc2 release (a timeline)")
    add_spec_option(p)
    p.add_argument("--releases", metavar="LIST|RANGE", help="e.g. 2.7.1,3.12.2 or '>=3,<4' (default: all from 2.0.0)")
    p.add_argument("-j", "--jobs", type=_jobs, default=max(1, (os.cpu_count() or 2) // 2), metavar="N",
                   help="releases installed and run at once (default: half the cores)")
    p.add_argument("--cache", default=".udcodec-history", metavar="DIR",
                   help="listing, results and wheel cache (default: .udcodec-history)")
    p.add_argument("--out", default="reports/history", metavar="DIR",
                   help="where history.{json,md,html} go (default: reports/history)")
    p.add_argument("--profile", default="dev", choices=sorted(PROFILES))
    p.add_argument("--timeout", type=positive_seconds, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"per-check timeout (default {DEFAULT_TIMEOUT:g} s: a loaded machine must not turn a slow"
                        " check into a hang)")
    p.add_argument("--only", action="append", default=[], metavar="GLOB", help="run only clause ids matching")
    p.add_argument("--shard", metavar="K/N", help="run only every N-th release, starting with the K-th")
    p.add_argument("--no-run", action="store_true", help="run nothing: the timeline of what the cache holds")
    p.add_argument("--refresh-index", action="store_true", help="list the releases again even if cached")
    p.add_argument("--wheel", metavar="PATH", help="install this harness wheel instead of building one")
    p.add_argument("--keep-venvs", action="store_true", help="keep each release's virtualenv under the cache")
    p.set_defaults(handler=cmd_history)
    return p


def write_outputs(data: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("history.json", json.dumps(data, indent=1) + "\n"), ("history.md", render_markdown(data)),
                       ("history.html", render_html(data))):
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    return written


def harness_id(wheel: str | None = None) -> str:
    """The harness a result comes from: its version and a digest of its code (the ``--wheel`` given, else the
    files of the installed package), so that a check changed under the same spec is run again."""
    digest = hashlib.sha256()
    if wheel is not None:
        try:
            digest.update(Path(wheel).read_bytes())
        except OSError as exc:
            raise HistoryError(f"--wheel {wheel}: cannot read it: {exc.strerror or exc}") from None
    else:
        import udcodec.adapters
        import udcodec.reference

        files: dict[Path, str] = {}  # each file once (a wheel holds the subpackages inside udcodec/), by its place
        for module in (udcodec, udcodec.adapters, udcodec.reference):
            for root in map(Path, module.__path__):
                for f in sorted(root.rglob("*")):
                    if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
                        files.setdefault(f.resolve(), f"{module.__name__}/{f.relative_to(root).as_posix()}")
        for f, place in sorted(files.items(), key=lambda item: item[1]):
            digest.update(place.encode() + b"\0" + f.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def history(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    """Run (or read from the cache) every selected release; return the timeline data."""
    try:
        shard: Shard | None = parse_shard(args.shard) if args.shard is not None else None
    except ValueError as exc:
        raise HistoryError(str(exc)) from None
    contract = contract_or_exit(args.spec)
    key = Key(contract.sha256, harness_id(args.wheel), args.profile, tuple(args.only), args.timeout)
    cache = Path(args.cache)
    releases = [str(v) for v in select_releases(releases_of(fetch_index(cache, args.refresh_index)), args.releases)]
    mine = shard.pick(releases) if shard else releases
    outcomes: dict[str, ReleaseRun] = {}
    todo = []
    for release in releases:
        got = load_cached(cache, release, key)
        if got is not None:
            outcomes[release] = got
        elif release in mine and not args.no_run:
            todo.append(release)
    log(f"{len(releases)} release(s); {len(outcomes)} cached, {len(todo)} to run"
        + (f" (shard {args.shard})" if shard else ""))
    if todo:
        uv = find_uv()
        wheel = Path(args.wheel) if args.wheel else build_wheel(uv, cache / "wheel")
        shop = Workshop(uv, wheel, spec=args.spec, profile=args.profile, only=list(args.only),
                        timeout=args.timeout, keep_venvs=args.keep_venvs)
        venvs = cache / "venvs" if args.keep_venvs else Path(tempfile.mkdtemp(prefix="udcodec-history-"))

        stopping = threading.Event()

        def one(release: str) -> ReleaseRun:
            try:
                got = shop.run_release(release, venvs)
            except OSError as exc:  # e.g. its virtualenv vanished: this release is not run, the others are
                got = ReleaseRun(release, "run failed", f"{type(exc).__name__}: {exc}")
            else:
                if stopping.is_set():  # stopped by the interrupt: neither a result nor a failure
                    return got
                store(cache, got, key)  # a release the harness could not run is tried again next time
            log(f"{release}: {got.status}" + (f" ({got.problem})" if got.problem else "")
                + f" in {got.seconds:.0f} s")
            return got

        pool = ThreadPoolExecutor(max_workers=args.jobs)
        try:
            for got in pool.map(one, spread(todo)):
                outcomes[got.release] = got
        except KeyboardInterrupt:
            stopping.set()
            pool.shutdown(wait=False, cancel_futures=True)
            groups.stop_all()
            ran = sum(1 for r in todo if r in outcomes)
            raise HistoryInterrupted(f"interrupted after {ran} of {len(todo)} releases; the cache keeps those "
                                     "(run the same command again to go on)") from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if not args.keep_venvs:
                shutil.rmtree(venvs, ignore_errors=True)
    for release in releases:
        outcomes.setdefault(release, ReleaseRun(release, "not run", "not in the cache (another shard, or --no-run)"))
    return timeline([outcomes[r] for r in releases], key)


def cmd_history(args: argparse.Namespace) -> int:
    previous = groups.term_as_interrupt()
    try:
        data = history(args, lambda line: print(f"udcodec history: {line}", file=sys.stderr, flush=True))
    except HistoryInterrupted as exc:
        print(f"udcodec history: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:  # before or after the releases ran
        groups.stop_all()
        print("udcodec history: interrupted", file=sys.stderr)
        return 130
    except HistoryError as exc:
        print(f"udcodec history: {exc}", file=sys.stderr)
        return 2
    finally:
        groups.restore_term(previous)
    for path in write_outputs(data, Path(args.out)):
        print(f"udcodec history: written {path}")
    return 0
