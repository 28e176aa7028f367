"""Codec checks: does a user encoder/decoder pair keep its side of the contract on a host?

Host-level checks push adversarial data through the host's container with the codec registered.
Block-level checks call the codec directly, as a host does, with buffers the harness controls
(canary-filled outputs, small outputs, weak references), passing the host's container as ``schunk``.
A compiled plugin is called the same way through :class:`udcodec.plugincall.PluginCodec`: its encoder and
decoder get c-blosc2's parameter structs and outputs between canary margins.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
from hypothesis import strategies as st
from udcodec.adapters.protocol import Container, CParams, DParams
from udcodec.checks.api import (
    CheckContext,
    Explanation,
    NotApplicable,
    Param,
    check,
    describe_exc,
    names_same_raise,
    raised_words,
    value_text,
)
from udcodec.checks.common import (
    CONTENT,
    DTYPE,
    FILTER_PIPELINES,
    LAYOUT_SIZE,
    NEEDS,
    SPLITMODES,
    cparams_for,
    fill,
    first_difference,
    new_container,
    read_back,
    require_needed,
)
from udcodec.checks.ndcodec import drives_ndarrays, nd_cases, nd_roundtrip
from udcodec.checks.repro import (
    direct_call,
    host_prelude,
    registration,
    rerun_command,
    through_host,
)
from udcodec.data import Adversary, catalogue
from udcodec.plugincall import BufferOverrun, PluginCallUnavailable, PluginCodec
from udcodec.pluginlib import resolve, run_standalone
from udcodec.scenarios import header
from udcodec.strategies import ADVERSARIAL, Layout, layouts, make_data
from udcodec.subject import CodecSubject

CANARIES = (0xA5, 0x5A)

#: The dtypes, adversarial contents and sizes of the blocks and layouts the codec checks draw.
DTYPES = Param(list, items=DTYPE, default=("u1", "i2", "i4", "i8", "f4", "f8", "c16", "V3"))
CONTENTS = Param(list, items=CONTENT, default=ADVERSARIAL)
#: ``min_block_bytes``: the smallest block a direct call hands the codec. Hosts never pass blocks under
#: 2 bytes (benchmarks/measure_block_sizes.py); the spec states that bound, and robustness below it is
#: a clause of its own.
RANDOM_BLOCK_CASES = {"dtypes": DTYPES, "min_items": Param(int, min=0, default=0), "max_items": Param(int, min=1),
                      "min_block_bytes": Param(int, min=0, default=0)}
BLOCK_CASES = {**RANDOM_BLOCK_CASES, "contents": CONTENTS}
#: ``adversarial``: run every entry of the adversarial catalogue (adversarial.yaml) first.
ADVERSARIAL_PARAM = {"adversarial": Param(bool, default=False)}
#: Under a time budget (``Profile.cut``) a host round trip draws one chunk of at most this many blocks.
CUT_BLOCKS = 2


@dataclass(frozen=True)
class BlockCase:
    """One block handed straight to the codec: its content recipe and the codec meta."""

    content: str
    dtype: str
    nitems: int
    seed: int
    meta: int

    def data(self) -> bytes:
        return make_data(self.content, np.dtype(self.dtype), self.nitems, self.seed)

    def recipe(self) -> str:
        return _recipe(self)


def _subject(ctx: CheckContext, *, inside_domain: bool = True) -> CodecSubject:
    """The codec under test; n/a when the host cannot run it or (``inside_domain``) no SChunk is in its domain."""
    if ctx.codec is None:
        raise NotApplicable("a codec clause needs a codec under test (udcodec check-codec)")
    if ctx.codec.is_plugin and "plugin_libraries" not in ctx.adapter.capabilities():
        raise NotApplicable(f"host {ctx.adapter_spec!r} does not run compiled codec plugins as c-blosc2 does, "
                            "with a super-chunk (it does not list the capability 'plugin_libraries')")
    if inside_domain and ctx.codec.domain is not None and not ctx.codec.domain.drivable:
        raise NotApplicable(ctx.codec.domain.not_drivable_reason())
    return ctx.codec


def _in_domain(codec: CodecSubject, axis: str, values: Any) -> list[Any]:
    """The clause's ``values`` of ``axis`` inside the codec's declared domain; n/a when none is."""
    values = list(values)
    if codec.domain is None:
        return values
    kept = codec.domain.keep(axis, values)
    if not kept:
        shown = ", ".join("+".join(v) if isinstance(v, list | tuple) else str(v) for v in values)
        raise NotApplicable(f"outside the codec's domain ({codec.domain.source}): it accepts "
                            f"{codec.domain.describe(axis)}, this clause drives {axis} {shown}")
    return kept


def _plugin(codec: CodecSubject) -> PluginCodec:
    """The plugin's library, loaded to be called directly; n/a when that cannot be done here."""
    try:
        return PluginCodec.load(codec.name, codec.id)
    except PluginCallUnavailable as exc:
        raise NotApplicable(f"the plugin cannot be called directly: {exc}") from None


def _callables(ctx: CheckContext, typesize: int = 1) -> tuple[CodecSubject, Callable[..., Any], Callable[..., Any]]:
    """The encoder and decoder as Python callables: a plugin's through ctypes, with ``typesize`` in its cparams."""
    codec = _subject(ctx)
    if codec.encoder is None or codec.decoder is None:
        return (codec, *_plugin(codec).pair(typesize, **_plugin_params(codec)))
    return codec, codec.encoder, codec.decoder


def _plugin_params(codec: CodecSubject) -> dict[str, Any]:
    """The split mode and filters a plugin's direct calls state in their cparams: the first its domain accepts."""
    modes, filters = ["never", "always"], [("nofilter",), ("shuffle",)]
    if codec.domain is not None:
        modes, filters = codec.domain.keep("splitmodes", modes) or modes, codec.domain.keep("filters", filters) or filters
    return {"splitmode": modes[0], "filters": tuple(filters[0])}


def _python_only(ctx: CheckContext, why: str) -> None:
    """n/a for a compiled plugin, saying ``why``."""
    if _subject(ctx).is_plugin:
        raise NotApplicable(f"the codec is a compiled plugin: {why}")


def _plugin_only(ctx: CheckContext, why: str, *, inside_domain: bool = True) -> CodecSubject:
    """The codec under test; n/a for a Python codec, saying ``why``."""
    codec = _subject(ctx, inside_domain=inside_domain)
    if not codec.is_plugin:
        raise NotApplicable(f"the codec is a Python encoder/decoder pair: {why}")
    return codec


def _prepare(ctx: CheckContext) -> None:
    """Before calling the codec directly: registered on the host (a plugin also loaded to be called)."""
    codec, _, _ = _callables(ctx)
    _register(ctx, codec)


_REGISTERED: weakref.WeakSet[Any] = weakref.WeakSet()  # adapters the codec is registered on (a clause may run several checks)


def _register(ctx: CheckContext, codec: CodecSubject) -> None:
    if ctx.adapter in _REGISTERED:
        return
    try:
        codec.register(ctx.adapter)
        _REGISTERED.add(ctx.adapter)
    except Exception as exc:  # noqa: BLE001
        message = (f"the host rejected the codec's registration (name {codec.name!r}, id {codec.id}, version "
                   f"{codec.version}): {type(exc).__name__}: {exc}")
        ctx.fail(message, reproduction=registration(codec, ctx.clause.id, message, ctx.adapter,
                                                    rerun_command(ctx.adapter_spec, ctx.clause, codec)))


def _host_container(ctx: CheckContext, codec: CodecSubject, meta: int, nbytes: int, typesize: int | None = None
                    ) -> Container:
    """A container of the host using the codec: what the codec receives as ``schunk``; with ``typesize``, that of
    the block's items, as a container holding them has."""
    extra: dict[str, Any] = {} if typesize is None else {"typesize": typesize}
    return new_container(ctx, cparams_for(codec.id, codec_meta=meta, **extra), chunksize=max(nbytes, 1))


def block_cases(ctx: CheckContext, contents: Any = None) -> st.SearchStrategy[BlockCase]:
    """Blocks drawn as ``BLOCK_CASES`` declares, or ``RANDOM_BLOCK_CASES`` when ``contents`` is given."""
    codec = _subject(ctx)
    least, most = int(ctx.param("min_items")), int(ctx.param("max_items"))
    min_bytes = int(ctx.param("min_block_bytes"))

    def items(dtype: str) -> st.SearchStrategy[int]:
        width = max(np.dtype(dtype).itemsize, 1)
        low = max(least, -(-min_bytes // width))  # at least min_block_bytes bytes
        return st.integers(low, max(low, most))

    @st.composite
    def case(draw: st.DrawFn) -> BlockCase:
        content = draw(st.sampled_from(_in_domain(codec, "contents", contents if contents is not None else ctx.param("contents"))))
        dtype = draw(st.sampled_from(_in_domain(codec, "dtypes", ctx.param("dtypes"))))
        return BlockCase(content=content, dtype=dtype, nitems=draw(items(dtype)),
                         seed=draw(st.integers(0, 2**32 - 1)), meta=draw(st.sampled_from(_in_domain(codec, "metas", codec.metas))))

    return case()


class _Direct:
    """Calls the codec on one block the way a host does, turning any exception into a check failure."""

    def __init__(self, ctx: CheckContext, case: BlockCase, what: str) -> None:
        self.ctx, self.case, self.what = ctx, case, what
        typesize = max(np.dtype(case.dtype).itemsize, 1)
        self.codec, self.encoder, self.decoder = _callables(ctx, typesize)
        self.data = case.data()
        self.block = np.frombuffer(bytearray(self.data), dtype=np.uint8)
        # the block's typesize, as in a container of its items: a codec may read schunk.typesize (and a domain
        # may admit only some)
        extra = _plugin_params(self.codec) if self.codec.is_plugin else {}
        self.cparams = cparams_for(self.codec.id, codec_meta=case.meta, typesize=typesize, **extra)
        self.schunk = _host_container(ctx, self.codec, case.meta, len(self.data), typesize).native()

    def fail(self, message: str, body: str, explained_by: Explanation | None = None) -> NoReturn:
        """Fail the clause; ``explained_by`` is the basic property the failure looks like breaking, kept only when
        the codec breaks it on this very block called as CODEC-BLOCK-ROUNDTRIP calls it (:meth:`confirm`)."""
        codec, case = self.codec, self.case
        snippet = direct_call(codec, self.ctx.clause.id, message, self.ctx.adapter, self.cparams, self.data,
                              case.recipe(), body.replace("META", str(case.meta)))
        self.ctx.fail(message, counterexample=_counterexample(self.ctx, case, self.data), reproduction=snippet,
                      explained_by=self.confirm(explained_by, message))

    def confirm(self, candidate: Explanation | None, message: str) -> Explanation | None:
        """``candidate`` when a whole block's plain encode and decode break it too, as the failure says (the same
        size defect, wrong data, or the same exception): a defect only a short output, a canary, another order or
        a second call shows is this clause's own, whatever the basic clauses fail of elsewhere."""
        if candidate is None:
            return None
        found = _block_defect(self.encoder, self.decoder, np.frombuffer(bytearray(self.data), dtype=np.uint8),
                              self.case.meta, self.schunk)
        if found is None or found.check != candidate.check:
            return None
        if " raised " in candidate.why:
            return found if names_same_raise(found, message) else None
        return found if found == candidate else None

    def encode(self, output: np.ndarray, body: str) -> Any:
        try:
            return self.encoder(self.block, output, self.case.meta, self.schunk)
        except BufferOverrun as exc:
            self.fail(f"{exc} ({self.what})", body)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - SystemExit too: what the codec raised is its verdict
            self.fail(f"the encoder raised {describe_exc(exc)} ({self.what})", body, _raised("encoder", exc))

    def decode(self, packed: np.ndarray, size: int, body: str) -> tuple[Any, np.ndarray]:
        output = np.zeros(size, dtype=np.uint8)
        try:
            return self.decoder(packed, output, self.case.meta, self.schunk), output
        except BufferOverrun as exc:
            self.fail(f"{exc} ({self.what})", body)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001
            self.fail(f"the decoder raised {describe_exc(exc)} ({self.what})", body, _raised("decoder", exc))

    def valid_size(self, n: Any, limit: int, role: str, body: str) -> int:
        problem = size_problem(n, limit, role)
        if problem:
            self.fail(problem, body, SIZE_CHECKS[role])
        return int(n)

    def roundtrip(self, output: np.ndarray, n: int, body: str) -> None:
        """Decode ``output[:n]`` and compare with the block."""
        packed = np.frombuffer(bytearray(output[:n].tobytes()), dtype=np.uint8)
        got, out = self.decode(packed, len(self.data), body)
        size = self.valid_size(got, len(self.data), "decoder", body)
        if size != len(self.data):
            self.fail(f"the decoder returned {size}, not the decompressed size {len(self.data)}", body,
                      SIZE_CHECKS["decoder"])
        if out.tobytes() != self.data:
            self.fail(f"decoder(encoder(block)) != block: {first_difference(out.tobytes(), self.data)}", body,
                      BLOCK_ROUNDTRIP)


#: What a wrong size returned by the encoder or the decoder explains: the check judging it, and how its failures begin.
SIZE_CHECKS = {"encoder": Explanation("codec.encoder_size", "the encoder returned"),
               "decoder": Explanation("codec.decoder_size", "the decoder returned")}
BLOCK_ROUNDTRIP = Explanation("codec.block_roundtrip", "decoder(encoder(block)) != block")


def size_problem(n: Any, limit: int, role: str) -> str | None:
    """Why ``n``, returned by the ``role`` (encoder, decoder) given an output of ``limit`` bytes, is no valid size."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        return f"the {role} returned {value_text(n)} ({type(n).__name__}), not an integer size"
    if not 0 <= int(n) <= limit:
        return f"the {role} returned {value_text(int(n))}, outside [0, {limit}] (the output buffer's size)"
    return None


def _raised(role: str, exc: BaseException) -> Explanation:
    """The explanation of a call that raised on a block: it returned no size, which CODEC-ENC-SIZE (the encoder) or
    CODEC-DEC-SIZE (the decoder) judges; who raised what, and where (the chain left out)."""
    return Explanation(f"codec.{role}_size", f"the {role} raised {raised_words(exc)}")


def _block_defect(encoder: Any, decoder: Any, block: np.ndarray, meta: int, schunk: Any) -> Explanation | None:
    """The first basic property the codec breaks on ``block`` encoded into an output of its size and decoded back,
    as CODEC-ENC-SIZE, CODEC-DEC-SIZE and CODEC-BLOCK-ROUNDTRIP call it; None when they hold."""
    role = "encoder"
    try:
        out = np.zeros(block.size, dtype=np.uint8)
        n = encoder(block, out, meta, schunk)
        if size_problem(n, out.size, "encoder"):
            return SIZE_CHECKS["encoder"]
        if not n:
            return None
        back = np.zeros(block.size, dtype=np.uint8)
        role = "decoder"
        m = decoder(np.frombuffer(bytearray(out[:int(n)].tobytes()), dtype=np.uint8), back, meta, schunk)
        if size_problem(m, back.size, "decoder") or int(m) != block.size:
            return SIZE_CHECKS["decoder"]
        if back.tobytes() != block.tobytes():
            return BLOCK_ROUNDTRIP
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - raising on the block: no size returned
        return _raised(role, exc)
    return None


def _direct_defect(ctx: CheckContext, layout: Layout, meta: int, data: bytes) -> Explanation | None:
    """The first direct-call property the codec breaks on the blocks of ``data`` (cut as ``layout`` asks, whole
    chunks when the host picks the block size), as an explanation of a host round trip that failed on it; None
    when they hold there. A call that raises is explained by the exception, its words and where it was raised
    (which the failure of CODEC-ENC-SIZE or CODEC-DEC-SIZE must state too). When those hold, an encoder that raises
    given an output shorter than the block, as a host gives one near the end of its chunk's room, is explained by
    CODEC-SMALL-OUTPUT. A block the host splits is called as its streams too."""
    try:
        codec, encoder, decoder = _callables(ctx, layout.typesize)
        schunk = _host_container(ctx, codec, meta, layout.chunksize, layout.typesize).native()
    except Exception:  # noqa: BLE001 - nothing to call the codec with: no explanation
        return None
    step = layout.blocksize or layout.chunksize or len(data)
    blocks = [np.frombuffer(bytearray(chunk[start:start + step]), dtype=np.uint8)
              for chunk in (data[i:i + layout.chunksize] for i in range(0, len(data), max(layout.chunksize, 1)))
              for start in range(0, len(chunk), max(step, 1))]
    blocks = [b for b in blocks if b.size >= MIN_HOST_BLOCK]  # no host hands a codec a smaller one (stored raw)
    blocks += [s for b in blocks for s in _split_streams(layout, b, step) if s.size >= MIN_HOST_BLOCK]
    for block in blocks:
        found = _block_defect(encoder, decoder, block, meta, schunk)
        if found is not None:
            return found
    if codec.is_plugin:  # a library writing past a short output ends at a guard page: this check's process would die
        return None
    for block in blocks:
        for size in sorted({block.size - 1, block.size // 2}, reverse=True):
            try:
                encoder(block, np.zeros(size, dtype=np.uint8), meta, schunk)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001 - raising for want of room: CODEC-SMALL-OUTPUT's
                return Explanation("codec.small_output", f"the encoder raised {raised_words(exc)}")
    return None


#: The smallest block a host hands a codec (the spec's min_block_bytes of the host-facing clauses: 2).
MIN_HOST_BLOCK = 2


def _split_streams(layout: Layout, block: np.ndarray, step: int) -> list[np.ndarray]:
    """The streams a host hands the encoder for ``block`` when it splits it (a user codec's block is split in
    ALWAYS mode only, a chunk's short last block never): one per byte of the type, cut from the block as the filters
    left it. Only pipelines of NOFILTER and one SHUFFLE are rebuilt here; for others, and unsplit blocks, none."""
    names = [f for f in layout.filters if f != "nofilter"]
    typesize = layout.typesize
    if layout.splitmode != "always" or block.size < step or not 1 < typesize <= 255 or names not in ([], ["shuffle"]):
        return []
    items = block.size // typesize
    if not items:
        return []
    if names:  # the block's bytes grouped by their place in the item, the whole items' first
        block = np.concatenate([block[:items * typesize].reshape(items, typesize).T.ravel(), block[items * typesize:]])
    return [block[i * items:(i + 1) * items] for i in range(typesize)]


def _same_kind(found: Explanation | None, message: str, raised: bool) -> Explanation | None:
    """``found`` when it can be what failed the host round trip saying ``message``: wrong data only by a block that
    decodes to wrong data; an exception by a wrong size (the host's own check raises) or by the same exception of
    the codec's (its words, numbers aside). The direct calls see whole blocks, not the host's split streams or
    shuffled bytes: a defect of another kind there is another defect, and the failure stays."""
    if found is None:
        return None
    if not raised:
        return found if found is BLOCK_ROUNDTRIP else None
    if found in SIZE_CHECKS.values():
        return found
    return found if names_same_raise(found, message) else None


def _counterexample(ctx: CheckContext, case: BlockCase | Layout, data: bytes, **extra: Any) -> dict[str, Any]:
    shown = data[:64].hex() + ("…" if len(data) > 64 else "")
    fields = {k: getattr(case, k) for k in case.__dataclass_fields__}
    return {"host": ctx.adapter_spec, **fields, **extra, "nbytes": len(data), "data_hex": shown}


_ENCODE = """
output = np.zeros(len(data), dtype=np.uint8)
n = encoder(block, output, META, schunk)
print("encoder returned", repr(n))
"""
_ROUNDTRIP = _ENCODE + """
restored = np.zeros(len(data), dtype=np.uint8)
if n:
    m = decoder(np.frombuffer(bytearray(output[:n].tobytes()), dtype=np.uint8), restored, META, schunk)
    print("decoder returned", repr(m))
    assert m == len(data) and restored.tobytes() == data, "decoder(encoder(block)) != block"
"""


@check("codec.registers")
def registers(ctx: CheckContext) -> None:
    """The host accepts the codec's registration (name, id, version) and can build a container with it."""
    codec = _subject(ctx, inside_domain=False)
    _register(ctx, codec)
    for meta in codec.metas:
        try:
            _host_container(ctx, codec, meta, 1)
        except Exception as exc:  # noqa: BLE001
            ctx.fail(f"creating a container with codec {codec.id} and meta {meta} failed: {type(exc).__name__}: {exc}")


#: Items of a chunk every splitting mode (not "never") round-trips first, for each dtype: no power of two, so the
#: streams a split block makes have odd lengths (blosc2-openzl 0.0.1 cannot read back 250 items of 4 bytes split).
ODD_ITEMS = 250


@check("codec.roundtrip", params={**LAYOUT_SIZE, **NEEDS, **ADVERSARIAL_PARAM, "dtypes": DTYPES, "contents": CONTENTS,
                                  "filters": FILTER_PIPELINES, "splitmodes": SPLITMODES,
                                  "ndarrays": Param(bool, default=False),
                                  "every_dtype": Param(bool, default=False),
                                  "block_items": Param(list, items=Param(int, min=0), default=(0, 1, 7, 64, 256))})
def roundtrip(ctx: CheckContext) -> None:
    """decompress(compress(x)) == x through the host's container for adversarial data and layouts.

    With ``ndarrays``, images drawn inside the codec's domain then round-trip through NDArrays as users
    create them (``asarray(x, chunks=, blocks=, cparams=)``; a plugin also on several threads); a domain
    of NDArrays only is checked that way alone.

    Each split mode starts with one chunk of the first dtype round-tripped with every content kind (and,
    with ``adversarial``, every catalogue entry), and with ``every_dtype`` one chunk of each dtype in each filter
    pipeline (content kinds in turn), so no dtype is left to the draw; under a time budget (``Profile.cut``) the drawn layouts
    are one chunk of at most ``CUT_BLOCKS`` blocks, each with one content kind (picked by its seed), unless the
    clause covers the catalogue.
    """
    codec = _subject(ctx, inside_domain=not ctx.param("ndarrays"))
    require_needed(ctx)
    ndarrays = bool(ctx.param("ndarrays")) and drives_ndarrays(ctx, codec)
    if codec.domain is not None and not codec.domain.drivable:
        if not ndarrays:
            raise NotApplicable(f"the codec's domain ({codec.domain.source}) accepts only NDArrays and host "
                                f"{ctx.adapter_spec!r} does not list the capability 'ndarray'")
        _nd_roundtrips(ctx, codec)
        return
    dtypes, filters = _in_domain(codec, "dtypes", ctx.param("dtypes")), _in_domain(codec, "filters", ctx.param("filters"))
    modes, metas = _in_domain(codec, "splitmodes", ctx.param("splitmodes")), _in_domain(codec, "metas", codec.metas)
    contents = _in_domain(codec, "contents", ctx.param("contents"))
    _register(ctx, codec)
    cut = ctx.profile.cut
    max_chunks, max_items = int(ctx.param("max_chunks")), int(ctx.param("max_chunk_items"))
    block_items = tuple(ctx.param("block_items"))
    if cut:
        max_chunks, max_items = 1, min(max_items, 256)
    adversaries = _adversaries(ctx, codec)
    every = not cut or bool(adversaries)  # a cut clause tries one content kind per layout
    for mode in modes:
        strategy = st.tuples(
            layouts(
                dtypes=dtypes,
                contents=["random"],  # the property tries every content kind on each layout
                filters=[tuple(f) for f in filters],
                splitmodes=[mode],
                max_chunk_items=max_items,
                max_chunks=max_chunks,
                block_items=block_items,
                max_blocks=CUT_BLOCKS if cut else None,
                allow_empty=not cut,
            ),
            st.sampled_from(metas),
        )
        dtype = dtypes[0]
        items = min(max_items, 256)
        floor = Layout(dtype=dtype, typesize=np.dtype(dtype).itemsize, chunk_items=items, block_items=0, nitems=items,
                       content="random", seed=0, filters=tuple(filters[0]), splitmode=mode)
        first: list[Any] = [(floor, metas[0], "every" if every else "one")]
        # a chunk of an item count no power of two, of each dtype, where blocks may be split: streams of odd lengths
        first += [(dataclasses.replace(floor, dtype=d, typesize=np.dtype(d).itemsize, chunk_items=ODD_ITEMS,
                                       nitems=ODD_ITEMS), metas[0], "one" if cut else "every")
                  for d in dtypes if ODD_ITEMS <= max_items and mode != "never"]
        if ctx.param("every_dtype"):  # content kinds in turn: the kind follows from the seed ("one")
            first += [(dataclasses.replace(floor, dtype=d, typesize=np.dtype(d).itemsize, filters=tuple(f), seed=i),
                       metas[0], "one") for i, (d, f) in enumerate(itertools.product(dtypes, filters))]
        notes: list[str | None] = [None] * len(first) + [catalogue_note(a) for a in adversaries]
        first += [(Layout(dtype=a.dtype, typesize=np.dtype(a.dtype).itemsize, chunk_items=a.items, block_items=0,
                          nitems=a.items, content=a.recipe, seed=a.seed, filters=tuple(filters[0]), splitmode=mode),
                   metas[0], a.id) for a in adversaries]

        def prop(case: tuple[Layout, int] | tuple[Layout, int, str]) -> None:
            layout, meta = case[0], case[1]
            which = case[2] if len(case) > 2 else ("every" if every else "one")
            if which == "every":
                _every_content(ctx, codec, layout, meta, contents)
            elif which == "one":  # the kind follows from the example, so Hypothesis replays it with the same data
                _host_roundtrip(ctx, codec, dataclasses.replace(layout, content=contents[layout.seed % len(contents)]),
                                meta)
            else:  # a catalogue entry: its own data
                _host_roundtrip(ctx, codec, layout, meta)

        ctx.for_all(strategy, prop, first=first, notes=notes)
    if ndarrays:
        _nd_roundtrips(ctx, codec)


def _nd_roundtrips(ctx: CheckContext, codec: CodecSubject) -> None:
    """Round-trip images through NDArrays drawn inside the codec's domain (a plugin also on several threads)."""
    domain = codec.domain
    dtypes = list(domain.dtypes) if domain is not None and domain.dtypes is not None else list(ctx.param("dtypes"))
    threads = [1]
    if codec.is_plugin:
        most = domain.max_threads if domain is not None and domain.max_threads is not None else 4
        threads = sorted({1, min(2, most), min(4, most)})
    drawn = nd_cases(domain, _in_domain(codec, "dtypes", dtypes), _in_domain(codec, "metas", codec.metas),
                     [tuple(f) for f in _in_domain(codec, "filters", ctx.param("filters"))],
                     _in_domain(codec, "splitmodes", ctx.param("splitmodes")), threads)
    if drawn is None:
        if domain is not None and not domain.drivable:
            raise NotApplicable(f"the codec's domain ({domain.source}) has no numeric dtype to make images of")
        return
    _register(ctx, codec)
    strategy, first = drawn
    ctx.for_all(strategy, lambda case: nd_roundtrip(ctx, codec, case), first=[first])


def _every_content(ctx: CheckContext, codec: CodecSubject, layout: Layout, meta: int, contents: list[str]) -> None:
    """Round-trip the layout once per content kind: a kind drawn at random can go untested."""
    for content in contents:
        _host_roundtrip(ctx, codec, dataclasses.replace(layout, content=content), meta)


def _host_roundtrip(ctx: CheckContext, codec: CodecSubject, layout: Layout, meta: int) -> None:
    cparams: CParams = cparams_for(codec.id, layout, codec_meta=meta)
    data = layout.data()

    def fail(message: str, raised: bool = False) -> NoReturn:
        snippet = through_host(codec, ctx.clause.id, message, ctx.adapter, cparams, layout.chunksize, data,
                               _recipe(layout), rerun_command(ctx.adapter_spec, ctx.clause, codec))
        ctx.fail(message, counterexample=_counterexample(ctx, layout, data, meta=meta, chunksize=layout.chunksize,
                                                         blocksize=layout.blocksize), reproduction=snippet,
                 explained_by=_same_kind(_direct_defect(ctx, layout, meta, data), message, raised))

    try:
        container = new_container(ctx, cparams, chunksize=layout.chunksize)
        fill(container, layout.chunks())
        got = read_back(container)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001
        fail(f"the round trip raised {describe_exc(exc)}", raised=True)
    tolerance = codec.domain.tolerance if codec.domain is not None else None
    if tolerance is not None:
        off = tolerance.problem(got, data, layout.dtype)
        if off:
            fail(f"decompress(compress(x)) is outside the codec's stated tolerance: {off}")
    elif got != data:
        fail(f"decompress(compress(x)) != x: {first_difference(got, data)}")


def _recipe(case: BlockCase | Layout) -> str:
    """The ``make_data`` call that regenerates a case's data (for snippets too long to spell out in hex)."""
    return f'make_data("{case.content}", np.dtype("{case.dtype}"), {case.nitems}, {case.seed})'


@check("codec.block_roundtrip", params={**BLOCK_CASES, **ADVERSARIAL_PARAM}, explains=3)
def block_roundtrip(ctx: CheckContext) -> None:
    """The decoder inverts the encoder bit-exactly on any block, and reports the decompressed size."""
    _prepare(ctx)
    codec = _subject(ctx)
    metas = _in_domain(codec, "metas", codec.metas)[:1]
    entries = [a for a in _adversaries(ctx, codec) if metas and a.nbytes >= int(ctx.param("min_block_bytes"))]
    first = [BlockCase(content=a.recipe, dtype=a.dtype, nitems=a.items, seed=a.seed, meta=metas[0]) for a in entries]

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "encoding then decoding one block")
        out = np.zeros(len(call.data), dtype=np.uint8)
        n = call.valid_size(call.encode(out, _ROUNDTRIP), out.size, "encoder", _ROUNDTRIP)
        if n:
            call.roundtrip(out, n, _ROUNDTRIP)

    ctx.for_all(block_cases(ctx), prop, first=first, notes=[catalogue_note(a) for a in entries])


def catalogue_note(entry: Adversary) -> str:
    """What a failure on a catalogue entry adds: the entry, the real failure it records, and its report."""
    return f"the adversarial catalogue's entry {entry.id}: {entry.failure} ({entry.issue})"


def _adversaries(ctx: CheckContext, codec: CodecSubject) -> list[Adversary]:
    """The catalogue's entries when the clause asks for them (``adversarial``), inside the codec's domain."""
    if not ctx.param("adversarial"):
        return []
    entries = list(catalogue())
    if codec.domain is not None:  # its dtypes and, when it names them, its data generators
        dtypes = set(codec.domain.keep("dtypes", sorted({a.dtype for a in entries})))
        recipes = set(codec.domain.keep("contents", sorted({a.recipe for a in entries})))
        entries = [a for a in entries if a.dtype in dtypes and a.recipe in recipes]
    return entries


@check("codec.encoder_size", params=BLOCK_CASES, explains=1)
def encoder_size(ctx: CheckContext) -> None:
    """The encoder returns an integer in [0, output.size] for any block."""
    _prepare(ctx)

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "encoding one block")
        out = np.zeros(len(call.data), dtype=np.uint8)
        body = _ENCODE + "assert isinstance(n, int) and 0 <= n <= output.size\n"
        call.valid_size(call.encode(out, body), out.size, "encoder", body)

    ctx.for_all(block_cases(ctx), prop)


@check("codec.decoder_size", params=BLOCK_CASES, explains=2)
def decoder_size(ctx: CheckContext) -> None:
    """The decoder returns the decompressed size (output.size) for every block the encoder compressed."""
    _prepare(ctx)

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "decoding one compressed block")
        out = np.zeros(len(call.data), dtype=np.uint8)
        n = call.valid_size(call.encode(out, _ROUNDTRIP), out.size, "encoder", _ROUNDTRIP)
        if n:
            packed = np.frombuffer(bytearray(out[:n].tobytes()), dtype=np.uint8)
            got, _ = call.decode(packed, len(call.data), _ROUNDTRIP)
            if isinstance(got, bool) or not isinstance(got, int | np.integer) or int(got) != len(call.data):
                call.fail(f"the decoder returned {value_text(got)}, not the decompressed size {len(call.data)}", _ROUNDTRIP)

    ctx.for_all(block_cases(ctx), prop, first=_odd_blocks(ctx))


def _odd_blocks(ctx: CheckContext) -> list[BlockCase]:
    """Blocks of an odd number of bytes, small and large, of the most compressible content the codec's domain
    takes: a decoder that miscounts them is met whatever the drawn examples (the host round trips meet it)."""
    codec = _subject(ctx)
    contents = _in_domain(codec, "contents", ctx.param("contents"))
    content = next((c for c in ("zeros", "constant", "runs") if c in contents), contents[0])
    dtypes = [d for d in _in_domain(codec, "dtypes", ctx.param("dtypes")) if np.dtype(d).itemsize % 2]
    if not dtypes:
        return []
    width = np.dtype(dtypes[0]).itemsize
    least = max(int(ctx.param("min_items")), -(-int(ctx.param("min_block_bytes")) // width))
    sizes = sorted({n | 1 for n in (max(13, least), max(1001, least)) if n | 1 <= int(ctx.param("max_items"))})
    meta = _in_domain(codec, "metas", codec.metas)[0]
    return [BlockCase(content=content, dtype=dtypes[0], nitems=n, seed=0, meta=meta) for n in sizes]


@check("codec.no_overrun", params=BLOCK_CASES)
def no_overrun(ctx: CheckContext) -> None:
    """When the encoder returns n > 0 it has written nothing past output[n]."""
    _prepare(ctx)
    body = """
    for canary in (0xA5, 0x5A):
        output = np.full(len(data), canary, dtype=np.uint8)
        n = encoder(block, output, META, schunk)
        assert not n or (output[n:] == canary).all(), f"bytes past {n} were written"
    """

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "encoding into a canary-filled output")
        for canary in CANARIES:
            out = np.full(len(call.data), canary, dtype=np.uint8)
            n = call.valid_size(call.encode(out, body), out.size, "encoder", body)
            touched = np.flatnonzero(out[n:] != canary) if n else np.empty(0, dtype=np.intp)
            if touched.size:
                call.fail(f"the encoder returned {n} but wrote {touched.size} byte(s) past it (first at output[{n + int(touched[0])}])", body)

    ctx.for_all(block_cases(ctx), prop)


@check("codec.small_output", params={**BLOCK_CASES, "min_output_bytes": Param(int, min=0, default=0)}, explains=4)
def small_output(ctx: CheckContext) -> None:
    """Given an output buffer smaller than the block, the encoder returns 0 or a size that fits and decodes."""
    _prepare(ctx)
    min_out = int(ctx.param("min_output_bytes"))

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[BlockCase, int]:
        case = draw(block_cases(ctx).filter(lambda c: c.nitems * np.dtype(c.dtype).itemsize > min_out))
        nbytes = case.nitems * np.dtype(case.dtype).itemsize
        return case, draw(st.integers(min_out, nbytes - 1))

    def prop(example: tuple[BlockCase, int]) -> None:
        case, size = example
        call = _Direct(ctx, case, f"encoding into an output of {size} bytes")
        body = _ROUNDTRIP.replace("output = np.zeros(len(data), dtype=np.uint8)", f"output = np.zeros({size}, dtype=np.uint8)")
        out = np.zeros(size, dtype=np.uint8)
        n = call.valid_size(call.encode(out, body), size, "encoder", body)
        if n:
            call.roundtrip(out, n, body)

    ctx.for_all(cases(), prop)


@check("codec.decoder_bounds", params=BLOCK_CASES)
def decoder_bounds(ctx: CheckContext) -> None:
    """Given an output smaller than what the block decodes to, the decoder fails or returns a size that fits,
    and writes nothing past the output."""
    _prepare(ctx)

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[BlockCase, int]:
        case = draw(block_cases(ctx).filter(lambda c: c.nitems * np.dtype(c.dtype).itemsize > 1))
        return case, draw(st.integers(1, case.nitems * np.dtype(case.dtype).itemsize - 1))

    def prop(example: tuple[BlockCase, int]) -> None:
        case, size = example
        call = _Direct(ctx, case, f"decoding into an output of {size} bytes")
        body = _ENCODE + f"""
if n:
    short = np.zeros({size}, dtype=np.uint8)
    try:
        m = decoder(np.frombuffer(bytearray(output[:n].tobytes()), dtype=np.uint8), short, META, schunk)
    except Exception as exc:  # refusing is fine; writing past the output (a plugin's BufferOverrun) is not
        if type(exc).__name__ == "BufferOverrun":
            raise
        m = -1
    print("decoder returned", repr(m))
    assert m < 0 or m <= short.size, "the decoder returned a size past its output"
"""
        out = np.zeros(len(call.data), dtype=np.uint8)
        n = call.valid_size(call.encode(out, body), out.size, "encoder", body)
        if not n:
            return  # stored raw: the decoder is never called
        packed = np.frombuffer(bytearray(out[:n].tobytes()), dtype=np.uint8)
        try:
            got = call.decoder(packed, np.zeros(size, dtype=np.uint8), case.meta, call.schunk)
        except BufferOverrun as exc:
            call.fail(f"{exc}: a block that decodes to {len(call.data)} bytes, given {size}", body)
        except Exception:  # noqa: BLE001 - refusing a short output is the right answer
            return
        if isinstance(got, bool) or not isinstance(got, int | np.integer):
            call.fail(f"the decoder returned {value_text(got)} ({type(got).__name__}) for a short output, not an integer", body)
        if int(got) > size:
            call.fail(f"the decoder returned {value_text(int(got))} for a {size}-byte output (the block decodes to "
                      f"{len(call.data)}): it reports bytes it had no room for", body)

    ctx.for_all(cases(), prop)


@check("codec.incompressible", params={**RANDOM_BLOCK_CASES, "min_nbytes": Param(int, min=0, default=1)})
def incompressible(ctx: CheckContext) -> None:
    """Incompressible blocks give 0 (store raw), not a size as large as the block or bytes that do not decode."""
    _prepare(ctx)

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "encoding random bytes")
        out = np.zeros(len(call.data), dtype=np.uint8)
        n = call.valid_size(call.encode(out, _ROUNDTRIP), out.size, "encoder", _ROUNDTRIP)
        if n >= ctx.param("min_nbytes") and n >= len(call.data):
            call.fail(f"the encoder returned {n} for {len(call.data)} random bytes: no gain, it should return 0", _ROUNDTRIP)
        if n:
            call.roundtrip(out, n, _ROUNDTRIP)

    ctx.for_all(block_cases(ctx, ["random"]), prop)


@check("codec.deterministic", params=BLOCK_CASES)
def deterministic(ctx: CheckContext) -> None:
    """Encoding the same block twice gives the same size and the same bytes."""
    _prepare(ctx)
    body = """
    first, second = np.zeros(len(data), dtype=np.uint8), np.full(len(data), 0xFF, dtype=np.uint8)
    n1, n2 = encoder(block, first, META, schunk), encoder(block.copy(), second, META, schunk)
    assert n1 == n2 and first[:n1].tobytes() == second[:n2].tobytes(), (n1, n2)
    """

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "encoding one block twice")
        first, second = np.zeros(len(call.data), dtype=np.uint8), np.full(len(call.data), 0xFF, dtype=np.uint8)
        n1 = call.valid_size(call.encode(first, body), first.size, "encoder", body)
        call.block = call.block.copy()
        n2 = call.valid_size(call.encode(second, body), second.size, "encoder", body)
        if n1 != n2 or first[:n1].tobytes() != second[:n2].tobytes():
            detail = f"sizes {n1} and {n2}" if n1 != n2 else first_difference(first[:n1].tobytes(), second[:n2].tobytes())
            differ = np.flatnonzero(first[:n1] != second[:n1]) if n1 == n2 else np.array([], dtype=np.intp)
            if differ.size and (first[differ] == 0x00).all() and (second[differ] == 0xFF).all():
                # each differing byte holds what the output buffer held before the call (zeros, then 0xFF)
                detail += (f"; the returned size counts {differ.size} byte(s) the encoder never wrote (at "
                           f"{', '.join(map(str, differ[:4].tolist()))}{', ...' if differ.size > 4 else ''}: they "
                           "keep the output buffer's earlier content)")
            call.fail(f"encoding the same block twice gave different results: {detail}", body)

    ctx.for_all(block_cases(ctx), prop)


@check("codec.no_retained_buffers", params=BLOCK_CASES)
def no_retained_buffers(ctx: CheckContext) -> None:
    """After returning, the codec holds no reference to the input or output array it was given."""
    _python_only(ctx, "weak references see Python objects, not the pointers a C codec might keep")
    _prepare(ctx)
    body = """
    import gc, weakref
    output = np.zeros(len(data), dtype=np.uint8)
    refs = [weakref.ref(block), weakref.ref(output)]
    n = encoder(block, output, META, schunk)
    del block, output
    gc.collect()
    assert all(r() is None for r in refs), "the encoder kept a reference to its input or output"
    """

    def prop(case: BlockCase) -> None:
        call = _Direct(ctx, case, "checking buffer references after a call")
        inp, out = call.block, np.zeros(len(call.data), dtype=np.uint8)
        refs = {"encoder input": weakref.ref(inp), "encoder output": weakref.ref(out)}
        n = call.valid_size(call.encode(out, body), out.size, "encoder", body)
        packed = np.frombuffer(bytearray(out[:n].tobytes()), dtype=np.uint8)
        del inp, out
        call.block = np.frombuffer(bytearray(call.data), dtype=np.uint8)
        if n:
            refs["decoder input"] = weakref.ref(packed)
            got, restored = call.decode(packed, len(call.data), body)
            refs["decoder output"] = weakref.ref(restored)
            del restored
        del packed
        gc.collect()
        alive = [name for name, ref in refs.items() if ref() is not None]
        if alive:
            call.fail(f"the codec still references its {', '.join(alive)} after returning "
                      "(buffers are only valid during the call)", body)

    ctx.for_all(block_cases(ctx), prop)


@check("codec.interleaved", params={**BLOCK_CASES, "max_blocks": Param(int, min=2, default=4)})
def interleaved(ctx: CheckContext) -> None:
    """Blocks encoded with any declared meta decode correctly in any order: decoding uses only its arguments."""
    _prepare(ctx)

    def prop(cases: list[BlockCase]) -> None:
        calls = [_Direct(ctx, case, f"decoding {len(cases)} blocks in reverse order of encoding") for case in cases]
        packed: list[tuple[_Direct, np.ndarray, int]] = []
        for call in calls:
            out = np.zeros(len(call.data), dtype=np.uint8)
            n = call.valid_size(call.encode(out, _ROUNDTRIP), out.size, "encoder", _ROUNDTRIP)
            packed.append((call, out, n))
        for call, out, n in reversed(packed):
            if n:
                call.roundtrip(out, n, _interleaved_body(cases, call.case))

    ctx.for_all(st.lists(block_cases(ctx), min_size=2, max_size=ctx.param("max_blocks")), prop)


def _interleaved_body(cases: list[BlockCase], failing: BlockCase) -> str:
    lines = ["from udcodec.strategies import make_data", "cases = ["]
    lines += [f"    ({c.recipe()}, {c.meta})," for c in cases]
    lines += [
        "]",
        "packed = []",
        "for data_i, meta in cases:",
        "    out = np.zeros(len(data_i), dtype=np.uint8)",
        "    packed.append((data_i, meta, out, encoder(np.frombuffer(bytearray(data_i), dtype=np.uint8), out, meta, schunk)))",
        "for data_i, meta, out, n in reversed(packed):",
        "    if n:",
        "        restored = np.zeros(len(data_i), dtype=np.uint8)",
        "        decoder(np.frombuffer(bytearray(out[:n].tobytes()), dtype=np.uint8), restored, meta, schunk)",
        '        assert restored.tobytes() == data_i, f"block with meta {meta} decodes wrongly after the others"',
    ]
    return "\n".join(lines)


@check("codec.outside_domain", params={"dtypes": DTYPES, "contents": CONTENTS, "filters": FILTER_PIPELINES,
                                       "splitmodes": SPLITMODES, "nitems": Param(int, min=1, default=4096)})
def outside_domain(ctx: CheckContext) -> None:
    """Input outside the codec's declared domain raises an exception with a message or comes back exact."""
    codec = _subject(ctx, inside_domain=False)
    domain = codec.domain
    if domain is None:
        raise NotApplicable("the codec declares no data domain (check-codec --domain PATH)")
    dtypes, filters, modes = list(ctx.param("dtypes")), [tuple(f) for f in ctx.param("filters")], list(ctx.param("splitmodes"))
    # each case leaves the domain on one axis only, the others at their first value inside it
    home: list[Any] = [(domain.keep(axis, values) or values)[0] for axis, values in
                       (("dtypes", dtypes), ("filters", filters), ("splitmodes", modes))]
    cases: list[tuple[str, str, tuple[str, ...], str]] = []  # (what is outside, dtype, filters, split mode)
    if not domain.drivable:
        cases += [(f"an SChunk of {d} (the domain accepts {', '.join(domain.containers)} only)", d, home[1], home[2])
                  for d in dtypes]
    else:
        cases += [(f"dtype {d} (the domain accepts {domain.describe('dtypes')})", d, home[1], home[2])
                  for d in dtypes if d not in domain.keep("dtypes", dtypes)]
        cases += [(f"filters {'+'.join(f)} (the domain accepts {domain.describe('filters')})", home[0], f, home[2])
                  for f in filters if f not in domain.keep("filters", filters)]
        cases += [(f"split mode {m} (the domain accepts {domain.describe('splitmodes')})", home[0], home[1], m)
                  for m in modes if m not in domain.keep("splitmodes", modes)]
    if not cases:
        raise NotApplicable(f"the codec's domain ({domain.source}) excludes nothing this clause drives through an SChunk")
    _register(ctx, codec)
    meta = (domain.keep("metas", codec.metas) or codec.metas)[0]
    for what, dtype, pipeline, mode in cases:
        if pipeline != ("nofilter",) and "filters" not in ctx.adapter.capabilities():
            continue
        if mode != "never" and "splitmode" not in ctx.adapter.capabilities():
            continue
        for content in ctx.param("contents"):
            nitems = int(ctx.param("nitems"))
            layout = Layout(dtype=dtype, typesize=np.dtype(dtype).itemsize, chunk_items=nitems, block_items=0,
                            nitems=nitems, content=content, seed=0, filters=pipeline, splitmode=mode)
            _outside_roundtrip(ctx, codec, layout, meta, what)


def _outside_roundtrip(ctx: CheckContext, codec: CodecSubject, layout: Layout, meta: int, what: str) -> None:
    cparams = cparams_for(codec.id, layout, codec_meta=meta)
    data = layout.data()

    def fail(message: str) -> NoReturn:
        snippet = through_host(codec, ctx.clause.id, message, ctx.adapter, cparams, layout.chunksize, data,
                               _recipe(layout), rerun_command(ctx.adapter_spec, ctx.clause, codec))
        ctx.fail(message, counterexample=_counterexample(ctx, layout, data, meta=meta, outside=what),
                 reproduction=snippet)

    try:
        container = new_container(ctx, cparams, chunksize=layout.chunksize)
        fill(container, layout.chunks())
        got = read_back(container)
    except Exception as exc:  # noqa: BLE001 - refusing is the expected answer, if it says something
        if not str(exc).strip():
            fail(f"input outside the domain, {what}, raised {type(exc).__name__} with no message")
        return
    tolerance = codec.domain.tolerance if codec.domain is not None else None
    if got != data and (tolerance is None or tolerance.problem(got, data, layout.dtype)):
        fail(f"input outside the domain, {what}, came back wrong instead of being refused: {first_difference(got, data)}")


@check("codec.threads", params={"nthreads": Param(list, items=Param(int, min=1, max=64), default=(1, 2, 4)),
                                "repeats": Param(int, min=1), "chunk_items": Param(int, min=1),
                                "blocksize": Param(int, min=0), "nchunks": Param(int, min=1),
                                "dtypes": DTYPES, "contents": CONTENTS})
def threads(ctx: CheckContext) -> None:
    """With every thread count, the host writes chunks of byte-identical blocks that decode to the data, round after round."""
    codec = _plugin_only(ctx, "Python codecs run on one thread only (hosts refuse nthreads > 1 with them: the "
                              "THREAD-* clauses); only compiled plugins are run on several")
    counts = [int(n) for n in ctx.param("nthreads")]
    dtypes, contents = _in_domain(codec, "dtypes", ctx.param("dtypes")), _in_domain(codec, "contents", ctx.param("contents"))
    params = _plugin_params(codec)
    meta = _in_domain(codec, "metas", codec.metas)[0]
    _register(ctx, codec)
    for repeat in range(int(ctx.param("repeats"))):
        dtype_name, content = dtypes[repeat % len(dtypes)], contents[repeat % len(contents)]
        _threads_round(ctx, codec, counts, _ThreadsRound(
            round=repeat + 1, dtype=dtype_name, content=content, nitems=int(ctx.param("chunk_items")),
            seeds=tuple(repeat * 1000 + i for i in range(int(ctx.param("nchunks"))))),
            CParams(codec=codec.id, codec_meta=meta, typesize=np.dtype(dtype_name).itemsize,
                    blocksize=int(ctx.param("blocksize")), **params))


@dataclass(frozen=True)
class _ThreadsRound:
    """One round of CODEC-THREADS: the chunks' recipe."""

    round: int
    dtype: str
    content: str
    nitems: int
    seeds: tuple[int, ...]

    def chunks(self) -> list[bytes]:
        return [make_data(self.content, np.dtype(self.dtype), self.nitems, seed) for seed in self.seeds]

    def recipe(self) -> str:
        return f'[make_data("{self.content}", np.dtype("{self.dtype}"), {self.nitems}, seed) for seed in {list(self.seeds)}]'


def _threads_round(ctx: CheckContext, codec: CodecSubject, counts: list[int], case: _ThreadsRound, base: CParams) -> None:
    """Write the round's chunks with each thread count; each must decode to the data and match the first's blocks."""
    chunks = case.chunks()
    written: dict[int, list[bytes]] = {}
    for n in counts:
        cparams = dataclasses.replace(base, nthreads=n)

        def fail(message: str, cparams: CParams = cparams) -> NoReturn:
            data = b"".join(chunks)
            ctx.fail(f"{message}: {len(chunks)} chunks of {case.nitems} {case.dtype} items ({case.content}), blocksize "
                     f"{cparams.blocksize}, nthreads={cparams.nthreads} (round {case.round})",
                     counterexample={"host": ctx.adapter_spec, **dataclasses.asdict(case), "nthreads": cparams.nthreads,
                                     "nbytes": len(data), "data_hex": data[:64].hex()},
                     reproduction=_threads_snippet(codec, ctx, cparams, case.recipe(), counts, len(chunks[0])))

        try:
            container = ctx.adapter.create(cparams=cparams, dparams=DParams(nthreads=n), chunksize=len(chunks[0]))
            fill(container, chunks)
            written[n] = [container.get_chunk(i) for i in range(len(chunks))]
            restored = [container.decompress_chunk(i) for i in range(len(chunks))]
        except Exception as exc:  # noqa: BLE001
            fail(f"compressing or decompressing raised {describe_exc(exc)}")
        for i, (got, want) in enumerate(zip(restored, chunks, strict=True)):
            if got != want:
                fail(f"chunk {i} decodes wrongly with nthreads={n}: {first_difference(got, want)}")
        for i, (got, want) in enumerate(zip(written[n], written[counts[0]], strict=True)):
            difference = _chunk_difference(got, want)
            if difference:
                fail(f"chunk {i} written with nthreads={n} differs from the one written with nthreads={counts[0]}: "
                     f"{difference}")


def _block_streams(chunk: bytes) -> list[bytes] | None:
    """Each block's compressed bytes, in block order; None for a chunk without block offsets (memcpyed, special).

    On several threads, c-blosc2 places the blocks of a chunk in the order they finish (the offsets say
    where), so chunks are compared block by block, not byte by byte.
    """
    fields = header(chunk)
    nbytes, blocksize = fields["nbytes"], fields["blocksize"]
    cbytes = int.from_bytes(chunk[12:16], "little")
    if fields["memcpyed"] or not blocksize or cbytes != len(chunk):
        return None
    nblocks = -(-nbytes // blocksize)
    if 32 + 4 * nblocks > cbytes:
        return None
    starts = [int(v) for v in np.frombuffer(chunk, dtype="<i4", count=nblocks, offset=32)]
    bounds = sorted({*starts, cbytes})
    return [chunk[s:bounds[bounds.index(s) + 1]] if s else b"" for s in starts]


def _chunk_difference(got: bytes, want: bytes) -> str | None:
    """How two chunks of the same data differ beyond where their blocks sit, or None."""
    streams_got, streams_want = _block_streams(got), _block_streams(want)
    if streams_got is None or streams_want is None or got[:32] != want[:32] or len(streams_got) != len(streams_want):
        return None if got == want else first_difference(got, want)
    for j, (a, b) in enumerate(zip(streams_got, streams_want, strict=True)):
        if a != b:
            return f"block {j}: {first_difference(a, b)}"
    return None


def _threads_snippet(codec: CodecSubject, ctx: CheckContext, cparams: CParams, recipe: str, counts: list[int],
                     chunksize: int) -> str:
    prelude = host_prelude(codec, ctx.adapter, dataclasses.replace(cparams, nthreads=1), chunksize)
    if prelude is None:
        return f"# Reproduces {ctx.clause.id} on a third-party host\n{rerun_command(ctx.adapter_spec, ctx.clause, codec)}\n"
    made = prelude[-2].split("cparams=", 1)[1].rstrip(",")
    dataclass_style = made.startswith("blosc2.CParams(")
    with_threads = ("dataclasses.replace(cparams, nthreads=n)" if dataclass_style else "{**cparams, 'nthreads': n}")
    dparams = "blosc2.DParams(nthreads=n)" if dataclass_style else "{'nthreads': n}"
    return "\n".join([
        f"# Reproduces {ctx.clause.id}: chunks written with nthreads {counts} are identical and decode to the data",
        "import dataclasses", "import numpy as np", *prelude[:-3], "from udcodec.strategies import make_data",
        f"chunks = {recipe}", f"cparams = {made}", "first = None", "for repeat in range(20):", f"    for n in {counts}:",
        f"        s = blosc2.SChunk(chunksize={chunksize}, cparams={with_threads}, dparams={dparams})",
        "        for c in chunks:", "            s.append_data(c)",
        "        got = [s.get_chunk(i) for i in range(s.nchunks)]",
        "        assert [s.decompress_chunk(i) for i in range(s.nchunks)] == chunks, f'wrong data with nthreads={n}'",
        "        first = first or got",
        "        assert got == first, f'chunks written with nthreads={n} differ from the first ones'", ""])


@check("codec.plugin_standalone", params={"timeout": Param(float, min=1, default=120.0)})
def plugin_standalone(ctx: CheckContext) -> None:
    """A plugin's library resolves every symbol on its own and works when its Python package was never imported."""
    codec = _plugin_only(ctx, "no library is loaded", inside_domain=False)
    found = resolve(codec.name)
    if found.path is None:
        ctx.fail(f"Blosc2 cannot find plugin {codec.name!r}: {found.package_error}")
    sample = None
    if codec.domain is None or codec.domain.drivable:
        dtype = (codec.domain.keep("dtypes", ["u1", "i4", "f8"]) if codec.domain else ["u1"])[0]
        sample = {"dtype": dtype, "meta": (_in_domain(codec, "metas", codec.metas))[0],
                  "splitmode": (codec.domain.keep("splitmodes", ["never", "always"]) if codec.domain else ["never"])[0]}
    problem = run_standalone(ctx.adapter_spec, codec.name, codec.id, codec.version, found.path,
                             register=not codec.is_global_plugin, sample=sample, timeout=float(ctx.param("timeout")))
    if problem:
        ctx.fail(problem, reproduction=_standalone_snippet(codec, found.path))


def _standalone_snippet(codec: CodecSubject, path: str) -> str:
    register = ("" if codec.is_global_plugin else
                f'blosc2.register_codec("{codec.name}", {codec.id}, None, None, {codec.version})\n')
    return (f"# Reproduces CODEC-PLUGIN-STANDALONE (blosc2_{codec.name} is never imported; run with the venv's bin on PATH)\n"
            "import ctypes, os\nimport blosc2\n"
            f"ctypes.CDLL({path!r}, mode=os.RTLD_NOW)  # every undefined symbol must resolve\n"
            f"{register}"
            f"s = blosc2.SChunk(chunksize=4096, cparams=blosc2.CParams(codec={codec.id}, splitmode=blosc2.SplitMode.NEVER_SPLIT))\n"
            "s.append_data(bytes(range(256)) * 16)\nassert s.decompress_chunk(0) == bytes(range(256)) * 16\n")
