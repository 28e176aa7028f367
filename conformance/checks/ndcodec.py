"""CODEC-ROUNDTRIP through NDArrays: cases drawn inside a codec's domain, the round trip and its reproduction.

Image codecs (the JPEG 2000 plugins) accept only NDArrays shaped as their domain says; their users call
``asarray(image, chunks=..., blocks=..., cparams=...)``, which is what this drives (``Adapter.nd_create``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, NoReturn

import numpy as np
from hypothesis import strategies as st
from udcodec.adapters.protocol import CParams, DParams
from udcodec.checks.api import CheckContext, describe_exc
from udcodec.checks.common import first_difference
from udcodec.checks.repro import nd_through_host, rerun_command
from udcodec.domain import Domain
from udcodec.scenarios import header
from udcodec.strategies import IMAGES, make_image
from udcodec.subject import CodecSubject

#: The side of a drawn image (spatial axes) when the domain asks for whole images, and otherwise.
IMAGE_SIDES, ARRAY_SIDES = (16, 80), (1, 40)
#: The image the drawn ones start with: what the image codecs' READMEs compress (height, width, channels).
README_IMAGE = ((64, 48), 3)


@dataclass(frozen=True)
class NDCase:
    """One NDArray round trip: the layout, the image recipe and the cparams fields drawn."""

    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    blocks: tuple[int, ...]
    dtype: str
    image: str
    seed: int
    channel_axis: int | None
    meta: int
    filters: tuple[str, ...]
    splitmode: str
    nthreads: int = 1

    def array(self) -> np.ndarray:
        return make_image(self.image, self.shape, np.dtype(self.dtype), self.seed, self.channel_axis)

    def recipe(self) -> str:
        return (f'make_image("{self.image}", {self.shape}, np.dtype("{self.dtype}"), {self.seed}, '
                f"{self.channel_axis})")

    def cparams(self, codec_id: int) -> CParams:
        """What users give ``asarray``: typesize and block size follow the array."""
        return CParams.only(codec=codec_id, codec_meta=self.meta, nthreads=self.nthreads, filters=self.filters,
                            splitmode=self.splitmode)


def drives_ndarrays(ctx: CheckContext, codec: CodecSubject) -> bool:
    """Whether the codec's domain (none: every container) has NDArrays and the host creates them."""
    return ((codec.domain is None or "ndarray" in codec.domain.containers)
            and "ndarray" in ctx.adapter.capabilities())


def _image_dtypes(dtypes: list[str]) -> list[str]:
    return [d for d in dtypes if np.dtype(d).kind in "iuf"]


def nd_cases(domain: Domain | None, dtypes: list[str], metas: list[int], filters: list[tuple[str, ...]],
             modes: list[str], threads: list[int]) -> tuple[st.SearchStrategy[NDCase], NDCase] | None:
    """Cases inside ``domain`` (the values given are already inside it) and the README-like first one;
    None when no numeric dtype is left."""
    dtypes = _image_dtypes(dtypes)
    if not dtypes:
        return None
    rules: dict[str, Any] = domain.shape if domain is not None else {}
    whole = bool(rules.get("chunks_equal_blocks_equal_shape"))
    ndims = list(rules.get("ndim", [1, 2, 3]))
    axis_rule, most_channels, min_nbytes = rules.get("channel_axis"), int(rules.get("max_channels", 4)), int(rules.get("min_nbytes", 0))
    low, high = IMAGE_SIDES if whole else ARRAY_SIDES
    counts = sorted(int(n) for n in rules.get("channels", range(1, most_channels + 1)))

    def layout(sides: list[int], channels: int, ndim: int, dtype: str) -> tuple[tuple[int, ...], int | None]:
        axis = axis_rule if axis_rule is not None and ndim == len(sides) + 1 and axis_rule < ndim else None
        dims = list(sides)
        if axis is not None:
            dims.insert(axis, channels)
        rest = math.prod(dims[1:]) * np.dtype(dtype).itemsize
        dims[0] = max(dims[0], -(-min_nbytes // max(rest, 1)))  # at least min_nbytes
        return tuple(dims), axis

    @st.composite
    def case(draw: st.DrawFn) -> NDCase:
        ndim, dtype = draw(st.sampled_from(ndims)), draw(st.sampled_from(dtypes))
        spatial = ndim - 1 if axis_rule is not None and ndim == 3 and axis_rule < ndim else ndim
        sides = [draw(st.integers(low, high)) for _ in range(spatial)]
        shape, axis = layout(sides, draw(st.sampled_from(counts)), ndim, dtype)
        chunks = shape if whole else tuple(draw(st.integers(1, n)) for n in shape)
        blocks = chunks if whole else tuple(draw(st.integers(1, n)) for n in chunks)
        return NDCase(shape=shape, chunks=chunks, blocks=blocks, dtype=dtype, image=draw(st.sampled_from(IMAGES)),
                      seed=draw(st.integers(0, 2**32 - 1)), channel_axis=axis, meta=draw(st.sampled_from(metas)),
                      filters=draw(st.sampled_from(filters)), splitmode=draw(st.sampled_from(modes)),
                      nthreads=draw(st.sampled_from(threads)))

    ndim = 3 if 3 in ndims and axis_rule is not None else max(ndims)
    sides = list(README_IMAGE[0])[: ndim - (1 if ndim == 3 and axis_rule is not None else 0)]
    sides += [8] * (ndim - len(sides) - (1 if ndim == 3 and axis_rule is not None else 0))
    shape, axis = layout(sides, max([n for n in counts if n <= README_IMAGE[1]] or counts[:1]), ndim, dtypes[0])
    first = NDCase(shape=shape, chunks=shape, blocks=shape, dtype=dtypes[0], image="gradient", seed=0,
                   channel_axis=axis, meta=metas[0], filters=filters[0], splitmode=modes[0])
    return case(), first


def nd_roundtrip(ctx: CheckContext, codec: CodecSubject, case: NDCase) -> None:
    """``asarray(image, chunks, blocks, cparams)[...]`` must equal the image (within a lossy domain's tolerance)."""
    array = case.array()
    cparams = case.cparams(codec.id)

    def fail(message: str) -> NoReturn:
        snippet = nd_through_host(codec, ctx.clause.id, message, ctx.adapter, cparams, case.shape, case.chunks,
                                  case.blocks, case.recipe(), rerun_command(ctx.adapter_spec, ctx.clause, codec))
        ctx.fail(f"{message} (an NDArray {'x'.join(map(str, case.shape))} of {case.dtype}, chunks {case.chunks}, "
                 f"blocks {case.blocks}, {case.image} image, nthreads={case.nthreads})",
                 counterexample={"host": ctx.adapter_spec, **asdict(case), "nbytes": array.nbytes}, reproduction=snippet)

    try:
        made = ctx.adapter.nd_create(array, case.chunks, case.blocks, cparams, DParams(nthreads=case.nthreads))
        got = made.read(...)
        store = made.schunk()
        chunks = [store.get_chunk(i) for i in range(store.nchunks)]
    except Exception as exc:  # noqa: BLE001
        fail(f"the round trip through an NDArray raised {describe_exc(exc)}")
    for i, chunk in enumerate(chunks):  # else the round trip says nothing about the codec
        fields = header(chunk)
        if len(chunk) > 32 and not fields["memcpyed"] and (fields["udcodec"], fields["codec_meta"]) != (codec.id, case.meta):
            fail(f"chunk {i} of the NDArray records codec {fields['udcodec']} meta {fields['codec_meta']}, not the "
                 f"codec under test ({codec.id}, meta {case.meta})")
    got = np.asarray(got)
    if got.shape != array.shape or got.dtype != array.dtype:
        fail(f"the NDArray read back as {got.shape} {got.dtype}, not {array.shape} {array.dtype}")
    tolerance = codec.domain.tolerance if codec.domain is not None else None
    if tolerance is not None:
        off = tolerance.problem(got.tobytes(), array.tobytes(), case.dtype)
        if off:
            fail(f"asarray(x)[...] is outside the codec's stated tolerance: {off}")
    elif got.tobytes() != array.tobytes():
        fail(f"asarray(x)[...] != x: {first_difference(got.tobytes(), array.tobytes())}")
