"""Chunk byte identity between two hosts over the ``thorough`` configuration sweep (:mod:`udcodec.sweep`).

Builds one chunk per configuration with any host that has python-blosc2's ``register_codec`` /
``SChunk`` API (``blosc2`` 2.x-4.x or ``udcodec.reference``), notes whether the host reads its own
chunk back to the data (without writing into the data it was given), and computes byte-identity
rates per family over the configurations both hosts read back. A host that cannot read back its own
chunk wrote bytes that prove nothing about identity (python-blosc2's known bugs of this kind are listed under RT-CONFIGS in
``adapters/expectations/blosc2.yaml``); such configurations are counted apart.

Runnable as a script to dump the chunks a host writes (for comparisons between blosc2 versions,
each in its own venv)::

    python tests/reference/chunk_matrix.py dump OUT.pickle [--host blosc2|reference] [--target 2|3|4]
    python tests/reference/chunk_matrix.py compare A.pickle B.pickle
"""

from __future__ import annotations

import dataclasses
import pickle
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from udcodec.adapters.protocol import FILTER_IDS, SPLITMODE_IDS
from udcodec.sweep import CODECS, Config, config, configurations, families

#: The first codec id of the sweep's test codecs (each codec is BASE_ID + its offset).
BASE_ID = 200

__all__ = ["BASE_ID", "Config", "Rate", "Written", "build_chunk", "compare_outputs", "config", "decode_chunk",
           "host_cparams", "identity_rates", "matrix", "register_codecs", "written"]


def matrix(family_names: Iterable[str] | None = None) -> list[Config]:
    """The ``thorough`` sweep, or its configurations of the named families."""
    configs = configurations("thorough")
    if family_names is None:
        return configs
    wanted = set(family_names)
    unknown = wanted - set(families(configs))
    if unknown:
        raise ValueError(f"unknown families: {sorted(unknown)}")
    return [c for c in configs if c.family in wanted]


def register_codecs(host: Any) -> None:
    """Register the sweep's test codecs with ``host`` (idempotent; ids BASE_ID + offset)."""
    for name, codec in CODECS.items():
        cid = BASE_ID + codec.offset
        if cid not in host.ucodecs_registry:
            host.register_codec(name, cid, codec.encoder, codec.decoder, codec.version)


def host_cparams(host: Any, c: Config) -> dict[str, Any]:
    """``c``'s cparams as a dict for ``host`` (six filter slots; enum members where blosc2 wants them)."""
    cp = c.cparams
    filters: list[Any] = [FILTER_IDS[f] for f in cp.filters] + [0] * (6 - len(cp.filters))
    split: Any = SPLITMODE_IDS[cp.splitmode]
    if hasattr(host, "Filter"):
        filters = [host.Filter(f) for f in filters]
        split = host.SplitMode(split)
    metas = list(cp.filters_meta) + [0] * (6 - len(cp.filters_meta))
    return dict(codec=BASE_ID + CODECS[c.codec].offset, codec_meta=cp.codec_meta, clevel=cp.clevel,
                typesize=cp.typesize, nthreads=1, blocksize=cp.blocksize, splitmode=split, filters=filters,
                filters_meta=metas)


def _schunk(host: Any, c: Config, extra_cparams: dict[str, Any]) -> Any:
    return host.SChunk(chunksize=max(c.data_bytes(), 1), cparams={**host_cparams(host, c), **extra_cparams},
                       dparams={"nthreads": 1})


def build_chunk(host: Any, c: Config, data: Any = None, **extra_cparams: Any) -> bytes | Exception:
    """The chunk ``host`` writes for ``c`` (its SChunk's chunk 0), or the exception it raised.
    ``data`` defaults to ``c``'s; ``extra_cparams`` are added to the cparams (e.g. the reference's
    ``blosc2_target``)."""
    try:
        s = _schunk(host, c, extra_cparams)
        s.append_data(c.make_data() if data is None else data)
        return bytes(s.get_chunk(0))
    except Exception as exc:  # noqa: BLE001 - the error is the result
        return exc


def decode_chunk(host: Any, c: Config, chunk: bytes, **extra_cparams: Any) -> bytes | Exception:
    """Decode ``chunk`` with ``host`` inside an SChunk of configuration ``c``."""
    try:
        s = _schunk(host, c, extra_cparams)
        s.append_chunk(chunk)
        return bytes(s.decompress_chunk(0))
    except Exception as exc:  # noqa: BLE001
        return exc


@dataclass(frozen=True)
class Written:
    """What a host wrote for a configuration: the chunk (or why not) and whether it reads it back."""

    chunk: bytes | None
    error: str = ""  # the host raised writing
    reads_back: bool = False  # left the data it was given alone and decodes its chunk to it
    # (for a lossy filter: decodes it at all)


def written(host: Any, c: Config, **extra_cparams: Any) -> Written:
    data = c.make_data()
    sent = np.frombuffer(bytearray(data), np.uint8)  # python-blosc2 writes into it in 3-filter pipelines
    chunk = build_chunk(host, c, sent, **extra_cparams)
    if isinstance(chunk, Exception):
        return Written(None, repr(chunk))
    own = decode_chunk(host, c, chunk, **extra_cparams)
    intact = sent.tobytes() == data
    return Written(chunk, reads_back=intact and isinstance(own, bytes) and (c.lossy or own == data))


@dataclass
class Rate:
    """Byte-identity tally of one family over the configurations both hosts read back."""

    same: int = 0
    total: int = 0
    both_error: int = 0
    unreadable: int = 0  # left out: a host cannot read back its own chunk
    differing: list[str] = dataclasses.field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.same / self.total if self.total else 1.0

    def __str__(self) -> str:
        return (f"{self.same}/{self.total}" + (f" ({self.both_error} both raise)" if self.both_error else "")
                + (f" ({self.unreadable} left out: a host cannot read back its own chunk)" if self.unreadable else ""))


def compare_outputs(a: dict[str, Written], b: dict[str, Written], configs: Iterable[Config]) -> dict[str, Rate]:
    """Per-family byte identity of two hosts' outputs (both raising counts as identical; a chunk its
    writer cannot read back is left out)."""
    rates: dict[str, Rate] = {}
    for c in configs:
        r = rates.setdefault(c.family, Rate())
        x, y = a[c.label], b[c.label]
        if x.chunk is not None and y.chunk is not None and not (x.reads_back and y.reads_back):
            r.unreadable += 1
            continue
        r.total += 1
        if x.chunk is None and y.chunk is None:
            r.same += 1
            r.both_error += 1
        elif x.chunk == y.chunk:
            r.same += 1
        else:
            r.differing.append(c.label)
    return rates


def identity_rates(host_a: Any, host_b: Any, configs: Iterable[Config],
                   kwargs_a: dict[str, Any] | None = None,
                   kwargs_b: dict[str, Any] | None = None) -> dict[str, Rate]:
    """Build every configuration with both hosts and tally byte identity per family."""
    configs = list(configs)
    register_codecs(host_a)
    register_codecs(host_b)
    a = {c.label: written(host_a, c, **(kwargs_a or {})) for c in configs}
    b = {c.label: written(host_b, c, **(kwargs_b or {})) for c in configs}
    return compare_outputs(a, b, configs)


def _main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("--host", default="blosc2", choices=("blosc2", "reference"))
    d.add_argument("--target", default=None)
    cmp = sub.add_parser("compare")
    cmp.add_argument("a")
    cmp.add_argument("b")
    cmp.add_argument("--show", type=int, default=3)
    args = p.parse_args(argv)
    configs = matrix()
    if args.cmd == "dump":
        if args.host == "blosc2":
            import blosc2 as host

            kwargs: dict[str, Any] = {}
            label = f"blosc2 {host.__version__}"
        else:
            import udcodec.reference as host  # type: ignore[no-redef]

            kwargs = {"blosc2_target": int(args.target)} if args.target else {}
            label = f"reference target={args.target or 'default'}"
        register_codecs(host)
        res = {c.label: written(host, c, **kwargs) for c in configs}
        with open(args.out, "wb") as f:
            pickle.dump({"label": label, "chunks": {k: dataclasses.astuple(v) for k, v in res.items()}}, f)
        print(f"{label}: {len(res)} configurations, {sum(v.chunk is None for v in res.values())} errors, "
              f"{sum(v.chunk is not None and not v.reads_back for v in res.values())} not read back")
        return 0
    with open(args.a, "rb") as f:
        da = pickle.load(f)
    with open(args.b, "rb") as f:
        db = pickle.load(f)
    wa = {k: Written(*v) for k, v in da["chunks"].items()}
    wb = {k: Written(*v) for k, v in db["chunks"].items()}
    rates = compare_outputs(wa, wb, configs)
    print(f"{da['label']} vs {db['label']}")
    for fam, r in rates.items():
        print(f"  {fam:18s} {r}")
        for k in r.differing[: args.show]:
            x, y = wa[k], wb[k]
            desc = (f"{x.chunk[:32].hex()} len {len(x.chunk)} | {y.chunk[:32].hex()} len {len(y.chunk)}"
                    if x.chunk is not None and y.chunk is not None else f"{x.error or 'chunk'} | {y.error or 'chunk'}")
            print(f"      {k}\n        {desc[:200]}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
