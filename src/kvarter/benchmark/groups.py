"""Reference groups: which units each unit is compared with.

:func:`reference_groups` returns one row per unit and member —
``unit, group, member, distance, rank, is_self, method`` — in any of the
shapes users know:

* ``"peers"`` — a list of peer units (``peers=[...]``), for every unit in
  ``focus`` (default: every unit);
* ``"file"`` — a user's YAML (``groups: {name: [units]}``) or CSV
  (``unit, group``) file (``path=...``);
* ``"size_class"`` — population bands (``bands="cbs_gemeentegrootte"``,
  ``"no_kostra_2020"`` or a list of :class:`~kvarter.benchmark.definitions.Band`);
* ``"region"`` — the units of the same region (``column="region"``);
* ``"country"`` — all other units;
* ``"fixed"`` — a fixed grouping's definitions (``grouping="kostra_2020"``)
  with a unit → group mapping (``mapping=`` a CSV path or a table);
* ``"nearest"`` — the ``k`` nearest units on standardised ``indicators``
  (:mod:`kvarter.benchmark.nearest`).

A unit is never its own member unless ``include_self=True``; ``is_self``
says which row is the unit itself. Partition groupings (all but peers and
nearest) also carry ``.attrs["partition"]`` (unit → group), which lets
:func:`~kvarter.benchmark.compare.compare` sum groups without a join.

``units`` is a table with a ``unit_id`` column and whatever the method reads
(``population``, ``region``, indicator columns; see :func:`unit_table`), or a
plain list of unit ids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kvarter.benchmark.definitions import (
    Band,
    check_membership,
    load_grouping,
    load_size_classes,
    read_table,
)
from kvarter.benchmark.nearest import nearest_neighbours
from kvarter.errors import InputError
from kvarter.validation import check_columns

METHODS = ("peers", "file", "size_class", "region", "country", "fixed", "nearest")
GROUP_COLUMNS = ["unit", "group", "member", "distance", "rank", "is_self", "method"]

#: The default indicators of the nearest-neighbour method (ids of the built-in
#: catalogue; those a table lacks are skipped): size, origin, labour-market
#: attachment, education, income, child poverty and household composition —
#: the structural conditions a municipality cannot change in a year.
DEFAULT_NEAREST_INDICATORS = (
    "residents",
    "non_western_share",
    "outside_labour_education_share",
    "basic_education_share",
    "income_gross_mean_15_64",
    "child_poverty_share",
    "employed_share_18_64",
    "singles_share",
)


def unit_table(indicators: pd.DataFrame, level: str, year: int, columns=None, *, population: str = "residents",
               municipality: str | None = None) -> pd.DataFrame:
    """One row per unit of ``level`` in ``year`` from the long indicator table.

    Columns: ``unit_id, municipality, region, population`` (the
    ``population`` indicator's value) and one column per indicator in
    ``columns`` (default: every indicator). ``municipality`` keeps the
    areas of one municipality.

    >>> long = pd.DataFrame({"indicator": ["residents", "residents", "x", "x"], "level": "municipality",
    ...     "unit_id": ["A", "B", "A", "B"], "municipality": ["A", "B", "A", "B"], "region": "R",
    ...     "year": 2024, "value": [1200.0, 800.0, 0.1, 0.3]})
    >>> unit_table(long, "municipality", 2024).values.tolist()
    [['A', 'A', 'R', 1200.0, 1200.0, 0.1], ['B', 'B', 'R', 800.0, 800.0, 0.3]]
    """
    check_columns(list(indicators.columns), ["indicator", "level", "unit_id", "year", "value"], "indicators", "unit_table")
    t = indicators[(indicators["level"] == level) & (indicators["year"] == year)]
    if municipality is not None:
        t = t[t["municipality"] == municipality]
    if t.empty:
        raise InputError(f"unit_table: the indicator table has no {level} rows for {year}"
                         + (f" in {municipality!r}" if municipality else "") + ".")
    wide = t.pivot_table(index="unit_id", columns="indicator", values="value", aggfunc="first", dropna=False)
    keys = t.drop_duplicates("unit_id").set_index("unit_id")
    out = pd.DataFrame({"unit_id": wide.index})
    for c in ("municipality", "region"):
        out[c] = keys[c].reindex(wide.index).to_numpy() if c in keys.columns else None
    out["population"] = wide[population].to_numpy() if population in wide.columns else np.nan
    cols = list(wide.columns) if columns is None else [c for c in columns if c in wide.columns]
    for c in cols:
        out[c] = wide[c].to_numpy()
    out.columns.name = None
    return out.reset_index(drop=True)


def _as_units(units) -> pd.DataFrame:
    if isinstance(units, pd.DataFrame):
        check_columns(list(units.columns), ["unit_id"], "units", "reference_groups")
        out = units.copy()
    else:
        out = pd.DataFrame({"unit_id": list(units)})
    out["unit_id"] = out["unit_id"].astype(str)
    dup = out["unit_id"][out["unit_id"].duplicated()]
    if len(dup):
        raise InputError(f"units passed to reference_groups name unit {dup.iloc[0]!r} twice; each unit once, please.")
    return out.reset_index(drop=True)


def _from_partition(assign: pd.Series, method: str, include_self: bool, focus=None) -> pd.DataFrame:
    """All (unit, member) pairs of the same label; ``assign`` maps unit -> group."""
    a = assign.dropna().astype(str)
    frame = pd.DataFrame({"unit": a.index.astype(str), "group": a.to_numpy()})
    pairs = frame.merge(frame.rename(columns={"unit": "member"}), on="group")
    if focus is not None:
        pairs = pairs[pairs["unit"].isin(set(map(str, focus)))]
    pairs["is_self"] = pairs["unit"] == pairs["member"]
    if not include_self:
        pairs = pairs[~pairs["is_self"]]
    pairs["distance"] = np.nan
    pairs["rank"] = pd.array([pd.NA] * len(pairs), dtype="Int64")
    pairs["method"] = method
    out = pairs[GROUP_COLUMNS].reset_index(drop=True)
    out.attrs.update({"partition": dict(zip(frame["unit"], frame["group"])), "include_self": include_self,
                      "method": method})
    return out


def _bands(bands) -> list[Band]:
    if isinstance(bands, str):
        classes = load_size_classes().classes
        if bands not in classes:
            raise InputError(f"reference_groups: unknown size classes {bands!r}; built in: {', '.join(sorted(classes))}.")
        return classes[bands].bands
    return [b if isinstance(b, Band) else Band.model_validate(b) for b in bands]


def size_class(population, bands="cbs_gemeentegrootte") -> list[str | None]:
    """The band code of each population (None where no band holds it, or it is missing).

    >>> size_class([4999, 5000, 250000, None])
    ['1', '2', '8', None]
    >>> size_class([1500, 12000], "no_kostra_2020")
    ['0-1999', '10000-19999']
    """
    bl = _bands(bands)
    out = []
    for p in pd.to_numeric(pd.Series(list(population), dtype=object), errors="coerce"):
        code = None
        if pd.notna(p):
            for b in bl:
                if p >= b.min and (b.max is None or p <= b.max):
                    code = b.code
                    break
        out.append(code)
    return out


def reference_groups(units, method: str, **options) -> pd.DataFrame:
    """Each unit's reference group as rows ``unit, group, member, distance, rank, is_self, method``.

    See the module text for the methods and their options; every method
    takes ``include_self`` (default False). Units a method cannot place (no
    population, no region, not in the mapping) get no rows and are named in
    ``.attrs["ungrouped"]``.

    Examples
    --------
    >>> units = pd.DataFrame({"unit_id": ["A", "B", "C", "D"], "population": [3000, 4000, 30000, 45000],
    ...                       "region": ["N", "N", "S", "S"]})
    >>> reference_groups(units, "size_class")[["unit", "group", "member"]].values.tolist()
    [['A', '1', 'B'], ['B', '1', 'A'], ['C', '4', 'D'], ['D', '4', 'C']]
    >>> reference_groups(units, "peers", peers=["B", "C"], focus=["A"])[["unit", "member"]].values.tolist()
    [['A', 'B'], ['A', 'C']]
    """
    if method not in METHODS:
        raise InputError(f"The 'method' parameter of reference_groups must be one of {', '.join(METHODS)}. "
                         f"Got {method!r} instead.")
    include_self = bool(options.pop("include_self", False))
    u = _as_units(units)
    ids = u["unit_id"]
    focus = options.pop("focus", None)
    if method == "peers":
        peers = [str(p) for p in options.pop("peers")]
        unknown = [p for p in peers if p not in set(ids)]
        if unknown:
            raise InputError(f"reference_groups: peer(s) {', '.join(map(repr, unknown))} are not among the units; "
                             f"known units include {', '.join(map(repr, ids.head(8)))}.")
        dup = sorted({p for p in peers if peers.count(p) > 1})
        if dup:
            raise InputError(f"reference_groups: peer(s) {', '.join(map(repr, dup))} named twice.")
        who = list(ids) if focus is None else [str(f) for f in focus]
        rows = [{"unit": f, "group": "peers", "member": p, "is_self": p == f} for f in who for p in peers
                if include_self or p != f]
        if include_self:
            rows += [{"unit": f, "group": "peers", "member": f, "is_self": True} for f in who if f not in peers]
        out = pd.DataFrame(rows, columns=["unit", "group", "member", "is_self"])
        out["distance"] = np.nan
        out["rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["method"] = "peers"
        out = out[GROUP_COLUMNS]
        out.attrs.update({"include_self": include_self, "method": "peers", "ungrouped": []})
        return _done(out, options)
    if method == "nearest":
        return _nearest(u, include_self, focus, **options)
    if method == "country":
        assign = pd.Series("country", index=ids.to_numpy())
    elif method == "region":
        col = options.pop("column", "region")
        check_columns(list(u.columns), [col], "units", "reference_groups(method='region')")
        assign = pd.Series(u[col].to_numpy(), index=ids.to_numpy())
    elif method == "size_class":
        col = options.pop("column", "population")
        check_columns(list(u.columns), [col], "units", "reference_groups(method='size_class')")
        assign = pd.Series(size_class(u[col], options.pop("bands", "cbs_gemeentegrootte")), index=ids.to_numpy(),
                           dtype=object)
    elif method == "file":
        path = options.pop("path")
        table = read_table(path)
        check_membership(table, str(path), known_units=ids)
        assign = pd.Series(table["group"].to_numpy(), index=table["unit"].to_numpy()).reindex(ids.to_numpy())
    else:  # fixed
        grouping = load_grouping(options.pop("grouping", "kostra_2020"))
        mapping = options.pop("mapping")
        source = str(mapping) if isinstance(mapping, (str, Path)) else "mapping"
        table = read_table(mapping) if isinstance(mapping, (str, Path)) else pd.DataFrame(mapping)[["unit", "group"]]
        table = table.astype(str)
        check_membership(table, source, known_units=ids, known_groups=[g.id for g in grouping.groups])
        assign = pd.Series(table["group"].to_numpy(), index=table["unit"].to_numpy()).reindex(ids.to_numpy())
    out = _from_partition(assign, method, include_self, focus)
    out.attrs["ungrouped"] = [str(i) for i, g in assign.items() if g is None or (isinstance(g, float) and np.isnan(g))]
    return _done(out, options)


def _done(out: pd.DataFrame, options: dict) -> pd.DataFrame:
    if options:
        raise InputError(f"reference_groups got unknown option(s) {', '.join(sorted(options))} "
                         f"for method {out.attrs.get('method')!r}.")
    return out


def _nearest(u: pd.DataFrame, include_self: bool, focus, *, indicators=None, k: int = 15, weights=None,
             rebase: str = "global") -> pd.DataFrame:
    chosen = list(indicators) if indicators is not None else [c for c in DEFAULT_NEAREST_INDICATORS if c in u.columns]
    if not chosen:
        raise InputError("reference_groups(method='nearest'): none of the default indicators "
                         f"({', '.join(DEFAULT_NEAREST_INDICATORS)}) is a column of units; pass indicators=[...].")
    check_columns(list(u.columns), chosen, "units", "reference_groups(method='nearest')")
    values = u.set_index("unit_id")[chosen].apply(pd.to_numeric, errors="coerce")
    incomplete = values.isna().any(axis=1)
    values = values[~incomplete]
    nn = nearest_neighbours(values, k=k, weights=weights, rebase=rebase, include_self=include_self)
    if focus is not None:
        nn = nn[nn["unit"].isin(set(map(str, focus)))]
    out = pd.DataFrame({"unit": nn["unit"].astype(str).to_numpy(), "group": "nearest",
                        "member": nn["member"].astype(str).to_numpy(), "distance": nn["distance"].to_numpy(),
                        "rank": pd.array(nn["rank"].to_numpy(), dtype="Int64"),
                        "is_self": (nn["unit"] == nn["member"]).to_numpy(), "method": "nearest",
                        "drivers": nn["drivers"].to_numpy()})
    out.attrs.update({"include_self": include_self, "method": "nearest", "k": k, "indicators": chosen,
                      "weights": nn.attrs["weights"], "scale": nn.attrs["scale"],
                      "ungrouped": list(values.index[:0]) + [str(i) for i in incomplete[incomplete].index]})
    return out
