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
from scipy.special import bdtr, gammaln

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


def _binomial_quantile_parts(p: float, n: np.ndarray, target):
    """r = the p-quantile of Binomial(n, target), with F(r) and F(r - 1), vectorised.

    One exact cdf per unit (a Cornish-Fisher start), then steps by the pmf
    recurrence until F(r - 1) < p <= F(r).
    """
    n = np.asarray(n, dtype=float)
    t = np.broadcast_to(np.asarray(target, dtype=float), n.shape).copy()
    edge = (t <= 0) | (t >= 1)
    t[edge] = 0.5  # placeholder; the degenerate cases are set below
    z = stats.norm.ppf(p)
    sd = np.sqrt(n * t * (1 - t))
    r = np.clip(np.floor(n * t + sd * (z + (z * z - 1) * (1 - 2 * t) / (6 * sd))), 0, n)
    cdf = bdtr(r, np.rint(n).astype(np.int64), t)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        pmf = np.exp(gammaln(n + 1) - gammaln(r + 1) - gammaln(n - r + 1) + r * np.log(t) + (n - r) * np.log1p(-t))
        odds = t / (1 - t)
        for _ in range(10_000):
            up = (cdf < p) & (r < n)
            down = ~up & (cdf - pmf >= p) & (r > 0)
            if not (up.any() or down.any()):
                break
            nxt = pmf[up] * (n[up] - r[up]) / (r[up] + 1) * odds[up]
            r[up] += 1
            cdf[up] += nxt
            pmf[up] = nxt
            cdf[down] -= pmf[down]
            pmf[down] = pmf[down] * r[down] / (n[down] - r[down] + 1) / odds[down]
            r[down] -= 1
    t0 = np.broadcast_to(np.asarray(target, dtype=float), n.shape)
    r = np.where(t0 <= 0, 0.0, np.where(t0 >= 1, n, r))
    cdf = np.where(edge, 1.0, cdf)
    below = np.where(edge, 0.0, np.clip(cdf - pmf, 0, 1))
    return r, cdf, below


def binomial_ppf(p: float, n, target) -> np.ndarray:
    """The smallest r with P(X <= r) >= p for X ~ Binomial(n, target), vectorised.

    Equal to ``scipy.stats.binom.ppf``, with one exact cdf per unit instead
    of a search.

    >>> binomial_ppf(0.975, np.array([10, 1000]), 0.3).tolist()
    [6.0, 329.0]
    """
    return _binomial_quantile_parts(p, n, target)[0]


def _binomial_quantile(p: float, n: np.ndarray, target) -> np.ndarray:
    """Spiegelhalter's interpolated p-quantile of Binomial(n, target) / n."""
    r, f_r, f_below = _binomial_quantile_parts(p, n, target)
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
           adjust: str | None = None, truncation: float = 0.1, *, units=None, scale: float = 1.0,
           by=None) -> pd.DataFrame:
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
    multiplies values and limits (e.g. 1000 for rates per 1,000). ``by``
    labels each unit's funnel: many funnels (indicators × years) in one call,
    each with its own pooled target and overdispersion (then a ``funnel``
    column names it and ``.attrs["overdispersion"]`` maps label -> result).

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
    labels = None if by is None else np.asarray(by, dtype=object).reshape(-1)[keep]
    codes = np.zeros(len(o), dtype=np.int64) if labels is None else pd.factorize(labels)[0]
    n_groups = int(codes.max()) + 1
    if target is None:
        if kind == "ratio":
            tg = np.ones(n_groups)
        elif kind == "mean":
            tg = np.bincount(codes, o * p) / np.bincount(codes, p)
        else:
            tg = np.bincount(codes, o) / np.bincount(codes, p)
    else:
        tg = np.full(n_groups, float(target))
    tgt = tg[codes]
    value = o if kind == "mean" else o / p
    lims = {lv: list(_limit_arrays(kind, p, tgt, lv, limits)) for lv in (0.95, 0.998)}
    ods: dict = {}
    drawn = np.full(n_groups, limits, dtype=object)
    if adjust is not None:
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
        for g in range(n_groups):
            rows = order[bounds[g]:bounds[g + 1]]
            if len(rows) < 2:
                continue
            od = overdispersion(o[rows], p[rows], kind, method=None if adjust == "multiplicative" else adjust,
                                truncation=truncation, target=float(tg[g]))
            ods[g] = od
            if not od.overdispersed:
                continue
            t = float(tg[g])
            for lv in (0.95, 0.998):
                lo, hi = lims[lv][0][rows], lims[lv][1][rows]
                if adjust == "multiplicative":
                    root = np.sqrt(od.phi)
                    lo, hi = t - root * (t - lo), t + root * (hi - t)
                    if kind == "proportion":
                        lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
                    elif kind != "mean":
                        lo = np.clip(lo, 0, None)
                else:
                    lo, hi = od.limits(p[rows], lv)
                lims[lv][0][rows], lims[lv][1][rows] = lo, hi
            drawn[g] = f"{limits}, multiplicative (phi)" if adjust == "multiplicative" else f"{limits}, {adjust}-adjusted"
    (l95, u95), (l998, u998) = lims[0.95], lims[0.998]
    out = pd.DataFrame({
        "unit": units_kept, "observed": o, "precision": p, "value": value * scale, "target": tgt * scale,
        "lower_95": l95 * scale, "upper_95": u95 * scale, "lower_998": l998 * scale, "upper_998": u998 * scale,
    })
    if labels is not None:
        out.insert(0, "funnel", labels)
    out["outside_95"] = (out["value"] < out["lower_95"]) | (out["value"] > out["upper_95"])
    out["outside_998"] = (out["value"] < out["lower_998"]) | (out["value"] > out["upper_998"])
    out["class"] = classify(out["value"], out["lower_95"], out["upper_95"], out["lower_998"], out["upper_998"])
    out["limits"] = drawn[codes]
    if labels is None:
        od = ods.get(0)
        out.attrs.update({"overdispersion": od, "overdispersed": bool(od is not None and od.overdispersed),
                          "limits": str(drawn[0])})
    else:
        names = pd.factorize(labels)[1]
        out.attrs.update({"overdispersion": {names[g]: od for g, od in ods.items()},
                          "overdispersed": {names[g]: od.overdispersed for g, od in ods.items()},
                          "limits": {names[g]: str(drawn[g]) for g in range(n_groups)}})
    out.attrs.update({"left_out": left_out, "kind": kind,
                      "adjust_method": (default_method(kind) if adjust == "multiplicative" else adjust)})
    return out
