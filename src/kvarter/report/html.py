"""The self-contained HTML report: one file with every style, script and SVG
inline, a table of contents, and sections the caller assembles from blocks.

A report is a list of :class:`Section` objects, each with a title key (a
label in :mod:`kvarter.report.i18n`) and blocks: :class:`Table` (a protected
table — the only way data enters), :class:`Chart` and :class:`Map` (SVG text
from :mod:`~kvarter.report.charts` and :mod:`~kvarter.report.maps`),
:class:`Paragraph` and :class:`Heading`. :func:`write_report` adds the
methods section, with a summary of what was suppressed and why that it
computes from the tables themselves.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from kvarter.errors import InputError
from kvarter.report.charts import table_bars
from kvarter.report.frames import SUPPRESSED, PublishedTable, published, suppression_summary
from kvarter.report.i18n import IDENTIFIER, check_lang, format_number, format_percent, label, slope_decimals
from kvarter.report.svg import esc

TEMPLATES = Path(__file__).with_name("templates")

LANGUAGE_NAMES = {"en": "English", "da": "Dansk", "no": "Norsk (bokmål)", "nl": "Nederlands"}


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text (escaped), e.g. a generated trend sentence."""

    text: str


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section; ``key`` is a label key or plain text."""

    key: str


@dataclass(frozen=True)
class Chart:
    """An SVG chart from :mod:`kvarter.report.charts`, with an optional caption."""

    svg: str
    caption: str = ""


@dataclass(frozen=True)
class Map:
    """An SVG map from :func:`kvarter.report.maps.svg_map`; the report adds the
    hover info box."""

    svg: str
    caption: str = ""


@dataclass(frozen=True)
class Table:
    """A protected table (only :class:`kvarter.disclosure.Protected` passes).

    ``formats`` maps a column to ``"percent"``, ``"int"``, ``"number"``,
    ``"bool"``, ``"text"`` or ``"slope"`` (a change a year, each value with
    the decimals of :func:`~kvarter.report.i18n.slope_decimals`), optionally
    with decimals (``"percent:0"``, ``"number:2"``); other columns get a
    format from their values. ``bars`` draws a small bar in every numeric cell (Table 1). ``columns`` picks and
    orders the columns shown. ``names`` maps a column to the words shown for
    its ids (goal id → the goal's name), where the label table cannot know
    them.
    """

    protected: object
    caption: str = ""
    formats: Mapping[str, str] = field(default_factory=dict)
    bars: bool = False
    columns: Sequence[str] | None = None
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class CriteriaGrid:
    """One rule set's protected criteria table drawn as an area × criterion
    grid (:mod:`kvarter.report.criteria_grid`)."""

    protected: object
    ruleset: str
    caption: str = ""
    #: The catalogue in use (the publication's): units and currencies of the criteria.
    catalogue: object | None = None


Block = Paragraph | Heading | Chart | Map | Table | CriteriaGrid


@dataclass(frozen=True)
class Section:
    """One section of the report: a title key (``map``, ``designations``,
    ``profiles``, ``trends``, ``segregation`` …) and its blocks."""

    title_key: str
    blocks: Sequence[Block] = ()


@dataclass(frozen=True)
class Methods:
    """What the methods section lists. Each entry is a list of mappings shown
    as a table (keys become column headings via the label table), except
    ``policy``, a mapping of setting to value (e.g. ``min_count: 5``)."""

    sources: Sequence[Mapping] = ()
    load_records: Sequence[Mapping] = ()
    indicators: Sequence[Mapping] = ()
    rule_sets: Sequence[Mapping] = ()
    policy: Mapping = field(default_factory=dict)
    #: Every protected table the job publishes (files, workbook sheets, the
    #: tables behind charts and maps), by name: the list of what was
    #: suppressed and why covers them all, not only the tables the page shows.
    published: Mapping = field(default_factory=dict)


def _anchor(text: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    anchor, k = base, 2
    while anchor in used:
        anchor, k = f"{base}-{k}", k + 1
    used.add(anchor)
    return anchor


def _column_format(col: str, values: pd.Series, formats: Mapping[str, str]) -> tuple[str, int]:
    spec = formats.get(col)
    if spec:
        kind, _, dec = spec.partition(":")
        if kind not in {"percent", "int", "number", "bool", "text", "slope"}:
            raise InputError(
                f"Format {spec!r} for column {col!r} passed to Table is unknown; "
                "expected percent, int, number, bool, text or slope (optionally with ':decimals')."
            )
        return kind, int(dec) if dec else (0 if kind == "int" else 1 if kind == "percent" else 2)
    if col == "year" or col.endswith("_year"):
        return "text", 0  # 2024, not 2,024
    present = values.dropna()
    if pd.api.types.is_bool_dtype(values) or (
        len(present) and all(isinstance(v, (bool, np.bool_)) for v in present)
    ):
        return "bool", 0
    if pd.api.types.is_numeric_dtype(values):
        finite = values.dropna().to_numpy(dtype=float)
        if finite.size and np.all(finite == np.round(finite)):
            return "int", 0
        return "number", 2
    return "text", 0


def _format_cell(value, kind: str, decimals: int, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if kind == "percent":
        return format_percent(value, lang, decimals)
    if kind in ("int", "number"):
        return format_number(value, lang, decimals)
    if kind == "slope":  # a change a year: the one precision rule of format_slope, signed
        return format_number(value, lang, slope_decimals(float(value)))
    if kind == "bool":
        return label("yes" if bool(value) else "no", lang)
    return label(str(value), lang)


def _render_table(block: Table, lang: str, where: str) -> tuple[str, PublishedTable]:
    """The HTML of one protected table and the table as read (for the summary)."""
    table = published(block.protected, where, lang)
    f = table.frame
    shown = list(block.columns) if block.columns else list(table.keys) + list(table.value_columns)
    missing = [c for c in shown if c not in f.columns]
    if missing:
        raise InputError(f"{where}: column(s) {', '.join(map(repr, missing))} are not in the table; it has {list(f.columns)}.")
    caption = block.caption
    if block.bars:
        row_key = next((c for c in shown if c in table.keys), None)
        if row_key is None:
            raise InputError(f"{where}: a table with bars needs a key column to label its rows.")
        values = [c for c in shown if c in table.value_columns]
        pct = [c for c in values if _column_format(c, f[c], block.formats)[0] == "percent"]
        dec = {c: _column_format(c, f[c], block.formats)[1] for c in values}
        html = table_bars(
            [str(v) for v in f[row_key]], {c: f[c].to_numpy(dtype=float) for c in values},
            caption=caption, lang=lang, reasons={c: table.reasons(c) for c in values},
            percent_columns=pct, decimals=dec, row_heading=row_key,
        )
    else:
        fmts = {c: _column_format(c, f[c], block.formats) for c in shown}
        head = "".join(f'<th scope="col">{esc(label(c, lang))}</th>' for c in shown)
        rows = []
        for i in range(len(f)):
            cells = []
            for c in shown:
                kind, dec = fmts[c]
                cls = "kv-num" if kind in ("int", "number", "percent", "slope") else ""
                if c in table.value_columns:
                    status = table.status(c).iat[i]
                    if status in SUPPRESSED:
                        tip = esc(f"{label(status, lang)}: {table.reason(c).iat[i] or label('suppressed', lang)}")
                        cells.append(f'<td class="kv-num kv-supp" title="{tip}"><span aria-label="{tip}">×</span></td>')
                        continue
                    if status == "structural_zero":
                        text = _format_cell(f[c].iat[i], kind, dec, lang)
                        cells.append(f'<td class="{cls}" title="{esc(label(status, lang))}">{esc(text)}</td>')
                        continue
                if kind == "bool" and not pd.isna(f[c].iat[i]):
                    cls = "kv-met-yes" if bool(f[c].iat[i]) else "kv-met-no"
                text = _format_cell(f[c].iat[i], kind, dec, lang)
                if c in block.names:
                    text = block.names[c].get(str(f[c].iat[i]), text)
                cells.append(f'<td class="{cls}">{esc(text)}</td>' if cls else f"<td>{esc(text)}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        cap = f"<caption>{esc(caption)}</caption>" if caption else ""
        html = (f'<table class="kv-table">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table>")
    note = ""
    n_supp = sum(int(table.status(c).isin(SUPPRESSED).sum()) for c in table.value_columns)
    if n_supp:
        note = f'<p class="kv-table-note">{esc(label("suppressed_note", lang))}</p>'
    return f'<div class="kv-table-wrap">{html}{note}</div>', table


#: Columns of the methods section whose values are names a reader types or
#: looks up as they are (the store's tables, loaded files, published table
#: files, indicator ids beside their names): shown as code, not as words.
_CODE_COLUMNS = frozenset({"dataset", "table", "file", "indicator"})


def _cell(col: str, value, lang: str, files: frozenset | None = None) -> str:
    text = esc(_plain(value, lang))
    if col == "table" and files is not None and value not in files:
        return text  # a table of this page (its caption), not a published file
    if col in _CODE_COLUMNS and value not in (None, ""):
        return f"<code>{text}</code>"
    if col == "definition":  # a definition names the input's columns (in_youth_education): code
        return IDENTIFIER.sub(lambda m: f"<code>{m.group(0)}</code>", text)
    return text


def _records_table(records: Sequence[Mapping], caption_key: str, lang: str,
                   files: frozenset | None = None) -> str:
    if not records:
        return ""
    cols = list(dict.fromkeys(k for r in records for k in r))
    head = "".join(f'<th scope="col">{esc(label(c, lang))}</th>' for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(c, r.get(c), lang, files)}</td>" for c in cols) + "</tr>" for r in records
    )
    return (f'<h3>{esc(label(caption_key, lang))}</h3><div class="kv-table-wrap"><table class="kv-table">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _plain(value, lang: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return label("yes" if value else "no", lang)
    if isinstance(value, int):
        return format_number(value, lang, 0)
    if isinstance(value, float):
        return format_number(value, lang, 2, trim=True)
    return str(value)


def _with_indicator_name(record: Mapping, lang: str) -> dict:
    """A definition's record with the indicator's name beside its id."""
    out = {}
    for k, v in record.items():
        out[k] = v
        if k == "indicator":
            out["indicator_name"] = label(str(v), lang)
    return out


def _methods_html(methods: Methods | None, tables: dict[str, PublishedTable], lang: str) -> list[str]:
    methods = methods or Methods()
    blocks = [
        _records_table(methods.sources, "sources", lang),
        _records_table(methods.load_records, "load_records", lang),
        _records_table([_with_indicator_name(r, lang) for r in methods.indicators], "indicator_definitions", lang),
        _records_table(methods.rule_sets, "rule_sets", lang),
    ]
    if methods.policy:
        items = "".join(f"<dt>{esc(label(k, lang))}</dt><dd>{esc(_plain(v, lang))}</dd>"
                        for k, v in methods.policy.items())
        blocks.append(f'<h3>{esc(label("policy", lang))}</h3><dl class="kv-policy">{items}</dl>')
    listed = {name: published(t, f"methods section table {name!r}", lang) for name, t in methods.published.items()}
    listed.update({name: t for name, t in tables.items() if name not in listed})
    summary = suppression_summary(listed, lang)
    blocks.append(f'<h3>{esc(label("disclosure", lang))}</h3>')
    if summary.empty:
        blocks.append(f'<p class="kv-paragraph">{esc(label("nothing_suppressed", lang))}</p>')
    else:
        records = [
            {"table": r.table, "column": label(r.column, lang), "status": label(r.status, lang),
             "reason": r.reason, "cells": r.cells}
            for r in summary.itertuples()
        ]
        files = frozenset(methods.published)  # the published tables' file names; the rest are captions
        blocks.append(_records_table(records, "disclosure", lang, files).split("</h3>", 1)[1])
    return [b for b in blocks if b]


def _block_html(block, lang: str, where: str, tables: dict[str, PublishedTable]) -> str:
    if isinstance(block, Paragraph):
        return f'<p class="kv-paragraph">{esc(block.text)}</p>'
    if isinstance(block, Heading):
        return f"<h3>{esc(label(block.key, lang))}</h3>"
    if isinstance(block, Chart):
        cap = f"<figcaption>{esc(block.caption)}</figcaption>" if block.caption else ""
        return f'<figure class="kv-chart-figure">{block.svg}{cap}</figure>'
    if isinstance(block, Map):
        cap = f"<figcaption>{esc(block.caption)}</figcaption>" if block.caption else ""
        return (f'<figure class="kv-map-figure">{block.svg}'
                f'<div class="kv-infobox" role="status" aria-live="polite" hidden></div>'
                f'<p class="kv-hint">{esc(label("hover_hint", lang))}</p>{cap}</figure>')
    if isinstance(block, CriteriaGrid):
        from kvarter.report.criteria_grid import criteria_grid

        html, table = criteria_grid(block.protected, block.ruleset, lang, caption=block.caption, where=where,
                                    catalogue=block.catalogue)
        name = block.caption or where
        tables[name if name not in tables else f"{name} ({len(tables) + 1})"] = table
        n_supp = sum(int(table.status(c).isin(SUPPRESSED).sum()) for c in table.value_columns)
        note = f'<p class="kv-table-note">{esc(label("suppressed_note", lang))}</p>' if n_supp else ""
        return f'<div class="kv-table-wrap">{html}{note}</div>'
    if isinstance(block, Table):
        html, table = _render_table(block, lang, where)
        name = block.caption or where
        tables[name if name not in tables else f"{name} ({len(tables) + 1})"] = table
        return html
    raise InputError(
        f"{where} passed to write_report is a {type(block).__name__}; "
        "expected Paragraph, Heading, Chart, Map or Table."
    )


def render_report(
    sections: Sequence[Section],
    *,
    lang: str,
    title: str,
    methods: Methods | None = None,
    generated: str | None = None,
) -> str:
    """The report as one HTML string (see :func:`write_report`).

    >>> html = render_report([Section("trends", [Paragraph("The share fell.")])], lang="da", title="Demoby")
    >>> '<html lang="da">' in html, ">Udvikling</h2>" in html, ">Metode</h2>" in html
    (True, True, True)
    """
    check_lang(lang, "write_report")
    used: set[str] = set()
    tables: dict[str, PublishedTable] = {}
    rendered = []
    for k, section in enumerate(sections):
        if not isinstance(section, Section):
            raise InputError(f"sections[{k}] passed to write_report is a {type(section).__name__}; expected Section.")
        heading = label(section.title_key, lang)
        blocks = [
            Markup(_block_html(b, lang, f"section {section.title_key!r}, block {j}", tables))
            for j, b in enumerate(section.blocks)
        ]
        rendered.append({"anchor": _anchor(section.title_key, used), "title": heading, "blocks": blocks})
    rendered.append({
        "anchor": _anchor("methods", used), "title": label("methods", lang),
        "blocks": [Markup(b) for b in _methods_html(methods, tables, lang)],
    })
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    from importlib.metadata import PackageNotFoundError, version as _version

    try:
        version = _version("kvarter")
    except PackageNotFoundError:
        version = "dev"
    return env.get_template("report.html.j2").render(
        lang=lang, title=title, sections=rendered, version=version,
        generated=generated or _dt.date.today().isoformat(), lang_name=LANGUAGE_NAMES[lang],
        labels={k: label(k, lang) for k in ("generated", "language", "contents")},
        css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        script=Markup((TEMPLATES / "report.js").read_text(encoding="utf-8")),
    )


def write_report(
    path: str | Path,
    sections: Sequence[Section],
    *,
    lang: str,
    title: str,
    methods: Methods | None = None,
    generated: str | None = None,
) -> Path:
    """Write the self-contained report to ``path`` and return the path.

    Every :class:`Table` must hold a protected table; anything else raises
    :class:`~kvarter.errors.DisclosureError` before a byte is written.

    >>> import tempfile, os
    >>> p = write_report(os.path.join(tempfile.mkdtemp(), "report.html"),
    ...                  [Section("map", [Paragraph("No areas yet.")])], lang="en", title="Demoby")
    >>> p.read_text(encoding="utf-8").count("<section")
    2
    """
    html = render_report(sections, lang=lang, title=title, methods=methods, generated=generated)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
