"""Spine-chart data (UK Public Health Profiles practice): one row per
indicator for one unit — its value against the range and middle 50 % of its
group, the reference line, and the unit's funnel class as the colour.

The group's range and quartiles are over the unit and its members (as
Fingertips draws a local authority among all of England's); the reference
is the members' pooled value where the indicator is a ratio of sums, else
their mean. The funnel class puts the unit on the funnel of its group
around that reference: shares as proportions (numerator of denominator),
rates per 1,000 as Poisson rates; other kinds get no class.

Reference: Public Health England, *Fingertips: spine charts* (Public Health
Profiles user guide, 2019).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.benchmark.compare import _scales, _select, compare, indicator_kinds
from kvarter.benchmark.funnel import funnel

SPINE_COLUMNS = ["unit", "indicator", "year", "value", "numerator", "denominator", "group_min", "q1", "median",
                 "q3", "group_max", "reference", "reference_kind", "members", "funnel_class"]


def spine_chart(indicators: pd.DataFrame, groups: pd.DataFrame, unit: str, year: int, *, level: str | None = None,
                kinds: dict[str, str] | None = None, funnel_limits: str = "exact") -> pd.DataFrame:
    """One row per indicator for ``unit`` in ``year``: the data of a spine chart.

    Columns :data:`SPINE_COLUMNS`. ``indicators``, ``groups``, ``level`` and
    ``kinds`` as for :func:`~kvarter.benchmark.compare.compare`.

    >>> long = pd.DataFrame({"indicator": "s", "unit_id": list("ABCDE"), "year": 2024,
    ...     "numerator": [60.0, 10, 20, 30, 40], "denominator": [100.0] * 5, "value": [0.6, 0.1, 0.2, 0.3, 0.4]})
    >>> groups = pd.DataFrame({"unit": "A", "group": "g", "member": list("BCDE")})
    >>> s = spine_chart(long, groups, "A", 2024, kinds={"s": "share"})
    >>> s[["value", "group_min", "q1", "median", "q3", "group_max", "reference", "funnel_class"]].values.tolist()
    [[0.6, 0.1, 0.2, 0.3, 0.4, 0.6, 0.25, 'above_998']]
    """
    mine = groups[groups["unit"].astype(str) == str(unit)]
    comp = compare(indicators, mine, year, level=level, kinds=kinds)
    t = _select(indicators, mine, year, level)
    kinds = {**indicator_kinds(t["indicator"].unique()), **(kinds or {})}
    scales = _scales(t)
    members = set(mine["member"].astype(str)) | {str(unit)}
    rows = []
    for ind, c in comp.groupby("indicator", sort=False):
        ref = c[c["reference_kind"] == "pooled"]
        ref = ref if len(ref) else c[c["reference_kind"] == "mean"]
        r = ref.iloc[0]
        g = t[(t["indicator"] == ind) & t["unit_id"].isin(members)].dropna(subset=["value"])
        q = np.quantile(g["value"].to_numpy(), [0, 0.25, 0.5, 0.75, 1])
        cls = None
        kind = kinds.get(ind)
        scale = scales.get(ind, np.nan)
        fk = {"share": "proportion", "per_1000": "rate"}.get(kind)
        if fk and np.isfinite(scale) and g["numerator"].notna().all() and (g["denominator"] > 0).all():
            f = funnel(g["numerator"].to_numpy(), g["denominator"].to_numpy(), fk, target=r["reference"] / scale,
                       limits=funnel_limits, units=g["unit_id"].tolist(), scale=scale)
            cls = f.loc[f["unit"] == str(unit), "class"].item()
        rows.append({"unit": str(unit), "indicator": ind, "year": int(r["year"]), "value": r["value"],
                     "numerator": r["numerator"], "denominator": r["denominator"], "group_min": q[0], "q1": q[1],
                     "median": q[2], "q3": q[3], "group_max": q[4], "reference": r["reference"],
                     "reference_kind": r["reference_kind"], "members": int(r["members"]), "funnel_class": cls})
    return pd.DataFrame(rows, columns=SPINE_COLUMNS)
