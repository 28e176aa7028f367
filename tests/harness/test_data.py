"""The data vocabulary (``udcodec.data``): one name, one byte stream, forever."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from udcodec import data
from udcodec.data import GOLDEN, RECIPES, make_data, recipe
from udcodec.golden import RECIPES as GOLDEN_RECIPES

#: (nbytes, typesize or dtype, seed, chunksize): requests every recipe's fingerprint is taken over.
REQUESTS = ((0, 1, 0, 0), (1, 1, 7, 1), (1000, 4, 12345, 300), (4096, 8, 3, 1024), (777, 3, 99, 100),
            (1000, "i4", 5, 0), (1024, "f8", 6, 0), (998, "i2", 7, 0), (1000, "f4", 8, 0))

#: sha256 (first 16 hex digits) of every recipe over REQUESTS, taken when the vocabulary was unified
#: (each stream equal to what its former home produced). A changed value means a recipe changed its
#: bytes: give the new stream a new name instead.
FINGERPRINTS = {
    "ramp-u8": "190c65fc3075cc15", "ramp-u16": "557a56ef26a74e2a", "ramp-u32": "2a9a98ced7afd9e1",
    "ramp-u64": "6bfe98ea0f0625b3", "smooth-i32": "63035791229d511d", "records3": "9c787b5882e321bf",
    "quarters-f64": "d5a90aa4850895d0", "runs": "ed26a332aea2ec8a", "noise": "64ab05a305b4f74d",
    "ramp-u32-zero-chunk2": "73b8b2ba00d3d9fa", "zeros": "2ddb2f29f281423f", "random": "596a0622c4e257d4",
    "arange": "0d0e4346ca81e19e", "random-runs": "30352a6af6959588", "sparse": "16dfc3f586f3f39c",
    "constant": "8886695fb886c113", "pattern": "9fe97843839c3272", "typed_arange": "de997a18c4f8e3e7",
    "float_specials": "ed80bd9df6bbfbd2", "smooth": "830adae92baef07c", "gradient": "33df08de43550c58",
    "text": "f6999d79b7d80144", "run": "52ad3d8e38c24cf6", "ones": "f6b36ffb85294b48", "ff": "a76cfeb27896d878",
    "sized-random": "503acbf0c0254b0b", "sine-linspace": "0b64ac4ea0c9ec07",
    "counter-then-random": "16c3f5b8ca85d050", "ramp": "4934b3e6debfb7dd", "sine-scaled": "9863f797b380ae91",
    "runs16": "3f96539c1a1d9db6", "blockruns": "f23318e378089777", "zeros_tail": "26eebd727747dc87",
    "ramp-random-256": "93d3b08228c2713c", "subnormals": "22d9eac91557b1dd", "tiny-normals": "ebc6d5e73b562e17",
    "nan-payloads": "7810c270391a47c8", "random-then-repeat": "e92a88d2564a0e69", "six-literals": "eec7b0e6a45b505d",
    "yes-lines": "122e6f7059c266a2", "late-match": "ba5805fb65c33677", "nan-f32": "7fa6f426115ea662",
    "nan-f64": "1463693410a2353f", "pi-f64": "6083011d12c4c713",

}


def fingerprint(name: str) -> str:
    h = hashlib.sha256()
    for nbytes, item, seed, chunksize in REQUESTS:
        kind = {"dtype": item} if isinstance(item, str) else {"typesize": item}
        try:
            out = make_data(name, nbytes, seed=seed, chunksize=chunksize, **kind)  # type: ignore[arg-type]
        except ValueError:
            out = b"ValueError"
        h.update(len(out).to_bytes(8, "little") + out)
    return h.hexdigest()[:16]


def test_every_recipe_keeps_its_bytes() -> None:
    assert {name: fingerprint(name) for name in RECIPES} == FINGERPRINTS


def test_the_golden_recipes_are_the_golden_packages() -> None:
    assert set(GOLDEN) == set(GOLDEN_RECIPES) and set(GOLDEN) <= set(RECIPES)
    for name in GOLDEN:
        assert GOLDEN_RECIPES[name](1000, 300) == make_data(name, 1000, chunksize=300)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipes_are_deterministic_and_sized(name: str) -> None:
    for nbytes, typesize in ((0, 4), (8, 8), (1000, 4), (4096, 8)):
        a = make_data(name, nbytes, typesize=typesize, seed=11, chunksize=256)
        assert a == make_data(name, nbytes, typesize=typesize, seed=11, chunksize=256)
        assert len(a) == nbytes, (name, nbytes, typesize)


def test_the_seed_matters_only_to_seeded_recipes() -> None:
    for name in ("random", "arange", "random-runs", "sparse", "pattern", "typed_arange", "smooth", "text"):
        assert make_data(name, 1000, seed=1) != make_data(name, 1000, seed=2), name
    for name in ("runs", "noise", "ramp", "sized-random", "counter-then-random"):
        assert make_data(name, 1000, seed=1) == make_data(name, 1000, seed=2), name


def test_unknown_recipes_and_typesizes_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown data recipe 'mixed'"):
        make_data("mixed", 10)
    with pytest.raises(ValueError, match="typesize 4 or 8"):
        make_data("sine-linspace", 12, typesize=3)


def test_a_name_is_taken_once() -> None:
    with pytest.raises(ValueError, match="'zeros' is already defined"):
        recipe("zeros")(lambda r: bytes(r.nbytes))
    assert RECIPES["zeros"] is data._zeros


def test_recipes_built_from_others_agree_with_them() -> None:
    assert make_data("sized-random", 500, typesize=4) == make_data("random", 500, seed=500 * 1009 + 4)
    tail = np.frombuffer(make_data("ramp-random-256", 1024, seed=5), np.uint8)
    assert tail[256:512].tobytes() == make_data("ramp", 1024)[256:512]
    assert tail[:256].tobytes() == make_data("random", 1024, seed=5)[:256]
