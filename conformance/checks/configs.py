"""Running the configuration sweep (:mod:`udcodec.sweep`) on an adapter: test codecs, cparams, data, one chunk."""

from __future__ import annotations

from dataclasses import dataclass

from udcodec.adapters.protocol import Adapter, CParams, DParams
from udcodec.checks.api import CheckContext, describe_exc
from udcodec.checks.common import first_difference
from udcodec.sweep import Config, make_data
from udcodec.testcodecs import memcpy_encoder, zlib_decoder, zlib_encoder

DP = DParams(nthreads=1)


def register_test_codecs(ctx: CheckContext, who: Adapter, codec_id: int) -> None:
    """Register zlib-or-raw as ``codec_id`` and always-raw as ``codec_id + 1`` (what configurations use)."""
    for name, cid, enc in (("izlib", codec_id, zlib_encoder), ("imemcpy", codec_id + 1, memcpy_encoder)):
        if who is ctx.peer and cid in who.registry():
            continue  # adapter and peer share one registry (two adapters of the same library)
        try:
            who.register_codec(name, cid, enc, zlib_decoder)
        except Exception as exc:  # noqa: BLE001
            ctx.fail(f"{who.name}: registering a valid codec ({name!r}, id {cid}) was rejected: {describe_exc(exc)}")


def config_cparams(cfg: Config, codec_id: int) -> CParams:
    return cfg.with_codec(codec_id + (1 if cfg.codec == "memcpy" else 0))


@dataclass(frozen=True)
class Produced:
    """A chunk one implementation wrote, what it reads back itself, and why it is unusable (if it is)."""

    chunk: bytes | None
    own: bytes | None
    problem: str = ""


def produce(who: Adapter, cfg: Config, cp: CParams, data: bytes) -> Produced:
    """Write ``data`` as one chunk with ``who`` and read it back with ``who``.

    ``problem`` is set when the writer raised, or cannot read its own chunk back to ``data`` (to the
    data as the writer reads it, for a lossy filter): such a chunk proves nothing about a reader.
    """
    try:
        container = who.create(cparams=cp, dparams=DP, chunksize=len(data))
    except Exception as exc:  # noqa: BLE001 - reported per configuration
        return Produced(None, None, f"{who.name} raised creating the container: {describe_exc(exc)}")
    try:
        try:
            container.append(data)
            chunk = container.get_chunk(0)
        except Exception as exc:  # noqa: BLE001
            return Produced(None, None, f"{who.name} raised writing it: {describe_exc(exc)}")
        try:
            own = container.decompress_chunk(0)
        except Exception as exc:  # noqa: BLE001
            return Produced(chunk, None, f"{who.name} cannot read its own chunk: {describe_exc(exc)}")
    finally:
        container.close()
    if own != data and not cfg.lossy:
        return Produced(chunk, own, f"{who.name} reads its own chunk back wrong: {first_difference(own, data)}")
    return Produced(chunk, own)


def read_chunk(who: Adapter, cp: CParams, chunk: bytes, nbytes: int) -> bytes:
    container = who.create(cparams=cp, dparams=DP, chunksize=nbytes)
    try:
        container.append_chunk(chunk)
        return container.decompress_chunk(0)
    finally:
        container.close()


def config_data(cfg: Config) -> bytes:
    return make_data(cfg.data, cfg.data_bytes(), cfg.cparams.typesize)
