"""``import blosc2`` gives ``udcodec.reference``: put this folder (``tests/upstream/shim``) first on sys.path.

The module replaces itself in ``sys.modules``, so ``blosc2`` *is* the reference module (same registry,
same classes), as user code written for python-blosc2 expects; its submodules are the reference's too, so that
``from blosc2.ndarray import NDArray`` gives ``blosc2.NDArray`` and not a second copy of the module.
"""

import importlib
import pkgutil
import sys

import udcodec.reference as _reference

sys.modules[__name__] = _reference
for _info in pkgutil.iter_modules(_reference.__path__):
    sys.modules[f"{__name__}.{_info.name}"] = importlib.import_module(f"{_reference.__name__}.{_info.name}")
