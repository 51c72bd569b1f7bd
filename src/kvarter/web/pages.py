"""The pages: each a function of the :class:`~kvarter.jobs.site.Site` (its
publication), the request's parameters and the language, returning a
:class:`Page` whose ``data`` is the JSON twin and whose ``blocks`` are the
HTML drawn from the same tables.

Every figure comes from a protected table of the publication, read through
:func:`kvarter.web.tables.view` (the public frame: suppressed values empty,
with their public reason). Nothing here reads the store; the registry pages
take the registry's tables as published by
:meth:`~kvarter.jobs.site.Site.registry_tables`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import pandas as pd
from markupsafe import Markup, escape

from kvarter.disclosure import Protected
from kvarter.jobs.site import Site
from kvarter.web.errors import WebError
from kvarter.web.labels import t
from kvarter.web.map import SEQUENTIAL, MapArea, area_map, parse_geometry, quintile_breaks
from kvarter.web.tables import SUPPRESSED, View, format_value, html_table, table_json, view

#: Map colours of the designations (first that applies wins), as in the report.
from kvarter.report.sections import MAP_CATEGORIES  # noqa: E402

#: Table name prefixes each page publishes (the caseworker's working list is
#: never in a publication; nothing outside these prefixes is shown on them).
BENCHMARK_PREFIX = "benchmark_"
HOUSING_PREFIX = "housing_"
EFFECT_PREFIXES = ("effects_", "evaluation_")
REGISTRY_TABLES = ("initiatives", "initiative_outcomes", "initiative_evidence", "principles_served")


@dataclass
class Page:
    """A page: its kind, title, the JSON twin (``data``) and the HTML blocks."""

    kind: str
    title: str
    data: dict
    blocks: list = field(default_factory=list)


# ------------------------------------------------------------------ blocks


def _h2(text: str) -> Markup:
    return Markup(f"<h2>{escape(text)}</h2>")


def _h3(text: str) -> Markup:
    return Markup(f"<h3>{escape(text)}</h3>")


def _para(text: str, cls: str = "kv-paragraph") -> Markup:
    return Markup(f'<p class="{cls}">{escape(text)}</p>')


def _link_list(items: Sequence[tuple[str, str]]) -> Markup:
    lis = "".join(f'<li><a href="{escape(h)}">{escape(x)}</a></li>' for h, x in items)
    return Markup(f'<ul class="kv-links">{lis}</ul>')


def _lang_query(lang: str) -> str:
    return "" if lang == "en" else f"?lang={lang}"


def _section_blocks(sections, lang: str) -> tuple[list, dict]:
    """The report's sections (:mod:`kvarter.report.sections` and its siblings) as web blocks,
    and the JSON of the tables they show."""
    from kvarter.report.html import Chart, Heading, Map, Paragraph, Table

    blocks, tables = [], {}
    for s in sections:
        blocks.append(_h2(t(s.title_key, lang)))
        for b in s.blocks:
            if isinstance(b, Paragraph):
                blocks.append(_para(b.text))
            elif isinstance(b, Heading):
                blocks.append(_h3(t(b.key, lang)))
            elif isinstance(b, (Chart, Map)):
                cap = f"<figcaption>{escape(b.caption)}</figcaption>" if b.caption else ""
                blocks.append(Markup(f'<figure class="kv-chart-figure">{b.svg}{cap}</figure>'))
            elif isinstance(b, Table):
                v = view(b.protected, lang)
                tj = table_json(v, list(b.columns) if b.columns else None)
                name = v.name if v.name not in tables else f"{v.name} ({len(tables) + 1})"
                tables[name] = tj
                blocks.append(html_table(tj, lang, caption=b.caption))
    return blocks, tables


# ------------------------------------------------------------------ helpers over the publication


def _areas(site: Site) -> pd.DataFrame:
    a = site.publication.areas
    if a is None or "area_id" not in getattr(a, "columns", ()):
        return pd.DataFrame(columns=["area_id", "name", "municipality"])
    return a.astype({"area_id": str})


def _area_names(site: Site) -> dict[str, str]:
    a = _areas(site)
    return dict(zip(a["area_id"], a.get("name", a["area_id"]).astype(str)))


def _indicators(site: Site, lang: str) -> View | None:
    pub = site.publication
    return view(pub["indicators"], lang, "indicators") if "indicators" in pub else None


def _lists_of(site: Site) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lid, ids in site.publication.designated.items():
        for aid in ids:
            out.setdefault(str(aid), []).append(str(lid))
    return out


def _designation_names(lang: str) -> dict:
    """A list id as the map's legend names it (the report's words)."""
    return {lid: t(name, lang) for lid, name, _ in MAP_CATEGORIES}


def _category_of(site: Site):
    lists = _lists_of(site)
    parent = dict(zip(_areas(site)["area_id"], _areas(site).get("parent_area", pd.Series(dtype=object))))

    def category(aid: str) -> str | None:
        seen, node, ls = set(), aid, []
        while isinstance(node, str) and node not in seen:
            ls += lists.get(node, [])
            seen.add(node)
            node = parent.get(node)
        for lid, _, _ in MAP_CATEGORIES:
            if lid in ls:
                return lid
        return None

    return category


def _indicator_ids(site: Site) -> list[str]:
    """The indicators published at area level in the publication's year."""
    ind = _indicators(site, "en")
    if ind is None:
        return []
    f = ind.frame
    f = f[(f["level"] == "area") & (f["year"].astype(int) == int(site.publication.year or 0))]
    return sorted(set(f["indicator"].astype(str)))


# ------------------------------------------------------------------ pages


def map_page(site: Site, lang: str, indicator: str | None = None, municipality: str | None = None) -> Page:
    """``/``: every area (of ``municipality``, when given) coloured by its designation,
    or by ``indicator``'s published value.

    >>> p = map_page(example_site(), "en", "non_western_share")
    >>> [(a["area_id"], a["value"], a["value_status"]) for a in p.data["areas"]]
    [('A', 0.5, 'published'), ('B', None, 'suppressed'), ('C', None, 'suppressed')]
    """
    from kvarter.publish.profiles import leaf_areas

    pub = site.publication
    areas = _areas(site)
    leaves = leaf_areas(areas) if len(areas) else areas
    if municipality is not None:
        if "municipality" not in leaves or not (leaves["municipality"].astype(str) == municipality).any():
            raise WebError(404, "unknown_municipality", f"There is no municipality {municipality!r} in the publication.")
        leaves = leaves[leaves["municipality"].astype(str) == municipality]
    year = pub.year
    ids = _indicator_ids(site)
    if indicator is not None and indicator not in ids:
        raise WebError(404, "unknown_indicator", f"No indicator {indicator!r} is published at area level in {year}.")
    ind = _indicators(site, lang)
    category = _category_of(site)
    res = {}
    values: dict[str, dict] = {}
    if ind is not None:
        f = ind.frame
        now = f[(f["level"] == "area") & (f["year"].astype(int) == int(year or 0))]
        r = now[now["indicator"] == "residents"]
        res = dict(zip(r["unit_id"].astype(str), zip(r["value"], r["value_status"])))
        if indicator:
            sel = now[now["indicator"] == indicator]
            for rec in table_json(View("x", sel, ind.key, ind.value_columns), ["unit_id", "value"])["rows"]:
                values[str(rec["unit_id"])] = rec
    published_values = [v["value"] for v in values.values() if v.get("value_status") != SUPPRESSED
                        and v.get("value") is not None]
    breaks = quintile_breaks(published_values) if indicator else []
    items, rows = [], []
    for _, a in leaves.iterrows():
        aid = str(a["area_id"])
        geom = parse_geometry(a.get("geometry"))
        rv = res.get(aid)
        residents = None if rv is None or rv[1] == SUPPRESSED else rv[0]
        row = {"area_id": aid, "name": str(a.get("name", aid)), "municipality": str(a.get("municipality", "")),
               "designation": category(aid), "href": f"/areas/{aid}"}
        row["designation_name"] = _designation_names(lang).get(row["designation"])
        tip = [row["name"], f"{t('residents', lang)}: "
               + (t("suppressed", lang) if rv is not None and rv[1] == SUPPRESSED else format_value(residents, lang))]
        suppressed = False
        if indicator:
            rec = values.get(aid, {})
            row.update({"value": rec.get("value"), "value_status": rec.get("value_status"),
                        "value_reason": rec.get("value_reason")})
            suppressed = rec.get("value_status") == SUPPRESSED
            cls = None
            if not suppressed and rec.get("value") is not None:
                cls = f"q{sum(1 for b in breaks if rec['value'] >= b)}"
            row["class"] = cls
            tip.append(f"{t(indicator, lang)}: " + (f"{t('suppressed', lang)} ({rec.get('value_reason')})" if suppressed
                                                     else format_value(rec.get("value"), lang)))
            cat = cls
        else:
            cat = row["designation"]
            tip.append(f"{t('designation', lang)}: {t(cat, lang) if cat else t('not_designated', lang)}")
        rows.append(row)
        if geom:
            items.append(MapArea(aid, row["name"], geom, cat, "\n".join(tip), suppressed))
    if indicator:
        bounds = [min(published_values)] + breaks if published_values else []
        legend = [(f"q{k}", f"≥ {format_value(b, lang)}") for k, b in enumerate(bounds)]
        colours = {f"q{k}": SEQUENTIAL[min(k, 4)] for k in range(len(bounds))}
        if any(r.get("value_status") == SUPPRESSED for r in rows):
            legend.append(("suppressed", t("suppressed", lang)))
    else:
        present = {r["designation"] for r in rows}
        legend = [(lid, t(name, lang)) for lid, name, _ in MAP_CATEGORIES if lid in present]
        colours = {lid: c for lid, _, c in MAP_CATEGORIES}
        legend.append((None, t("not_designated", lang)))
    title = f"{municipality or t('areas', lang)} {year or ''}".strip() + (f" — {t(indicator, lang)}" if indicator else "")
    blocks = []
    # The indicator picker: a plain GET form (no script needed).
    opts = "".join(f'<option value="{escape(i)}"{" selected" if i == indicator else ""}>{escape(t(i, lang))}</option>'
                   for i in ids)
    blocks.append(Markup(
        f'<form class="kv-picker" method="get" action="/"><input type="hidden" name="lang" value="{lang}">'
        + (f'<input type="hidden" name="municipality" value="{escape(municipality)}">' if municipality else "") +
        f'<label>{escape(t("colour_by", lang))} <select name="indicator"><option value="">'
        f'{escape(t("designation_colour", lang))}</option>{opts}</select></label> '
        f'<button type="submit">{escape(t("show", lang))}</button></form>'))
    if items:
        svg = area_map(items, [(c, x) for c, x in legend], title=title, colours=colours, query=_lang_query(lang))
        blocks.append(Markup(f'<figure class="kv-map-figure">{svg}'
                             f'<div class="kv-infobox" role="status" aria-live="polite" hidden></div>'
                             f'<p class="kv-hint">{escape(t("hover_hint", lang))}</p></figure>'))
    blocks.append(_h2(t("areas", lang)))
    tab = {"name": "areas", "columns": ["name", "municipality", "designation_name"] + (["value"] if indicator else []),
           "value_columns": ["value"] if indicator else [], "rows": rows}
    blocks.append(html_table(tab, lang, links={"name": lambda r: r["href"] + _lang_query(lang)}))
    munis = sorted({r["municipality"] for r in rows if r["municipality"]})
    blocks.append(_h2(t("municipality_page", lang)))
    blocks.append(_link_list([(f"/municipalities/{m}{_lang_query(lang)}", m) for m in munis]))
    data = {"year": year, "municipality": municipality, "indicator": indicator, "indicators": ids,
            "legend": [{"category": c, "label": x} for c, x in legend], "areas": rows,
            "designated": {k: list(v) for k, v in pub.designated.items()}, "notes": list(pub.notes)}
    return Page("map", t("nav_map", lang), data, blocks)


def _profile_rows(ind: View, area_id: str, municipality: str, year: int) -> list[dict]:
    f = ind.frame
    now = f[f["year"].astype(int) == int(year)]
    a = now[(now["level"] == "area") & (now["unit_id"].astype(str) == area_id)]
    m = now[(now["level"] == "municipality") & (now["unit_id"].astype(str) == str(municipality))]
    ra = {r["indicator"]: r for r in table_json(View("a", a, ind.key, ind.value_columns), ["indicator", "value"])["rows"]}
    rm = {r["indicator"]: r for r in table_json(View("m", m, ind.key, ind.value_columns), ["indicator", "value"])["rows"]}
    rows = []
    for i in sorted(ra):
        x, y = ra[i], rm.get(i, {})
        rows.append({"indicator": i, "value": x["value"], "value_status": x["value_status"],
                     "value_reason": x["value_reason"], "municipality_value": y.get("value"),
                     "municipality_value_status": y.get("value_status", "published" if y else SUPPRESSED),
                     "municipality_value_reason": y.get("value_reason", "")})
    return rows


def area_page(site: Site, area_id: str, lang: str, registry: Mapping[str, Protected] | None = None) -> Page:
    """``/areas/{area_id}``: profile against the municipality, criteria and margins,
    list history, what it would take to leave, benchmarks, initiatives and trends.

    >>> p = area_page(example_site(), "A", "da", registry={})
    >>> p.title, p.data["lists"], p.data["tables"]["profile"]["rows"][0]["value"]
    ('Område: Aby', ['udsat_boligomraade'], 0.5)
    """
    pub = site.publication
    areas = _areas(site)
    hit = areas[areas["area_id"] == area_id]
    if hit.empty:
        raise WebError(404, "unknown_area", f"There is no area {area_id!r} in the publication.")
    a = hit.iloc[0]
    name, municipality = str(a.get("name", area_id)), str(a.get("municipality", ""))
    year = int(pub.year or 0)
    q = _lang_query(lang)
    tables: dict[str, dict] = {}
    blocks: list = []
    lists = _lists_of(site).get(area_id, [])
    blocks.append(_para(t("on_lists", lang, year=year, lists=", ".join(t(x, lang) for x in lists)) if lists
                       else t("not_on_list", lang, year=year)))
    blocks.append(Markup(f'<p><a href="/municipalities/{escape(municipality)}{q}">{escape(municipality)}</a></p>'))
    ind = _indicators(site, lang)
    if ind is not None:
        rows = _profile_rows(ind, area_id, municipality, year)
        prof = {"name": "profile", "columns": ["indicator", "value", "municipality_value"],
                "value_columns": ["value", "municipality_value"], "rows": rows}
        tables["profile"] = prof
        blocks += [_h2(t("profile_against", lang)), html_table(prof, lang, caption=f"{name} / {municipality} {year}")]
    crit_rows = []
    for key in sorted(k for k in pub.tables if k.startswith("criteria_")):
        v = view(pub[key], lang).where(area_id=area_id)
        if len(v):
            tj = table_json(v, ["criterion", "value", "threshold", "met", "margin"])
            tables[key] = tj
            crit_rows += [{"ruleset": key[len("criteria_"):], **r} for r in tj["rows"]]
            blocks += [_h3(f"{t('criteria_margins', lang)} — {key[len('criteria_'):]} {year}"), html_table(tj, lang)]
    if crit_rows:
        leave = [r for r in crit_rows if r.get("met") is True and r.get("met_status") != SUPPRESSED]
        blocks += [_h2(t("what_to_leave", lang)), _para(t("what_to_leave_text", lang))]
        lt = {"name": "what_it_would_take", "columns": ["ruleset", "criterion", "value", "threshold", "margin"],
              "value_columns": ["value", "threshold", "margin"], "rows": leave}
        tables["what_it_would_take"] = lt
        blocks.append(html_table(lt, lang))
    if "history" in pub:
        v = view(pub["history"], lang).where(area_id=area_id)
        tj = table_json(v, ["ruleset", "list", "year", "designated", "change"])
        tables["history"] = tj
        blocks += [_h2(t("list_history", lang)), html_table(tj, lang)]
    bench = []
    for key in sorted(k for k in pub.tables if k.startswith("benchmark_areas")):
        v = view(pub[key], lang)
        col = next((c for c in ("unit", "unit_id", "area_id") if c in v.frame.columns), None)
        if col is None:
            continue
        sub = v.where(**{col: area_id})
        if len(sub):
            tj = table_json(sub)
            tables[key] = tj
            bench += [_h3(key), html_table(tj, lang)]
    if bench:
        _b = _area_funnels(site, area_id, name, lang)
        blocks += [_h2(t("benchmarks_area", lang))] + _b + bench
    reg = registry if registry is not None else _site_registry_tables(site)
    if "initiatives" in reg:
        v = view(reg["initiatives"], lang).where(area_id=area_id)
        tj = table_json(v, ["initiative", "name", "status", "start", "end", "best_evidence"])
        tables["initiatives"] = tj
        blocks += [_h2(t("initiatives_here", lang)),
                   html_table(tj, lang, links={"name": lambda r: f"/registry/{r['initiative']}{q}"})]
    if ind is not None:
        f = ind.frame
        trend_ids = [i for i in ("residents", *pub.trends) if i in set(f["indicator"])]
        sub = f[(f["level"] == "area") & (f["unit_id"].astype(str) == area_id) & f["indicator"].isin(trend_ids)]
        sub = sub.sort_values(["indicator", "year"])
        tj = table_json(View("trends", sub, ind.key, ind.value_columns), ["indicator", "year", "value"])
        tables["trends"] = tj
        blocks += [_h2(t("trends", lang))] + _trend_charts(tj, name, lang) + [html_table(tj, lang)]
    data = {"area_id": area_id, "name": name, "municipality": municipality, "kind": _str(a.get("kind")),
            "parent_area": _str(a.get("parent_area")), "year": year, "lists": lists, "tables": tables}
    return Page("area", f"{t('area_page', lang)}: {name}", data, blocks)


def _area_funnels(site: Site, area_id: str, name: str, lang: str) -> list:
    """The area's position in each funnel plot of the areas' benchmarks (published points only)."""
    from kvarter.report.benchmarks import funnel_svg

    pub = site.publication
    if "benchmark_areas_funnel" not in pub:
        return []
    f = view(pub["benchmark_areas_funnel"], lang).frame
    f = f[f["value_status"] == "published"]
    out = []
    for ind, rows in f.groupby("indicator", sort=False):
        mine = rows[rows["unit"].astype(str) == area_id]
        if mine.empty:
            continue
        g = rows[rows["group"] == mine["group"].iloc[0]]
        cols = ("lower_95", "upper_95", "lower_998", "upper_998", "precision", "target")
        if any(c not in g.columns for c in cols) or g[list(cols)].isna().any().any():
            continue
        limits = {k: g[k].to_numpy(float) for k in cols[:4]}
        try:
            svg = funnel_svg(g["name"].astype(str).tolist(), g["value"].to_numpy(float), g["precision"].to_numpy(float),
                             limits, g["class"].astype(str).tolist(), target=float(g["target"].iloc[0]),
                             title=f"{t('funnel', lang)}: {t(str(ind), lang)}", lang=lang,
                             percent=str(ind).endswith("_share"), focus=[name])
        except Exception:  # a funnel that cannot be drawn leaves the table on its own
            continue
        out.append(Markup(f'<figure class="kv-chart-figure">{svg}</figure>'))
    return out


def _str(x):
    return None if x is None or (isinstance(x, float) and pd.isna(x)) else str(x)


def _trend_charts(tj: dict, name: str, lang: str) -> list:
    from kvarter.report.charts import line_chart

    out = []
    by: dict[str, list[dict]] = {}
    for r in tj["rows"]:
        by.setdefault(r["indicator"], []).append(r)
    for ind_id, rows in by.items():
        if ind_id == "residents" or len(rows) < 2:
            continue
        xs = [int(r["year"]) for r in rows]
        vals = [r["value"] if r["value_status"] != SUPPRESSED else None for r in rows]
        why = [r["value_reason"] if r["value_status"] == SUPPRESSED else None for r in rows]
        vals = [float("nan") if v is None else float(v) for v in vals]
        try:
            svg = line_chart(xs, {name: vals}, title=t(ind_id, lang), lang=lang, reasons={name: why})
        except Exception:  # a chart that cannot be drawn leaves the table on its own
            continue
        out.append(Markup(f'<figure class="kv-chart-figure">{svg}</figure>'))
    return out


def municipality_page(site: Site, municipality: str, lang: str) -> Page:
    """``/municipalities/{id}``: key figures, the areas and their designations.

    >>> p = municipality_page(example_site(), "K", "en")
    >>> [r["name"] for r in p.data["areas"]], p.data["tables"]["key_figures"]["rows"][0]["persons"]
    (['Aby', 'Bby', 'Cby'], 53.0)
    """
    pub = site.publication
    areas = _areas(site)
    mine = areas[areas["municipality"].astype(str) == municipality] if "municipality" in areas else areas.iloc[0:0]
    if mine.empty:
        raise WebError(404, "unknown_municipality", f"There is no municipality {municipality!r} in the publication.")
    year = int(pub.year or 0)
    q = _lang_query(lang)
    tables: dict[str, dict] = {}
    blocks: list = []
    ind = _indicators(site, lang)
    if ind is not None:
        f = ind.frame
        sub = f[(f["level"] == "municipality") & (f["unit_id"].astype(str) == municipality)
                & (f["year"].astype(int) == year)]
        tj = table_json(View("key_figures", sub, ind.key, ind.value_columns), ["indicator", "value", "persons"]
                        if "persons" in sub.columns else ["indicator", "value"])
        tables["key_figures"] = tj
        blocks += [_h2(f"{t('key_figures', lang)} {year}"), html_table(tj, lang)]
    try:  # the municipality's own map, as the report draws one per municipality
        blocks = [b for b in map_page(site, lang, municipality=municipality).blocks
                  if str(b).startswith('<figure class="kv-map-figure"')] + blocks
    except WebError:  # no leaf area of its own to draw
        pass
    category = _category_of(site)
    names = _designation_names(lang)
    rows = [{"area_id": str(r["area_id"]), "name": str(r.get("name", r["area_id"])), "kind": _str(r.get("kind")),
             "designation": category(str(r["area_id"])), "designation_name": names.get(category(str(r["area_id"])))}
            for _, r in mine.iterrows()]
    tab = {"name": "areas", "columns": ["name", "kind", "designation_name"], "value_columns": [], "rows": rows}
    blocks += [_h2(t("areas", lang)), html_table(tab, lang, links={"name": lambda r: f"/areas/{r['area_id']}{q}"})]
    for key in sorted(k for k in pub.tables if k.startswith("benchmark_municipalities")):
        v = view(pub[key], lang)
        col = next((c for c in ("unit", "unit_id", "municipality") if c in v.frame.columns), None)
        if col is None:
            continue
        sub = v.where(**{col: municipality})
        if len(sub):
            tj = table_json(sub)
            tables[key] = tj
            blocks += [_h3(key), html_table(tj, lang)]
    data = {"municipality": municipality, "year": year, "areas": rows, "tables": tables}
    return Page("municipality", f"{t('municipality_page', lang)}: {municipality}", data, blocks)


def _screening_index(site: Site) -> dict[str, list[int]]:
    """Rule set → the years the publication has designations (or criteria) for."""
    pub = site.publication
    out: dict[str, set[int]] = {}
    if "history" in pub:
        f = view(pub["history"], "en").frame
        for rs, part in f.groupby("ruleset"):
            out.setdefault(str(rs), set()).update(int(y) for y in part["year"].dropna())
    for k in pub.tables:
        if k.startswith("criteria_") and pub.year is not None:
            out.setdefault(k[len("criteria_"):], set()).add(int(pub.year))
    return {k: sorted(v) for k, v in sorted(out.items())}


def screening_page(site: Site, ruleset: str, year: int, lang: str) -> Page:
    """``/screening/{ruleset}/{year}``: the designations of a rule set in a year, with
    criteria and margins in the report year.

    >>> p = screening_page(example_site(), "dk-2024", 2024, "en")
    >>> [(r["area_id"], r["designated"]) for r in p.data["tables"]["designations"]["rows"]]
    [('A', True)]
    """
    pub = site.publication
    index = _screening_index(site)
    if ruleset not in index:
        raise WebError(404, "unknown_ruleset", f"No rule set {ruleset!r} is published; published: {sorted(index)}.")
    if year not in index[ruleset]:
        raise WebError(404, "unknown_year", f"Rule set {ruleset!r} has no screening for {year}; "
                                            f"published years: {index[ruleset]}.")
    q = _lang_query(lang)
    tables: dict[str, dict] = {}
    blocks: list = []
    if "history" in pub:
        v = view(pub["history"], lang).where(ruleset=ruleset, year=year)
        tj = table_json(v, ["area_id", "name", "list", "designated", "change"])
        tables["designations"] = tj
        blocks += [_h2(f"{t('designations', lang)} — {ruleset} {year}"),
                   html_table(tj, lang, links={"name": lambda r: f"/areas/{r['area_id']}{q}"})]
    key = f"criteria_{ruleset}"
    if key in pub and int(pub.year or 0) == year:
        shown = pub.shown.get(ruleset, pub[key])
        tj = table_json(view(shown, lang), ["area_id", "name", "criterion", "value", "threshold", "met", "margin"])
        tables[key] = tj
        blocks += [_h2(t("criteria_margins", lang)),
                   html_table(tj, lang, links={"name": lambda r: f"/areas/{r['area_id']}{q}"})]
    elif key in pub:
        blocks.append(_para(t("criteria_only_latest", lang, year=pub.year)))
    others = [(f"/screening/{rs}/{y}{q}", f"{rs} {y}") for rs, ys in index.items() for y in ys]
    blocks += [_h2(t("rule_sets", lang)), _link_list(others)]
    data = {"ruleset": ruleset, "year": year, "report_year": pub.year, "index": index, "tables": tables}
    return Page("screening", f"{t('screening_title', lang)}: {ruleset} {year}", data, blocks)


def segregation_page(site: Site, lang: str) -> Page:
    """``/segregation``: per analysis, Table 1, the heat-maps per group pair and the trends.

    >>> segregation_page(example_site(), "en").data["tables"]
    {}
    """
    from kvarter.report.sections import heatmap_blocks

    pub = site.publication
    tables: dict[str, dict] = {}
    blocks: list = []
    for part in pub.segregation:
        blocks.append(_h2(t(part.key, lang)))
        st = part.tables
        if f"{part.prefix}_table1" in st:
            tj = table_json(view(st[f"{part.prefix}_table1"], lang))
            tables[f"{part.prefix}_table1"] = tj
            blocks += [_h3(t("table1", lang)), html_table(tj, lang)]
        if f"{part.prefix}_results" in st:
            for chart in heatmap_blocks(st[f"{part.prefix}_results"], part.order, lang):
                blocks.append(Markup(f'<figure class="kv-chart-figure">{chart.svg}</figure>'))
            tables[f"{part.prefix}_results"] = table_json(view(st[f"{part.prefix}_results"], lang))
        for name in sorted(st):
            if name not in tables:
                tables[name] = table_json(view(st[name], lang))
                if name.endswith("_trends_d"):
                    blocks += [_h3(t("agreement", lang)), html_table(tables[name], lang)]
    if not pub.segregation:
        blocks.append(_para("–"))
    return Page("segregation", t("nav_segregation", lang), {"year": pub.year, "tables": tables}, blocks)


def _prefixed(site: Site, prefixes, lang: str) -> dict[str, dict]:
    pub = site.publication
    return {k: table_json(view(v, lang)) for k, v in sorted(pub.tables.items()) if k.startswith(tuple(prefixes))}


def benchmarks_page(site: Site, lang: str) -> Page:
    """``/benchmarks``: funnel plots and spine charts, as in the report's benchmarks section.

    >>> benchmarks_page(example_site(), "en").data["tables"]
    {}
    """
    from kvarter.report.benchmarks import benchmark_sections

    blocks, _ = _section_blocks(benchmark_sections(site.publication, lang), lang)
    tables = _prefixed(site, [BENCHMARK_PREFIX], lang)
    if not tables:
        blocks.append(_para(t("no_benchmarks", lang)))
    return Page("benchmarks", t("nav_benchmarks", lang), {"year": site.publication.year, "tables": tables}, blocks)


def effects_page(site: Site, lang: str) -> Page:
    """``/effects``: the evaluation's published effects, or an honest empty state.

    >>> effects_page(example_site(), "en").data["published"]
    False
    """
    pub = site.publication
    blocks: list = []
    try:  # issue 15's Effects section, when the report has it
        from kvarter.report.effects import effects_sections as evaluation_sections  # type: ignore[import-not-found]
    except ImportError:
        evaluation_sections = None
    tables = _prefixed(site, EFFECT_PREFIXES, lang)
    if evaluation_sections is not None and tables:
        b, _ = _section_blocks(evaluation_sections(pub, lang), lang)
        blocks += b
    elif tables:
        for name, tj in tables.items():
            blocks += [_h3(name), html_table(tj, lang)]
    if not tables:
        blocks.append(_para(t("no_effects", lang), "kv-empty-state"))
    return Page("effects", t("nav_effects", lang), {"year": pub.year, "tables": tables,
                                                    "published": bool(tables)}, blocks)


def housing_page(site: Site, lang: str) -> Page:
    """``/housing``: the needs overview and the pathways by area (aggregates only).

    >>> housing_page(example_site(), "nl").data["tables"]
    {}
    """
    from kvarter.report.housing import housing_sections

    tables = _prefixed(site, [HOUSING_PREFIX], lang)
    blocks: list = [_para(t("housing_note", lang))]
    if tables:
        b, _ = _section_blocks(housing_sections(site.publication, lang), lang)
        blocks += b
    else:
        blocks.append(_para(t("no_housing", lang), "kv-empty-state"))
    return Page("housing", t("nav_housing", lang), {"year": site.publication.year, "tables": tables}, blocks)


def _site_registry_tables(site: Site) -> Mapping[str, Protected]:
    """The registry's tables as the publication holds them (the app passes the current ones)."""
    return {k: v for k, v in site.publication.tables.items() if k in REGISTRY_TABLES}


def registry_page(site: Site, lang: str, registry: Mapping[str, Protected], *, form: Markup | None = None) -> Page:
    """``/registry``: the initiatives (published per area), and the form to add one.

    >>> registry_page(example_site(), "en", {}).data
    {'initiatives': [], 'tables': {}}
    """
    q = _lang_query(lang)
    tables: dict[str, dict] = {}
    blocks: list = []
    if "initiatives" in registry:
        tj = table_json(view(registry["initiatives"], lang),
                        ["initiative", "name", "area", "status", "start", "end", "best_evidence", "example"])
        tables["initiatives"] = tj
        blocks.append(html_table(tj, lang, links={"name": lambda r: f"/registry/{r['initiative']}{q}",
                                                  "area": lambda r: f"/areas/{r['area_id']}{q}"
                                                  if r.get("area_id") else None}))
    else:
        blocks.append(_para(t("no_initiatives", lang), "kv-empty-state"))
    for name in ("principles_served",):
        if name in registry:
            tables[name] = table_json(view(registry[name], lang))
    if form is not None:
        blocks += [_h2(t("add_initiative", lang)), form]
    ids = sorted({r["initiative"] for r in tables.get("initiatives", {}).get("rows", [])})
    return Page("registry", t("nav_registry", lang), {"initiatives": ids, "tables": tables}, blocks)


def initiative_page(site: Site, initiative: str, lang: str, registry: Mapping[str, Protected],
                    history: pd.DataFrame, *, form: Markup | None = None) -> Page:
    """``/registry/{id}``: an initiative as published (per area), its outcomes, evidence and history.

    >>> h = pd.DataFrame({"version": [1], "action": ["add"], "recorded_at": ["2024-01-01"], "author": ["ana"],
    ...                   "reason": ["new"], "changed": ["(added)"], "withdrawn": [False]})
    >>> initiative_page(example_site(), "x", "en", {}, h).data["version"]
    1
    """
    q = _lang_query(lang)
    tables: dict[str, dict] = {}
    blocks: list = []
    for name, cols in (("initiatives", ["name", "area", "status", "start", "end", "target_groups", "principles",
                                        "partners", "best_evidence", "evidence_strength", "example"]),
                       ("initiative_outcomes", None), ("initiative_evidence", None)):
        if name in registry:
            v = view(registry[name], lang).where(initiative=initiative)
            if len(v):
                tj = table_json(v, cols)
                tables[name] = tj
                blocks += [_h3(t(name, lang)), html_table(tj, lang, links={
                    "area": lambda r: f"/areas/{r['area_id']}{q}" if r.get("area_id") else None})]
    hist_cols = ["version", "action", "recorded_at", "author", "reason", "changed", "withdrawn"]
    hist = [{c: _json_scalar(r.get(c)) for c in hist_cols} for r in history.to_dict("records")]
    ht = {"name": "history", "columns": hist_cols, "value_columns": [], "rows": hist}
    tables["history"] = ht
    blocks += [_h2(t("history_of", lang)), html_table(ht, lang)]
    if form is not None:
        blocks += [_h2(t("edit_initiative", lang)), form]
    version = max((int(r["version"]) for r in hist), default=0)
    title_name = next((r.get("name") for r in tables.get("initiatives", {}).get("rows", []) if r.get("name")),
                      initiative)
    return Page("initiative", f"{t('initiative', lang)}: {title_name}",
                {"initiative": initiative, "version": version, "tables": tables}, blocks)


def _json_scalar(x):
    from kvarter.web.tables import _plain

    return _plain(x)


def methods_page(site: Site, lang: str) -> Page:
    """``/methods``: sources, loads, indicators, rule sets, the disclosure policy and what was suppressed.

    >>> methods_page(example_site(), "en").data["policy"]["min_count"]
    5
    """
    m = site.methods
    blocks: list = []
    data: dict = {"policy": site.policy.to_dict()}
    for key in ("sources", "load_records", "indicators", "rule_sets"):
        recs = [dict(r) for r in (getattr(m, key, ()) or ())]
        data[key] = recs
        if recs:
            cols = list(dict.fromkeys(c for r in recs for c in r))
            blocks += [_h2(t("indicator_definitions" if key == "indicators" else key, lang)),
                       html_table({"name": key, "columns": cols, "value_columns": [], "rows": recs}, lang)]
    pol = [{"setting": k, "value": v} for k, v in site.policy.to_dict().items()]
    blocks += [_h2(t("policy", lang)),
               html_table({"name": "policy", "columns": ["setting", "value"], "value_columns": [], "rows": pol}, lang)]
    summary = []
    for name, p in sorted(site.publication.tables.items()):
        s = p.suppression_summary(lang)
        for r in s.itertuples():
            summary.append({"table": name, "column": r.column, "status": r.status, "reason": r.reason,
                            "cells": int(r.cells)})
    data["suppressed"] = summary
    blocks += [_h2(t("disclosure", lang)),
               html_table({"name": "suppressed", "columns": ["table", "column", "status", "reason", "cells"],
                           "value_columns": [], "rows": summary}, lang)
               if summary else _para(t("nothing_suppressed", lang))]
    data["notes"] = list(site.publication.notes)
    if site.publication.notes:
        blocks += [_h2(t("notes", lang))] + [_para(n) for n in site.publication.notes]
    return Page("methods", t("nav_methods", lang), data, blocks)


def api_page(routes: Sequence[dict], lang: str) -> Page:
    """``/api``: the routes of the app (generated from the app's route table).

    >>> api_page([{"method": "GET", "path": "/", "description": "The map", "auth": "no"}], "en").data["routes"][0]["path"]
    '/'
    """
    tab = {"name": "routes", "columns": ["method", "path", "description", "auth"], "value_columns": [],
           "rows": [dict(r) for r in routes]}
    blocks = [_para(t("api_intro", lang)), html_table(tab, lang)]
    return Page("api", t("api_reference", lang), {"routes": [dict(r) for r in routes]}, blocks)


def example_site() -> Site:
    """A tiny site for the examples: municipality K with areas A (40 residents,
    20 of them non-western), B (3 residents: suppressed) and C (10 residents, 5
    non-western: suppressed as B's complement), in 2024; A is on a list.

    >>> site = example_site()
    >>> site.publication.year, sorted(site.publication.tables)
    (2024, ['history', 'indicators'])
    """
    import json as _json

    from kvarter.disclosure import DisclosurePolicy
    from kvarter.publish import Publication
    from kvarter.publish.indicators import protect_indicators
    from kvarter.publish.screening import protect_history

    policy = DisclosurePolicy()
    rows = []
    for level, unit, n, x in (("area", "A", 40, 20), ("area", "B", 3, 1), ("area", "C", 10, 5),
                              ("municipality", "K", 53, 26)):
        rows.append({"indicator": "non_western_share", "level": level, "unit_id": unit, "municipality": "K",
                     "region": "R", "year": 2024, "numerator": float(x), "denominator": float(n),
                     "persons": float(n), "value": x / n, "raw_value": x / n})
    ind = pd.DataFrame(rows)
    sq = lambda x: _json.dumps({"type": "Polygon", "coordinates": [[[x, 55], [x + .01, 55], [x + .01, 55.01],  # noqa: E731
                                                                     [x, 55]]]})
    areas = pd.DataFrame({"area_id": ["A", "B", "C"], "name": ["Aby", "Bby", "Cby"], "municipality": "K",
                          "geometry": [sq(12.0), sq(12.02), sq(12.04)]})
    long = pd.DataFrame({"ruleset": "dk-2024", "list": "udsat_boligomraade", "area_id": ["A"], "name": ["Aby"],
                         "year": [2024], "designated": [True], "change": ["listed"]})
    residents = pd.DataFrame({"area_id": ["A"], "year": [2024], "residents": [40]})
    tables = {"indicators": protect_indicators(ind, policy), "history": protect_history(long, residents, policy)}
    pub = Publication(tables=tables, policy=policy, year=2024, municipality="K", areas=areas,
                      designated={"udsat_boligomraade": ["A"]})
    return Site(publication=pub, indicators=ind)


__all__ = ["Page", "api_page", "area_page", "benchmarks_page", "effects_page", "housing_page", "initiative_page",
           "map_page", "methods_page", "municipality_page", "registry_page", "screening_page", "segregation_page",
           "example_site"]
