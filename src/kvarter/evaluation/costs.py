"""Cost-effectiveness of a programme from its event-time curve.

The months of work gained, valued at a monthly amount the user sets
(earnings, or the benefit saved) and discounted, minus the cost of one
participation; the intervals carry the bootstrap replicates of the curve
through the same sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.evaluation.dynamic import DynamicEffects, break_even_point


@dataclass(frozen=True)
class CostEffectiveness:
    """The result of :func:`cost_effectiveness`.

    ``table``: event_time, value_gained (discounted, cumulative), net_benefit,
    lower, upper, n_treated, n_control; ``net_benefit`` at the horizon with its ``ci``;
    ``break_even`` the event time from which the net benefit stays >= 0
    (``None`` within the horizon); ``sensitivity`` the net benefit at the
    horizon and the break-even for every pair of monthly value and discount rate.
    """

    table: pd.DataFrame
    net_benefit: float
    ci: tuple[float, float]
    break_even: int | None
    sensitivity: pd.DataFrame
    monthly_value: float
    cost: float
    discount_rate: float


def _discount(event_time: np.ndarray, rate: float, per_year: int) -> np.ndarray:
    return (1.0 + rate) ** (-event_time / per_year)


def net_benefit_path(effects, monthly_value: float, cost: float, discount_rate: float, per_year: int = 12) -> np.ndarray:
    r"""Net benefit by event time: :math:`NB(\tau) = v \sum_{k \le \tau} \theta(k)\,(1+r)^{-k/12} - c`.

    ``effects`` may be one curve or a replicates x event-times array.

    >>> net_benefit_path([-0.1, 0.2, 0.2], monthly_value=1000, cost=100, discount_rate=0.0).round(6).tolist()
    [-200.0, 0.0, 200.0]
    """
    e = np.asarray(effects, dtype=float)
    k = np.arange(e.shape[-1])
    return np.cumsum(e * _discount(k, discount_rate, per_year) * monthly_value, axis=-1) - cost


def cost_effectiveness(result: DynamicEffects, monthly_value, cost=None, discount_rate=0.03) -> CostEffectiveness:
    r"""Net benefit per participant of the programme behind ``result``.

    .. math:: NB(H) = v \sum_{\tau=0}^{H} \theta(\tau)\,(1+r)^{-\tau/12} - c

    with v the value of one month of work (``monthly_value``), r the yearly
    ``discount_rate`` and c the ``cost`` per participant (default: the
    programme's cost from the spells' ``programme_costs``). At year resolution
    v is the value of a year and discounting is per year. ``monthly_value``
    and ``discount_rate`` may be lists: the first of each gives the main
    figures, all pairs the ``sensitivity`` table.

    >>> from kvarter.demo.evaluation import inflow_cohorts
    >>> from kvarter.evaluation import dynamic_effects, load_spells
    >>> d = inflow_cohorts(n_persons=3000, seed=2)
    >>> res = dynamic_effects(load_spells(d["persons"], d["months"], d["starts"], d["costs"]),
    ...                       "job_training", horizon=12, n_boot=20, seed=1)
    >>> ce = cost_effectiveness(res, monthly_value=[30_000, 20_000], cost=5_000, discount_rate=[0.03, 0.0])
    >>> list(ce.sensitivity.columns)
    ['monthly_value', 'discount_rate', 'net_benefit', 'break_even']
    >>> len(ce.sensitivity)
    4
    """
    values = list(np.atleast_1d(monthly_value).astype(float))
    rates = list(np.atleast_1d(discount_rate).astype(float))
    if cost is None:
        if result.cost is None:
            raise InputError(f"cost_effectiveness needs a cost: programme {result.programme!r} has no row in "
                             "programme_costs; pass cost=.")
        cost = result.cost
    cost = float(cost)
    if cost < 0 or any(v < 0 for v in values) or any(r <= -1 for r in rates):
        raise InputError("cost_effectiveness needs cost >= 0, monthly_value >= 0 and discount_rate > -1.")
    per_year = 12 if result.period == "month" else 1
    theta = result.curve["effect"].to_numpy()
    v, r = values[0], rates[0]
    path = net_benefit_path(theta, v, cost, r, per_year)
    reps = net_benefit_path(result.replicates, v, cost, r, per_year)
    lo, hi = np.nanpercentile(reps, [2.5, 97.5], axis=0)
    table = pd.DataFrame({"event_time": result.curve["event_time"], "value_gained": path + cost,
                          "net_benefit": path, "lower": lo, "upper": hi,
                          "n_treated": result.curve["n_treated"], "n_control": result.curve["n_control"]})
    sens = [{"monthly_value": vv, "discount_rate": rr,
             "net_benefit": float(net_benefit_path(theta, vv, cost, rr, per_year)[-1]),
             "break_even": break_even_point(net_benefit_path(theta, vv, cost, rr, per_year))}
            for vv in values for rr in rates]
    return CostEffectiveness(table, float(path[-1]), (float(lo[-1]), float(hi[-1])), break_even_point(path),
                             pd.DataFrame(sens), v, cost, r)
