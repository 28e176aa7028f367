"""Run the reproductions of the plugin expectations files against the installed python-blosc2.

    python tests/plugins/reproduce.py adapters/expectations/plugins/*.yaml

An entry whose ``versions`` holds for the installed release must still fail (its reproduction exits
non-zero or dies); one whose range excludes it must now pass. One line per entry; exit 1 if any entry
does not behave as recorded, 2 on bad input. ``tox -e plugins`` runs it before the clauses.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from udcodec.expectations.model import ExpectationsError, load_expectations
from udcodec.pluginlib import interpreter_env
from udcodec.versions import VERSIONED_IMPLEMENTATION, applies


def blosc2_version() -> str:
    got = subprocess.run([sys.executable, "-c", "import blosc2; print(blosc2.__version__)"], capture_output=True,
                         text=True, check=True)
    return got.stdout.strip()


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: reproduce.py EXPECTATIONS.yaml...", file=sys.stderr)
        return 2
    version = blosc2_version()
    wrong = 0
    for path in paths:
        try:
            entries = load_expectations(path).entries
        except ExpectationsError as exc:
            print(f"reproduce.py: {exc}", file=sys.stderr)
            return 2
        for entry in entries:
            holds = applies(entry.versions, VERSIONED_IMPLEMENTATION, version)
            got = subprocess.run([sys.executable, "-c", entry.reproduction], capture_output=True, text=True,
                                 timeout=300, env=interpreter_env())
            failed = got.returncode != 0
            last = (got.stderr.strip().splitlines() or ["(no output)"])[-1][:200]
            where = f"{Path(path).stem} {entry.clause} on python-blosc2 {version}"
            if holds and failed:
                print(f"reproduces: {where}: {last}")
            elif not holds and not failed:
                print(f"passes, as recorded (versions {entry.versions}): {where}")
            else:
                wrong += 1
                print(f"NOT AS RECORDED: {where}: " + ("the reproduction passes" if holds else
                                                      f"fails outside versions {entry.versions}: {last}"))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
