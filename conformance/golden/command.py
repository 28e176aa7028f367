"""``udcodec golden generate|verify``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from udcodec.golden.blosc1 import generate_blosc1, iter_problems, load_blosc1
from udcodec.golden.generate import generate
from udcodec.golden.manifest import GoldenError, GoldenMismatch, load_manifest
from udcodec.golden.vectors import verify_content, verify_file, verify_readings

# ---- the command line ---------------------------------------------------------------------------

def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser("golden", help="golden vectors: regenerate them with the installed python-blosc2, or verify them")
    golden_sub = p.add_subparsers(dest="golden_command", required=True)
    gen = golden_sub.add_parser("generate", help="write this python-blosc2 major's vectors and merge the manifest")
    gen.add_argument("--out", metavar="DIR", help="golden directory (default: the bundled spec/golden)")
    gen.add_argument("--force", action="store_true", help="overwrite vectors whose bytes changed")
    b1 = golden_sub.add_parser("generate-blosc1", help="write the Blosc1 chunks with the pinned python-blosc (pip install "
                               "'udcodec-conformance[blosc1]')")
    b1.add_argument("--out", metavar="DIR", help="golden directory (default: the bundled spec/golden)")
    b1.add_argument("--force", action="store_true", help="overwrite vectors whose bytes changed")
    ver = golden_sub.add_parser("verify", help="check every vector's sha256 and every entry's recipe")
    ver.add_argument("--dir", metavar="DIR", help="golden directory (default: the bundled spec/golden)")
    p.set_defaults(handler=cmd_golden)
    return p


def cmd_golden(args: argparse.Namespace) -> int:
    """``udcodec golden generate|verify``: 0 ok, 1 refused or mismatches, 2 bad input."""
    try:
        if args.golden_command == "generate":
            from udcodec.adapters.loader import AdapterLoadError

            try:
                report = generate(args.out, force=args.force)
            except AdapterLoadError as exc:
                print(f"udcodec: {exc}", file=sys.stderr)
                return 2
            print("\n".join(report.lines()), file=sys.stderr if report.refused else sys.stdout)
            return 1 if report.refused else 0
        if args.golden_command == "generate-blosc1":
            try:
                report = generate_blosc1(args.out, force=args.force)
            except GoldenError as exc:
                if exc.entry != "<writer>":
                    raise
                print(f"udcodec: {exc.field} {exc.problem}", file=sys.stderr)
                return 2
            print("\n".join(report.lines()), file=sys.stderr if report.refused else sys.stdout)
            return 1 if report.refused else 0
        if args.dir is not None and not Path(args.dir).is_dir():
            print(f"udcodec: --dir {args.dir}: not a directory", file=sys.stderr)
            return 2
        manifest = load_manifest(args.dir)
        blosc1 = load_blosc1(manifest.directory) if (manifest.directory / "blosc1").is_dir() else ()
    except GoldenError as exc:
        print(f"udcodec: malformed golden vectors: {exc}", file=sys.stderr)
        return 2
    problems = 0
    for entry in manifest:
        try:
            verify_file(entry, manifest.directory)
            verify_readings(entry, manifest.directory)  # after the file: it reads the chunk
        except GoldenMismatch as exc:
            problems += 1
            print(f"MISMATCH {exc}")
        try:
            verify_content(entry)
        except GoldenMismatch as exc:
            problems += 1
            print(f"MISMATCH {exc}")
    for mismatch in iter_problems(manifest.directory) if blosc1 else ():
        problems += 1
        print(f"MISMATCH {mismatch}")
    blosc1_part = f" and {len(blosc1)} Blosc1 chunks" if blosc1 else ""
    print(f"{len(manifest)} vectors{blosc1_part} in {manifest.directory}: {problems or 'no'} "
          f"mismatch{'es' if problems != 1 else ''}")
    return 1 if problems else 0
