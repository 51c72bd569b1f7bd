"""The propensity logit of one group-time cell of ``staggered_did``, lean.

:func:`~kvarter.evaluation.propensity.logit_propensity` serves every
estimator of the package (weights, step halving through ``logaddexp``, SciPy's
``expit``); ``staggered_did`` fits one per comparison set, a few dozen per
call on a few thousand rows each, and those fits were half of its run time.
:func:`cell_propensity` is the same maximum and the same returned pieces for
unit weights: fit_logit's Newton-Raphson (start, step halving), with the
logistic function and the log-likelihood written with ``np.exp``/``np.log1p``
(vectorised in NumPy, where ``expit`` and ``logaddexp`` are several times
slower per value), the scores and gradient of a step's end reused for the
next step, the log-likelihood evaluated only when a step may have overshot,
and the confirming last iteration saved once quadratic convergence has
reached rounding (see :func:`cell_logit`; the tests compare the maxima to
1e-12).

Reference: Sant'Anna, P. H. C. & Zhao, J. (2020). Doubly robust
difference-in-differences estimators. *Journal of Econometrics* 219(1),
101-122 (the linear representation of the logit in their DRDID code).
"""

from __future__ import annotations

import numpy as np

from kvarter.errors import InputError
from kvarter.evaluation import small_linalg
from kvarter.evaluation.propensity import Propensity

#: Fitted scores are capped here, as in propensity.logit_propensity (and DRDID).
PS_CAP = 1 - 1e-6


def _loglik(m: np.ndarray, e: np.ndarray, d: np.ndarray) -> float:
    r"""Logit log-likelihood from :math:`m = -\eta` and :math:`e = e^{m}`:
    :math:`\sum_i d_i\log p_i + (1 - d_i)\log(1 - p_i) = -\sum_i \log(1 + e_i) + \sum_i (1 - d_i) m_i`.
    Where e overflowed (:math:`\eta < -709`), the softplus form max(eta, 0) + log1p(e^-|eta|) instead."""
    ll = -float(np.sum(np.log1p(e))) + float((1 - d) @ m)
    if not np.isfinite(ll):
        eta = -m
        ll = float(d @ eta - np.sum(np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))))
    return ll


def cell_logit(Z: np.ndarray, d: np.ndarray, start: np.ndarray | None = None, tol: float = 1e-10,
               maxiter: int = 100) -> tuple[np.ndarray, np.ndarray, bool]:
    r"""Unweighted logit by Newton-Raphson, :math:`\hat\gamma = \arg\max \sum_i
    [d_i z_i'\gamma - \log(1 + e^{z_i'\gamma})]`; returns (coefficients, the
    fitted :math:`\Lambda(z_i'\hat\gamma)`, converged).

    The iteration of :func:`kvarter.evaluation.propensity.fit_logit`: steps
    halved while the log-likelihood falls, except steps below 1e-3 (near the
    maximum the Newton step of the concave log-likelihood cannot overshoot),
    converged at a largest step below ``tol`` -- or one step earlier, once
    Newton's quadratic convergence (each step about :math:`C s^2` after a step
    s, C estimated from the last two steps) puts the next step below
    ``tol * 1e-4`` (1e-14 for the default): the coefficients are then already
    at the maximum to rounding, and the confirming iteration is saved. A large
    step whose end still has the gradient pointing forward is taken without
    evaluating the log-likelihood (concavity guarantees the rise). The Hessian
    :math:`\sum_i p_i(1-p_i) z_i z_i'` is one product with the rows'
    :math:`z_i z_i'`, formed once.

    >>> from kvarter.evaluation.propensity import design, fit_logit
    >>> Z = design([0, 0, 1, 1, 1, 0]); d = np.array([0, 1, 1, 1, 0, 0.0])
    >>> coef, p, ok = cell_logit(Z, d)
    >>> np.round(coef, 6).tolist(), ok      # log-odds 1/2 at x = 0, then 2
    ([-0.693147, 1.386294], True)
    >>> bool(np.allclose(coef, fit_logit(Z, d)[0], rtol=0, atol=1e-13))
    True
    """
    ZT, ZZT = _design_rows(Z)
    return _newton(Z, ZT, ZZT, d, start, tol, maxiter)


def _design_rows(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Z' contiguous, and the rows' z z' as a k^2 x n array: the gradient and the Hessian
    # of every step are then one product each with a vector.
    ZT = np.ascontiguousarray(Z.T)
    k, n = ZT.shape
    return ZT, (ZT[:, None, :] * ZT[None, :, :]).reshape(k * k, n)


def _newton(Z, ZT, ZZT, d, start, tol, maxiter):
    k = Z.shape[1]
    beta = np.zeros(k) if start is None else np.array(start, dtype=float)
    # Rows carry m = -z'beta and e = e^m, the one transcendental per row and step: the
    # scores 1 / (1 + e) and the log-likelihood both come from it. e overflows to inf
    # for z'beta < -709, a score of 0 (the right limit), hence the silenced warning.
    with np.errstate(over="ignore"):
        m = Z @ -beta
        e = np.exp(m)
        p = 1.0 / (1.0 + e)
        grad = ZT @ (d - p)
        ll = None   # the log-likelihood at beta, computed only when a step has to be checked
        prev = np.inf
        for _ in range(maxiter):
            H = (ZZT @ (p * (1 - p))).reshape(k, k)
            try:
                step = small_linalg.solve(H, grad)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(H, grad, rcond=None)[0]
            t, full = 1.0, max(abs(v) for v in step.tolist())
            while True:
                new = beta + step if t == 1.0 else beta + t * step
                m_new = Z @ -new
                e_new = np.exp(m_new)
                p_new = 1.0 / (1.0 + e_new)
                grad_new = ZT @ (d - p_new)
                size = t * full
                if size < 1e-3:
                    break
                if grad_new @ step >= 0:
                    # The log-likelihood still rises along the step at its end, so (concave)
                    # it rose all the way: the check below would accept, without the logs.
                    ll = None
                    break
                if ll is None:
                    ll = _loglik(m, e, d)
                ll_new = _loglik(m_new, e_new, d)
                if ll_new >= ll - 1e-12 * abs(ll) or t < 1e-8:
                    ll = ll_new
                    break
                t /= 2
            beta, m, e, p, grad = new, m_new, e_new, p_new, grad_new
            if size < tol or (size < 1e-5 and t == 1.0 and max(size / prev**2, 1.0) * size**2 < tol * 1e-4):
                return beta, p, bool(np.all(np.isfinite(beta)))
            prev = size
    return beta, p, False


def cell_propensity(Z: np.ndarray, d: np.ndarray, start: np.ndarray | None = None) -> Propensity:
    r""":func:`kvarter.evaluation.propensity.logit_propensity` with unit
    weights, through :func:`cell_logit`: the scores capped at :math:`1 -
    10^{-6}` and the linear representation :math:`(d_i - p_i) z_i'
    (\tfrac1n \sum_j p_j (1 - p_j) z_j z_j')^{-1}`.

    >>> from kvarter.evaluation.propensity import design, logit_propensity
    >>> rng = np.random.default_rng(2)
    >>> Z = design(rng.normal(size=(300, 2))); d = (rng.random(300) < 0.3).astype(float)
    >>> a, b = cell_propensity(Z, d), logit_propensity(Z, d)
    >>> bool(np.allclose(a.ps, b.ps, rtol=0, atol=1e-14)), bool(np.allclose(a.linear_rep, b.linear_rep, rtol=0, atol=1e-12))
    (True, True)
    """
    n = len(d)
    if not np.all(np.isfinite(Z)):
        raise InputError("The propensity logit could not be fitted: the covariates or weights hold NaN or inf values.")
    ZT, ZZT = _design_rows(Z)
    coef, ps, converged = _newton(Z, ZT, ZZT, d, start, 1e-10, 100)
    if not np.all(np.isfinite(coef)):
        raise InputError("The propensity logit could not be fitted; covariates are probably collinear or "
                         "separate the groups perfectly.")
    ps = np.minimum(ps, PS_CAP)
    k = Z.shape[1]
    H = (ZZT @ (ps * (1 - ps))).reshape(k, k)
    try:
        hinv = small_linalg.inv(H) * n
    except np.linalg.LinAlgError:
        hinv = np.linalg.pinv(H) * n
    # Row i: (d_i - p_i) z_i' H^-1, formed as (H^-T Z')' (column-major, no n x k temporary).
    linear_rep = ((hinv.T @ ZT) * (d - ps)).T
    return Propensity(ps=ps, model="logit", coef=coef, linear_rep=linear_rep, converged=converged)
