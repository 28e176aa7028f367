"""Adapter for the harness's own reference implementation, :mod:`udcodec.reference`.

The reference mirrors python-blosc2 4.x's public names, so the generic
:class:`~udcodec.adapters.blosc2like.ModuleAdapter` drives it unchanged.
"""

from __future__ import annotations

from types import ModuleType
from typing import ClassVar

from udcodec.adapters.blosc2like import ModuleAdapter


class ReferenceAdapter(ModuleAdapter):
    """The reference implementation: every capability, 4.x spelling."""

    module_name: ClassVar[str] = "udcodec.reference"
    adapter_name: ClassVar[str] = "reference"
    implementation: ClassVar[str] = "udcodec.reference"

    def __init__(self, module: ModuleType | None = None) -> None:
        super().__init__(module)
        # One adapter instance serves one check: start it from an empty registry even when the
        # process that forked it (e.g. a test worker) registered codecs in the reference before.
        self.module._reset_registry()
