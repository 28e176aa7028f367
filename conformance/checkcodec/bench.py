"""``udcodec check-codec --bench``: the codec's throughput through each host, beside a builtin codec.

The data set is fixed (so figures compare across runs and codecs): 8 MiB made of an int32 ramp, a
smooth float64 signal and text, in 1 MiB chunks of 128 KiB blocks, typesize 4, shuffle, one thread.
Figures are MB/s (10**6 bytes of uncompressed data per second), best of ``repeat`` runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from udcodec.adapters.loader import load_adapter
from udcodec.adapters.protocol import CParams, DParams
from udcodec.subject import CodecSubject

CHUNK = 1 << 20
BLOCK = 128 << 10
#: Builtin Blosc2 codecs shown for scale (id in Blosc2's codec enumeration).
BUILTINS = {"LZ4 (builtin)": 1, "ZSTD (builtin)": 5}


def dataset() -> bytes:
    quarter = (8 << 20) // 4
    ramp = np.arange(quarter // 4, dtype="<i4") * 3 - 1000
    smooth = np.sin(np.linspace(0, 40 * np.pi, quarter // 8)).astype("<f8")
    words = b"the quick codec packs blocks of bytes into chunks and frames; "
    text = (words * (quarter // len(words) + 1))[:quarter]
    mixed = np.random.default_rng(7).integers(0, 64, quarter, dtype=np.uint8).tobytes()
    return ramp.tobytes() + smooth.tobytes() + text + mixed


@dataclass
class Figure:
    host: str
    codec: str
    compress_mbs: float
    decompress_mbs: float
    ratio: float
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The figure as the report's ``codec.throughput`` lists it."""
        return asdict(self)


def _measure(host: str, label: str, register: Callable[[Any], int], data: bytes, repeat: int) -> Figure:
    try:
        adapter = load_adapter(host)
        codec_id = register(adapter)
        cparams = CParams(codec=codec_id, typesize=4, blocksize=BLOCK, filters=("shuffle",), splitmode="never")
        best_c = best_d = float("inf")
        stored = 0
        for _ in range(repeat):
            container = adapter.create(cparams, DParams(nthreads=1), chunksize=CHUNK)
            t0 = time.perf_counter()
            for start in range(0, len(data), CHUNK):
                container.append(data[start : start + CHUNK])
            t1 = time.perf_counter()
            restored = b"".join(container.decompress_chunk(i) for i in range(container.nchunks))
            t2 = time.perf_counter()
            if restored != data:
                raise AssertionError("the round trip does not give the data back")
            stored = sum(len(container.get_chunk(i)) for i in range(container.nchunks))
            best_c, best_d = min(best_c, t1 - t0), min(best_d, t2 - t1)
        return Figure(host, label, len(data) / best_c / 1e6, len(data) / best_d / 1e6, len(data) / max(stored, 1))
    except Exception as exc:  # noqa: BLE001 - a figure that cannot be taken is reported, not fatal
        return Figure(host, label, 0.0, 0.0, 0.0, f"{type(exc).__name__}: {exc}")


def _builtin(codec_id: int) -> Callable[[Any], int]:
    """A builtin codec needs no registration: just its id."""
    return lambda adapter: codec_id


def bench(codec: CodecSubject, hosts: list[str], repeat: int = 3) -> list[Figure]:
    """The figures. Registers the codec in this process: the command calls it in an isolated child."""
    data = dataset()
    figures = []
    for host in hosts:
        def register(adapter: Any) -> int:
            codec.register(adapter)
            return codec.id

        figures.append(_measure(host, codec.name, register, data, repeat))
        if host == "blosc2":
            for label, builtin in BUILTINS.items():
                figures.append(_measure(host, label, _builtin(builtin), data, repeat))
    return figures


def print_bench(figures: list[Figure]) -> None:
    print(f"\nthroughput on {len(dataset()) >> 20} MiB (1 MiB chunks, 128 KiB blocks, typesize 4, shuffle, 1 thread;"
          " best of 3)")
    print(f"{'host':<12}{'codec':<24}{'compress MB/s':>15}{'decompress MB/s':>17}{'ratio':>8}")
    for f in figures:
        if f.error:
            print(f"{f.host:<12}{f.codec:<24}  not measured: {f.error}")
        else:
            print(f"{f.host:<12}{f.codec:<24}{f.compress_mbs:>15.1f}{f.decompress_mbs:>17.1f}{f.ratio:>8.2f}")
