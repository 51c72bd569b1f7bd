"""The main job: from what is in the store to ``report.html``, ``kvarter.xlsx``
and the tables as CSV/Parquet — every figure through disclosure control.

Steps: indicators (computed if the store has none) → designations under the
chosen rule sets, year by year with the law in force → area profiles and
trends for the designated areas against the rest of the municipality →
segregation of pupils across schools and of residents across areas → one
:func:`~kvarter.disclosure.protect` call per published table → renderers.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import pandas as pd

from kvarter.disclosure import DisclosurePolicy, Protected, hierarchy_relations, protect
from kvarter.errors import InputError
from kvarter.report import charts, frames, sentences
from kvarter.report.html import Chart, Heading, Map, Methods, Paragraph, Section, Table, write_report
from kvarter.report.i18n import check_lang, format_number, label
from kvarter.report.maps import svg_map
from kvarter.report.publish import (
    protect_criteria,
    protect_history,
    protect_indicators,
    protect_segregation,
    with_share_numerator,
    write_tables,
)
from kvarter.report.workbook import write_workbook

DEFAULT_RULESETS = ("dk-2024", "city-7")

#: Colour and precedence of designations on the map (first that applies wins).
MAP_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("omdannelsesomraade", "omdannelsesområde (transformation area)", "#67000d"),
    ("haardt_ghettoomraade", "hårdt ghettoområde", "#67000d"),
    ("parallelsamfund", "parallelsamfund (parallel society)", "#cb181d"),
    ("ghettoomraade", "ghettoområde", "#cb181d"),
    ("udsat_boligomraade", "udsat boligområde (deprived housing area)", "#fb6a4a"),
    ("forebyggelsesomraade", "forebyggelsesområde (prevention area)", "#fdae6b"),
    ("udsat_byomraade", "city screening: deprived urban area", "#9e9ac8"),
)

#: Gentofte-style key figures: (panel label key, (indicator id, category label key) ...).
PROFILE_PANELS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("employment_status", (
        ("employed_share_18_64", "employed"),
        ("unemployed_share_18_64", "unemployed"),
        ("outside_labour_force_share_18_64", "outside_labour_force"),
    )),
    ("household_types", (
        ("household_single_no_children_share", "single_no_children"),
        ("household_single_with_children_share", "single_with_children"),
        ("household_couple_no_children_share", "couple_no_children"),
        ("household_couple_with_children_share", "couple_with_children"),
    )),
    ("origin", (("non_western_share", "non_western"),)),
    ("education", (
        ("education_basic_share_15_64", "basic"),
        ("education_upper_secondary_share_15_64", "upper_secondary"),
        ("education_vocational_share_15_64", "vocational"),
        ("education_short_tertiary_share_15_64", "short_tertiary"),
        ("education_medium_tertiary_share_15_64", "medium_tertiary"),
        ("education_long_tertiary_share_15_64", "long_tertiary"),
    )),
    ("crime_per_1000", (
        ("charged_per_1000", "charged"),
        ("charges_per_1000", "charges"),
        ("convicted_per_1000", "convicted"),
    )),
    ("income", (("household_income_mean", "household_income_mean"),)),
)

#: Panels whose values are not shares (drawn as plain numbers).
NOT_PERCENT = {"crime_per_1000", "income"}

#: Trend indicators for designated areas against the rest of the city.
TREND_INDICATORS: tuple[str, ...] = (
    "outside_labour_education_share",
    "basic_education_share",
    "non_western_share",
    "child_poverty_share",
)

TREND_SUBJECTS = {
    "outside_labour_education_share": {
        "en": "the share of 18-64-year-olds outside work and education",
        "da": "andelen af 18-64-årige uden for arbejde og uddannelse",
        "no": "andelen 18-64-åringer utenfor arbeid og utdanning",
        "nl": "het aandeel 18-64-jarigen zonder werk of opleiding",
    },
    "basic_education_share": {
        "en": "the share of 30-59-year-olds with only basic schooling",
        "da": "andelen af 30-59-årige med kun grundskole",
        "no": "andelen 30-59-åringer med bare grunnskole",
        "nl": "het aandeel 30-59-jarigen met alleen basisonderwijs",
    },
    "non_western_share": {
        "en": "the share of immigrants and descendants from non-western countries",
        "da": "andelen af indvandrere og efterkommere fra ikke-vestlige lande",
        "no": "andelen innvandrere og etterkommere fra ikke-vestlige land",
        "nl": "het aandeel met een niet-westerse migratieachtergrond",
    },
    "child_poverty_share": {
        "en": "the share of children in low-income families",
        "da": "andelen af børn i lavindkomstfamilier",
        "no": "andelen barn i lavinntektsfamilier",
        "nl": "het aandeel kinderen in huishoudens met een laag inkomen",
    },
}

GROUP_LABELS = {
    "designated": {"en": "designated areas", "da": "udpegede områder", "no": "utpekte områder", "nl": "aangewezen gebieden"},
    "rest": {"en": "rest of the municipality", "da": "resten af kommunen", "no": "resten av kommunen", "nl": "rest van de gemeente"},
    "municipality": {"en": "whole municipality", "da": "hele kommunen", "no": "hele kommunen", "nl": "hele gemeente"},
}


@dataclass(frozen=True)
class ReportResult:
    """Where the job wrote its outputs, and what it found.

    ``tables`` maps a table name to its CSV path (a Parquet file sits beside
    each); ``designated`` maps a list id to the area ids on it in ``year``.
    """

    html: Path
    workbook: Path
    tables: dict[str, Path]
    year: int
    municipality: str
    designated: dict[str, list[str]]
    seconds: float
    notes: list[str] = field(default_factory=list)
    pages: dict[str, Path] = field(default_factory=dict)


# --------------------------------------------------------------------------- data


def indicator_table(store, *, engine: str = "duckdb", recompute: bool = False) -> pd.DataFrame:
    """The store's indicator table, computed and kept in the store when missing.

    >>> from kvarter.store import Store
    >>> indicator_table(Store(":memory:"))
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has no 'persons' table to compute indicators from; load persons first (kvarter load FILE --table persons).
    """
    if store.has_table("indicators") and not recompute:
        return store.read("indicators")
    if not store.has_table("persons"):
        raise InputError(
            "The store has no 'persons' table to compute indicators from; "
            "load persons first (kvarter load FILE --table persons)."
        )
    from kvarter.indicators import compute

    ind = compute(store, engine=engine)
    store.write_result("indicators", ind)
    return ind


def screen_years(values: pd.DataFrame, areas: pd.DataFrame, rulesets: Sequence[str], years: Sequence[int]) -> pd.DataFrame:
    """Screen every year under each rule set, each year under the law then in force.

    A rule set with predecessors (``dk-2024`` → ``dk-2018`` → ``dk-2013`` →
    ``dk-2010``) is applied through its law chain, so consecutive-year lists
    count the status each year had under its own law.
    """
    from kvarter.screening import law_chain, load_ruleset, screen_history

    parts = [screen_history(values, law_chain(load_ruleset(rs)), list(years), areas=areas) for rs in rulesets]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _main_municipality(areas: pd.DataFrame, designated_ids: set[str]) -> str:
    pool = areas[areas["area_id"].astype(str).isin(designated_ids)] if designated_ids else areas
    if pool.empty:
        pool = areas
    return str(pool["municipality"].value_counts().index[0])


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
    leaves = _leaf_areas(areas)
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


def _leaf_areas(areas: pd.DataFrame) -> pd.DataFrame:
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


def _protect_residents(ind: pd.DataFrame, areas: pd.DataFrame, year: int, policy) -> Protected:
    r = ind[(ind["indicator"] == "residents") & (ind["year"] == year) & (ind["level"].isin(["area", "municipality"]))]
    r = r[["level", "unit_id", "value"]].rename(columns={"value": "residents"})
    r["unit_id"] = r["unit_id"].astype(str)
    r["persons"] = r["residents"]
    # Residents of the leaf areas add up to their municipality, and a parent
    # area holds its children: both are relations an intruder can use.
    rel_rows = areas[["area_id", "municipality", "parent_area"]].astype(object)
    rels = []
    leaves = _leaf_areas(areas)
    for m, part in leaves.groupby("municipality"):
        ids = [a for a in part["area_id"].astype(str) if a in set(r["unit_id"])]
        if ids and str(m) in set(r["unit_id"]):
            from kvarter.disclosure import partition

            rels.append(partition(f"areas of {m}", (str(m), "municipality"), [(a, "area") for a in ids]))
    for parent, part in rel_rows.dropna(subset=["parent_area"]).groupby("parent_area"):
        ids = [a for a in part["area_id"].astype(str) if a in set(r["unit_id"])]
        if ids and str(parent) in set(r["unit_id"]):
            from kvarter.disclosure import partition

            rels.append(partition(f"inside {parent}", (str(parent), "area"), [(a, "area") for a in ids]))
    r = r[["unit_id", "level", "residents", "persons"]]
    return protect(r, policy, key=["unit_id", "level"], value_columns=["residents"], count_column="persons",
                   relations=rels, name="residents")


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


def _protect_trends(ind, area_ids, municipality, years, policy) -> dict[str, Protected]:
    out = {}
    for indicator in TREND_INDICATORS:
        if indicator not in set(ind["indicator"]):
            continue
        t = _group_table(ind, indicator, area_ids, municipality, years, rest=True)
        t = t.dropna(subset=["value"])
        if t.empty:
            continue
        t = with_share_numerator(t)
        out[indicator] = protect(
            t[["year", "group", "value", "persons", "share_numerator", "denominator"]], policy,
            key=["year", "group"], value_columns=["value"], count_column="persons",
            numerator_column="share_numerator", denominator_column="denominator", name=f"trend {indicator}",
        )
    return out


def _protect_profile(ind, area_ids, municipality, year, policy) -> dict[str, Protected]:
    out = {}
    have = set(ind["indicator"])
    for panel, items in PROFILE_PANELS:
        rows = []
        for indicator, category in items:
            if indicator not in have:
                continue
            t = _group_table(ind, indicator, area_ids, municipality, [year], rest=False)
            t["category"] = category
            rows.append(t)
        if not rows:
            continue
        t = with_share_numerator(pd.concat(rows, ignore_index=True).dropna(subset=["value"]))
        out[panel] = protect(
            t[["category", "group", "value", "persons", "share_numerator", "denominator"]], policy,
            key=["category", "group"], value_columns=["value"], count_column="persons",
            numerator_column="share_numerator", denominator_column="denominator", name=f"profile {panel}",
        )
    return out


def _heatmap_blocks(protected_results: Protected, analysis, lang: str, index: str = "dissimilarity") -> list:
    blocks = []
    frame = protected_results.frame
    order = list(analysis.table1.sort_values(analysis.table1.columns[1], ascending=False)["municipality"]) \
        if len(analysis.table1) else None
    for pair in frame["pair"].drop_duplicates():
        sub = frame[(frame["pair"] == pair) & (frame["index"] == index)]
        if sub.empty:
            continue
        values, reasons, rows, cols = frames.grid(
            protected_results, index="municipality", columns="year", value="estimate", lang=lang,
            where=f"heat-map {pair}",
        ) if False else _grid_for(protected_results, pair, index, lang)
        if order:
            pos = {m: i for i, m in enumerate(order)}
            idx = sorted(range(len(rows)), key=lambda i: pos.get(rows[i], len(pos)))
            values = [values[i] for i in idx]
            reasons = [reasons[i] for i in idx]
            rows = [rows[i] for i in idx]
        blocks.append(Chart(charts.heatmap(values, rows, cols, title=f"D — {pair}", lang=lang, reasons=reasons)))
    return blocks


def _grid_for(protected_results: Protected, pair: str, index: str, lang: str):
    pub = frames.published(protected_results, f"heat-map {pair}", lang)
    f = pub.frame
    mask = (f["pair"] == pair) & (f["index"] == index)
    sub = f[mask]
    why = pd.Series(pub.reasons("estimate"), index=f.index)[mask]
    rows = list(dict.fromkeys(sub["municipality"]))
    cols = sorted(dict.fromkeys(sub["year"]))
    values = [[None] * len(cols) for _ in rows]
    reasons = [[None] * len(cols) for _ in rows]
    for (_, r), w in zip(sub.iterrows(), why):
        i, j = rows.index(r["municipality"]), cols.index(r["year"])
        values[i][j] = None if pd.isna(r["estimate"]) else float(r["estimate"])
        reasons[i][j] = w
    return values, reasons, rows, cols


# ------------------------------------------------------------------ the job


def run_report(
    store,
    out: str | Path = "out",
    *,
    rulesets: Sequence[str] = DEFAULT_RULESETS,
    year: int | None = None,
    lang: str | Sequence[str] = "en",
    policy: DisclosurePolicy | None = None,
    schools=None,
    permutations: int = 200,
    bootstrap: int = 200,
    seed: int = 0,
    title: str | None = None,
    progress: Callable[[str], None] | None = None,
    engine: str = "duckdb",
) -> ReportResult:
    """Run the main job over ``store`` and write the report, the workbook and the tables.

    ``schools`` is the pupil data for the school-segregation section (pupil
    microdata or counts per school, as :func:`kvarter.segregation.analyse_segregation`
    takes them); by default the store's pupils are used. Residents'
    segregation across the store's areas is always computed. ``policy`` is the
    disclosure policy (default: the settings' minimum count). ``engine``
    computes missing indicators on DuckDB or Spark. ``lang`` may
    list several languages: the first is written as ``report.html``, the
    others as ``report.<lang>.html`` from the same protected tables.

    Example (a store with data loaded; see ``make demo``)::

        result = run_report(Store("kvarter.duckdb"), "out", lang="da")
        print(result.html)
    """
    from kvarter.screening import designations_long

    t0 = time.perf_counter()
    langs = [lang] if isinstance(lang, str) else list(lang)
    for lg in langs or [""]:
        check_lang(lg, "run_report")
    say = progress or (lambda msg: None)
    policy = policy or DisclosurePolicy.from_settings()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []

    say("indicators")
    ind = indicator_table(store, engine=engine)
    areas = store.read("areas") if store.has_table("areas") else pd.DataFrame(columns=["area_id", "name", "municipality", "region"])
    areas["area_id"] = areas["area_id"].astype(str)
    years = sorted(int(y) for y in ind["year"].unique())
    year = int(year or years[-1])
    if year not in years:
        raise InputError(f"No indicators for year {year}; the store has {years[0]}-{years[-1]}.")

    say("screening")
    result = screen_years(ind, areas, rulesets, [y for y in years if y <= year])
    long = designations_long(result)
    store.write_result("designations", long)
    latest = long[(long["year"] == year) & long["designated"]]
    designated = {lid: sorted(part["area_id"].astype(str)) for lid, part in latest.groupby("list")}
    designated_ids = set(latest["area_id"].astype(str))
    if not designated_ids:
        notes.append("No area is designated in the latest year; profiles and trends show the social housing areas.")
        sh = areas[areas.get("social_housing", pd.Series(False, index=areas.index)).fillna(False).astype(bool)]
        designated_ids = set(sh["area_id"].astype(str))
    municipality = _main_municipality(areas, designated_ids)
    pooled_ids = designated_leaves(areas, designated_ids, municipality)

    say("disclosure control")
    residents = ind[(ind["indicator"] == "residents") & (ind["level"] == "area")][["unit_id", "year", "value"]]
    residents = residents.rename(columns={"unit_id": "area_id", "value": "residents"}).astype({"area_id": str})
    tables: dict[str, Protected] = {
        "criteria": protect_criteria(result, year, policy),
        "history": protect_history(long, residents, policy),
        "residents": _protect_residents(ind, areas, year, policy),
        "indicators": protect_indicators(ind, policy, areas=areas),
    }
    trends = _protect_trends(ind, pooled_ids, municipality, [y for y in years if y <= year], policy)
    profile = _protect_profile(ind, pooled_ids, municipality, year, policy)
    tables.update({f"trend_{k}": v for k, v in trends.items()})
    tables.update({f"profile_{k}": v for k, v in profile.items()})

    say("segregation")
    seg_sections = []
    from kvarter.segregation import analyse_segregation

    school_source = schools if schools is not None else (store if _has_pupils(store) else None)
    if school_source is not None:
        try:
            a = analyse_segregation(school_source, units="school", permutations=permutations,
                                    bootstrap=bootstrap, seed=seed)
        except InputError as exc:
            notes.append(f"Pupils across schools: {exc}")
        else:
            st = protect_segregation(a, policy, "schools")
            tables.update(st)
            seg_sections.append(("segregation_schools", a, st, "schools"))
    persons = store.table("persons").execute()
    a_res = analyse_segregation(persons, units="area", permutations=permutations, bootstrap=bootstrap, seed=seed,
                                min_unit_size=0, min_municipality_size=0)
    at = protect_segregation(a_res, policy, "areas")
    tables.update(at)
    seg_sections.append(("segregation_areas", a_res, at, "areas"))

    say("writing")
    methods = _methods(store, rulesets, policy)
    pages = {}
    for i, lg in enumerate(langs):
        sections = _sections(tables, seg_sections, areas, latest, ind, year, municipality, lg, trends, profile)
        name = "report.html" if i == 0 else f"report.{lg}.html"
        pages[lg] = Path(write_report(out / name, sections, lang=lg,
                                      title=title or f"kvarter — {municipality} {year}", methods=methods))
    workbook = write_workbook(out / "kvarter.xlsx", {k[:31]: v for k, v in tables.items()})
    paths = write_tables(tables, out / "tables")
    return ReportResult(html=pages[langs[0]], workbook=Path(workbook), tables=paths, year=year,
                        municipality=municipality, designated=designated, seconds=time.perf_counter() - t0,
                        notes=notes, pages=pages)


def _has_pupils(store) -> bool:
    if not store.has_table("persons"):
        return False
    cols = store.table("persons").columns
    if "school_id" not in cols:
        return False
    return bool(store.con.execute("select count(*) from persons where school_id is not null").fetchone()[0])


def _sections(tables, seg_sections, areas, latest, ind, year, municipality, lang, trends, profile) -> list[Section]:
    sections = []
    # Map: areas coloured by their strongest designation in the latest year.
    lists_of: dict[str, list[str]] = {}
    for _, r in latest.iterrows():
        lists_of.setdefault(str(r["area_id"]), []).append(str(r["list"]))
    crit = tables["criteria"].frame
    met_of = {a: sorted(set(part.loc[part["met"] == True, "criterion"].astype(str)))  # noqa: E712
              for a, part in crit.groupby("area_id")} if len(crit) else {}
    res = tables["residents"].frame
    res_of = dict(zip(res["unit_id"].astype(str), res["residents"]))
    colours = {name: colour for _, name, colour in MAP_CATEGORIES}
    parent = dict(zip(areas["area_id"].astype(str), areas.get("parent_area", pd.Series(index=areas.index))))

    def lists_with_parents(aid: str) -> list[str]:
        out, node, seen = [], aid, set()
        while isinstance(node, str) and node not in seen:
            out += lists_of.get(node, [])
            seen.add(node)
            node = parent.get(node)
        return out

    def category(f):
        ls = lists_with_parents(str(f["properties"]["area_id"]))
        for lid, name, _ in MAP_CATEGORIES:
            if lid in ls:
                return name
        return None

    def tooltip(f):
        aid = str(f["properties"]["area_id"])
        r = res_of.get(aid)
        rtxt = "–" if r is None or pd.isna(r) else format_number(float(r), lang, 0)
        met = ", ".join(met_of.get(aid, [])) or "–"
        lists = ", ".join(sorted(set(lists_with_parents(aid)))) or "–"
        return (f"{f['properties']['name']}\n{label('residents', lang)}: {rtxt}\n"
                f"{label('criteria_met', lang)}: {met}\n{label('designation', lang)}: {lists}")

    # One map per municipality with designations (the main one first); leaf
    # areas only, so a parent polygon never hides the areas inside it.
    leaves = _leaf_areas(areas)
    munis = [municipality] + sorted({str(m) for m in areas.loc[areas["area_id"].astype(str).isin(lists_of), "municipality"]} - {municipality})
    map_blocks = []
    for m in munis:
        features = []
        for _, a in leaves[leaves["municipality"].astype(str) == m].iterrows():
            geom = a.get("geometry")
            if isinstance(geom, str) and geom:
                features.append({"type": "Feature", "geometry": json.loads(geom),
                                 "properties": {"area_id": a["area_id"], "name": a["name"]}})
        if features:
            map_blocks.append(Map(svg_map(features, category, tooltip, name_by="name", title=f"{m} {year}",
                                          lang=lang, colours=colours)))
    if map_blocks:
        sections.append(Section("map", map_blocks))
    sections.append(Section("designations", [
        Table(tables["criteria"], caption=f"{year}",
              columns=["ruleset", "name", "criterion", "value", "threshold", "met", "margin"],
              formats={"value": "number:3", "threshold": "number:3", "margin": "number:3"}),
    ]))
    hist = tables["history"]
    sections.append(Section("history", [Table(hist, columns=["ruleset", "list", "name", "year", "designated", "change"])]))
    prof_blocks = []
    for panel, p in profile.items():
        cats, groups, why = frames.series(p, x="category", by="group", value="value", lang=lang)
        groups = {GROUP_LABELS.get(g, {}).get(lang, g): v for g, v in groups.items()}
        prof_blocks.append(Chart(charts.bar_chart(cats, groups, title=label(panel, lang), lang=lang, reasons=why,
                                                  percent=panel not in NOT_PERCENT)))
    if prof_blocks:
        sections.append(Section("profiles", prof_blocks))
    trend_blocks = []
    for indicator, p in trends.items():
        xs, series, why = frames.series(p, x="year", by="group", value="value", lang=lang)
        pretty = {GROUP_LABELS.get(g, {}).get(lang, g): v for g, v in series.items()}
        subj = TREND_SUBJECTS[indicator][lang]
        trend_blocks.append(Chart(charts.line_chart(xs, pretty, title=subj[0].upper() + subj[1:], lang=lang, reasons=why)))
        if "designated" in series:
            trend_blocks.append(Paragraph(sentences.trend_sentence(
                f"{subj} ({GROUP_LABELS['designated'][lang]})", dict(zip(xs, series["designated"])), lang)))
    if trend_blocks:
        sections.append(Section("trends", trend_blocks))
    for key, analysis, st, prefix in seg_sections:
        blocks = []
        if f"{prefix}_table1" in st:
            blocks += [Heading("table1"), Table(st[f"{prefix}_table1"], bars=True)]
        blocks += _heatmap_blocks(st[f"{prefix}_results"], analysis, lang)
        if f"{prefix}_trends" in st:
            trend_cols = [c for c in ("municipality", "pair", "first", "last", "slope", "slope_low", "slope_high",
                                      "direction", "disagrees_direction", "disagrees_level")
                          if c in st[f"{prefix}_trends"].frame.columns]
            blocks += [Heading("agreement"), Table(st[f"{prefix}_trends_d"], columns=trend_cols)]
        sections.append(Section(key, blocks))
    return sections


def _methods(store, rulesets, policy) -> Methods:
    from kvarter.indicators import load_catalogue
    from kvarter.screening import load_ruleset

    loads = store.loads() if hasattr(store, "loads") else pd.DataFrame()
    load_records = [
        {k: str(v) for k, v in r.items() if k in ("table", "source", "rows", "sha256", "loaded_at")}
        for r in loads.to_dict("records")
    ]
    cat = load_catalogue()
    indicators = [{"indicator": i.id, "definition": getattr(i, "description", "") or ""} for i in cat.indicators]
    rs_rows = []
    for name in rulesets:
        rs = load_ruleset(name)
        rs_rows.append({"rule_set": rs.id, "version": str(rs.version),
                        "source": f"{getattr(rs.source, 'document', '') or getattr(rs.source, 'law', '')}"})
    sources = [{"dataset": r["table"], "source": r.get("source", "")} for r in load_records] or [
        {"dataset": "store", "source": str(getattr(store, "path", ""))}]
    return Methods(sources=sources, load_records=load_records, indicators=indicators, rule_sets=rs_rows,
                   policy=policy.to_dict())
