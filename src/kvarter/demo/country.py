"""The synthetic country around Demoby: municipalities beyond the region's
four, as published aggregates (counts per municipality, year, variable and
category), so that municipalities can be benchmarked against their size
class, their region or their nearest neighbours.

Sizes are skewed as a real country's are: the populations are the quantiles
of a log-normal distribution (median 28,000, σ = 1 on the log scale; with 60
municipalities from about 2,500 to about 300,000 inhabitants), shuffled, then growing or shrinking by a municipality's own rate
each year (larger ones grow faster). Each municipality has its own latent
share for every indicator — on the logit scale, a national level, a size
effect (cities have more non-western residents, more singles, less basic
education) and a municipality effect — so the shares vary between
municipalities far more than binomial noise would (overdispersion, as real
municipal figures do). Counts are binomial draws from those shares.

The layout (variables and categories) is :data:`COUNTRY_LAYOUT`; every
share it gives has a catalogue indicator's id and definition (see
:data:`COUNTRY_SHARES`). A variable ``region`` holds the inhabitants under
the municipality's region, so the aggregates say which region each
municipality is in.

>>> agg = synthesize_country(municipalities=3, years=[2024], seed=1)
>>> sorted(agg["variable"].unique())[:4]
['children_0_17', 'education_30_59', 'household_type', 'inhabitants']
>>> agg["unit_kind"].unique().tolist(), agg["status"].unique().tolist()
(['municipality'], ['published'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from kvarter.demo.profiles import MUNICIPALITIES
from kvarter.errors import InputError
from kvarter.validation import check_scalar

REGIONS = ("Region Hovedstaden", "Region Sjælland", "Region Syddanmark", "Region Midtjylland", "Region Nordjylland")

_PREFIXES = ("Ager", "Bakke", "Dal", "Ege", "Fjord", "Grøn", "Hav", "Holme", "Kær", "Lunde", "Mølle", "Ny",
             "Røde", "Sand", "Skov", "Strand", "Sø", "Tofte", "Vang", "Ås", "Birke", "Hede", "Elle", "Rosen")
_SUFFIXES = ("by", "strup", "rup", "sted", "løse", "holm", "bjerg", "købing", "lev", "inge", "havn", "mark")

#: (variable, category) rows of each municipality and year.
COUNTRY_LAYOUT = (
    ("inhabitants", "total"),
    ("origin", "non_western"),
    ("household_type", "single"),
    ("persons_18_64", "total"),
    ("labour_status_18_64", "employed"),
    ("labour_status_18_64", "unemployed"),
    ("labour_status_18_64", "in_education"),
    ("labour_status_18_64", "other"),
    ("persons_30_59", "total"),
    ("education_30_59", "basic"),
    ("children_0_17", "total"),
    ("children_0_17", "low_income"),
)

#: Shares of the layout as catalogue indicators: id -> (numerator cells, denominator cells),
#: in the form :func:`kvarter.benchmark.indicators_from_aggregates` takes.
COUNTRY_SHARES: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {
    "non_western_share": ([("origin", "non_western")], [("inhabitants", "total")]),
    "singles_share": ([("household_type", "single")], [("inhabitants", "total")]),
    "employed_share_18_64": ([("labour_status_18_64", "employed")], [("persons_18_64", "total")]),
    "unemployed_share_18_64": ([("labour_status_18_64", "unemployed")], [("persons_18_64", "total")]),
    "outside_labour_education_share": ([("labour_status_18_64", "unemployed"), ("labour_status_18_64", "other")],
                                       [("persons_18_64", "total")]),
    "basic_education_share": ([("education_30_59", "basic")], [("persons_30_59", "total")]),
    "child_poverty_share": ([("children_0_17", "low_income")], [("children_0_17", "total")]),
}

# logit-scale level, effect per log10(population / 28,000), municipality sd
_SHARES = {
    "non_western": (-2.45, 0.55, 0.45),
    "single": (-1.35, 0.30, 0.15),
    "basic": (-1.55, -0.20, 0.22),
    "low_income": (-2.90, 0.25, 0.35),
}
#: labour status of 18-64-year-olds: employed, unemployed, in education, other (national shares)
_LABOUR = np.array([0.74, 0.035, 0.105, 0.12])


def _names(k: int, rng: np.random.Generator) -> list[str]:
    taken = {m.name for m in MUNICIPALITIES}
    pool = [p + s for p in _PREFIXES for s in _SUFFIXES]
    pool = [n for n in pool if n not in taken]
    return [pool[i] for i in rng.choice(len(pool), size=k, replace=False)]


def _expit(x):
    return 1 / (1 + np.exp(-x))


def synthesize_country(municipalities: int = 60, years=range(2015, 2025), seed: int = 0) -> pd.DataFrame:
    """The aggregates of ``municipalities`` synthetic municipalities for ``years`` (see the module text).

    Returns the aggregates contract's columns (``unit_id`` = ``unit_name``
    = the municipality's name, ``unit_kind`` municipality, ``count``,
    ``status`` published, ``unit`` count). The same seed gives the same
    table; the four municipalities of the synthetic region are not in it.

    >>> agg = synthesize_country(municipalities=60, years=[2024], seed=0)
    >>> pop = agg[agg["variable"] == "inhabitants"]["count"]
    >>> len(pop), int(pop.min()) < 5_000, int(pop.max()) > 250_000, bool(pop.median() < pop.mean())
    (60, True, True, True)
    """
    check_scalar(municipalities, "municipalities", "synthesize_country", kind=int, min_value=1)
    try:
        yrs = sorted({int(y) for y in years})
    except (TypeError, ValueError):
        raise InputError(f"The 'years' parameter of synthesize_country must be integer years; got {years!r}.") from None
    if not yrs:
        raise InputError("The 'years' parameter of synthesize_country is empty; give at least one year.")
    rng = np.random.default_rng([seed, 60])
    n = municipalities
    names = _names(n, rng)
    z = stats.norm.ppf((np.arange(n) + 0.5) / n)
    base = np.round(28_000 * np.exp(1.0 * z) * np.exp(rng.normal(0, 0.05, n)))
    base = base[rng.permutation(n)]
    growth = 0.002 + 0.004 * np.log10(base / 28_000) + rng.normal(0, 0.004, n)
    size = np.log10(base / 28_000)
    region = np.array(REGIONS)[rng.integers(0, len(REGIONS), n)]
    effects = {k: rng.normal(0, sd, n) for k, (_, _, sd) in _SHARES.items()}
    drift = {k: rng.normal(0, 0.01, n) for k in _SHARES}
    labour_shift = rng.normal(0, 0.25, n)  # the municipality's labour market: + more outside work
    old = np.clip(0.60 - 0.02 * size + rng.normal(0, 0.015, n), 0.5, 0.66)  # share 18-64
    rows = []
    y0 = yrs[0]
    for y in yrs:
        t = y - y0
        pop = np.round(base * (1 + growth) ** t).astype(np.int64)
        p = {k: _expit(lv + eff * size + effects[k] + drift[k] * t) for k, (lv, eff, _) in _SHARES.items()}
        n1864 = rng.binomial(pop, old)
        n3059 = rng.binomial(pop, 0.40)
        n017 = rng.binomial(pop - n1864, 0.55)
        logits = np.log(_LABOUR / _LABOUR[0])[None, :] + np.outer(labour_shift, [0, 1, 0.2, 1])
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        labour = np.array([rng.multinomial(k, pr) for k, pr in zip(n1864, probs)])
        counts = {
            ("inhabitants", "total"): pop,
            ("origin", "non_western"): rng.binomial(pop, p["non_western"]),
            ("household_type", "single"): rng.binomial(pop, p["single"]),
            ("persons_18_64", "total"): n1864,
            ("labour_status_18_64", "employed"): labour[:, 0],
            ("labour_status_18_64", "unemployed"): labour[:, 1],
            ("labour_status_18_64", "in_education"): labour[:, 2],
            ("labour_status_18_64", "other"): labour[:, 3],
            ("persons_30_59", "total"): n3059,
            ("education_30_59", "basic"): rng.binomial(n3059, p["basic"]),
            ("children_0_17", "total"): n017,
            ("children_0_17", "low_income"): rng.binomial(n017, p["low_income"]),
        }
        for (var, cat), c in counts.items():
            rows.append(pd.DataFrame({"unit_id": names, "unit_kind": "municipality", "unit_name": names, "year": y,
                                      "variable": var, "category": cat, "count": c.astype(float)}))
        rows.append(pd.DataFrame({"unit_id": names, "unit_kind": "municipality", "unit_name": names, "year": y,
                                  "variable": "region", "category": region, "count": pop.astype(float)}))
    out = pd.concat(rows, ignore_index=True)
    out["status"] = "published"
    out["unit"] = "count"
    out["year"] = out["year"].astype(np.int64)
    return out.sort_values(["unit_id", "year", "variable", "category"], kind="stable").reset_index(drop=True)
