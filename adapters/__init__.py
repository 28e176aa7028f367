"""Adapters connect an implementation under test (a *host*) to the harness.

The protocol every adapter implements is declared in :mod:`udcodec.adapters.protocol`;
:mod:`udcodec.adapters.loader` finds adapters by name, entry point or ``module:attribute``.
"""

from udcodec.adapters.protocol import (
    CAPABILITIES,
    Adapter,
    AdapterInfo,
    Container,
    CParams,
    DParams,
)

__all__ = ["CAPABILITIES", "Adapter", "AdapterInfo", "CParams", "DParams", "Container"]
