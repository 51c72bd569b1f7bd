"""Propensity scores and the linear pieces their influence functions need.

The logit is fitted by Newton-Raphson in NumPy (:func:`fit_logit`, the same
maximum as statsmodels' ``GLM`` with a binomial family, checked in the tests); gradient boosting through scikit-learn is offered
for :func:`~kvarter.evaluation.att` as an option, without an influence
function (its standard errors come from the bootstrap). Common support is
enforced by trimming, and what was trimmed is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from kvarter.errors import InputError

try:
    from numpy.linalg import _umath_linalg

    _solve1 = _umath_linalg.solve1
except (ImportError, AttributeError):  # pragma: no cover - depends on the NumPy version
    _solve1 = None


@dataclass(frozen=True)
class Propensity:
    """A fitted propensity score: ``ps`` per row, and for the logit the pieces
    of the M-estimator's linear representation (``score`` rows times
    ``hessian_inv``) that the influence functions of IPW and AIPW add."""

    ps: np.ndarray
    model: str
    coef: np.ndarray | None = None
    linear_rep: np.ndarray | None = None
    converged: bool = True


def design(X) -> np.ndarray:
    """``X`` with a leading column of ones (the design of the logit and the outcome regression).

    >>> design([[2.0], [3.0]])
    array([[1., 2.],
           [1., 3.]])
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    return np.column_stack([np.ones(len(X)), X])


def fit_logit(Z: np.ndarray, d: np.ndarray, w: np.ndarray | None = None, start: np.ndarray | None = None,
              tol: float = 1e-10, maxiter: int = 100) -> tuple[np.ndarray, bool]:
    r"""Weighted logit by Newton-Raphson: :math:`\hat\gamma = \arg\max \sum_i w_i
    [d_i z_i'\gamma - \log(1 + e^{z_i'\gamma})]`; returns (coefficients, converged).

    The same maximum as statsmodels' ``GLM(..., Binomial())`` (checked in the
    tests), without its model objects: the dynamic evaluation fits one per
    duration and bootstrap replicate. Steps are halved while the
    log-likelihood falls; convergence is a largest step below ``tol``.

    >>> Z = design([0, 0, 1, 1, 1, 0]); d = np.array([0, 1, 1, 1, 0, 0])
    >>> coef, ok = fit_logit(Z, d)
    >>> np.round(coef, 6).tolist(), ok      # log-odds 1/2 at x = 0, then 2
    ([-0.693147, 1.386294], True)
    """
    Z = np.asarray(Z, dtype=float)
    d = np.asarray(d, dtype=float)
    w = np.ones(len(d)) if w is None else np.asarray(w, dtype=float)
    beta = np.zeros(Z.shape[1]) if start is None else np.asarray(start, dtype=float).copy()
    # The bootstrap fits many of these on a few hundred rows, where NumPy's per-call
    # overhead is most of the time: each quantity is computed once per step, with the
    # same floating-point operations in the same order (some separated replicates are
    # so ill-conditioned that any other order of the sums changes their fit).
    ZT = Z.T
    eta = Z @ beta
    ll = _loglik(w, d, eta)
    for _ in range(maxiter):
        p = expit(eta)
        grad = ZT @ (w * (d - p))
        H = (Z * (w * p * (1 - p))[:, None]).T @ Z
        step = _newton_step(H, grad)
        t = 1.0
        t_step = step
        while True:
            new = beta + t_step
            eta_new = Z @ new
            largest = abs(t_step).max()
            if largest < 1e-3:
                # Near the maximum the concave log-likelihood's Newton step cannot overshoot: no check needed.
                break
            ll_new = _loglik(w, d, eta_new)
            if ll_new >= ll - 1e-12 * abs(ll) or t < 1e-8:
                ll = ll_new
                break
            t /= 2
            t_step = t * step
        beta, eta = new, eta_new
        if largest < tol:
            return beta, bool(np.all(np.isfinite(beta)))
    return beta, False


def _raise_singular(err, flag):
    raise np.linalg.LinAlgError("Singular matrix")


def _newton_step(H: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``np.linalg.solve(H, grad)``, least squares when H is singular.

    For a float matrix and vector ``np.linalg.solve`` only checks its inputs
    and calls LAPACK's gesv through NumPy's linalg gufunc; the fits call that
    gufunc directly, the same way (same signature, the same error state), for
    the same result without the checks' overhead, tens of thousands of times.
    """
    try:
        if _solve1 is None:  # pragma: no cover - a NumPy without the gufunc
            return np.linalg.solve(H, grad)
        with np.errstate(call=_raise_singular, invalid="call", over="ignore", divide="ignore", under="ignore"):
            return _solve1(H, grad, signature="dd->d")
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(H, grad, rcond=None)[0]


def _loglik(w: np.ndarray, d: np.ndarray, eta: np.ndarray) -> float:
    return float((w * (d * eta - np.logaddexp(0.0, eta))).sum())


def logit_propensity(Z: np.ndarray, d: np.ndarray, w: np.ndarray | None = None,
                     start: np.ndarray | None = None) -> Propensity:
    r"""Logit propensity :math:`p(x) = \Lambda(z'\gamma)` fitted by maximum likelihood.

    ``Z`` is the full design (include the intercept column, see :func:`design`);
    ``w`` are observation weights normalised to mean one; ``start`` a first
    guess of the coefficients (a nearby fit, to save iterations). Besides the fitted
    scores it returns the linear representation of
    :math:`\sqrt n(\hat\gamma - \gamma)`, row *i* being
    :math:`w_i (d_i - p_i) z_i' \, (\tfrac1n \sum_j w_j p_j (1 - p_j) z_j z_j')^{-1}`,
    as in Sant'Anna & Zhao's (2020) DRDID code. Fitted scores are capped at
    :math:`1 - 10^{-6}` as there.

    Reference: Sant'Anna, P. H. C. & Zhao, J. (2020). Doubly robust
    difference-in-differences estimators. *Journal of Econometrics* 219(1), 101-122.

    >>> Z = design([0, 0, 1, 1, 1, 0])
    >>> d = np.array([0, 1, 1, 1, 0, 0])
    >>> np.round(logit_propensity(Z, d).ps, 4)   # the share treated within each x
    array([0.3333, 0.3333, 0.6667, 0.6667, 0.6667, 0.3333])
    """
    n = len(d)
    w = np.ones(n) if w is None else np.asarray(w, dtype=float)
    if not (np.all(np.isfinite(Z)) and np.all(np.isfinite(w))):
        raise InputError("The propensity logit could not be fitted: the covariates or weights hold NaN or inf values.")
    coef, converged = fit_logit(Z, d.astype(float), w, start=start, tol=1e-10)
    if not np.all(np.isfinite(coef)):
        raise InputError("The propensity logit could not be fitted; covariates are probably collinear or "
                         "separate the groups perfectly.")
    ps = expit(Z @ coef)
    ps = np.minimum(ps, 1 - 1e-6)
    W = ps * (1 - ps) * w
    H = Z.T @ (W[:, None] * Z)
    try:
        hinv = np.linalg.inv(H) * n
    except np.linalg.LinAlgError:
        hinv = np.linalg.pinv(H) * n
    score = (w * (d - ps))[:, None] * Z
    return Propensity(ps=ps, model="logit", coef=coef, linear_rep=score @ hinv, converged=converged)


def boosting_classifier(seed: int | None = 0):
    """The gradient-boosting classifier used for propensity scores (scikit-learn, optional).

    Small trees and 100 rounds: propensity cells are often a few hundred rows.

    >>> boosting_classifier().get_params()["max_leaf_nodes"]
    8
    """
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError(
            "propensity='boosting' needs scikit-learn; install it (pip install scikit-learn) "
            "or use propensity='logit'."
        ) from None
    return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=8, random_state=seed)


def boosting_propensity(X: np.ndarray, d: np.ndarray, seed: int | None = 0) -> Propensity:
    """Propensity from scikit-learn's gradient boosting (``HistGradientBoostingClassifier``).

    No influence function: standard errors for estimates that use it come
    from the bootstrap. scikit-learn is an optional dependency.

    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(400, 1)); d = (x[:, 0] + rng.normal(size=400) > 0).astype(int)
    >>> p = boosting_propensity(x, d).ps
    >>> bool(p[x[:, 0] > 1].mean() > p[x[:, 0] < -1].mean())
    True
    """
    clf = boosting_classifier(seed)
    clf.fit(np.asarray(X, dtype=float), d)
    ps = np.clip(clf.predict_proba(np.asarray(X, dtype=float))[:, 1], 1e-6, 1 - 1e-6)
    return Propensity(ps=ps, model="boosting")


def common_support(ps: np.ndarray, d: np.ndarray, trim: float | None = None) -> np.ndarray:
    r"""Rows inside common support: a mask to keep.

    With ``trim=None`` the rule is the min-max rule: keep comparison units whose
    score is not below the lowest treated score and treated units whose score
    is not above the highest comparison score. With a number ``a`` in (0, 0.5)
    keep rows with :math:`a \le p \le 1 - a` (Crump et al. 2009).

    >>> common_support(np.array([0.1, 0.5, 0.9, 0.3, 0.6]), np.array([0, 1, 1, 0, 0]))
    array([False,  True, False, False,  True])
    >>> common_support(np.array([0.05, 0.5, 0.97]), np.array([0, 1, 1]), trim=0.05)
    array([ True,  True, False])
    """
    d = np.asarray(d).astype(bool)
    if trim is None:
        if not d.any() or d.all():
            return np.ones(len(ps), dtype=bool)
        lo = ps[d].min()
        hi = ps[~d].max()
        return np.where(d, ps <= hi, ps >= lo)
    return (ps >= trim) & (ps <= 1 - trim)
