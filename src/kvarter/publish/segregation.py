"""Segregation results as protected tables: the long indices, Table 1, trends,
index correlations and the units the filters dropped."""

from __future__ import annotations

import pandas as pd

from kvarter.disclosure import Protected, protect
from kvarter.errors import InputError

def few_units_cells(res: pd.DataFrame, keys: list[str], values: list[str]) -> pd.Series:
    """The smallest unit x group count behind each result row whose pair is
    measured over few units; NaN elsewhere.

    An index is a function of the unit x group counts; with the group sizes
    published (persons, minority), the indices of one municipality, year and
    pair are equations in the ``2 x units`` unknown counts. When there are
    no more unknowns than published figures (the non-empty values of the
    pair's rows, plus the two sizes) the counts can have a unique integer
    solution (four areas, nine indices: one area's single child of a group
    came out exactly), so every cell must then rest on the minimum. The
    value is the same for every index of the pair: they go together.

    >>> res = pd.DataFrame({"year": 2020, "pair": "p", "index": ["d", "h"], "estimate": [0.3, 0.1],
    ...                     "units": 4, "smallest_cell": 1.0})
    >>> few_units_cells(res, ["year", "pair", "index"], ["estimate"]).tolist()  # 8 unknowns, 2 + 2 figures
    [nan, nan]
    >>> few_units_cells(res.assign(units=2), ["year", "pair", "index"], ["estimate"]).tolist()
    [1.0, 1.0]
    """
    if "smallest_cell" not in res.columns or "units" not in res.columns:
        return pd.Series(float("nan"), index=res.index)
    group = [k for k in keys if k != "index"]
    figures = res[values].notna().sum(axis=1).groupby([res[k] for k in group]).transform("sum") + 2
    few = 2 * res["units"] <= figures
    return res["smallest_cell"].where(few)


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
    res["small_cell"] = few_units_cells(res, keys, values)
    # The smallest unit x group count rides in protect's contributors column:
    # a row resting on 1..min-1 persons there is suppressed like a small
    # numerator, and the column is not published.
    out[f"{label_of}_results"] = protect(res[keys + values + ["persons", "minority", "small_cell"]], policy, key=keys,
                                         value_columns=values, count_column="minority",
                                         contributors_column="small_cell", name=f"{label_of} segregation")
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



def protect_segregation_files(analysis, policy) -> dict[str, Protected]:
    """Every table of a segregation analysis that ``kvarter segregation``
    publishes, protected: :func:`protect_segregation`'s tables named
    ``segregation_*``, the index correlations and the units and
    municipalities the filters dropped (a dropped school's size is a count of
    pupils, so it is protected too).

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
    >>> sorted(protect_segregation_files(analysis, DisclosurePolicy()))
    ['segregation_results', 'segregation_table1', 'segregation_trends', 'segregation_trends_d']
    """
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
    return tables
