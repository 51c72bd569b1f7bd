"""Synthetic public-benefit status for Demoby's persons (marked synthetic):
which benefit each 16-64-year-old receives in the year, and whether a
cash-benefit recipient is activity-ready — drawn from the person's labour
status, age, origin and education, so that areas with more people outside
work have more people on temporary public support, as in Copenhagen.

The codes are those of the ``persons`` contract's ``public_benefit`` and
``activity_ready`` columns. The Danish groups behind them (Jobindsats,
Statistics Denmark's "offentligt forsørgede"): temporary support is
unemployment benefit (dagpenge), cash benefit (kontanthjælp), education
benefit (uddannelseshjælp), self-support/integration benefit
(selvforsørgelses- og hjemrejseydelse), sickness benefit (sygedagpenge),
resource course (ressourceforløb), job clarification (jobafklaring), flexjob
unemployment benefit (ledighedsydelse) and rehabilitation (revalidering);
flexjob, disability pension (førtidspension), early retirement (efterløn)
and state pension are permanent.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

#: Temporary public support (Copenhagen's "midlertidig offentlig forsørgelse").
TEMPORARY_BENEFITS: tuple[str, ...] = (
    "unemployment_benefit", "cash_benefit", "education_benefit", "integration_benefit", "sickness_benefit",
    "resource_course", "job_clarification", "flexjob_benefit", "rehabilitation",
)
#: Benefits whose recipients are assessed job-ready or activity-ready.
CASH_BENEFITS: tuple[str, ...] = ("cash_benefit", "education_benefit", "integration_benefit")
#: Every code of ``public_benefit``; ``none`` is no public benefit.
BENEFITS: tuple[str, ...] = ("none",) + TEMPORARY_BENEFITS + ("flexjob", "disability_pension", "early_retirement",
                                                               "state_pension")


def _choose(u: np.ndarray, options: tuple[str, ...], p) -> np.ndarray:
    """The code (index into :data:`BENEFITS`; ``"cash"`` as -1) of the option each ``u`` falls on."""
    cum = np.cumsum(np.asarray(p, dtype=float))
    codes = np.array([-1 if o == "cash" else BENEFITS.index(o) for o in options])
    return codes[np.minimum(np.searchsorted(cum, u * cum[-1], side="right"), len(options) - 1)]


def _is(column: pd.Series, value: str) -> np.ndarray:
    # Compared in the column's storage (missing is False), not as Python strings row by row.
    return (column == value).to_numpy(dtype=bool, na_value=False)


def benefit_status(persons: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``public_benefit`` and ``activity_ready`` for every row of ``persons``
    (which has ``age``, ``labour_status``, ``education``, ``origin`` and
    ``generation``); ``activity_ready`` is true only for cash-benefit
    recipients assessed activity-ready.

    >>> p = pd.DataFrame({"age": [8, 30, 40, 50, 70], "labour_status": ["child", "employed", "unemployed",
    ...     "outside_labour_force", "retired"], "education": [None, "vocational", "basic", "basic", "basic"],
    ...     "origin": "native", "generation": "none"})
    >>> b = benefit_status(p, np.random.default_rng(0))
    >>> b["public_benefit"].tolist()[0], b["public_benefit"].tolist()[-1]
    ('none', 'state_pension')
    >>> set(b["public_benefit"]) <= set(BENEFITS), bool((~b.loc[~b["public_benefit"].isin(CASH_BENEFITS), "activity_ready"]).all())
    (True, True)
    """
    n = len(persons)
    age = persons["age"].to_numpy()
    status = persons["labour_status"]
    u = rng.random(n)
    code = BENEFITS.index
    out = np.full(n, code("none"))
    working_age = (age >= 16) & (age <= 64)
    young = age < 30
    immigrant = _is(persons["generation"], "immigrant") & _is(persons["origin"], "non_western")
    cash = np.where(young, code("education_benefit"), np.where(immigrant, code("integration_benefit"),
                                                               code("cash_benefit")))

    m = working_age & _is(status, "unemployed")
    pick = _choose(u[m], ("unemployment_benefit", "cash", "none"), (0.55, 0.40, 0.05))
    out[m] = np.where(pick < 0, cash[m], pick)
    m = working_age & _is(status, "outside_labour_force")
    pick = _choose(u[m], ("cash", "sickness_benefit", "resource_course", "job_clarification", "rehabilitation",
                          "flexjob_benefit", "disability_pension", "none"),
                   (0.22, 0.12, 0.06, 0.05, 0.01, 0.03, 0.30, 0.21))
    out[m] = np.where(pick < 0, cash[m], pick)
    m = working_age & _is(status, "employed")
    out[m] = _choose(u[m], ("none", "sickness_benefit", "flexjob"), (0.96, 0.02, 0.02))
    m = _is(status, "retired")
    out[m] = np.where(age[m] >= 67, code("state_pension"), code("early_retirement"))

    ready = np.zeros(n, dtype=bool)
    on_cash = np.isin(out, [code(b) for b in CASH_BENEFITS])
    basic = _is(persons["education"], "basic")
    p_ready = np.where(basic, 0.70, 0.50)
    ready[on_cash] = rng.random(int(on_cash.sum())) < p_ready[on_cash]
    benefit = pa.array(list(BENEFITS), type=pa.large_string()).take(pa.array(out))
    return pd.DataFrame({"public_benefit": pd.Series(benefit, index=persons.index, dtype="str"),
                         "activity_ready": pd.Series(ready, index=persons.index, dtype=bool)})
