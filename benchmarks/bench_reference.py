"""Throughput and peak memory of the reference implementation vs python-blosc2, same data, same codec.

Run on demand only (never from the test suite): ``python benchmarks/bench_reference.py``.

What is measured
----------------
Data: ``np.arange(N, dtype=np.int32)`` with N * 4 bytes = ``--size-mib`` MiB (default 64).
Both hosts ("reference" = ``udcodec.reference``, "blosc2" = the installed python-blosc2) get the
same data and the *same* Python user codec (the very same functions), registered with
``register_codec`` and used through ``SChunk(chunksize=1 MiB)`` with
``CParams(codec=id, typesize=4, blocksize=128 KiB, nthreads=1, filters=[NOFILTER],
splitmode=NEVER_SPLIT)`` and ``DParams(nthreads=1)``: one callback call per 128 KiB block,
8 blocks per chunk.  Codecs:

* ``memcpy``: the encoder returns 0 ("could not compress"), so every block is stored raw and the
  decoder is never called.  Measures the host's own per-block / per-chunk overhead.
* ``arange``: the encoder recognises a block that is an arange of int32 (constant step) and stores
  16 bytes (start, step as int64); the decoder rebuilds the block with ``np.arange``.  Correct for
  this data; measures the callback round trip with almost no codec work.
* ``zlib1``: ``zlib.compress(block, 1)`` / ``zlib.decompress`` in Python.  Measures a codec that
  does real work; the host overhead should matter less here.

Numbers reported, per (codec, host):

* ``comp MB/s``: uncompressed bytes (10**6 bytes = 1 MB) divided by the summed wall time of the
  ``append_data`` calls (one call per 1 MiB chunk), i.e. compression throughput including every
  Python callback.  ``decomp MB/s``: the same for ``decompress_chunk`` (returns a new bytes object).
  Verification of the decompressed bytes happens outside the timed calls.
* ``ratio ref/blosc2``: reference throughput divided by blosc2 throughput (1.0 = equally fast,
  0.5 = the reference takes twice as long).
* ``peak mem / data``: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at the end of the run minus the
  same figure just before the data were created (after imports), divided by the data size.  The
  input array itself is part of the peak, so ~1.0 is the floor; anything above is what the host
  (compressed chunks, temporaries) adds.  Each (codec, host) runs in its own fresh subprocess so
  that neither the high-water marks nor the codec registries mix.  RSS counts C allocations too
  (tracemalloc would miss c-blosc2's mallocs).
* ``host peak / data``: the same high-water mark, but measured from just after the input array was
  created: what the host needs on top of the caller's data (the stored chunks, which for the
  ``memcpy`` codec are as large as the data, plus every temporary).  This is the figure the
  "peak memory under 2x the data" target is about.
* ``cratio``: uncompressed / compressed bytes, a sanity check that both hosts did the same thing.

With ``--repeat N`` every (codec, host) subprocess runs N times and the median of each figure is
reported.  ``--json OUT`` saves all figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np
from udcodec.testcodecs import forbidden_decoder, memcpy_encoder, zlib_decoder, zlib_encoder

CHUNK = 2**20
BLOCK = 128 * 2**10
TYPESIZE = 4
CODECS = ("memcpy", "arange", "zlib1")
HOSTS = ("reference", "blosc2")
CODEC_IDS = {"memcpy": 200, "arange": 201, "zlib1": 202}  # distinct ids, one per registration


# ---- the codecs (shared by both hosts): memcpy and zlib1 are the harness's test codecs ---------
def arange_encoder(input: Any, output: Any, meta: int, schunk: Any) -> int:  # noqa: A002
    buf = np.asarray(input, dtype=np.uint8)
    if buf.size % TYPESIZE or buf.size < 2 * TYPESIZE or len(output) < 16:
        return 0
    items = buf.view(np.int32)
    start, step = int(items[0]), int(items[1]) - int(items[0])
    expected = np.arange(start, start + step * items.size, step, dtype=np.int64)
    if expected.size != items.size or not np.array_equal(items, expected):
        return 0
    output[:16] = np.array([start, step], dtype="<i8").view(np.uint8)
    return 16


def arange_decoder(input: Any, output: Any, meta: int, schunk: Any) -> int:  # noqa: A002
    start, step = np.asarray(input, dtype=np.uint8)[:16].view("<i8").tolist()
    n = len(output) // TYPESIZE
    block = np.arange(start, start + step * n, step, dtype=np.int64).astype(np.int32)
    output[:] = block.view(np.uint8)
    return len(output)


FUNCS = {"memcpy": (memcpy_encoder, forbidden_decoder), "arange": (arange_encoder, arange_decoder),
         "zlib1": (zlib_encoder, zlib_decoder)}


# ---- one (host, codec) measurement; runs in a fresh subprocess ----------------------------------
def _maxrss_bytes() -> int:
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux reports KiB


def measure(host: str, codec: str, size_mib: int) -> dict[str, Any]:
    if host == "reference":
        import udcodec.reference as mod
    else:
        import blosc2 as mod  # type: ignore[no-redef]
    cid = CODEC_IDS[codec]
    enc, dec = FUNCS[codec]
    mod.register_codec(f"bench_{codec}", cid, enc, dec)
    cparams = mod.CParams(codec=cid, nthreads=1, typesize=TYPESIZE, blocksize=BLOCK,
                          filters=[mod.Filter.NOFILTER], splitmode=mod.SplitMode.NEVER_SPLIT)
    dparams = mod.DParams(nthreads=1)
    rss0 = _maxrss_bytes()
    data = np.arange(size_mib * 2**20 // TYPESIZE, dtype=np.int32)
    raw = data.view(np.uint8)
    rss_data = _maxrss_bytes()
    schunk = mod.SChunk(chunksize=CHUNK, cparams=cparams, dparams=dparams)
    t_comp = 0.0
    for off in range(0, raw.size, CHUNK):
        piece = raw[off:off + CHUNK]
        t0 = time.perf_counter()
        schunk.append_data(piece)
        t_comp += time.perf_counter() - t0
    t_dec = 0.0
    for i in range(schunk.nchunks):
        t0 = time.perf_counter()
        out = schunk.decompress_chunk(i)
        t_dec += time.perf_counter() - t0
        if out != raw[i * CHUNK:(i + 1) * CHUNK].tobytes():
            raise SystemExit(f"{host}/{codec}: chunk {i} does not round-trip")
    peak = _maxrss_bytes() - rss0
    version = getattr(mod, "__version__", None) if host == "blosc2" else "reference"
    return {"host": host, "codec": codec, "version": version, "nbytes": int(raw.size),
            "cbytes": int(schunk.cbytes), "comp_s": t_comp, "decomp_s": t_dec,
            "comp_MBps": raw.size / t_comp / 1e6, "decomp_MBps": raw.size / t_dec / 1e6,
            "peak_rss_over_data": peak / raw.size,
            "host_peak_over_data": (_maxrss_bytes() - rss_data) / raw.size}


def run_worker(host: str, codec: str, size_mib: int) -> dict[str, Any]:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", host, codec,
           "--size-mib", str(size_mib)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"worker {host}/{codec} failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    row = dict(runs[0])
    for key in ("comp_s", "decomp_s", "comp_MBps", "decomp_MBps", "peak_rss_over_data", "host_peak_over_data"):
        row[key] = statistics.median(r[key] for r in runs)
    row["runs"] = len(runs)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size-mib", type=int, default=64, help="data size in MiB (default 64)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per (codec, host); median")
    parser.add_argument("--codec", action="append", choices=CODECS, help="only these codecs")
    parser.add_argument("--json", metavar="OUT", help="save the figures as JSON")
    parser.add_argument("--worker", nargs=2, metavar=("HOST", "CODEC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.size_mib < 1 or args.repeat < 1:
        parser.error("--size-mib and --repeat must be >= 1")
    if args.worker:
        host, codec = args.worker
        print(json.dumps(measure(host, codec, args.size_mib)))
        return 0

    codecs = args.codec or list(CODECS)
    rows: list[dict[str, Any]] = []
    for codec in codecs:
        for host in HOSTS:
            rows.append(median_of([run_worker(host, codec, args.size_mib)
                                   for _ in range(args.repeat)]))
    by = {(r["codec"], r["host"]): r for r in rows}
    summary = []
    for codec in codecs:
        ref, bl = by[codec, "reference"], by[codec, "blosc2"]
        summary.append({"codec": codec,
                        "comp_ratio_ref_over_blosc2": ref["comp_MBps"] / bl["comp_MBps"],
                        "decomp_ratio_ref_over_blosc2": ref["decomp_MBps"] / bl["decomp_MBps"],
                        "roundtrip_ratio_ref_over_blosc2": (bl["comp_s"] + bl["decomp_s"]) / (ref["comp_s"] + ref["decomp_s"]),
                        "host_peak_ref": ref["host_peak_over_data"],
                        "host_peak_blosc2": bl["host_peak_over_data"],
                        "same_cbytes": ref["cbytes"] == bl["cbytes"]})

    blosc2_version = by[codecs[0], "blosc2"]["version"]
    print(f"{args.size_mib} MiB int32 arange, chunk 1 MiB, block 128 KiB, nthreads=1, "
          f"median of {args.repeat}; Python {platform.python_version()}, blosc2 {blosc2_version}, "
          f"{os.cpu_count()} CPUs")
    print("MB = 10**6 bytes of uncompressed data; ratio = reference / blosc2 throughput; "
          "peak = max RSS growth / data size (with the input array; host: on top of it)\n")
    head = (f"{'codec':<7} {'host':<9} {'comp MB/s':>10} {'decomp MB/s':>12} {'comp s':>8} "
            f"{'decomp s':>9} {'cratio':>8} {'peak/data':>10} {'host peak':>10}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['codec']:<7} {r['host']:<9} {r['comp_MBps']:>10.1f} {r['decomp_MBps']:>12.1f} "
              f"{r['comp_s']:>8.3f} {r['decomp_s']:>9.3f} {r['nbytes'] / r['cbytes']:>8.1f} "
              f"{r['peak_rss_over_data']:>10.2f} {r['host_peak_over_data']:>10.2f}")
    print(f"\n{'codec':<7} {'comp ref/blosc2':>16} {'decomp ref/blosc2':>18} {'round trip ref/blosc2':>22} "
          f"{'same cbytes':>12}")
    for s in summary:
        print(f"{s['codec']:<7} {s['comp_ratio_ref_over_blosc2']:>16.2f} "
              f"{s['decomp_ratio_ref_over_blosc2']:>18.2f} {s['roundtrip_ratio_ref_over_blosc2']:>22.2f} "
              f"{str(s['same_cbytes']):>12}")
    if args.json:
        meta = {"date": time.strftime("%Y-%m-%d"), "python": platform.python_version(),
                "blosc2": blosc2_version, "cpus": os.cpu_count(), "size_mib": args.size_mib,
                "repeat": args.repeat}
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"meta": meta, "rows": rows, "summary": summary}, fh, indent=2)
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
