"""The codec under test: a user encoder/decoder pair (or a dynamic plugin) and how to register it.

``udcodec check-codec`` and ``pytest --udcodec-codec`` build a :class:`CodecSubject` from their
options; every argument is validated here, early, with a message that names the option.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from udcodec.domain import Domain, DomainError, FilterDomain, load_domain, load_filter_domain
from udcodec.outcomes import exc_text

#: Codec ids a user codec may take (the documented range).
USER_IDS = range(160, 256)
DEFAULT_ID = 200
#: The ids Blosc2 reserves for its globally registered codec plugins (codecs-registry.h), with the plugin
#: name each loads: a host knows them without ``register_codec``.
GLOBAL_PLUGIN_IDS = {36: "openhtj2k", 37: "grok", 38: "openzl", 39: "j2k", 40: "htj2k"}
#: The hosts a codec is checked on when none is named.
DEFAULT_HOSTS = ("reference", "blosc2")


#: The option names of ``udcodec check-codec`` that messages name (the pytest plugin passes its own).
CHECK_CODEC_OPTIONS = {"pair": "--udcodec-codec", "encoder": "--encoder", "decoder": "--decoder", "plugin": "--plugin",
                       "id": "--id", "meta": "--meta", "version": "--version", "domain": "--domain"}


class CodecSpecError(ValueError):
    """A codec option is malformed or names something that cannot be imported."""


def _one_line(exc: BaseException) -> str:
    """What ``exc`` says, on one printable line (an error of bad input is one line on stderr)."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in exc_text(exc))


def import_callable(target: str, option: str) -> Callable[..., Any]:
    """``module:attr`` (attr may be dotted) -> the callable it names."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise CodecSpecError(f"{option} wants MODULE:FUNCTION, got {target!r}")
    try:
        obj: Any = importlib.import_module(module_name)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - any import-time failure is the user's module's
        raise CodecSpecError(f"{option} {target!r}: cannot import {module_name!r}: {type(exc).__name__}: "
                             f"{_one_line(exc)}") from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CodecSpecError(f"{option} {target!r}: module {module_name!r} has no attribute {attr!r}") from None
    if not callable(obj):
        kind = type(obj).__name__
        raise CodecSpecError(f"{option} {target!r} is {'an' if kind[:1] in 'aeiou' else 'a'} {kind}, not a callable")
    return obj


@dataclass(frozen=True)
class CodecSubject:
    """What the codec checks register on each host and drive data through."""

    name: str
    id: int
    encoder_target: str | None = None  # "module:function"; None for a dynamic plugin
    decoder_target: str | None = None
    metas: tuple[int, ...] = (0,)
    version: int = 1
    encoder: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    decoder: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    domain: Domain | None = field(default=None, compare=False, repr=False)  # what the codec declares it accepts

    kind = "codec"

    @property
    def is_plugin(self) -> bool:
        return self.encoder is None

    @property
    def is_global_plugin(self) -> bool:
        """A plugin under a global id: the host already knows it, nothing is registered."""
        return self.is_plugin and GLOBAL_PLUGIN_IDS.get(self.id) == self.name

    @property
    def package(self) -> str:
        """The Python package a plugin ships in (Blosc2 asks it for the library's path)."""
        return f"blosc2_{self.name}"

    def register(self, adapter: Any) -> None:
        """Register the codec on ``adapter``; a plugin's package is imported first, as its users do."""
        if self.is_plugin:
            try:
                importlib.import_module(self.package)
            except ImportError:
                pass  # the preflight names a missing package; Blosc2 may still find the library by name
            if self.is_global_plugin:
                return
        adapter.register_codec(self.name, self.id, self.encoder, self.decoder, self.version)

    def describe(self) -> dict[str, Any]:
        """The codec as reports state it."""
        described = {"name": self.name, "id": self.id, "encoder": self.encoder_target, "decoder": self.decoder_target,
                     "plugin": self.is_plugin, "metas": list(self.metas), "version": self.version}
        if self.domain is not None:
            described["domain"] = self.domain.source
        return described

    @classmethod
    def build(
        cls,
        *,
        encoder: str | None = None,
        decoder: str | None = None,
        pair: str | None = None,
        plugin: str | None = None,
        name: str | None = None,
        id: int | str | None = None,
        metas: Sequence[int | str] = (),
        version: int | str = 1,
        domain: str | None = None,
        options: Mapping[str, str] = CHECK_CODEC_OPTIONS,
    ) -> CodecSubject:
        """Validate the options and import the callables; raise :class:`CodecSpecError` on any problem.

        ``options`` maps each argument to the option the user typed it as (messages name it).
        """
        o = options
        if pair is not None:
            if encoder or decoder:
                raise CodecSpecError(f"give the codec either as {o['pair']} ENCODER,DECODER or with {o['encoder']}/{o['decoder']}, not both")
            encoder, sep, decoder = pair.partition(",")
            if not sep:
                raise CodecSpecError(f"{o['pair']} wants MODULE:ENCODER,MODULE:DECODER, got {pair!r}")
        if plugin is not None and (encoder or decoder):
            raise CodecSpecError(f"{o['plugin']} names a dynamic plugin: do not give {o['encoder']}/{o['decoder']} with it")
        if plugin is None and not (encoder and decoder):
            raise CodecSpecError(f"give both {o['encoder']} and {o['decoder']} (MODULE:FUNCTION), or {o['plugin']} NAME")
        if name is not None and not (name and name.isprintable()):
            raise CodecSpecError(f"--name {_one_line(ValueError(repr(name)))}: give a non-empty name of printable characters "
                                 "(the reports print it)")
        codec_id = _int(id if id is not None else DEFAULT_ID, o["id"])
        if plugin is not None and codec_id in GLOBAL_PLUGIN_IDS:
            if plugin != GLOBAL_PLUGIN_IDS[codec_id]:
                raise CodecSpecError(f"{o['id']} {codec_id} is Blosc2's global id of plugin "
                                     f"{GLOBAL_PLUGIN_IDS[codec_id]!r}, not of {plugin!r}")
        elif codec_id not in USER_IDS:
            raise CodecSpecError(f"{o['id']} {codec_id} is outside the user codec range {USER_IDS.start}..{USER_IDS.stop - 1}"
                                 + (" (or a global plugin id: " + ", ".join(f"{i} {n}" for i, n in GLOBAL_PLUGIN_IDS.items())
                                    + ")" if plugin is not None else ""))
        meta_values = tuple(_int(m, o["meta"]) for m in metas) or (0,)
        for meta in meta_values:
            if not 0 <= meta <= 255:
                raise CodecSpecError(f"{o['meta']} {meta} is not a byte (0..255): Blosc2 stores the codec meta in one byte")
        version_value = _int(version, o["version"])
        if not 0 <= version_value <= 255:
            raise CodecSpecError(f"{o['version']} {version_value} is not a byte (0..255): Blosc2 stores the codec version "
                                 "in one byte")
        declared = None
        if domain is not None:
            declared = _load_domain(load_domain, domain, o.get("domain", "--domain"))
            meta_values = _metas_in_domain(declared, meta_values, bool(metas), o)
            if plugin is not None and declared.codec is not None and declared.codec != plugin:
                raise CodecSpecError(f"{o.get('domain', '--domain')} {domain}: the domain of codec {declared.codec!r}, "
                                     f"not of plugin {plugin!r}")
        if plugin is not None:
            if not plugin:
                raise CodecSpecError(f"{o['plugin']} wants the plugin's name")
            return cls(name=plugin, id=codec_id, metas=meta_values, version=version_value, domain=declared)
        assert encoder and decoder
        enc, dec = import_callable(encoder, o["encoder"]), import_callable(decoder, o["decoder"])
        default_name = f"{encoder.partition(':')[0].rsplit('.', 1)[-1]}_{codec_id}"
        return cls(name=name or default_name, id=codec_id, encoder_target=encoder, decoder_target=decoder,
                   metas=meta_values, version=version_value, encoder=enc, decoder=dec, domain=declared)


T = TypeVar("T")


def _load_domain(load: Callable[[str], T], where: str, option: str) -> T:
    """``load(where)``, its error an option error naming ``option``."""
    try:
        return load(where)
    except DomainError as exc:
        raise CodecSpecError(f"{option} {exc}") from None


def _metas_in_domain(domain: Domain, metas: tuple[int, ...], given: bool, o: Mapping[str, str]) -> tuple[int, ...]:
    """The metas to drive: those given, each of which the domain must accept (one it does not would leave every
    clause n/a and the run green), or, none given, 0 if the domain takes it, else the domain's first."""
    if domain.metas is None:
        return metas
    if given:
        outside = [m for m in metas if m not in domain.metas]
        if outside:
            raise CodecSpecError(f"{o['meta']} {outside[0]} is outside the domain's metas "
                                 f"({', '.join(map(str, domain.metas))}; {domain.source})")
        return metas
    return metas if 0 in domain.metas else domain.metas[:1]


def _int(value: int | str, option: str) -> int:
    if isinstance(value, bool):
        raise CodecSpecError(f"{option} wants an integer, got {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CodecSpecError(f"{option} wants an integer, got {value!r}") from None


#: Ids a user filter may take (the documented range).
USER_FILTER_IDS = range(160, 256)
DEFAULT_FILTER_ID = 160
#: The option names of ``udcodec check-filter`` that messages name (the pytest plugin passes its own).
CHECK_FILTER_OPTIONS = {"forward": "--forward", "backward": "--backward", "id": "--id", "meta": "--meta",
                        "domain": "--domain"}


@dataclass(frozen=True)
class FilterSubject:
    """The user filter under test (``udcodec check-filter``): a forward/backward pair registered under one id."""

    id: int
    forward_target: str
    backward_target: str
    metas: tuple[int, ...] = (0,)
    forward: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    backward: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    domain: FilterDomain | None = field(default=None, compare=False, repr=False)  # the typesizes it works under

    kind = "filter"
    is_plugin = False

    @property
    def name(self) -> str:
        return f"{self.forward_target.partition(':')[0].rsplit('.', 1)[-1]}_{self.id}"

    def register(self, adapter: Any) -> None:
        adapter.register_filter(self.id, self.forward, self.backward)

    def describe(self) -> dict[str, Any]:
        """The filter as reports state it (the codec slot's shape, ``kind`` saying it is a filter)."""
        described = {"name": self.name, "id": self.id, "encoder": self.forward_target, "decoder": self.backward_target,
                     "plugin": False, "metas": list(self.metas), "version": 1, "kind": "filter"}
        if self.domain is not None:
            described["domain"] = self.domain.source
        return described

    @classmethod
    def build(cls, *, forward: str | None, backward: str | None, id: int | str | None = None,
              metas: Sequence[int | str] = (), domain: str | None = None,
              options: Mapping[str, str] = CHECK_FILTER_OPTIONS) -> FilterSubject:
        """Validate the options and import the functions; raise :class:`CodecSpecError` on any problem."""
        o = options
        if not (forward and backward):
            raise CodecSpecError(f"give both {o['forward']} and {o['backward']} (MODULE:FUNCTION)")
        fid = _int(id if id is not None else DEFAULT_FILTER_ID, o["id"])
        if fid not in USER_FILTER_IDS:
            raise CodecSpecError(f"{o['id']} {fid} is outside the user filter range "
                                 f"{USER_FILTER_IDS.start}..{USER_FILTER_IDS.stop - 1}")
        meta_values = tuple(_int(m, o["meta"]) for m in metas) or (0,)
        for meta in meta_values:
            if not 0 <= meta <= 255:
                raise CodecSpecError(f"{o['meta']} {meta} is not a byte (0..255): Blosc2 stores filters_meta in one byte")
        declared = _load_domain(load_filter_domain, domain, o["domain"]) if domain is not None else None
        fwd, bwd = import_callable(forward, o["forward"]), import_callable(backward, o["backward"])
        return cls(id=fid, forward_target=forward, backward_target=backward, metas=meta_values, forward=fwd, backward=bwd,
                   domain=declared)


#: What a run checks besides hosts: a codec or a filter.
Subject = CodecSubject | FilterSubject
