"""The two-group, two-period building blocks of the staggered estimator: the
ATT on a change in outcome, by outcome regression, normalised inverse
probability weighting or the doubly robust combination, each with its
influence function.

The formulas follow Sant'Anna & Zhao (2020) and their R package DRDID
(``reg_did_panel``, ``std_ipw_did_panel``, ``drdid_panel``), which R's ``did``
calls for every group-time cell; the same trimming rule is used (comparison
units with a propensity above 0.995 get no weight).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kvarter.errors import InputError
from kvarter.evaluation import small_linalg
from kvarter.evaluation.propensity import logit_propensity

TRIM_LEVEL = 0.995


@dataclass(frozen=True)
class TwoByTwo:
    """One 2x2 ATT: the estimate and its influence function (one value per row)."""

    att: float
    influence: np.ndarray


def _ols(Z: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(Z * sw[:, None], y * sw, rcond=None)
    return coef


def _outcome_regression(dy, d, Z, w):
    n = len(d)
    c = d == 0
    XpX = (Z[c] * w[c, None]).T @ Z[c] / n
    if np.linalg.cond(XpX) > 1 / np.finfo(float).eps:
        raise InputError(
            "The outcome regression on the comparison units is singular: a covariate does not "
            "vary among them, or covariates are collinear. Remove it or use fewer covariates."
        )
    beta = _ols(Z[c], dy[c], w[c])
    fitted = Z @ beta
    resid = dy - fitted
    lin_rep = (w * (1 - d) * resid)[:, None] * Z @ np.linalg.inv(XpX)
    return fitted, lin_rep


def did_reg(dy: np.ndarray, d: np.ndarray, Z: np.ndarray, w: np.ndarray | None = None, prop=None) -> TwoByTwo:
    r"""Outcome-regression DiD (Heckman, Ichimura & Todd 1997):

    .. math:: \widehat{ATT} = \bar{\Delta Y}_{D=1} - \overline{Z'\hat\beta}_{D=1},

    with :math:`\hat\beta` the least-squares fit of :math:`\Delta Y` on ``Z``
    among the comparison units (``d == 0``).

    >>> dy = np.array([1.0, 2.0, 0.0, 1.0]); d = np.array([1, 1, 0, 0])
    >>> did_reg(dy, d, np.ones((4, 1))).att    # (1 + 2)/2 - (0 + 1)/2
    1.0
    """
    n = len(d)
    w = np.ones(n) if w is None else w / w.mean()
    fitted, lin_rep = _outcome_regression(dy, d, Z, w)
    wt = w * d
    eta_t = np.mean(wt * dy) / np.mean(wt)
    eta_c = np.mean(wt * fitted) / np.mean(wt)
    inf_t = (wt * dy - wt * eta_t) / np.mean(wt)
    m1 = np.mean(wt[:, None] * Z, axis=0)
    inf_c = ((wt * fitted - wt * eta_c) + lin_rep @ m1) / np.mean(wt)
    return TwoByTwo(float(eta_t - eta_c), inf_t - inf_c)


def _ipw_weights(d, ps, w, trim_level=TRIM_LEVEL):
    keep = np.where(d == 1, True, ps < trim_level)
    wt = keep * w * d
    wc = keep * w * ps * (1 - d) / (1 - ps)
    return wt, wc


def did_ipw(dy: np.ndarray, d: np.ndarray, Z: np.ndarray, w: np.ndarray | None = None, prop=None,
           trim_level: float = TRIM_LEVEL) -> TwoByTwo:
    r"""Normalised (Hájek) inverse-probability-weighted DiD (Abadie 2005):

    .. math:: \widehat{ATT} = \frac{\sum D_i \Delta Y_i}{\sum D_i}
       - \frac{\sum (1-D_i)\frac{p_i}{1-p_i}\Delta Y_i}{\sum (1-D_i)\frac{p_i}{1-p_i}}

    with a logit :math:`p_i` on ``Z``; the influence function carries the
    estimation of the propensity score.

    >>> dy = np.array([1.0, 2.0, 0.0, 1.0]); d = np.array([1, 1, 0, 0])
    >>> round(did_ipw(dy, d, np.ones((4, 1))).att, 12)
    1.0
    """
    n = len(d)
    w = np.ones(n) if w is None else w / w.mean()
    prop = logit_propensity(Z, d, w) if prop is None else prop
    ps = prop.ps
    wt, wc = _ipw_weights(d, ps, w, trim_level)
    eta_t = np.mean(wt * dy) / np.mean(wt)
    eta_c = np.mean(wc * dy) / np.mean(wc)
    inf_t = (wt * dy - wt * eta_t) / np.mean(wt)
    m2 = np.mean((wc * (dy - eta_c))[:, None] * Z, axis=0)
    inf_c = ((wc * dy - wc * eta_c) + prop.linear_rep @ m2) / np.mean(wc)
    return TwoByTwo(float(eta_t - eta_c), inf_t - inf_c)


def did_dr(dy: np.ndarray, d: np.ndarray, Z: np.ndarray, w: np.ndarray | None = None, prop=None,
           trim_level: float = TRIM_LEVEL) -> TwoByTwo:
    r"""Doubly robust DiD (Sant'Anna & Zhao 2020, the "traditional" panel form):

    .. math:: \widehat{ATT} = \frac{\sum D_i (\Delta Y_i - \hat m_i)}{\sum D_i}
       - \frac{\sum w_i^c (\Delta Y_i - \hat m_i)}{\sum w_i^c},
       \qquad w_i^c = (1-D_i)\frac{p_i}{1-p_i},

    :math:`\hat m_i = Z_i'\hat\beta` from the comparison units; consistent if
    either the outcome model or the propensity model is right.

    >>> dy = np.array([1.0, 2.0, 0.0, 1.0]); d = np.array([1, 1, 0, 0])
    >>> round(did_dr(dy, d, np.ones((4, 1))).att, 12)
    1.0
    """
    n = len(d)
    w = np.ones(n) if w is None else w / w.mean()
    prop = logit_propensity(Z, d, w) if prop is None else prop
    ps = prop.ps
    fitted, lin_rep_ols = _outcome_regression(dy, d, Z, w)
    wt, wc = _ipw_weights(d, ps, w, trim_level)
    r = dy - fitted
    eta_t = np.mean(wt * r) / np.mean(wt)
    eta_c = np.mean(wc * r) / np.mean(wc)
    inf_t = ((wt * r - wt * eta_t) - lin_rep_ols @ np.mean(wt[:, None] * Z, axis=0)) / np.mean(wt)
    m2 = np.mean((wc * (r - eta_c))[:, None] * Z, axis=0)
    m3 = np.mean(wc[:, None] * Z, axis=0)
    inf_c = ((wc * r - wc * eta_c) + prop.linear_rep @ m2 - lin_rep_ols @ m3) / np.mean(wc)
    return TwoByTwo(float(eta_t - eta_c), inf_t - inf_c)


ESTIMATORS = {"reg": did_reg, "ipw": did_ipw, "dr": did_dr}


def did_columns(method: str, DY: np.ndarray, d: np.ndarray, Z: np.ndarray, prop=None,
                trim_level: float = TRIM_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """:func:`did_reg`, :func:`did_ipw` or :func:`did_dr` for several outcome
    changes at once (the columns of ``DY``) on the same rows, treatment and
    covariates — the group-time cells that share a comparison set. Returns the
    ATTs (one per column) and the influence functions (rows x columns); the
    same numbers as the one-column functions (unit weights), with the
    regression, the propensity score and their linear representations
    computed once.

    >>> rng = np.random.default_rng(0)
    >>> Z = np.column_stack([np.ones(40), rng.normal(size=40)]); d = (rng.random(40) < 0.4).astype(float)
    >>> DY = rng.normal(size=(40, 3)) + d[:, None]
    >>> att, inf = did_columns("dr", DY, d, Z)
    >>> one = [did_dr(DY[:, j], d, Z) for j in range(3)]
    >>> bool(np.allclose(att, [o.att for o in one], atol=1e-12, rtol=0))
    True
    >>> bool(np.allclose(inf, np.column_stack([o.influence for o in one]), atol=1e-12, rtol=0))
    True
    """
    n = len(d)
    DY = np.asarray(DY, dtype=float)
    d = np.asarray(d, dtype=float)
    cf = 1.0 - d                      # the comparison rows, as weights
    # Z' contiguous, and the n x columns arrays computed as (small @ Z')' so that all of
    # them share DY's memory order: mixed C/F operands make NumPy several times slower.
    ZT = np.ascontiguousarray(Z.T)
    mean_d = d.sum() / n
    if method in ("reg", "dr"):
        # Normal equations with the comparison rows weighted in (no row copies),
        # one step of iterative refinement to reach least-squares accuracy; a
        # badly conditioned design goes to lstsq (QR/SVD) instead.
        Zct = ZT * cf
        XpX = Zct @ Z / n
        cond = small_linalg.cond(XpX)
        if cond > 1 / np.finfo(float).eps:
            raise InputError(
                "The outcome regression on the comparison units is singular: a covariate does not "
                "vary among them, or covariates are collinear. Remove it or use fewer covariates."
            )
        XpX_inv = small_linalg.inv(XpX)
        if cond < 1e6:
            beta = XpX_inv @ (Zct @ DY) / n
            beta += XpX_inv @ (Zct @ (DY - _rows(beta, ZT, DY))) / n
        else:
            c = d == 0
            beta, *_ = np.linalg.lstsq(Z[c], DY[c], rcond=None)
        fitted = _rows(beta, ZT, DY)

        def lin_rep_dot(m):   # (lin_rep of the regression) @ m, for each column, without the n x k x p tensor
            return cf[:, None] * (DY - fitted) * ((XpX_inv @ m) @ ZT)[:, None]
    if method == "reg":
        wt = d
        eta_t = (wt @ DY) / n / mean_d
        eta_c = (wt @ fitted) / n / mean_d
        inf_t = (wt[:, None] * DY - wt[:, None] * eta_t) / mean_d
        m1 = ZT @ wt / n
        inf_c = ((wt[:, None] * fitted - wt[:, None] * eta_c) + lin_rep_dot(m1)) / mean_d
        return eta_t - eta_c, inf_t - inf_c
    prop = logit_propensity(Z, d) if prop is None else prop
    ps = prop.ps
    wc = ps * cf / (1 - ps)           # _ipw_weights with unit weights: no weight above the trimming level
    wc[ps >= trim_level] = 0.0
    mwt, mwc = mean_d, wc.sum() / n
    R = DY if method == "ipw" else DY - fitted
    # The influence functions of did_ipw/did_dr regrouped so that each n x columns
    # array is touched a few times (these cells are many; the per-column
    # formulas allocate a dozen such temporaries):
    #   inf = R * (a_t - a_c - (1 - d) v) - a_t eta_t' + a_c eta_c' - L m2 / mean(wc),
    # a_t = wt / mean(wt), a_c = wc / mean(wc), L the logit's linear representation,
    # v = Z (Z_c'Z_c / n)^-1 (mean(wt Z) / mean(wt) - mean(wc Z) / mean(wc)) the
    # outcome regression's part (DR only; zero on treated rows, as wt is zero on the others).
    k = Z.shape[1]
    at, ac = d / mwt, wc / mwc
    # The weighted sums in one product: rows wt, wc and wc z' against R.
    W = np.empty((2 + k, n))
    W[0], W[1] = d, wc
    np.multiply(ZT, wc, out=W[2:])
    S = W @ R / n
    mz = W[:2] @ Z / n
    eta_t, eta_c = S[0] / mwt, S[1] / mwc
    m2 = (S[2:] - np.outer(mz[1], eta_c)) / mwc
    scale = at - ac
    if method == "dr":
        scale -= cf * ((XpX_inv @ (mz[0] / mwt - mz[1] / mwc)) @ ZT)
    # The three rank-few terms as one product: [a_t, a_c, L] @ [eta_t; -eta_c; m2].
    left = np.empty((n, 2 + k), order="F")
    left[:, 0], left[:, 1], left[:, 2:] = at, ac, prop.linear_rep
    right = np.empty((2 + k, R.shape[1]))
    right[0], right[1], right[2:] = eta_t, -eta_c, m2
    out = R * scale[:, None]
    out -= _rows(right, left.T, out)
    return eta_t - eta_c, out


def _rows(coef: np.ndarray, XT: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``XT.T @ coef`` (rows x columns) in the memory order of ``like``: for a
    column-major ``like`` computed as ``(coef.T @ XT).T``, so that elementwise
    operations with it run on matching layouts."""
    if like.flags.f_contiguous and not like.flags.c_contiguous:
        return (coef.T @ XT).T
    return XT.T @ coef
