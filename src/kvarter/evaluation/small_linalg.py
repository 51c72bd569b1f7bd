"""Solves, inverses and condition numbers of the tiny k x k matrices of the
group-time cells (k = covariates + 1), straight through LAPACK.

``numpy.linalg.solve``/``inv``/``cond`` call the same LAPACK routines
(``dgesv``, and ``dgesdd`` for the singular values), but their Python
wrappers cost 10-20 microseconds a call, several times the work on a 2 x 2
matrix; ``staggered_did`` makes a few hundred such calls. The results are
bit for bit those of NumPy (checked in the doctests); a singular matrix
raises :class:`numpy.linalg.LinAlgError` as there.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack


def solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``numpy.linalg.solve(A, b)`` for a small square ``A`` (LU with partial pivoting, ``dgesv``).

    >>> A = np.array([[3.0, 1.2], [1.2, 2.0]]); b = np.array([0.3, -0.1])
    >>> bool(np.array_equal(solve(A, b), np.linalg.solve(A, b)))
    True
    """
    _, _, x, info = lapack.dgesv(A, b)
    if info > 0:
        raise np.linalg.LinAlgError("Singular matrix")
    if info < 0:   # pragma: no cover - a bad argument would be a bug here
        return np.linalg.solve(A, b)
    return x


def inv(A: np.ndarray) -> np.ndarray:
    """``numpy.linalg.inv(A)`` for a small square ``A`` (``dgesv`` against the identity, as NumPy does).

    >>> A = np.array([[3.0, 1.2], [1.2, 2.0]])
    >>> bool(np.array_equal(inv(A), np.linalg.inv(A)))
    True
    """
    return solve(A, np.eye(A.shape[0]))


def cond(A: np.ndarray) -> float:
    """``numpy.linalg.cond(A)``: largest over smallest singular value (``dgesdd``).

    >>> A = np.array([[3.0, 1.2], [1.2, 2.0]])
    >>> cond(A) == float(np.linalg.cond(A)), cond(np.ones((2, 2))) == float(np.linalg.cond(np.ones((2, 2))))
    (True, True)
    """
    _, s, _, info = lapack.dgesdd(A, compute_uv=0)
    if info != 0 or not np.all(np.isfinite(s)):
        return float(np.linalg.cond(A))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(s[0] / s[-1])
