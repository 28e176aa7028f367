"""The README's examples work as written: its YAML files load, its tox commands parse, its adapter runs.

Each fenced block of README.md is read here and given to the code that would read it in a user's project.
A fenced block of a kind this module does not know fails, so that no new example goes unchecked.
"""

from __future__ import annotations

import argparse
import configparser
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from udcodec.checks import CHECKS
from udcodec.cli import _parser
from udcodec.contract import load_contract
from udcodec.domain import load_domain
from udcodec.expectations.model import load_expectations

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```$", README, flags=re.M | re.S)


def _blocks(language: str) -> list[str]:
    return [text for lang, text in BLOCKS if lang == language]


def _yaml_kind(text: str) -> str:
    data = yaml.safe_load(text)
    if "clauses" in data:
        return "spec"
    if "expectations" in data:
        return "expectations"
    if "jobs" in data:
        return "workflow"
    if "containers" in data:
        return "domain"
    return "unknown"


def test_every_fenced_block_is_of_a_checked_kind() -> None:
    assert {lang for lang, _ in BLOCKS} <= {"ini", "yaml", "python", "toml"}
    assert [_yaml_kind(text) for text in _blocks("yaml") if _yaml_kind(text) == "unknown"] == []
    assert len(BLOCKS) >= 10


def test_the_spec_example_is_a_valid_family_file(tmp_path: Path) -> None:
    (example,) = [text for text in _blocks("yaml") if _yaml_kind(text) == "spec"]
    shutil.copy(REPO / "spec" / "schema.json", tmp_path / "schema.json")
    (tmp_path / "registration.yaml").write_text(example, encoding="utf-8")
    contract = load_contract(tmp_path, checks=CHECKS)
    (clause,) = contract.clauses
    assert (clause.id, clause.level) == ("REG-ID-RANGE", "MUST")


def test_the_expectations_example_loads(tmp_path: Path) -> None:
    (example,) = [text for text in _blocks("yaml") if _yaml_kind(text) == "expectations"]
    path = tmp_path / "expectations.yaml"
    path.write_text(example, encoding="utf-8")
    (entry,) = load_expectations(path).entries
    assert entry.clause == "REG-ID-TYPE"


def test_the_domain_example_loads(tmp_path: Path) -> None:
    (example,) = [text for text in _blocks("yaml") if _yaml_kind(text) == "domain"]
    path = tmp_path / "domain.yaml"
    path.write_text(example, encoding="utf-8")
    assert load_domain(str(path)).codec == "myplugin"


@pytest.mark.parametrize("text", [t for t in _blocks("yaml") if _yaml_kind(t) == "workflow"])
def test_the_workflow_examples_run_a_tox_env_the_readme_defines(text: str) -> None:
    jobs = yaml.safe_load(text)["jobs"]
    envs = set()
    for job in jobs.values():
        matrix = job.get("strategy", {}).get("matrix", {}).get("env", [])
        for step in job["steps"]:
            if m := re.search(r"tox -e (\$\{\{ matrix.env \}\}|\S+)", step.get("run", "")):
                envs |= set(matrix) if m[1].startswith("$") else {m[1]}
    defined = {section.removeprefix("testenv:") for text in _blocks("ini") for section in _ini(text).sections()}
    expanded = set()
    for name in defined:  # tox's {a,b} factor braces
        if m := re.fullmatch(r"(.*)\{(.*)\}", name):
            expanded |= {m[1] + factor for factor in m[2].split(",")}
        else:
            expanded.add(name)
    assert envs
    assert envs <= expanded


def _ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def _tox_commands(value: str) -> list[list[str]]:
    joined = re.sub(r"\\\n\s*", " ", value)
    commands = []
    for line in joined.splitlines():
        line = re.sub(r"^\s*\w+:\s", "", line).replace("{posargs}", "").replace("{envname}", "env")
        if line.strip():
            commands.append(shlex.split(line))
    return commands


@pytest.mark.parametrize("text", _blocks("ini"))
def test_the_tox_examples_name_real_extras_and_parse_as_udcodec_commands(text: str) -> None:
    extras = set(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    for section in _ini(text).sections():
        env = _ini(text)[section]
        for dep in env.get("deps", "").split():
            if m := re.fullmatch(r"udcodec-conformance\[(.*)\]", dep):
                assert set(m[1].split(",")) <= extras, dep
        commands = _tox_commands(env["commands"])
        assert commands
        for argv in commands:
            assert argv[0] == "udcodec", argv
            _parser().parse_args(argv[1:])  # exits 2 on an option that does not exist


def test_the_adapter_example_passes_smoke_on_a_port(tmp_path: Path) -> None:
    """The three-line ModuleAdapter, over a port that is the reference under another name."""
    (example,) = _blocks("python")
    (tmp_path / "myport_adapter.py").write_text(example, encoding="utf-8")
    (tmp_path / "myport.py").write_text("import sys\nimport udcodec.reference\nsys.modules[__name__] = udcodec.reference\n",
                                        encoding="utf-8")
    command = shlex.split(README.split("    PYTHONPATH=. udcodec run --adapter myport_adapter")[1].splitlines()[0])
    assert command == [":MyPortAdapter"]
    got = subprocess.run([sys.executable, "-m", "udcodec.cli", "smoke", "--adapter", "myport_adapter:MyPortAdapter"],
                         cwd=tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=300)
    assert got.returncode == 0, got.stdout + got.stderr
    assert "every operation works" in got.stdout


def test_the_entry_point_example_names_the_adapter_class() -> None:
    (example,) = _blocks("toml")
    assert tomllib.loads(example)["project"]["entry-points"]["udcodec.adapters"] == {"myport": "myport_adapter:MyPortAdapter"}


def _subcommands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prefix} {name}".strip()
                nested = _subcommands(sub, path)
                found.update(nested or {path: sub})
    return found


def _options_block() -> dict[str, str]:
    block = README.split("Their options:\n\n", 1)[1].split("\n\n", 1)[0]
    entries: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        if m := re.match(r"    udcodec ((?:[a-z][a-z0-9-]*)(?: (?:update|verify|generate-blosc1|generate))?)\b", line):
            current = m[1]
            entries[current] = ""
        entries[current] += line.split("#", 1)[0] + "\n"
    return entries


def test_the_options_block_lists_every_command_and_every_option() -> None:
    entries = _options_block()
    commands = _subcommands(_parser())
    assert sorted(entries) == sorted(commands)
    for path, sub in commands.items():
        for action in sub._actions:
            options = [o for o in action.option_strings if o not in ("-h", "--help")]
            if options:
                assert any(re.search(rf"(?<![\w-]){o}(?![\w-])", entries[path]) for o in options), (
                    f"udcodec {path}: {options[-1]} is not in the README's options block")


def _tox_envs() -> set[str]:
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO / "tox.ini", encoding="utf-8")
    envs = set()
    for section in tox.sections():
        if m := re.fullmatch(r"testenv:(.*?)(?:\{(.*)\})?", section):
            envs |= {m[1] + factor for factor in m[2].split(",")} if m[2] else {m[1]}
    return envs


def test_the_tox_table_names_every_env_of_tox_ini() -> None:
    table = README.split("## tox environments\n", 1)[1].split("\n## ", 1)[0]
    named = {name for row in table.splitlines() if row.startswith("| `")
             for name in re.findall(r"`([\w-]+)`", row.split(" | ")[0])}
    assert named == _tox_envs() | {"py"}


def test_the_selftest_floor_is_stated_as_tox_ini_sets_it() -> None:
    tox = (REPO / "tox.ini").read_text(encoding="utf-8")
    (floor,) = re.findall(r"--min-must-rate (\d+)", tox)
    assert f"--min-must-rate {floor}`" in README
    assert f"fewer than {floor} % of the non-equivalent mutants" in README


def test_the_tests_readme_names_every_test_module() -> None:
    text = (REPO / "tests" / "README.md").read_text(encoding="utf-8")
    modules = [p for p in (REPO / "tests").rglob("test_*.py") if "python_blosc2_" not in str(p)]
    assert len(modules) > 50
    assert [str(p.relative_to(REPO)) for p in modules if p.name not in text] == []
