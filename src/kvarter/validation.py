"""Boundary checkers for public functions, in the manner of scikit-learn's
``check_array``: each message names the input, the function that received it
(its *owner*) and what was expected."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from kvarter.errors import InputError


def _unit_name(i: int, units: Sequence | None) -> str:
    if units is not None:
        return f"unit {units[i]!r} (row {i})"
    return f"unit {i}"


def check_counts(
    x,
    name: str = "counts",
    owner: str = "function",
    *,
    units: Sequence | None = None,
    integer: bool = False,
    ndim: int | None = None,
) -> np.ndarray:
    """Return ``x`` as a float array of non-negative, finite counts.

    Raises :class:`~kvarter.errors.InputError` naming ``name``, ``owner`` and
    the first offending unit when a count is negative, NaN or infinite, or when
    ``integer`` is set and a count is not a whole number.

    >>> check_counts([1, 2, 3], "group_a", "dissimilarity")
    array([1., 2., 3.])
    >>> check_counts([1, -2], "group_a", "dissimilarity")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: group_a passed to dissimilarity has 1 negative count(s) (first at unit 1); counts must be >= 0.
    """
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{name} passed to {owner} must be numeric counts; got {type(x).__name__} ({exc})."
        ) from None
    if ndim is not None and arr.ndim != ndim:
        raise InputError(
            f"{name} passed to {owner} must be {ndim}-dimensional; got shape {arr.shape}."
        )
    flat = arr.reshape(arr.shape[0], -1) if arr.ndim > 1 else arr.reshape(-1, 1)
    bad = ~np.isfinite(flat)
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        raise InputError(
            f"{name} passed to {owner} has {int(bad.sum())} NaN or infinite value(s) "
            f"(first at {_unit_name(int(rows[0]), units)}); counts must be finite numbers."
        )
    neg = flat < 0
    if neg.any():
        rows = np.flatnonzero(neg.any(axis=1))
        raise InputError(
            f"{name} passed to {owner} has {int(neg.sum())} negative count(s) "
            f"(first at {_unit_name(int(rows[0]), units)}); counts must be >= 0."
        )
    if integer:
        frac = flat != np.round(flat)
        if frac.any():
            rows = np.flatnonzero(frac.any(axis=1))
            raise InputError(
                f"{name} passed to {owner} has {int(frac.sum())} non-integer count(s) "
                f"(first at {_unit_name(int(rows[0]), units)}); {owner} simulates "
                "individuals and needs whole-number counts (weighted data is "
                "accepted by the point estimates only)."
            )
    return arr


def check_consistent_length(owner: str, **arrays) -> int:
    """Check that every named array has the same length; return it.

    >>> check_consistent_length("dissimilarity", a=[1, 2], b=[3, 4])
    2
    >>> check_consistent_length("dissimilarity", a=[1, 2], b=[3])
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: Inputs to dissimilarity have inconsistent lengths: a has 2, b has 1.
    """
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise InputError(f"Inputs to {owner} have inconsistent lengths: {desc}.")
    return next(iter(lengths.values())) if lengths else 0


def check_scalar(
    value,
    name: str,
    owner: str,
    *,
    kind: type | tuple[type, ...] = (int, float),
    min_value: float | None = None,
    max_value: float | None = None,
    include_min: bool = True,
    include_max: bool = True,
):
    """Check a scalar parameter's type and range, with scikit-learn's sentence shape.

    >>> check_scalar(5, "min_cell_count", "suppress", kind=int, min_value=1)
    5
    >>> check_scalar(0, "min_cell_count", "suppress", kind=int, min_value=1)
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The 'min_cell_count' parameter of suppress must be a int in the range [1, inf). Got 0 instead.
    """
    kinds = kind if isinstance(kind, tuple) else (kind,)
    lo = "-inf" if min_value is None else min_value
    hi = "inf" if max_value is None else max_value
    lb = "[" if include_min and min_value is not None else "("
    rb = "]" if include_max and max_value is not None else ")"
    tname = " or ".join(k.__name__ for k in kinds)
    msg = f"The {name!r} parameter of {owner} must be a {tname} in the range {lb}{lo}, {hi}{rb}. Got {value!r} instead."
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise InputError(msg)
    if min_value is not None and (value < min_value or (value == min_value and not include_min)):
        raise InputError(msg)
    if max_value is not None and (value > max_value or (value == max_value and not include_max)):
        raise InputError(msg)
    return value


def check_columns(columns, required, source: str, owner: str = "input") -> None:
    """Raise if any of ``required`` is missing from ``columns``, naming all of them.

    >>> check_columns(["a", "b"], ["a", "c", "d"], "values.csv", "screen")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: values.csv passed to screen lacks required column(s) 'c', 'd'; it has 'a', 'b'.
    """
    missing = [c for c in required if c not in set(columns)]
    if missing:
        have = ", ".join(repr(c) for c in columns)
        raise InputError(
            f"{source} passed to {owner} lacks required column(s) "
            + ", ".join(repr(c) for c in missing)
            + f"; it has {have}."
        )
