"""Synthetic housing data for a Norwegian-style municipality, "Demodal".

:func:`synthesize_housing` draws a seeded household panel over a few years
with everything the housing tables hold — households, their members (a
persons table the households can be derived from), dwellings, applications
for municipal housing, start-loan cases, use of instruments, settlement
requests, housing-market prices and the municipal rental stock — in the
codes of the contracts. It is calibrated on Statistics Norway's figures for
2023: about 6.4 % of households and 9.7 % of persons crowded; children's
persistent low income varies by area; all of Husbanken's five pathways occur
among the municipal tenants. The Danish demo (:mod:`kvarter.demo.synthetic`)
is untouched.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.validation import check_scalar

MUNICIPALITY = "9901"
REGION = "Demo fylke"

#: Areas: name, weight of households, share renting, share of municipal tenants among renters,
#: income level (log offset), price level (NOK for 3 rooms), unsafe share, playground median (m).
AREAS = (
    ("Sentrum", 1.4, 0.48, 0.18, -0.10, 4_400_000, 0.14, 220),
    ("Nordbyen", 1.2, 0.42, 0.30, -0.30, 3_100_000, 0.20, 160),
    ("Sørli", 1.0, 0.22, 0.10, 0.10, 3_900_000, 0.05, 110),
    ("Østmarka", 0.9, 0.15, 0.08, 0.25, 4_800_000, 0.03, 90),
    ("Vestre", 1.0, 0.25, 0.12, 0.05, 3_700_000, 0.06, 120),
    ("Haugen", 0.8, 0.35, 0.35, -0.35, 2_700_000, 0.22, 180),
    ("Bakkeløkka", 0.9, 0.38, 0.28, -0.25, 2_800_000, 0.16, 140),
    ("Elvebredden", 0.7, 0.18, 0.10, 0.20, 4_300_000, 0.04, 80),
    ("Skogly", 0.8, 0.12, 0.10, 0.30, 4_600_000, 0.03, 70),
    ("Fjellstad", 0.6, 0.20, 0.15, 0.00, 3_200_000, 0.07, 130),
    ("Brattli", 0.7, 0.30, 0.25, -0.15, 3_000_000, 0.12, 150),
    ("Havna", 1.0, 0.40, 0.22, -0.05, 4_000_000, 0.10, 200),
)

#: Household size distribution (1..6 persons), roughly Norway's (SSB, households by size).
SIZE_P = np.array([0.39, 0.27, 0.13, 0.13, 0.06, 0.02])
#: Probability of living crowded by household size, so that about 6.4 % of
#: households and 9.7 % of persons are crowded (SSB 2023).
CROWDED_P = np.array([0.04, 0.02, 0.07, 0.12, 0.22, 0.35])
#: Median income after tax per consumption unit (EU scale), NOK.
MEDIAN_EQ = 390_000.0
PRICE_BY_ROOMS = {1: 0.55, 2: 0.75, 3: 1.0, 4: 1.25, 5: 1.5}


def _area_ids() -> list[str]:
    return [f"{MUNICIPALITY}{k + 1:02d}" for k in range(len(AREAS))]


def _years(years) -> list[int]:
    try:
        out = sorted({int(y) for y in years})
    except (TypeError, ValueError):
        raise InputError(f"The 'years' parameter of synthesize_housing must be integer years; got {years!r}.") from None
    if len(out) < 3 or out[-1] - out[0] != len(out) - 1:
        raise InputError(
            f"The 'years' parameter of synthesize_housing must be at least three consecutive years "
            f"(persistent low income needs three); got {years!r}."
        )
    return out


def synthesize_housing(households: int = 3000, years=range(2021, 2025), seed: int = 0) -> dict[str, pd.DataFrame]:
    """Synthesise Demodal's housing tables: a dict keyed by contract table name, plus ``persons``.

    ``households`` households are followed over ``years`` (at least three
    consecutive years); each year about 9 % of households move to another
    area (and dwelling). The same ``seed`` gives identical tables; randomness
    comes only from a :class:`numpy.random.Generator` seeded here.

    >>> t = synthesize_housing(households=200, years=range(2022, 2025), seed=1)
    >>> sorted(t)[:4], len(t["households"]) == 3 * 200
    (['areas', 'dwellings', 'households', 'housing_applications'], True)
    """
    check_scalar(households, "households", "synthesize_housing", kind=int, min_value=50)
    check_scalar(seed, "seed", "synthesize_housing", kind=int, min_value=0)
    yrs = _years(years)
    rng = np.random.default_rng(seed)
    area_ids = _area_ids()
    n_areas = len(AREAS)
    weights = np.array([a[1] for a in AREAS])
    renting = np.array([a[2] for a in AREAS])
    municipal = np.array([a[3] for a in AREAS])
    income_level = np.array([a[4] for a in AREAS])
    n = households

    # --- who lives in each household (constant membership; ages advance) ---
    size = rng.choice(np.arange(1, 7), size=n, p=SIZE_P)
    area0 = rng.choice(n_areas, size=n, p=weights / weights.sum())
    first_year = yrs[0]
    members: list[tuple[int, int, int]] = []  # (household, member, birth year)
    for h in range(n):
        s = int(size[h])
        adults = 1 if s == 1 else (2 if rng.random() < 0.8 or s == 2 else 1)
        if s >= 3 and adults == 1 and rng.random() < 0.15:
            adults = min(3, s)
        parent_age = int(rng.integers(22, 80)) if s - adults == 0 else int(rng.integers(24, 52))
        for k in range(adults):
            members.append((h, k, first_year - max(18, parent_age + int(rng.integers(-3, 4)))))
        for k in range(adults, s):
            members.append((h, k, first_year - int(rng.integers(0, min(18, parent_age - 17)))))
    mem = pd.DataFrame(members, columns=["h", "k", "born"])

    # --- tenure, income, the caseworker's fields (household level, constant) ---
    rents = rng.random(n) < renting[area0]
    is_municipal = rents & (rng.random(n) < municipal[area0])
    tenure = np.where(~rents, np.where(rng.random(n) < 0.16, "cooperative", "owner"),
                      np.where(is_municipal, "municipal_rent", "private_rent"))
    perm = rng.normal(0.08, 0.34, n) + income_level[area0] - 0.30 * rents - 0.35 * is_municipal
    crowded_spell = rng.random(n) < CROWDED_P[size - 1] * np.where(rents, 1.3, 0.85)
    debt = np.where(rng.random(n) < 0.55, rng.lognormal(11.6, 0.9, n), 0.0).round(-3)
    savings = np.where(rng.random(n) < 0.6, rng.lognormal(11.3, 1.0, n), 0.0).round(-3)
    wants = rng.random(n)
    wants_to_own = np.where(wants < 0.5, True, np.where(wants < 0.8, False, None))
    remarks = rents & (rng.random(n) < np.where(is_municipal, 0.12, 0.04))
    missing_income = is_municipal & (rng.random(n) < 0.06)

    # --- the panel: area (and dwelling spell) per year ---
    rows = []
    area = area0.copy()
    spell = np.zeros(n, dtype=int)
    for t, year in enumerate(yrs):
        if t > 0:
            moves = rng.random(n) < 0.09
            area = np.where(moves, rng.choice(n_areas, size=n, p=weights / weights.sum()), area)
            spell = spell + moves
        noise = rng.normal(0, 0.10, n)
        rows.append(pd.DataFrame({"h": np.arange(n), "year": year, "area": area, "spell": spell, "noise": noise}))
    panel = pd.concat(rows, ignore_index=True)

    mem_year = mem.merge(panel[["h", "year"]], on="h")
    mem_year["age"] = mem_year["year"] - mem_year["born"]
    bands = {"children_0_5": (0, 5), "children_6_10": (6, 10), "children_11_13": (11, 13), "children_14_17": (14, 17)}
    for name, (lo, hi) in bands.items():
        mem_year[name] = ((mem_year["age"] >= lo) & (mem_year["age"] <= hi)).astype(int)
    kids = list(bands)
    comp = mem_year.groupby(["h", "year"], as_index=False)[kids].sum()
    panel = panel.merge(comp, on=["h", "year"], how="left")
    persons = size[panel["h"]]
    children = panel[list(kids)].sum(axis=1).to_numpy()
    under14 = panel[["children_0_5", "children_6_10", "children_11_13"]].sum(axis=1).to_numpy()
    a14 = persons - under14
    units = 1.0 + 0.5 * np.maximum(a14 - 1, 0) + 0.3 * under14
    eq = MEDIAN_EQ * np.exp(perm[panel["h"]] + panel["noise"].to_numpy()) * (1.025 ** (panel["year"].to_numpy() - yrs[0]))
    income = (eq * units).round(-2)
    income = np.where(missing_income[panel["h"]], np.nan, income)
    adults = persons - children
    low = eq < 0.6 * MEDIAN_EQ
    work_p = np.clip(0.92 - 0.55 * low - 0.25 * is_municipal[panel["h"]], 0.05, 0.97)
    in_work = rng.binomial(adults.astype(int), work_p)
    social = (low & (rng.random(len(panel)) < 0.45)) | (is_municipal[panel["h"]] & (in_work == 0) & (rng.random(len(panel)) < 0.6))

    # --- dwellings: one per household spell, sized to its crowding status ---
    spells = panel.drop_duplicates(["h", "spell"])[["h", "spell", "area", "year"]].reset_index(drop=True)
    hs = spells["h"].to_numpy()
    s_pers = size[hs]
    crowd = crowded_spell[hs]
    extra = rng.choice([0, 1, 2], size=len(spells), p=[0.45, 0.4, 0.15])
    rooms_ok = np.maximum(s_pers + extra, np.where(s_pers == 1, 1 + (rng.random(len(spells)) < 0.8), 2))
    rooms_cr = np.maximum(1, s_pers - 1 - (rng.random(len(spells)) < 0.3))
    rooms = np.where(crowd, rooms_cr, rooms_ok)
    # rooms below persons, or one person in one room, stays uncrowded only with 25 m² a person or more
    tight = (rooms < s_pers) | ((s_pers == 1) & (rooms == 1))
    m2_ok = np.maximum(rooms * rng.uniform(17, 30, len(spells)), np.where(tight, 25.0 * s_pers + 5, 0))
    m2_cr = s_pers * rng.uniform(13, 24.5, len(spells))
    floor = np.round(np.where(crowd, m2_cr, m2_ok), 1)
    muni_h = is_municipal[hs]
    unsafe_share = np.array([a[6] for a in AREAS])[spells["area"].to_numpy()]
    play = np.array([a[7] for a in AREAS])[spells["area"].to_numpy()]
    spells["dwelling_id"] = [f"D{h:05d}-{s}" for h, s in zip(hs, spells["spell"])]
    dwell_static = pd.DataFrame({
        "dwelling_id": spells["dwelling_id"], "area": spells["area"], "rooms": rooms.astype(int), "floor_m2": floor,
        "damp_or_rot": rng.random(len(spells)) < np.where(muni_h, 0.15, 0.05),
        "too_little_daylight": rng.random(len(spells)) < np.where(muni_h, 0.14, 0.07),
        "garden_or_balcony": rng.random(len(spells)) < np.where(muni_h, 0.6, 0.88),
        "outside_noise": rng.random(len(spells)) < np.where(muni_h, 0.22, 0.11),
        "playground_distance_m": np.round(rng.lognormal(np.log(play), 0.5), 0),
        "unsafe_neighbourhood": rng.random(len(spells)) < unsafe_share * np.where(muni_h, 1.5, 1.0),
        "safe_traffic": rng.random(len(spells)) < np.where(muni_h, 0.7, 0.82),
    })
    panel = panel.merge(spells[["h", "spell", "dwelling_id"]], on=["h", "spell"], how="left")
    panel = panel.merge(dwell_static[["dwelling_id", "rooms", "floor_m2"]], on="dwelling_id", how="left")

    hh_ids = np.array([f"H{h:05d}" for h in range(n)], dtype=object)
    kindergarten = 3_000.0 * panel["children_0_5"].to_numpy()
    is_renting = np.isin(tenure[panel["h"]], ["municipal_rent", "private_rent"])
    households_t = pd.DataFrame({
        "household_id": hh_ids[panel["h"]], "year": panel["year"].astype(int), "municipality": MUNICIPALITY,
        "area_id": np.array(area_ids, dtype=object)[panel["area"]], "dwelling_id": panel["dwelling_id"],
        "tenure": tenure[panel["h"]], "rooms": panel["rooms"].astype(int), "floor_m2": panel["floor_m2"],
        "persons": persons.astype(int),
        **{c: panel[c].astype(int) for c in kids},
        "income_after_tax": income, "debt": debt[panel["h"]], "savings": savings[panel["h"]],
        "housing_cost_month": np.round(np.where(is_renting, 6_000 + 2_500 * panel["rooms"], 4_000 + 1_500 * panel["rooms"]), -2),
        "other_fixed_costs_month": kindergarten,
        "social_assistance": social, "housing_allowance": is_renting & low & (rng.random(len(panel)) < 0.5),
        "adults_in_work": in_work.astype(int),
        "wants_to_own": pd.array(np.where(is_renting, wants_to_own[panel["h"]], None), dtype="boolean"),
        "payment_remarks": pd.array(np.where(is_renting, remarks[panel["h"]], None), dtype="boolean"),
    }).sort_values(["year", "household_id"], ignore_index=True)

    dwellings_t = panel[["dwelling_id", "year"]].drop_duplicates().merge(dwell_static, on="dwelling_id")
    dwellings_t = dwellings_t.assign(municipality=MUNICIPALITY, area_id=np.array(area_ids, dtype=object)[dwellings_t["area"]])
    dwellings_t = dwellings_t[["dwelling_id", "year", "municipality", "area_id", "rooms", "floor_m2", "damp_or_rot",
                               "too_little_daylight", "garden_or_balcony", "outside_noise", "playground_distance_m",
                               "unsafe_neighbourhood", "safe_traffic"]].sort_values(["year", "dwelling_id"], ignore_index=True)

    persons_t = _persons(mem_year, households_t, hh_ids, in_work, panel)
    areas_t = pd.DataFrame({"area_id": area_ids, "name": [a[0] for a in AREAS], "municipality": MUNICIPALITY,
                            "region": REGION, "kind": "neighbourhood"})
    pop = households_t.groupby("year")["persons"].sum()
    return {
        "areas": areas_t,
        "persons": persons_t,
        "dwellings": dwellings_t,
        "households": households_t,
        "housing_applications": _applications(rng, households_t, yrs),
        "start_loans": _start_loans(rng, pop, yrs),
        "instrument_use": _instrument_use(rng, households_t, yrs),
        "settlement_requests": pd.DataFrame({"municipality": MUNICIPALITY, "year": yrs,
                                             "requested": rng.integers(20, 45, len(yrs)),
                                             "agreed": rng.integers(15, 40, len(yrs)),
                                             "settled": rng.integers(10, 35, len(yrs))}),
        "housing_market": _market(rng, area_ids, yrs),
        "social_housing_stock": _stock(households_t, area_ids),
    }


def _persons(mem_year, households_t, hh_ids, in_work, panel) -> pd.DataFrame:
    """One row per member and year, consistent with the households (derivable from it)."""
    hh = households_t.set_index(["household_id", "year"])
    m = mem_year.assign(household_id=hh_ids[mem_year["h"]])
    m = m.sort_values(["h", "year", "k"])
    work = pd.Series(in_work, index=pd.MultiIndex.from_arrays([hh_ids[panel["h"]], panel["year"]]))
    m["rank_adult"] = m.groupby(["h", "year"])["age"].rank(method="first", ascending=False)
    key = pd.MultiIndex.from_arrays([m["household_id"], m["year"]])
    adult = m["age"].to_numpy() >= 18
    working = adult & (m["rank_adult"].to_numpy() <= work.reindex(key).to_numpy())
    labour = np.where(~adult, "child", np.where(working, "employed", "outside_labour_force"))
    info = hh.reindex(key)
    return pd.DataFrame({
        "person_id": [f"P{h:05d}-{k}" for h, k in zip(m["h"], m["k"])], "year": m["year"].to_numpy().astype(int),
        "municipality": MUNICIPALITY, "area_id": info["area_id"].to_numpy(), "age": m["age"].to_numpy().astype(int),
        "origin": "native", "household_id": m["household_id"].to_numpy(),
        "household_size": info["persons"].to_numpy().astype(int), "labour_status": labour,
        "household_disposable_income": info["income_after_tax"].to_numpy(),
        "tenure": info["tenure"].to_numpy(), "rooms": info["rooms"].to_numpy().astype(int),
        "dwelling_m2": info["floor_m2"].to_numpy(),
    }).sort_values(["year", "person_id"], ignore_index=True)


def _applications(rng, households_t, yrs) -> pd.DataFrame:
    rows = []
    renters = households_t[households_t["tenure"].isin(["private_rent", "municipal_rent"])]
    for t, year in enumerate(yrs):
        pool = renters[renters["year"] == year]
        k = max(5, int(round(len(pool) * 0.08)))
        pick = pool.sample(n=min(k, len(pool)), random_state=int(rng.integers(0, 2**31)))
        assessed = rng.random(len(pick)) < 0.62 + 0.08 * t
        outcome = np.where(assessed & (rng.random(len(pick)) < 0.15), "start_loan",
                           rng.choice(["allocated", "rejected", "withdrawn", "pending"], size=len(pick), p=[0.55, 0.25, 0.1, 0.1]))
        day = rng.integers(0, 365, len(pick))
        dates = (pd.Timestamp(f"{year}-01-01") + pd.to_timedelta(day, unit="D")).strftime("%Y-%m-%d")
        rows.append(pd.DataFrame({"application_id": [f"S{year}-{i:04d}" for i in range(len(pick))], "date": dates,
                                  "year": year, "municipality": MUNICIPALITY, "household_id": pick["household_id"].to_numpy(),
                                  "area_id": pick["area_id"].to_numpy(), "assessed_for_start_loan": assessed,
                                  "outcome": outcome}))
    return pd.concat(rows, ignore_index=True)


def _start_loans(rng, pop, yrs) -> pd.DataFrame:
    rows = []
    for year in yrs:
        p = float(pop.loc[year])
        for scheme, rate, grant in (("start_loan", 0.0045, 0.6), ("establishment_grant", 0.0009, 0.7),
                                    ("adaptation_grant", 0.0004, 0.8)):
            apps = int(rng.poisson(p * rate))
            granted = int(rng.binomial(apps, grant))
            amount = granted * (2_600_000 if scheme == "start_loan" else 150_000)
            rows.append({"municipality": MUNICIPALITY, "year": year, "scheme": scheme, "applications": apps,
                         "granted": granted, "amount_nok": float(amount),
                         "to_families_with_children": int(granted * 0.5), "from_municipal_rent": int(granted * 0.2)})
    return pd.DataFrame(rows)


def _instrument_use(rng, households_t, yrs) -> pd.DataFrame:
    rows = []
    for year in yrs:
        hy = households_t[households_t["year"] == year]
        rows += [
            {"municipality": MUNICIPALITY, "year": year, "instrument": "housing_allowance",
             "households": int(hy["housing_allowance"].sum()), "amount_nok": float(hy["housing_allowance"].sum() * 2_400 * 12)},
            {"municipality": MUNICIPALITY, "year": year, "instrument": "deposit",
             "households": int(rng.integers(10, 40)), "amount_nok": None},
            {"municipality": MUNICIPALITY, "year": year, "instrument": "basic_loan",
             "households": None, "amount_nok": float(rng.integers(5, 40) * 1_000_000)},
        ]
    return pd.DataFrame(rows)


def _market(rng, area_ids, yrs) -> pd.DataFrame:
    rows = []
    for (aid, spec) in zip(area_ids, AREAS):
        for t, year in enumerate(yrs):
            for rooms, f in PRICE_BY_ROOMS.items():
                price = spec[5] * f * (1.03 ** t) * rng.uniform(0.97, 1.03)
                rows.append({"unit_id": aid, "unit_kind": "area", "year": year, "rooms": rooms,
                             "price": round(price, -4), "rent_month": round(price * 0.0042, -2),
                             "new_dwellings": int(rng.poisson(3 * f))})
    for t, year in enumerate(yrs):
        for rooms, f in PRICE_BY_ROOMS.items():
            rows.append({"unit_id": MUNICIPALITY, "unit_kind": "municipality", "year": year, "rooms": rooms,
                         "price": round(3_600_000 * f * (1.03 ** t), -4), "rent_month": round(3_600_000 * f * 0.0042, -2),
                         "new_dwellings": int(rng.poisson(30 * f))})
    return pd.DataFrame(rows)


def _stock(households_t, area_ids) -> pd.DataFrame:
    """The municipal rental stock per area: the dwellings municipal tenants live in, by size."""
    last = households_t[(households_t["year"] == households_t["year"].max()) & (households_t["tenure"] == "municipal_rent")]
    rows = []
    for k, aid in enumerate(area_ids):
        sub = last[last["area_id"] == aid]
        if sub.empty:
            continue
        r = sub["rooms"].clip(upper=5)
        counts = {f"rooms_{i}": int((r == i).sum()) for i in range(1, 5)} | {"rooms_5_plus": int((r >= 5).sum())}
        total = sum(counts.values())
        rows.append({"department_id": f"K{k + 1:02d}", "name": f"Kommunale boliger {aid}",
                     "organisation": "Demodal kommune" if k % 3 else "Demodal boligstiftelse", "area_id": aid,
                     "municipality": MUNICIPALITY, "kind": "municipal", "addresses": max(1, total // 8), **counts,
                     "allocation_right": 1.0, "representation_eligible": total > 6,
                     "representation": total > 6 and k % 2 == 0})
    return pd.DataFrame(rows)
