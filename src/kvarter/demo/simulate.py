"""Run the panel over the years: a snapshot of every person each year, then
the year's events (deaths, emigration, leaving home, births, moves,
in-migration)."""

from __future__ import annotations

import numpy as np

from kvarter.demo import outcomes as oc
from kvarter.demo.panel import (
    Context,
    _concat,
    _person_draws,
    _take,
    choose_areas,
    draw_households,
    dwellings,
    household_types,
    initial_population,
)

AR_RHO = 0.85  # year-to-year persistence of the employment shock
ORIGIN_EMPLOYMENT = np.array([[0.0, 0.0, 0.0], [0.0, -0.15, -0.5], [0.0, -0.05, -0.2]])  # [generation, origin]
CHILD_BENEFIT = 15_000
VACANCY_PULL = 2.0  # how strongly movers are drawn to areas below their size


def snapshot(ctx: Context, P: dict, H: dict, year: int, first: int, last: int, rng: np.random.Generator) -> dict:
    """Every current person's record in ``year`` as arrays of codes and numbers.

    ``age`` is ``year`` minus the birth year; areas and households are where
    the persons live now.

    >>> from kvarter.demo.panel import example_context
    >>> ctx, rng = example_context(), np.random.default_rng(0)
    >>> H, P = initial_population(ctx, np.full(16, 30), 2020, rng)
    >>> P["pid"] = np.arange(len(P["hh"]))
    >>> s = snapshot(ctx, P, H, 2022, 2020, 2025, rng)
    >>> len(s["person"]), set(s["year"].tolist()), bool((s["age"] == 2022 - P["birth"]).all())
    (480, {2022}, True)
    >>> np.bincount(s["area"]).tolist() == [30] * 16
    True
    """
    hh = P["hh"]
    n_hh = len(H["area"])
    htype, size, kids = household_types(P["role"], hh, n_hh)
    age = year - P["birth"]
    area = H["area"][hh]
    s = H["s"][hh]
    attained, in_edu = oc.education_attained(P["edu_pot"], age, P["delay"])
    progress = (year - first) / max(last - first, 1)
    z = (0.55 * s + 0.45 * P["e"] + 0.15 * np.maximum(attained, 0) + ORIGIN_EMPLOYMENT[P["generation"], P["origin"]]
         + ctx.employment[area] + ctx.employment_trend[area] * progress + P["z"])
    status = oc.labour_status(z, age, in_edu, P["u_status"])
    noise = 0.8 * P["inc_noise"] + 0.6 * rng.standard_normal(len(hh))
    gross = oc.gross_income(status, s, P["e"], attained, age, P["sex"], ctx.income[area], noise,
                            1.02 ** (year - first)).round(0)
    under18 = np.bincount(hh[age < 18], minlength=n_hh)
    hh_disp = np.bincount(hh, weights=oc.disposable(gross), minlength=n_hh) + CHILD_BENEFIT * under18
    risk = oc.crime_risk(age, P["sex"], s, P["e"])
    charged = rng.random(len(hh)) < np.minimum(0.010 * risk * ctx.crime[area], 0.8)
    convicted = rng.random(len(hh)) < np.minimum(0.0045 * risk * ctx.convictions[area], 0.8)
    charges = np.where(charged, 1 + rng.poisson(ctx.charges[area]), 0)
    chronic = P["u_chronic"] < oc.chronic_probability(age, s, ctx.health[area])

    pupil = (age >= 6) & (age <= 15)
    school = np.where(pupil, ctx.nearest_school[area], -1)
    chooser = pupil & (P["u_choice"] < 0.2)
    if chooser.any():
        same = ctx.area_municipality[area[chooser]][:, None] == ctx.school_municipality[None, :]
        w = same * np.exp(s[chooser][:, None] * ctx.school_ses[None, :])
        cum = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
        school[chooser] = np.minimum((P["u_school"][chooser][:, None] > cum).sum(axis=1), cum.shape[1] - 1)

    adult = P["role"] != 2
    parents = np.full(n_hh, -1, dtype=np.int8)
    np.maximum.at(parents, hh[adult], attained[adult])
    parents_edu = np.where(P["role"] == 2, parents[hh], -1)
    return dict(
        person=P["pid"], year=np.full(len(hh), year), area=area, age=age, sex=P["sex"], origin=P["origin"],
        generation=P["generation"], household=hh, household_type=htype[hh], household_size=size[hh],
        education=attained, in_education=in_edu, labour_status=status, income_gross=gross,
        household_disposable_income=hh_disp[hh].round(0), convicted=convicted, charged=charged, charges=charges,
        chronic_condition=chronic, school=school, in_youth_education=(age >= 16) & (P["edu_pot"] >= 1),
        parents_education=parents_edu, tenure=H["tenure"][hh], rooms=H["rooms"][hh], dwelling_m2=H["m2"][hh],
    )


def death_probability(age, s) -> np.ndarray:
    """Probability of dying within the year at ``age`` (Gompertz, lower for a
    household of higher standing ``s``), capped at 0.6.

    >>> death_probability(np.array([40, 80]), np.zeros(2)).round(4).tolist()  # exp(-10.3 + 0.093 · age)
    [0.0014, 0.0573]
    """
    return np.minimum(np.exp(-10.3 + 0.093 * np.asarray(age) - 0.25 * np.asarray(s)), 0.6)


def _fix_heads(P: dict, n_hh: int) -> None:
    """Give every household a head again after deaths and departures: the
    partner if there is one, else the oldest member."""
    role, hh = P["role"], P["hh"]
    has_head = np.bincount(hh[role == 0], minlength=n_hh) > 0
    has_partner = np.bincount(hh[role == 1], minlength=n_hh) > 0
    promote = (role == 1) & ~has_head[hh]
    role[promote] = 0
    orphan = ~has_head & ~has_partner & (np.bincount(hh, minlength=n_hh) > 0)
    if orphan.any():
        idx = np.flatnonzero(orphan[hh])
        order = idx[np.lexsort((P["birth"][idx], hh[idx]))]  # oldest first within household
        first = order[np.r_[True, hh[order][1:] != hh[order][:-1]]]
        role[first] = 0


def _add(P, H, Pn, Hn, next_pid):
    Pn = dict(Pn)
    Pn["hh"] = Pn["hh"] + len(H["area"])
    Pn["pid"] = next_pid + np.arange(len(Pn["hh"]))
    return _concat(P, Pn), _concat(H, Hn), next_pid + len(Pn["hh"])


def _advance(ctx: Context, P: dict, H: dict, year: int, target: int, next_pid: int, rng: np.random.Generator):
    """The events between 1 January of ``year`` and of ``year + 1``; needs the
    context :func:`simulate` prepares (see it for an example)."""
    age = year + 1 - P["birth"]
    s = H["s"][P["hh"]]
    dies = rng.random(len(age)) < death_probability(age, s)
    dead = P["pid"][dies]
    leaves = rng.random(len(H["area"])) < np.array([0.006, 0.05, 0.025])[H["origin"]]
    P = _take(P, ~dies & ~leaves[P["hh"]])
    age = year + 1 - P["birth"]
    residents = np.bincount(H["area"][P["hh"]], minlength=len(ctx.mu))
    ctx.pressure = VACANCY_PULL * np.log(ctx.capacity / np.maximum(residents, 1))

    # Young adults leave home and set up on their own, sorting into areas by standing.
    out = (P["role"] == 2) & (age >= 18) & ((age >= 25) | (rng.random(len(age)) < 0.22))
    if out.any():
        idx = np.flatnonzero(out)
        s_new = H["s"][P["hh"][idx]] + 0.5 * rng.standard_normal(len(idx))
        origin = H["origin"][P["hh"][idx]]
        area = choose_areas(ctx, s_new, origin, np.zeros(len(idx), dtype=np.int8), rng)
        tenure, rooms, m2 = dwellings(ctx, area, np.ones(len(idx)), s_new, rng)
        start = len(H["area"])
        H = _concat(H, dict(area=area, s=s_new, origin=origin, tenure=tenure, rooms=rooms, m2=m2))
        P["hh"][idx] = start + np.arange(len(idx))
        P["role"][idx] = 0
    n_hh = len(H["area"])
    # Children left without an adult move to relatives outside the data.
    has_adult = np.bincount(P["hh"][age >= 18], minlength=n_hh) > 0
    P = _take(P, has_adult[P["hh"]])
    age = year + 1 - P["birth"]
    _fix_heads(P, n_hh)

    # Births to women aged 20-44, more often in couples.
    has_partner = np.bincount(P["hh"][P["role"] == 1], minlength=n_hh) > 0
    mother = (P["sex"] == 1) & (P["role"] <= 1) & (age >= 20) & (age <= 44)
    p_birth = np.where(has_partner[P["hh"]], 0.09, 0.035) + 0.02 * (P["origin"] == 2)
    mothers = np.flatnonzero(mother & (rng.random(len(age)) < p_birth))
    if len(mothers):
        m = len(mothers)
        hh = P["hh"][mothers]
        e = rng.standard_normal(m)
        born = dict(
            hh=hh, role=np.full(m, 2, dtype=np.int8), birth=np.full(m, year + 1), sex=(rng.random(m) < 0.49).astype(np.int8),
            origin=P["origin"][mothers], generation=np.where(P["origin"][mothers] == 0, 0, 2).astype(np.int8), e=e,
            edu_pot=oc.education_potential(H["s"][hh], e, np.full(m, year + 1), np.zeros(m, bool), ctx.education[H["area"][hh]]),
            **_person_draws(rng, m),
        )
        born["pid"] = next_pid + np.arange(m)
        next_pid += m
        P = _concat(P, born)

    # Some households move; renters more often than owners.
    size = np.bincount(P["hh"], minlength=n_hh)
    alive = size > 0
    rate = np.where(H["tenure"] <= 1, 0.045, 0.09)
    movers = np.flatnonzero(alive & (rng.random(n_hh) < rate))
    if len(movers):
        htype, _, _ = household_types(P["role"], P["hh"], n_hh)
        area = choose_areas(ctx, H["s"][movers], H["origin"][movers], htype[movers], rng)
        H["area"][movers] = area
        H["tenure"][movers], H["rooms"][movers], H["m2"][movers] = dwellings(ctx, area, size[movers], H["s"][movers], rng)

    # In-migrant households keep the population near its first-year size.
    deficit = target - len(P["hh"])
    if deficit > 0:
        k = int(np.ceil(deficit / 2.1)) + 1
        w = np.exp(ctx.log_prior + ctx.pressure)
        area = rng.choice(len(ctx.mu), size=k, p=w / w.sum())
        Hn, Pn = draw_households(ctx, area, year + 1, rng)
        keep = np.cumsum(np.bincount(Pn["hh"], minlength=k)) <= deficit
        new_index = np.cumsum(keep) - 1
        Pn = _take(Pn, keep[Pn["hh"]])
        Pn["hh"] = new_index[Pn["hh"]]
        P, H, next_pid = _add(P, H, Pn, _take(Hn, keep), next_pid)

    P["z"] = AR_RHO * P["z"] + np.sqrt(1 - AR_RHO**2) * 0.6 * rng.standard_normal(len(P["z"]))
    return P, H, next_pid, dead


def simulate(ctx: Context, persons_per_area: np.ndarray, years: list[int], rng: np.random.Generator):
    """A snapshot (dict of arrays) for every year in ``years``, in order.

    Each snapshot's ``died`` marks the persons who die before 1 January of
    the next year (the deaths of the year, at the age of the snapshot); in
    the last year they are drawn from the same hazard with a generator
    spawned from ``rng`` after the panel is complete, so the other columns
    do not depend on it.

    >>> from kvarter.demo.panel import example_context
    >>> frames = simulate(example_context(), np.full(16, 40), [2020, 2021], np.random.default_rng(0))
    >>> [int(f["year"][0]) for f in frames], len(frames[0]["person"])
    ([2020, 2021], 640)
    >>> bool(np.isin(frames[0]["person"][frames[0]["died"]], frames[1]["person"]).any())
    False
    """
    first, last = years[0], years[-1]
    H, P = initial_population(ctx, persons_per_area, first, rng)
    P["pid"] = np.arange(len(P["hh"]))
    n_per_area = np.bincount(H["area"], minlength=len(ctx.mu)).astype(float)
    ctx.log_prior = np.log(np.maximum(n_per_area, 1e-9) / n_per_area.sum())
    ctx.capacity = np.maximum(np.asarray(persons_per_area, dtype=float), 1.0)
    target, next_pid = len(P["hh"]), len(P["hh"])
    frames = []
    for year in range(first, last + 1):
        current = snapshot(ctx, P, H, year, first, last, rng) if year in years else None
        if current is not None:
            frames.append(current)
        if year < last:
            P, H, next_pid, dead = _advance(ctx, P, H, year, target, next_pid, rng)
            if current is not None:
                current["died"] = np.isin(current["person"], dead)
        elif current is not None:
            late = rng.spawn(1)[0]
            p = death_probability(year + 1 - P["birth"], H["s"][P["hh"]])
            current["died"] = late.random(len(p)) < p
    return frames
