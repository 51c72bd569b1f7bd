"""Indicators from published aggregates (e.g. Statistics Netherlands'
neighbourhood key figures), in the long form of the indicator table, so the
benchmarks run on published counts as on microdata.

An indicator is a share: the sum of some ``(variable, category)`` counts over
the sum of others. A unit with a suppressed or missing count among those an
indicator needs is left out of that indicator — never read as zero — and
named in ``.attrs["left_out"]``.
"""

from __future__ import annotations

import pandas as pd

from kvarter.errors import InputError
from kvarter.validation import check_columns

#: Shares computable from the CBS Kerncijfers wijken en buurten layout
#: (:data:`kvarter.io.cbs.CBS_KWB_2019`): indicator -> (numerator cells, denominator cells).
CBS_SHARES: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {
    "non_western_share": ([("origin", "non_western")], [("inhabitants", "total")]),
    "western_share": ([("origin", "western")], [("inhabitants", "total")]),
    "age_0_14_share": ([("age_band", "0-14")], [("inhabitants", "total")]),
    "age_65_plus_share": ([("age_band", "65+")], [("inhabitants", "total")]),
    "education_low_share": ([("education_level", "low")],
                            [("education_level", "low"), ("education_level", "middle"), ("education_level", "high")]),
    "education_high_share": ([("education_level", "high")],
                             [("education_level", "low"), ("education_level", "middle"), ("education_level", "high")]),
}


def indicators_from_aggregates(aggregates: pd.DataFrame, shares=None, *, unit_kind: str) -> pd.DataFrame:
    """Shares per unit of ``unit_kind`` from the store's ``aggregates`` table.

    ``shares`` maps an indicator id to ``(numerator cells, denominator
    cells)``, each a list of ``(variable, category)`` (default
    :data:`CBS_SHARES`). Returns the long table ``indicator, level, unit_id,
    municipality, region, year, value, numerator, denominator, persons``
    (``level`` = ``unit_kind``; ``persons`` = the denominator); units left
    out are in ``.attrs["left_out"]`` (``indicator, unit, year, reason``).

    >>> agg = pd.DataFrame({"unit_id": ["B1", "B1", "B2", "B2"], "unit_kind": "neighbourhood", "year": 2019,
    ...     "variable": ["inhabitants", "origin"] * 2, "category": ["total", "non_western"] * 2,
    ...     "count": [200, 50, 100, None], "status": ["published"] * 3 + ["suppressed"]})
    >>> t = indicators_from_aggregates(agg, {"nw": ([("origin", "non_western")], [("inhabitants", "total")])},
    ...                                unit_kind="neighbourhood")
    >>> t[["unit_id", "value", "numerator", "denominator"]].values.tolist()
    [['B1', 0.25, 50.0, 200.0]]
    >>> t.attrs["left_out"][["unit", "reason"]].values.tolist()
    [['B2', 'a needed count is suppressed or missing']]
    """
    check_columns(list(aggregates.columns), ["unit_id", "unit_kind", "year", "variable", "category", "count"],
                  "aggregates", "indicators_from_aggregates")
    shares = CBS_SHARES if shares is None else shares
    a = aggregates[aggregates["unit_kind"] == unit_kind].copy()
    if a.empty:
        kinds = ", ".join(sorted(map(str, aggregates["unit_kind"].unique())))
        raise InputError(f"indicators_from_aggregates: no units of kind {unit_kind!r}; the aggregates have {kinds}.")
    suppressed = a["status"].eq("suppressed") if "status" in a.columns else pd.Series(False, index=a.index)
    a["n"] = pd.to_numeric(a["count"], errors="coerce").where(~suppressed)
    a["cell"] = list(zip(a["variable"], a["category"]))
    wide = a.pivot_table(index=["unit_id", "year"], columns="cell", values="n", aggfunc="first", dropna=False)
    have = set(wide.columns)
    parts, left = [], []
    for ind, (num_cells, den_cells) in shares.items():
        absent = [c for c in [*num_cells, *den_cells] if c not in have]
        if absent:
            raise InputError(f"indicators_from_aggregates: indicator {ind!r} needs {absent[0]!r}, which the "
                             f"aggregates of kind {unit_kind!r} do not have.")
        num = wide[list(num_cells)]
        den = wide[list(den_cells)]
        missing = num.isna().any(axis=1) | den.isna().any(axis=1)
        n, d = num.sum(axis=1), den.sum(axis=1)
        empty = ~missing & (d <= 0)
        left += [{"indicator": ind, "unit": u, "year": y, "reason": "a needed count is suppressed or missing"}
                 for u, y in wide.index[missing]]
        left += [{"indicator": ind, "unit": u, "year": y, "reason": "the denominator is zero"}
                 for u, y in wide.index[empty]]
        ok = ~missing & ~empty
        idx = wide.index[ok]
        parts.append(pd.DataFrame({
            "indicator": ind, "level": unit_kind, "unit_id": idx.get_level_values(0).astype(str),
            "municipality": None, "region": None, "year": idx.get_level_values(1).astype("int64"),
            "value": (n[ok] / d[ok]).to_numpy(), "numerator": n[ok].to_numpy(dtype=float),
            "denominator": d[ok].to_numpy(dtype=float), "persons": d[ok].to_numpy(dtype=float),
        }))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    out.attrs["left_out"] = pd.DataFrame(left, columns=["indicator", "unit", "year", "reason"])
    return out
