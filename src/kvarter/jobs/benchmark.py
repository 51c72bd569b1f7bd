"""Benchmark areas or municipalities against reference groups and publish
the comparison, the funnels and the spine-chart rows.

Values come from the store: the indicator table computed from microdata
(areas are its leaf areas; the cells its published table hides stay hidden
here) and published aggregates (Statistics Netherlands' neighbourhood file,
the synthetic country's municipalities) turned into the same indicators by
:func:`kvarter.benchmark.indicators_from_aggregates`. A unit in both comes
from the microdata. Groups are any of :data:`GROUPS` or a user's file; the
published reference is always the one including the unit
(:mod:`kvarter.publish.benchmark`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from kvarter.disclosure import DisclosurePolicy, Protected, protect
from kvarter.disclosure.status import SUPPRESSED
from kvarter.errors import InputError
from kvarter.publish import Publication

#: The groupings ``--group`` names (besides a file): label -> reference_groups method.
GROUPS = {"size-class": "size_class", "region": "region", "municipality": "region", "country": "country",
          "kostra": "fixed", "nearest": "nearest"}
LEVELS = ("area", "municipality")
#: Aggregates' unit kinds that stand for areas, in order of preference.
AREA_KINDS = ("area", "neighbourhood", "district")
#: The indicators the monitor's benchmarks section compares (its trend indicators).
HEADLINE_INDICATORS = ("outside_labour_education_share", "basic_education_share", "non_western_share",
                       "child_poverty_share")
#: Municipalities a store needs before the monitor benchmarks them against their size class.
MIN_MUNICIPALITIES = 20


@dataclass
class UnitValues:
    """One level and year of values to benchmark, with what disclosure needs:
    ``values`` (``indicator, unit_id, year, value, numerator, denominator,
    persons``), ``units`` (``unit_id, name, municipality, region,
    population``), ``hidden`` and ``published`` (``(indicator, unit)``
    cells hidden or published in the published indicator table), ``kinds``
    and ``sums`` (per indicator), ``notes``."""

    values: pd.DataFrame
    units: pd.DataFrame
    hidden: set = field(default_factory=set)
    published: set = field(default_factory=set)
    kinds: dict = field(default_factory=dict)
    sums: set = field(default_factory=set)
    notes: list = field(default_factory=list)


def parse_group(text: str) -> tuple[str, dict]:
    """``--group`` as a reference_groups method and its options.

    >>> parse_group("size-class"), parse_group("nearest:15"), parse_group("nearest")
    (('size_class', {}), ('nearest', {'k': 15}), ('nearest', {'k': 15}))
    >>> parse_group("municipality")
    ('region', {'column': 'municipality'})
    >>> parse_group("nearest:x")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: --group nearest:x — k must be a whole number of neighbours >= 1 (e.g. nearest:15).
    """
    head, _, arg = str(text).partition(":")
    if head == "nearest":
        try:
            k = int(arg) if arg else 15
        except ValueError:
            k = 0
        if k < 1:
            raise InputError(f"--group {text} — k must be a whole number of neighbours >= 1 (e.g. nearest:15).")
        return "nearest", {"k": k}
    if text in GROUPS:
        return GROUPS[text], ({"column": "municipality"} if text == "municipality" else {})
    if Path(text).is_file():
        return "file", {"path": Path(text)}
    raise InputError(f"--group {text!r} is not a grouping ({', '.join(k for k in GROUPS if k != 'nearest')}, "
                     "nearest:K) nor an existing file of groups (YAML groups: {name: [units]} or CSV unit,group).")


def _kinds_and_sums(ids, catalogue) -> tuple[dict, set]:
    from kvarter.indicators import load_catalogue

    cat = catalogue if catalogue is not None else load_catalogue()
    kinds, sums = {}, set()
    for i in ids:
        try:
            d = cat[i]
        except KeyError:  # computed from aggregates: a share of counts
            kinds[i] = "share"
            continue
        kinds[i] = "ratio" if d.comparison == "ratio" else d.unit
        if d.numerator is not None and d.numerator.sum:
            sums.add(i)
    return kinds, sums


def _aggregate_values(agg: pd.DataFrame, level: str, year: int) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Indicators, units and notes from the store's aggregates for ``level`` in ``year``."""
    from kvarter.benchmark import CBS_SHARES, indicators_from_aggregates
    from kvarter.demo.country import COUNTRY_SHARES

    kinds = set(agg["unit_kind"].astype(str))
    kind = "municipality" if level == "municipality" else next((k for k in AREA_KINDS if k in kinds), None)
    empty = pd.DataFrame(columns=["indicator", "unit_id", "year", "value", "numerator", "denominator", "persons"])
    if kind is None or kind not in kinds:
        return empty, pd.DataFrame(columns=["unit_id", "name", "municipality", "region", "population"]), []
    a = agg[(agg["unit_kind"] == kind) & (agg["year"] == year)]
    if a.empty:
        return empty, pd.DataFrame(columns=["unit_id", "name", "municipality", "region", "population"]), []
    cells = set(zip(a["variable"], a["category"]))
    shares = {i: s for i, s in {**CBS_SHARES, **COUNTRY_SHARES}.items() if set(s[0]) | set(s[1]) <= cells}
    notes = []
    if shares:
        t = indicators_from_aggregates(a, shares, unit_kind=kind)
        left = t.attrs.get("left_out")
        t.attrs = {}
        if left is not None and len(left):
            by = left.groupby("reason")["unit"].nunique()
            notes += [f"{n} {kind}(s) left out of some indicators: {r} (never read as zero)" for r, n in by.items()]
        t = t[["indicator", "unit_id", "year", "value", "numerator", "denominator", "persons"]]
    else:
        t = empty
    a = a.assign(n=pd.to_numeric(a["count"], errors="coerce").where(a.get("status", "published") != "suppressed"))
    pop = a[(a["variable"] == "inhabitants") & (a["category"] == "total")].set_index("unit_id")["n"]
    res = pd.DataFrame({"indicator": "residents", "unit_id": pop.index.astype(str), "year": year,
                        "value": pop.to_numpy(float), "numerator": np.nan, "denominator": np.nan,
                        "persons": pop.to_numpy(float)}).dropna(subset=["value"])
    region = a[a["variable"] == "region"].sort_values("n").drop_duplicates("unit_id", keep="last")
    region = dict(zip(region["unit_id"].astype(str), region["category"]))
    names = a.drop_duplicates("unit_id").set_index("unit_id")["unit_name"] if "unit_name" in a else pd.Series(dtype=str)
    ids = sorted(set(a["unit_id"].astype(str)))
    munis = sorted(set(agg.loc[agg["unit_kind"] == "municipality", "unit_id"].astype(str)))

    def municipality_of(u: str):
        if kind == "municipality":
            return u
        if len(munis) == 1:
            return munis[0]
        # Statistics Netherlands' codes: BU/WK + the municipality's four digits
        code = "GM" + u[2:6] if u[:2] in ("BU", "WK") else None
        return code if code in munis else None

    units = pd.DataFrame({"unit_id": ids, "name": [str(names.get(u, u) or u) for u in ids],
                          "municipality": [municipality_of(u) for u in ids],
                          "region": [region.get(u) for u in ids], "population": pop.reindex(ids).to_numpy(float)})
    return pd.concat([t, res], ignore_index=True), units, notes


def unit_values(store, policy: DisclosurePolicy, level: str, year: int, *, ind: pd.DataFrame | None = None,
                published: Protected | None = None, engine: str = "duckdb", catalogue=None) -> UnitValues:
    """The values of ``level`` in ``year`` from the store's microdata and aggregates (see the module text).

    ``ind`` and ``published`` are the indicator table and its protected
    form when the caller has them (the monitor); otherwise they are computed
    (the indicator table kept in the store as usual).

    >>> from kvarter.store import Store
    >>> unit_values(Store(":memory:"), DisclosurePolicy(), "area", 2024)
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has neither persons nor aggregates to benchmark; load data first (kvarter load FILE --table persons, or --table aggregates).
    """
    if level not in LEVELS:
        raise InputError(f"--level must be one of {', '.join(LEVELS)}; got {level!r}.")
    has_persons, has_agg = store.has_table("persons"), store.has_table("aggregates")
    if not (has_persons or has_agg or ind is not None):
        raise InputError("The store has neither persons nor aggregates to benchmark; load data first "
                         "(kvarter load FILE --table persons, or --table aggregates).")
    parts, units, notes = [], [], []
    hidden, pub_cells = set(), set()
    if ind is not None or has_persons:
        from kvarter.jobs.indicators import indicator_table
        from kvarter.publish.indicators import protect_store_indicators
        from kvarter.publish.profiles import leaf_areas

        ind = ind if ind is not None else indicator_table(store, engine=engine, catalogue=catalogue)
        if published is None:
            published, _ = protect_store_indicators(store, ind, policy, years=[year], catalogue=catalogue)
        t = ind[(ind["level"] == level) & (ind["year"] == year)].astype({"unit_id": str})
        areas = store.read("areas") if store.has_table("areas") else pd.DataFrame(columns=["area_id", "name"])
        areas = areas.astype({"area_id": str})
        if level == "area" and len(areas):
            t = t[t["unit_id"].isin(set(leaf_areas(areas)["area_id"].astype(str)))]
        parts.append(t[["indicator", "unit_id", "year", "value", "numerator", "denominator", "persons"]])
        f = published.frame
        f = f[(f["level"] == level) & (f["year"] == year)]
        gone = f["value_status"].isin(SUPPRESSED) | f["persons_status"].isin(SUPPRESSED)
        hidden = set(zip(f.loc[gone, "indicator"], f.loc[gone, "unit_id"].astype(str)))
        pub_cells = set(zip(f.loc[~gone, "indicator"], f.loc[~gone, "unit_id"].astype(str)))
        first = t.drop_duplicates("unit_id").set_index("unit_id")
        res = t[t["indicator"] == "residents"].set_index("unit_id")["value"]
        name_of = dict(zip(areas["area_id"], areas["name"])) if level == "area" else {}
        ids = list(first.index)
        units.append(pd.DataFrame({"unit_id": ids, "name": [name_of.get(u, u) for u in ids],
                                   "municipality": first["municipality"].reindex(ids).to_numpy() if level == "area"
                                   else ids,
                                   "region": first["region"].reindex(ids).to_numpy(),
                                   "population": res.reindex(ids).to_numpy(float)}))
    if has_agg:
        av, au, an = _aggregate_values(store.read("aggregates"), level, year)
        known = set(units[0]["unit_id"]) if units else set()
        if len(au):
            parts.append(av[~av["unit_id"].astype(str).isin(known)])
            units.append(au[~au["unit_id"].isin(known)])
            notes += an
    values = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
    if values is None:
        raise InputError(f"The store has no {level} values for {year} to benchmark.")
    values["unit_id"] = values["unit_id"].astype(str)
    values["year"] = values["year"].astype("int64")
    kinds, sums = _kinds_and_sums(values["indicator"].unique(), catalogue)
    return UnitValues(values=values, units=pd.concat(units, ignore_index=True), hidden=hidden, published=pub_cells,
                      kinds=kinds, sums=sums, notes=notes)


def _nearest_values(uv: UnitValues, indicators, policy, prefix: str) -> tuple[Protected, pd.DataFrame]:
    """The nearest-neighbour indicators per unit, protected; the units table
    with their published values as columns (distances use nothing else)."""
    from kvarter.publish.benchmark import _measures

    v = uv.values[uv.values["indicator"].isin(indicators)].dropna(subset=["value"])
    v = _measures(v, uv.kinds, uv.sums)
    v["linked"] = [(i, u) in uv.hidden for i, u in zip(v["indicator"], v["unit_id"])]
    p = protect(v[["indicator", "unit_id", "year", "value", "persons", "share_numerator", "sum_value", "linked"]],
                policy, key=["indicator", "unit_id", "year"], value_columns=["value"], count_column="persons",
                numerator_column="share_numerator", sum_column="sum_value", linked_column="linked",
                name=f"{prefix} nearest-neighbour values")
    f = p.frame
    ok = f[~f["value_status"].isin(SUPPRESSED) & ~f["persons_status"].isin(SUPPRESSED)]
    wide = ok.pivot_table(index="unit_id", columns="indicator", values="value", aggfunc="first")
    units = uv.units.set_index("unit_id").join(wide, how="left").reset_index()
    return p, units


def benchmark_tables(uv: UnitValues, policy: DisclosurePolicy, *, indicators, group: str, year: int,
                     bands: str = "cbs_gemeentegrootte", mapping=None, nearest_indicators=None,
                     prefix: str = "benchmark", spine_units=None, units_filter=None) -> tuple[dict, list[str]]:
    """The protected tables of one benchmark (``<prefix>_comparison``,
    ``_funnel``, ``_spine``, and ``_nearest_values`` for nearest neighbours)
    and notes for the reader. ``units_filter`` keeps some units only (the
    areas of one municipality).

    >>> v = pd.DataFrame({"indicator": "s", "unit_id": ["A", "B", "C"], "year": 2024, "value": [0.3, 0.1, 0.2],
    ...     "numerator": [30.0, 10.0, 40.0], "denominator": [100.0, 100.0, 200.0], "persons": [100.0, 100.0, 200.0]})
    >>> units = pd.DataFrame({"unit_id": ["A", "B", "C"], "name": ["A", "B", "C"], "municipality": "K",
    ...                       "region": ["N", "N", "S"], "population": [100.0, 100.0, 200.0]})
    >>> t, notes = benchmark_tables(UnitValues(values=v, units=units, kinds={"s": "share"}), DisclosurePolicy(),
    ...                             indicators=["s"], group="region", year=2024)
    >>> c = t["benchmark_comparison"].frame
    >>> c[c["row"] == "reference"][["group", "value", "members"]].values.tolist()
    [['N', 0.2, 2.0], ['S', 0.2, 1.0]]
    """
    from kvarter.benchmark import DEFAULT_NEAREST_INDICATORS, reference_groups
    from kvarter.publish.benchmark import protect_benchmark

    method, opts = parse_group(group)
    indicators = list(indicators)
    unknown = [i for i in indicators if i not in set(uv.values["indicator"])]
    if unknown:
        have = sorted(set(uv.values["indicator"]))
        raise InputError(f"--indicator {unknown[0]!r}: no such indicator among the store's values for {year} "
                         f"({len(have)} available: {', '.join(have[:12])}{' ...' if len(have) > 12 else ''}).")
    notes = list(uv.notes)
    units = uv.units if units_filter is None else uv.units[uv.units["unit_id"].isin(set(units_filter))]
    tables: dict = {}
    if method == "size_class":
        opts["bands"] = bands
        opts["column"] = "population"
    if method == "fixed":
        if mapping is None:
            raise InputError("--group kostra needs --mapping FILE: a CSV unit,group naming each unit's KOSTRA group "
                             "(the 2020 definitions, SSB Rapporter 2020/48).")
        opts["mapping"] = Path(mapping)
    if method == "region" and units[opts.get("column", "region")].isna().all():
        raise InputError(f"--group {group} — no unit has a {opts.get('column', 'region')}; choose another grouping.")
    if method == "nearest":
        chosen = [i for i in (nearest_indicators or DEFAULT_NEAREST_INDICATORS) if i in set(uv.values["indicator"])]
        if not chosen:
            raise InputError(f"--group {group} — none of the nearest-neighbour indicators "
                             f"({', '.join(nearest_indicators or DEFAULT_NEAREST_INDICATORS)}) is among the values.")
        p, units = _nearest_values(uv, chosen, policy, prefix)
        if units_filter is not None:
            units = units[units["unit_id"].isin(set(units_filter))]
        tables[f"{prefix}_nearest_values"] = p
        # An indicator most units lack (incomes, known from microdata only) would shrink the pool to those few.
        sparse = [i for i in chosen if units[i].notna().mean() < 0.5]
        if sparse and len(sparse) < len(chosen):
            notes.append(f"Nearest neighbours leave out {', '.join(sparse)}: published for fewer than half the units.")
            chosen = [i for i in chosen if i not in sparse]
        complete = units.dropna(subset=chosen)
        if len(complete) < len(units):
            notes.append(f"{len(units) - len(complete)} unit(s) without a published value of every "
                         f"nearest-neighbour indicator are left out of the neighbours.")
        opts["indicators"] = chosen
        k = opts["k"]
        if k > len(complete) - 1:
            raise InputError(f"--group {group} — k={k} is larger than the {len(complete) - 1} other unit(s) with "
                             f"published values of {', '.join(chosen)}; choose k <= {len(complete) - 1}.")
        units = complete
    groups = reference_groups(units, method, include_self=True, **opts)
    ungrouped = groups.attrs.get("ungrouped") or []
    if ungrouped:
        notes.append(f"{len(ungrouped)} unit(s) have no reference group under --group {group} "
                     f"(e.g. {', '.join(map(str, ungrouped[:3]))}).")
    if groups.empty:
        raise InputError(f"--group {group} — no unit has a reference group; choose another grouping.")
    elsewhere = set(uv.published)
    if f"{prefix}_nearest_values" in tables:
        nf = tables[f"{prefix}_nearest_values"].frame
        ok = ~nf["value_status"].isin(SUPPRESSED)
        elsewhere |= set(zip(nf.loc[ok, "indicator"], nf.loc[ok, "unit_id"].astype(str)))
    values = uv.values[uv.values["indicator"].isin(indicators)]
    names = dict(zip(uv.units["unit_id"], uv.units["name"]))
    tables.update(protect_benchmark(values, groups, policy, kinds=uv.kinds, sums=uv.sums, names=names,
                                    hidden=uv.hidden, published_elsewhere=elsewhere, spine_units=spine_units,
                                    prefix=prefix))
    notes += funnel_notes(tables[f"{prefix}_funnel"])
    return tables, notes


def funnel_notes(funnel: Protected) -> list[str]:
    """One sentence per indicator: units outside the 99.8 % limits and whether overdispersion was found.

    >>> from kvarter.publish.benchmark import protect_funnel
    >>> t = pd.DataFrame({"indicator": "s", "year": 2024, "group": "g", "unit": ["A", "B"], "name": ["A", "B"],
    ...     "value": [0.1, 0.5], "precision": 100.0, "target": 0.3, "lower_95": 0.2, "upper_95": 0.4, "lower_998": 0.15,
    ...     "upper_998": 0.45, "class": ["below_998", "above_998"], "class_unadjusted": ["below_998", "above_998"],
    ...     "limits": "exact", "phi": 0.8, "tau2": 0.0, "overdispersed": False, "distance": float("nan"),
    ...     "rank": float("nan"), "persons": [100.0, 100.0], "share_numerator": [10.0, 50.0],
    ...     "denominator": [100.0, 100.0]})
    >>> funnel_notes(protect_funnel(t, DisclosurePolicy()))
    ['s: 2 of 2 unit(s) outside the 99.8 % limits (exact); no overdispersion (phi 0.80 at most).']
    """
    f = funnel.frame
    out = []
    for ind, part in f.groupby("indicator", sort=False):
        # each unit once: its own row (rank 0) in its nearest-neighbour group, or its row in its partition group
        own = part[part["rank"].isna() | (part["rank"] == 0)]
        outside = int(own["class"].isin(["below_998", "above_998"]).sum())
        plain = int(own["class_unadjusted"].isin(["below_998", "above_998"]).sum())
        over = part.drop_duplicates("group")
        found = over[over["overdispersed"] == True]  # noqa: E712 (a column of booleans)
        drawn = over["limits"].astype(str).value_counts(sort=False)
        limits = "; ".join(f"{lim} in {n} group(s)" if len(drawn) > 1 else lim for lim, n in drawn.items())
        od = (f"overdispersion found in {len(found)} of {len(over)} group(s) (phi up to "
              f"{float(found['phi'].max()):.2f})" if len(found) else
              f"no overdispersion (phi {float(over['phi'].max()):.2f} at most)")
        before = f" ({plain} outside the unadjusted limits)" if plain != outside else ""
        out.append(f"{ind}: {outside} of {len(own)} unit(s) outside the 99.8 % limits ({limits}){before}; {od}.")
    return out


def benchmark_job(store, policy: DisclosurePolicy, *, indicator, group: str, level: str, year: int,
                  bands: str = "cbs_gemeentegrootte", mapping=None, nearest_indicators=None, engine: str = "duckdb",
                  catalogue=None) -> Publication:
    """Benchmark every unit of ``level`` in ``year`` on ``indicator`` (an id
    or a list) against its reference group ``group`` (:func:`parse_group`)
    and publish the comparison, funnel and spine tables (named
    ``benchmark_*``); the notes say what was left out, how many units lie
    outside the 99.8 % limits and whether overdispersion was found.

    >>> from kvarter.store import Store
    >>> st = Store(":memory:")
    >>> from kvarter.demo.country import synthesize_country
    >>> _ = st.load_many({"aggregates": synthesize_country(municipalities=30, years=[2024])})
    >>> pub = benchmark_job(st, DisclosurePolicy(), indicator="non_western_share", group="size-class",
    ...                     level="municipality", year=2024)
    >>> sorted(pub.tables), len(pub["benchmark_spine"])
    (['benchmark_comparison', 'benchmark_funnel', 'benchmark_spine'], 30)
    """
    uv = unit_values(store, policy, level, year, engine=engine, catalogue=catalogue)
    ids = [indicator] if isinstance(indicator, str) else list(indicator)
    tables, notes = benchmark_tables(uv, policy, indicators=ids, group=group, year=year, bands=bands,
                                     mapping=mapping, nearest_indicators=nearest_indicators)
    return Publication(tables=tables, policy=policy, year=int(year), notes=tuple(notes))


def monitor_benchmarks(store, policy: DisclosurePolicy, *, ind: pd.DataFrame, published: Protected,
                       areas: pd.DataFrame, year: int, municipality: str, focus_areas=(), catalogue=None,
                       notes: list | None = None) -> dict[str, Protected]:
    """The monitor's benchmarks: the areas of ``municipality`` against their
    city (``benchmark_areas_*``) and, when the store holds at least
    :data:`MIN_MUNICIPALITIES` municipalities (from microdata and
    aggregates), every municipality against its size class
    (``benchmark_municipalities_*``), on the :data:`HEADLINE_INDICATORS`.
    The spine tables hold the profiled area (the most populous of
    ``focus_areas``) and ``municipality``. What cannot be benchmarked is
    said in ``notes``, never raised.

    >>> from kvarter.store import Store
    >>> ind = pd.DataFrame({"indicator": ["non_western_share", "residents"], "level": "municipality",
    ...     "unit_id": "K", "municipality": "K", "region": "R", "year": 2024, "value": [0.1, 100.0],
    ...     "numerator": [10.0, None], "denominator": [100.0, None], "persons": [100.0, 100.0]})
    >>> from kvarter.publish.indicators import protect_indicators
    >>> notes = []
    >>> monitor_benchmarks(Store(":memory:"), DisclosurePolicy(), ind=ind, published=protect_indicators(ind,
    ...     DisclosurePolicy()), areas=pd.DataFrame(columns=["area_id", "name"]), year=2024, municipality="K",
    ...     notes=notes)
    {}
    >>> notes[-1]
    'Benchmarks: 1 municipalities in the store, fewer than 20; municipalities are not benchmarked against their size class.'
    """
    notes = notes if notes is not None else []
    tables: dict[str, Protected] = {}
    res = ind[(ind["indicator"] == "residents") & (ind["level"] == "area") & (ind["year"] == year)]
    res = dict(zip(res["unit_id"].astype(str), res["value"]))
    focus = sorted(map(str, focus_areas), key=lambda a: -float(res.get(a, 0) or 0))[:1]
    for level, group, prefix, spine in (("area", "municipality", "benchmark_areas", focus),
                                        ("municipality", "size-class", "benchmark_municipalities", [municipality])):
        try:
            uv = unit_values(store, policy, level, year, ind=ind, published=published, catalogue=catalogue)
            keep = None
            if level == "area":
                keep = set(uv.units.loc[uv.units["municipality"].astype(str) == str(municipality), "unit_id"])
            elif len(uv.units) < MIN_MUNICIPALITIES:
                notes.append(f"Benchmarks: {len(uv.units)} municipalities in the store, fewer than "
                             f"{MIN_MUNICIPALITIES}; municipalities are not benchmarked against their size class.")
                continue
            ids = [i for i in HEADLINE_INDICATORS if i in set(uv.values["indicator"])]
            t, n = benchmark_tables(uv, policy, indicators=ids, group=group, year=year, prefix=prefix,
                                    spine_units=spine, units_filter=keep)
        except InputError as exc:
            notes.append(f"Benchmarks ({level}): {exc}")
            continue
        tables.update(t)
        notes += [f"Benchmarks ({level}): {x}" for x in n if "outside the 99.8" in x]
    return tables
