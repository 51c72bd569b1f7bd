"""Example figures from outside the registers for Demoby (marked synthetic):
6th-graders in sports clubs, feeling safe at night, noise-exposed dwellings
and election turnout per polling district, as ``area_figures`` rows.

Each figure's share in an area moves with the area's share of 18-64-year-olds
outside work and education (a z-score across the areas of the year), so that
the deprived areas come out roughly as Copenhagen's policy describes them
(sports clubs 67 % against 76 %, safe at night about 70 % against 90 %, noise
53 % against 48 %, turnout about 35-45 % against 60 %). The numbers are
made up; every row says so (``synthetic: true``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: figure → (years, share at an average area, change per standard deviation of deprivation)
SHAPES: dict[str, tuple[tuple[int, ...], float, float]] = {
    "sports_club_share": (tuple(range(2015, 2025)), 0.74, -0.045),
    "safe_at_night_share": ((2016, 2018, 2020, 2022, 2024), 0.86, -0.07),
    "noise_exposed_share": ((2017, 2022), 0.49, 0.025),
    "turnout_share": ((2017, 2021), 0.57, -0.08),
}
SOURCE = "Synthetic example (kvarter demo): made-up counts shaped after Copenhagen's policy (2025)"


def _deprivation(p: pd.DataFrame) -> pd.Series:
    """Per area, the z-score of the share of 18-64-year-olds outside work and education (``p``: one year's persons)."""
    p = p[p["age"].between(18, 64)]
    out = ~p["labour_status"].isin(["employed", "in_education"]) & ~p["in_education"].astype(bool)
    share = out.groupby(p["area_id"]).mean()
    sd = share.std(ddof=0)
    return (share - share.mean()) / (sd if sd > 0 else 1.0)


def _denominators(p: pd.DataFrame, figure: str) -> pd.Series:
    """Per area, the persons a figure counts among (``p``: one year's persons)."""
    if figure == "sports_club_share":
        return p[p["age"] == 12].groupby("area_id").size()
    if figure == "safe_at_night_share":  # a survey of about 1 in 12 adults
        return np.ceil(p[p["age"] >= 18].groupby("area_id").size() / 12)
    if figure == "noise_exposed_share":
        return p.groupby("area_id")["household_id"].nunique()
    return p[p["age"] >= 18].groupby("area_id").size()


def synthetic_figures(persons: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """``area_figures`` rows for every area in ``persons`` (the demo's persons),
    one per figure, year and unit; turnout per polling district (two or three
    per area). The same ``seed`` gives the same rows.

    >>> from kvarter.demo import synthesize
    >>> f = synthetic_figures(synthesize(persons=1_000, areas=16, schools=4, years=[2021, 2022])["persons"])
    >>> sorted(f["figure"].unique()), bool(f["synthetic"].all())
    (['noise_exposed_share', 'safe_at_night_share', 'sports_club_share', 'turnout_share'], True)
    >>> set(f.loc[f["figure"] == "turnout_share", "unit_kind"]), bool((f["numerator"] <= f["denominator"]).all())
    ({'polling_district'}, True)
    """
    rng = np.random.default_rng([seed, 14])
    # Each year's persons and deprivation once: selecting them from all the
    # years' persons for every figure was most of the time.
    of_year = {int(y): part for y, part in persons.groupby("year", sort=True)}
    deprivation: dict[int, pd.Series] = {}
    rows = []
    for figure, (years, base, slope) in SHAPES.items():
        for year in years:
            if year not in of_year:
                continue
            if year not in deprivation:
                deprivation[year] = _deprivation(of_year[year])
            z = deprivation[year]
            den = _denominators(of_year[year], figure).reindex(z.index).fillna(0).astype(int)
            for area, n in den.items():
                p = float(np.clip(base + slope * z[area] + rng.normal(0, 0.01), 0.02, 0.98))
                if figure == "turnout_share":
                    k = 2 + int(rng.random() < 0.5)
                    parts = rng.multinomial(n, np.full(k, 1 / k))
                    units = [(f"{area}-V{i + 1}", "polling_district", int(m)) for i, m in enumerate(parts)]
                else:
                    units = [(str(area), "area", int(n))]
                for unit, kind, m in units:
                    rows.append({"figure": figure, "unit_id": unit, "unit_kind": kind, "area_id": str(area),
                                 "year": year, "numerator": int(rng.binomial(m, p)), "denominator": m,
                                 "source": SOURCE, "synthetic": True})
    out = pd.DataFrame(rows, columns=["figure", "unit_id", "unit_kind", "area_id", "year", "numerator",
                                      "denominator", "source", "synthetic"])
    return out[out["denominator"] > 0].reset_index(drop=True)
