"""Progress towards a goal: the straight-line path from baseline to target,
the linear trend of the published values projected to the target year with
an interval, and on track / off track.

Small pure functions over years and values; :func:`track` puts them together
for one goal.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np
from scipy import stats


class GoalStatus(str, enum.Enum):
    """Where a goal stands."""

    on_track = "on_track"
    off_track = "off_track"
    no_baseline = "no_baseline"
    too_few_years = "too_few_years"


def straight_line(baseline_year: int, baseline: float, target_year: int, target: float, year: float) -> float:
    """The value the straight line from ``(baseline_year, baseline)`` to
    ``(target_year, target)`` passes in ``year``:
    ``baseline + (target - baseline) · (year - baseline_year) / (target_year - baseline_year)``.

    >>> straight_line(2023, 0.173, 2035, 0.113, 2029)
    0.143
    """
    return round(baseline + (target - baseline) * (year - baseline_year) / (target_year - baseline_year), 12)


@dataclass(frozen=True)
class Projection:
    """A linear trend's value ``at`` a year, with a ``confidence`` interval for
    the trend line there (``low``, ``high``; NaN with fewer than three years),
    its ``slope`` per year and the ``years`` it was fitted on."""

    at: int
    value: float
    low: float
    high: float
    slope: float
    years: tuple[int, ...]


def linear_trend(years, values, at: int, confidence: float = 0.95) -> Projection:
    """Least-squares line through ``(years, values)`` evaluated at ``at``, with
    the interval ``ŷ ± t_{n-2} · s · sqrt(1/n + (at - x̄)² / Σ(x - x̄)²)``
    (the confidence interval of the fitted line; Draper & Smith, *Applied
    Regression Analysis*, 3rd ed., §3.1), ``s²`` the residual variance on
    ``n - 2`` degrees of freedom.

    >>> p = linear_trend([2020, 2021, 2022], [0.20, 0.19, 0.18], 2030)
    >>> round(p.value, 6), round(p.slope, 6), round(p.high - p.low, 9)  # a perfect line: no residual
    (0.1, -0.01, 0.0)

    By hand: slope = Sxy / Sxx = 4 / 5 = 0.8, ŷ(2025) = 2.5 + 0.8 · 3.5 = 5.3,
    s² = 1.8 / 2, half-width = t(0.975; 2) · 0.9487 · sqrt(1/4 + 3.5² / 5) = 4.3027 · 0.9487 · 1.6432 = 6.707:

    >>> p = linear_trend([2020, 2021, 2022, 2023], [1.0, 3.0, 2.0, 4.0], 2025)
    >>> round(p.value, 3), round(p.low, 3), round(p.high, 3)
    (5.3, -1.407, 12.007)
    """
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    n = len(x)
    if n < 2 or np.ptp(x) == 0:
        nan = float("nan")
        return Projection(int(at), nan, nan, nan, nan, tuple(int(v) for v in years))
    xbar = x.mean()
    sxx = float(((x - xbar) ** 2).sum())
    slope = float(((x - xbar) * (y - y.mean())).sum() / sxx)
    value = float(y.mean() + slope * (at - xbar))
    if n < 3:
        low = high = float("nan")
    else:
        resid = y - (y.mean() + slope * (x - xbar))
        s = math.sqrt(float((resid**2).sum()) / (n - 2))
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 2)) * s * math.sqrt(1 / n + (at - xbar) ** 2 / sxx)
        low, high = value - half, value + half
    return Projection(int(at), value, low, high, slope, tuple(int(v) for v in years))


@dataclass(frozen=True)
class Progress:
    """One goal's position: baseline and latest published value, the path's
    value in the latest year, the projection to the target year and the status."""

    baseline: float
    latest_year: int | None
    latest: float
    path_latest: float
    projection: Projection | None
    status: GoalStatus


def track(series: Mapping[int, float], *, baseline_year: int, target_year: int, target: float, better: str,
          min_years: int = 5, confidence: float = 0.95) -> Progress:
    """Where a goal stands, from its published ``series`` (year → value; NaN
    for a suppressed year, which is left out).

    The trend is fitted on the published years from ``baseline_year`` on; with
    fewer than ``min_years`` of them, on the last ``min_years`` published
    years (so a goal set on the latest figures still has a trend). The goal is
    on track when the projected value in ``target_year`` meets the target
    (``better`` says which side: ``lower`` or ``higher``).

    >>> p = track({2021: 0.20, 2022: 0.19, 2023: 0.18, 2024: 0.17}, baseline_year=2022, target_year=2035,
    ...           target=0.10, better="lower")
    >>> p.status.value, round(p.projection.value, 3), p.projection.years, round(p.path_latest, 4)
    ('on_track', 0.06, (2021, 2022, 2023, 2024), 0.1762)
    >>> track({2022: 0.19, 2024: 0.17}, baseline_year=2023, target_year=2035, target=0.1, better="lower").status.value
    'no_baseline'
    """
    points = sorted((int(y), float(v)) for y, v in series.items() if v is not None and math.isfinite(float(v)))
    by_year = dict(points)
    nan = float("nan")
    if baseline_year not in by_year:
        last = points[-1] if points else (None, nan)
        return Progress(nan, last[0], last[1], nan, None, GoalStatus.no_baseline)
    baseline = by_year[baseline_year]
    latest_year, latest = points[-1]
    path_latest = straight_line(baseline_year, baseline, target_year, target, latest_year)
    use = [(y, v) for y, v in points if y >= baseline_year]
    if len(use) < min_years:
        use = points[-min_years:]
    if len(use) < 2:
        return Progress(baseline, latest_year, latest, path_latest, None, GoalStatus.too_few_years)
    proj = linear_trend([y for y, _ in use], [v for _, v in use], target_year, confidence)
    meets = proj.value <= target if better == "lower" else proj.value >= target
    return Progress(baseline, latest_year, latest, path_latest, proj,
                    GoalStatus.on_track if meets else GoalStatus.off_track)
