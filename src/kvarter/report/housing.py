"""The report's "Housing" section, drawn from the protected housing tables
(:mod:`kvarter.publish.housing`) of the latest year: sentences answering
Husbanken's two questions, heat-maps of the needs overview, the pathways and
the checklist by area, the stock and move-out rates, and the instruments the
needs suggest. Every figure is a published cell; a suppressed one is hatched
with its reason, and a sentence needing one is left out.

:func:`render_housing` writes a housing publication on its own (the
``kvarter housing`` command): its report page, workbook and table files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from kvarter.publish import Publication
from kvarter.report import charts, frames
from kvarter.report.html import Chart, Heading, Paragraph, Section, Table
from kvarter.report.i18n import format_number, format_percent, label

PATHWAYS = ("1", "2", "3", "4", "5", "not_candidate", "unmapped")
SHARE_MEASURES = ("crowded_households_share", "crowded_persons_share", "crowded_families_share",
                  "crowded_low_income_families_share", "persistent_low_income_children_share", "renting_share",
                  "social_assistance_households_share")
STOCK_COLUMNS = (("dwellings", "all", "dwellings"), ("departments", "all", "departments"),
                 ("addresses", "all", "addresses")) + tuple(
    ("dwellings_by_rooms", c, f"rooms_{c}") for c in ("1", "2", "3", "4", "5_plus"))


def _published(p, where: str, lang: str) -> pd.DataFrame:
    """The published frame with each value column's reason (None where published)."""
    t = frames.published(p, where, lang)
    f = t.frame.copy()
    for c in t.value_columns:
        # object dtype: a published cell's reason stays None (a string column would make it NaN)
        f[f"{c}__why"] = pd.Series([w if isinstance(w, str) and w else None for w in t.reasons(c)],
                                   index=f.index, dtype=object)
    return f


def _names(publication: Publication) -> dict[str, str]:
    areas = publication.areas
    if "area_id" not in areas.columns or "name" not in areas.columns:
        return {}
    return dict(zip(areas["area_id"].astype(str), areas["name"].astype(str)))


def _units(publication: Publication, f: pd.DataFrame, lang: str) -> list[tuple[str, str, str]]:
    """(level, unit_id, label) of the areas by name, then the municipalities, regions and overall."""
    names = _names(publication)
    have = f[["level", "unit_id"]].drop_duplicates()
    out = []
    for level in ("area", "municipality", "region", "all"):
        ids = have.loc[have["level"] == level, "unit_id"].astype(str)
        labelled = [(level, u, names.get(u, u) if level == "area" else u) for u in ids]
        out += sorted(labelled, key=lambda x: x[2]) if level == "area" else labelled
    return [(lv, u, label("overall", lang) if lv == "all" else name) for lv, u, name in out]


def grid_of(f: pd.DataFrame, units, cols: Sequence[tuple[str, str]], value: str, col_field: str = "measure"):
    """Values and reasons for ``units`` (rows) × ``cols`` ((column field value, category)) from a published frame.

    >>> f = pd.DataFrame({"level": ["area", "area"], "unit_id": ["A", "A"], "measure": ["m", "n"],
    ...     "category": ["all", "all"], "value": [0.2, np.nan], "value__why": [None, "fewer than 5 persons"]})
    >>> grid_of(f, [("area", "A", "Parken")], [("m", "all"), ("n", "all")], "value")
    ([[0.2, nan]], [[None, 'fewer than 5 persons']])
    """
    index = {(lv, str(u), str(c), str(k)): (v, w) for lv, u, c, k, v, w in zip(
        f["level"], f["unit_id"].astype(str), f[col_field].astype(str), f["category"].astype(str), f[value],
        f[f"{value}__why"])}
    vals, why = [], []
    for lv, u, _ in units:
        row_v, row_w = [], []
        for col, cat in cols:
            v, w = index.get((lv, u, str(col), str(cat)), (np.nan, None))
            row_v.append(float(v) if v is not None and not pd.isna(v) else np.nan)
            row_w.append(w if isinstance(w, str) else None)
        vals.append(row_v)
        why.append(row_w)
    return vals, why


def _latest(f: pd.DataFrame) -> int | None:
    return int(f["year"].max()) if "year" in f.columns and len(f) else None


def _heat(f, units, cols, value, title, lang, *, col_field="measure", vmax=None, decimals=2):
    """A heat-map of ``units`` × ``cols`` ((column value, category, heading)) of a published frame."""
    vals, why = grid_of(f, units, [(c, k) for c, k, _ in cols], value, col_field)
    arr = np.array(vals, dtype=float)
    top = vmax if vmax is not None else (float(np.nanmax(arr)) if np.isfinite(arr).any() else 1.0) or 1.0
    return Chart(charts.heatmap(vals, [u[2] for u in units], [h for *_, h in cols], title=title, lang=lang,
                                reasons=why, vmax=top, decimals=decimals))


def _one(f: pd.DataFrame, value: str, **where):
    rows = f
    for c, v in where.items():
        rows = rows[rows[c].astype(str) == str(v)]
    if len(rows) != 1 or isinstance(rows[f"{value}__why"].iloc[0], str) or pd.isna(rows[value].iloc[0]):
        return None
    return float(rows[value].iloc[0])


def housing_sentences(publication: Publication, lang: str) -> list[str]:
    """Sentences from the published overall figures: ownership potential mapped and
    who could buy, applications assessed for a start loan, crowding. A sentence
    whose figure is suppressed is left out.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> housing_sentences(Publication(tables={}, policy=DisclosurePolicy()), "en")
    []
    """
    out = []
    tables = publication.tables
    if "housing_pathways" in tables:
        f = _published(tables["housing_pathways"], "housing pathways", lang)
        y = _latest(f)
        at = {"level": "all", "unit_id": "all", "year": y}
        total, unmapped = _one(f, "count", category="all", **at), _one(f, "count", category="unmapped", **at)
        buy, support = _one(f, "count", category="1", **at), _one(f, "count", category="2", **at)
        if total and unmapped is not None and buy is not None and support is not None:
            n = total - unmapped
            out.append(label("housing_mapped_sentence", lang).format(
                share=format_percent(n / total, lang, 0), year=y, n=format_number(n, lang, 0),
                N=format_number(total, lang, 0), buy=format_number(buy, lang, 0),
                support=format_number(support, lang, 0)))
    if "housing_assessment" in tables:
        f = _published(tables["housing_assessment"], "housing assessment", lang)
        y = _latest(f)
        for unit in f.loc[f["year"] == y, "unit_id"].astype(str).unique():
            share = _one(f, "value", unit_id=unit, year=y)
            n = _one(f, "denominator", unit_id=unit, year=y)
            if share is not None and n is not None:
                out.append(label("housing_assessed_sentence", lang).format(
                    share=format_percent(share, lang, 0), N=format_number(n, lang, 0), year=y))
    if "housing_needs" in tables:
        f = _published(tables["housing_needs"], "housing needs", lang)
        y = _latest(f)
        hh = _one(f, "value", measure="crowded_households_share", level="all", year=y)
        pp = _one(f, "value", measure="crowded_persons_share", level="all", year=y)
        if hh is not None and pp is not None:
            out.append(label("housing_crowding_sentence", lang).format(
                households=format_percent(hh, lang, 1), persons=format_percent(pp, lang, 1), year=y))
    return out


def _suggestions(p, lang: str, units: dict) -> list[Paragraph]:
    """One paragraph per suggested focus area in the latest year: where, on which
    indicators, and its strategies and instruments (Norwegian in ``no``, else English)."""
    f = _published(p, "housing instruments", lang)
    y = _latest(f)
    f = f[(f["year"] == y) & ~f["focus_area_en__why"].map(lambda w: isinstance(w, str))]
    suffix = "no" if lang == "no" else "en"
    out = []
    for focus, g in f.groupby(f"focus_area_{suffix}", sort=False):
        where = {}
        for u, ind in zip(g["unit_id"].astype(str), g["indicator"]):
            where.setdefault(units.get(u, u), []).append(label(ind, lang))
        why = "; ".join(f"{u} ({', '.join(dict.fromkeys(inds))})" for u, inds in where.items())
        out.append(Paragraph(label("housing_suggest_sentence", lang).format(
            focus=focus, why=why, unit=y, strategies=g[f"strategies_{suffix}"].iloc[0],
            instruments=g[f"instruments_{suffix}"].iloc[0])))
    return out


def housing_sections(publication: Publication, lang: str) -> list[Section]:
    """The "Housing" section when the publication holds housing tables, else nothing.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> housing_sections(Publication(tables={}, policy=DisclosurePolicy()), "en")
    []
    """
    tables = publication.tables
    if not any(k.startswith("housing_") for k in tables):
        return []
    blocks: list = [Paragraph(s) for s in housing_sentences(publication, lang)]
    if "housing_needs" in tables:
        f = _published(tables["housing_needs"], "housing needs", lang)
        y = _latest(f)
        now = f[f["year"] == y]
        units = _units(publication, now, lang)
        cols = [(m, "all", label(m, lang)) for m in SHARE_MEASURES if (now["measure"] == m).any()]
        blocks += [Heading("housing_needs"),
                   _heat(now, units, cols, "value", f"{label('housing_needs', lang)} {y}", lang, vmax=0.5)]
    if "housing_pathways" in tables:
        f = _published(tables["housing_pathways"], "housing pathways", lang)
        y = _latest(f)
        now = f[f["year"] == y]
        cols = [("households_by_pathway", c, label(f"pathway_{c}", lang)) for c in PATHWAYS]
        blocks += [Heading("housing_pathways"),
                   _heat(now, _units(publication, now, lang), cols, "share", f"{label('housing_pathways', lang)} {y}", lang,
                         vmax=0.6)]
    if "housing_assessment" in tables:
        blocks += [Heading("housing_assessment"),
                   Table(tables["housing_assessment"], columns=["unit_id", "year", "value", "numerator", "denominator"],
                         formats={"value": "percent:0", "numerator": "int", "denominator": "int"})]
    if "housing_checklist" in tables:
        f = _published(tables["housing_checklist"], "housing checklist", lang)
        y = _latest(f)
        now = f[f["year"] == y]
        items = [c for c in now.loc[now["measure"] == "children_failing_item", "category"].drop_duplicates()]
        cols = [("children_failing_1plus", "all", label("children_failing_1plus", lang)),
                ("children_failing_3plus", "all", label("children_failing_3plus", lang))] + [
                   ("children_failing_item", i, label(i, lang)) for i in items]
        blocks += [Heading("housing_checklist"),
                   _heat(now, _units(publication, now, lang), cols, "value", f"{label('housing_checklist', lang)} {y}", lang,
                         vmax=1.0)]
    if "housing_stock" in tables:
        f = _published(tables["housing_stock"], "housing stock", lang)
        names = _names(publication)
        blocks.append(Heading("housing_stock"))
        cols = [(m, k, label(h, lang)) for m, k, h in STOCK_COLUMNS]
        for kind, g in f.groupby("kind", sort=False):
            # one row per area and organisation, then the whole stock of the kind
            g = g.assign(unit_id=g["unit_id"].astype(str) + "|" + g["organisation"].astype(str))
            rows = [(lv, u, label("overall", lang) if lv == "all" else
                     f"{names.get(u.split('|')[0], u.split('|')[0])} · {u.split('|')[1]}")
                    for lv, u in g[["level", "unit_id"]].drop_duplicates().itertuples(index=False)]
            blocks.append(_heat(g, rows, cols, "value", f"{label('housing_stock', lang)}: {label(str(kind), lang)}",
                                lang, decimals=0))
    if "housing_move_out" in tables:
        f = _published(tables["housing_move_out"], "housing move-out", lang)
        years = sorted(int(y) for y in f["year"].unique())
        f = f.assign(col=f["year"].astype(int).astype(str))
        cols = [(str(y), "all", str(y)) for y in years]
        blocks += [Heading("housing_move_out"),
                   _heat(f, _units(publication, f, lang), cols, "value", label("housing_move_out", lang), lang,
                         col_field="col", vmax=0.2, decimals=3)]
    if "housing_population" in tables:
        f = _published(tables["housing_population"], "housing population", lang)
        mun = f[(f["level"] == "municipality") & (f["category"] != "all")]
        for unit, g in mun.groupby("unit_id", sort=False):
            xs = sorted(int(y) for y in g["year"].unique())
            series, why = {}, {}
            for band, b in g.groupby("category", sort=False):
                at = dict(zip(b["year"].astype(int), zip(b["count"], b["count__why"])))
                series[str(band)] = [float(at[y][0]) if y in at and not pd.isna(at[y][0]) else np.nan for y in xs]
                why[str(band)] = [at[y][1] if y in at else None for y in xs]
            blocks += [Heading("housing_population"),
                       Chart(charts.line_chart(xs, series, title=f"{label('housing_population', lang)} — {unit}",
                                               lang=lang, reasons=why, percent=False, decimals=0))]
    if "housing_instruments" in tables:
        paragraphs = _suggestions(tables["housing_instruments"], lang, _names(publication))
        if paragraphs:
            blocks += [Heading("housing_instruments"), *paragraphs]
    return [Section("housing", blocks)]


def render_housing(publication: Publication, out: str | Path, *, lang: Sequence[str] = ("en",), name: str = "housing",
                   title: str | None = None) -> tuple[dict[str, Path], Path, dict[str, Path]]:
    """Write a housing publication: ``<name>.html`` (and ``<name>.<lang>.html`` for
    the other languages) with the "Housing" section, ``<name>.xlsx`` (one sheet per
    table) and ``tables/`` (CSV and Parquet); returns (pages, workbook, table paths).

    >>> import tempfile
    >>> from kvarter.disclosure import DisclosurePolicy
    >>> with tempfile.TemporaryDirectory() as d:
    ...     render_housing(Publication(tables={}, policy=DisclosurePolicy()), d)
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The housing publication has no tables to write.
    """
    from kvarter.errors import InputError
    from kvarter.report.files import write_tables
    from kvarter.report.html import write_report
    from kvarter.report.workbook import write_workbook

    if not publication.tables:
        raise InputError("The housing publication has no tables to write.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pages = {}
    for i, lg in enumerate(lang):
        page = out / (f"{name}.html" if i == 0 else f"{name}.{lg}.html")
        pages[lg] = Path(write_report(page, housing_sections(publication, lg), lang=lg,
                                      title=title or f"kvarter — {label('housing', lg)} {publication.year or ''}".strip()))
    workbook = write_workbook(out / f"{name}.xlsx", publication.tables)
    paths = write_tables(publication.tables, out / "tables")
    return pages, Path(workbook), paths
