"""The figures of README.md, tests/README.md and conformance/README.md that come from the code, written into
marked regions.

A region is ``<!-- figures:NAME -->TEXT<!-- /figures:NAME -->``, inline or spanning lines; only its
TEXT is generated. Each figure is computed from its source (the contract, the python-blosc2
expectations file, the golden manifest, the example verdicts, the interop sweep, the profiles, the
chunk-identity matrix, the committed self-test run of today's catalogue), so it stays right when they change::

    python tests/harness/readme_figures.py            # rewrite every region
    python tests/harness/readme_figures.py --check    # exit 1 naming each region that differs

``tests/harness/test_readme_figures.py`` runs the check. Figures that are measurements (times,
throughput) are not here: the README states the command that measured them.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
FILES = (ROOT / "README.md", ROOT / "tests" / "README.md", ROOT / "conformance" / "README.md", ROOT / "adapters" / "README.md",
         ROOT / "benchmarks" / "README.md")
REGION = re.compile(r"<!-- figures:(?P<name>[\w-]+) -->(?P<body>.*?)<!-- /figures:(?P=name) -->", re.S)
OPEN = re.compile(r"<!-- /?figures:([\w-]+) -->")
BLOSC2 = "python-blosc2"


@dataclass
class Sources:
    """Where the figures come from (default: this checkout); tests point it at edited copies."""

    root: Path = ROOT

    @cached_property
    def contract(self) -> Any:
        from udcodec.contract import load_contract
        return load_contract(self.root / "spec")

    @cached_property
    def expectations(self) -> Any:
        from udcodec.expectations.model import load_expectations
        return load_expectations(self.root / "adapters" / "expectations" / "blosc2.yaml")

    @cached_property
    def golden(self) -> Any:
        from udcodec.golden import load_manifest
        return load_manifest(self.root / "spec" / "golden")

    @cached_property
    def verdicts(self) -> list[dict[str, Any]]:
        data = yaml.safe_load((self.root / "conformance" / "examples" / "verdicts.yaml").read_text(encoding="utf-8"))
        return list(data["codecs"])

    @cached_property
    def selftest(self) -> dict[str, Any]:
        """The committed self-test report of the whole catalogue (docs/selftest.json)."""
        import json
        return dict(json.loads((self.root / "docs" / "selftest.json").read_text(encoding="utf-8")))

    @cached_property
    def sweep(self) -> list[Any]:
        from udcodec.sweep import configurations
        return configurations("ci")

    @cached_property
    def chunk_matrix_size(self) -> int:
        """The thorough sweep: the configurations tests/reference/chunk_matrix.py compares."""
        from udcodec.sweep import configurations
        return len(configurations("thorough"))

    # ---- derived -------------------------------------------------------------------------------
    def host_clauses(self) -> list[Any]:
        return [c for c in self.contract if c.subject == "host"]

    def blosc2_versions(self) -> list[str]:
        """The newest python-blosc2 release of each major line the golden vectors were written with."""
        newest: dict[int, str] = {}
        for entry in self.golden:
            key = tuple(int(p) for p in entry.library_version.split(".")[:3])
            if entry.library_major not in newest or key > tuple(int(p) for p in newest[entry.library_major].split(".")[:3]):
                newest[entry.library_major] = entry.library_version
        return [newest[m] for m in sorted(newest)]

    def divergences(self, version: str) -> list[Any]:
        """The host clauses the expectations file expects python-blosc2 ``version`` to fail."""
        applying = {c.id: c for c in self.host_clauses() if c.applies_to(BLOSC2, version)}
        return [applying[e.clause] for e in self.expectations.entries
                if e.clause in applying and e.holds_for(BLOSC2, version)]

    def applying(self, version: str) -> list[Any]:
        return [c for c in self.host_clauses() if c.applies_to(BLOSC2, version)]


def _join(items: Iterable[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _level(failing: list[Any]) -> str:
    if any(c.level == "MUST" for c in failing):
        return "none"
    return "core" if failing else "full"


# ---- the figures ---------------------------------------------------------------------------------
def quickstart_verdicts(s: Sources) -> str:
    newest = s.blosc2_versions()[-1]
    diverging = s.divergences(newest)
    applying = len(s.applying(newest))
    return (f"Today the reference passes all {len(s.host_clauses())} host clauses (beside a port, the interop clauses "
            f"it judges are n/a in its column: the port is checked against it both ways, in the port's result). "
            f"python-blosc2 {newest} passes {applying - len(diverging)} of the {applying} that apply to it; the other "
            f"{len(diverging)} are divergences that are known and recorded")


def _cblosc2_expected(s: Sources) -> set[str]:
    from udcodec.expectations.model import load_expectations
    return {e.clause for e in load_expectations(s.root / "adapters" / "expectations" / "cblosc2.yaml").entries}


def cblosc2_attribution(s: Sources) -> str:
    """The attribution table's counts, from the two expectations files (what `tox -e cblosc2` shows)."""
    newest = s.blosc2_versions()[-1]
    python = {c.id for c in s.divergences(newest)}
    c = _cblosc2_expected(s)
    return (f"Of python-blosc2 {newest}'s {len(python)} divergences, {len(python - c)} are the wrapper's and "
            f"{len(python & c)} show in c-blosc2 too; {len(c - python)} more show only through the C API")


def cblosc2_verdicts(s: Sources) -> str:
    """What ``udcodec run --adapter cblosc2`` gives: python_api clauses n/a, expected ones xfail, the rest pass."""
    expected = _cblosc2_expected(s)
    hosts = s.host_clauses()
    na = [c for c in hosts if c.python_api]
    xfail = [c for c in hosts if c.id in expected and not c.python_api]
    return (f"records {len(xfail)} divergences and leaves {len(na)} Python-API-only clauses n/a, of the "
            f"{len(hosts)} host clauses")


def pairwise_count(s: Sources) -> str:
    return str(sum(c.pairwise for c in s.contract))


def lines_divergences(s: Sources) -> str:
    versions = s.blosc2_versions()
    sets = {v: [c.id for c in s.divergences(v)] for v in versions}
    ranged = [e.clause for e in s.expectations.entries if e.versions] + [c.id for c in s.contract if c.versions]
    if len({tuple(ids) for ids in sets.values()}) == 1:
        text = f"Today {_join(versions)} diverge on the same {len(sets[versions[-1]])} clauses for the same reasons"
    else:
        text = "Today " + _join(f"{v} diverges on {len(ids)} clauses" for v, ids in sets.items())
    if ranged:
        return text + f"; version ranges are recorded for {_join(f'`{c}`' for c in dict.fromkeys(ranged))}."
    return text + ", so no clause and no expectation needs a version range yet."


def certificate_levels(s: Sources) -> str:
    parts = []
    for version in s.blosc2_versions()[::-1][:1]:
        failing = s.divergences(version)
        must = sum(c.level == "MUST" for c in failing)
        parts.append(f"python-blosc2 {version} reaches `{_level(failing)}` ({must} of its {len(failing)} "
                     "divergences are MUST clauses)")
    return "Today the reference reaches `full`; " + "; ".join(parts) + "."


def _codec_clauses(s: Sources) -> list[Any]:
    return [c for c in s.contract if c.subject == "codec"]


def _clauses_of(what: str, clauses: list[Any]) -> str:
    levels = Counter(c.level for c in clauses)
    files = sorted({Path(c.file).name for c in clauses})
    where = _join(f"[spec/{f}](spec/{f})" for f in files)
    counts = _join(f"{levels[level]} {level}" for level in ("MUST", "SHOULD") if levels[level])
    return f"the {len(clauses)} {what} clauses of {where}, {counts}"


def codec_clauses(s: Sources) -> str:
    return _clauses_of("codec", _codec_clauses(s))


def plugin_codec_clauses(s: Sources) -> str:
    """The codec clauses a dynamic plugin is checked on: all but those whose checks are for Python codecs only."""
    import inspect

    import udcodec.checks.codec  # noqa: F401  (registers the codec checks)
    from udcodec.checks.api import CHECKS

    def python_only(name: str) -> bool:
        return "_python_only(" in inspect.getsource(CHECKS[name].fn)

    clauses = _codec_clauses(s)
    left_out = [c.id for c in clauses if any(python_only(ref.name) for ref in c.checks)]
    return (f"{len(clauses) - len(left_out)} of the {len(clauses)} codec clauses, all but "
            f"{_join(f'`{i}`' for i in left_out)}")


def plugin_only_codec_clauses(s: Sources) -> str:
    """The codec clauses only a compiled plugin is checked on (n/a for Python codecs)."""
    import inspect

    import udcodec.checks.codec  # noqa: F401  (registers the codec checks)
    from udcodec.checks.api import CHECKS

    clauses = _codec_clauses(s)
    return _join(f"`{c.id}`" for c in clauses if any("_plugin_only(" in inspect.getsource(CHECKS[r.name].fn)
                                                       for r in c.checks))


def plugin_clauses(s: Sources) -> str:
    clauses = [c for c in s.contract if c.family == "plugins"]
    return _clauses_of("plugin", clauses) + " (" + "; ".join(f"`{c.id}`: {c.title[0].lower()}{c.title[1:]}" for c in clauses) + ")"


def codec_should(s: Sources) -> str:
    return _join(f"`{c.id}`" for c in _codec_clauses(s) if c.level == "SHOULD")


def codec_typesizes(s: Sources) -> str:
    import numpy as np
    sizes = [np.dtype(d).itemsize for c in s.contract if c.id == "CODEC-TYPESIZES"
             for ref in c.checks for d in ref.params.get("dtypes", ())]
    return f"{min(sizes)}..{max(sizes)}" if set(sizes) == set(range(min(sizes), max(sizes) + 1)) else ", ".join(
        map(str, sorted(set(sizes))))


def bench_size(s: Sources) -> str:
    from udcodec.checkcodec.bench import dataset
    return f"{len(dataset()) / (1 << 20):g} MiB"


def examples(s: Sources) -> str:
    names = [v["module"].rpartition(".")[2] for v in s.verdicts]
    return _join(f"`{n}`" for n in names)


def example_verdicts(s: Sources) -> str:
    total = len(_codec_clauses(s))
    sentences = []
    clean = [v["module"].rpartition(".")[2] for v in s.verdicts if not v.get("fails")]
    for v in s.verdicts:
        if not v.get("fails"):
            continue
        name = v["module"].rpartition(".")[2]
        pair = f"`{v['encoder']}`/`{v['decoder']}`"
        why = f"as printed, it fails to register ({v['registration_error']}), and " if v.get("registration_error") else ""
        settled = f" ({len(v['not_judged'])} more not judged: they fail of the same defects)" if v.get("not_judged") else ""
        sentences.append(f"`{name}`: {why}its pair {pair} fails {len(v['fails'])} of the {total} codec clauses{settled}.")
    if clean:
        sentences.append(f"{_join(f'`{n}`' for n in clean)} pass every codec clause.")
    return " ".join(sentences)


def profiles(s: Sources) -> str:
    from udcodec.profiles import DEFAULT_PROFILE, PROFILES
    from udcodec.sweep import configurations
    parts = []
    for p in PROFILES.values():
        notes = [f"{p.max_examples} examples per property"] + (["derandomized"] if p.derandomize else [])
        notes += [f"{p.timeout:g} s timeout", f"a sweep of {len(configurations(p.sweep))} configurations"]
        notes += ["the default"] if p.name == DEFAULT_PROFILE else []
        parts.append(f"`{p.name}` ({', '.join(notes)})")
    return _join(parts)


def outcomes(s: Sources) -> str:
    from udcodec.outcomes import Outcome
    return _join(f"`{o.value}`" for o in Outcome)


def sweep(s: Sources) -> str:
    from udcodec.sweep import CHUNK_BYTES
    families = {c.family for c in s.sweep}
    large = max(c.data_bytes() for c in s.sweep)
    return (f"{len(s.sweep)} chunks of about {CHUNK_BYTES // 1024} KiB (up to {large // 1024} KiB where automatic"
            f" block sizing needs room), in {len(families)} families, in the `ci` profile (the profiles above size it)")


def _span(values: Iterable[Any]) -> str:
    values = sorted(set(values))
    return ", ".join(map(str, values))


def sweep_table(s: Sources) -> str:
    rows = ["| family | chunks | typesizes | filters | split modes | block sizes | clevels | codec metas |",
            "|---|---|---|---|---|---|---|---|"]
    families: dict[str, list[Any]] = {}
    for config in s.sweep:
        families.setdefault(config.family, []).append(config)
    for family, configs in families.items():
        cps = [c.cparams for c in configs]
        pipelines = _span("+".join(cp.filters) for cp in cps)
        rows.append(f"| `{family}` | {len(configs)} | {_span(cp.typesize for cp in cps)} | {pipelines} | "
                    f"{_span(cp.splitmode for cp in cps)} | {_span(cp.blocksize for cp in cps)} | "
                    f"{_span(cp.clevel for cp in cps)} | {_span(cp.codec_meta for cp in cps)} |")
    return "\n".join(rows)


def frame_chunks(s: Sources) -> str:
    from udcodec.checks.interop import FRAME_CHUNKS
    return str(len(FRAME_CHUNKS))


def golden_table(s: Sources) -> str:
    by_version: dict[str, Counter[str]] = {}
    for entry in s.golden:
        by_version.setdefault(entry.library_version, Counter())[entry.kind] += 1
    rows = ["| written by | chunks | frames | sparse frames | NDArrays | vectors |", "|---|---|---|---|---|---|"]
    for version in sorted(by_version, key=lambda v: tuple(int(p) for p in v.split(".")[:3])):
        k = by_version[version]
        rows.append(f"| python-blosc2 {version} | {k['chunk']} | {k['frame']} | {k['sframe']} | {k['ndarray']} "
                    f"| {sum(k.values())} |")
    rows.append(f"| all | {len(s.golden.of_kind('chunk'))} | {len(s.golden.of_kind('frame'))} | "
                f"{len(s.golden.of_kind('sframe'))} | {len(s.golden.of_kind('ndarray'))} | {len(s.golden)} |")
    return "\n".join(rows)


def golden_versions(s: Sources) -> str:
    return _join(s.blosc2_versions())


def spec_families(s: Sources) -> str:
    rows = ["| family | id prefix | file | clauses | MUST | SHOULD | subject |", "|---|---|---|---|---|---|---|"]
    families: dict[str, list[Any]] = {}
    for clause in s.contract:
        families.setdefault(clause.family, []).append(clause)
    for family, clauses in families.items():
        levels = Counter(c.level for c in clauses)
        name = Path(clauses[0].file).name
        subjects = ", ".join(sorted({c.subject for c in clauses}))
        prefixes = ", ".join(f"`{p}-`" for p in sorted({c.id.split("-", 1)[0] for c in clauses}))
        rows.append(f"| {family} | {prefixes} | [spec/{name}](spec/{name}) | {len(clauses)} | {levels['MUST']} | "
                    f"{levels['SHOULD']} | {subjects} |")
    levels = Counter(c.level for c in s.contract)
    rows.append(f"| all | | | {len(s.contract)} | {levels['MUST']} | {levels['SHOULD']} | |")
    return "\n".join(rows)


def interop_table(s: Sources) -> str:
    rows = ["| clause | level | implementations | what |", "|---|---|---|---|"]
    for c in s.contract:
        if c.family == "interop":
            rows.append(f"| `{c.id}` | {c.level} | {'two (pairwise)' if c.pairwise else 'one'} | {c.title} |")
    return "\n".join(rows)


def capabilities(s: Sources) -> str:
    """The adapter capabilities, described by their comments in adapters/protocol.py."""
    from udcodec.adapters.protocol import CAPABILITIES
    source = (s.root / "adapters" / "protocol.py").read_text(encoding="utf-8")
    block = source[source.index("CAPABILITIES"):]
    notes = dict(re.findall(r'^\s+"(\w+)",\s+#\s*(.+)$', block[:block.index("\n)")], re.M))
    rows = ["| capability | what the adapter can do |", "|---|---|"]
    rows += [f"| `{name}` | {notes.get(name, '')} |" for name in sorted(CAPABILITIES)]
    return "\n".join(rows)


def cli_commands(s: Sources) -> str:
    """Every ``udcodec`` subcommand (and sub-subcommand) with its help line, from the parser itself."""
    import argparse

    from udcodec.cli import _parser

    def subcommands(parser: argparse.ArgumentParser, prefix: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help or "" for a in action._choices_actions}
                for name, sub in action.choices.items():
                    nested = subcommands(sub, f"{prefix} {name}")
                    out += nested or [(f"{prefix} {name}", helps.get(name, ""))]
        return out

    rows = ["| command | what |", "|---|---|"]
    rows += [f"| `{name}` | {' '.join(text.split())} |" for name, text in subcommands(_parser(), "udcodec")]
    return "\n".join(rows)


def chunk_matrix_size(s: Sources) -> str:
    return str(s.chunk_matrix_size)


def report_layout(s: Sources) -> str:
    from udcodec.reports.model import SCHEMA_VERSION
    return f"`{SCHEMA_VERSION}`"


def selftest(s: Sources) -> str:
    """The committed whole-catalogue self-test run (tests/harness/test_selftest.py keeps it of today's catalogue)."""
    r = s.selftest
    t = r["summary"]
    should_only, survived = t["killed_by_should_only"], len(t["survivors"])
    return (f"{t['mutants']} mutants, {t['equivalent']} of them equivalent; of the other {t['non_equivalent']}, "
            f"{t['killed']} are killed ({t['kill_rate']} %) and {t['killed_by_must']} by MUST clauses alone "
            f"({t['must_kill_rate']} %), {should_only} by SHOULD clauses only, and {survived} "
            f"survive{'s' if survived == 1 else ''} (profile {r['profile']}, python-blosc2 as the peer, "
            f"{r['started'][:10]})")


#: name -> (figure, whether the region spans lines)
FIGURES: dict[str, tuple[Callable[[Sources], str], bool]] = {
    "quickstart-verdicts": (quickstart_verdicts, False),
    "pairwise-count": (pairwise_count, False),
    "cblosc2-verdicts": (cblosc2_verdicts, False),
    "cblosc2-attribution": (cblosc2_attribution, False),
    "lines-divergences": (lines_divergences, False),
    "certificate-levels": (certificate_levels, False),
    "codec-clauses": (codec_clauses, False),
    "codec-should": (codec_should, False),
    "plugin-clauses": (plugin_clauses, False),
    "plugin-codec-clauses": (plugin_codec_clauses, False),
    "plugin-only-codec-clauses": (plugin_only_codec_clauses, False),
    "codec-typesizes": (codec_typesizes, False),
    "bench-size": (bench_size, False),
    "examples": (examples, False),
    "example-verdicts": (example_verdicts, False),
    "profiles": (profiles, False),
    "outcomes": (outcomes, False),
    "sweep": (sweep, False),
    "sweep-table": (sweep_table, True),
    "frame-chunks": (frame_chunks, False),
    "golden-versions": (golden_versions, False),
    "golden-table": (golden_table, True),
    "spec-families": (spec_families, True),
    "interop-table": (interop_table, True),
    "chunk-matrix-size": (chunk_matrix_size, False),
    "cli-commands": (cli_commands, True),
    "capabilities": (capabilities, True),
    "report-layout": (report_layout, False),
    "selftest": (selftest, False),
}


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def render(name: str, sources: Sources) -> str:
    """The body of region ``name`` as it belongs in the file."""
    figure, block = FIGURES[name]
    text = figure(sources)
    return f"\n{text}\n" if block else text


def update(text: str, sources: Sources) -> tuple[str, list[str]]:
    """``text`` with every region regenerated, and the names of the regions that changed."""
    changed: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in FIGURES:
            raise KeyError(f"unknown figures region {name!r}")
        body = render(name, sources)
        if body != match["body"]:
            changed.append(name)
        return f"<!-- figures:{name} -->{body}<!-- /figures:{name} -->"

    return REGION.sub(replace, text), changed


def problems(files: Iterable[Path] = FILES, sources: Sources | None = None) -> list[str]:
    """Every way the files' regions differ from the figures: stale, unknown, unclosed or unused regions."""
    sources = sources or Sources()
    out: list[str] = []
    used: set[str] = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        names = [m["name"] for m in REGION.finditer(text)]
        used.update(names)
        markers = Counter(OPEN.findall(text))
        for name in sorted(markers):
            if markers[name] != 2 * names.count(name):
                out.append(f"{_shown(path)}: region {name!r} is not closed as <!-- /figures:{name} -->")
        for name in names:
            if name not in FIGURES:
                out.append(f"{_shown(path)}: unknown region {name!r}")
        known = REGION.sub(lambda m: m[0] if m["name"] in FIGURES else "", text)
        _, changed = update(known, sources)
        out += [f"{_shown(path)}: region {name!r} differs from the code (run python tests/harness/readme_figures.py)"
                for name in dict.fromkeys(changed)]
    out += [f"no file has a region {name!r}" for name in FIGURES if name not in used]
    return out


PATH = re.compile(r"`((?:conformance|adapters|spec|tests|reference|benchmarks)/[^`\s<]*)`"
                  r"|\]\(((?:conformance|adapters|spec|tests|reference|benchmarks)/[^)#\s]*)\)")
MODULE = re.compile(r"`(udcodec(?:\.[A-Za-z_]\w*)+)`")


def _resolves(dotted: str) -> bool:
    """Whether ``dotted`` names a module, or an attribute of one."""
    import importlib
    import importlib.util
    module, _, attribute = dotted.rpartition(".")
    try:
        if importlib.util.find_spec(dotted) is not None:
            return True
    except ModuleNotFoundError:
        pass
    try:
        return hasattr(importlib.import_module(module), attribute)
    except ImportError:
        return False


def stale_names(files: Iterable[Path] = FILES, root: Path = ROOT) -> list[str]:
    """Repository paths and ``udcodec.*`` names the files mention that do not exist."""
    out: list[str] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for match in PATH.finditer(text):
            name = (match[1] or match[2]).split("::")[0].split(":")[0]
            if not (root / name).exists() and not (path.parent / name).exists():
                out.append(f"{_shown(path)}: no such path {name!r}")
        out += [f"{_shown(path)}: no such module or attribute {m!r}" for m in MODULE.findall(text) if not _resolves(m)]
    return list(dict.fromkeys(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only report regions that differ; exit 1 if any")
    args = parser.parse_args(argv)
    if args.check:
        found = problems() + stale_names()
        print("\n".join(found) or "every figures region is up to date")
        return 1 if found else 0
    sources = Sources()
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        new, changed = update(text, sources)
        if changed:
            path.write_text(new, encoding="utf-8")
            print(f"{path.relative_to(ROOT)}: {', '.join(dict.fromkeys(changed))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
