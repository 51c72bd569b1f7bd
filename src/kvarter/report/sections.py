"""The report's sections built from protected tables: the map, designations,
history, profiles, trends, segregation and methods."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from kvarter.disclosure import Protected
from kvarter.publish import Publication
from kvarter.report import charts, frames, sentences
from kvarter.report.html import Chart, CriteriaGrid, Heading, Map, Methods, Paragraph, Section, Table
from kvarter.report.i18n import format_number, in_words, indicator_currency, label, rule_name
from kvarter.report.maps import svg_map
from kvarter.publish.profiles import leaf_areas


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


def heatmap_blocks(protected_results: Protected, order, lang: str, index: str = "dissimilarity") -> list:
    """One heat-map chart per pair of the protected segregation results, municipalities
    in ``order`` (Table 1's, largest first), suppressed cells hatched.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.publish.segregation import protect_segregation
    >>> from kvarter.segregation import analyse_segregation
    >>> from kvarter.segregation.groups import ThemeSet
    >>> ts = ThemeSet.model_validate({"kind": "segregation_themes", "version": 1, "source": "doctest",
    ...     "themes": [{"name": "origin", "field": "origin", "pairs": [["native", "western"]],
    ...                 "groups": {"native": {"values": ["native"]}, "western": {"values": ["western"]}}}]})
    >>> c = pd.DataFrame({"municipality": "M", "year": 2020, "unit": ["s1"] * 3 + ["s2"] * 3,
    ...                   "group": ["native", "western", "total"] * 2, "n": [40, 10, 50, 10, 40, 50]})
    >>> analysis = analyse_segregation(c, themes=ts, indices=("dissimilarity",), permutations=0, bootstrap=0,
    ...                                min_unit_size=0, min_municipality_size=0)
    >>> results = protect_segregation(analysis, DisclosurePolicy(), "school")["school_results"]
    >>> blocks = heatmap_blocks(results, ["M"], "en")
    >>> len(blocks), blocks[0].svg.startswith("<svg"), "D — native origin – western" in blocks[0].svg
    (1, True, True)
    """
    blocks = []
    frame = protected_results.frame
    order = list(order or ())
    for pair in frame["pair"].drop_duplicates():
        sub = frame[(frame["pair"] == pair) & (frame["index"] == index)]
        if sub.empty:
            continue
        values, reasons, rows, cols = _grid_for(protected_results, pair, index, lang)
        if order:
            pos = {m: i for i, m in enumerate(order)}
            idx = sorted(range(len(rows)), key=lambda i: pos.get(rows[i], len(pos)))
            values = [values[i] for i in idx]
            reasons = [reasons[i] for i in idx]
            rows = [rows[i] for i in idx]
        blocks.append(Chart(charts.heatmap(values, rows, cols, title=f"D — {label(pair, lang)}", lang=lang, reasons=reasons)))
    return blocks


def _grid_for(protected_results: Protected, pair: str, index: str, lang: str):
    pub = frames.published(protected_results, f"heat-map {pair}", lang)
    f = pub.frame
    mask = (f["pair"] == pair) & (f["index"] == index)
    sub = f[mask]
    # A plain list: a Series would infer a string dtype and turn a published
    # cell's None into NaN, drawn as "suppressed: nan".
    why = [w for w, keep in zip(pub.reasons("estimate"), mask) if keep]
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


def _named(by_group: dict, lang: str) -> dict:
    """Group keys (``designated``, ``rest``, ``municipality``) as readers see them,
    for the values and their suppression reasons alike.

    >>> _named({"designated": [1], "other": [2]}, "da")
    {'udpegede områder': [1], 'other': [2]}
    """
    return {GROUP_LABELS.get(g, {}).get(lang, g): v for g, v in by_group.items()}


def build_sections(publication: Publication, lang: str) -> list[Section]:
    """The report's sections from a :class:`~kvarter.publish.Publication`;
    its ``shown`` holds the criteria tables per rule set as the report
    displays them.

    Sections without content are left out; a rule set's criteria table
    appears under ``designations`` only when ``shown`` has it.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.publish.profiles import protect_trends
    >>> from kvarter.publish.screening import protect_history
    >>> from kvarter.publish.indicators import protect_indicators
    >>> policy = DisclosurePolicy()
    >>> ind = pd.DataFrame({"indicator": "non_western_share", "level": ["area", "area", "municipality"],
    ...     "unit_id": ["A", "B", "K"], "year": 2020, "numerator": [20.0, 6.0, 26.0],
    ...     "denominator": [40.0, 60.0, 100.0], "persons": [40, 60, 100]})
    >>> ind["value"] = ind["raw_value"] = ind["numerator"] / ind["denominator"]
    >>> long = pd.DataFrame({"ruleset": "dk-2024", "list": "udsat_boligomraade", "area_id": ["A"], "name": ["A"],
    ...                      "year": [2020], "designated": [True], "change": ["listed"]})
    >>> residents = pd.DataFrame({"area_id": ["A"], "year": [2020], "residents": [40]})
    >>> tables = {"indicators": protect_indicators(ind, policy), "history": protect_history(long, residents, policy)}
    >>> areas = pd.DataFrame({"area_id": ["A", "B"], "name": ["A", "B"], "municipality": "K"})
    >>> trends = protect_trends(ind, {"A"}, "K", [2020], policy)
    >>> pub = Publication(tables=tables, policy=policy, year=2020, municipality="K", areas=areas,
    ...                   designated={"udsat_boligomraade": ["A"]}, trends=trends)
    >>> sections = build_sections(pub, "en")
    >>> [(s.title_key, [type(b).__name__ for b in s.blocks]) for s in sections]
    [('designations', []), ('history', ['Chart']), ('trends', ['Chart', 'Paragraph', 'Paragraph'])]
    """
    tables, areas, year, municipality = publication.tables, publication.areas, publication.year, publication.municipality
    shown, profile, trends = publication.shown, publication.profile, publication.trends
    if "area_id" not in areas.columns:
        areas = pd.DataFrame(columns=["area_id", "name", "municipality"])
    # What the job could not do or had to assume (an aggregates-only store,
    # rule sets left out, short panels) is said once, first.
    sections = [Section("notes", [Paragraph(in_words(n, lang)) for n in publication.notes])] if publication.notes else []
    # Map: areas coloured by their strongest designation in the latest year.
    lists_of: dict[str, list[str]] = {}
    for lid, ids in publication.designated.items():
        for aid in ids:
            lists_of.setdefault(str(aid), []).append(str(lid))
    # The tooltip says, per rule set, the lists an area is on and the criteria
    # it meets: the rule set of each list comes from the published history.
    rs_of_list = _rulesets_of_lists(tables, year)
    crit_names = [k for k in tables if k.startswith("criteria_")]
    crit = pd.concat([frames.published(tables[k], f"map tooltip {k}", lang).frame for k in crit_names],
                     ignore_index=True) if crit_names else pd.DataFrame(columns=["ruleset", "area_id", "met", "criterion"])
    met_of: dict[str, dict[str, list[str]]] = {}  # area → rule set screening it → criteria met
    for r in crit.itertuples(index=False):
        met = met_of.setdefault(str(r.area_id), {}).setdefault(str(r.ruleset), [])
        if r.met == True:  # noqa: E712  (a suppressed cell is NaN: not said to be met)
            met.append(str(r.criterion))
    ind_f = tables["indicators"].frame if "indicators" in tables else pd.DataFrame(
        columns=["indicator", "level", "year", "unit_id", "value"])
    res = ind_f[(ind_f["indicator"] == "residents") & (ind_f["level"] == "area") & (ind_f["year"] == year)]
    res_of = dict(zip(res["unit_id"].astype(str), res["value"]))
    colours = {lid: colour for lid, _, colour in MAP_CATEGORIES}
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
        for lid, _, _ in MAP_CATEGORIES:
            if lid in ls:
                return lid
        return None

    def tooltip(f):
        aid = str(f["properties"]["area_id"])
        return map_tooltip(str(f["properties"]["name"]), res_of.get(aid), lists_with_parents(aid),
                           met_of.get(aid, {}), rs_of_list, lang)

    # One map per municipality (the report's own first); leaf areas only, so
    # a parent polygon never hides the areas inside it.
    leaves = leaf_areas(areas)
    munis = [municipality] + sorted({str(m) for m in leaves["municipality"].dropna()} - {municipality})
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
    # One area × criterion grid per rule set, as each list is read on its own
    # terms; the files and the workbook keep the long table.
    crit_blocks = []
    for rs in sorted(shown):
        crit_blocks.append(CriteriaGrid(shown[rs], rs, caption=f"{rule_name(rs, None, lang)} — {year}",
                                        catalogue=publication.catalogue))
    sections.append(Section("designations", crit_blocks))
    if "history" in tables:
        # A grid per list (areas by years) rather than one row per area-year;
        # the file and the workbook keep the long table.
        grids = history_grids(tables["history"], lang)
        sections.append(Section("history", grids or [Table(tables["history"], columns=[
            "ruleset", "list", "name", "year", "designated", "change"])]))
    prof_blocks = []
    for panel, p in profile.items():
        cats, groups, why = frames.series(p, x="category", by="group", value="value", lang=lang)
        groups, why = _named(groups, lang), _named(why, lang)
        money = {c: indicator_currency(c, publication.catalogue) for c in cats
                 if indicator_currency(c, publication.catalogue)}
        units = sorted(set(money.values()))
        title = label(panel, lang) + (f" ({', '.join(units)})" if units else "")
        prof_blocks.append(Chart(charts.bar_chart(cats, groups, title=title, lang=lang, reasons=why,
                                                  percent=publication.percent.get(panel, True), currencies=money)))
    if prof_blocks:
        sections.append(Section("profiles", prof_blocks))
    trend_blocks = []
    for indicator, p in trends.items():
        xs, series, why = frames.series(p, x="year", by="group", value="value", lang=lang)
        subj = TREND_SUBJECTS[indicator][lang]
        money = indicator_currency(indicator, publication.catalogue)  # an income: amounts with their currency
        trend_blocks.append(Chart(charts.line_chart(xs, _named(series, lang), title=subj[0].upper() + subj[1:],
                                                    lang=lang, reasons=_named(why, lang), currency=money)))
        if "designated" in series:
            trend_blocks.append(Paragraph(sentences.trend_sentence(
                f"{subj} ({GROUP_LABELS['designated'][lang]})", dict(zip(xs, series["designated"])), lang,
                per_year=True, currency=money)))
        if "designated" in series and "rest" in series:
            trend_blocks.append(Paragraph(sentences.gap_sentence(
                subj, xs[-1], series["designated"][-1], series["rest"][-1], lang, currency=money)))
    if "composite_gap" in tables:
        gap = frames.published(tables["composite_gap"], "composite gap", lang).frame
        k = int(gap["components"].dropna().iloc[0]) if gap["components"].notna().any() else 7
        trend_blocks.append(Paragraph(sentences.less_deprived_sentence(dict(zip(gap["year"], gap["gap"])), lang,
                                                                       criteria=k)))
        trend_blocks.append(Table(tables["composite_gap"], columns=["year", "group", "rest", "gap", "change", "areas"],
                                  formats={"group": "number:2", "rest": "number:2", "gap": "number:2",
                                           "change": "percent:0"}))
    if trend_blocks:
        sections.append(Section("trends", trend_blocks))
    sections += _progress_sections(publication, lang)
    for part in publication.segregation:
        key, st, prefix = part.key, part.tables, part.prefix
        blocks = []
        if f"{prefix}_table1" in st:
            blocks += [Heading("table1"), Table(st[f"{prefix}_table1"], bars=True)]
        blocks += heatmap_blocks(st[f"{prefix}_results"], part.order, lang)
        if f"{prefix}_trends" in st:
            trend_cols = [c for c in ("municipality", "pair", "first", "last", "slope", "slope_low", "slope_high",
                                      "direction", "disagrees_direction", "disagrees_level")
                          if c in st[f"{prefix}_trends"].frame.columns]
            slopes = {c: "slope" for c in ("slope", "slope_low", "slope_high")}
            blocks += [Heading("agreement"), Table(st[f"{prefix}_trends_d"], columns=trend_cols, formats=slopes)]
        sections.append(Section(key, blocks))
    sections += _benchmark_sections(publication, lang)
    sections += _sibling_sections(publication, lang)
    return sections


def _benchmark_sections(publication: Publication, lang: str) -> list[Section]:
    """The benchmarks section (issue 16; :mod:`kvarter.report.benchmarks`)."""
    from kvarter.report.benchmarks import benchmark_sections

    return benchmark_sections(publication, lang)


def _progress_sections(publication: Publication, lang: str) -> list[Section]:
    """Copenhagen's "Progress" section (issue 13; :mod:`kvarter.report.progress`)."""
    from kvarter.report.progress import progress_sections

    return progress_sections(publication, lang)


def _sibling_sections(publication: Publication, lang: str) -> list[Section]:
    """The registry's "Initiatives", the "Housing" and the "Effects" sections
    (issues 10, 12 and 15), each present when the publication holds its tables."""
    from kvarter.report.effects import effects_sections
    from kvarter.report.housing import housing_sections
    from kvarter.report.initiatives import initiative_sections

    return initiative_sections(publication, lang) + housing_sections(publication, lang) + \
        effects_sections(publication, lang)


_LIST_COLOURS = {key: colour for key, _, colour in MAP_CATEGORIES}


def history_grids(history, lang: str) -> list[Chart]:
    """One area × year grid per rule set and list of the published history table.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.publish.screening import protect_history
    >>> long = pd.DataFrame({"ruleset": "dk-2024", "list": "udsat_boligomraade", "area_id": ["a", "a"],
    ...     "name": ["Nordparken"] * 2, "year": [2023, 2024], "designated": [False, True],
    ...     "change": ["not listed", "listed"]})
    >>> residents = pd.DataFrame({"area_id": ["a", "a"], "year": [2023, 2024], "residents": [1200, 1250]})
    >>> (grid,) = history_grids(protect_history(long, residents, DisclosurePolicy()), "en")
    >>> grid.svg.count('class="kv-cell kv-on"'), "Nordparken, 2024: designated" in grid.svg
    (1, True)
    """
    t = frames.published(history, "report history", lang)
    f = t.frame.copy()
    f["on_"] = f["designated"].map(lambda v: float(bool(v)) if isinstance(v, (bool, np.bool_)) or v in (0, 1)
                                   else np.nan)
    f["why_"] = pd.Series(t.reasons("designated"), index=f.index, dtype=object)  # None stays None
    out = []
    for (rs, lid), part in f.groupby(["ruleset", "list"], sort=True):
        years = sorted(int(y) for y in part["year"].unique())
        first = part[part["on_"] == 1].groupby("name")["year"].min()
        names = sorted(part["name"].astype(str).unique(), key=lambda n: (first.get(n, 9999), n))
        on = np.full((len(names), len(years)), np.nan)
        why = [[None] * len(years) for _ in names]
        for r in part.itertuples(index=False):
            i, j = names.index(str(r.name)), years.index(int(r.year))
            on[i, j] = r.on_ if not pd.isna(r.on_) else np.nan
            why[i][j] = r.why_
        title = f"{rule_name(str(rs), None, lang)}: {rule_name(str(rs), str(lid), lang)}"
        out.append(Chart(charts.status_grid(on, names, years, title=title, lang=lang, reasons=why,
                                            on_label=label("designated", lang).lower(),
                                            off_label=label("not_designated", lang),
                                            colour=_LIST_COLOURS.get(str(lid), "#b2182b"))))
    return out



def _rulesets_of_lists(tables, year) -> dict[str, list[str]]:
    """List id → the rule sets that published it in ``year`` (the history
    table), else the built-in rule sets that define it."""
    out: dict[str, list[str]] = {}
    if "history" in tables:
        h = tables["history"].frame
        h = h[h["year"] == year] if year is not None else h
        for rs, lid in h[["ruleset", "list"]].drop_duplicates().itertuples(index=False):
            out.setdefault(str(lid), []).append(str(rs))
    return out


def map_tooltip(name: str, residents, lists: list[str], met: dict[str, list[str]],
                rulesets_of_list: dict[str, list[str]], lang: str) -> str:
    """An area's tooltip: its name, residents, then one line per rule set that
    screens it (``met``'s keys) or lists it, with the lists the area is on (or
    "not designated") and the criteria it meets, all in words.

    >>> print(map_tooltip("Nordparken", 1250.0, ["udsat_boligomraade"], {"dk-2024": ["employment", "crime"],
    ...       "city-7": ["income"]}, {"udsat_boligomraade": ["dk-2024"]}, "en"))
    Nordparken
    Residents: 1,250
    City screening, seven criteria: not designated — criteria met: income
    State lists, 2021 law (current): deprived housing area — criteria met: labour-market attachment, crime
    """
    rtxt = "–" if residents is None or pd.isna(residents) else format_number(float(residents), lang, 0)
    by_rs: dict[str, list[str]] = {}
    for lid in dict.fromkeys(lists):
        for rs in rulesets_of_list.get(lid, [""]):
            by_rs.setdefault(rs, []).append(lid)
    # The same order in every tooltip (by rule-set id), a list of no known rule set last.
    order = sorted({rs for rs in by_rs if rs} | set(met)) + ([""] if "" in by_rs else [])
    lines = [name, f"{label('residents', lang)}: {rtxt}"]
    for rs in order:
        on = ", ".join(_lower_first(rule_name(rs, lid, lang)) if rs else label(lid, lang) for lid in by_rs.get(rs, []))
        crit = ", ".join(_lower_first(rule_name(rs, c, lang)) for c in met.get(rs, []))
        text = on or label("not_designated", lang)
        if crit:
            text += f" — {_lower_first(label('criteria_met', lang))}: {crit}"
        lines.append(f"{rule_name(rs, None, lang)}: {text}" if rs else f"{label('designation', lang)}: {text}")
    if len(lines) == 2:
        lines.append(f"{label('designation', lang)}: –")
    return "\n".join(lines)


def _lower_first(text: str) -> str:
    """A name inside a line ("deprived housing area"), its other capitals kept."""
    return text[:1].lower() + text[1:]
