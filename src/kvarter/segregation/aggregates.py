"""Counts per unit from the store's ``aggregates`` table, for users without
microdata (e.g. Statistics Netherlands' neighbourhood figures): the same
analysis then runs on published counts.

A suppressed count (status ``suppressed``) is never read as zero: a unit with
a suppressed count that the analysis needs is left out, and the result says
which.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kvarter.errors import InputError
from kvarter.validation import check_columns


@dataclass(frozen=True)
class AggregateCounts:
    """``counts`` in the long form :func:`~kvarter.segregation.analyse_segregation`
    takes (``municipality, year, unit, group, n``, with a ``total`` group), and
    the units left out with the reason."""

    counts: pd.DataFrame
    left_out: pd.DataFrame


def counts_from_aggregates(
    aggregates: pd.DataFrame,
    variable: str,
    *,
    unit_kind: str,
    total: tuple[str, str] | None = ("inhabitants", "total"),
    complement: str | None = "native",
    municipality: str = "all",
) -> AggregateCounts:
    """Group counts per unit for one aggregate ``variable`` (its categories become groups).

    ``unit_kind`` picks the units (e.g. ``neighbourhood``). With ``total`` (a
    ``(variable, category)`` holding each unit's population) every unit gets
    its size, and ``complement`` names the group of the rest: total minus the
    categories (CBS publishes western and non-western migration background;
    the complement is the population without one). Units with a suppressed or
    missing count among those needed, or whose categories exceed the total,
    are left out.

    >>> agg = pd.DataFrame({"unit_id": ["B1"] * 3 + ["B2"] * 3, "unit_kind": "neighbourhood", "year": 2019,
    ...     "variable": ["inhabitants", "origin", "origin"] * 2, "category": ["total", "western", "non_western"] * 2,
    ...     "count": [100, 10, 30, 50, None, 5], "status": ["published"] * 4 + ["suppressed", "published"]})
    >>> r = counts_from_aggregates(agg, "origin", unit_kind="neighbourhood")
    >>> r.counts.sort_values("group")[["unit", "group", "n"]].values.tolist()
    [['B1', 'native', 60.0], ['B1', 'non_western', 30.0], ['B1', 'total', 100.0], ['B1', 'western', 10.0]]
    >>> r.left_out[["unit", "reason"]].values.tolist()
    [['B2', 'a needed count is suppressed or missing']]
    """
    check_columns(list(aggregates.columns), ["unit_id", "unit_kind", "year", "variable", "category", "count"],
                  "aggregates", "counts_from_aggregates")
    a = aggregates[aggregates["unit_kind"] == unit_kind]
    if a.empty:
        kinds = ", ".join(sorted(map(str, aggregates["unit_kind"].unique())))
        raise InputError(f"counts_from_aggregates: no units of kind {unit_kind!r}; the aggregates have {kinds}. "
                         "Pass one of them as unit_kind (kvarter segregation --unit-kind KIND).")
    wanted = a["variable"] == variable
    if total is not None:
        wanted |= (a["variable"] == total[0]) & (a["category"] == total[1])
    a = a[wanted].copy()
    if not (a["variable"] == variable).any():
        names = ", ".join(sorted(map(str, aggregates["variable"].unique())))
        raise InputError(f"counts_from_aggregates: no variable {variable!r} among the {unit_kind} aggregates; "
                         f"the aggregates have {names}. Pass one of them as the variable "
                         "(kvarter segregation --aggregates VARIABLE).")
    suppressed = a["status"].eq("suppressed") if "status" in a.columns else pd.Series(False, index=a.index)
    a["n"] = pd.to_numeric(a["count"], errors="coerce").where(~suppressed)
    a["group"] = a["category"].where(a["variable"] == variable, "total")
    wide = a.pivot_table(index=["unit_id", "year"], columns="group", values="n", aggfunc="first", dropna=False)
    groups = sorted(a.loc[a["variable"] == variable, "category"].unique())
    needed = groups + (["total"] if total is not None else [])
    wide = wide.reindex(columns=needed)
    missing = wide[needed].isna().any(axis=1)
    left = [{"unit": u, "year": y, "reason": "a needed count is suppressed or missing"} for u, y in wide.index[missing]]
    wide = wide[~missing]
    if total is not None and complement is not None:
        rest = wide["total"] - wide[groups].sum(axis=1)
        bad = rest < 0
        left += [{"unit": u, "year": y, "reason": "its categories exceed its total"} for u, y in wide.index[bad]]
        wide = wide[~bad]
        wide[complement] = rest[~bad]
    long = wide.reset_index().melt(id_vars=["unit_id", "year"], var_name="group", value_name="n")
    long = long.rename(columns={"unit_id": "unit"})
    long.insert(0, "municipality", municipality)
    left_out = pd.DataFrame(left, columns=["unit", "year", "reason"])
    return AggregateCounts(long[["municipality", "year", "unit", "group", "n"]], left_out)
