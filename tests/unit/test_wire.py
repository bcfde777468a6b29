"""wire.encode: a {dtype, shape} header and raw little-endian bytes, never lists."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlwidgets import wire


@pytest.mark.parametrize(
    ("array", "dtype"),
    [
        (torch.arange(6, dtype=torch.float32).reshape(2, 3), "float32"),
        (torch.arange(6, dtype=torch.float64).reshape(2, 3), "float32"),
        (torch.arange(6, dtype=torch.float16).reshape(3, 2), "float32"),
        (torch.arange(6, dtype=torch.bfloat16), "float32"),
        (torch.arange(6, dtype=torch.int64), "int32"),
        (np.arange(6, dtype=np.uint8), "uint8"),
        (torch.tensor([True, False]), "uint8"),
    ],
)
def test_round_trip_narrows_64_bit_and_half_types(array: torch.Tensor, dtype: str) -> None:
    encoded = wire.encode(array)
    assert encoded["dtype"] == dtype
    assert encoded["shape"] == list(array.shape)
    assert isinstance(encoded["data"], memoryview)
    expected = np.asarray(array.float() if isinstance(array, torch.Tensor) else array)
    np.testing.assert_array_equal(wire.decode(encoded), expected.astype(dtype))


def test_bytes_are_little_endian_and_c_contiguous() -> None:
    array = np.arange(12, dtype=">f4").reshape(3, 4).T  # big-endian, transposed
    encoded = wire.encode(array)
    assert encoded["shape"] == [4, 3]
    assert bytes(encoded["data"]) == np.ascontiguousarray(array).astype("<f4").tobytes()


def test_size_is_the_raw_bytes() -> None:
    encoded = wire.encode(torch.zeros(256, 1024))
    assert encoded["data"].nbytes == 256 * 1024 * 4


def test_unsendable_dtype_is_named() -> None:
    with pytest.raises(TypeError, match="complex64"):
        wire.encode(torch.zeros(2, dtype=torch.complex64))
