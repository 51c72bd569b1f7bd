"""Funnel plots (Spiegelhalter 2005): control limits around a target as a
function of each unit's precision, and each unit's place against them.

Kinds and what ``precision`` means:

* ``proportion`` — events of n; precision = n. Limits: ``exact`` binomial
  (Spiegelhalter's interpolated quantiles of Binomial(n, θ₀)) or ``wilson``
  (the proportion whose Wilson score interval just reaches θ₀, as UK
  Fingertips draws them);
* ``ratio`` — observed over expected counts (a standardised ratio);
  precision = the expected count E, target usually 1;
* ``rate`` — events per unit of population; precision = the population,
  target the rate (per person). For ratios and rates μ = θ₀ × precision is
  the count the target predicts; limits: ``exact`` Poisson in the chi-square
  form χ²₂μ(p)/2 and χ²₂₍μ₊₁₎(p)/2 (as R FunnelPlotR), or ``byar``
  (Byar's approximation of the same);
* ``mean`` — a unit mean; precision = 1/se²; normal limits θ₀ ± z/√precision.

Limits are inclusive: a unit exactly on a limit is inside it.

Reference: Spiegelhalter, D. J. (2005). Funnel plots for comparing
institutional performance. *Statistics in Medicine* 24, 1185-1202
(Appendix A: exact limits with interpolation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from kvarter.benchmark.overdispersion import KINDS, Overdispersion, default_method, overdispersion
from kvarter.errors import InputError

#: Limit methods each kind accepts (the first is the default).
LIMIT_METHODS = {
    "proportion": ("exact", "wilson"),
    "ratio": ("exact", "byar"),
    "rate": ("exact", "byar"),
    "mean": ("exact", "normal"),
}
ADJUSTMENTS = (None, "SHMI", "CQC", "multiplicative")
#: Classes of a unit against its funnel, from lowest to highest.
CLASSES = ("below_998", "below_95", "inside", "above_95", "above_998")


def _check_kind_method(kind: str, method: str, owner: str) -> None:
    if kind not in KINDS:
        raise InputError(f"The 'kind' parameter of {owner} must be one of {', '.join(KINDS)}. Got {kind!r} instead.")
    if method not in LIMIT_METHODS[kind]:
        raise InputError(f"The limits method of {owner} for kind {kind!r} must be one of "
                         f"{', '.join(LIMIT_METHODS[kind])}. Got {method!r} instead.")


def _binomial_quantile(p: float, n: np.ndarray, target: float) -> np.ndarray:
    """Spiegelhalter's interpolated p-quantile of Binomial(n, target) / n."""
    r = stats.binom.ppf(p, n, target)
    f_r = stats.binom.cdf(r, n, target)
    f_below = stats.binom.cdf(r - 1, n, target)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(f_r > f_below, (f_r - p) / (f_r - f_below), 0.0)
    return np.clip((r - alpha) / n, 0, 1)


def _wilson_limit(p: float, n: np.ndarray, target: float, side: str) -> np.ndarray:
    # the proportion x/n whose Wilson bound equals target: a root of
    # (1 + z²/n) x² - (2a + z²/n) x + a² - z⁴/(4n²) = 0,  a = target (1 + z²/n) - z²/(2n)
    z2 = stats.norm.ppf(p) ** 2
    a = target * (1 + z2 / n) - z2 / (2 * n)
    qa, qb, qc = 1 + z2 / n, -(2 * a + z2 / n), a * a - z2 * z2 / (4 * n * n)
    root = np.sqrt(np.clip(qb * qb - 4 * qa * qc, 0, None))
    x = (-qb - root) / (2 * qa) if side == "low" else (-qb + root) / (2 * qa)
    return np.clip(x, 0, 1)


def _limit_arrays(kind: str, precision: np.ndarray, target: float, level: float, method: str):
    lo_p, hi_p = (1 - level) / 2, (1 + level) / 2
    if kind == "proportion":
        if method == "wilson":
            return _wilson_limit(hi_p, precision, target, "low"), _wilson_limit(hi_p, precision, target, "high")
        n = np.rint(precision)
        return _binomial_quantile(lo_p, n, target), _binomial_quantile(hi_p, n, target)
    if kind in ("ratio", "rate"):
        mu = target * precision
        if method == "byar":
            z = stats.norm.ppf(hi_p)
            with np.errstate(invalid="ignore", divide="ignore"):
                low = mu * (1 - 1 / (9 * mu) - z / (3 * np.sqrt(mu))) ** 3
            low = np.where(low > 0, low, 0.0)
            u = mu + 1
            high = u * (1 - 1 / (9 * u) + z / (3 * np.sqrt(u))) ** 3
        else:
            low = stats.chi2.ppf(lo_p, 2 * mu) / 2
            high = stats.chi2.ppf(hi_p, 2 * (mu + 1)) / 2
        return low / precision, high / precision
    half = stats.norm.ppf(hi_p) / np.sqrt(precision)
    return target - half, target + half


def _check_levels(levels) -> tuple[float, ...]:
    levels = tuple(levels)
    for lv in levels:
        if isinstance(lv, bool) or not isinstance(lv, (int, float)) or not 0 < lv < 1:
            raise InputError(f"Each level passed to funnel_limits must be a float in (0, 1). Got {lv!r} instead.")
    return levels


def _check_precision(precision, owner: str, units=None) -> np.ndarray:
    p = np.asarray(precision, dtype=float).reshape(-1)
    bad = ~(p > 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        who = f"unit {units[i]!r}" if units is not None else f"position {i}"
        raise InputError(
            f"precision passed to {owner} has {int(bad.sum())} value(s) that are zero, negative or missing "
            f"(first at {who}: {float(p[i])!r}); a denominator, expected count or inverse variance must be > 0.")
    return p


def funnel_limits(kind: str, precision, target: float, levels=(0.95, 0.998), method: str = "exact") -> pd.DataFrame:
    """Funnel limits around ``target`` at each ``precision``, for each two-sided level.

    Returns a long table ``precision, level, lower, upper`` (one row per
    precision and level). See the module text for the kinds and methods.

    Examples
    --------
    FunnelPlotR's test values for exact Poisson limits of a standardised
    ratio at expected counts 15, 20, 30 (95 % lower: 0.5596924, 0.6108260,
    0.6746958; 99.8 % upper: 2.082907, 1.902094, 1.702771):

    >>> lim = funnel_limits("ratio", [15, 20, 30], 1.0)
    >>> lim[lim.level == 0.95]["lower"].round(7).tolist()
    [0.5596924, 0.610826, 0.6746958]
    >>> lim[lim.level == 0.998]["upper"].round(6).tolist()
    [2.082907, 1.902094, 1.702771]

    Wilson limits for a proportion of 80.642448 % at n = 68 (PHEindicatormethods:
    71.251689 % to 90.033207 %):

    >>> w = funnel_limits("proportion", [68], 0.80642448, levels=[0.95], method="wilson")
    >>> (100 * w[["lower", "upper"]]).round(6).values.tolist()
    [[71.251689, 90.033207]]
    """
    _check_kind_method(kind, method, "funnel_limits")
    levels = _check_levels(levels)
    p = _check_precision(precision, "funnel_limits")
    target = float(target)
    parts = []
    for lv in levels:
        lo, hi = _limit_arrays(kind, p, target, lv, method)
        parts.append(pd.DataFrame({"precision": p, "level": lv, "lower": lo, "upper": hi}))
    return pd.concat(parts, ignore_index=True)


def _default_target(kind: str, o: np.ndarray, p: np.ndarray) -> float:
    if kind == "ratio":
        return 1.0
    if kind == "mean":
        return float(np.sum(o * p) / np.sum(p))
    return float(o.sum() / p.sum())


def classify(value, lower_95, upper_95, lower_998, upper_998) -> np.ndarray:
    """Each unit's class against its limits (inclusive): one of :data:`CLASSES`.

    >>> classify([0.5, 1.0, 1.6, 2.5], 0.8, 1.2, 0.6, 1.5).tolist()
    ['below_998', 'inside', 'above_998', 'above_998']
    >>> classify([1.2, 0.7], 0.8, 1.2, 0.6, 1.5).tolist()   # on the 95 % limit is inside
    ['inside', 'below_95']
    """
    v = np.asarray(value, dtype=float)
    out = np.full(v.shape, "inside", dtype=object)
    out[v < lower_95] = "below_95"
    out[v > upper_95] = "above_95"
    out[v < lower_998] = "below_998"
    out[v > upper_998] = "above_998"
    return out


def funnel(observed, precision, kind: str, target: float | None = None, limits: str = "exact",
           adjust: str | None = None, truncation: float = 0.1, *, units=None, scale: float = 1.0) -> pd.DataFrame:
    """Place each unit on a funnel plot: its value, its limits and its class.

    ``observed`` are counts (events, observed deaths; for ``kind="mean"`` the
    unit means), ``precision`` as in the module text. ``target`` defaults to
    the pooled value Σobserved/Σprecision (1 for ratios). ``adjust`` widens
    the limits for overdispersion when φ > 1: ``"SHMI"`` or ``"CQC"``
    (additive random-effects limits with τ², FunnelPlotR's two variants),
    ``"multiplicative"`` (the distance of each limit from the target times
    √φ); when φ ≤ 1 the unadjusted limits stay, as in FunnelPlotR.
    ``units`` names the units (defaults to the index of a pandas Series);
    a unit with a missing count or precision (a suppressed cell) is left
    out, never read as zero, and named in ``.attrs["left_out"]``. ``scale``
    multiplies values and limits (e.g. 1000 for rates per 1,000).

    Returns one row per unit: ``unit, observed, precision, value, target,
    lower_95, upper_95, lower_998, upper_998, outside_95, outside_998, class,
    limits``. ``.attrs`` holds ``overdispersion`` (an
    :class:`~kvarter.benchmark.overdispersion.Overdispersion` or None),
    ``overdispersed``, ``limits`` (what was drawn) and ``left_out``.

    Examples
    --------
    FunnelPlotR's six-unit example with SHMI adjustment (φ = 2.948 > 1):

    >>> f = funnel([100, 150, 180, 80, 120, 225], [108, 112, 165, 95, 100, 220], "ratio",
    ...            adjust="SHMI", units=list("abcdef"))
    >>> f[["unit", "value", "class"]].round(3).values.tolist()
    [['a', 0.926, 'inside'], ['b', 1.339, 'inside'], ['c', 1.091, 'inside'], ['d', 0.842, 'inside'], ['e', 1.2, 'inside'], ['f', 1.023, 'inside']]
    >>> funnel([150], [112], "ratio")["class"].item()   # unit b without the adjustment
    'above_998'
    >>> f.attrs["limits"], round(f.attrs["overdispersion"].phi, 3)
    ('exact, SHMI-adjusted', 2.948)
    """
    _check_kind_method(kind, limits, "funnel")
    if adjust not in ADJUSTMENTS:
        raise InputError(f"The 'adjust' parameter of funnel must be None, 'SHMI', 'CQC' or 'multiplicative'. "
                         f"Got {adjust!r} instead.")
    if units is None:
        units = list(observed.index) if isinstance(observed, pd.Series) else list(range(len(observed)))
    units = list(units)
    o_all = np.asarray(observed, dtype=float).reshape(-1)
    p_all = np.asarray(precision, dtype=float).reshape(-1)
    if not (len(o_all) == len(p_all) == len(units)):
        raise InputError(f"observed, precision and units passed to funnel have different lengths "
                         f"({len(o_all)}, {len(p_all)}, {len(units)}).")
    missing = np.isnan(o_all) | np.isnan(p_all)
    left_out = [units[i] for i in np.flatnonzero(missing)]
    keep = ~missing
    o, units_kept = o_all[keep], [u for u, k in zip(units, keep) if k]
    p = _check_precision(p_all[keep], "funnel", units_kept)
    if kind != "mean":
        neg = o < 0
        if neg.any():
            i = int(np.flatnonzero(neg)[0])
            raise InputError(f"observed passed to funnel has a negative count at unit {units_kept[i]!r}: {float(o[i])!r}.")
    if kind == "proportion":
        over = o > p
        if over.any():
            i = int(np.flatnonzero(over)[0])
            raise InputError(f"observed passed to funnel exceeds its denominator at unit {units_kept[i]!r} "
                             f"({float(o[i])!r} > {float(p[i])!r}); a proportion needs events <= n.")
    if len(o) == 0:
        raise InputError("funnel got no unit with both a count and a precision"
                         + (f" (left out: {', '.join(map(str, left_out))})." if left_out else "."))
    if target is None:
        target = _default_target(kind, o, p)
    target = float(target)
    value = o if kind == "mean" else o / p
    lims = {lv: _limit_arrays(kind, p, target, lv, limits) for lv in (0.95, 0.998)}
    od: Overdispersion | None = None
    drawn = limits
    if adjust is not None and len(o) >= 2:
        od = overdispersion(o, p, kind, method=None if adjust == "multiplicative" else adjust,
                            truncation=truncation, target=target)
        if od.overdispersed:
            if adjust == "multiplicative":
                root = np.sqrt(od.phi)
                lims = {lv: (target - root * (target - lo), target + root * (hi - target)) for lv, (lo, hi) in lims.items()}
                if kind == "proportion":
                    lims = {lv: (np.clip(lo, 0, 1), np.clip(hi, 0, 1)) for lv, (lo, hi) in lims.items()}
                elif kind != "mean":
                    lims = {lv: (np.clip(lo, 0, None), hi) for lv, (lo, hi) in lims.items()}
                drawn = f"{limits}, multiplicative (phi)"
            else:
                lims = {lv: od.limits(p, lv) for lv in (0.95, 0.998)}
                drawn = f"{limits}, {adjust}-adjusted"
    (l95, u95), (l998, u998) = lims[0.95], lims[0.998]
    out = pd.DataFrame({
        "unit": units_kept, "observed": o, "precision": p, "value": value * scale, "target": target * scale,
        "lower_95": l95 * scale, "upper_95": u95 * scale, "lower_998": l998 * scale, "upper_998": u998 * scale,
    })
    out["outside_95"] = (out["value"] < out["lower_95"]) | (out["value"] > out["upper_95"])
    out["outside_998"] = (out["value"] < out["lower_998"]) | (out["value"] > out["upper_998"])
    out["class"] = classify(out["value"], out["lower_95"], out["upper_95"], out["lower_998"], out["upper_998"])
    out["limits"] = drawn
    out.attrs.update({"overdispersion": od, "overdispersed": bool(od is not None and od.overdispersed),
                      "limits": drawn, "left_out": left_out, "kind": kind,
                      "adjust_method": (default_method(kind) if adjust == "multiplicative" else adjust)})
    return out
