"""Check implementations, one module per clause family; importing this package registers them all."""

from udcodec.checks import (  # noqa: F401
    callbacks,
    codec,
    container,
    identity,
    interop,
    memcpy,
    plugins,
    registration,
    roundtrip,
    threads,
)
