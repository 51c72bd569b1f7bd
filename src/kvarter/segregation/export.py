"""Keeping an analysis in the store. Files leave only through disclosure control
(:func:`kvarter.publish.segregation.protect_segregation_files`)."""

from __future__ import annotations


from kvarter.segregation.pipeline import SegregationAnalysis

STORE_TABLES = {
    "results": "segregation_results",
    "table1": "segregation_table1",
    "trends": "segregation_trends",
    "correlations": "segregation_correlations",
}


def store_analysis(analysis: SegregationAnalysis, store) -> list[str]:
    """Keep the analysis tables in the store (``segregation_results`` etc.); return their names.

    >>> import pandas as pd
    >>> from kvarter.segregation import analyse_segregation
    >>> from kvarter.segregation.groups import ThemeSet
    >>> ts = ThemeSet.model_validate({"kind": "segregation_themes", "version": 1, "source": "doctest",
    ...     "themes": [{"name": "origin", "field": "origin", "pairs": [["native", "western"]],
    ...                 "groups": {"native": {"values": ["native"]}, "western": {"values": ["western"]}}}]})
    >>> c = pd.DataFrame({"municipality": "M", "year": 2020, "unit": ["s1"] * 3 + ["s2"] * 3,
    ...                   "group": ["native", "western", "total"] * 2, "n": [40, 10, 50, 10, 40, 50]})
    >>> analysis = analyse_segregation(c, themes=ts, indices=("dissimilarity",), permutations=0, bootstrap=0,
    ...                                min_unit_size=0, min_municipality_size=0)
    >>> from kvarter.store import Store
    >>> store = Store(":memory:")
    >>> store_analysis(analysis, store)
    ['segregation_results', 'segregation_table1', 'segregation_trends', 'segregation_correlations']
    >>> # D = (|40/50 - 10/50| + |10/50 - 40/50|) / 2 = 0.6
    >>> store.read("segregation_results")["estimate"].round(6).tolist()
    [0.6]
    """
    names = []
    for attr, name in STORE_TABLES.items():
        store.write_result(name, getattr(analysis, attr))
        names.append(name)
    return names
