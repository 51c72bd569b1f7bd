"""A synthetic national school data set shaped like the segregation report's Table 1.

24 municipalities (pupils, schools and group shares as in the report's
Table 1, 2009-2018 averages) plus one municipality under 10,000 pupils,
observed for ten years. Each school has a latent position that clusters
pupils by ethnicity, household income and parents' education, with a
municipality-specific strength that drifts slowly over the years, so the
Dissimilarity Index ranges over roughly 0.1-0.6. A few schools have fewer
than 50 pupils. Nothing here is real data.

Two forms: :func:`school_panel` gives pupils (person-contract columns);
:func:`school_panel_counts` gives the same pupils already counted per school
and group, year by year, without holding all pupils in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
import pandas as pd

# name, pupils, schools, % native, % non-western, % western (report Table 1).
TABLE1: tuple[tuple[str, int, int, float, float, float], ...] = (
    ("Amsterdam", 62042, 218, 37.7, 49.5, 11.9),
    ("Rotterdam", 52113, 193, 40.4, 49.3, 9.7),
    ("Den Haag", 46212, 145, 42.0, 43.9, 12.4),
    ("Utrecht", 28870, 95, 58.8, 32.8, 8.1),
    ("Almere", 21211, 76, 52.6, 38.8, 8.2),
    ("Eindhoven", 17852, 60, 61.2, 26.8, 11.4),
    ("Tilburg", 17569, 57, 68.6, 23.1, 8.0),
    ("Amersfoort", 16424, 54, 73.1, 20.1, 6.5),
    ("Breda", 15917, 47, 73.8, 17.8, 8.1),
    ("Haarlemmermeer", 15302, 60, 72.0, 18.8, 9.1),
    ("Apeldoorn", 13967, 70, 82.7, 11.4, 5.7),
    ("Zaanstad", 13869, 50, 66.3, 25.6, 7.5),
    ("Enschede", 13494, 57, 68.8, 21.6, 8.5),
    ("Haarlem", 13212, 42, 67.5, 21.8, 10.4),
    ("Arnhem", 13016, 52, 65.0, 25.9, 8.4),
    ("Groningen", 12869, 43, 72.7, 18.5, 8.5),
    ("Den Bosch", 12442, 44, 76.5, 16.6, 6.8),
    ("Nijmegen", 12281, 44, 70.4, 20.7, 8.5),
    ("Zwolle", 12278, 47, 82.7, 12.7, 4.5),
    ("Zoetermeer", 11493, 43, 66.9, 25.8, 7.2),
    ("Ede", 11093, 54, 82.9, 12.5, 4.5),
    ("Dordrecht", 10667, 40, 64.3, 26.7, 8.6),
    ("Alphen aan den Rijn", 10339, 46, 78.7, 14.5, 6.6),
    ("Westland", 10051, 37, 86.0, 9.1, 4.9),
)
# Below the report's 10,000-pupil threshold, so the filter has something to drop.
SMALL_MUNICIPALITY = ("Kleindorp", 8400, 34, 80.0, 13.0, 7.0)

EDUCATION_LEVELS = ("basic", "upper_secondary", "vocational", "short_tertiary", "medium_tertiary", "long_tertiary")
# Cumulative shares of the parents' education levels nationally.
_EDU_CUTS = np.cumsum([0.20, 0.12, 0.30, 0.05, 0.18])


def _municipalities(municipalities: int) -> list[tuple]:
    if not 1 <= municipalities <= len(TABLE1):
        raise ValueError(f"municipalities must be between 1 and {len(TABLE1)}; got {municipalities}.")
    return list(TABLE1[:municipalities]) + [SMALL_MUNICIPALITY]


def _school_structure(rng: np.random.Generator, munis: list[tuple]) -> list[dict]:
    """Fixed per-school traits: size weight, latent position, drift; per municipality strength and trend."""
    out = []
    for k, (name, pupils, schools, nat, nw, w) in enumerate(munis):
        weight = rng.lognormal(0.0, 0.45, size=schools)
        n_small = max(1, schools // 40)
        weight[rng.choice(schools, n_small, replace=False)] = 0.0  # made small below
        out.append(
            dict(
                name=name, code=f"GM{k + 1:04d}", pupils=pupils, schools=schools,
                shares=np.array([nat, nw, w]) / (nat + nw + w),
                weight=weight, small=weight == 0.0,
                z=rng.normal(0.0, 1.0, size=schools),
                drift=rng.normal(0.0, 0.04, size=schools),
                # Bigger cities cluster more; each municipality drifts slowly.
                strength=0.45 + 0.9 * (pupils / 62042) ** 0.5 + rng.normal(0, 0.15),
                trend=rng.normal(0.0, 0.012),
            )
        )
    return out


@dataclass(frozen=True)
class _Pupils:
    """One year of pupils as arrays: the school of each pupil (an index into ``schools``,
    which is in sorted order, and ``school_municipality`` its municipality code), origin
    (0 native, 1 non-western, 2 western), household income (NaN when missing), parents'
    education (an index into :data:`EDUCATION_LEVELS`, -1 when missing) and age."""

    schools: np.ndarray
    school_municipality: np.ndarray
    school: np.ndarray
    origin: np.ndarray
    income: np.ndarray
    education: np.ndarray
    age: np.ndarray


def _pupil_draws(rng: np.random.Generator, structure: list[dict], year: int, y0: int, scale: float) -> _Pupils:
    munis, schools, z_all, lam_all = [], [], [], []
    sizes_all, shares_all = [], []
    for m in structure:
        dy = year - y0
        total = int(round(m["pupils"] * scale * (1 + 0.004 * dy)))
        w = m["weight"]
        sizes = np.floor(total * w / w.sum()).astype(int)
        sizes[m["small"]] = rng.integers(18, 49, size=int(m["small"].sum()))
        sizes = np.maximum(sizes, 1)
        sizes_all.append(sizes)
        munis += [m["code"]] * len(sizes)
        schools += [f"{m['code']}-S{j + 1:03d}" for j in range(len(sizes))]
        z_all.append(m["z"] + m["drift"] * dy)
        lam_all.append(np.full(len(sizes), max(0.1, m["strength"] + m["trend"] * dy)))
        shares_all.append(np.tile(m["shares"], (len(sizes), 1)))
    sizes = np.concatenate(sizes_all)
    z = np.concatenate(z_all)
    lam = np.concatenate(lam_all)
    shares = np.vstack(shares_all)
    idx = np.repeat(np.arange(len(sizes)), sizes)
    n = len(idx)
    zi, li = z[idx], lam[idx]
    # Ethnicity: school position tilts the mix towards non-western (z > 0).
    logits = np.log(shares[idx]) + np.column_stack([-0.5 * li * zi, 0.6 * li * zi, 0.1 * li * zi])
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    u = rng.random(n)
    eth = (u[:, None] > np.cumsum(prob, axis=1)).sum(axis=1)
    # Household income: lower at schools with high z and for non-western families.
    log_inc = 10.4 - 0.22 * li * zi - 0.25 * (eth == 1) + rng.normal(0.0, 0.55, size=n)
    income = np.round(np.exp(log_inc), -1)
    income[rng.random(n) < 0.01] = np.nan
    # Parents' education follows income with noise; national cut points.
    latent = (log_inc - 10.4) / 0.7 + rng.normal(0.0, 0.8, size=n)
    # The rank of every pupil (the inverse of the sort order; latent has no ties).
    ranks = np.empty(n, dtype=np.int64)
    ranks[latent.argsort()] = np.arange(n)
    edu = np.searchsorted(_EDU_CUTS, ranks / n, side="right")
    edu[rng.random(n) < 0.02] = -1
    age = rng.integers(4, 13, size=n)
    # Schools in sorted order, as a categorical of their names would hold them.
    names = np.array(schools, dtype=object)
    order = np.argsort(names, kind="stable")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return _Pupils(names[order], np.array(munis, dtype=object)[order], position[idx], np.minimum(eth, 2), income,
                   edu, age)


def _pupils_of_year(rng: np.random.Generator, structure: list[dict], year: int, y0: int, scale: float) -> pd.DataFrame:
    p = _pupil_draws(rng, structure, year, y0, scale)
    n = len(p.school)
    muni_names, muni_of_school = np.unique(p.school_municipality, return_inverse=True)
    municipality = pd.Categorical.from_codes(muni_of_school[p.school], categories=list(muni_names))
    school = pd.Categorical.from_codes(p.school, categories=list(p.schools))
    return pd.DataFrame(
        {
            "year": np.full(n, year, dtype=np.int64),
            "municipality": municipality,
            "area_id": school,
            "school_id": school.copy(),
            "age": p.age,
            # Codes of the categories native, western, non_western for origins 0, 1, 2.
            "origin": pd.Categorical.from_codes(np.array([0, 2, 1])[p.origin],
                                                categories=["native", "western", "non_western"]),
            "household_disposable_income": p.income,
            "parents_education": pd.Categorical.from_codes(p.education, categories=list(EDUCATION_LEVELS)),
        }
    )


def municipality_names(municipalities: int = 24) -> dict[str, str]:
    """Municipality code -> name for the synthetic panel.

    >>> municipality_names(2)
    {'GM0001': 'Amsterdam', 'GM0002': 'Rotterdam', 'GM0003': 'Kleindorp'}
    """
    return {f"GM{k + 1:04d}": m[0] for k, m in enumerate(_municipalities(municipalities))}


def _years_and_structure(seed, municipalities, years):
    years = list(years)
    rng = np.random.default_rng(seed)
    return rng, years, _school_structure(rng, _municipalities(municipalities))


def school_panel(
    seed: int = 0, municipalities: int = 24, years: Iterable[int] = range(2009, 2019), scale: float = 1.0
) -> pd.DataFrame:
    """Pupils per year with persons-contract columns, one row per pupil-year.

    Columns: ``person_id, year, municipality, area_id, school_id, age,
    origin, household_disposable_income, parents_education``. ``scale``
    shrinks every municipality (0.1 gives a tenth of the pupils) for tests.
    At full scale ten years hold about 4.5 million rows.

    >>> df = school_panel(seed=1, municipalities=2, years=[2018], scale=0.05)
    >>> sorted(df["municipality"].unique().tolist()), df["school_id"].notna().all()
    (['GM0001', 'GM0002', 'GM0003'], np.True_)
    """
    rng, years, structure = _years_and_structure(seed, municipalities, years)
    frames = [_pupils_of_year(rng, structure, y, years[0], scale) for y in years]
    df = pd.concat(frames, ignore_index=True)
    for col in ("municipality", "area_id", "school_id"):
        df[col] = df[col].astype(str).astype("category")
    df.insert(0, "person_id", "P" + pd.Series(np.arange(len(df)), dtype="int64").astype(str))
    return df


def school_panel_counts(
    seed: int = 0, municipalities: int = 24, years: Iterable[int] = range(2009, 2019), scale: float = 1.0
) -> pd.DataFrame:
    """The same pupils as :func:`school_panel` (same seed), counted per school and group.

    Long table ``municipality, year, unit, group, n`` with the report's groups
    (``native, non_western, western, income_high, income_middle, income_low,
    education_high, education_low``) and ``total`` (all pupils of the school).
    Income quintiles are national per year, as in the report. Built year by
    year, so memory stays at one year of pupils.

    >>> c = school_panel_counts(seed=1, municipalities=2, years=[2018], scale=0.05)
    >>> sorted(c["group"].unique())[:3]
    ['education_high', 'education_low', 'income_high']
    """
    rng, years, structure = _years_and_structure(seed, municipalities, years)
    out = []
    for y in years:
        p = _pupil_draws(rng, structure, y, years[0], scale)
        for names, code in _group_codes(p):
            # Counted per school and group in the order a grouped count by (municipality,
            # school, group) gives: schools in sorted order (their names begin with the
            # municipality's code), groups by name.
            k = len(names)
            keep = code >= 0
            n = np.bincount(p.school[keep] * k + code[keep], minlength=len(p.schools) * k)
            cell = np.flatnonzero(n)
            school, group = np.divmod(cell, k)
            out.append(pd.DataFrame({
                "municipality": p.school_municipality[school], "year": y, "unit": p.schools[school],
                "group": np.array(names, dtype=object)[group], "n": n[cell],
            }))
    return pd.concat(out, ignore_index=True)


def _group_codes(p: _Pupils) -> list[tuple[tuple[str, ...], np.ndarray]]:
    """The report's groups of every pupil, theme by theme: (group names in sorted order,
    each pupil's index into them or -1 outside the theme's groups).

    Income quintiles are national per year: pupils ranked by income (ties in
    the order of the pupils), quintile ``floor((rank - 1) * 5 / N) + 1`` of
    the N with an income; the report compares the top, middle and bottom ones.
    """
    inc = p.income
    has = np.flatnonzero(~np.isnan(inc))
    rank = np.full(len(inc), np.nan)
    rank[has[np.argsort(inc[has], kind="stable")]] = np.arange(1, len(has) + 1)
    q = np.floor((rank - 1) * 5 / len(has)) + 1
    income = np.full(len(inc), -1)
    income[q == 5] = 0
    income[q == 1] = 1
    income[q == 3] = 2
    # Basic education is low; short, medium and long tertiary are high (EDUCATION_LEVELS order).
    education = np.array([1, -1, -1, 0, 0, 0, -1])[p.education]
    return [
        (("total",), np.zeros(len(inc), dtype=np.int64)),
        (("native", "non_western", "western"), p.origin),
        (("income_high", "income_low", "income_middle"), income),
        (("education_high", "education_low"), education),
    ]
