"""Building blocks for broken hosts: a host that calls callbacks through hooks, and one with its
own container class."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np
from udcodec.adapters.blosc2like import ModuleContainer
from udcodec.adapters.reference import ReferenceAdapter
from udcodec.reference import filters

Callback = Callable[..., Any]


class CallbackHost(ReferenceAdapter):
    """The reference, calling every Python callback through ``call_encoder``/``call_decoder``."""

    def register_codec(
        self, codec_name: Any, id: Any, encoder: Any = None, decoder: Any = None, version: Any = 1
    ) -> Any:
        if callable(encoder) and callable(decoder):
            encoder, decoder = (
                self._via(self.call_encoder, encoder),
                self._via(self.call_decoder, decoder),
            )
        return super().register_codec(codec_name, id, encoder, decoder, version)

    @staticmethod
    def _via(hook: Callable[..., Any], fn: Callback) -> Callback:
        def call(inp: Any, out: Any, meta: Any, container: Any) -> Any:
            return hook(fn, inp, out, meta, container)

        return call

    def call_encoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return fn(inp, out, meta, container)

    def call_decoder(self, fn: Callback, inp: Any, out: Any, meta: Any, container: Any) -> Any:
        return fn(inp, out, meta, container)


class ContainerHost(ReferenceAdapter):
    """The reference, but containers are wrapped in :attr:`container_class`."""

    container_class: ClassVar[type[ModuleContainer]] = ModuleContainer

    def wrap(self, schunk: Any) -> ModuleContainer:
        return self.container_class(self, schunk)


@contextmanager
def delta_blocks_alone() -> Iterator[None]:
    """The reference's DELTA undoes a block after a chunk's first without that first block (as a reader that
    decodes only the blocks a read touches would): such blocks come back still XORed with it."""
    undo = filters.delta_backward

    def block_alone(block: np.ndarray, dref: Any, first: bool, typesize: int) -> np.ndarray:
        return undo(block, dref, first, typesize) if first else block.copy()

    filters.delta_backward = block_alone
    try:
        yield
    finally:
        filters.delta_backward = undo
