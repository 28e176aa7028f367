"""Adapter for python-blosc2 itself (2.x, 3.x and 4.x).

The spelling differences between majors live in :data:`SPELLINGS`, the one version switch:

* 2.x takes plain dicts for ``cparams``/``dparams`` (also when assigned to ``SChunk.cparams``)
  and flat keyword arguments for ``compress2``/``decompress2``;
* 3.x/4.x take ``CParams``/``DParams`` dataclasses (assigning a dict to ``SChunk.cparams``
  fails there) and ``cparams=``/``dparams=`` for ``compress2``/``decompress2``.

Parameters the harness leaves out are left out of the call: the adapter applies no default
and no process-wide setting of its own (a check that must get past a known defect does so
itself, visibly: ``CheckContext.get_past``).

``blosc2`` is imported by the constructor, never at module import.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

from udcodec.adapters.blosc2like import ModuleAdapter, ParamStyle
from udcodec.adapters.protocol import CParams, DParams, NotGiven


@dataclass(frozen=True)
class Spelling:
    """How one python-blosc2 major spells the user-codec API."""

    params: ParamStyle
    flat_compress2_kwargs: bool  # compress2(src, **cparams) instead of cparams=


#: The single version switch: python-blosc2 major -> spelling.
SPELLINGS: dict[int, Spelling] = {
    2: Spelling(params="dict", flat_compress2_kwargs=True),
    3: Spelling(params="dataclass", flat_compress2_kwargs=False),
    4: Spelling(params="dataclass", flat_compress2_kwargs=False),
}


class Blosc2Adapter(ModuleAdapter):
    """python-blosc2 (``import blosc2``), any of the 2.x, 3.x and 4.x series."""

    module_name: ClassVar[str] = "blosc2"
    adapter_name: ClassVar[str] = "blosc2"
    implementation: ClassVar[str] = "python-blosc2"
    runs_plugin_libraries: ClassVar[bool] = True

    def __init__(self, module: ModuleType | None = None) -> None:
        try:
            super().__init__(module)
        except ImportError as exc:
            if exc.name == "python-blosc2":  # importable, but too old
                raise
            raise ImportError(
                "the 'blosc2' adapter needs python-blosc2: pip install 'udcodec-conformance[blosc2]'"
                f" ({exc})"
            ) from exc

    def _configure(self, module: ModuleType) -> None:
        version = str(module.__version__)
        major = int(version.split(".")[0])
        if major < min(SPELLINGS):
            raise ImportError(f"python-blosc2 {version} is too old: 2.0 or later is needed", name="python-blosc2")
        # Newer majors are assumed to keep the newest known spelling.
        self.spelling = SPELLINGS.get(major) or SPELLINGS[max(SPELLINGS)]
        self.param_style = self.spelling.params

    def _compress2(self, data: bytes, cparams: CParams) -> Any:
        if self.spelling.flat_compress2_kwargs:
            return self.module.compress2(data, **self.cparams_fields(cparams))
        return super()._compress2(data, cparams)

    def _decompress2(self, chunk: bytes, dparams: DParams | NotGiven) -> Any:
        if self.spelling.flat_compress2_kwargs:
            fields = self.dparams_fields(dparams) if isinstance(dparams, DParams) else {}
            return self.module.decompress2(chunk, **fields)
        return super()._decompress2(chunk, dparams)
