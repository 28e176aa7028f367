"""Measure whether the blocks a host hands to Python callbacks hold whole items of the typesize.

Registers a recording zlib codec and a recording copy filter (``register_filter``) on the host and writes,
then reads back, chunks of every typesize given (``--typesizes``) at every clevel 1..9, with the blocksize
left out (automatic) and forced to sizes that are not multiples of the typesize, in every split mode. Each
chunk's size is a whole number of items. Prints (or writes with ``--json``) per callback and split mode the
calls whose input (or output) length is not a multiple of the typesize, with a few examples::

    python benchmarks/measure_item_blocks.py --host reference
    python benchmarks/measure_item_blocks.py --host blosc2 [--json items.json]   # in a venv per blosc2 line
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from typing import Any

import numpy as np
from udcodec.adapters.loader import load_adapter
from udcodec.adapters.protocol import CParams, DParams, user_filter_name
from udcodec.sweep import SPLITMODES
from udcodec.testcodecs import zlib_decoder, zlib_encoder

CODEC_ID, FILTER_ID = 250, 250
TYPESIZES = (1, 2, 3, 4, 5, 7, 8, 12, 16, 24, 255, 256, 300, 1000, 4097, 32768, 65535)
#: Chunk sizes in bytes (rounded down to whole items, at least one item).
CHUNK_BYTES = (1, 40, 1000, 33_333, 100_000, 262_147, 1_000_003, 3 * 1024 * 1024 + 5)
FORCED = (1000, 4099)


class Recording:
    """Lengths of every callback's input (or output), by callback, split mode, blocksize (automatic or forced)
    and typesize: how many calls, and the lengths that are not a multiple of the typesize."""

    def __init__(self) -> None:
        self.typesize, self.mode, self.blocksize = 1, "", "automatic"
        self.calls: Counter[tuple[str, str, str, int]] = Counter()
        self.partial: dict[tuple[str, str, str, int], Counter[int]] = defaultdict(Counter)

    def note(self, what: str, length: int) -> None:
        key = (what, self.mode, self.blocksize, self.typesize)
        self.calls[key] += 1
        if length % self.typesize:
            self.partial[key][length] += 1

    def enc(self, inp: np.ndarray, out: np.ndarray, meta: int, schunk: Any) -> int:
        self.note("encoder input", inp.size)
        return zlib_encoder(inp, out, meta, schunk)

    def dec(self, inp: np.ndarray, out: np.ndarray, meta: int, schunk: Any) -> int:
        self.note("decoder output", out.size)
        return zlib_decoder(inp, out, meta, schunk)

    def forward(self, inp: np.ndarray, out: np.ndarray, meta: int, schunk: Any) -> None:
        self.note("filter forward", inp.size)
        out[:] = inp

    def backward(self, inp: np.ndarray, out: np.ndarray, meta: int, schunk: Any) -> None:
        self.note("filter backward", inp.size)
        out[:] = inp


def _cases(typesizes: tuple[int, ...], max_bytes: int) -> list[tuple[CParams, int]]:
    cases = []
    for typesize in typesizes:
        sizes = sorted({max(n // typesize, 1) * typesize for n in CHUNK_BYTES if n <= max_bytes})
        for mode in SPLITMODES:
            # split streams are not items anyway: "always" runs the smaller chunks only (they are many calls)
            for nbytes in sizes if mode != "always" else [n for n in sizes if n <= 100_000]:
                for clevel in range(1, 10):
                    cases.append((CParams(codec=CODEC_ID, clevel=clevel, typesize=typesize, splitmode=mode), nbytes))
                    cases.append((CParams(codec=1, clevel=clevel, typesize=typesize, splitmode=mode,
                                          filters=(user_filter_name(FILTER_ID),), filters_meta=(0,)), nbytes))
                for blocksize in FORCED:
                    if blocksize % typesize:
                        cases.append((CParams(codec=CODEC_ID, typesize=typesize, splitmode=mode, blocksize=blocksize), nbytes))
                        cases.append((CParams(codec=1, typesize=typesize, splitmode=mode, blocksize=blocksize,
                                              filters=(user_filter_name(FILTER_ID),), filters_meta=(0,)), nbytes))
    return cases


def measure(host: str, typesizes: tuple[int, ...], max_bytes: int) -> dict[str, Any]:
    adapter = load_adapter(host)
    rec = Recording()
    adapter.register_codec("recording", CODEC_ID, rec.enc, rec.dec)
    adapter.register_filter(FILTER_ID, rec.forward, rec.backward)
    rng = np.random.default_rng(0)
    refused: Counter[str] = Counter()
    for cp, nbytes in _cases(typesizes, max_bytes):
        rec.typesize, rec.mode = int(cp.typesize), str(cp.splitmode)  # type: ignore[call-overload]
        rec.blocksize = f"forced {cp.blocksize}" if cp.blocksize else "automatic"
        data = rng.integers(0, 8, nbytes, dtype=np.uint8).tobytes()
        try:
            container = adapter.create(cparams=cp, dparams=DParams(nthreads=1), chunksize=nbytes)
            container.append(data)
            if container.decompress_chunk(0) != data:
                refused["wrong data"] += 1
            container.close()
        except Exception as exc:  # noqa: BLE001 - a host refusing a configuration is counted, not measured
            refused[f"typesize {cp.typesize}: {type(exc).__name__}: {str(exc)[:60]}"] += 1
    out: dict[str, Any] = {"host": host, "version": adapter.info().version, "typesizes": list(typesizes),
                           "refused": dict(refused), "callbacks": []}
    groups: dict[tuple[str, str, str], list[tuple[int, int, Counter[int]]]] = defaultdict(list)
    for (what, mode, blocksize, typesize), calls in sorted(rec.calls.items()):
        groups[what, mode, blocksize].append((typesize, calls, rec.partial.get((what, mode, blocksize, typesize), Counter())))
    for (what, mode, blocksize), rows in groups.items():
        out["callbacks"].append({
            "callback": what, "splitmode": mode, "blocksize": blocksize, "calls": sum(n for _, n, _ in rows),
            "partial": sum(sum(p.values()) for _, _, p in rows),
            "partial_by_typesize": {t: {"calls": n, "partial": sum(p.values()), "lengths": sorted(p)[:3]}
                                    for t, n, p in rows if p},
        })
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", action="append", help="adapter spec (default: reference and blosc2)")
    parser.add_argument("--typesizes", default=",".join(map(str, TYPESIZES)), help="comma-separated typesizes")
    parser.add_argument("--max-bytes", type=int, default=max(CHUNK_BYTES), help="largest chunk size")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    try:
        typesizes = tuple(int(t) for t in args.typesizes.split(","))
    except ValueError:
        parser.error(f"--typesizes: integers separated by commas, got {args.typesizes!r}")
    results = [measure(host, typesizes, args.max_bytes) for host in args.host or ["reference", "blosc2"]]
    for r in results:
        print(f"{r['host']} {r['version']}: refused {r['refused'] or 'nothing'}")
        for c in r["callbacks"]:
            where = "; ".join(f"typesize {t}: {p['partial']} of {p['calls']} (e.g. {p['lengths']})"
                              for t, p in c["partial_by_typesize"].items())
            print(f"  {c['callback']:15} {c['splitmode']:14} {c['blocksize']:12} {c['calls']:7} calls, "
                  f"{c['partial']:6} not whole items" + (f": {where}" if where else ""))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
