"""Load the contract (``spec/*.yaml``), validate it against ``spec/schema.json``, and index its clauses.

A malformed spec raises :class:`SpecError` naming the file, the line and the field. Given the check
registry (``load_contract(checks=...)``), the loader also validates that every check a clause names
exists and that the parameters it gives match the check's declarations (:func:`validate_checks`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import jsonschema
import yaml
from udcodec.versions import applies, specifier_problem

SCHEMA_NAME = "schema.json"
DERIVED_PREFIX = "derived:"


class SpecError(Exception):
    """The contract files are malformed: the message names file, line and field."""

    def __init__(self, file: str, line: int | None, field: str, problem: str) -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field}: {problem}")
        self.file, self.line, self.field, self.problem = file, line, field, problem


@dataclass(frozen=True)
class CheckRef:
    """One check a clause is verified by, with the parameters the spec gives it."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    #: Lines of the check entry in its YAML file, by path inside the entry (``()``, ``("params", "id")``, ...).
    lines: Mapping[tuple[Any, ...], int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, path: tuple[Any, ...]) -> int | None:
        """The line of ``path`` inside the entry, or of its nearest enclosing node that has one."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None


class DeclaresParams(Protocol):
    """What the loader needs of a registered check: the problems of the parameters a clause gives it."""

    def param_problems(self, given: Mapping[str, Any]) -> list[tuple[tuple[Any, ...], str]]: ...


@dataclass(frozen=True)
class Clause:
    id: str
    title: str
    level: str
    subject: str
    family: str
    source: str
    checks: tuple[CheckRef, ...]
    file: str
    line: int
    versions: str | None = None
    timeout: float | None = None
    pairwise: bool = False  # checked against every peer adapter (see udcodec.engine.pairs)
    python_api: str | None = None  # why the clause concerns the Python API only (n/a on a C API adapter)
    calls: str | None = None  # "natural: ..." or "explicit: ...": how the checks call the implementation

    @property
    def derived(self) -> bool:
        return self.source.startswith(DERIVED_PREFIX)

    def applies_to(self, implementation: str, version: str) -> bool:
        """Whether the clause applies to this implementation version (``versions`` limits python-blosc2 only)."""
        return applies(self.versions, implementation, version)


@dataclass(frozen=True)
class Contract:
    version: str
    sha256: str
    directory: Path
    clauses: tuple[Clause, ...]

    def __iter__(self) -> Iterator[Clause]:
        return iter(self.clauses)

    def __len__(self) -> int:
        return len(self.clauses)

    def get(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    def ids(self) -> list[str]:
        return [c.id for c in self.clauses]


def default_spec_dir() -> Path:
    return Path(str(resources.files("udcodec.spec")))


def bundled_schema(name: str) -> dict[str, Any]:
    """A JSON schema shipped in ``udcodec/schemas/`` (the YAML and JSON formats the harness reads)."""
    schema: dict[str, Any] = json.loads((resources.files("udcodec") / "schemas" / name).read_text(encoding="utf-8"))
    return schema


def _schema(directory: Path) -> dict[str, Any]:
    path = directory / SCHEMA_NAME
    if not path.exists():
        path = default_spec_dir() / SCHEMA_NAME
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def yaml_lines(node: yaml.Node, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], int]]:
    """Yield (json path, 1-based line) for every node of a composed YAML document."""
    yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield path + (key.value,), key.start_mark.line + 1
            for sub in yaml_lines(value, path + (key.value,)):
                if sub[0] != path + (key.value,):
                    yield sub
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from yaml_lines(item, path + (i,))


def field_name(data: Any, path: tuple[Any, ...]) -> str:
    """A readable field name: clause ids instead of list indexes where possible."""
    parts: list[str] = []
    node = data
    for part in path:
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if part < len(node) else None
            label = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None
            parts.append(f"[{label}]" if label else f"[{part}]")
            node = item
        else:
            parts.append(f".{part}")
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts).lstrip(".") or "<document>"


def _unbuildable(node: yaml.Node | None, path: str = "") -> tuple[str, int | None]:
    """The field and line of the first scalar PyYAML cannot build (e.g. ``2027-13-01``)."""
    if isinstance(node, yaml.ScalarNode):
        try:
            yaml.SafeLoader("").construct_object(node)
        except ValueError:
            return path or "<document>", node.start_mark.line + 1
    children: list[tuple[str, yaml.Node]] = []
    if isinstance(node, yaml.MappingNode):
        children = [(f"{path}.{k.value}".lstrip("."), v) for k, v in node.value]
    elif isinstance(node, yaml.SequenceNode):
        children = [(f"{path}[{i}]", v) for i, v in enumerate(node.value)]
    for sub_path, child in children:
        found = _unbuildable(child, sub_path)
        if found[1] is not None:
            return found
    return "<yaml>", None


def yaml_problem(exc: yaml.YAMLError) -> tuple[int | None, str]:
    """The 1-based line and a one-line description of a YAML syntax error.

    An unclosed quote or flow collection is reported where it opens (``context_mark``): the
    ``problem_mark`` is wherever the scanner gave up, often lines later. A block context's mark is
    only where the enclosing mapping starts, so there the problem's own line is the useful one.
    """
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    problem, problem_mark = getattr(exc, "problem", None), getattr(exc, "problem_mark", None)
    use_context = context_mark is not None and not (context or "").startswith("while parsing a block")
    mark = context_mark if use_context else problem_mark
    if problem is None:
        return (mark.line + 1 if mark else None), " ".join(str(exc).split())
    text = f"{context} (line {context_mark.line + 1}): {problem}" if context and context_mark else problem
    if problem_mark is not None and mark is not problem_mark:
        text += f" (line {problem_mark.line + 1})"
    return (mark.line + 1 if mark else None), text


#: libyaml's parser where PyYAML was built with it: the same documents, about ten times faster.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)


#: JSON Schema 2020-12, but an ``integer`` is an int: the spec's ``2048.0`` is one, a file YAML reads it from is
#: not (slices and sizes built from it would fail later, far from the line that holds it).
StrictValidator: Any = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)))


def refuse_odd_yaml(node: yaml.Node | None) -> None:
    """Raise a ``yaml.MarkedYAMLError`` at the first alias of a composed document that holds itself
    (``a: &x [*x]``: the data it builds is infinite, and every reader of it recurses until it fails), or at the
    second of two equal keys in one mapping (YAML forbids them; PyYAML keeps the last without a word, so an
    expectation or a clause given ``reason`` twice would silently lose one)."""
    if node is None:
        return
    open_: set[int] = {id(node)}
    done: set[int] = set()
    stack = [(node, iter(_children(node)))]
    _refuse_repeated_keys(node)
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            open_.discard(id(parent))
            done.add(id(parent))
            stack.pop()
        elif id(child) in open_:
            raise yaml.MarkedYAMLError(problem="an alias that holds itself (its anchor encloses it)",
                                       problem_mark=child.start_mark)
        elif id(child) not in done:
            _refuse_repeated_keys(child)
            open_.add(id(child))
            stack.append((child, iter(_children(child))))


def _refuse_repeated_keys(node: yaml.Node) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    seen: set[str] = set()
    for key, _value in node.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value in seen:
                raise yaml.MarkedYAMLError(problem=f"the key {key.value!r} is given twice in one mapping",
                                           problem_mark=key.start_mark)
            seen.add(key.value)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def safe_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, refusing a document that holds itself or repeats a key (:func:`refuse_odd_yaml`)."""
    node = yaml.compose(text, Loader=_FAST_LOADER or yaml.SafeLoader)
    refuse_odd_yaml(node)
    return yaml.SafeLoader("").construct_document(node) if node is not None else None


def _parse_yaml(text: str) -> tuple[Any, Any]:
    """The node tree (for line numbers) and the data of ``text``.

    Read by libyaml when available; a document it refuses is read again by PyYAML's own parser, whose errors
    (and their lines) are the ones reported.
    """
    if _FAST_LOADER is not None:
        try:
            node = yaml.compose(text, Loader=_FAST_LOADER)
            refuse_odd_yaml(node)
            return node, yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - safe
        except (yaml.YAMLError, ValueError):
            pass
    node = yaml.compose(text)
    refuse_odd_yaml(node)
    return node, yaml.safe_load(text)


def load_validated_yaml(
    path: Path, schema: Mapping[str, Any], error: type[SpecError] = SpecError
) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse a YAML file and validate it; return the data and a (json path -> line) index.

    Any problem raises ``error`` naming the file, the line and the field.
    """
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(name, None, "<file>", f"cannot be read: {exc}") from exc
    try:
        node, data = _parse_yaml(text)
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc)
        raise error(name, line, "<yaml>", problem) from exc
    except ValueError as exc:  # a scalar YAML resolves but cannot build, e.g. the date 2027-13-01
        where, line = _unbuildable(yaml.compose(text))
        raise error(name, line, where, f"cannot be read: {exc}") from exc
    if node is None:
        raise error(name, 1, "<document>", "the file is empty")
    lines = dict(yaml_lines(node))
    validator = StrictValidator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        err = jsonschema.exceptions.best_match(errors) or errors[0]
        key_path: tuple[Any, ...] = tuple(err.absolute_path)
        # additionalProperties errors point at the parent: name the offending key instead.
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            if extra:
                key_path = key_path + (extra[0],)
        raise error(name, lines.get(key_path) or lines.get(tuple(err.absolute_path)), field_name(data, key_path), err.message)
    return data, lines


def load_file(path: Path, schema: Mapping[str, Any]) -> list[Clause]:
    """Parse and validate one family file."""
    name = str(path)
    data, lines = load_validated_yaml(path, schema)
    clauses = []
    entry_lines: dict[tuple[int, int], dict[tuple[Any, ...], int]] = {}
    for key, line in lines.items():
        if len(key) >= 4 and key[0] == "clauses" and key[2] == "checks":
            entry_lines.setdefault((key[1], key[3]), {})[key[4:]] = line
    for i, raw in enumerate(data["clauses"]):
        source = raw["source"].strip()
        if source.startswith(DERIVED_PREFIX) and not source[len(DERIVED_PREFIX):].strip():
            raise SpecError(name, lines.get(("clauses", i, "source")), f"clauses[{raw['id']}].source", "'derived:' must be followed by the reasoning")
        problem = specifier_problem(raw["versions"]) if "versions" in raw else None
        if problem:
            raise SpecError(name, lines.get(("clauses", i, "versions")), f"clauses[{raw['id']}].versions", problem)
        clauses.append(
            Clause(
                id=raw["id"],
                title=raw["title"],
                level=raw["level"],
                subject=raw["subject"],
                family=data["family"],
                source=source,
                checks=tuple(CheckRef(c["check"], dict(c.get("params", {})), entry_lines.get((i, j), {}))
                             for j, c in enumerate(raw["checks"])),
                file=name,
                line=lines.get(("clauses", i), 0),
                versions=raw.get("versions"),
                timeout=raw.get("timeout"),
                pairwise=bool(raw.get("pairwise", False)),
                python_api=raw.get("python_api"),
                calls=raw.get("calls"),
            )
        )
    return clauses


def validate_checks(contract: Contract, registry: Mapping[str, DeclaresParams]) -> None:
    """Raise :class:`SpecError` at the first check a clause names that ``registry`` lacks, or whose parameters break its declaration."""
    for clause in contract:
        for j, ref in enumerate(clause.checks):
            where = f"clauses[{clause.id}].checks[{j}]"
            declared = registry.get(ref.name)
            if declared is None:
                raise SpecError(clause.file, ref.line_of(("check",)) or clause.line, f"{where}.check", f"unknown check {ref.name!r}")
            for path, problem in declared.param_problems(ref.params):
                field_ = where + ".params" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
                raise SpecError(clause.file, ref.line_of(("params", *path)) or clause.line, field_, problem)


#: Contracts parsed in this process, by (directory as given and resolved, digest of its files, schema):
#: a command may load the same one several times (the CLI, the command, the pytest plugin).
_LOADED: dict[tuple[str, str, str, str], Contract] = {}


def _parse(directory: Path, files: list[Path], schema: Mapping[str, Any], sha256: str) -> Contract:
    clauses: list[Clause] = []
    seen: dict[str, Clause] = {}
    for path in files:
        for clause in load_file(path, schema):
            if clause.id in seen:
                first = seen[clause.id]
                raise SpecError(clause.file, clause.line, f"clauses[{clause.id}].id", f"duplicate clause id (first defined at {first.file}:{first.line})")
            seen[clause.id] = clause
            clauses.append(clause)
    version_file = directory / "VERSION"
    version = version_file.read_text(encoding="utf-8").strip() if version_file.exists() else "unversioned"
    return Contract(version=version, sha256=sha256, directory=directory, clauses=tuple(clauses))


def load_contract(directory: str | Path | None = None, checks: Mapping[str, DeclaresParams] | None = None) -> Contract:
    """Load every ``*.yaml`` family file of ``directory`` (default: the bundled spec).

    With ``checks`` (the check registry), also validate each clause's checks against it (:func:`validate_checks`).
    """
    directory = Path(directory) if directory is not None else default_spec_dir()
    if not directory.is_dir():
        raise SpecError(str(directory), None, "<directory>", "is not a directory")
    files = sorted(directory.glob("*.yaml"))
    for path in files:
        if not path.is_file():
            raise SpecError(str(path), None, "<file>", "is not a file (a contract file is a YAML file)")
    if not files:
        raise SpecError(str(directory), None, "<directory>", "holds no *.yaml contract files")
    schema = _schema(directory)
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    key = (str(directory), str(directory.resolve()), digest.hexdigest(), json.dumps(schema, sort_keys=True))
    contract = _LOADED.get(key)
    if contract is None:
        contract = _parse(directory, files, schema, digest.hexdigest())
        _LOADED[key] = contract
    if checks is not None:
        validate_checks(contract, checks)
    return contract


def contract_or_exit(directory: str | None, checks: Mapping[str, DeclaresParams] | None = None) -> Contract:
    """The contract in ``directory`` (default: bundled); a malformed one ends the command with exit 2."""
    try:
        return load_contract(directory, checks)
    except SpecError as exc:
        print(f"udcodec: malformed spec: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def add_spec_option(parser: argparse.ArgumentParser) -> None:
    """``--spec DIR``, the one definition every subcommand that reads the contract uses."""
    parser.add_argument("--spec", metavar="DIR", help="contract directory (default: the bundled spec)")
