"""Area profiles and trends: designated areas pooled against their municipality.

Gentofte-style key figures (employment status, household types, origin,
education, crime per 1,000, income) for the designated areas against the
whole municipality, and Copenhagen-style trends of the designated areas
against the rest of the city — pooled from the indicator table's numerators
and denominators, then protected.
"""

from __future__ import annotations

import pandas as pd

from kvarter.disclosure import Protected, protect
from kvarter.publish.indicators import with_share_numerator


def profile_panels(catalogue=None) -> list:
    """Gentofte-style key figures as the catalogue declares them
    (``structure.panels``): each panel's name, members and whether it holds
    shares.

    >>> [(p.name, p.percent) for p in profile_panels()][-2:]
    [('crime_panel', False), ('income_panel', False)]
    """
    from kvarter.indicators import load_catalogue

    return list((catalogue if catalogue is not None else load_catalogue()).structure.panels)


#: Trend indicators for designated areas against the rest of the city.
TREND_INDICATORS: tuple[str, ...] = (
    "outside_labour_education_share",
    "basic_education_share",
    "non_western_share",
    "child_poverty_share",
)


def designated_leaves(areas: pd.DataFrame, designated: set[str], municipality: str) -> set[str]:
    """The leaf areas of ``municipality`` that are designated or lie inside a designated area.

    Pooling leaves only counts no resident twice when an urban area and a
    housing area inside it are both designated.

    >>> areas = pd.DataFrame({"area_id": ["U", "H1", "H2", "N"], "municipality": ["K"] * 4,
    ...                       "parent_area": [None, "U", "U", None]})
    >>> sorted(designated_leaves(areas, {"U", "H1"}, "K"))
    ['H1', 'H2']
    """
    parent = dict(zip(areas["area_id"].astype(str), areas.get("parent_area", pd.Series(index=areas.index))))
    leaves = leaf_areas(areas)
    leaves = leaves[leaves["municipality"].astype(str) == municipality]
    out = set()
    for a in leaves["area_id"].astype(str):
        node, seen = a, set()
        while isinstance(node, str) and node not in seen:
            if node in designated:
                out.add(a)
                break
            seen.add(node)
            node = parent.get(node)
    return out


def leaf_areas(areas: pd.DataFrame) -> pd.DataFrame:
    """The areas that are no other area's ``parent_area`` (all areas when there is no such column).

    >>> areas = pd.DataFrame({"area_id": ["U", "H1", "H2", "N"], "parent_area": [None, "U", "U", None]})
    >>> leaf_areas(areas)["area_id"].tolist()
    ['H1', 'H2', 'N']
    """
    parents = set(areas["parent_area"].dropna().astype(str)) if "parent_area" in areas else set()
    return areas[~areas["area_id"].astype(str).isin(parents)]


def pooled(ind: pd.DataFrame, indicator: str, area_ids: set[str], years=None) -> pd.DataFrame:
    """Pool an indicator's numerators and denominators over a set of areas, per year.

    Returns ``year, numerator, denominator, persons, value`` where ``value =
    Σ numerator / Σ denominator`` (times 1,000 for rates per 1,000).

    >>> ind = pd.DataFrame({"indicator": ["s"] * 2, "level": ["area"] * 2, "unit_id": ["A", "B"],
    ...     "year": [2024, 2024], "numerator": [1.0, 3.0], "denominator": [10.0, 10.0],
    ...     "persons": [10, 10], "value": [0.1, 0.3], "raw_value": [0.1, 0.3]})
    >>> pooled(ind, "s", {"A", "B"})[["year", "value"]].to_dict("records")
    [{'year': 2024, 'value': 0.2}]
    """
    rows = ind[(ind["indicator"] == indicator) & (ind["level"] == "area") & ind["unit_id"].astype(str).isin(area_ids)]
    if years is not None:
        rows = rows[rows["year"].isin(list(years))]
    g = rows.groupby("year", as_index=False)[["numerator", "denominator", "persons"]].sum()
    scale = _scale(rows)
    g["value"] = scale * g["numerator"] / g["denominator"].where(g["denominator"] > 0)
    return g


def _scale(rows: pd.DataFrame) -> float:
    """1 for shares and means, 1000 for rates per 1,000 (read off the rows themselves)."""
    r = rows[(rows["denominator"] > 0) & rows["raw_value"].notna() & (rows["numerator"] > 0)]
    if r.empty:
        return 1.0
    ratio = float((r["raw_value"] * r["denominator"] / r["numerator"]).median())
    return 1000.0 if abs(ratio - 1000.0) < 1 else 1.0


# ------------------------------------------------------------------ protected tables


def _group_table(ind: pd.DataFrame, indicator: str, area_ids: set[str], municipality: str,
                 years, *, rest: bool) -> pd.DataFrame:
    """Designated areas pooled, and the rest of the municipality (or the whole municipality)."""
    d = pooled(ind, indicator, area_ids, years)
    m = ind[(ind["indicator"] == indicator) & (ind["level"] == "municipality") & (ind["unit_id"].astype(str) == municipality)]
    if years is not None:
        m = m[m["year"].isin(list(years))]
    m = m[["year", "numerator", "denominator", "persons", "value"]]
    if rest:
        mm = m.merge(d, on="year", how="left", suffixes=("", "_d")).fillna({"numerator_d": 0, "denominator_d": 0, "persons_d": 0})
        other = pd.DataFrame({
            "year": mm["year"], "numerator": mm["numerator"] - mm["numerator_d"],
            "denominator": mm["denominator"] - mm["denominator_d"], "persons": mm["persons"] - mm["persons_d"],
        })
        scale = _scale(ind[(ind["indicator"] == indicator) & (ind["level"] == "area")])
        other["value"] = scale * other["numerator"] / other["denominator"].where(other["denominator"] > 0)
        m = other
    d["group"], m["group"] = "designated", ("rest" if rest else "municipality")
    return pd.concat([d, m], ignore_index=True)


def _group_links(t: pd.DataFrame, indicator: str, area_ids: set[str], municipality: str, hidden: set | None,
                 other: str, leaves: set[str] | None = None, hidden_counts: set | None = None) -> pd.Series:
    """Which rows of a designated/other group table rest on hidden cells:
    ``(table, cell)`` when the row's count does (see
    :func:`kvarter.publish.links.depends_on`), ``(table, cell, "value")``
    when only its statistics do, else False.

    The pool of designated areas is a sum of indicator cells, and so is its
    complement: pool = municipality - (the municipality's other leaf areas),
    and the "rest" is the other way round. A pool is hidden only when it
    rests on a hidden cell *and* no published route gives it back: either
    its members or its complement (the municipality and the other areas)
    all published. Hiding a figure anyone can recompute from the indicator
    table protects nothing and pretends otherwise; publishing one that
    no route gives back would let the tables be played against each other
    (pool - published members = the hidden member). The whole
    municipality's row rests on its own cell. ``leaves``: the
    municipality's leaf areas; without them every other area counts as
    hidden (the cautious side). ``hidden`` holds the cells with any figure
    hidden, ``hidden_counts`` those whose persons count is hidden (default:
    ``hidden``), so a pool whose count the counts give back keeps it.

    >>> t = pd.DataFrame({"group": ["designated", "rest"], "year": [2024, 2024]})
    >>> h = {("s", "area", "A", 2024)}
    >>> _group_links(t, "s", {"A", "B"}, "K", h, "rest", {"A", "B", "C"}).tolist()  # pool = K - C
    [False, False]
    >>> h2 = h | {("s", "area", "C", 2024)}
    >>> _group_links(t, "s", {"A", "B"}, "K", h2, "rest", {"A", "B", "C"}).tolist()
    [('indicators', 's (area A, 2024)'), ('indicators', 's (area C, 2024)')]
    >>> _group_links(t, "s", {"A", "B"}, "K", h2, "rest", {"A", "B", "C"}, hidden_counts=set()).tolist()
    [('indicators', 's (area A, 2024)', 'value'), ('indicators', 's (area C, 2024)', 'value')]
    """
    if not hidden:
        return pd.Series(False, index=t.index)
    whole = _links_on(t, indicator, area_ids, municipality, hidden if hidden_counts is None else hidden_counts,
                      other, leaves)
    values = _links_on(t, indicator, area_ids, municipality, hidden, other, leaves)
    out = [w if w else (tuple(v) + ("value",) if isinstance(v, tuple) else v) for w, v in zip(whole, values)]
    return pd.Series(out, index=t.index, dtype=object)


def _links_on(t, indicator, area_ids, municipality, hidden, other, leaves) -> list:
    """:func:`_group_links` for one set of hidden cells."""
    from kvarter.publish.links import depends_on

    inside = sorted(area_ids)
    outside = sorted(set(leaves) - set(area_ids)) if leaves is not None else None
    linked = []
    for g, y in zip(t["group"], t["year"].astype(int)):
        on_mun = depends_on([(indicator, "municipality", municipality, y)], hidden)
        on_des = depends_on([(indicator, "area", a, y) for a in inside], hidden)
        # Unknown other areas count as hidden: the cautious side.
        on_rest = depends_on([(indicator, "area", a, y) for a in outside], hidden) if outside is not None else True
        if g == "designated":
            linked.append(on_des if on_des and (on_mun or on_rest) else False)
        elif other == "rest" and on_rest and (on_mun or on_des):
            linked.append(on_rest if on_rest is not True else on_mun or on_des)
        elif other == "rest":
            linked.append(False)
        else:
            linked.append(on_mun)
    return linked


def protect_trends(ind, area_ids, municipality, years, policy, hidden: set | None = None,
                   leaves: set[str] | None = None, hidden_counts: set | None = None,
                   indicators: tuple[str, ...] = TREND_INDICATORS) -> dict[str, Protected]:
    """Designated areas pooled against the rest of the municipality per year,
    one protected table per trend indicator (``indicators``, by default
    :data:`TREND_INDICATORS`; linked to the indicator table through
    ``hidden``; ``leaves``, the municipality's leaf areas, tell when a
    group's complement gives it back, and ``hidden_counts``, the cells whose
    persons count is hidden, when its count comes back although its value
    does not, see :func:`_group_links`).

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> ind = pd.DataFrame({"indicator": "non_western_share", "level": ["area", "area", "municipality"],
    ...     "unit_id": ["A", "B", "K"], "year": 2020, "numerator": [20.0, 6.0, 26.0],
    ...     "denominator": [40.0, 60.0, 100.0], "persons": [40, 60, 100]})
    >>> ind["value"] = ind["raw_value"] = ind["numerator"] / ind["denominator"]
    >>> t = protect_trends(ind, {"A"}, "K", [2020], DisclosurePolicy())
    >>> # rest of K: (26 - 20) / (100 - 40) = 0.1
    >>> t["non_western_share"].frame[["group", "value", "persons"]].to_dict("records")
    [{'group': 'designated', 'value': 0.5, 'persons': 40}, {'group': 'rest', 'value': 0.1, 'persons': 60}]
    """
    out = {}
    for indicator in indicators:
        if indicator not in set(ind["indicator"]):
            continue
        t = _group_table(ind, indicator, area_ids, municipality, years, rest=True)
        t = t.dropna(subset=["value"])
        if t.empty:
            continue
        t = with_share_numerator(t)
        t["linked"] = _group_links(t, indicator, area_ids, municipality, hidden, "rest", leaves, hidden_counts)
        out[indicator] = protect(
            t[["year", "group", "value", "persons", "share_numerator", "denominator", "linked"]], policy,
            key=["year", "group"], value_columns=["value"], count_column="persons",
            numerator_column="share_numerator", denominator_column="denominator", linked_column="linked",
            name=f"trend {indicator}",
        )
    return out


def _pooled_dominance(dominance: pd.DataFrame | None, indicator: str, area_ids: set[str], municipality: str,
                      year: int, n: int = 2) -> dict[str, float]:
    """Dominance of the pooled designated areas and of the municipality.

    The municipality's share is exact; for a pool of areas the top ``n``
    contributions (the policy's ``dominance_n``; ``top_sum`` holds each
    area's top ``n``) are bounded by the ``n`` largest areas' top sums (the
    pool's top ``n`` lie in at most ``n`` areas, each among its own area's
    top ``n``), which can only overstate dominance — the cautious side.

    >>> d = pd.DataFrame({"indicator": "inc", "year": 2024, "level": "area", "unit_id": ["A", "B", "C"],
    ...                   "top_sum": [92.0, 92.0, 92.0], "total_abs": [100.0, 100.0, 100.0]})
    >>> _pooled_dominance(d, "inc", {"A", "B", "C"}, "K", 2024, 3)["designated"]
    0.92
    """
    if dominance is None or dominance.empty:
        return {}
    d = dominance[(dominance["indicator"] == indicator) & (dominance["year"] == year)]
    if d.empty:
        return {}
    areas = d[(d["level"] == "area") & d["unit_id"].astype(str).isin(area_ids)]
    m = d[(d["level"] == "municipality") & (d["unit_id"].astype(str) == municipality)]
    out = {}
    if len(areas) and areas["total_abs"].sum() > 0:
        out["designated"] = float(min(1.0, areas["top_sum"].nlargest(n).sum() / areas["total_abs"].sum()))
    if len(m) and float(m["total_abs"].iloc[0]) > 0:
        out["municipality"] = float(m["top_sum"].iloc[0] / m["total_abs"].iloc[0])
    return out


def protect_profile(ind, area_ids, municipality, year, policy, dominance: pd.DataFrame | None = None,
                    hidden: set | None = None, catalogue=None, leaves: set[str] | None = None,
                    hidden_counts: set | None = None) -> dict[str, Protected]:
    """Gentofte's key figures for the pooled designated areas against the
    municipality in ``year``, one protected table per panel of the
    catalogue's ``structure.panels``; sums (income, charges) also against the
    dominance rule when ``dominance`` is given.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> ind = pd.DataFrame({"indicator": "non_western_share", "level": ["area", "area", "municipality"],
    ...     "unit_id": ["A", "B", "K"], "year": 2020, "numerator": [20.0, 6.0, 26.0],
    ...     "denominator": [40.0, 60.0, 100.0], "persons": [40, 60, 100]})
    >>> ind["value"] = ind["raw_value"] = ind["numerator"] / ind["denominator"]
    >>> p = protect_profile(ind, {"A"}, "K", 2020, DisclosurePolicy())
    >>> list(p), p["origin"].frame[["category", "group", "value"]].to_dict("records")
    (['origin'], [{'category': 'non_western', 'group': 'designated', 'value': 0.5}, {'category': 'non_western', 'group': 'municipality', 'value': 0.26}])
    """
    from kvarter.indicators.dominance import sum_base

    out = {}
    have = set(ind["indicator"])
    for spec in profile_panels(catalogue):
        panel, rows = spec.name, []
        for indicator, category in ((m.indicator, m.label) for m in spec.members):
            if indicator not in have:
                continue
            t = _group_table(ind, indicator, area_ids, municipality, [year], rest=False)
            t["category"] = category
            try:
                base = sum_base(indicator)
            except KeyError:
                base = None
            dom = (_pooled_dominance(dominance, base, area_ids, municipality, year, policy.dominance_n)
                   if base else {})
            t["dominance"] = t["group"].map(dom).astype(float)
            t["linked"] = _group_links(t, indicator, area_ids, municipality, hidden, "municipality", leaves,
                                       hidden_counts)
            rows.append(t)
        if not rows:
            continue
        t = with_share_numerator(pd.concat(rows, ignore_index=True).dropna(subset=["value"]))
        # A sum (charges, income) is no count of persons even when it is small.
        t.loc[t["dominance"].notna() | t["category"].isin(_sum_labels(spec, catalogue)), "share_numerator"] = float("nan")
        # A panel's categories split one group's persons: if one is linked,
        # the others would give it back (the shares add up), so the whole
        # group goes.
        first = {g: _group_dependency(part) for g, part in t.groupby("group")["linked"]}
        t["linked"] = pd.Series([first[g] for g in t["group"]], index=t.index, dtype=object)
        out[panel] = protect(
            t[["category", "group", "value", "persons", "share_numerator", "denominator", "dominance", "linked"]],
            policy, key=["category", "group"], value_columns=["value"], count_column="persons",
            numerator_column="share_numerator", denominator_column="denominator", dominance_column="dominance",
            linked_column="linked", name=f"profile {panel}",
        )
    return out


def _group_dependency(links: pd.Series):
    """What a panel's group rests on: a count's dependency first (the
    categories count the same persons), else a value's (they add up).

    >>> _group_dependency(pd.Series([("i", "a", "value"), ("i", "b"), False], dtype=object))
    ('i', 'b')
    """
    whole = [v for v in links if isinstance(v, tuple) and len(v) == 2]
    return whole[0] if whole else _first_dependency(links)


def _first_dependency(links: pd.Series):
    """The first dependency in ``links`` (a linked column), or False: a
    whole group goes with it.

    >>> _first_dependency(pd.Series([False, ("indicators", "x"), False], dtype=object))
    ('indicators', 'x')
    """
    return next((v for v in links if v is not False and v is not None), False)


def _sum_labels(spec, catalogue) -> set[str]:
    from kvarter.indicators import load_catalogue

    cat = catalogue if catalogue is not None else load_catalogue()
    out = set()
    for m in spec.members:
        try:
            num = cat[m.indicator].numerator
        except KeyError:
            continue
        if num is not None and num.sum:
            out.add(m.label)
    return out


#: The seven city criteria as (indicator, direction): +1 when a higher value
#: is more deprived. Income enters relative to the municipality's.
GAP_COMPONENTS: tuple[tuple[str, int], ...] = (
    ("household_income_mean", -1),
    ("basic_education_share", 1),
    ("outside_labour_education_share", 1),
    ("no_youth_education_share", 1),
    ("child_poverty_share", 1),
    ("chronic_condition_share", 1),
    ("charged_per_1000", 1),
)


def composite_scores(published: pd.DataFrame, municipality: str) -> pd.DataFrame:
    """A deprivation score per area and year, comparable over years.

    ``published`` is the *published* indicator table (suppressed values are
    NaN), so no suppressed figure feeds the score: an area-year with any
    component suppressed is left out, and with it that area in every year
    (a fixed panel, so groups do not drift with suppression). Each component is a z-score against
    the first year's areas (mean and standard deviation fixed at that year,
    so a score moves only when the area does), signed so that higher is more
    deprived, and the score is their mean. Columns: ``area_id, year, score,
    residents``.

    >>> rows = []
    >>> for y, vals in ((2020, (0.5, 0.1, 0.2)), (2021, (0.4, 0.1, 0.2))):
    ...     for a, v in zip("ABC", vals):
    ...         rows.append({"indicator": "basic_education_share", "level": "area", "unit_id": a, "year": y, "value": v})
    ...         rows.append({"indicator": "residents", "level": "area", "unit_id": a, "year": y, "value": 100.0})
    >>> s = composite_scores(pd.DataFrame(rows), "K")
    >>> # 2020: mean 0.2667, sd 0.1700 -> A is (0.5 - 0.2667) / 0.1700 = 1.373; 2021: (0.4 - 0.2667) / 0.1700
    >>> s[s.area_id == "A"][["year", "score"]].round(3).to_dict("records")
    [{'year': 2020, 'score': 1.373}, {'year': 2021, 'score': 0.784}]
    """
    p = published
    area = p[p["level"] == "area"]
    have = [(i, d) for i, d in GAP_COMPONENTS if i in set(area["indicator"])]
    if not have:
        return pd.DataFrame(columns=["area_id", "year", "score", "residents"])
    wide = area.pivot_table(index=["unit_id", "year"], columns="indicator", values="value", dropna=False)
    if "household_income_mean" in wide.columns:
        muni = p[(p["level"] == "municipality") & (p["unit_id"].astype(str) == municipality)
                 & (p["indicator"] == "household_income_mean")].set_index("year")["value"]
        wide["household_income_mean"] = wide["household_income_mean"] / wide.index.get_level_values("year").map(muni)
    cols = [i for i, _ in have]
    # A fixed panel: only areas with every component published in every
    # year, so the groups' membership (and the baseline) cannot drift with
    # suppression.
    complete = wide[cols].notna().all(axis=1).groupby(level="unit_id").all()
    n_years = wide.index.get_level_values("year").nunique()
    counts = wide.groupby(level="unit_id").size()
    panel = complete[complete & (counts.reindex(complete.index) == n_years)].index
    wide = wide[wide.index.get_level_values("unit_id").isin(panel)]
    if wide.empty:
        return pd.DataFrame(columns=["area_id", "year", "score", "residents"])
    first = wide.index.get_level_values("year").min()
    base = wide.xs(first, level="year")[cols]
    sd = base.std(ddof=0).replace(0, float("nan"))
    z = (wide[cols] - base.mean()) / sd
    sign = pd.Series({i: d for i, d in have})
    score = (z * sign).mean(axis=1, skipna=True)
    out = score.rename("score").reset_index().rename(columns={"unit_id": "area_id"})
    res = area[area["indicator"] == "residents"][["unit_id", "year", "value"]]
    res = res.rename(columns={"unit_id": "area_id", "value": "residents"})
    out = out.merge(res, on=["area_id", "year"], how="left")
    out["residents"] = out["residents"].fillna(0)
    return out


def protect_gap(published: pd.DataFrame, area_ids, municipality: str, areas: pd.DataFrame, policy) -> Protected | None:
    """The composite gap between the designated areas and the rest of the
    municipality per year (:func:`kvarter.screening.deprivation_gap`, weighted
    by residents), over the municipality's leaf areas with every component
    published; None when either group is empty in some year.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> rows = []
    >>> for y, vals in ((2020, (0.5, 0.1, 0.2)), (2021, (0.4, 0.1, 0.2))):
    ...     for a, v in zip("ABC", vals):
    ...         rows.append({"indicator": "basic_education_share", "level": "area", "unit_id": a, "year": y, "value": v})
    ...         rows.append({"indicator": "residents", "level": "area", "unit_id": a, "year": y, "value": 100.0})
    >>> areas = pd.DataFrame({"area_id": list("ABC"), "municipality": "K"})
    >>> g = protect_gap(pd.DataFrame(rows), {"A"}, "K", areas, DisclosurePolicy()).frame
    >>> # scores as in composite_scores: A 1.373 then 0.784, B -0.981, C -0.392 (rest -0.686)
    >>> g[["year", "group", "rest", "gap", "change"]].round(3).to_dict("records")
    [{'year': 2020, 'group': 1.373, 'rest': -0.686, 'gap': 2.059, 'change': 0.0}, {'year': 2021, 'group': 0.784, 'rest': -0.686, 'gap': 1.471, 'change': -0.286}]
    """
    from kvarter.errors import InputError
    from kvarter.screening import deprivation_gap

    leaves = leaf_areas(areas)
    ids = set(leaves.loc[leaves["municipality"].astype(str) == municipality, "area_id"].astype(str))
    pub = published[(published["level"] != "area") | published["unit_id"].astype(str).isin(ids)]
    scores = composite_scores(pub, municipality)
    if scores.empty:
        return None
    scores["designated"] = scores["area_id"].astype(str).isin(set(area_ids))
    try:
        gap = deprivation_gap(scores, "score", "designated", "year", weight="residents")
    except InputError:
        return None
    sizes = scores.groupby(["year", "designated"])["residents"].sum().unstack().min(axis=1)
    gap = gap.join(sizes.rename("persons")).reset_index()
    gap["components"] = len([i for i, _ in GAP_COMPONENTS if i in set(pub["indicator"])])
    gap["areas"] = scores["area_id"].nunique()
    return protect(gap, policy, key=["year"], value_columns=["group", "rest", "gap", "change", "components", "areas"],
                   count_column="persons", name="composite gap")
