"""The main job: from what is in the store to ``report.html``, ``kvarter.xlsx``
and the tables as CSV/Parquet — every figure through disclosure control.

Steps: indicators (computed if the store has none) → designations under the
chosen rule sets, year by year with the law in force → area profiles and
trends for the designated areas against the rest of the municipality →
segregation of pupils across schools and of residents across areas → one
:func:`~kvarter.disclosure.protect` call per published table → renderers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pandas as pd

from kvarter.disclosure import DisclosurePolicy, Protected
from kvarter.errors import InputError
from kvarter.jobs.indicators import catalogue_for, indicator_table, store_areas, uses_aggregates
from kvarter.processes import Beside
from kvarter.publish import Publication, SegregationPart
from kvarter.publish.indicators import protect_store_indicators
from kvarter.publish.links import hidden_cells
from kvarter.publish.profiles import designated_leaves, leaf_areas, profile_panels, protect_gap, protect_profile, protect_trends
from kvarter.publish.screening import criteria_table, protect_criteria, protect_history
from kvarter.publish.segregation import protect_segregation
from kvarter.report.i18n import check_lang
from kvarter.report.render import render_publication

DEFAULT_RULESETS = ("dk-2024", "city-7")

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
    publication: Publication | None = None


def _screen_years(values: pd.DataFrame, areas: pd.DataFrame, rulesets: Sequence[str], years: Sequence[int]):
    """Screen every year under each rule set, each year under the law then in force.

    A rule set with predecessors (``dk-2024`` → ``dk-2018`` → ``dk-2013`` →
    ``dk-2010``) is applied through its law chain, so consecutive-year lists
    count the status each year had under its own law.
    """
    from kvarter.screening import ScreeningResult, law_chain, load_ruleset, screen_history, screening_session

    loaded = [rs if hasattr(rs, "criteria") else load_ruleset(rs) for rs in rulesets]
    # One session for all rule sets: a rule set that reads another's lists
    # (city-7 reads dk-2024's) screens that one again each year, on the same values.
    with screening_session():
        return ScreeningResult.concat([screen_history(values, law_chain(rs), list(years), areas=areas)
                                       for rs in loaded])


def _main_municipality(areas: pd.DataFrame, designated_ids: set[str]) -> str:
    pool = areas[areas["area_id"].astype(str).isin(designated_ids)] if designated_ids else areas
    if pool.empty:
        pool = areas
    return str(pool["municipality"].value_counts().index[0])


def _chosen_municipality(areas: pd.DataFrame, name: str) -> str:
    """``name`` as the areas spell it (case-insensitive), or an error listing the municipalities.

    >>> _chosen_municipality(pd.DataFrame({"municipality": ["Demoby", "Nabokøbing"]}), "nabokøbing")
    'Nabokøbing'
    >>> _chosen_municipality(pd.DataFrame({"municipality": ["Demoby"]}), "Demby")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: --municipality 'Demby' is not a municipality of the store's areas; they are: Demoby.
    """
    known = sorted({str(m) for m in areas["municipality"].dropna()})
    for m in known:
        if m.casefold() == str(name).strip().casefold():
            return m
    raise InputError(f"--municipality {name!r} is not a municipality of the store's areas; they are: "
                     f"{', '.join(known)}.")


AREA_COLUMNS = ("area_id", "name", "municipality", "region", "kind", "parent_area", "social_housing", "geometry")


def monitor_publication(
    store,
    *,
    rulesets: Sequence[str] = DEFAULT_RULESETS,
    year: int | None = None,
    policy: DisclosurePolicy,
    schools=None,
    permutations: int = 200,
    bootstrap: int = 200,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    engine: str = "duckdb",
    catalogue=None,
    municipality: str | None = None,
    goals=None,
) -> Publication:
    """The monitor's publication over ``store``: indicators (computed when
    missing or stale), designations year by year under the law then in
    force (kept in the store), profiles and trends of the designated areas
    against the rest of the municipality, and segregation — every table
    protected, derived tables linked to the indicator table.

    ``goals`` (a goal file, a built-in name such as ``copenhagen-2035`` or a
    :class:`~kvarter.goals.GoalSet`) adds the goals table to Copenhagen's
    progress tables (:func:`kvarter.jobs.progress.progress_tables`).

    ``schools`` is the pupil data for the school-segregation part (pupil
    microdata or counts per school); by default the store's pupils.
    Residents' segregation across the store's areas is always computed.

    >>> from kvarter.store import Store
    >>> monitor_publication(Store(":memory:"), policy=DisclosurePolicy())
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has no 'persons' table to compute indicators from; load persons first (kvarter load FILE --table persons).
    """
    from kvarter.screening import designations_long, load_ruleset

    say = progress or (lambda msg: None)
    notes: list[str] = []
    # Rule sets are loaded once, from an id or a user's file, and passed on
    # as loaded: nothing below reloads a user's rule set by its id.
    applied = {rs.id: rs for rs in (r if hasattr(r, "criteria") else load_ruleset(r) for r in rulesets)}

    if municipality is not None and store.has_table("areas"):
        # A mistyped name is refused before minutes of computing.
        municipality = _chosen_municipality(store.read("areas"), municipality)

    say("indicators")
    # One catalogue for computing and for publishing: a user's catalogue
    # decides its own disclosure structure.
    cat = catalogue_for(store, catalogue)
    ind = indicator_table(store, engine=engine, catalogue=cat)
    # An aggregates-only store (CBS) reports what its counts support, said once.
    from_aggregates = uses_aggregates(store)
    if from_aggregates:
        notes.append("Computed from published aggregates (no microdata): only the indicators the counts support; "
                     + " ".join(ind.attrs.get("notes", [])))
    areas = store_areas(store)
    areas["area_id"] = areas["area_id"].astype(str)
    years = sorted(int(y) for y in ind["year"].unique())
    year = int(year or years[-1])
    if year not in years:
        raise InputError(f"No indicators for year {year}; the store has {years[0]}-{years[-1]}.")

    # The segregation analyses need nothing from screening or disclosure
    # control: they are counted here and their draws run beside both where
    # cores allow (started before screening, so the second core has work
    # while screening runs on one).
    school_source = schools if schools is not None else (store if store.has_values("persons", "school_id") else None)
    segregation = []
    if school_source is not None:
        segregation.append(_count_segregation(school_source, "school", "schools", "Pupils across schools",
                                              permutations=permutations, bootstrap=bootstrap, seed=seed,
                                              engine=engine))
    if from_aggregates:
        from kvarter.segregation.aggregates import counts_from_aggregates

        kind = str(areas["kind"].iloc[0]) if "kind" in areas.columns and len(areas) else "neighbourhood"
        residents_source = counts_from_aggregates(store.read("aggregates"), "origin", unit_kind=kind).counts
    else:
        # Counted on the engine, as the pupils are: only the counts come back, not every person-year.
        residents_source = store
    segregation.append(_count_segregation(residents_source, "area", "areas", "Residents across areas",
                                          permutations=permutations, bootstrap=bootstrap, seed=seed,
                                          min_unit_size=0, min_municipality_size=0, engine=engine))
    analyses = Beside(_analyse_segregation, segregation)
    # A refusal or an error below must not leave the children running (the
    # interpreter would wait for them on its way out).
    effects = None
    try:
        # So is the programme's evaluation (its spells are read here).
        effects = _start_effects(store, seed)

        say("screening")
        if "social_housing" not in areas.columns:
            # The state's lists screen social housing areas; without that column they cannot be drawn up.
            for rs_id in [r for r, rs in applied.items() if rs.population.social_housing]:
                notes.append(f"{rs_id}: not screened, since it screens social housing areas and the areas have no "
                             "social_housing column (load an areas table with one).")
                del applied[rs_id]
        result = _screen_years(ind, areas, list(applied.values()), [y for y in years if y <= year])
        long = designations_long(result)
        store.write_result("designations", long)
        latest = long[(long["year"] == year) & long["designated"]]
        designated = {lid: sorted(part["area_id"].astype(str)) for lid, part in latest.groupby("list")}
        designated_ids = set(latest["area_id"].astype(str))
        if not designated_ids:
            notes.append("No area is designated in the latest year; profiles and trends show the social housing areas.")
            sh = areas[areas.get("social_housing", pd.Series(False, index=areas.index)).fillna(False).astype(bool)]
            designated_ids = set(sh["area_id"].astype(str))
        if municipality is None:
            municipality = _main_municipality(areas, designated_ids)
        else:
            municipality = _chosen_municipality(areas, municipality)
        pooled_ids = designated_leaves(areas, designated_ids, municipality)

        say("disclosure control")
        # The indicator table is protected first; every table derived from its
        # cells is then linked to what it suppressed (kvarter.publish.links).
        published_ind, dominance = protect_store_indicators(store, ind, policy, catalogue=cat)
        hidden = hidden_cells(published_ind)
        residents = ind[(ind["indicator"] == "residents") & (ind["level"] == "area")][["unit_id", "year", "value"]]
        residents = residents.rename(columns={"unit_id": "area_id", "value": "residents"}).astype({"area_id": str})
        tables: dict[str, Protected] = {
            "indicators": published_ind,
            "history": protect_history(long, residents, policy, hidden=hidden),
        }
        shown: dict[str, Protected] = {}
        for rs_id in result.select(year=year).areas["ruleset"].drop_duplicates():
            part = result.select(ruleset=rs_id)
            if criteria_table(part, year).empty:
                notes.append(f"{rs_id}: no area is in the rule set's population in {year}.")
                continue
            tables[f"criteria_{rs_id}"] = protect_criteria(part, year, policy, dominance=dominance, hidden=hidden,
                                                           areas=areas, rulesets=applied, catalogue=cat)
            # The report shows the areas on a list or meeting a criterion; the
            # file and the workbook keep every screened area. Rows are protected
            # one by one (no relations), so the subset carries the same statuses.
            now = part.select(year=year)
            focus = set(now.criteria.loc[now.criteria["met"].astype(bool), "area_id"].astype(str))
            focus |= set(now.lists.loc[now.lists["designated"].astype(bool), "area_id"].astype(str))
            shown[rs_id] = protect_criteria(part.select(area_ids=focus), year, policy,
                                            dominance=dominance, hidden=hidden, areas=areas, rulesets=applied,
                                            catalogue=cat)
        gap = protect_gap(published_ind.frame, pooled_ids, municipality, areas, policy)
        if gap is not None:
            tables["composite_gap"] = gap
        leaves = leaf_areas(areas)
        leaves = set(leaves.loc[leaves["municipality"].astype(str) == municipality, "area_id"].astype(str))
        counts_hidden = hidden_cells(published_ind, "persons")
        trends = protect_trends(ind, pooled_ids, municipality, [y for y in years if y <= year], policy, hidden, leaves,
                                counts_hidden)
        profile = protect_profile(ind, pooled_ids, municipality, year, policy, dominance, hidden, catalogue=cat,
                                  leaves=leaves, hidden_counts=counts_hidden)
        tables.update({f"trend_{k}": v for k, v in trends.items()})
        tables.update({f"profile_{k}": v for k, v in profile.items()})
        # Copenhagen's progress monitor (issue 13): every indicator of the policy, life expectancy, figures, goals.
        # The goal set is loaded once: the renderers name its goals in the reader's language.
        if goals is not None:
            from kvarter.goals import load_goals

            goals = load_goals(goals)
        tables.update(_progress(store, ind, hidden, areas, [y for y in years if y <= year], pooled_ids, municipality,
                                policy, tables, goals, notes))
        # Benchmarks (issue 16): the city's areas against the city, municipalities against their size class.
        tables.update(_benchmarks(store, policy, ind, published_ind, areas, year, municipality, pooled_ids,
                                  catalogue, notes))
        tables.update(_sibling_tables(store, ind, hidden, areas, year, policy, catalogue, say))
        tables.update(_effects_tables(store, ind, hidden, policy, catalogue, notes, say, effects))
        others = sorted({str(m) for m in areas.loc[areas["area_id"].isin(designated_ids), "municipality"]}
                        - {municipality})
        if others:
            notes.append(f"Profiles and trends cover {municipality}; designated areas in {', '.join(others)} are "
                         "on the map and in the designation tables.")

        say("segregation")
        parts: list[SegregationPart] = []
        for part, analysis in zip(segregation, analyses.result()):
            _publish_segregation(part, analysis, policy, tables, parts, notes)
        return Publication(
            tables=tables, policy=policy, year=year, municipality=municipality,
            areas=areas[[c for c in AREA_COLUMNS if c in areas.columns]], designated=designated, shown=shown,
            profile=profile, trends=trends, segregation=tuple(parts), notes=tuple(notes),
            percent={p.name: p.percent for p in profile_panels(cat)}, catalogue=cat, goals=goals,
        )
    except BaseException:
        for task in (analyses, effects):
            if task is not None:
                task.cancel()
        raise


@dataclass(frozen=True)
class _SegregationPart:
    """One segregation analysis of the monitor: its counts (or why there are none) and how to publish it."""

    counts: object  # UnitCounts, or the InputError counting raised
    units: str
    prefix: str
    what: str
    options: dict


def _count_segregation(source, units: str, prefix: str, what: str, engine="duckdb", **options) -> _SegregationPart:
    """Count ``source`` per unit and group (this reads the store; the analysis after it does not)."""
    from kvarter.segregation.pipeline import unit_counts

    try:
        counts = unit_counts(source, units=units, engine=engine)
    except InputError as exc:
        counts = exc
    return _SegregationPart(counts, units, prefix, what, options)


def _analyse_segregation(parts: list[_SegregationPart]) -> list:
    """Each part's analysis, or the InputError that stopped it (run beside disclosure control)."""
    from kvarter.segregation import analyse_segregation

    out = []
    for part in parts:
        if isinstance(part.counts, InputError):
            out.append(part.counts)
            continue
        try:
            out.append(analyse_segregation(part.counts, units=part.units, **part.options))
        except InputError as exc:
            out.append(exc)
    return out


def _publish_segregation(part: _SegregationPart, analysis, policy, tables: dict, parts: list, notes: list) -> None:
    """Protect one analysis and add it to the publication, or note why it is missing."""
    if isinstance(analysis, InputError):
        notes.append(f"{part.what}: {analysis}")
        return
    protected = protect_segregation(analysis, policy, part.prefix)
    tables.update(protected)
    parts.append(SegregationPart(f"segregation_{part.prefix}", part.prefix, protected, _size_order(analysis)))


def _benchmarks(store, policy, ind, published_ind, areas, year, municipality, focus, catalogue, notes) -> dict:
    """The benchmark tables of the monitor (:func:`kvarter.jobs.benchmark.monitor_benchmarks`)."""
    from kvarter.jobs.benchmark import monitor_benchmarks

    return monitor_benchmarks(store, policy, ind=ind, published=published_ind, areas=areas, year=year,
                              municipality=municipality, focus_areas=focus, catalogue=catalogue, notes=notes)


def _progress(store, ind, hidden, areas, years, pooled_ids, municipality, policy, tables, goals, notes) -> dict:
    """Copenhagen's progress tables (:func:`kvarter.jobs.progress.progress_tables`)."""
    from kvarter.jobs.progress import progress_tables

    return progress_tables(store, ind, hidden, areas, years, pooled_ids, municipality, policy, dict(tables),
                           goals=goals, notes=notes)


def _sibling_tables(store, ind, hidden, areas, year, policy, catalogue, say) -> dict[str, Protected]:
    """The registry's tables (issue 10) when the store holds initiatives, and the
    housing tables (issue 12) when it holds households."""
    from kvarter.jobs.housing import housing_tables
    from kvarter.jobs.registry import registry_tables

    say("registry and housing")
    return {**registry_tables(store, ind, hidden, areas, year, policy, catalogue=catalogue),
            **housing_tables(store, policy, hidden=hidden)}


def _start_effects(store, seed):
    """The programme's Effects (issue 15), started beside the caller (:func:`kvarter.jobs.evaluation.programme_effects`)."""
    from kvarter.jobs.evaluation import programme_effects

    return programme_effects(store, seed=seed)


def _effects_tables(store, ind, hidden, policy, catalogue, notes, say, programme) -> dict[str, Protected]:
    """The Effects tables (issue 15): the programme in the store's spells, the designated areas' event study."""
    from kvarter.jobs.evaluation import evaluation_tables

    say("effects")
    # The seed went to the programme when it was started.
    return evaluation_tables(store, ind, hidden, policy, catalogue=catalogue, notes=notes, programme=programme)


def _size_order(analysis) -> tuple[str, ...]:
    """Municipalities largest first (Table 1's order), for the heat-maps."""
    t1 = analysis.table1
    if not len(t1):
        return ()
    return tuple(t1.sort_values(t1.columns[1], ascending=False)["municipality"].astype(str))


def methods_of(store, rulesets, policy, catalogue=None, publication=None):
    """What the methods section lists: the store's loads, the catalogue's
    indicators, the rule sets' versions and sources, the disclosure policy,
    and (with ``publication``) every table published, whose suppressed
    cells the section counts whether or not the page shows the table.

    >>> from kvarter.store import Store
    >>> m = methods_of(Store(":memory:"), ["dk-2024"], DisclosurePolicy())
    >>> m.sources, [r["rule_set"] for r in m.rule_sets], m.policy["min_count"]
    ([{'dataset': 'store', 'source': ':memory:'}], ['dk-2024'], 5)
    """
    from kvarter.report.html import Methods
    from kvarter.screening import load_ruleset

    loads = store.loads()
    load_records = [
        {k: str(v) for k, v in r.items() if k in ("table", "source", "rows", "sha256", "loaded_at")}
        for r in loads.to_dict("records")
    ]
    cat = catalogue_for(store, catalogue)
    indicators = [{"indicator": i.id, "definition": getattr(i, "description", "") or ""} for i in cat.indicators]
    rs_rows = []
    for name in rulesets:
        rs = name if hasattr(name, "criteria") else load_ruleset(name)
        rs_rows.append({"rule_set": rs.id, "version": str(rs.version),
                        "source": f"{getattr(rs.source, 'document', '') or getattr(rs.source, 'law', '')}"})
    sources = [{"dataset": r["table"], "source": r.get("source", "")} for r in load_records] or [
        {"dataset": "store", "source": str(getattr(store, "path", ""))}]
    return Methods(sources=sources, load_records=load_records, indicators=indicators, rule_sets=rs_rows,
                   policy=policy.to_dict(), published=dict(publication.tables) if publication is not None else {})


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
    catalogue=None,
    municipality: str | None = None,
    goals=None,
) -> ReportResult:
    """Run the main job over ``store`` and write the report, the workbook and the tables.

    :func:`monitor_publication` builds the protected tables;
    :func:`render_publication` writes them. ``policy`` is the disclosure
    policy resolved by the caller (``DisclosurePolicy()``'s defaults when
    None: the library never reads ``kvarter.yaml`` itself). ``lang`` may list
    several languages.

    Example (a store with data loaded; see ``make demo``)::

        result = run_report(Store("kvarter.duckdb"), "out", lang="da")
        print(result.html)

    The languages are checked before anything is read or written:

    >>> import tempfile
    >>> from kvarter.store import Store
    >>> with tempfile.TemporaryDirectory() as d:
    ...     run_report(Store(":memory:"), d, lang=["en", "xx"])
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The 'lang' parameter of run_report must be one of 'en', 'da', 'no', 'nl'. Got 'xx' instead.
    """
    t0 = time.perf_counter()
    langs = [lang] if isinstance(lang, str) else list(lang)
    for lg in langs or [""]:
        check_lang(lg, "run_report")
    policy = policy or DisclosurePolicy()
    pub = monitor_publication(store, rulesets=rulesets, year=year, policy=policy, schools=schools,
                              permutations=permutations, bootstrap=bootstrap, seed=seed, progress=progress,
                              engine=engine, catalogue=catalogue, municipality=municipality, goals=goals)
    (progress or (lambda msg: None))("writing")
    pages, workbook, paths = render_publication(pub, out, lang=langs, title=title,
                                                methods=methods_of(store, rulesets, policy, catalogue, pub),
                                                catalogue=catalogue_for(store, catalogue))
    return ReportResult(html=pages[langs[0]], workbook=workbook, tables=paths, year=pub.year,
                        municipality=pub.municipality, designated=dict(pub.designated),
                        seconds=time.perf_counter() - t0, notes=list(pub.notes), pages=pages, publication=pub)
