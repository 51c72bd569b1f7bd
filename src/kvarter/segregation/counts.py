"""Input counts for the indices: one checker per input shape.

Every index takes per-unit counts. These helpers turn the caller's sequences
into float arrays, reject what would make an index silently wrong (negative
counts, NaN, mismatched lengths, a group without members) with a message that
names the input, the function and the unit, and drop units without anyone in
them, which contribute nothing to any index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kvarter.errors import InputError
from kvarter.validation import check_consistent_length, check_counts


@dataclass(frozen=True)
class TwoGroups:
    """Checked counts of two groups over the units that hold anyone.

    ``empty_units`` is how many units had nobody of either group and were left
    out (they change no index).
    """

    a: np.ndarray
    b: np.ndarray
    empty_units: int

    @property
    def total(self) -> np.ndarray:
        return self.a + self.b


def two_groups(a, b, owner: str, *, integer: bool = False, units=None) -> TwoGroups:
    """Check two per-unit count vectors and drop the empty units.

    >>> two_groups([2, 13, 0], [6, 3, 0], "dissimilarity")
    TwoGroups(a=array([ 2., 13.]), b=array([6., 3.]), empty_units=1)
    >>> two_groups([0, 0], [1, 2], "dissimilarity")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: group_a passed to dissimilarity has no members in any of the 2 units; the index is undefined when a group is empty.
    """
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise InputError(
            f"group_a and group_b passed to {owner} must be one count per unit "
            f"(1-dimensional); got shapes {np.shape(a)} and {np.shape(b)}."
        )
    check_consistent_length(owner, group_a=a, group_b=b)
    xa = check_counts(a, "group_a", owner, units=units, integer=integer)
    xb = check_counts(b, "group_b", owner, units=units, integer=integer)
    for name, x in (("group_a", xa), ("group_b", xb)):
        if x.sum() <= 0:
            raise InputError(
                f"{name} passed to {owner} has no members in any of the {len(x)} units; "
                "the index is undefined when a group is empty."
            )
    keep = (xa + xb) > 0
    return TwoGroups(xa[keep], xb[keep], int((~keep).sum()))


def units_by_groups(counts, owner: str, *, name: str = "counts") -> np.ndarray:
    """Check a units x groups count table; return it as floats without empty units.

    >>> units_by_groups([[1, 0], [0, 0], [0, 1]], "mutual_information")
    array([[1., 0.],
           [0., 1.]])
    >>> units_by_groups([[1, 0], [2, 0]], "mutual_information")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: counts passed to mutual_information has group column 1 with no members; the index is undefined when a group is empty (drop the column).
    """
    arr = check_counts(counts, name, owner, ndim=2)
    if arr.shape[1] < 2:
        raise InputError(
            f"{name} passed to {owner} must have at least two group columns; got shape {arr.shape}."
        )
    col = arr.sum(axis=0)
    if (col <= 0).any():
        j = int(np.flatnonzero(col <= 0)[0])
        raise InputError(
            f"{name} passed to {owner} has group column {j} with no members; "
            "the index is undefined when a group is empty (drop the column)."
        )
    return arr[arr.sum(axis=1) > 0]
