"""Synthetic data with a known effect, for the evaluation module and its tests.

Two data sets, both seeded and nothing real:

- :func:`inflow_cohorts`: persons flowing into unemployment benefit or social
  assistance month by month (2015-2024), their monthly status, the starts of a
  six-month programme whose take-up depends on observables only (more
  likely for the low-educated and those without recent work), and the true
  effects. In each month a person still on benefit may start the programme
  (while the spell is at most ``offer_months`` long); employment in a month is
  a draw with a person-specific probability that rises with the time since
  inflow. The programme lowers that probability by 8 points for the six
  programme months (lock-in) and raises it afterwards, by 8 points for the
  low-educated (basic education) and 3 points for the others.
  Because persons who wait may start later, the effect of *joining now vs
  waiting* at duration u differs from the effect of the programme itself;
  ``truth`` gives both per treated person, the first computed exactly from
  the model's probabilities.
- :func:`designation_panel`: areas designated in different years (or never),
  selected on a baseline covariate that also shapes their trend, with a known
  effect that grows with years since designation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EDUCATION = ("basic", "upper_secondary", "vocational", "short_tertiary", "medium_tertiary", "long_tertiary")
LOCK_IN = -0.08
GAIN_LOW = 0.08
GAIN_OTHER = 0.03
PROGRAMME_MONTHS = 6
PROGRAMME = "job_training"
COST = 24_000.0


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def month_code(index) -> np.ndarray:
    """Month index (0 = January 2015) as a YYYYMM integer.

    >>> month_code([0, 11, 12, 119]).tolist()
    [201501, 201512, 201601, 202412]
    """
    index = np.asarray(index)
    return (2015 + index // 12) * 100 + index % 12 + 1


def structural_effect(tau, basic) -> np.ndarray:
    """The programme's effect on the monthly employment probability, tau months after its start.

    >>> structural_effect(np.array([0, 5, 6]), np.array([True, True, False])).round(2).tolist()
    [-0.08, -0.08, 0.03]
    """
    tau = np.asarray(tau)
    gain = np.where(np.asarray(basic), GAIN_LOW, GAIN_OTHER)
    return np.where(tau < PROGRAMME_MONTHS, LOCK_IN, gain)


def inflow_cohorts(n_persons: int = 20_000, months: int = 120, offer_months: int = 24,
                   horizon: int = 24, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Inflow cohorts with a programme of known effect (see the module docstring).

    Returns a dict of tables: ``persons`` (one row per inflow, covariates fixed
    at inflow), ``months`` (person_id, month, status), ``starts`` (person_id,
    programme, start_month, end_month), ``costs`` (programme, cost) and
    ``truth`` (for every start: person_id, duration, event_time 0..``horizon``,
    ``joining_vs_waiting`` and ``structural``). Months are YYYYMM integers.

    >>> data = inflow_cohorts(n_persons=500, seed=1)
    >>> sorted(data)
    ['costs', 'months', 'persons', 'starts', 'truth']
    >>> data["starts"].person_id.is_unique
    True
    """
    rng = np.random.default_rng(seed)
    n = n_persons
    inflow = rng.integers(0, months - 1, n)
    age = rng.integers(18, 65, n)
    sex = rng.choice(["m", "f"], n)
    education = rng.choice(EDUCATION, n, p=[0.3, 0.15, 0.25, 0.1, 0.12, 0.08])
    basic = education == "basic"
    origin = rng.choice(["native", "western", "non_western"], n, p=[0.7, 0.1, 0.2])
    worked_12 = np.minimum(12, rng.binomial(12, rng.beta(1.2, 1.5, n)))
    worked_24 = worked_12 + rng.binomial(12, np.clip(worked_12 / 12 + rng.normal(0, 0.15, n), 0, 1))
    earlier = np.minimum(6, rng.poisson(0.8, n))
    social_assistance = rng.random(n) < _logistic(-0.5 - 0.15 * worked_24 + 0.6 * basic)
    level = np.clip(_logistic(0.1 + 0.7 * ~basic + 0.08 * worked_12 - 0.25 * earlier - 0.02 * (age - 40)
                              - 0.3 * (origin == "non_western") - 0.4 * social_assistance), 0.35, 0.9)
    take_up = _logistic(-3.2 + 0.9 * basic - 0.06 * worked_12 + 0.3 * social_assistance - 0.01 * (age - 40))

    d = np.arange(months)
    p = level[:, None] * (0.25 + 0.75 * (1 - np.exp(-d[None, :] / 8.0)))
    q = np.where(d[None, :] < offer_months, take_up[:, None], 0.0)
    observed = d[None, :] <= (months - 1 - inflow)[:, None]

    u_start = rng.random((n, months))
    u_emp = rng.random((n, months))
    at_risk = np.ones(n, dtype=bool)
    start = np.full(n, -1)
    employed = np.zeros((n, months), dtype=bool)
    for k in range(months):
        obs = observed[:, k]
        starts_now = at_risk & obs & (u_start[:, k] < q[:, k])
        start[starts_now] = k
        at_risk &= ~starts_now
        tau = k - start
        effect = np.where(start >= 0, structural_effect(np.maximum(tau, 0), basic), 0.0)
        employed[:, k] = obs & (u_emp[:, k] < p[:, k] + effect)
        at_risk &= ~employed[:, k]

    ever = np.maximum.accumulate(employed, axis=1)
    in_prog = (start[:, None] >= 0) & (d[None, :] >= start[:, None]) & (d[None, :] < start[:, None] + PROGRAMME_MONTHS)
    benefit = np.where(social_assistance, "social_assistance", "unemployment_benefit")
    status = np.where(employed, "employed",
                      np.where(in_prog, "programme",
                               np.where(ever, "other", benefit[:, None])))
    rows, cols = np.nonzero(observed)
    pid = np.array([f"P{i:06d}" for i in range(n)])
    months_tab = pd.DataFrame({
        "person_id": pid[rows],
        "month": month_code(inflow[rows] + cols),
        "status": status[rows, cols],
    })
    persons = pd.DataFrame({
        "person_id": pid, "inflow_month": month_code(inflow), "benefit": benefit, "age": age, "sex": sex,
        "education": education, "origin": origin, "worked_12": worked_12, "worked_24": worked_24,
        "earlier_spells": earlier,
        # Pre-declared subgroups (the letter's "for whom"): low-educated, and no work in the last 12 months.
        "education_group": np.where(basic, "basic", "above_basic"),
        "recent_work": np.where(worked_12 > 0, "some", "none"),
    })
    s = np.flatnonzero(start >= 0)
    starts = pd.DataFrame({
        "person_id": pid[s], "programme": PROGRAMME,
        "start_month": month_code(inflow[s] + start[s]),
        "end_month": month_code(inflow[s] + start[s] + PROGRAMME_MONTHS - 1),
    })
    costs = pd.DataFrame({"programme": [PROGRAMME], "cost": [COST]})
    truth = _truth(s, start[s], p[s], q[s], basic[s], horizon, months)
    truth.insert(0, "person_id", pid[s].repeat(horizon + 1))
    return {"persons": persons, "months": months_tab, "starts": starts, "costs": costs, "truth": truth}


def _truth(idx, u, p, q, basic, horizon, months) -> pd.DataFrame:
    # For a person who starts at u: effect(tau) minus the effect the same person
    # would have had from starting later, had they waited at u (exact, from the
    # model's probabilities; later starts are at u' in (u, u + tau]).
    m = len(idx)
    H = horizon
    taus = np.arange(H + 1)
    out = np.empty((m, H + 1))
    for j in range(m):
        uj = u[j]
        span = np.arange(uj, min(uj + H + 1, months))
        pj, qj = p[j, span], q[j, span]
        # P(still at risk at the start of month u' | at risk at u, no start at u).
        surv_emp = np.cumprod(np.r_[1.0, 1 - pj[:-1]])
        surv_start = np.cumprod(np.r_[1.0, 1 - np.r_[0.0, qj[1:-1]]]) if len(span) > 1 else np.array([1.0])
        p_start = np.zeros(len(span))
        p_start[1:] = (surv_emp * surv_start)[1:] * qj[1:]
        eff = structural_effect(taus, basic[j])
        for t in taus:
            if t >= len(span):
                out[j, t] = np.nan
                continue
            later = np.arange(1, t + 1)
            out[j, t] = eff[t] - np.sum(p_start[later] * structural_effect(t - later, basic[j]))
    return pd.DataFrame({
        "duration": np.repeat(u, H + 1),
        "event_time": np.tile(taus, m),
        "joining_vs_waiting": out.ravel(),
        "structural": structural_effect(np.tile(taus, m), np.repeat(basic, H + 1)),
    })


def designation_panel(n_units: int = 500, first_year: int = 2010, last_year: int = 2024,
                      seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Areas designated in different years with a known effect.

    Each area has a baseline deprivation ``x`` that raises both its chance of
    being designated (early) and its outcome trend, so areas designated and
    not yet designated differ in trend unless ``x`` is adjusted for. The true
    effect is ``0.5 + 0.25 * e`` in year e = t - g >= 0 after designation in g,
    for every designated area. Returns the panel (unit, year, first_treated,
    x, outcome) and the true ATT(g, t) (group, time, att, n_units).

    >>> panel, truth = designation_panel(n_units=50, seed=1)
    >>> sorted(panel.columns)
    ['first_treated', 'outcome', 'unit', 'x', 'year']
    >>> float(truth.att.min())
    0.5
    """
    rng = np.random.default_rng(seed)
    years = np.arange(first_year, last_year + 1)
    x = rng.normal(size=n_units)
    cohorts = np.array([0, 2014, 2016, 2018, 2020])
    logits = np.column_stack([np.zeros(n_units), 0.8 * x - 0.5, 0.5 * x - 0.5, 0.2 * x - 0.5, -0.2 * x - 0.5])
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    g = cohorts[(rng.random(n_units)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)]
    unit_fe = rng.normal(size=n_units)
    year_fe = np.cumsum(rng.normal(0.1, 0.1, len(years)))
    t = years[None, :]
    e = t - g[:, None]
    treated = (g[:, None] > 0) & (e >= 0)
    effect = np.where(treated, 0.5 + 0.25 * e, 0.0)
    y = (unit_fe[:, None] + year_fe[None, :] + 0.15 * x[:, None] * (t - first_year)
         + effect + rng.normal(0, 0.3, (n_units, len(years))))
    panel = pd.DataFrame({
        "unit": np.repeat(np.arange(1, n_units + 1), len(years)),
        "year": np.tile(years, n_units),
        "first_treated": np.repeat(g, len(years)),
        "x": np.repeat(x, len(years)),
        "outcome": y.ravel(),
    })
    gs, counts = np.unique(g[g > 0], return_counts=True)
    truth = pd.DataFrame([
        {"group": int(gg), "time": int(tt), "att": 0.5 + 0.25 * (tt - gg), "n_units": int(c)}
        for gg, c in zip(gs, counts) for tt in years if tt >= gg
    ])
    return panel, truth
