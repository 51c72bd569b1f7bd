"""Protected versions of kvarter's standard tables, and writing them out.

Every table that leaves the program — the report, the workbook, the CSV and
Parquet files, the command line's tables — is built here or in the job
through :func:`kvarter.disclosure.protect`. The command-line commands use the
same functions as the main job, so a figure is protected the same way
whichever door it leaves by.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import pandas as pd

from kvarter.disclosure import Protected, ensure_protected, protect
from kvarter.errors import InputError


def criteria_table(result: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per rule set, area in the population (or designated) and criterion, for ``year``.

    Columns ``ruleset, area_id, name, criterion, value, threshold, met,
    margin, residents, numerator, denominator``; the numerator and
    denominator are those of the criterion's indicator (persons behind the
    value) when known.

    >>> from kvarter.screening.run import run_screening
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2024], "residents": [2400],
    ...     "outside_labour_education_share": [0.43], "convicted_ratio_to_national": [3.1],
    ...     "basic_education_share": [0.52], "income_ratio_to_region": [0.54], "non_western_share": [0.62]})
    >>> run = run_screening(["dk-2024"], 2024, values=user)
    >>> crit = criteria_table(run.results["dk-2024"], 2024)
    >>> crit[["criterion", "value", "threshold", "met"]].head(3).to_dict("records")
    [{'criterion': 'employment', 'value': 0.43, 'threshold': 0.4, 'met': True}, {'criterion': 'crime', 'value': 3.1, 'threshold': 3.0, 'met': True}, {'criterion': 'education', 'value': 0.52, 'threshold': 0.6, 'met': False}]
    """
    rows = result[(result["year"] == year)]
    lists = [c[: -len("_rule")] for c in rows.columns if c.endswith("_rule")]
    on_list = rows[[c for c in lists if c in rows.columns]].fillna(False).astype(bool).any(axis=1) if lists else False
    rows = rows[rows["in_population"].fillna(False).astype(bool) | on_list]
    parts = []
    for rs, part in rows.groupby("ruleset", sort=False):
        crits = [c[: -len("_met")] for c in part.columns if c.endswith("_met") and part[c].notna().any()]
        for cid in crits:
            parts.append(pd.DataFrame({
                "ruleset": rs, "area_id": part["area_id"].astype(str), "name": part["name"], "criterion": cid,
                "value": part[f"{cid}_value"].astype(float), "threshold": part[f"{cid}_threshold"].astype(float),
                "met": part[f"{cid}_met"].fillna(False).astype(bool), "margin": part[f"{cid}_margin"].astype(float),
                "residents": part.get("residents", pd.Series(float("nan"), index=part.index)).astype(float),
                "numerator": part.get(f"{cid}_numerator", pd.Series(float("nan"), index=part.index)).astype(float),
                "denominator": part.get(f"{cid}_denominator", pd.Series(float("nan"), index=part.index)).astype(float),
            }))
    cols = ["ruleset", "area_id", "name", "criterion", "value", "threshold", "met", "margin", "residents",
            "numerator", "denominator"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def _persons_behind(t: pd.DataFrame) -> pd.Series:
    """Persons behind a criterion value: its indicator's denominator when
    known, else the area's residents (a user's table of published values)."""
    return t["denominator"].where(t["denominator"].notna(), t["residents"]).fillna(0)


def protect_criteria(result: pd.DataFrame, year: int, policy, *, dominance: pd.DataFrame | None = None,
                     hidden: set | None = None, areas: pd.DataFrame | None = None) -> Protected:
    """Criterion values per area for ``year``, protected; an income criterion
    (a ratio of mean incomes) also against the dominance rule of its sum.

    ``hidden`` holds the cells suppressed in the published indicator table
    (:func:`kvarter.report.links.hidden_cells`): a criterion resting on one of
    them is suppressed too (``linked``), so the two tables cannot be played
    against each other.

    >>> from kvarter.screening.run import run_screening
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2024], "residents": [2400],
    ...     "outside_labour_education_share": [0.43], "convicted_ratio_to_national": [3.1],
    ...     "basic_education_share": [0.52], "income_ratio_to_region": [0.54], "non_western_share": [0.62]})
    >>> run = run_screening(["dk-2024"], 2024, values=user)
    >>> from kvarter.disclosure import DisclosurePolicy
    >>> f = protect_criteria(run.results["dk-2024"], 2024, DisclosurePolicy()).frame
    >>> len(f), set(f["value_status"]), float(f["persons"].iloc[0])
    (10, {'published'}, 2400.0)
    >>> f = protect_criteria(run.results["dk-2024"], 2024, DisclosurePolicy(min_count=3000)).frame
    >>> set(f["value_status"]), bool(f["value"].isna().all())
    ({'primary'}, True)
    """
    crit = criteria_table(result, year)
    crit["persons"] = _persons_behind(crit)
    crit = with_share_numerator(crit)
    crit["dominance"] = float("nan")
    crit["linked"] = False
    if hidden and len(crit):
        from kvarter.indicators import load_catalogue
        from kvarter.report.links import any_hidden, criterion_cells
        from kvarter.screening import load_ruleset

        cat = load_catalogue()
        defs = {(rs, cid): c for rs in crit["ruleset"].unique() for cid, c in load_ruleset(rs).criteria.items()}
        crit["linked"] = [
            (rs, cid) in defs and any_hidden(
                criterion_cells(defs[(rs, cid)].indicator, a, year, areas, cat, defs[(rs, cid)].relative_to), hidden)
            for rs, cid, a in zip(crit["ruleset"], crit["criterion"], crit["area_id"])
        ]
    if dominance is not None and not dominance.empty and len(crit):
        from kvarter.indicators.dominance import sum_base
        from kvarter.screening import load_ruleset

        base = {}
        for rs in crit["ruleset"].unique():
            for cid, c in load_ruleset(rs).criteria.items():
                try:
                    base[(rs, cid)] = sum_base(c.indicator)
                except KeyError:  # an indicator outside the built-in catalogue
                    base[(rs, cid)] = None
        crit["indicator"] = [base.get((r, c)) for r, c in zip(crit["ruleset"], crit["criterion"])]
        d = dominance[(dominance["level"] == "area") & (dominance["year"] == year)].astype({"unit_id": str})
        d = d.assign(share=d["top_sum"] / d["total_abs"].where(d["total_abs"] > 0))
        share = dict(zip(zip(d["indicator"], d["unit_id"]), d["share"]))
        crit["dominance"] = [share.get((i, a), float("nan")) if i else float("nan")
                             for i, a in zip(crit["indicator"], crit["area_id"])]
        crit = crit.drop(columns=["indicator"])
    crit = crit.drop(columns=["numerator", "residents"])
    return protect(crit, policy, key=["ruleset", "area_id", "name", "criterion"],
                   value_columns=["value", "threshold", "met", "margin"], count_column="persons",
                   numerator_column="share_numerator", denominator_column="denominator",
                   dominance_column="dominance", linked_column="linked", name="criteria")


def protect_history(long: pd.DataFrame, residents: pd.DataFrame, policy, *, hidden: set | None = None) -> Protected:
    """The list history of every area ever designated, with its residents;
    a year whose resident count is hidden in the indicator table is linked.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> long = pd.DataFrame({"ruleset": "dk-2024", "list": "udsat_boligomraade", "area_id": ["a", "a", "b", "b"],
    ...     "name": ["A", "A", "B", "B"], "year": [2023, 2024] * 2, "designated": [False, True, False, False],
    ...     "change": ["not listed", "listed", "not listed", "not listed"]})
    >>> residents = pd.DataFrame({"area_id": ["a", "a"], "year": [2023, 2024], "residents": [1200, 1250]})
    >>> h = protect_history(long, residents, DisclosurePolicy()).frame
    >>> h[["area_id", "year", "designated", "residents"]].to_dict("records")
    [{'area_id': 'a', 'year': 2023, 'designated': False, 'residents': 1200}, {'area_id': 'a', 'year': 2024, 'designated': True, 'residents': 1250}]
    """
    ever = set(long.loc[long["designated"].astype(bool), "area_id"].astype(str))
    long = long[long["area_id"].astype(str).isin(ever)]
    h = long.merge(residents, on=["area_id", "year"], how="left")
    h["residents"] = h["residents"].fillna(0)
    hidden = hidden or set()
    h["linked"] = [("residents", "area", str(a), int(y)) in hidden for a, y in zip(h["area_id"], h["year"])]
    h = h[["ruleset", "list", "area_id", "name", "year", "designated", "change", "residents", "linked"]]
    return protect(h, policy, key=["ruleset", "list", "area_id", "name", "year"],
                   value_columns=["designated", "change"], count_column="residents", linked_column="linked",
                   name="history")


def with_share_numerator(t: pd.DataFrame) -> pd.DataFrame:
    """Add ``share_numerator``: the numerator where it counts persons among the
    denominator (a share), so the small-numerator and complement rules apply;
    empty for sums and rates whose numerator is not a subset of persons.

    >>> t = pd.DataFrame({"numerator": [3.0, 900.0], "denominator": [10.0, 10.0]})
    >>> with_share_numerator(t)["share_numerator"].tolist()
    [3.0, nan]
    """
    t = t.copy()
    share = t["denominator"].notna() & (t["numerator"] >= 0) & (t["numerator"] <= t["denominator"])
    t["share_numerator"] = t["numerator"].where(share)
    return t


def is_derived_indicator(indicator_id: str, catalogue=None) -> bool:
    """True for pooled (``_2y``, ``_4y``) and ratio (``_ratio_to_*``) variants.

    Their numerators overlap their base indicator's across years and levels,
    so publishing both would let differences reveal suppressed cells; the
    published indicator table carries the base indicators, and the derived
    values reach readers through the protected screening tables.

    >>> is_derived_indicator("convicted_share_2y"), is_derived_indicator("convicted_share")
    (True, False)
    """
    from kvarter.indicators import load_catalogue

    try:
        ind = (catalogue if catalogue is not None else load_catalogue())[indicator_id]
    except KeyError:  # a user's own indicator: read its id the way the built-in variants are named
        return "_ratio_to_" in indicator_id or indicator_id.endswith(("_2y", "_3y", "_4y", "_5y"))
    return ind.years > 1 or ind.reference is not None


def indicator_relations(table: pd.DataFrame, areas: pd.DataFrame | None) -> list:
    """The additive structure of an indicator table, per indicator and year.

    Leaf areas add up to their municipality, the areas inside a parent area to
    the parent, municipalities to their region and regions to the country —
    for the persons and the numerators alike. Keys are ``(indicator, level,
    unit_id, year)``.

    >>> t = pd.DataFrame({"indicator": ["r"] * 3, "level": ["area", "area", "municipality"],
    ...     "unit_id": ["A", "B", "K"], "year": [2024] * 3})
    >>> areas = pd.DataFrame({"area_id": ["A", "B"], "municipality": ["K", "K"], "region": ["R", "R"],
    ...     "parent_area": [None, None]})
    >>> [(r.total, r.parts) for r in indicator_relations(t, areas)]
    [(('r', 'municipality', 'K', 2024), (('r', 'area', 'A', 2024), ('r', 'area', 'B', 2024)))]
    """
    from kvarter.disclosure import partition

    if areas is None or areas.empty or not {"area_id", "municipality"} <= set(areas.columns):
        return []
    keys = set(zip(table["indicator"], table["level"], table["unit_id"].astype(str), table["year"]))
    areas = areas.astype({"area_id": str})
    parent = areas["parent_area"] if "parent_area" in areas else pd.Series(None, index=areas.index)
    parents = set(parent.dropna().astype(str))
    leaves = areas[~areas["area_id"].isin(parents)]
    groups: list[tuple[str, str, str, list[tuple[str, str]]]] = []
    for m, part in leaves.groupby("municipality"):
        groups.append((str(m), "municipality", str(m), [("area", a) for a in part["area_id"]]))
    for p_, part in areas[parent.notna()].groupby(parent[parent.notna()].astype(str)):
        groups.append((str(p_), "area", str(p_), [("area", a) for a in part["area_id"]]))
    if "region" in areas.columns and areas["region"].notna().all():
        for r, part in areas.groupby("region"):
            groups.append((str(r), "region", str(r), [("municipality", str(m)) for m in part["municipality"].unique()]))
        groups.append(("country", "country", "country", [("region", str(r)) for r in areas["region"].unique()]))
    else:  # no regions: the municipalities make up the country
        groups.append(("country", "country", "country", [("municipality", str(m)) for m in areas["municipality"].unique()]))
    rels = []
    for (ind, year), _ in table.groupby(["indicator", "year"], sort=False):
        for name, level, unit, members in groups:
            total = (ind, level, unit, year)
            parts = [(ind, lv, u, year) for lv, u in members if (ind, lv, u, year) in keys]
            if parts and total in keys:
                rels.append(partition(f"{ind} {name} {year}", total, parts))
    return rels


def with_dominance(t: pd.DataFrame, dominance: pd.DataFrame | None, keys: list[str]) -> pd.DataFrame:
    """Add ``dominance`` (the top contributors' share of a sum, from
    :func:`kvarter.indicators.top_contributions`) and ``sum_value`` (the
    numerator, for rows whose indicator sums a field) on ``keys``.

    >>> t = pd.DataFrame({"indicator": ["inc", "share"], "unit_id": ["A", "A"], "numerator": [900.0, 3.0]})
    >>> d = pd.DataFrame({"indicator": ["inc"], "unit_id": ["A"], "top_sum": [850.0], "total_abs": [900.0]})
    >>> with_dominance(t, d, ["indicator", "unit_id"])[["dominance", "sum_value"]].round(3).to_dict("list")
    {'dominance': [0.944, nan], 'sum_value': [900.0, nan]}
    """
    t = t.copy()
    if dominance is None or dominance.empty:
        t["dominance"], t["sum_value"] = float("nan"), float("nan")
        return t
    d = dominance.copy()
    d["dominance"] = d["top_sum"] / d["total_abs"].where(d["total_abs"] > 0)
    d = d[keys + ["dominance"]].astype({k: t[k].dtype for k in keys if k in t.columns and k != "year"})
    t = t.merge(d, on=keys, how="left")
    t["sum_value"] = t["numerator"].where(t["dominance"].notna()).abs()
    return t


def protect_store_indicators(store, ind: pd.DataFrame, policy, *, years=None) -> tuple[Protected, pd.DataFrame | None]:
    """The store's indicator table protected with its geography and the
    dominance rule (top contributions read from the store's persons); returns
    the protected table and the contributions (None without persons).

    >>> from kvarter.store import Store
    >>> from kvarter.disclosure import DisclosurePolicy
    >>> ind = pd.DataFrame({"indicator": "non_western_share", "level": ["area", "area", "municipality"],
    ...     "unit_id": ["A1", "A2", "K"], "year": 2020, "value": [0.2, 0.4, 1 / 3],
    ...     "numerator": [2.0, 8.0, 10.0], "denominator": [10.0, 20.0, 30.0], "persons": [10, 20, 30]})
    >>> p, dominance = protect_store_indicators(Store(":memory:"), ind, DisclosurePolicy())
    >>> p.frame["value_status"].tolist(), dominance is None
    (['primary', 'published', 'published'], True)
    """
    areas = store.read("areas") if store.has_table("areas") else None
    dominance = None
    if store.has_table("persons"):
        from kvarter.indicators import top_contributions

        a = store.table("areas") if store.has_table("areas") else None
        dominance = top_contributions(store.table("persons"), a, n=policy.dominance_n)
    return protect_indicators(ind, policy, areas=areas, years=years, dominance=dominance), dominance


#: Indicators whose numerators split one population into categories (they
#: add up to the shared denominator; ``singles_share`` is the sum of two of
#: them): a lone hidden category would be the total minus the others.
CATEGORY_GROUPS: tuple[tuple[str, ...], ...] = (
    ("employed_share_18_64", "unemployed_share_18_64", "outside_labour_force_share_18_64"),
    ("household_single_no_children_share", "household_single_with_children_share",
     "household_couple_no_children_share", "household_couple_with_children_share", "household_other_share",
     "singles_share"),
    ("education_basic_share_15_64", "education_upper_secondary_share_15_64", "education_vocational_share_15_64",
     "education_short_tertiary_share_15_64", "education_medium_tertiary_share_15_64",
     "education_long_tertiary_share_15_64"),
)


def sibling_links(frame: pd.DataFrame, population: dict[str, str]) -> pd.Series:
    """Rows to suppress because a sibling is hidden in a protected indicator ``frame``.

    Siblings share a unit and year: indicators counting the same persons
    (``population`` maps indicator → population key) share a hidden count,
    and the categories of :data:`CATEGORY_GROUPS` share a hidden value.

    >>> f = pd.DataFrame({"indicator": ["employed_share_18_64", "unemployed_share_18_64", "residents"],
    ...     "level": "area", "unit_id": "A", "year": 2024,
    ...     "value_status": ["published", "primary", "published"], "persons_status": "published"})
    >>> sibling_links(f, {}).tolist()
    [True, True, False]
    """
    group_of = {i: k for k, g in enumerate(CATEGORY_GROUPS) for i in g}
    where = list(zip(frame["level"], frame["unit_id"].astype(str), frame["year"]))
    value_hidden = frame["value_status"].isin(HIDDEN_STATUSES).to_numpy()
    count_hidden = frame["persons_status"].isin(HIDDEN_STATUSES).to_numpy() if "persons_status" in frame else value_hidden
    by_category, by_population = set(), set()
    for ind, w, vh, ch in zip(frame["indicator"], where, value_hidden, count_hidden):
        if (vh or ch) and ind in group_of:
            by_category.add((group_of[ind], w))
        if ch and ind in population:
            by_population.add((population[ind], w))
    return pd.Series([
        (ind in group_of and (group_of[ind], w) in by_category)
        or (ind in population and (population[ind], w) in by_population)
        for ind, w in zip(frame["indicator"], where)
    ], index=frame.index)


HIDDEN_STATUSES = ("primary", "secondary")


def protect_indicators(ind: pd.DataFrame, policy, *, areas: pd.DataFrame | None = None, years=None,
                       dominance: pd.DataFrame | None = None) -> Protected:
    """The base indicators (see :func:`is_derived_indicator`) for ``years`` (default: all),
    protected with the geographic relations of :func:`indicator_relations`; sums
    (incomes, charges) also against the dominance rule when ``dominance`` (the
    output of :func:`kvarter.indicators.top_contributions`) is given.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> ind = pd.DataFrame({"indicator": "non_western_share", "level": ["area", "area", "municipality"],
    ...     "unit_id": ["A1", "A2", "K"], "year": 2020, "value": [0.2, 0.4, 1 / 3],
    ...     "numerator": [2.0, 8.0, 10.0], "denominator": [10.0, 20.0, 30.0], "persons": [10, 20, 30]})
    >>> areas = pd.DataFrame({"area_id": ["A1", "A2"], "municipality": ["K", "K"], "region": ["R", "R"]})
    >>> # A1 has 2 persons in its numerator; A2 goes too, or K - A2 would give A1 back.
    >>> protect_indicators(ind, DisclosurePolicy(), areas=areas).frame["value_status"].tolist()
    ['primary', 'secondary', 'published']
    """
    from kvarter.indicators import load_catalogue

    cat = load_catalogue()
    derived = {i for i in ind["indicator"].unique() if is_derived_indicator(i, cat)}
    t = ind[~ind["indicator"].isin(derived)]
    if (areas is None or "municipality" not in areas.columns) and "municipality" in ind.columns:
        # Without an areas table, the indicator rows themselves say which
        # municipality each area belongs to.
        rows = ind[ind["level"] == "area"][["unit_id", "municipality"]].drop_duplicates("unit_id")
        areas = rows.rename(columns={"unit_id": "area_id"})
    if years is not None:
        t = t[t["year"].isin(list(years))]
    t = with_share_numerator(t).astype({"unit_id": str})
    t = with_dominance(t, dominance.astype({"unit_id": str}) if dominance is not None else None,
                       ["indicator", "level", "unit_id", "year"])
    t = t[["indicator", "level", "unit_id", "year", "value", "persons", "share_numerator", "denominator",
           "dominance", "sum_value"]].reset_index(drop=True)
    population = _population_keys(t["indicator"].unique())
    relations = indicator_relations(t, areas)
    t["linked"] = False
    # Suppression spreads to siblings (same persons, or categories of one
    # total), which can need new complements along the geography: repeat to
    # a fixed point (it only ever adds suppressions, so it ends).
    for _ in range(10):
        p = protect(t, policy, key=["indicator", "level", "unit_id", "year"], value_columns=["value"],
                    count_column="persons", numerator_column="share_numerator", denominator_column="denominator",
                    dominance_column="dominance", sum_column="sum_value", linked_column="linked",
                    relations=relations, name="indicators")
        spread = sibling_links(p.frame, population).to_numpy()
        # A row already hidden in value may still show its count: link it too.
        hidden = (p.frame["value_status"].isin(HIDDEN_STATUSES)
                  & p.frame["persons_status"].isin(HIDDEN_STATUSES)).to_numpy()
        new = spread & ~hidden & ~t["linked"].to_numpy()
        if not new.any():
            return p
        t["linked"] = t["linked"].to_numpy() | new
    return p


def _population_keys(ids) -> dict[str, str]:
    from kvarter.indicators import load_catalogue

    cat = load_catalogue()
    out = {}
    for i in ids:
        try:
            out[i] = cat.population_key(i)
        except KeyError:  # an indicator from a user's own catalogue
            continue
    return out


def protect_screening(run, year: int, policy, *, hidden: set | None = None, areas: pd.DataFrame | None = None,
                      dominance: pd.DataFrame | None = None) -> dict[str, Protected]:
    """The tables of a screening run (:func:`kvarter.screening.run.run_screening`), protected.

    ``criteria`` (value, threshold, met, margin per area and criterion),
    ``what_if`` (the change that would take an area off a list),
    ``designations`` (list status with its history) and ``summary`` (the lists
    each area is on). The persons behind an area's row are its criterion's
    population where known, else its residents.

    >>> from kvarter.screening.run import run_screening
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2024], "residents": [2400],
    ...     "outside_labour_education_share": [0.43], "convicted_ratio_to_national": [3.1],
    ...     "basic_education_share": [0.52], "income_ratio_to_region": [0.54], "non_western_share": [0.62]})
    >>> run = run_screening(["dk-2024"], 2024, values=user)
    >>> from kvarter.disclosure import DisclosurePolicy
    >>> tables = protect_screening(run, 2024, DisclosurePolicy())
    >>> sorted(tables), tables["designations"].frame["designated"].tolist()
    (['criteria', 'designations', 'summary', 'what_if'], [True, True, False, True])
    """
    results = pd.concat(list(run.results.values()), ignore_index=True)
    crit = criteria_table(results, year)
    persons = crit.assign(persons=_persons_behind(crit))[["ruleset", "area_id", "criterion", "persons"]]
    residents = results[["area_id", "year", "residents"]].drop_duplicates(["area_id", "year"]).astype({"area_id": str})
    out = {"criteria": protect_criteria(results, year, policy, dominance=dominance, hidden=hidden, areas=areas)}
    # "What would it take" restates a criterion's value and counts: it goes
    # wherever the criterion goes.
    cf = out["criteria"].frame
    crit_hidden = {(r, a, c) for r, a, c, st in zip(cf["ruleset"], cf["area_id"].astype(str), cf["criterion"],
                                                    cf["value_status"]) if st in ("primary", "secondary")}
    w = run.what_if.astype({"area_id": str}).merge(persons, on=["ruleset", "area_id", "criterion"], how="left")
    w["persons"] = w["persons"].fillna(0)
    w["linked"] = [(r, a, c) in crit_hidden for r, a, c in zip(w["ruleset"], w["area_id"], w["criterion"])]
    wvals = [c for c in ("value", "threshold", "change_count", "new_value", "relative_change", "change", "sufficient")
             if c in w.columns]
    out["what_if"] = protect(w[["ruleset", "area_id", "name", "list", "criterion", *wvals, "persons", "linked"]],
                             policy, key=["ruleset", "area_id", "name", "list", "criterion"], value_columns=wvals,
                             count_column="persons", linked_column="linked", name="what would it take")
    d = run.designations.astype({"area_id": str}).merge(residents, on=["area_id", "year"], how="left")
    d["residents"] = d["residents"].fillna(0)
    hidden = hidden or set()
    d["linked"] = [("residents", "area", str(a), int(y)) in hidden for a, y in zip(d["area_id"], d["year"])]
    out["designations"] = protect(
        d[["ruleset", "year", "area_id", "name", "list", "designated", "change", "rule", "residents", "linked"]],
        policy, key=["ruleset", "year", "area_id", "name", "list"], value_columns=["designated", "change", "rule"],
        count_column="residents", linked_column="linked", name="designations")
    sm = run.summary.astype({"area_id": str}).merge(residents[residents["year"] == year][["area_id", "residents"]],
                                                    on="area_id", how="left")
    sm["residents"] = sm["residents"].fillna(0)
    lists = [c for c in run.summary.columns if c not in ("area_id", "name", "municipality")]
    out["summary"] = protect(sm, policy, key=["area_id", "name", "municipality"], value_columns=lists,
                             count_column="residents", name="screening summary")
    return out


# ------------------------------------------------------------------ segregation


def protect_segregation(analysis, policy, label_of: str) -> dict[str, Protected]:
    """The tables of a segregation analysis, protected and named ``<label_of>_<table>``.

    The persons behind a result are the smaller group of the pair (the
    numerator an intruder could pull out of the index); Table 1's smallest
    group share times the pupils must pass the minimum like any numerator.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.segregation import analyse_segregation
    >>> from kvarter.segregation.groups import ThemeSet
    >>> ts = ThemeSet.model_validate({"kind": "segregation_themes", "version": 1, "source": "doctest",
    ...     "themes": [{"name": "origin", "field": "origin", "pairs": [["native", "western"]],
    ...                 "groups": {"native": {"values": ["native"]}, "western": {"values": ["western"]}}}]})
    >>> c = pd.DataFrame({"municipality": "M", "year": 2020, "unit": ["s1"] * 3 + ["s2"] * 3,
    ...                   "group": ["native", "western", "total"] * 2, "n": [40, 10, 50, 10, 40, 50]})
    >>> analysis = analyse_segregation(c, themes=ts, indices=("dissimilarity",), permutations=0, bootstrap=0,
    ...                                min_unit_size=0, min_municipality_size=0)
    >>> tables = protect_segregation(analysis, DisclosurePolicy(), "school")
    >>> sorted(tables)
    ['school_results', 'school_table1', 'school_trends', 'school_trends_d']
    >>> f = tables["school_results"].frame
    >>> f["minority"].tolist(), f["estimate_status"].tolist(), round(float(f["estimate"][0]), 6)
    ([50.0], ['published'], 0.6)
    """
    res = analysis.results.copy()
    out: dict[str, Protected] = {}
    size = [c for c in ("n_total", "pupils", "n") if c in res.columns]
    if "n_a" in res.columns and "n_b" in res.columns:
        res["persons"] = res["n_a"] + res["n_b"]
        res["minority"] = res[["n_a", "n_b"]].min(axis=1)
    elif size:
        res["persons"] = res[size[0]]
        res["minority"] = res["persons"]
    else:
        raise InputError("segregation results carry no group sizes; cannot apply disclosure control")
    keys = [c for c in ("municipality", "year", "pair", "index") if c in res.columns]
    values = [c for c in ("estimate", "bias_corrected", "low", "high", "p_value", "class") if c in res.columns]
    out[f"{label_of}_results"] = protect(res[keys + values + ["persons", "minority"]], policy, key=keys,
                                         value_columns=values, count_column="minority",
                                         name=f"{label_of} segregation")
    t1 = analysis.table1.copy()
    pupils_col = next((c for c in t1.columns if "pupil" in c or c == "persons"), None)
    if pupils_col is not None and len(t1):
        t1["persons"] = t1[pupils_col]
        vals = [c for c in t1.columns if c not in ("municipality", "persons")]
        # A group share times the pupils is a count of pupils: the smallest
        # group must pass the minimum like any numerator.
        shares = [c for c in t1.columns if c.startswith("share_")]
        t1["smallest_group"] = (t1[shares].min(axis=1) * t1["persons"]).round() if shares else float("nan")
        out[f"{label_of}_table1"] = protect(t1, policy, key=["municipality"], value_columns=vals,
                                            count_column="persons", numerator_column="smallest_group",
                                            name=f"{label_of} table 1")
    tr = analysis.trends.copy()
    if len(tr):
        tkeys = [c for c in ("municipality", "pair", "index") if c in tr.columns]
        tvals = [c for c in tr.columns if c not in tkeys]
        sizes = res.groupby([k for k in tkeys if k in res.columns])["minority"].min().rename("persons").reset_index()
        tr = tr.merge(sizes, on=[k for k in tkeys if k in sizes.columns], how="left").fillna({"persons": 0})
        tvals = [c for c in tvals if c != "persons"]
        out[f"{label_of}_trends"] = protect(tr, policy, key=tkeys, value_columns=tvals,
                                            count_column="persons", name=f"{label_of} trends")
        # The report shows the lead measure's trend; the file keeps every index.
        d = tr[tr["index"] == "dissimilarity"] if "index" in tr.columns else tr
        out[f"{label_of}_trends_d"] = protect(d, policy, key=tkeys, value_columns=tvals, count_column="persons",
                                              name=f"{label_of} trends of D")
    return out


def write_tables(tables: Mapping[str, Protected], out_dir: str | Path) -> dict[str, Path]:
    """Write each protected table as ``<name>.csv`` and ``<name>.parquet`` (with
    status columns and a ``.disclosure.json`` sidecar); return the CSV paths.

    >>> write_tables({"x": pd.DataFrame()}, "/tmp")
    Traceback (most recent call last):
    ...
    kvarter.errors.DisclosureError: ...
    """
    out = Path(out_dir)
    checked = {name: ensure_protected(p, f"table file {name}") for name, p in tables.items()}
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, p in checked.items():
        p.to_csv(out / f"{name}.csv")
        p.to_parquet(out / f"{name}.parquet")
        paths[name] = out / f"{name}.csv"
    return paths


def publish_segregation(analysis, policy, out_dir: str | Path, *, charts: bool = True) -> dict[str, Path]:
    """Write a segregation analysis through disclosure control.

    Tables (CSV + Parquet): the long results, Table 1, trends, index
    correlations and the units and municipalities the filters dropped (a
    dropped school's size is a count of pupils, so it is protected too); with
    ``charts`` one heat-map per pair (``heatmap_<pair>.png``/``.svg``) drawn
    from the published estimates, suppressed cells left blank.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.segregation import analyse_segregation
    >>> from kvarter.segregation.groups import ThemeSet
    >>> ts = ThemeSet.model_validate({"kind": "segregation_themes", "version": 1, "source": "doctest",
    ...     "themes": [{"name": "origin", "field": "origin", "pairs": [["native", "western"]],
    ...                 "groups": {"native": {"values": ["native"]}, "western": {"values": ["western"]}}}]})
    >>> c = pd.DataFrame({"municipality": "M", "year": 2020, "unit": ["s1"] * 3 + ["s2"] * 3,
    ...                   "group": ["native", "western", "total"] * 2, "n": [40, 10, 50, 10, 40, 50]})
    >>> analysis = analyse_segregation(c, themes=ts, indices=("dissimilarity",), permutations=0, bootstrap=0,
    ...                                min_unit_size=0, min_municipality_size=0)
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = publish_segregation(analysis, DisclosurePolicy(), d, charts=False)
    ...     sorted(p.name for p in Path(d).iterdir() if p.suffix == ".csv")
    ['segregation_results.csv', 'segregation_table1.csv', 'segregation_trends.csv', 'segregation_trends_d.csv']
    >>> sorted(paths) == ['segregation_results', 'segregation_table1', 'segregation_trends', 'segregation_trends_d']
    True
    """
    from kvarter.segregation.charts import write_heatmaps

    tables = protect_segregation(analysis, policy, "segregation")
    corr = analysis.correlations.copy()
    if len(corr):
        pupils = analysis.results.groupby("year")[["n_a", "n_b"]].sum().sum(axis=1).rename("persons")
        corr = corr.merge(pupils.reset_index(), on="year", how="left").fillna({"persons": 0})
        ckeys = [c for c in ("year", "pair_1", "index_1", "pair_2", "index_2") if c in corr.columns]
        tables["segregation_correlations"] = protect(
            corr, policy, key=ckeys, value_columns=[c for c in corr.columns if c not in (*ckeys, "persons")],
            count_column="persons", name="index correlations")
    for what, df in (("units", analysis.dropped.units), ("municipalities", analysis.dropped.municipalities)):
        if len(df):
            keys = [c for c in ("municipality", "year", "unit") if c in df.columns]
            tables[f"segregation_dropped_{what}"] = protect(
                df, policy, key=keys, value_columns=[c for c in df.columns if c not in (*keys, "size")],
                count_column="size", name=f"dropped {what}")
    paths = write_tables(tables, out_dir)
    if charts:
        res = tables["segregation_results"].frame
        d = res[res["index"] == "dissimilarity"]
        order = list(analysis.table1.sort_values("persons", ascending=False)["municipality"]) \
            if "persons" in analysis.table1.columns else sorted(d["municipality"].unique())
        grids = {}
        for pair, g in d.groupby("pair", sort=False):
            wide = g.pivot_table(index="municipality", columns="year", values="estimate", dropna=False)
            grids[pair] = wide.reindex([m for m in order if m in wide.index])
        for p in write_heatmaps(grids, out_dir):
            paths[p.stem + p.suffix] = p
    return paths
