import numpy as np
import pytest

from kvarter.errors import InputError
from kvarter.validation import check_counts, check_consistent_length, check_scalar


def test_check_counts_names_unit_and_owner():
    with pytest.raises(InputError, match=r"b passed to theil_h has 1 NaN.*unit 'Skole 2'"):
        check_counts([1.0, np.nan], "b", "theil_h", units=["Skole 1", "Skole 2"])


def test_check_counts_integer():
    with pytest.raises(InputError, match="non-integer"):
        check_counts([1.5, 2], "a", "permutation_test", integer=True)
    assert check_counts([1.0, 2], "a", "x", integer=True).tolist() == [1.0, 2.0]


def test_check_scalar_rejects_bool_and_range():
    with pytest.raises(InputError):
        check_scalar(True, "n", "f", kind=int)
    with pytest.raises(InputError, match=r"range \(0, 1\]"):
        check_scalar(0.0, "k", "f", kind=float, min_value=0, max_value=1, include_min=False)


def test_check_consistent_length():
    assert check_consistent_length("f", a=[1], b=[2]) == 1
