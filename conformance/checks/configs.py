"""Running the configuration sweep (:mod:`udcodec.sweep`) on an adapter: test codecs, cparams, data, one chunk."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from udcodec.adapters.protocol import Adapter, CParams, DParams, given, value_of
from udcodec.checks.api import CheckContext, describe_exc
from udcodec.checks.common import Retry, first_difference, header, retry_with_builtin
from udcodec.sweep import CODECS, Config, configurations

DP = DParams(nthreads=1)


def sweep(ctx: CheckContext) -> list[Config]:
    """The configurations of the run's profile."""
    return configurations(ctx.profile.sweep)


def register_test_codecs(ctx: CheckContext, who: Adapter, codec_id: int, codecs: Iterable[str]) -> None:
    """Register the named test codecs (:data:`udcodec.sweep.CODECS`), each as ``codec_id`` + its offset."""
    for name in codecs:
        codec = CODECS[name]
        cid = codec_id + codec.offset
        if who is ctx.peer and cid in who.registry():
            continue  # adapter and peer share one registry (two adapters of the same library)
        try:
            who.register_codec(f"i{name}", cid, codec.encoder, codec.decoder, codec.version)
        except Exception as exc:  # noqa: BLE001
            ctx.fail(f"{who.name}: registering a valid codec ({name!r}, id {cid}) was rejected: {describe_exc(exc)}")


def config_cparams(cfg: Config, codec_id: int) -> CParams:
    return cfg.with_codec(codec_id)


@dataclass(frozen=True)
class Produced:
    """A chunk one implementation wrote, what it reads back itself, and why it is unusable (if it is)."""

    chunk: bytes | None
    own: bytes | None
    problem: str = ""
    wrote_into_input: str = ""  # how the writer changed the buffer it was given (not judged here)


def produce(who: Adapter, cfg: Config, cp: CParams, data: bytes, *, builtin: bool = False) -> Produced:
    """Write ``data`` as one chunk with ``who`` and read it back with ``who``.

    ``problem`` is set when the writer raised or cannot read its own chunk back to ``data`` (to the
    data as the writer reads it, for a lossy filter): such a chunk proves nothing about a reader.
    The writer gets its own copy of ``data`` and is judged against ``data``: a writer that writes into
    the buffer it was given (python-blosc2 does in pipelines of three filters) is noted in
    ``wrote_into_input``, not taken for a chunk that does not round-trip. With ``builtin`` (a retry with
    a builtin codec) a ``NotImplementedError`` propagates: the host lacks that codec.
    """
    sent = bytes(bytearray(data))  # the writer's own copy: ``data`` stays private
    try:
        container = who.create(cparams=cp, dparams=DP, chunksize=len(data))
    except Exception as exc:  # noqa: BLE001 - reported per configuration
        if builtin and isinstance(exc, NotImplementedError):
            raise
        return Produced(None, None, f"{who.name} raised creating the container: {describe_exc(exc)}")
    try:
        try:
            container.append(sent)
            chunk = container.get_chunk(0)
        except Exception as exc:  # noqa: BLE001
            if builtin and isinstance(exc, NotImplementedError):
                raise
            return Produced(None, None, f"{who.name} raised writing it: {describe_exc(exc)}")
        try:
            own = container.decompress_chunk(0)
        except Exception as exc:  # noqa: BLE001
            return Produced(chunk, None, f"{who.name} cannot read its own chunk: {describe_exc(exc)}")
    finally:
        container.close()
    mutated = f"{who.name} wrote into the data it was given: {first_difference(sent, data)}" if sent != data else ""
    # a chunk stored memcpyed (it did not shrink) holds the data as given, before any filter (as c-blosc2 does)
    want = truncated(cfg, data)
    if want is not None and own != want and not header(chunk)["memcpyed"]:
        return Produced(chunk, own, f"{who.name} reads its own chunk back wrong (TRUNC_PREC keeps the mantissa bits "
                                    f"filters_meta asks for): {first_difference(own, want)}", mutated)
    if own != data and not cfg.lossy:
        return Produced(chunk, own, f"{who.name} reads its own chunk back wrong: {first_difference(own, data)}",
                        mutated)
    return Produced(chunk, own, wrote_into_input=mutated)


#: Mantissa bits of the float items TRUNC_PREC works on, by typesize.
MANTISSA_BITS = {4: 23, 8: 52}


def truncated(cfg: Config, data: bytes) -> bytes | None:
    """``data`` as a configuration whose first filter is TRUNC_PREC must read back (None: no such configuration).

    Each whole float32/float64 item keeps ``filters_meta`` mantissa bits (clears ``-filters_meta`` when
    negative); a partial last item is left as it is. Not with DELTA: c-blosc2 encodes blocks after the
    first against the untruncated first block, so those read back otherwise.
    """
    cp = cfg.cparams
    filters = tuple(value_of(cp.filters)) if given(cp.filters) else ()
    metas = tuple(value_of(cp.filters_meta)) if given(cp.filters_meta) else ()
    ts = value_of(cp.typesize) if given(cp.typesize) else 0
    if not filters or filters[0] != "trunc_prec" or "delta" in filters or ts not in MANTISSA_BITS:
        return None
    meta = metas[0] if metas else 0
    prec = meta - 256 if meta > 127 else meta
    zeroed = MANTISSA_BITS[ts] - prec if prec >= 0 else -prec
    n = len(data) // ts
    words = np.frombuffer(data[: n * ts], dtype=f"<u{ts}").copy()
    words &= np.array(~((1 << zeroed) - 1) & ((1 << 8 * ts) - 1), dtype=words.dtype)
    return words.tobytes() + data[n * ts:]


def read_chunk(who: Adapter, cp: CParams, chunk: bytes, nbytes: int) -> bytes:
    container = who.create(cparams=cp, dparams=DP, chunksize=nbytes)
    try:
        container.append_chunk(chunk)
        return container.decompress_chunk(0)
    finally:
        container.close()


def config_data(cfg: Config) -> bytes:
    return cfg.make_data()


def with_builtin(cp: CParams, codec_id: int) -> CParams:
    """``cp`` with a builtin codec: same filters, typesize, block size, split mode and clevel."""
    return dataclasses.replace(cp, codec=codec_id, codec_meta=0)


def retry_config(who: Adapter, cfg: Config, cp: CParams, data: bytes) -> Retry | None:
    """Write and read back one configuration with ``who`` again, with a builtin codec instead of ``cp``'s."""
    return retry_with_builtin(
        lambda codec: produce(who, cfg, with_builtin(cp, codec), data, builtin=True).problem or None)
