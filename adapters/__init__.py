"""Adapters connect an implementation under test (a *host*) to the harness.

The protocol every adapter implements is declared in :mod:`udcodec.adapters.protocol`;
:mod:`udcodec.adapters.loader` finds adapters by name, entry point or ``module:attribute``;
:class:`~udcodec.adapters.blosc2like.ModuleAdapter` adapts any module with python-blosc2's API.
:mod:`udcodec.api` gathers these names with the check-author API.
"""

from udcodec.adapters.protocol import (
    ADAPTER_OPERATIONS,
    APIS,
    CAPABILITIES,
    CONTAINER_OPERATIONS,
    FILTER_IDS,
    FILTER_NAMES,
    ND_CONTAINER_OPERATIONS,
    NOT_GIVEN,
    SPLITMODE_IDS,
    SPLITMODE_NAMES,
    USER_FILTER_IDS,
    Adapter,
    AdapterInfo,
    Callback,
    Container,
    CParams,
    DParams,
    FilterCallback,
    NDContainer,
    NotGiven,
    given,
    protocol_members,
    unknown_capabilities,
    user_filter_name,
    value_of,
)

__all__ = [
    "ADAPTER_OPERATIONS",
    "APIS",
    "CAPABILITIES",
    "CONTAINER_OPERATIONS",
    "FILTER_IDS",
    "FILTER_NAMES",
    "ND_CONTAINER_OPERATIONS",
    "NOT_GIVEN",
    "SPLITMODE_IDS",
    "SPLITMODE_NAMES",
    "USER_FILTER_IDS",
    "Adapter",
    "AdapterInfo",
    "CParams",
    "Callback",
    "Container",
    "DParams",
    "FilterCallback",
    "NDContainer",
    "NotGiven",
    "given",
    "protocol_members",
    "unknown_capabilities",
    "user_filter_name",
    "value_of",
]
