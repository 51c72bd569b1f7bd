"""Overdispersion of a funnel: the dispersion ratio φ from trimmed z-scores and
the between-unit variance τ² by DerSimonian-Laird, with R FunnelPlotR's two
variants for standardised ratios.

Units are compared on a scale where the within-unit standard error ``s``
depends only on precision:

=============  ==========================  =========================  =====================
kind           transformed value ``y``     ``s``                      target on that scale
=============  ==========================  =========================  =====================
ratio, rate    SHMI: log(O/E)              1/√E                       0
ratio, rate    CQC: √(O/E)                 1/(2√E)                    1
proportion     arcsin √p                   1/(2√n)                    arcsin √θ₀
mean           x                           1/√precision               θ₀
=============  ==========================  =========================  =====================

(E = target × precision for rates, and the expected count for ratios.)
z = (y − target) / s; the SHMI variant *truncates* the 10 % most extreme
z-scores at each end (by rank, as NHS Digital's SHMI does), the CQC variant
*winsorises* them (Spiegelhalter 2005). φ = mean of the squared trimmed
z-scores; when nφ ≥ n − 1,

    τ² = max(0, (nφ − (n − 1)) / (Σw − Σw²/Σw)),  w = 1/s²

and the additive random-effects limits are target ± z·√(s² + τ²) on the
transformed scale, transformed back.

References: Spiegelhalter, D. J. (2005). Handling over-dispersion of
performance indicators. *Quality and Safety in Health Care* 14, 347-351;
DerSimonian, R. & Laird, N. (1986). Meta-analysis in clinical trials.
*Controlled Clinical Trials* 7, 177-188; NHS Digital (2023), *SHMI
methodology*; Wiley, C. (2024), R package FunnelPlotR, ``R/od_adjustment.R``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from kvarter.errors import InputError

KINDS = ("proportion", "ratio", "rate", "mean")
METHODS = ("SHMI", "CQC")


@dataclass(frozen=True)
class Overdispersion:
    """The dispersion of a set of units around a target.

    ``phi`` is the dispersion ratio (1 when the units vary as much as chance
    predicts), ``tau2`` the between-unit variance on the transformed
    ``scale``; ``z`` the unadjusted z-scores per unit, ``trimmed`` which
    units were truncated or winsorised, ``n`` how many z-scores ``phi``
    averages. ``overdispersed`` is ``phi > 1``.
    """

    kind: str
    method: str
    scale: str
    target: float
    target_transformed: float
    phi: float
    tau2: float
    n: int
    truncation: float
    y: np.ndarray
    s: np.ndarray
    z: np.ndarray
    trimmed: np.ndarray

    @property
    def overdispersed(self) -> bool:
        """True when the units vary more than chance predicts (φ > 1)."""
        return bool(self.phi > 1)

    def table(self, units=None) -> pd.DataFrame:
        """One row per unit: transformed value, its standard error, z-score, trimmed."""
        idx = list(units) if units is not None else list(range(len(self.z)))
        return pd.DataFrame({"unit": idx, "y": self.y, "s": self.s, "z": self.z, "trimmed": self.trimmed})

    def limits(self, precision, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Additive random-effects limits at ``precision`` for a two-sided ``level``.

        On the transformed scale: target ± z·√(s² + τ²); back on the
        original scale (a ratio, rate, proportion or mean).
        """
        q = float(stats.norm.ppf(0.5 + level / 2))
        s = _s(self.kind, self.method, np.asarray(precision, dtype=float), self.target)
        half = q * np.sqrt(s * s + self.tau2)
        return _back(self.scale, self.target, self.target_transformed - half), _back(
            self.scale, self.target, self.target_transformed + half)


def default_method(kind: str) -> str:
    """The trimming FunnelPlotR uses for ``kind``: SHMI for ratios and rates, CQC otherwise.

    >>> default_method("ratio"), default_method("proportion")
    ('SHMI', 'CQC')
    """
    return "SHMI" if kind in ("ratio", "rate") else "CQC"


def _scale(kind: str, method: str) -> str:
    if kind in ("ratio", "rate"):
        return "log" if method == "SHMI" else "sqrt"
    return "arcsine" if kind == "proportion" else "identity"


def _s(kind: str, method: str, precision: np.ndarray, target: float) -> np.ndarray:
    if kind in ("ratio", "rate"):
        e = target * precision
        return 1 / np.sqrt(e) if method == "SHMI" else 1 / (2 * np.sqrt(e))
    if kind == "proportion":
        return 1 / (2 * np.sqrt(precision))
    return 1 / np.sqrt(precision)


def _forward(scale: str, target: float, value: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "log":
            return np.log(value / target)
        if scale == "sqrt":
            return np.sqrt(value / target)
        if scale == "arcsine":
            return np.arcsin(np.sqrt(np.clip(value, 0, 1)))
        return np.asarray(value, dtype=float)


def _back(scale: str, target: float, y: np.ndarray) -> np.ndarray:
    if scale == "log":
        return target * np.exp(y)
    if scale == "sqrt":
        return target * np.clip(y, 0, None) ** 2
    if scale == "arcsine":
        return np.sin(np.clip(y, 0, np.pi / 2)) ** 2
    return y


def _target_transformed(scale: str, target: float) -> float:
    return {"log": 0.0, "sqrt": 1.0, "arcsine": float(np.arcsin(np.sqrt(target)))}.get(scale, target)


def truncate(z: np.ndarray, truncation: float) -> np.ndarray:
    """Which z-scores the SHMI method truncates: by rank, ``truncation`` at each end.

    With k = 1/truncation groups, unit i of n (average rank r_i) falls in
    group ⌊r_i·k/(n+1)⌋; the first and last groups are dropped (NHS Digital's
    SHMI; FunnelPlotR's ``truncation``).

    >>> truncate(np.arange(20.0), 0.1).nonzero()[0].tolist()   # 2 of 20 at each end
    [0, 1, 18, 19]
    """
    k = 1 / truncation
    rank = stats.rankdata(z, method="average")
    group = np.floor(rank * k / (len(z) + 1))
    return ~((group > 0) & (group < k - 1))


def winsorise(z: np.ndarray, truncation: float) -> tuple[np.ndarray, np.ndarray]:
    """z-scores pulled in to their ``truncation`` and ``1 - truncation`` quantiles.

    Returns the winsorised z-scores and which were pulled in (quantiles of
    R's default type 7, as FunnelPlotR's ``winsorisation``).

    >>> w, pulled = winsorise(np.array([-10.0, 0, 1, 2, 30]), 0.25)
    >>> w.tolist(), pulled.tolist()
    ([0.0, 0.0, 1.0, 2.0, 2.0], [True, False, False, False, True])
    """
    lo, hi = np.quantile(z, [truncation, 1 - truncation])
    return np.clip(z, lo, hi), (z < lo) | (z > hi)


def dispersion(z_used: np.ndarray, s_used: np.ndarray) -> tuple[float, float, int]:
    """φ and the DerSimonian-Laird τ² from the z-scores and standard errors kept.

    >>> phi, tau2, n = dispersion(np.array([2.0, -2.0, 0.0]), np.array([0.1, 0.1, 0.1]))
    >>> round(phi, 6), round(tau2, 6), n
    (2.666667, 0.03, 3)
    """
    n = len(z_used)
    if n == 0:
        return float("nan"), 0.0, 0
    phi = float(np.sum(z_used**2) / n)
    if n * phi < n - 1 or len(s_used) == 0:
        return phi, 0.0, n
    w = 1 / s_used**2
    tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return phi, float(tau2), n


def overdispersion(observed, expected_or_n, kind: str, method: str | None = None, truncation: float = 0.1,
                   target: float | None = None) -> Overdispersion:
    """Dispersion ratio φ and between-unit variance τ² of units around a target.

    ``observed`` are counts (events, observed deaths) or, for ``kind="mean"``,
    the units' means; ``expected_or_n`` the expected counts (``ratio``),
    populations (``rate``), denominators (``proportion``) or inverse
    variances 1/se² (``mean``). ``method`` is ``"SHMI"`` (log scale for
    ratios, truncation) or ``"CQC"`` (square-root scale, winsorisation);
    None takes FunnelPlotR's choice for the kind. ``target`` defaults to 1
    for ratios and to the pooled value Σobserved/Σprecision otherwise
    (precision-weighted mean for means). See the module text for the formulas.

    Examples
    --------
    FunnelPlotR's own example (its ``test-classes_methods.R``: φ = 2.948033):

    >>> od = overdispersion([100, 150, 180, 80, 120, 225], [108, 112, 165, 95, 100, 220], "ratio")
    >>> round(od.phi, 6), od.overdispersed
    (2.948033, True)
    """
    if kind not in KINDS:
        raise InputError(f"The 'kind' parameter of overdispersion must be one of {', '.join(KINDS)}. Got {kind!r} instead.")
    method = default_method(kind) if method is None else method
    if method not in METHODS:
        raise InputError(f"The 'method' parameter of overdispersion must be 'SHMI' or 'CQC'. Got {method!r} instead.")
    if not isinstance(truncation, (int, float)) or not 0 < truncation < 0.5:
        raise InputError(
            f"The 'truncation' parameter of overdispersion must be a float in the range (0, 0.5). Got {truncation!r} instead.")
    o = np.asarray(observed, dtype=float)
    p = np.asarray(expected_or_n, dtype=float)
    if o.shape != p.shape or o.ndim != 1:
        raise InputError(f"observed and expected_or_n passed to overdispersion must be 1-d of one length; "
                         f"got shapes {o.shape} and {p.shape}.")
    if target is None:
        target = _default_target(kind, o, p)
    scale = _scale(kind, method)
    value = o if kind == "mean" else o / p
    y = _forward(scale, target, value)
    t_y = _target_transformed(scale, target)
    s = _s(kind, method, p, target)
    z = (y - t_y) / s
    if method == "SHMI":
        trimmed = truncate(z, truncation)
        keep = ~trimmed & np.isfinite(z)
        z_used, s_used = z[keep], s[keep]
    else:
        finite = np.isfinite(z)
        w, pulled = winsorise(z[finite], truncation)
        trimmed = np.zeros(len(z), dtype=bool)
        trimmed[np.flatnonzero(finite)[pulled]] = True
        z_used, s_used = w, s[finite]
    phi, tau2, n = dispersion(z_used, s_used)
    return Overdispersion(kind, method, scale, float(target), t_y, phi, tau2, n, float(truncation), y, s, z, trimmed)


def _default_target(kind: str, o: np.ndarray, p: np.ndarray) -> float:
    if kind == "ratio":
        return 1.0
    if kind == "mean":
        return float(np.sum(o * p) / np.sum(p))
    return float(o.sum() / p.sum())
