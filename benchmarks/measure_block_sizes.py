"""Measure the block sizes a host really hands to a user codec's encoder and decoder.

Registers a recording zlib codec on the host and writes, then reads back, every configuration of the
``thorough`` sweep (filters, pipelines, split modes, typesizes 1..255, block sizes at every edge, raw
blocks, runs) plus tiny chunks of 1..64 bytes with block sizes 1..16 in every split mode. Prints (or
writes with ``--json``) the smallest and largest input/output sizes per callback and the number of calls.
The bounds of ``spec/codec.yaml``'s direct-call checks come from these figures::

    python benchmarks/measure_block_sizes.py --host reference
    python benchmarks/measure_block_sizes.py --host blosc2 [--json sizes.json]   # in a venv per blosc2 line
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter
from typing import Any

import numpy as np
from udcodec.adapters.loader import load_adapter
from udcodec.adapters.protocol import CParams, DParams
from udcodec.sweep import SPLITMODES, configurations
from udcodec.testcodecs import zlib_decoder, zlib_encoder

CODEC_ID = 250


class Recording:
    def __init__(self) -> None:
        self.sizes: dict[str, Counter[int]] = {"encoder input": Counter(), "encoder output": Counter(),
                                               "decoder input": Counter(), "decoder output": Counter()}

    def enc(self, inp: np.ndarray, out: np.ndarray, meta: int, schunk: Any) -> int:
        self.sizes["encoder input"][inp.size] += 1
        self.sizes["encoder output"][out.size] += 1
        return zlib_encoder(inp, out, meta, schunk)

    def dec(self, inp: np.ndarray, out: np.ndarray, meta: int, schunk: Any) -> int:
        self.sizes["decoder input"][inp.size] += 1
        self.sizes["decoder output"][out.size] += 1
        return zlib_decoder(inp, out, meta, schunk)


def _cases() -> list[tuple[CParams, bytes]]:
    cases = [(dataclasses.replace(c.cparams, codec=CODEC_ID), c.make_data()) for c in configurations("thorough")]
    rng = np.random.default_rng(0)
    for nbytes in range(1, 65):
        for typesize in (1, 2, 3, 4, 8):
            for blocksize in (0, *range(1, 17)):
                for mode in SPLITMODES:
                    cp = CParams(codec=CODEC_ID, typesize=typesize, blocksize=blocksize, splitmode=mode,
                                 filters=("shuffle",))
                    cases.append((cp, rng.integers(0, 4, nbytes, dtype=np.uint8).tobytes()))
    return cases


def measure(host: str) -> dict[str, Any]:
    adapter = load_adapter(host)
    rec = Recording()
    adapter.register_codec("recording", CODEC_ID, rec.enc, rec.dec)
    failed = 0
    for cp, data in _cases():
        try:
            container = adapter.create(cparams=cp, dparams=DParams(nthreads=1), chunksize=len(data))
            container.append(data)
            container.decompress_chunk(0)
            container.close()
        except Exception:  # noqa: BLE001 - a host's known divergences; counted, not measured
            failed += 1
    out: dict[str, Any] = {"host": host, "version": adapter.info().version, "failed_configurations": failed}
    for what, sizes in rec.sizes.items():
        out[what] = {"calls": sum(sizes.values()), "min": min(sizes, default=None), "max": max(sizes, default=None),
                     "under_2_bytes": sum(n for size, n in sizes.items() if size < 2)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", action="append", help="adapter spec (default: reference and blosc2)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    results = [measure(host) for host in args.host or ["reference", "blosc2"]]
    for r in results:
        print(f"{r['host']} {r['version']}: {r['failed_configurations']} configurations failed")
        for what in ("encoder input", "encoder output", "decoder input", "decoder output"):
            f = r[what]
            print(f"  {what:15} {f['calls']:6} calls, sizes {f['min']}..{f['max']}, {f['under_2_bytes']} under 2 bytes")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
