"""``import blosc2`` gives ``udcodec.reference``: put this folder (``tests/upstream/shim``) first on sys.path.

The module replaces itself in ``sys.modules``, so ``blosc2`` *is* the reference module (same registry,
same classes), as user code written for python-blosc2 expects.
"""

import sys

import udcodec.reference as _reference

sys.modules[__name__] = _reference
