"""Adapter for the harness's own reference implementation, :mod:`udcodec.reference`.

The reference mirrors python-blosc2 4.x's public names, so the generic
:class:`~udcodec.adapters.blosc2like.ModuleAdapter` drives it unchanged.
"""

from __future__ import annotations

import dataclasses
from types import ModuleType
from typing import Any, ClassVar

from udcodec.adapters.blosc2like import ModuleAdapter
from udcodec.adapters.protocol import CAPABILITIES, AdapterInfo, CParams
from udcodec.reference.params import BLOSC2_TARGETS


class ReferenceAdapter(ModuleAdapter):
    """The reference implementation: every capability but loading compiled plugins, 4.x spelling."""

    module_name: ClassVar[str] = "udcodec.reference"
    adapter_name: ClassVar[str] = "reference"
    implementation: ClassVar[str] = "udcodec.reference"

    def __init__(self, module: ModuleType | None = None) -> None:
        super().__init__(module)
        # One adapter instance serves one check: start it from an empty registry even when the
        # process that forked it (e.g. a test worker) registered codecs in the reference before.
        self.module._reset_registry()
        self.blosc2_target: int | None = None  # None: the reference's default (python-blosc2 4.x bytes)

    def capabilities(self) -> frozenset[str]:
        # The reference loads plugins and runs them, but with no c-blosc2 super-chunk in their cparams.
        return CAPABILITIES - {"plugin_libraries"}

    def match_format_of(self, other: AdapterInfo) -> None:
        """Write and read chunks as ``other`` does, when it is a python-blosc2 line the reference can target.

        Sets ``CParams.blosc2_target`` for the containers created afterwards. The interop checks call it, so
        the reference is compared with python-blosc2 2.x/3.x on the bytes those lines write; the golden
        vectors are read without it, as any host reads them.
        """
        major = other.version.split(".")[0]
        if other.implementation == "python-blosc2" and major.isdigit() and int(major) in BLOSC2_TARGETS:
            self.blosc2_target = int(major)

    def native_cparams(self, cparams: CParams) -> Any:
        native = super().native_cparams(cparams)
        if self.blosc2_target is not None:
            given = native.given_fields  # fields left out stay left out (open keeps the stored ones)
            native = dataclasses.replace(native, blosc2_target=self.blosc2_target)
            object.__setattr__(native, "given_fields", given | {"blosc2_target"})
        return native
