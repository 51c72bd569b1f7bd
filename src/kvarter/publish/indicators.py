"""The indicator table as published: base indicators protected with the
geographic relations, the dominance rule on sums, and the categories of one
total and indicators counting the same persons suppressed together.
"""

from __future__ import annotations

import pandas as pd

from kvarter.disclosure.status import SUPPRESSED
from kvarter.disclosure import Protected, protect


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


def subset_relations(table: pd.DataFrame, catalogue) -> list:
    """The catalogue's subsets as relations between rows of one unit and
    year: the ``part``'s persons and numerator lie inside the ``whole``'s,
    the difference an unpublished group (convicted 18+ inside convicted 15+,
    so a hidden 18+ count is not the published 15+ count minus anything
    published). Keys are ``(indicator, level, unit_id, year)``.

    >>> from kvarter.indicators import load_catalogue
    >>> t = pd.DataFrame({"indicator": ["convicted_share", "convicted_per_1000"], "level": "area",
    ...                   "unit_id": "A", "year": 2024})
    >>> [(r.total, r.parts, r.complete) for r in subset_relations(t, load_catalogue())]
    [(('convicted_per_1000', 'area', 'A', 2024), (('convicted_share', 'area', 'A', 2024),), False)]
    """
    from kvarter.disclosure import overlap

    keys = set(zip(table["indicator"], table["level"], table["unit_id"].astype(str), table["year"]))
    rels = []
    for s in catalogue.structure.subsets:
        for ind, level, unit, year in sorted(k for k in keys if k[0] == s.part):
            whole = (s.whole, level, unit, year)
            if whole in keys:
                rels.append(overlap(f"{s.part} within {s.whole} {unit} {year}", whole, [(ind, level, unit, year)]))
    return rels


def identity_relations(table: pd.DataFrame, catalogue) -> list:
    """The catalogue's identities (:class:`~kvarter.indicators.catalogue.Identity`)
    as persons-only relations between rows of one unit and year, wherever
    every member has a row: a hidden 15-64 count is then not the published
    18-64 + 15+ - 18+ counts. Keys are ``(indicator, level, unit_id, year)``.

    >>> from kvarter.indicators import load_catalogue
    >>> four = ["education_basic_share_15_64", "outside_labour_education_share", "charged_per_1000",
    ...         "convicted_share"]
    >>> t = pd.DataFrame({"indicator": four, "level": "area", "unit_id": "A", "year": 2024})
    >>> rels = identity_relations(t, load_catalogue())
    >>> [(r.total[0], [p[0] for p in r.parts], [m[0] for m in r.minus]) for r in rels]
    [('education_basic_share_15_64', ['outside_labour_education_share', 'charged_per_1000'], ['convicted_share'])]

    Where the counts are known, an identity that does not hold in them is left out:

    >>> len(identity_relations(t.assign(persons=[70, 60, 80, 70]), load_catalogue()))
    1
    >>> identity_relations(t.assign(persons=[50, 60, 80, 70]), load_catalogue())
    []
    """
    from kvarter.disclosure import identity

    keys = list(zip(table["indicator"], table["level"], table["unit_id"].astype(str), table["year"]))
    persons = (dict(zip(keys, pd.to_numeric(table["persons"], errors="coerce")))
               if "persons" in table.columns else None)
    keys = set(keys)
    wheres = sorted({k[1:] for k in keys}, key=str)
    rels = []
    for g in catalogue.structure.identities:
        for level, unit, year in wheres:
            if all((m, level, unit, year) in keys for m in g.members()):
                if persons is not None and not _holds(g, persons, level, unit, year):
                    # Not an identity in these data (e.g. a denominator that leaves out persons with
                    # an unknown value): nobody can use it to pin a cell, and it is no relation.
                    continue
                rels.append(identity(f"{g.name} {unit} {year}", (g.total, level, unit, year),
                                     [(p, level, unit, year) for p in g.plus],
                                     [(m, level, unit, year) for m in g.minus]))
    return rels


def _holds(g, persons: dict, level, unit, year) -> bool:
    """Whether the identity ``g`` holds exactly in the persons counts at one unit and year."""
    total = persons[(g.total, level, unit, year)]
    rest = sum(persons[(p, level, unit, year)] for p in g.plus) - sum(persons[(m, level, unit, year)] for m in g.minus)
    return bool(pd.notna(total) and pd.notna(rest) and abs(total - rest) < 1e-9)


def hiding_cost(frame: pd.DataFrame, population: dict[str, str], groups) -> pd.Series:
    """Per row, how many cells hiding its count hides at its unit and year:
    the rows of the indicators counting the same persons or sharing a value
    group with it (:func:`sibling_links` hides them together), itself
    included. Secondary suppression hides the cheapest count first.

    >>> f = pd.DataFrame({"indicator": ["employed_share_18_64", "unemployed_share_18_64", "convicted_share"],
    ...                   "level": "area", "unit_id": "A", "year": 2024})
    >>> hiding_cost(f, {}, [["employed_share_18_64", "unemployed_share_18_64"]]).tolist()
    [2.0, 2.0, 1.0]
    """
    classes: dict[str, list[str]] = {}
    for ind, key in population.items():
        classes.setdefault(key, []).append(ind)
    group_of = _merged_groups([*groups, *(g for g in classes.values() if len(g) > 1)])
    tied = [group_of.get(i, i) for i in frame["indicator"]]
    where = pd.DataFrame({"tied": tied, "level": frame["level"].to_numpy(),
                          "unit_id": frame["unit_id"].astype(str).to_numpy(), "year": frame["year"].to_numpy()},
                         index=frame.index)
    return where.groupby(["tied", "level", "unit_id", "year"], sort=False)["tied"].transform("size").astype(float)


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
        t["dominance"], t["sum_value"], t["contributors"] = float("nan"), float("nan"), float("nan")
        return t
    d = dominance.copy()
    d["dominance"] = d["top_sum"] / d["total_abs"].where(d["total_abs"] > 0)
    if "contributors" not in d.columns:
        d["contributors"] = float("nan")
    d = d[keys + ["dominance", "contributors"]].astype({k: t[k].dtype for k in keys if k in t.columns and k != "year"})
    t = t.merge(d, on=keys, how="left")
    t["sum_value"] = t["numerator"].where(t["dominance"].notna()).abs()
    return t


def protect_store_indicators(store, ind: pd.DataFrame, policy, *, years=None,
                             catalogue=None, persons=None) -> tuple[Protected, pd.DataFrame | None]:
    """The store's indicator table protected with its geography and the
    dominance rule (top contributions read from the store's persons, or from
    ``persons``, an Ibis table, when they are read elsewhere: Parquet files in
    place); returns the protected table and the contributions (None without persons).

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
    if persons is not None or store.has_table("persons"):
        from kvarter.indicators import top_contributions

        a = store.table("areas") if store.has_table("areas") else None
        dominance = top_contributions(persons if persons is not None else store.table("persons"), a,
                                      n=policy.dominance_n)
    return protect_indicators(ind, policy, areas=areas, years=years, dominance=dominance,
                              catalogue=catalogue), dominance


def value_groups(catalogue) -> list[list[str]]:
    """Indicators whose values are hidden together at a unit and year: the
    catalogue's categories of one total, and each "at most" pair (persons
    charged can never exceed charges, so one bounds the other).

    >>> from kvarter.indicators import load_catalogue
    >>> value_groups(load_catalogue())[-1]
    ['charged_per_1000', 'charges_per_1000']
    """
    groups = catalogue.category_groups()
    groups += [[a.smaller, a.larger] for a in catalogue.structure.at_most]
    return groups


def sibling_links(frame: pd.DataFrame, population: dict[str, str], groups=None) -> pd.Series:
    """Rows to suppress because a sibling is hidden in a protected indicator ``frame``.

    Siblings share a unit and year: indicators counting the same persons
    (``population`` maps indicator → population key) share a hidden count,
    and the members of one of ``groups`` (default: the built-in catalogue's
    :func:`value_groups`) share a hidden value. An indicator in several
    groups joins them.

    >>> f = pd.DataFrame({"indicator": ["employed_share_18_64", "unemployed_share_18_64", "residents"],
    ...     "level": "area", "unit_id": "A", "year": 2024,
    ...     "value_status": ["published", "primary", "published"], "persons_status": "published"})
    >>> sibling_links(f, {}).tolist()
    [True, True, False]
    """
    if groups is None:
        from kvarter.indicators import load_catalogue

        groups = value_groups(load_catalogue())
    group_of = _merged_groups(groups)
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


HIDDEN_STATUSES = SUPPRESSED


def _merged_groups(groups) -> dict[str, int]:
    """indicator → group number, groups sharing a member merged into one."""
    group_of: dict[str, int] = {}
    for k, g in enumerate(groups):
        joined = {group_of[i] for i in g if i in group_of}
        for i, j in list(group_of.items()):
            if j in joined:
                group_of[i] = k
        for i in g:
            group_of[i] = k
    return group_of


def protect_indicators(ind: pd.DataFrame, policy, *, areas: pd.DataFrame | None = None, years=None,
                       dominance: pd.DataFrame | None = None, catalogue=None) -> Protected:
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

    # The catalogue the table was computed with decides its structure; the
    # built-in one only when the caller has none.
    cat = catalogue if catalogue is not None else load_catalogue()
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
    # A sum (charges, incomes) is not a count of persons, even when it is
    # smaller than its denominator: its persons are its contributors.
    sums = {i for i in t["indicator"].unique() if _sums_a_field(i, cat)}
    t.loc[t["indicator"].isin(sums), "share_numerator"] = float("nan")
    t = with_dominance(t, dominance.astype({"unit_id": str}) if dominance is not None else None,
                       ["indicator", "level", "unit_id", "year"])
    t = t[["indicator", "level", "unit_id", "year", "value", "persons", "share_numerator", "denominator",
           "dominance", "sum_value", "contributors"]].reset_index(drop=True)
    population = _population_keys(t["indicator"].unique(), cat)
    # The catalogue's subsets (subset_relations) are not added here yet: joined
    # to the geography they made the demo's protection several times slower.
    relations = indicator_relations(t, areas) + identity_relations(t, cat)
    t["cost"] = hiding_cost(t, population, value_groups(cat))
    t["linked"] = False
    # Suppression spreads to siblings (same persons, or categories of one
    # total), which can need new complements along the geography: repeat to
    # a fixed point (it only ever adds suppressions, so it ends).
    for _ in range(10):
        p = protect(t, policy, key=["indicator", "level", "unit_id", "year"], value_columns=["value"],
                    count_column="persons", numerator_column="share_numerator", denominator_column="denominator",
                    dominance_column="dominance", sum_column="sum_value", linked_column="linked",
                    contributors_column="contributors", cost_column="cost", relations=relations,
                    name="indicators")
        spread = sibling_links(p.frame, population, value_groups(cat)).to_numpy()
        # A row already hidden in value may still show its count: link it too.
        hidden = (p.frame["value_status"].isin(HIDDEN_STATUSES)
                  & p.frame["persons_status"].isin(HIDDEN_STATUSES)).to_numpy()
        new = spread & ~hidden & ~t["linked"].to_numpy()
        if not new.any():
            return p
        t["linked"] = t["linked"].to_numpy() | new
    return p


def _sums_a_field(indicator_id: str, cat) -> bool:
    try:
        num = cat[indicator_id].numerator
    except KeyError:  # an indicator from a user's own catalogue
        return False
    return num is not None and bool(num.sum)


def _population_keys(ids, cat) -> dict[str, str]:
    out = {}
    for i in ids:
        try:
            out[i] = cat.population_key(i)
        except KeyError:  # an indicator from a user's own catalogue
            continue
    return out


# ------------------------------------------------------------------ segregation


