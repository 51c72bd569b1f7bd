"""The static building block: the average effect of a treatment on the treated
(ATT) on one cross-section, with selection on observables.

Three estimators share one propensity score: inverse probability weighting
with odds weights p/(1-p) for the comparison units (normalised, Hájek),
augmented IPW (doubly robust: an outcome regression on the comparison units
plus weighted residuals) and nearest-neighbour matching on the propensity
score's logit with a caliper. Every estimate comes with the covariate
balance before and after weighting and the propensity distributions of both
groups, so overlap can be seen next to the number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from kvarter.errors import InputError
from kvarter.evaluation.drdid import _ipw_weights, did_dr, did_ipw
from kvarter.evaluation.propensity import (
    Propensity,
    boosting_propensity,
    common_support,
    design,
    logit_propensity,
)
from kvarter.validation import check_columns, check_scalar

METHODS = ("ipw", "aipw", "matching")
PROPENSITY = ("logit", "boosting")
#: |SMD| above this after weighting is flagged (Austin 2009).
SMD_WARNING = 0.1
_Z = stats.norm.ppf(0.975)


@dataclass(frozen=True)
class ATTResult:
    """The result of :func:`att`.

    ``estimate``, ``se`` and ``ci`` (a (lower, upper) pair, 95 %);
    ``n_treated``/``n_control`` the units used after common support;
    ``balance`` a long table (covariate, mean_treated, mean_control,
    mean_control_weighted, smd_before, smd_after, n_treated, n_control:
    group means only, with the counts behind them); ``propensity`` the score
    histogram of both groups (bin_lower, bin_upper, n_treated, n_control);
    ``support`` how many of each group were trimmed; ``warnings`` plain
    sentences (e.g. covariates still unbalanced).
    """

    estimate: float
    se: float
    ci: tuple[float, float]
    n_treated: int
    n_control: int
    balance: pd.DataFrame
    propensity: pd.DataFrame
    method: str
    support: dict
    warnings: list[str] = field(default_factory=list)


def covariate_matrix(data: pd.DataFrame, covariates, owner: str, source: str = "data") -> tuple[np.ndarray, list[str]]:
    """Numeric covariate matrix: numbers as they are, text or categorical as
    0/1 indicators (the first level left out). A covariate with one value
    only, or with empty cells, raises :class:`~kvarter.errors.InputError`.

    >>> X, names = covariate_matrix(pd.DataFrame({"age": [30, 40, 50], "edu": ["low", "high", "low"]}),
    ...                             ["age", "edu"], "att")
    >>> names
    ['age', 'edu=low']
    >>> X[:, 1]
    array([1., 0., 1.])
    """
    covariates = list(covariates)
    check_columns(list(data.columns), covariates, source, owner)
    cols, names = [], []
    for c in covariates:
        s = data[c]
        if s.isna().any():
            i = int(np.flatnonzero(s.isna().to_numpy())[0])
            raise InputError(
                f"Covariate {c!r} passed to {owner} has {int(s.isna().sum())} empty value(s) (first at row {i + 1}); "
                "fill them or leave the rows out."
            )
        if s.nunique() < 2:
            raise InputError(
                f"Covariate {c!r} passed to {owner} has no variation (every value is {s.iloc[0]!r}); "
                "it cannot balance anything — leave it out."
            )
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            cols.append(s.to_numpy(dtype=float))
            names.append(c)
        else:
            levels = sorted(s.astype(str).unique())
            for lev in levels[1:]:
                cols.append((s.astype(str) == lev).to_numpy(dtype=float))
                names.append(f"{c}={lev}")
    if not cols:
        return np.empty((len(data), 0)), names
    return np.column_stack(cols), names


def standardised_differences(X: np.ndarray, d: np.ndarray, w_control: np.ndarray | None = None,
                             w_treated: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Standardised mean difference of each covariate, before and after weighting.

    .. math:: SMD = \frac{\bar x_T - \bar x_C}{\sqrt{(s_T^2 + s_C^2)/2}}

    with the unweighted standard deviations in the denominator both times
    (Austin 2009), so "after" moves only through the means.

    Reference: Austin, P. C. (2009). Balance diagnostics for comparing the
    distribution of baseline covariates between treatment groups in
    propensity-score matched samples. *Statistics in Medicine* 28, 3083-3107.

    >>> X = np.array([[1.0], [3.0], [0.0], [2.0]]); d = np.array([1, 1, 0, 0])
    >>> before, after = standardised_differences(X, d, w_control=np.array([1.0, 3.0]))
    >>> round(float(before[0]), 4), round(float(after[0]), 4)   # (2 - 1)/1.4142, (2 - 1.5)/1.4142
    (0.7071, 0.3536)
    """
    t = d == 1
    if t.sum() < 2 or (~t).sum() < 2:
        nan = np.full(X.shape[1], np.nan)
        return nan, nan
    sd = np.sqrt((X[t].var(axis=0, ddof=1) + X[~t].var(axis=0, ddof=1)) / 2)
    sd = np.where(sd > 0, sd, np.nan)
    wt = np.ones(t.sum()) if w_treated is None else w_treated
    mt = X[t].mean(axis=0)
    mc = X[~t].mean(axis=0)
    before = (mt - mc) / sd
    if w_control is None:
        return before, before
    mtw = np.average(X[t], axis=0, weights=wt)
    mcw = np.average(X[~t], axis=0, weights=w_control)
    return before, (mtw - mcw) / sd


def propensity_histogram(ps: np.ndarray, d: np.ndarray, bins: int = 20) -> pd.DataFrame:
    """Counts of treated and comparison units per propensity bin (equal widths on [0, 1]).

    Group counts only: this is what a publication may show of the overlap.

    >>> propensity_histogram(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1]), bins=2)
       bin_lower  bin_upper  n_treated  n_control
    0        0.0        0.5          0          2
    1        0.5        1.0          2          0
    """
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.searchsorted(edges, ps, side="right") - 1, 0, bins - 1)
    t = np.bincount(idx[d == 1], minlength=bins)
    c = np.bincount(idx[d == 0], minlength=bins)
    return pd.DataFrame({"bin_lower": edges[:-1], "bin_upper": edges[1:], "n_treated": t, "n_control": c})


def nearest_neighbours(score_t: np.ndarray, score_c: np.ndarray, caliper: float | None) -> np.ndarray:
    """For each treated score, the index of the nearest comparison score (with
    replacement; ties to the lower index), or -1 when none lies within ``caliper``.

    >>> nearest_neighbours(np.array([0.1, 0.5, 2.0]), np.array([0.0, 0.45, 0.6]), caliper=0.2)
    array([ 0,  1, -1])
    """
    order = np.argsort(score_c, kind="stable")
    sc = score_c[order]
    pos = np.searchsorted(sc, score_t)
    left = np.clip(pos - 1, 0, len(sc) - 1)
    right = np.clip(pos, 0, len(sc) - 1)
    dl = np.abs(score_t - sc[left])
    dr = np.abs(sc[right] - score_t)
    pick = np.where(dr < dl, right, left)
    dist = np.minimum(dl, dr)
    out = order[pick]
    if caliper is not None:
        out = np.where(dist <= caliper, out, -1)
    return out


@dataclass(frozen=True)
class _Weights:
    """Comparison weights that reproduce the estimator's counterfactual mean,
    and the treated rows it keeps (matching drops treated units without a match)."""

    w_control: np.ndarray
    keep_treated: np.ndarray
    matches: np.ndarray | None = None


def _weights(d, ps, method, w, caliper, trim_level):
    t = d == 1
    if method == "matching":
        lp = np.log(ps / (1 - ps))
        cal = None if caliper is None else caliper * np.std(lp, ddof=1)
        m = nearest_neighbours(lp[t], lp[~t], cal)
        kept = m >= 0
        K = np.bincount(m[kept], weights=w[t][kept], minlength=int((~t).sum())).astype(float)
        return _Weights(K, kept, m)
    _, wc = _ipw_weights(d.astype(float), ps, w, trim_level)
    return _Weights(wc[~t], np.ones(int(t.sum()), dtype=bool))


def _estimate(Y, d, Z, w, method, weights: _Weights):
    """ATT for each column of Y (n x k), given the comparison weights."""
    t = d == 1
    Yt = Y[t][weights.keep_treated]
    wt = w[t][weights.keep_treated]
    treated_mean = np.average(Yt, axis=0, weights=wt)
    wc = weights.w_control
    if method == "aipw":
        c = ~t
        sw = np.sqrt(w[c])
        beta, *_ = np.linalg.lstsq(Z[c] * sw[:, None], Y[c] * sw[:, None], rcond=None)
        fitted = Z @ beta
        rt = np.average(Yt - fitted[t][weights.keep_treated], axis=0, weights=wt)
        rc = np.average(Y[c] - fitted[c], axis=0, weights=wc)
        return rt - rc, treated_mean
    return treated_mean - np.average(Y[~t], axis=0, weights=wc), treated_mean


def _matching_se(y, d, weights: _Weights, lp, tau):
    # Abadie & Imbens (2006) variance for the ATT with one match, with the
    # conditional variance of each comparison unit from its nearest other
    # comparison unit on the score.
    t = d == 1
    yt, yc = y[t], y[~t]
    m = weights.matches
    kept = m >= 0
    n1 = kept.sum()
    resid = yt[kept] - yc[m[kept]] - tau
    K = weights.w_control
    lpc = lp[~t]
    order = np.argsort(lpc, kind="stable")
    ys = yc[order]
    nb = np.empty(len(ys))
    if len(ys) > 1:
        ls = lpc[order]
        dprev = np.r_[np.inf, np.diff(ls)]
        dnext = np.r_[np.diff(ls), np.inf]
        idx = np.arange(len(ys))
        nb_idx = np.where(dnext < dprev, idx + 1, idx - 1)
        nb = ys[np.clip(nb_idx, 0, len(ys) - 1)]
    sigma2 = np.zeros(len(yc))
    sigma2[order] = 0.5 * (ys - nb) ** 2
    var = (np.sum(resid**2) + np.sum(K * (K - 1) * sigma2)) / n1**2
    return float(np.sqrt(var))


def att(
    data: pd.DataFrame,
    treatment: str,
    outcome: str,
    covariates,
    method: str = "ipw",
    *,
    propensity: str = "logit",
    caliper: float | None = 0.2,
    support: str | float | None = "minmax",
    trim_level: float = 0.995,
    n_boot: int = 0,
    seed: int | None = None,
) -> ATTResult:
    r"""Average treatment effect on the treated under selection on observables.

    - ``"ipw"``: :math:`\hat\theta = \bar Y_T - \sum_C \omega_i Y_i / \sum_C \omega_i`,
      :math:`\omega_i = \hat p_i/(1-\hat p_i)` (odds weights);
    - ``"aipw"``: the doubly robust estimator
      :math:`\hat\theta = \overline{(Y - \hat m)}_T - \sum_C \omega_i (Y_i - \hat m_i)/\sum_C \omega_i`,
      :math:`\hat m` least squares of Y on the covariates among comparison units;
    - ``"matching"``: one nearest neighbour (with replacement) on the logit of
      the score within ``caliper`` standard deviations of it (Austin 2011's
      0.2 by default; ``None`` for no caliper); treated units without a match
      are dropped and counted.

    Standard errors: for the logit-based IPW and AIPW the influence function
    including the estimated score (Sant'Anna & Zhao 2020); for matching Abadie
    & Imbens (2006); with ``n_boot > 0`` (or ``propensity="boosting"``) the
    bootstrap over units, seeded. ``support="minmax"`` trims to common support
    first (a number ``a`` keeps scores in [a, 1 - a]; ``None`` keeps all);
    comparison units with a score above ``trim_level`` get no weight.

    References: Imbens, G. W. (2004). Nonparametric estimation of average
    treatment effects under exogeneity. *Review of Economics and Statistics*
    86(1), 4-29. Abadie, A. & Imbens, G. W. (2006). Large sample properties
    of matching estimators. *Econometrica* 74(1), 235-267.

    Examples
    --------
    With one binary covariate the odds-weighted comparison mean is the
    comparison mean within each covariate cell, weighted by the treated mix.

    >>> df = pd.DataFrame({"d": [1, 1, 1, 0, 0, 0, 0, 0],
    ...                    "x": [1, 1, 0, 1, 0, 0, 0, 1],
    ...                    "y": [5.0, 7.0, 2.0, 4.0, 1.0, 1.0, 1.0, 2.0]})
    >>> r = att(df, "d", "y", ["x"], method="ipw")
    >>> round(r.estimate, 6)     # 14/3 - (2/3 * 3 + 1/3 * 1)
    2.333333
    >>> r.n_treated, r.n_control
    (3, 5)
    """
    owner = "att"
    if method not in METHODS:
        raise InputError(f"The 'method' parameter of {owner} must be one of {', '.join(METHODS)}; got {method!r}.")
    if propensity not in PROPENSITY:
        raise InputError(f"The 'propensity' parameter of {owner} must be one of {', '.join(PROPENSITY)}; got {propensity!r}.")
    check_scalar(n_boot, "n_boot", owner, kind=int, min_value=0)
    check_columns(list(data.columns), [treatment, outcome], "data", owner)
    d = pd.to_numeric(data[treatment], errors="coerce")
    if d.isna().any() or not d.isin([0, 1]).all():
        bad = data[treatment][~d.isin([0, 1])].iloc[0]
        raise InputError(f"Column {treatment!r} passed to {owner} must hold 0 or 1 only; found {bad!r}.")
    d = d.to_numpy(dtype=int)
    y = pd.to_numeric(data[outcome], errors="coerce")
    if y.isna().any():
        i = int(np.flatnonzero(y.isna().to_numpy())[0])
        raise InputError(f"Outcome {outcome!r} passed to {owner} has {int(y.isna().sum())} empty or non-numeric value(s) (first at row {i + 1}).")
    y = y.to_numpy(dtype=float)
    if d.sum() == 0 or d.sum() == len(d):
        raise InputError(f"{owner} needs treated and comparison units; column {treatment!r} has {int(d.sum())} treated of {len(d)}.")
    X, names = covariate_matrix(data, covariates, owner)
    res = _att_arrays(y, d, X, names, method, propensity, caliper, support, trim_level, seed)
    if n_boot or propensity == "boosting":
        reps = n_boot or 200
        rng = np.random.default_rng(seed)
        draws = np.empty(reps)
        for b in range(reps):
            idx = rng.integers(0, len(y), len(y))
            try:
                draws[b] = _att_arrays(y[idx], d[idx], X[idx], names, method, propensity, caliper, support,
                                       trim_level, seed, point_only=True)
            except InputError:
                draws[b] = np.nan
        se = float(np.nanstd(draws, ddof=1))
        est = res["estimate"]
        res.update(se=se, ci=(est - _Z * se, est + _Z * se))
    return ATTResult(**res)


def _att_arrays(y, d, X, names, method, propensity, caliper, support, trim_level, seed, point_only=False):
    n = len(y)
    Z = design(X)
    prop: Propensity = logit_propensity(Z, d) if propensity == "logit" else boosting_propensity(X, d, seed)
    notes = []
    keep = np.ones(n, dtype=bool)
    if support is not None:
        keep = common_support(prop.ps, d, None if support == "minmax" else float(support))
    n_trim_t = int(((~keep) & (d == 1)).sum())
    n_trim_c = int(((~keep) & (d == 0)).sum())
    if n_trim_t + n_trim_c:
        y, d, X, Z = y[keep], d[keep], X[keep], Z[keep]
        prop = logit_propensity(Z, d) if propensity == "logit" else boosting_propensity(X, d, seed)
        notes.append(f"common support ({support}) left out {n_trim_t} treated and {n_trim_c} comparison unit(s).")
    if d.sum() == 0 or (d == 0).sum() == 0:
        raise InputError("No treated or no comparison unit is left on common support.")
    w = np.ones(len(y))
    weights = _weights(d, prop.ps, method, w, caliper, trim_level)
    est, _ = _estimate(y[:, None], d, Z, w, method, weights)
    estimate = float(est[0])
    if point_only:
        return estimate
    if method == "matching":
        lp = np.log(prop.ps / (1 - prop.ps))
        se = _matching_se(y, d, weights, lp, estimate)
        n_unmatched = int((~weights.keep_treated).sum())
        if n_unmatched:
            notes.append(f"{n_unmatched} treated unit(s) had no comparison unit within the caliper and were dropped.")
    elif propensity == "logit":
        kern = did_ipw if method == "ipw" else did_dr
        se = float(np.sqrt(np.mean(kern(y, d.astype(float), Z, trim_level=trim_level).influence ** 2) / len(y)))
    else:
        se = np.nan
    t = d == 1
    before, after = standardised_differences(X, d, weights.w_control, None if method != "matching" else
                                             weights.keep_treated.astype(float))
    balance = pd.DataFrame({
        "covariate": names,
        "mean_treated": X[t].mean(axis=0),
        "mean_control": X[~t].mean(axis=0),
        "mean_control_weighted": np.average(X[~t], axis=0, weights=weights.w_control),
        "smd_before": before,
        "smd_after": after,
        "n_treated": int(weights.keep_treated.sum()),
        "n_control": int((weights.w_control > 0).sum()),
    })
    off = balance.loc[balance["smd_after"].abs() > SMD_WARNING, "covariate"].tolist()
    if off:
        notes.append(f"|SMD| > {SMD_WARNING} remains after weighting for: {', '.join(off)}.")
    n_treated = int(weights.keep_treated.sum())
    n_control = int((weights.w_control > 0).sum())
    return dict(
        estimate=estimate, se=se, ci=(estimate - _Z * se, estimate + _Z * se), n_treated=n_treated,
        n_control=n_control, balance=balance, propensity=propensity_histogram(prop.ps, d), method=method,
        support={"trimmed_treated": n_trim_t, "trimmed_control": n_trim_c}, warnings=notes,
    )
