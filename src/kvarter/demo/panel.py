"""The person-year panel: households drawn per area, then followed year by year.

Each year the population ages; some die, some emigrate, young adults leave
home, children are born, some households move, and in-migrant households
fill the gap so the population stays near its first-year size. A household
that moves draws its new area from the posterior of the generative model
(``P(area | standing, origin, household type)``), so the areas keep their
character over the years while their residents change — the way sorting
keeps real neighbourhoods distinct. Everything is vectorised NumPy; the
only Python loop runs over years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kvarter.demo import outcomes as oc
from kvarter.demo.profiles import PROFILES

SES_SD = 0.7  # spread of household standing within an area
NON_WESTERN_SES = -0.35  # non-western households stand lower within the same area
MEAN_CHILDREN = 0.7


@dataclass
class Context:
    """Per-area parameters (arrays over residential areas) and per-school data."""

    mu: np.ndarray
    origin_p: np.ndarray
    type_p: np.ndarray
    tenure_p: np.ndarray
    employment: np.ndarray
    employment_trend: np.ndarray
    crime: np.ndarray
    convictions: np.ndarray
    charges: np.ndarray
    income: np.ndarray
    health: np.ndarray
    education: np.ndarray
    nearest_school: np.ndarray
    area_municipality: np.ndarray
    school_municipality: np.ndarray
    school_ses: np.ndarray
    log_prior: np.ndarray | None = None
    capacity: np.ndarray | None = None  # dwellings' worth of residents per area
    pressure: np.ndarray | None = None  # pull of vacant dwellings this year

    @classmethod
    def from_residential(cls, residential: pd.DataFrame, school_municipality: np.ndarray) -> "Context":
        profiles = [PROFILES[p] for p in residential["profile"]]

        def col(name):
            return np.array([getattr(p, name) for p in profiles], dtype=float)

        nearest = residential["school_index"].to_numpy()
        school_ses = np.zeros(len(school_municipality))
        school_ses[nearest] = col("ses")  # a school's pull is its catchment's standing
        return cls(
            mu=col("ses"), origin_p=np.array([p.origin for p in profiles]),
            type_p=np.array([p.household_types for p in profiles]),
            tenure_p=np.array([p.tenure for p in profiles]),
            employment=col("employment"), employment_trend=col("employment_trend"),
            crime=col("crime"), convictions=col("convictions"), charges=col("charges"),
            income=col("income"), health=col("health"), education=col("education"),
            nearest_school=nearest, area_municipality=residential["municipality_index"].to_numpy(),
            school_municipality=school_municipality, school_ses=school_ses,
        )


def example_context(seed: int = 0) -> Context:
    """A small context (16 areas, 4 schools) for examples and tests.

    >>> len(example_context().mu)
    16
    """
    from kvarter.demo.geography import build_geography

    g = build_geography(500, 16, 4, np.random.default_rng(seed))
    return Context.from_residential(g.residential, g.school_municipality)


def _pick(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Row-wise inverse CDF: index of the first cumulative probability above ``u``."""
    return np.minimum((u[:, None] > cum).sum(axis=1), cum.shape[1] - 1)


def _mean_size(type_p: np.ndarray) -> np.ndarray:
    sizes = np.array([1, 1 + 1 + MEAN_CHILDREN, 2, 3 + MEAN_CHILDREN, 2.6])
    return type_p @ sizes


def _uniform_int(rng, lo, hi):
    return np.floor(lo + (np.asarray(hi) - lo) * rng.random(np.shape(hi) or np.shape(lo))).astype(np.int64)


def dwellings(ctx: Context, area, size, s, rng):
    """Tenure, rooms and floor area of a household's (new) dwelling, drawn from
    the area's tenure mix; rooms grow with household size and standing.

    >>> ctx = example_context()
    >>> tenure, rooms, m2 = dwellings(ctx, np.array([0, 0]), np.array([1, 4]), np.zeros(2), np.random.default_rng(0))
    >>> bool(((rooms >= 1) & (m2 >= 18)).all())
    True
    """
    n = len(area)
    tenure = _pick(np.cumsum(ctx.tenure_p[area], axis=1), rng.random(n)).astype(np.int8)
    bonus = np.array([1.0, 0.3, 0.0, -0.8, 0.0])[tenure]
    rooms = np.rint(1 + 0.55 * size + 0.4 * s + bonus + 0.6 * rng.standard_normal(n))
    cap = np.array([8, 6, 5, 3, 6])[tenure]
    rooms = np.clip(rooms, 1, cap).astype(np.int64)
    per_room = 24 + 4 * np.clip(s, -1.5, 2) + np.where(tenure == 0, 8, 0)
    m2 = np.maximum(18, rooms * per_room + 8 * rng.standard_normal(n)).round(0)
    return tenure, rooms, m2


def draw_households(ctx: Context, area: np.ndarray, year: int, rng: np.random.Generator, type_p=None):
    """New households in the given areas (one entry per household) with their
    members. Returns ``(households, persons)``, two dicts of arrays; the
    persons' ``hh`` index the households (0-based, local). ``type_p``
    overrides the areas' household-type probabilities (one row for all).

    >>> H, P = draw_households(example_context(), np.array([0, 1, 2]), 2020, np.random.default_rng(0))
    >>> len(H["area"]), int(P["hh"].max()), bool((P["role"][P["birth"] > 2002] != 1).all())
    (3, 2, True)
    """
    n = len(area)
    types = ctx.type_p[area] if type_p is None else np.broadcast_to(np.asarray(type_p, float), (n, 5))
    htype = _pick(np.cumsum(types, axis=1), rng.random(n))
    origin = _pick(np.cumsum(ctx.origin_p[area], axis=1), rng.random(n)).astype(np.int8)
    s = ctx.mu[area] + NON_WESTERN_SES * (origin == 2) + SES_SD * rng.standard_normal(n)
    kids = np.minimum(1 + rng.poisson(MEAN_CHILDREN, n), 5)
    n_children = np.select([htype == 1, htype == 3, htype == 4], [kids, kids, rng.poisson(0.3, n)], 0)
    n_adults = np.select([htype <= 1, htype <= 3], [1, 2], 2 + (rng.random(n) < 0.3))
    size = n_adults + n_children

    hh = np.repeat(np.arange(n), size)
    k = np.arange(len(hh)) - np.repeat(np.cumsum(size) - size, size)
    t = htype[hh]
    role = np.where(k == 0, 0, np.where(k < n_adults[hh], np.where((t == 2) | (t == 3), 1, 3), 2)).astype(np.int8)

    u = rng.random(n)
    head_age = np.select(
        [htype == 0, htype == 1, htype == 2, htype == 3],
        [np.where(u < 0.4, 19 + 16 * u / 0.4, np.where(u < 0.75, 35 + 35 * (u - 0.4) / 0.35, 70 + 25 * (u - 0.75) / 0.25)),
         22 + 33 * u,
         np.where(u < 0.35, 23 + 17 * u / 0.35, 50 + 38 * (u - 0.35) / 0.65),
         27 + 28 * u],
        18 + 52 * u,
    ).astype(np.int64)
    m = len(hh)
    age = np.select(
        [role == 0, role == 1, role == 3],
        [head_age[hh], np.clip(head_age[hh] + np.rint(3 * rng.standard_normal(m)), 18, 100), _uniform_int(rng, 18, np.full(m, 76))],
        _uniform_int(rng, 0, np.clip(head_age[hh] - 19, 1, 25)),
    ).astype(np.int64)
    female_head = np.select([t == 1, (t == 2) | (t == 3)], [0.85, 0.07], 0.5)
    head_sex = (rng.random(n) < female_head[np.cumsum(size) - size]).astype(np.int8)
    sex = np.where(role == 0, head_sex[hh], np.where(role == 1, 1 - head_sex[hh], rng.random(m) < 0.5)).astype(np.int8)

    p_origin = origin[hh]
    p_imm = np.where(role == 2, rng.random(m) < 0.15, rng.random(m) < np.where(age >= 30, 0.85, 0.55))
    generation = np.where(p_origin == 0, 0, np.where(p_imm, 1, 2)).astype(np.int8)
    birth = year - age
    e = rng.standard_normal(m)
    persons = dict(
        hh=hh, role=role, birth=birth, sex=sex, origin=p_origin, generation=generation, e=e,
        edu_pot=oc.education_potential(s[hh], e, birth, generation == 1, ctx.education[area][hh]),
        **_person_draws(rng, m),
    )
    tenure, rooms, m2 = dwellings(ctx, area, size, s, rng)
    households = dict(area=area.astype(np.int64), s=s, origin=origin, tenure=tenure, rooms=rooms, m2=m2)
    return households, persons


def _person_draws(rng: np.random.Generator, m: int) -> dict:
    """Persistent per-person random traits."""
    return dict(
        z=0.6 * rng.standard_normal(m),
        delay=rng.choice(3, size=m, p=[0.5, 0.3, 0.2]).astype(np.int8),
        u_status=rng.random(m), u_chronic=rng.random(m), u_choice=rng.random(m), u_school=rng.random(m),
        inc_noise=rng.standard_normal(m),
    )


def household_types(role: np.ndarray, hh: np.ndarray, n_hh: int):
    """Household type code (order of ``HOUSEHOLD_TYPES``), size and number of
    children per household, from the members' roles (0 head, 1 partner,
    2 child living at home, 3 other adult).

    >>> t, size, kids = household_types(np.array([0, 2, 0, 1, 0, 3]), np.array([0, 0, 1, 1, 2, 2]), 3)
    >>> t.tolist(), size.tolist(), kids.tolist()
    ([1, 2, 4], [2, 2, 2], [1, 0, 0])
    """
    counts = np.zeros((n_hh, 4), dtype=np.int64)
    np.add.at(counts, (hh, role), 1)
    kids = counts[:, 2]
    htype = np.where(counts[:, 3] > 0, 4, np.where(counts[:, 1] > 0, 2, 0) + (kids > 0))
    return htype.astype(np.int8), counts.sum(axis=1), kids


def choose_areas(ctx: Context, s, origin, htype, rng):
    """Draw each household's area from P(area | standing, origin, type) (Gumbel-max).

    The prior is each area's share of households, tilted towards areas with
    vacant dwellings (``ctx.pressure``) so that area sizes stay stable.

    >>> ctx = example_context()
    >>> ctx.log_prior = np.log(np.full(len(ctx.mu), 1 / len(ctx.mu))); ctx.pressure = np.zeros(len(ctx.mu))
    >>> area = choose_areas(ctx, np.array([-1.6, 1.0]), np.array([2, 0]), np.array([3, 3]), np.random.default_rng(0))
    >>> bool(ctx.mu[area[0]] < ctx.mu[area[1]])
    True
    """
    z = (s[:, None] - ctx.mu[None, :] - NON_WESTERN_SES * (origin[:, None] == 2)) / SES_SD
    logp = (ctx.log_prior + ctx.pressure)[None, :] - 0.5 * z**2
    logp = logp + np.log(ctx.origin_p.T[origin] + 1e-12) + np.log(ctx.type_p.T[htype] + 1e-12)
    return np.argmax(logp + rng.gumbel(size=logp.shape), axis=1)


def _concat(a: dict, b: dict) -> dict:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def _take(a: dict, keep) -> dict:
    return {k: v[keep] for k, v in a.items()}


def initial_population(ctx: Context, persons_per_area: np.ndarray, year: int, rng: np.random.Generator):
    """Households in every area with exactly ``persons_per_area`` residents
    (whole households, topped up with single persons).

    >>> H, P = initial_population(example_context(), np.full(16, 30), 2020, np.random.default_rng(0))
    >>> np.bincount(H["area"][P["hh"]]).tolist() == [30] * 16
    True
    """
    n_areas = len(persons_per_area)
    n_hh = np.ceil(persons_per_area / _mean_size(ctx.type_p) * 1.1).astype(np.int64) + 1
    area = np.repeat(np.arange(n_areas), n_hh)
    H, P = draw_households(ctx, area, year, rng)
    size = np.bincount(P["hh"], minlength=len(area))
    per_area = np.bincount(area, weights=size, minlength=n_areas)
    within = np.cumsum(size) - (np.cumsum(per_area) - per_area)[area]  # residents so far in the area
    keep_hh = within <= persons_per_area[area]
    P, H = _renumber(_take(P, keep_hh[P["hh"]]), H, keep_hh)
    short = persons_per_area - np.bincount(H["area"], weights=np.bincount(P["hh"], minlength=len(H["area"])),
                                            minlength=n_areas).astype(np.int64)
    fill_area = np.repeat(np.arange(n_areas), short)
    H2, P2 = _singles(ctx, fill_area, year, rng)
    P2["hh"] = P2["hh"] + len(H["area"])
    return _concat(H, H2), _concat(P, P2)


def _singles(ctx: Context, area: np.ndarray, year: int, rng: np.random.Generator):
    """One-person households in the given areas."""
    return draw_households(ctx, area, year, rng, type_p=[1.0, 0, 0, 0, 0])


def _renumber(P: dict, H: dict, keep_hh: np.ndarray):
    """Drop households not in ``keep_hh`` and renumber the rest 0..n-1."""
    new_index = np.cumsum(keep_hh) - 1
    P = dict(P)
    P["hh"] = new_index[P["hh"]]
    return P, _take(H, keep_hh)
