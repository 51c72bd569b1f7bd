"""Copenhagen's progress monitor as protected tables: every indicator the
2025 policy reports for the designated areas against the rest of the city,
life expectancy at birth (per area and for the two groups, with the
difference and its interval), the figures from outside the registers with
their sources, and the goals with their progress.

Tables (names in the :class:`~kvarter.publish.Publication`):

- ``progress_<indicator>``: designated / rest per year (:func:`protect_trends`
  over :data:`PROGRESS_INDICATORS`);
- ``life_expectancy_areas``: every leaf area of the municipality, its pooled
  period, value and 95 % interval, or why it is too small;
- ``life_expectancy_groups``: per year, the designated areas, the rest and
  the difference (designated minus rest) with its interval;
- ``progress_figures``: the figures from outside the registers pooled per group,
  with source and year;
- ``goals``: per goal its baseline, latest value, the straight-line path in the
  latest year and the projection to the target year with its interval.

Every value that feeds a goal is read back from a protected table, so a
suppressed figure never reaches a projection.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kvarter.disclosure import Protected, protect
from kvarter.indicators.figures import pool_figures
from kvarter.indicators.life_table import (
    LifeExpectancy,
    age_band,
    band_counts,
    difference,
    life_expectancy,
    pooled_life_expectancy,
)
from kvarter.publish.profiles import leaf_areas, protect_trends

#: The register indicators of Copenhagen's progress page, in the policy's order.
PROGRESS_INDICATORS: tuple[str, ...] = (
    "outside_labour_education_share",
    "temporary_public_support_share",
    "activity_ready_cash_benefit_share",
    "basic_education_share",
    "no_youth_education_share",
)

#: Years pooled at most for one life expectancy.
MAX_POOLED_YEARS = 5


def protect_progress(ind, area_ids, municipality, years, policy, hidden: set | None = None, *,
                     leaves: set[str] | None = None, hidden_counts: set | None = None) -> dict[str, Protected]:
    """The register indicators for the designated areas against the rest, per
    year: ``{"progress_<indicator>": Protected}`` (see :func:`protect_trends`,
    which ``leaves`` and ``hidden_counts`` are passed to).

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> ind = pd.DataFrame({"indicator": "temporary_public_support_share", "level": ["area", "area", "municipality"],
    ...     "unit_id": ["A", "B", "K"], "year": 2023, "numerator": [113.0, 67.0, 180.0],
    ...     "denominator": [1000.0, 1000.0, 2000.0], "persons": [1000, 1000, 2000]})
    >>> ind["value"] = ind["raw_value"] = ind["numerator"] / ind["denominator"]
    >>> t = protect_progress(ind, {"A"}, "K", [2023], DisclosurePolicy())
    >>> t["progress_temporary_public_support_share"].frame[["group", "value"]].to_dict("records")
    [{'group': 'designated', 'value': 0.113}, {'group': 'rest', 'value': 0.067}]
    """
    out = protect_trends(ind, area_ids, municipality, years, policy, hidden, leaves, hidden_counts,
                         indicators=PROGRESS_INDICATORS)
    return {f"progress_{k}": v for k, v in out.items()}


# ------------------------------------------------------------------ life expectancy


def death_counts(persons: pd.DataFrame) -> pd.DataFrame:
    """Deaths and population per area, year and life-table band from person-year
    rows with ``area_id, year, age, died`` (or already counted per age, with
    ``population`` and ``deaths``). The population is the persons registered in
    the year, which stands in for its person-years.

    >>> p = pd.DataFrame({"area_id": "A", "year": 2020, "age": [0, 3, 4, 91], "died": [False, True, False, True]})
    >>> death_counts(p).to_dict("records")
    [{'area_id': 'A', 'year': 2020, 'band': 0, 'deaths': 0, 'population': 1}, {'area_id': 'A', 'year': 2020, 'band': 1, 'deaths': 1, 'population': 2}, {'area_id': 'A', 'year': 2020, 'band': 90, 'deaths': 1, 'population': 1}]
    """
    p = persons
    if "population" not in p.columns:
        p = p.assign(population=1, deaths=p["died"].fillna(False).astype(int))
    p = p.assign(band=age_band(p["age"]), area_id=p["area_id"].astype(str))
    g = p.groupby(["area_id", "year", "band"], as_index=False)[["deaths", "population"]].sum()
    return g.astype({"year": int, "band": int, "deaths": int, "population": int})


def _le_row(le: LifeExpectancy, **extra) -> dict:
    low, high = le.interval() if math.isfinite(le.value) else (float("nan"), float("nan"))
    years = le.years
    return {**extra, "period": f"{years[0]}-{years[-1]}" if len(years) > 1 else (str(years[0]) if years else ""),
            "first_year": years[0] if years else np.nan, "value": le.value, "low": low, "high": high, "se": le.se,
            "person_years": round(le.person_years), "too_small": le.too_small or ""}


def protect_life_expectancy(counts: pd.DataFrame, areas: pd.DataFrame, area_ids, municipality: str, years,
                            policy, *, max_years: int = MAX_POOLED_YEARS) -> dict[str, Protected]:
    """Life expectancy at birth of every leaf area of ``municipality`` in the
    last year of ``years`` (pooled back as far as ``max_years`` years until the
    area is big enough, :func:`~kvarter.indicators.life_table.pooled_life_expectancy`),
    and per year of the designated areas, the rest of the municipality and the
    difference between them, both groups over the same pooled period.

    ``counts`` is :func:`death_counts`' table. The person-years are the count
    the minimum applies to; deaths are not published.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.indicators.life_table import AGE_BANDS
    >>> rows = [{"area_id": a, "year": 2024, "band": b, "deaths": d, "population": 1000}
    ...         for a, d in (("A", 40), ("B", 20)) for b in AGE_BANDS]
    >>> areas = pd.DataFrame({"area_id": ["A", "B"], "name": ["A", "B"], "municipality": "K"})
    >>> t = protect_life_expectancy(pd.DataFrame(rows), areas, {"A"}, "K", [2024], DisclosurePolicy())
    >>> g = t["life_expectancy_groups"].frame
    >>> # constant death rates 0.04 and 0.02: e0 = 1/M = 25 and 50 years
    >>> g[["group", "value"]].round(6).to_dict("records")
    [{'group': 'designated', 'value': 25.0}, {'group': 'rest', 'value': 50.0}, {'group': 'difference', 'value': -25.0}]
    """
    years = sorted(int(y) for y in years)
    last = years[-1]
    leaves = leaf_areas(areas)
    leaves = leaves[leaves["municipality"].astype(str) == municipality]
    ids = set(leaves["area_id"].astype(str))
    des = set(map(str, area_ids)) & ids
    rest = ids - des
    c = counts[counts["area_id"].astype(str).isin(ids) & (counts["year"] <= last)]
    names = dict(zip(leaves["area_id"].astype(str), leaves.get("name", leaves["area_id"]).astype(str)))
    area_rows = []
    for aid in sorted(ids):
        le = pooled_life_expectancy(c[c["area_id"] == aid], last, max_years=max_years)
        area_rows.append(_le_row(le, area_id=aid, name=names.get(aid, aid), designated=aid in des))
    out = {}
    if area_rows:
        t = pd.DataFrame(area_rows)
        out["life_expectancy_areas"] = protect(
            t[["area_id", "name", "designated", "period", "value", "low", "high", "person_years", "too_small"]],
            policy, key=["area_id", "name", "designated", "period", "too_small"], value_columns=["value", "low", "high"], count_column="person_years",
            name="life expectancy per area")
    group_rows = []
    if des and rest:
        d_rows, r_rows = c[c["area_id"].isin(des)], c[c["area_id"].isin(rest)]
        for y in years:
            le_d = pooled_life_expectancy(d_rows, y, max_years=max_years)
            use = le_d.years or (y,)
            dd, pp = band_counts(r_rows[r_rows["year"].isin(use)])
            le_r = life_expectancy(dd, pp, years=use)
            group_rows.append(_le_row(le_d, year=y, group="designated"))
            group_rows.append(_le_row(le_r, year=y, group="rest"))
            ok = le_d.too_small is None and le_r.too_small is None
            diff = difference(le_d, le_r) if ok else None
            group_rows.append({"year": y, "group": "difference", "period": group_rows[-1]["period"],
                               "first_year": group_rows[-1]["first_year"],
                               "value": diff.value if diff else np.nan, "low": diff.low if diff else np.nan,
                               "high": diff.high if diff else np.nan, "se": diff.se if diff else np.nan,
                               "person_years": min(group_rows[-1]["person_years"], group_rows[-2]["person_years"]),
                               "too_small": "" if ok else (le_d.too_small or le_r.too_small)})
    if group_rows:
        t = pd.DataFrame(group_rows)
        out["life_expectancy_groups"] = protect(
            t[["year", "group", "period", "value", "low", "high", "se", "person_years", "too_small"]], policy,
            key=["year", "group", "period", "too_small"], value_columns=["value", "low", "high", "se"],
            count_column="person_years",
            name="life expectancy, designated areas and the rest")
    return out


# ------------------------------------------------------------------ figures from outside the registers


def protect_figures(rows: pd.DataFrame, areas: pd.DataFrame, area_ids, municipality: str, policy,
                    last_year: int | None = None) -> Protected | None:
    """The ``area_figures`` rows pooled for the designated areas and the rest of
    ``municipality``'s leaf areas, per figure and year, with source and whether
    the rows are synthetic; the denominator is the count the minimum applies to.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> rows = pd.DataFrame({"figure": "noise_exposed_share", "year": 2022, "area_id": ["A", "B", "C"],
    ...     "numerator": [53.0, 40.0, 56.0], "denominator": [100.0, 100.0, 100.0], "source": "noise map"})
    >>> areas = pd.DataFrame({"area_id": ["A", "B", "C"], "municipality": "K"})
    >>> protect_figures(rows, areas, {"A"}, "K", DisclosurePolicy()).frame[["group", "value"]].to_dict("records")
    [{'group': 'designated', 'value': 0.53}, {'group': 'rest', 'value': 0.48}]
    """
    leaves = leaf_areas(areas)
    ids = set(leaves.loc[leaves["municipality"].astype(str) == municipality, "area_id"].astype(str))
    des = set(map(str, area_ids)) & ids
    r = rows if last_year is None else rows[rows["year"] <= last_year]
    t = pool_figures(r, {"designated": des, "rest": ids - des})
    if t.empty:
        return None
    return protect(t, policy, key=["figure", "year", "group", "units", "source", "synthetic"], value_columns=["value"],
                   count_column="denominator",
                   numerator_column="numerator", denominator_column="denominator", name="figures from outside the registers")


# ------------------------------------------------------------------ goals


def published_series(tables: dict[str, Protected]) -> dict[tuple[str, str], dict[int, float]]:
    """Every series a goal can name, read from the *published* tables:
    ``(indicator, "deprived" | "gap") → {year: value}``, NaN where a value
    (or either side of a gap) is suppressed.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> t = protect(pd.DataFrame({"year": [2023, 2023], "group": ["designated", "rest"], "value": [0.2, 0.1],
    ...     "persons": [100, 900]}), DisclosurePolicy(), key=["year", "group"], value_columns=["value"],
    ...     count_column="persons")
    >>> s = published_series({"progress_x": t})
    >>> s[("x", "deprived")], round(s[("x", "gap")][2023], 6)
    ({2023: 0.2}, 0.1)
    """
    out: dict[tuple[str, str], dict[int, float]] = {}

    def add(indicator: str, frame: pd.DataFrame, year: str = "year", group: str = "group", value: str = "value"):
        wide = frame.pivot_table(index=year, columns=group, values=value, aggfunc="first", dropna=False)
        if "designated" in wide:
            out[(indicator, "deprived")] = {int(y): float(v) for y, v in wide["designated"].items()}
        if "designated" in wide and "rest" in wide:
            out[(indicator, "gap")] = {int(y): float(v) for y, v in (wide["designated"] - wide["rest"]).items()}

    for name, p in tables.items():
        if name.startswith("progress_") and name != "progress_figures":
            add(name[len("progress_"):], p.frame)
    if "progress_figures" in tables:
        f = tables["progress_figures"].frame
        for fig, part in f.groupby("figure"):
            add(str(fig), part)
    if "life_expectancy_groups" in tables:
        f = tables["life_expectancy_groups"].frame
        add("life_expectancy", f[f["group"] != "difference"])
    if "composite_gap" in tables:
        f = tables["composite_gap"].frame
        out[("composite_gap", "gap")] = {int(y): float(v) for y, v in zip(f["year"], f["gap"])}
        out[("composite_gap", "deprived")] = {int(y): float(v) for y, v in zip(f["year"], f["group"])}
    return out


GOAL_COLUMNS = ["goal", "indicator", "group", "better", "baseline_year", "baseline", "latest_year", "latest",
                "path_latest", "target_year", "target", "projected", "projected_low", "projected_high",
                "trend_years", "status", "example", "persons"]


def goal_table(goalset, series: dict[tuple[str, str], dict[int, float]], persons: int) -> pd.DataFrame:
    """One row per goal of ``goalset`` (:class:`kvarter.goals.GoalSet`) from the
    published ``series`` (:func:`published_series`), in :data:`GOAL_COLUMNS`;
    ``persons`` is the designated areas' population the goals rest on.

    >>> from kvarter.goals import goals_from_dict
    >>> gs = goals_from_dict({"kind": "goals", "version": 1, "id": "x", "source": {"document": "t"}, "goals": [
    ...     {"id": "g", "indicator": "outside_labour_education_share", "group": "deprived", "target": 0.1,
    ...      "target_year": 2035, "baseline_year": 2021, "better": "lower"}]})
    >>> s = {("outside_labour_education_share", "deprived"): {2021: 0.20, 2022: 0.19, 2023: 0.18}}
    >>> row = goal_table(gs, s, 500).iloc[0]
    >>> row["status"], round(float(row["projected"]), 3), row["trend_years"], round(float(row["path_latest"]), 4)
    ('on_track', 0.06, '2021-2023', 0.1857)
    """
    from kvarter.goals import track

    rows = []
    for g in goalset.goals:
        s = series.get((g.indicator, g.group), {})
        p = track(s, baseline_year=g.baseline_year, target_year=g.target_year, target=g.target, better=g.better)
        proj = p.projection
        years = proj.years if proj else ()
        rows.append({"goal": g.id, "indicator": g.indicator, "group": g.group, "better": g.better,
                     "baseline_year": g.baseline_year, "baseline": p.baseline, "latest_year": p.latest_year,
                     "latest": p.latest, "path_latest": p.path_latest, "target_year": g.target_year,
                     "target": g.target, "projected": proj.value if proj else np.nan,
                     "projected_low": proj.low if proj else np.nan, "projected_high": proj.high if proj else np.nan,
                     "trend_years": f"{years[0]}-{years[-1]}" if years else "", "status": p.status.value,
                     "example": g.example, "persons": int(persons)})
    return pd.DataFrame(rows, columns=GOAL_COLUMNS)


def protect_goals(goalset, tables: dict[str, Protected], persons: int, policy) -> Protected | None:
    """The goals table (:func:`goal_table`) from the published ``tables``, protected.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.goals import load_goals
    >>> protect_goals(load_goals("copenhagen-2035"), {}, 0, DisclosurePolicy()).frame["status"].unique().tolist()
    ['no_baseline']
    """
    t = goal_table(goalset, published_series(tables), persons)
    if t.empty:
        return None
    values = ["baseline", "latest", "path_latest", "target", "projected", "projected_low", "projected_high"]
    key = [c for c in GOAL_COLUMNS if c not in values and c != "persons"]
    return protect(t, policy, key=key, value_columns=values, count_column="persons", name="goals")
