"""An adapter module that cannot be imported."""

from __future__ import annotations

from udcodec.adapters.reference import ReferenceAdapter


class UnimportableAdapter(ReferenceAdapter):
    """Never reachable: importing this module raises ImportError."""


raise ImportError("broken on purpose: this adapter module cannot be imported")
