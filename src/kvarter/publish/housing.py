"""Housing results as protected tables: the needs overview, municipal tenants
by ownership pathway, applications assessed for a start loan, the
child-suitability checklist, the population by age, the social-housing stock,
the move-out rate and the instruments the needs suggest.

Only aggregates pass. A per-household or per-dwelling object (anything
carrying ``__kvarter_internal__``, such as a
:class:`~kvarter.housing.WorkingList` or a
:class:`~kvarter.housing.Classification`) is refused, and so is a table with
a household, dwelling, application or person id column.

How each table is protected (``level`` is ``area``, ``municipality``,
``region`` or ``all``; areas add up to their municipality and region, and
those to ``all``, for every measure, year and category, and protection knows it):

* shares and rates (``housing_needs``, ``housing_checklist``,
  ``housing_move_out``, ``housing_assessment``): the persons, households or
  children behind a figure are its ``denominator`` (the count rule), the
  ``numerator`` those counted (the small-numerator and complement rules);
* counts by category (``housing_pathways``, ``housing_population``): each
  category's ``count``, with a ``category`` ``all`` row per unit that the
  categories add up to; the ``share`` is published only where both its count
  and its unit's total are (else a share and a count would give the total away);
* ``housing_stock``: dwellings by area, organisation and kind (size and
  allocation right as counts); the dwellings behind a row are its count;
* ``housing_instruments``: focus areas, strategies and instruments suggested by
  published needs figures only.

Municipal tenants by pathway and the needs overview's municipal dwellings
count the same households: a unit-year hidden in one is hidden (linked) in the
other, repeated until both agree; the municipal stock of an area is linked to
its tenants' total of the latest year.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from kvarter.disclosure import Protected, protect
from kvarter.disclosure.relations import Relation
from kvarter.disclosure.status import SUPPRESSED
from kvarter.errors import DisclosureError

#: Columns that identify a household, a dwelling, an application or a person: never published.
INTERNAL_ID_COLUMNS = ("household_id", "dwelling_id", "application_id", "person_id")
#: Category of a figure over a unit's whole population (and of the total row of a category table).
TOTAL = "all"
SHARE_KEY = ["measure", "level", "unit_id", "year", "category"]
#: The needs measure that counts municipal tenants (the pathways' total).
MUNICIPAL = "municipal_dwellings_per_1000"


def refuse_internal(obj, where: str) -> pd.DataFrame:
    """Return ``obj`` if it is an aggregate table; refuse a working list or a per-household table.

    >>> from kvarter.housing import WorkingList
    >>> refuse_internal(WorkingList(pd.DataFrame({"household_id": ["H1"]}), "pathways"), "housing pathways")
    Traceback (most recent call last):
    ...
    kvarter.errors.DisclosureError: housing pathways: a WorkingList is internal (a caseworker's working list with personal data) and is never published; publish its aggregates (by_area()) instead.
    >>> refuse_internal(pd.DataFrame({"household_id": ["H1"], "n": [1]}), "housing needs")
    Traceback (most recent call last):
    ...
    kvarter.errors.DisclosureError: housing needs: the table has per-household columns ['household_id']; only aggregates by area are published.
    """
    if getattr(obj, "__kvarter_internal__", False):
        raise DisclosureError(
            f"{where}: a {type(obj).__name__} is internal (a caseworker's working list with personal data) and is "
            "never published; publish its aggregates (by_area()) instead."
        )
    if not isinstance(obj, pd.DataFrame):
        raise DisclosureError(f"{where}: expected an aggregate table (a DataFrame); got {type(obj).__name__}.")
    ids = [c for c in INTERNAL_ID_COLUMNS if c in obj.columns]
    if ids:
        raise DisclosureError(f"{where}: the table has per-household columns {ids}; only aggregates by area are published.")
    return obj


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    t = table.copy()
    t["category"] = t["category"].astype(object).where(t["category"].notna(), TOTAL).astype(str)
    t["unit_id"] = t["unit_id"].astype(str)
    return t


def level_relations(t: pd.DataFrame, key: list[str], areas: pd.DataFrame | None = None) -> list[Relation]:
    """The geographic relations of a long housing table: per combination of the
    keys other than ``level`` and ``unit_id``, each municipality is the sum of
    its areas, each region of its areas (``areas`` gives their region), and
    ``all`` of the municipalities (or of the areas when there are none).

    ``t`` keeps the analyses' ``municipality`` column for the area rows.

    >>> t = pd.DataFrame({"measure": "m", "level": ["area", "area", "municipality", "all"],
    ...     "unit_id": ["A", "B", "K", "all"], "municipality": ["K", "K", "K", None], "year": 2024,
    ...     "category": "all"})
    >>> [(r.total, r.parts) for r in level_relations(t, ["measure", "level", "unit_id", "year", "category"])]
    [(('m', 'municipality', 'K', 2024, 'all'), (('m', 'area', 'A', 2024, 'all'), ('m', 'area', 'B', 2024, 'all'))), (('m', 'all', 'all', 2024, 'all'), (('m', 'municipality', 'K', 2024, 'all'),))]
    """
    others = [k for k in key if k not in ("level", "unit_id")]
    region_of = {}
    if areas is not None and {"area_id", "region"} <= set(areas.columns):
        region_of = dict(zip(areas["area_id"].astype(str), areas["region"].astype(str)))

    def k(row, level, unit):
        return tuple(level if c == "level" else unit if c == "unit_id" else row[c] for c in key)

    rels = []
    for vals, g in t.groupby(others, sort=False, dropna=False):
        vals = vals if isinstance(vals, tuple) else (vals,)
        base = dict(zip(others, vals))
        present = set(zip(g["level"], g["unit_id"].astype(str)))
        area = g[g["level"] == "area"]
        tag = " ".join(str(v) for v in vals)
        for m, part in area.groupby(area["municipality"].astype(str)):
            if ("municipality", m) in present:
                rels.append(Relation(f"{tag} municipality {m}", k(base, "municipality", m),
                                     [k(base, "area", a) for a in part["unit_id"].astype(str)]))
        regions = {}
        for a in area["unit_id"].astype(str):
            if a in region_of:
                regions.setdefault(region_of[a], []).append(a)
        for r, members in regions.items():
            if ("region", r) in present:
                rels.append(Relation(f"{tag} region {r}", k(base, "region", r), [k(base, "area", a) for a in members]))
        if ("all", "all") in present:
            munis = sorted(u for lv, u in present if lv == "municipality")
            parts = [k(base, "municipality", m) for m in munis] if munis else [k(base, "area", a) for a in area["unit_id"]]
            if parts:
                rels.append(Relation(f"{tag} all", k(base, "all", "all"), parts))
    return rels


def _hidden_units(p: Protected, measure: str | None = None, category: str | None = None, column: str = "value") -> set:
    """(level, unit_id, year) of the rows of ``p`` whose ``column`` or count is hidden."""
    f = p.frame
    rows = f
    if measure is not None:
        rows = rows[rows["measure"] == measure]
    if category is not None:
        rows = rows[rows["category"] == category]
    hid = rows[f"{column}_status"].isin(SUPPRESSED)
    for c in rows.columns:
        if c.endswith("_status") and c != f"{column}_status":
            hid |= rows[c].isin(SUPPRESSED)
    rows = rows[hid]
    return set(zip(rows["level"], rows["unit_id"].astype(str), rows["year"].astype(int)))


def protect_shares(table: pd.DataFrame, policy, *, name: str, areas: pd.DataFrame | None = None,
                   linked: set | None = None, linked_measure: str | None = None) -> Protected:
    """A long table of shares and rates (:data:`~kvarter.housing.AREA_COLUMNS`),
    protected: the ``denominator`` is the count behind each figure, the
    ``numerator`` those counted; areas add up to their municipality, region and
    ``all``. Rows of ``linked_measure`` whose (level, unit_id, year) is in
    ``linked`` are suppressed whole (they rest on a figure hidden in another table).

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> t = pd.DataFrame({"measure": "renting_share", "level": ["area", "area", "area", "municipality", "all"],
    ...     "unit_id": ["A", "B", "C", "K", "all"], "municipality": ["K", "K", "K", "K", None], "year": 2024,
    ...     "category": None, "numerator": [2.0, 30.0, 40.0, 72.0, 72.0], "denominator": [10.0, 100.0, 120.0, 230.0, 230.0]})
    >>> t["value"] = t["numerator"] / t["denominator"]
    >>> f = protect_shares(t, DisclosurePolicy(), name="needs").frame
    >>> f[["unit_id", "value_status"]].values.tolist()
    [['A', 'primary'], ['B', 'secondary'], ['C', 'published'], ['K', 'published'], ['all', 'published']]
    """
    t = _tidy(refuse_internal(table, name))
    rels = level_relations(t, SHARE_KEY, areas)
    t["linked"] = False
    if linked and linked_measure is not None:
        t["linked"] = [m == linked_measure and (lv, u, int(y)) in linked
                       for m, lv, u, y in zip(t["measure"], t["level"], t["unit_id"], t["year"])]
    t["denominator"] = t["denominator"].fillna(0.0)
    cols = SHARE_KEY + ["value", "numerator", "denominator", "linked"]
    return protect(t[cols], policy, key=SHARE_KEY, value_columns=["value"], count_column="denominator",
                   numerator_column="numerator", relations=rels, linked_column="linked", name=name)


def _with_totals(table: pd.DataFrame) -> pd.DataFrame:
    """A category table's rows plus one ``all`` row per unit (its denominator), counts in ``count``."""
    t = _tidy(table)
    t["count"] = t["numerator"].astype(float)
    units = t.drop_duplicates(["measure", "level", "unit_id", "year"]).copy()
    units["category"] = TOTAL
    units["count"] = units["denominator"].astype(float)
    return pd.concat([t, units], ignore_index=True)


def _category_relations(t: pd.DataFrame, key: list[str]) -> list[Relation]:
    rels = []
    for (m, lv, u, y), g in t.groupby(["measure", "level", "unit_id", "year"], sort=False):
        parts = g[g["category"] != TOTAL]
        if len(parts):
            complete = bool(np.isclose(parts["count"].sum(), g.loc[g["category"] == TOTAL, "count"].sum()))
            rels.append(Relation(f"{m} {lv} {u} {y} categories", (m, lv, u, y, TOTAL),
                                 [(m, lv, u, y, c) for c in parts["category"]], complete=complete))
    return rels


def protect_categories(table: pd.DataFrame, policy, *, name: str, areas: pd.DataFrame | None = None,
                       linked: set | None = None) -> Protected:
    """Counts by category (households by pathway, persons by age band), protected
    with the categories adding up to each unit's total (a ``category`` ``all``
    row) and the areas to their municipality, region and ``all``.

    The ``share`` of a category is published only where its count and its
    unit's total both are; ``linked`` holds (level, unit_id, year) whose total
    rests on a figure hidden in another table (the whole unit-year is then hidden).

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> t = pd.DataFrame({"measure": "households_by_pathway", "level": "area", "unit_id": "A", "municipality": "K",
    ...     "year": 2024, "category": ["1", "2", "4"], "numerator": [3.0, 20.0, 30.0], "denominator": 53.0})
    >>> f = protect_categories(t, DisclosurePolicy(), name="pathways").frame
    >>> f[["category", "count", "count_status", "share"]].values.tolist()
    [['1', nan, 'primary', nan], ['2', nan, 'secondary', nan], ['4', 30.0, 'published', 0.5660377358490566], ['all', 53.0, 'published', nan]]
    >>> f = protect_categories(t, DisclosurePolicy(), name="pathways", linked={("area", "A", 2024)}).frame
    >>> f["count_reason"].unique().tolist()
    ['depends on a figure suppressed in another published table']
    """
    t = _with_totals(refuse_internal(table, name))
    rels = level_relations(t, SHARE_KEY, areas) + _category_relations(t, SHARE_KEY)
    linked = linked or set()
    unit = ["measure", "level", "unit_id", "year"]
    whole = t[t["category"] == TOTAL].set_index(unit)["count"]
    of = whole.reindex(pd.MultiIndex.from_frame(t[unit])).to_numpy()
    t["share"] = np.where(t["category"] == TOTAL, np.nan, t["count"] / np.where(of > 0, of, np.nan))
    base = np.array([(lv, u, int(y)) in linked for lv, u, y in zip(t["level"], t["unit_id"], t["year"])])
    exposed = np.zeros(len(t), dtype=bool)
    # A share beside its count gives the unit's total away: a row whose share
    # would be published while its total is hidden is hidden too (linked),
    # and protection runs again until no such row is left.
    for _ in range(len(t) + 1):
        t["linked"] = base | exposed
        p = protect(t[SHARE_KEY + ["share", "count", "linked"]], policy, key=SHARE_KEY, value_columns=["share"],
                    count_column="count", relations=rels, linked_column="linked", name=name)
        f = p.frame
        hidden_total = f[(f["category"] == TOTAL) & f["count_status"].isin(SUPPRESSED)]
        gone = set(zip(hidden_total["measure"], hidden_total["level"], hidden_total["unit_id"], hidden_total["year"]))
        # A category nobody is in (a structural zero) says nothing of the total beside it.
        now = np.array([k in gone for k in zip(f["measure"], f["level"], f["unit_id"], f["year"])]) \
            & ~f["share_status"].isin(SUPPRESSED).to_numpy() & (f["category"] != TOTAL).to_numpy() \
            & (f["count_status"] != "structural_zero").to_numpy()
        if not now.any():
            return p
        exposed |= now
    raise DisclosureError(f"Cannot protect {name}: shares kept exposing hidden totals.")  # pragma: no cover


STOCK_KEY = ["measure", "level", "unit_id", "organisation", "kind", "category"]
_STOCK_CATEGORIES = ("dwellings_by_rooms", "dwellings_by_allocation_right")


def protect_stock(stock: pd.DataFrame, policy, *, linked: set | None = None) -> Protected:
    """The social-housing stock (:func:`kvarter.housing.stock_overview`), protected.

    The count of a row is the dwellings it describes (an area's dwellings of
    one organisation and kind; for sizes and allocation rights, the
    dwellings of that size or right, published as counts); the sizes add up
    to the dwellings, the areas to ``all``. ``representation`` is the share of
    eligible departments with residents' representation. ``linked`` holds
    area ids whose municipal stock rests on a figure hidden elsewhere.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.housing import stock_overview
    >>> s = pd.DataFrame({"department_id": ["d1", "d2"], "organisation": ["KAB", "KAB"], "area_id": ["A", "B"],
    ...     "municipality": ["157", "157"], "kind": ["social_family"] * 2, "rooms_2": [10, 20], "rooms_3": [3, 5],
    ...     "allocation_right": [0.25, 0.5], "representation_eligible": [True, True], "representation": [True, False]})
    >>> f = protect_stock(stock_overview(s), DisclosurePolicy()).frame
    >>> f[(f["measure"] == "dwellings_by_rooms") & (f["category"] == "3")][["unit_id", "value", "value_status"]].values.tolist()
    [['A', nan, 'primary'], ['B', nan, 'secondary'], ['all', 8.0, 'published']]
    """
    t = refuse_internal(stock, "housing stock").copy()
    t["category"] = t["category"].astype(object).where(t["category"].notna(), TOTAL).astype(str)
    t["organisation"] = t["organisation"].astype(object).where(t["organisation"].notna(), TOTAL).astype(str)
    t["unit_id"] = t["unit_id"].astype(str)
    cat = t["measure"].isin(_STOCK_CATEGORIES)
    # the dwellings behind each row: its own for a size or right, else its unit's
    size = t[t["measure"] == "dwellings"].set_index(["level", "unit_id", "organisation", "kind"])["numerator"]
    unit = pd.MultiIndex.from_frame(t[["level", "unit_id", "organisation", "kind"]])
    t["dwellings"] = np.where(cat, t["numerator"], size.reindex(unit).to_numpy())
    t["value"] = np.where(cat, t["numerator"], t["value"])
    t["of"] = np.where(t["measure"] == "representation", t["denominator"], np.nan)
    t["dwellings"] = t["dwellings"].astype(float).fillna(0.0)
    linked = linked or set()
    t["linked"] = [lv == "area" and k == "municipal" and u in linked
                   for lv, u, k in zip(t["level"], t["unit_id"], t["kind"])]
    rels = []
    for (m, k, c), g in t.groupby(["measure", "kind", "category"], sort=False):
        tot = g[g["level"] == "all"]
        parts = g[g["level"] == "area"]
        if len(tot) == 1 and len(parts):
            rels.append(Relation(f"stock {m} {k} {c}", tuple(tot[STOCK_KEY].iloc[0]),
                                 [tuple(r) for r in parts[STOCK_KEY].itertuples(index=False)]))
    for (lv, u, o, k), g in t.groupby(["level", "unit_id", "organisation", "kind"], sort=False):
        whole = g[g["measure"] == "dwellings"]
        for m in _STOCK_CATEGORIES:
            parts = g[g["measure"] == m]
            if len(whole) == 1 and len(parts):
                complete = bool(np.isclose(parts["numerator"].sum(), whole["numerator"].iloc[0]))
                rels.append(Relation(f"stock {lv} {u} {o} {k} {m}", tuple(whole[STOCK_KEY].iloc[0]),
                                     [tuple(r) for r in parts[STOCK_KEY].itertuples(index=False)], complete=complete))
    return protect(t[STOCK_KEY + ["value", "of", "dwellings", "linked"]], policy, key=STOCK_KEY,
                   value_columns=["value", "of"], count_column="dwellings", relations=rels, linked_column="linked",
                   name="housing stock")


def protect_suggestions(suggestions: pd.DataFrame, needs: Protected, policy) -> Protected | None:
    """The instruments suggested by the published needs figures, one row per unit,
    year, indicator and focus area, with its strategies and instruments (English
    and Norwegian); the count is the needs figure's published denominator.

    ``suggestions`` comes from :func:`kvarter.housing.suggest` run over the
    *published* needs table (suppressed figures are empty and suggest nothing).

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.housing import suggest
    >>> needs = pd.DataFrame({"measure": "renting_share", "level": "municipality", "unit_id": ["a", "b", "c", "d"],
    ...     "municipality": ["a", "b", "c", "d"], "year": 2024, "category": None,
    ...     "numerator": [10.0, 20.0, 30.0, 60.0], "denominator": 100.0})
    >>> needs["value"] = needs["numerator"] / needs["denominator"]
    >>> p = protect_shares(needs, DisclosurePolicy(), name="needs")
    >>> s = protect_suggestions(suggest(p.frame), p, DisclosurePolicy()).frame
    >>> s[["unit_id", "focus_area_en", "denominator"]].values.tolist()
    [['d', 'From renting to owning', 100.0]]
    """
    s = refuse_internal(suggestions, "housing instruments")
    if s.empty:
        return None
    group = ["unit_id", "year", "indicator", "value", "why", "focus_area", "focus_area_en", "focus_area_no"]
    s = s.astype({"unit_id": str})
    out = s.groupby(group, as_index=False, sort=False).agg(
        strategies_en=("strategy_en", lambda x: "; ".join(dict.fromkeys(x))),
        strategies_no=("strategy_no", lambda x: "; ".join(dict.fromkeys(x))),
        instruments_en=("instrument_en", lambda x: ", ".join(dict.fromkeys(x))),
        instruments_no=("instrument_no", lambda x: ", ".join(dict.fromkeys(x))))
    f = needs.frame
    base = f[f["category"] == TOTAL].set_index(["measure", "unit_id", "year"])["denominator"]
    out["denominator"] = base.reindex(pd.MultiIndex.from_frame(out[["indicator", "unit_id", "year"]])).to_numpy()
    out["denominator"] = out["denominator"].astype(float).fillna(0.0)
    values = ["value", "why", "focus_area_en", "focus_area_no", "strategies_en", "strategies_no", "instruments_en",
              "instruments_no"]
    return protect(out[["unit_id", "year", "indicator", "focus_area", *values, "denominator"]], policy,
                   key=["unit_id", "year", "indicator", "focus_area"], value_columns=values, count_column="denominator",
                   name="housing instruments")


def protect_housing(policy, *, needs: pd.DataFrame | None = None, pathways: pd.DataFrame | None = None,
                    assessment: pd.DataFrame | None = None, checklist: pd.DataFrame | None = None,
                    population: pd.DataFrame | None = None, stock: pd.DataFrame | None = None,
                    move_out: pd.DataFrame | None = None, areas: pd.DataFrame | None = None,
                    suggest=None, hidden: set | None = None) -> dict[str, Protected]:
    """The housing tables, protected, named ``housing_<part>``; parts not given are left out.

    ``needs`` (:func:`kvarter.housing.needs_overview`), ``pathways``
    (``Classification.by_area()``), ``assessment``
    (:func:`kvarter.housing.start_loan_assessment`), ``checklist``
    (``ChecklistResult.by_area()``), ``population``
    (:func:`kvarter.housing.population_by_age`), ``stock``
    (:func:`kvarter.housing.stock_overview`), ``move_out``
    (:func:`kvarter.housing.move_out_rate`); ``areas`` gives the regions;
    ``suggest`` is a function from a needs table to suggestions
    (:func:`kvarter.housing.suggest`), run on the published needs figures.
    ``hidden`` holds the cells hidden in a published indicator table
    (:func:`kvarter.publish.links.hidden_cells`): a unit-year whose residents
    are hidden there is hidden in the population by age, whose total is the
    same count. Every input passes :func:`refuse_internal` first.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.housing import load_pathways
    >>> hh = pd.DataFrame({"household_id": ["H1"], "year": [2024], "municipality": ["0301"],
    ...     "area_id": ["A1"], "tenure": ["owner"], "persons": [2]})
    >>> protect_housing(DisclosurePolicy(), pathways=load_pathways().classify(hh))
    Traceback (most recent call last):
    ...
    kvarter.errors.DisclosureError: housing pathways: a Classification is internal (a caseworker's working list with personal data) and is never published; publish its aggregates (by_area()) instead.
    """
    given = {"needs": needs, "pathways": pathways, "assessment": assessment, "checklist": checklist,
             "population": population, "stock": stock, "move_out": move_out}
    for part, obj in given.items():
        if obj is not None:
            refuse_internal(obj, f"housing {part}")
    out: dict[str, Protected] = {}
    # Tenants by pathway and the needs' municipal dwellings count the same
    # households: link the two until a unit-year hidden in one is hidden in both.
    linked_needs: set = set()
    for _ in range(20):
        p_needs = protect_shares(needs, policy, name="housing needs", areas=areas, linked=linked_needs,
                                 linked_measure=MUNICIPAL) if needs is not None and len(needs) else None
        if pathways is None or not len(pathways):
            break
        from_needs = _hidden_units(p_needs, MUNICIPAL) if p_needs is not None else set()
        p_path = protect_categories(pathways, policy, name="housing pathways", areas=areas, linked=from_needs)
        totals = _hidden_units(p_path, category=TOTAL, column="share")
        if p_needs is None or totals <= from_needs:
            break
        linked_needs |= totals
    else:  # pragma: no cover - each round only adds hidden cells
        raise DisclosureError("housing needs and pathways did not agree on their hidden cells.")
    if p_needs is not None:
        out["housing_needs"] = p_needs
    if pathways is not None and len(pathways):
        out["housing_pathways"] = p_path
    if assessment is not None and len(assessment):
        out["housing_assessment"] = protect_shares(assessment, policy, name="housing assessment", areas=areas)
    if checklist is not None and len(checklist):
        out["housing_checklist"] = protect_shares(checklist, policy, name="housing checklist", areas=areas)
    if population is not None and len(population):
        residents = {(lv, u, y) for ind, lv, u, y in (hidden or set()) if ind == "residents"}
        out["housing_population"] = protect_categories(population, policy, name="housing population", areas=areas,
                                                       linked=residents)
    if move_out is not None and len(move_out):
        out["housing_move_out"] = protect_shares(move_out, policy, name="housing move-out", areas=areas)
    if stock is not None and len(stock):
        latest = set()
        if "housing_pathways" in out:
            pf = out["housing_pathways"].frame
            last = int(pf["year"].max())
            latest = {u for lv, u, y in _hidden_units(out["housing_pathways"], category=TOTAL, column="share")
                      if lv == "area" and y == last}
        out["housing_stock"] = protect_stock(stock, policy, linked=latest)
    if suggest is not None and "housing_needs" in out:
        published = out["housing_needs"].frame
        sug = suggest(published.assign(value=published["value"].where(~published["value_status"].isin(SUPPRESSED))))
        p = protect_suggestions(sug, out["housing_needs"], policy)
        if p is not None:
            out["housing_instruments"] = p
    return out


def published_value(p: Protected, where: Mapping[str, object], column: str = "value"):
    """The published ``column`` of the one row of ``p`` matching ``where`` (None if
    there is none or it is suppressed).

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> t = pd.DataFrame({"k": ["a", "b"], "v": [0.5, 0.1], "n": [40, 3]})
    >>> p = protect(t, DisclosurePolicy(), key=["k"], value_columns=["v"], count_column="n")
    >>> published_value(p, {"k": "a"}, "v"), published_value(p, {"k": "b"}, "v")
    (0.5, None)
    """
    f = p.frame
    mask = np.ones(len(f), dtype=bool)
    for c, v in where.items():
        mask &= (f[c] == v).to_numpy()
    rows = f[mask]
    if len(rows) != 1 or rows[f"{column}_status"].iloc[0] in SUPPRESSED:
        return None
    v = rows[column].iloc[0]
    return None if pd.isna(v) else (float(v) if isinstance(v, (int, float, np.number)) else v)
