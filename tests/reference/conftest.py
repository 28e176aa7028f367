"""Fixtures for the reference implementation tests: a clean registry and a zlib-backed codec."""

from __future__ import annotations

import pytest
import udcodec.reference as ref
from ref_helpers import zlib_decoder, zlib_encoder


@pytest.fixture(autouse=True)
def clean_registry():
    ref._reset_registry()
    yield
    ref._reset_registry()


@pytest.fixture
def zcodec():
    ref.register_codec("zcodec", 200, zlib_encoder, zlib_decoder)
    return 200
