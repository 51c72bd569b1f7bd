"""Inline SVG charts: heat-map, line chart, grouped horizontal bars and a
table with bars. Each is a function of plain arrays that returns SVG (or
HTML) text, with a ``<title>`` on every mark for hover tooltips and
``role="img"`` plus an ``aria-label`` on the chart.

Suppression is passed as ``reasons``: an array of the same shape as the
values holding ``None`` for a published value and the reason text for a
suppressed one. A suppressed value is drawn hatched grey with the reason in
its tooltip, never as zero; a missing value that is not suppressed (NaN with
no reason) is simply left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from kvarter.errors import InputError
from kvarter.report.i18n import check_lang, format_money, format_number, format_percent, label
from kvarter.report.svg import (
    CATEGORICAL,
    HEAT_STOPS,
    el,
    esc,
    fmt,
    hatch_pattern,
    interpolate,
    nice_ticks,
    svg_root,
    text_colour,
    text_width,
    uid,
)


def _as_reasons(reasons, shape: tuple[int, ...], name: str, owner: str) -> np.ndarray:
    if reasons is None:
        return np.full(shape, None, dtype=object)
    arr = np.asarray(reasons, dtype=object)
    if arr.shape != shape:
        raise InputError(
            f"reasons passed to {owner} must have the shape of {name} {shape}; got {arr.shape}."
        )
    return arr


def _values(values, owner: str, name: str = "values", ndim: int = 1) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} passed to {owner} must be numbers; got {exc}.") from None
    if arr.ndim != ndim:
        raise InputError(f"{name} passed to {owner} must be {ndim}-dimensional; got shape {arr.shape}.")
    return arr


def _suppressed_text(reason: str, lang: str) -> str:
    return f"{label('suppressed', lang)}: {reason}"


def _tick_text(t: float, lang: str, percent: bool) -> str:
    if percent:
        return format_percent(t, lang, 1, trim=True)
    return format_number(t, lang, 2, trim=True) if t != int(t) else format_number(t, lang, 0)


def _text_width(text: str, size: float = 12, *, bold: bool = False) -> float:
    # Per-character widths of the widest common sans font (svg.text_width): a
    # flat 0.6 em per character clipped "GM0001" at the heat-map's left edge.
    return text_width(text, size, bold=bold)


def heatmap(
    values,
    row_labels: Sequence[str],
    col_labels: Sequence,
    *,
    title: str,
    lang: str = "en",
    reasons=None,
    vmin: float = 0.0,
    vmax: float = 0.8,
    decimals: int = 2,
) -> str:
    """A heat-map of ``values`` (rows × columns) coloured dark green at ``vmin``,
    yellow halfway and dark red at ``vmax`` (values beyond are clamped), with a
    legend; each cell shows its value and names row, column and value on hover.

    Used for segregation: municipalities (rows, sorted by pupils) by years.

    >>> svg = heatmap([[0.0, 0.8], [0.4, float("nan")]], ["Aby", "Bby"], [2017, 2018],
    ...               title="D, high/low income", reasons=[[None, None], [None, "fewer than 5 pupils"]])
    >>> svg.count('class="kv-cell"'), svg.count('class="kv-cell kv-suppressed"')
    (3, 1)
    >>> "<title>Aby, 2018: 0.80</title>" in svg
    True
    >>> "<title>Bby, 2018: suppressed: fewer than 5 pupils</title>" in svg
    True
    """
    check_lang(lang, "heatmap")
    vals = _values(values, "heatmap", ndim=2)
    if vals.shape != (len(row_labels), len(col_labels)):
        raise InputError(
            f"values passed to heatmap have shape {vals.shape} but there are "
            f"{len(row_labels)} row labels and {len(col_labels)} column labels."
        )
    why = _as_reasons(reasons, vals.shape, "values", "heatmap")
    span = (vmax - vmin) or 1.0
    stops = tuple((x / HEAT_STOPS[-1][0], c) for x, c in HEAT_STOPS)
    hatch_id = uid("hatch", title, vals.tobytes())
    grad_id = uid("grad", title, vals.tobytes())

    cw, ch = 46.0, 22.0
    # Row labels end 6 px left of the grid: the margin holds the longest of
    # them (estimated upper bound, svg.text_width) plus 4 px of air.
    left = 10 + max([_text_width(r) for r in row_labels] + [40])
    top = 40.0
    grid_w, grid_h = cw * len(col_labels), ch * len(row_labels)
    legend_top = top + grid_h + 18
    width = max(left + grid_w + 10, 380.0, _text_width(title, 14, bold=True) + 10)
    height = legend_top + 62

    parts = [el("defs", None, hatch_pattern(hatch_id), el(
        "linearGradient", {"id": grad_id, "x1": 0, "x2": 1, "y1": 0, "y2": 0},
        *(el("stop", {"offset": f"{x * 100:g}%", "stop-color": c}) for x, c in stops),
    ))]
    parts.append(el("text", {"x": 0, "y": 16, "font-weight": 600, "font-size": 14}, esc(title)))
    for j, col in enumerate(col_labels):
        parts.append(el("text", {"x": left + cw * j + cw / 2, "y": top - 6, "text-anchor": "middle",
                                  "class": "kv-collabel"}, esc(col)))
    for i, row in enumerate(row_labels):
        y = top + ch * i
        parts.append(el("text", {"x": left - 6, "y": y + ch / 2 + 4, "text-anchor": "end",
                                  "class": "kv-rowlabel"}, esc(row)))
        for j, col in enumerate(col_labels):
            x = left + cw * j
            v = vals[i, j]
            reason = why[i, j]
            if reason is not None:
                tip = f"{row}, {col}: {_suppressed_text(reason, lang)}"
                parts.append(el("g", {"class": "kv-cell kv-suppressed"},
                                el("title", None, esc(tip)),
                                el("rect", {"x": x, "y": y, "width": cw - 1, "height": ch - 1,
                                            "fill": f"url(#{hatch_id})"}),
                                el("text", {"x": x + cw / 2, "y": y + ch / 2 + 4, "text-anchor": "middle",
                                            "fill": "#333"}, "×")))
            elif math.isnan(v):
                continue
            else:
                fill = interpolate((v - vmin) / span * HEAT_STOPS[-1][0], HEAT_STOPS)
                text = format_number(v, lang, decimals)
                parts.append(el("g", {"class": "kv-cell"},
                                el("title", None, esc(f"{row}, {col}: {text}")),
                                el("rect", {"x": x, "y": y, "width": cw - 1, "height": ch - 1, "fill": fill}),
                                el("text", {"x": x + cw / 2, "y": y + ch / 2 + 4, "text-anchor": "middle",
                                            "fill": text_colour(fill), "font-size": 11}, esc(text))))
    # legend: the gradient with ticks, then the suppressed swatch
    lw = 220.0
    parts.append(el("text", {"x": 0, "y": legend_top + 12, "font-weight": 600}, esc(label("legend", lang))))
    lx = 60.0
    parts.append(el("rect", {"x": lx, "y": legend_top, "width": lw, "height": 14, "fill": f"url(#{grad_id})",
                             "class": "kv-legend-scale"}))
    for t in np.linspace(vmin, vmax, 5):
        tx = lx + (t - vmin) / span * lw
        parts.append(el("line", {"x1": tx, "x2": tx, "y1": legend_top + 14, "y2": legend_top + 18, "stroke": "#333"}))
        parts.append(el("text", {"x": tx, "y": legend_top + 30, "text-anchor": "middle", "font-size": 11},
                        esc(format_number(t, lang, 1))))
    sx = lx + lw + 24
    parts.append(el("rect", {"x": sx, "y": legend_top, "width": 14, "height": 14, "fill": f"url(#{hatch_id})"}))
    parts.append(el("text", {"x": sx + 20, "y": legend_top + 12}, esc(label("suppressed", lang))))
    width = max(width, sx + 30 + _text_width(label("suppressed", lang)))
    return svg_root(width, height, title, "".join(parts), cls="kv-chart kv-heatmap")


def line_chart(
    x: Sequence,
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    lang: str = "en",
    reasons: Mapping[str, Sequence[str | None]] | None = None,
    percent: bool = True,
    decimals: int = 1,
    currency: str | None = None,
) -> str:
    """Several series over ``x`` (years), one line each, with a legend.

    A suppressed point breaks its line and is marked by a hatched band at
    that year with the reason in the tooltip; it is never drawn at zero.
    With ``currency`` (an income) the axis, the points and their tooltips
    show amounts with it.

    >>> svg = line_chart([2021, 2022], {"Area": [300000.0, 310000.0]}, title="Income", currency="DKK")
    >>> ">DKK\u00a0300,000</text>" in svg, "<title>Area, 2022: DKK\u00a0310,000</title>" in svg
    (True, True)

    >>> svg = line_chart([2021, 2022, 2023],
    ...                  {"designated areas": [0.2, float("nan"), 0.173], "rest of the city": [0.1, 0.09, 0.08]},
    ...                  title="Without labour-market attachment", reasons={"designated areas": [None, "3 persons", None]})
    >>> svg.count('class="kv-point"'), svg.count('class="kv-suppressed"')
    (5, 1)
    >>> "<title>designated areas, 2023: 17.3%</title>" in svg
    True
    """
    check_lang(lang, "line_chart")
    xs = list(x)
    if not xs:
        raise InputError("x passed to line_chart is empty; give at least one year.")
    data = {name: _values(v, "line_chart", f"series {name!r}") for name, v in series.items()}
    for name, v in data.items():
        if len(v) != len(xs):
            raise InputError(f"series {name!r} passed to line_chart has {len(v)} values for {len(xs)} years.")
    why = {name: _as_reasons((reasons or {}).get(name), (len(xs),), f"series {name!r}", "line_chart")
           for name in data}
    finite = np.concatenate([v[np.isfinite(v)] for v in data.values()] + [np.array([0.0])])
    ticks = nice_ticks(min(0.0, float(finite.min())), float(finite.max()) or 1.0)
    lo, hi = ticks[0], ticks[-1]
    if currency:
        percent = False
        show = lambda v: format_money(v, currency, lang)  # noqa: E731
    else:
        show = (lambda v: format_percent(v, lang, decimals)) if percent else (lambda v: format_number(v, lang, decimals))
    tick_texts = [format_money(t, currency, lang) if currency else _tick_text(t, lang, percent) for t in ticks]

    left, right, top, plot_h = max(64.0, 10 + max(_text_width(t, 11) for t in tick_texts)), 16.0, 34.0, 220.0
    plot_w = max(60.0 * (len(xs) - 1), 320.0)
    width = left + plot_w + right
    legend_top = top + plot_h + 34
    height = legend_top + 20 * len(data) + 8
    hatch_id = uid("hatch", title, xs, sorted(data))

    def px(i: int) -> float:
        return left + (plot_w * i / (len(xs) - 1) if len(xs) > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    parts = [el("defs", None, hatch_pattern(hatch_id)),
             el("text", {"x": 0, "y": 16, "font-weight": 600, "font-size": 14}, esc(title))]
    for t, tick in zip(ticks, tick_texts):
        y = py(t)
        parts.append(el("line", {"x1": left, "x2": left + plot_w, "y1": y, "y2": y, "stroke": "#e0e0e0"}))
        parts.append(el("text", {"x": left - 6, "y": y + 4, "text-anchor": "end", "font-size": 11}, esc(tick)))
    step = max(1, math.ceil(len(xs) / 12))
    for i, xv in enumerate(xs):
        if i % step == 0 or i == len(xs) - 1:
            parts.append(el("text", {"x": px(i), "y": top + plot_h + 16, "text-anchor": "middle", "font-size": 11},
                            esc(xv)))
    parts.append(el("line", {"x1": left, "x2": left + plot_w, "y1": py(lo), "y2": py(lo), "stroke": "#333"}))
    band = plot_w / max(len(xs) - 1, 1) * 0.5
    for k, (name, v) in enumerate(data.items()):
        colour = CATEGORICAL[k % len(CATEGORICAL)]
        segments, current = [], []
        for i, value in enumerate(v):
            if math.isfinite(value) and why[name][i] is None:
                current.append(f"{fmt(px(i))},{fmt(py(value))}")
            else:
                if current:
                    segments.append(current)
                current = []
        if current:
            segments.append(current)
        for seg in segments:
            if len(seg) > 1:
                parts.append(el("polyline", {"points": " ".join(seg), "fill": "none", "stroke": colour,
                                             "stroke-width": 2.5, "class": "kv-line"}))
        for i, value in enumerate(v):
            reason = why[name][i]
            if reason is not None:
                tip = f"{name}, {xs[i]}: {_suppressed_text(reason, lang)}"
                parts.append(el("g", {"class": "kv-suppressed"}, el("title", None, esc(tip)),
                                el("rect", {"x": px(i) - band / 2, "y": top, "width": band, "height": plot_h,
                                            "fill": f"url(#{hatch_id})", "opacity": 0.6})))
            elif math.isfinite(value):
                parts.append(el("circle", {"cx": px(i), "cy": py(value), "r": 4, "fill": colour,
                                           "class": "kv-point"},
                                el("title", None, esc(f"{name}, {xs[i]}: {show(value)}"))))
        ly = legend_top + 20 * k
        parts.append(el("rect", {"x": left, "y": ly, "width": 14, "height": 4, "fill": colour}))
        parts.append(el("text", {"x": left + 20, "y": ly + 6}, esc(name)))
    if any(r is not None for rs in why.values() for r in rs):
        ly = legend_top + 20 * len(data)
        height += 20
        parts.append(el("rect", {"x": left, "y": ly - 4, "width": 14, "height": 12, "fill": f"url(#{hatch_id})"}))
        parts.append(el("text", {"x": left + 20, "y": ly + 6}, esc(label("suppressed", lang))))
    return svg_root(width, height, title, "".join(parts), cls="kv-chart kv-line-chart")


def bar_chart(
    categories: Sequence[str],
    groups: Mapping[str, Sequence[float]],
    *,
    title: str,
    lang: str = "en",
    reasons: Mapping[str, Sequence[str | None]] | None = None,
    percent: bool = True,
    decimals: int = 1,
    currencies: Mapping[str, str] | None = None,
) -> str:
    """Grouped horizontal bars: for each category one bar per group (an area
    against its municipality, as in Gentofte's key figures), values at the
    bar ends, a legend on top.

    Category keys that are label keys (persons.yaml codes such as
    ``employed``) are shown translated. ``currencies`` maps a category key
    to the currency of its amounts (an income), shown with every value.

    >>> svg = bar_chart(["household_income_mean"], {"Area": [412345.6]}, title="Income", percent=False,
    ...                 currencies={"household_income_mean": "DKK"})
    >>> "DKK\u00a0412,346</text>" in svg
    True

    >>> svg = bar_chart(["employed", "unemployed"], {"Area": [0.52, float("nan")], "Municipality": [0.78, 0.04]},
    ...                 title="Employment status", reasons={"Area": [None, "fewer than 5 persons"]})
    >>> svg.count('class="kv-bar"'), svg.count('class="kv-bar kv-suppressed"')
    (3, 1)
    >>> "<title>unemployed, Area: suppressed: fewer than 5 persons</title>" in svg
    True
    """
    check_lang(lang, "bar_chart")
    money = [(currencies or {}).get(c) for c in categories]
    cats = [label(c, lang) for c in categories]
    data = {name: _values(v, "bar_chart", f"group {name!r}") for name, v in groups.items()}
    for name, v in data.items():
        if len(v) != len(cats):
            raise InputError(f"group {name!r} passed to bar_chart has {len(v)} values for {len(cats)} categories.")
    why = {name: _as_reasons((reasons or {}).get(name), (len(cats),), f"group {name!r}", "bar_chart")
           for name in data}
    finite = np.concatenate([v[np.isfinite(v)] for v in data.values()] + [np.array([0.0])])
    vmax = float(finite.max()) or 1.0
    def show(v: float, i: int) -> str:
        if money[i]:
            return format_money(v, money[i], lang)
        return format_percent(v, lang, decimals) if percent else format_number(v, lang, decimals)

    bar_h, gap = 16.0, 10.0
    left = 12 + max([_text_width(c) for c in cats] + [40])
    plot_w = 300.0
    top = 48.0
    group_h = bar_h * len(data) + gap
    width = left + plot_w + 80
    height = top + group_h * len(cats) + 8
    hatch_id = uid("hatch", title, cats, sorted(data))

    parts = [el("defs", None, hatch_pattern(hatch_id)),
             el("text", {"x": 0, "y": 16, "font-weight": 600, "font-size": 14}, esc(title))]
    lx = left
    for k, name in enumerate(data):
        colour = CATEGORICAL[k % len(CATEGORICAL)]
        parts.append(el("rect", {"x": lx, "y": 26, "width": 12, "height": 12, "fill": colour}))
        parts.append(el("text", {"x": lx + 16, "y": 36}, esc(name)))
        lx += 16 + _text_width(name) + 18
    width = max(width, lx)
    for i, cat in enumerate(cats):
        y0 = top + group_h * i
        parts.append(el("text", {"x": left - 6, "y": y0 + bar_h * len(data) / 2 + 4, "text-anchor": "end"},
                        esc(cat)))
        for k, (name, v) in enumerate(data.items()):
            y = y0 + bar_h * k
            colour = CATEGORICAL[k % len(CATEGORICAL)]
            reason = why[name][i]
            if reason is not None:
                tip = f"{cat}, {name}: {_suppressed_text(reason, lang)}"
                parts.append(el("g", {"class": "kv-bar kv-suppressed"}, el("title", None, esc(tip)),
                                el("rect", {"x": left, "y": y + 1, "width": 28, "height": bar_h - 2,
                                            "fill": f"url(#{hatch_id})"}),
                                el("text", {"x": left + 34, "y": y + bar_h - 4, "font-size": 11, "fill": "#555"},
                                   esc("× " + label("suppressed", lang)))))
            elif math.isfinite(v[i]):
                w = max(v[i], 0) / vmax * plot_w
                text = show(v[i], i)
                parts.append(el("g", {"class": "kv-bar"}, el("title", None, esc(f"{cat}, {name}: {text}")),
                                el("rect", {"x": left, "y": y + 1, "width": w, "height": bar_h - 2, "fill": colour}),
                                el("text", {"x": left + w + 4, "y": y + bar_h - 4, "font-size": 11}, esc(text))))
    parts.append(el("line", {"x1": left, "x2": left, "y1": top - 2, "y2": height - 8, "stroke": "#333"}))
    return svg_root(width, height, title, "".join(parts), cls="kv-chart kv-bar-chart")


def table_bars(
    row_labels: Sequence[str],
    columns: Mapping[str, Sequence[float]],
    *,
    caption: str,
    lang: str = "en",
    reasons: Mapping[str, Sequence[str | None]] | None = None,
    percent_columns: Sequence[str] = (),
    decimals: Mapping[str, int] | None = None,
    row_heading: str = "municipality",
) -> str:
    """An HTML table whose numeric cells carry a small inline SVG bar scaled
    to the column's largest value (Table 1 of the school-segregation report).

    >>> html = table_bars(["Aby", "Bby"], {"pupils": [12000, 20000], "non_western": [0.25, float("nan")]},
    ...                   caption="Table 1", percent_columns=["non_western"], decimals={"pupils": 0},
    ...                   reasons={"non_western": [None, "fewer than 5 pupils"]})
    >>> html.count('<svg'), html.count('kv-supp"')
    (3, 1)
    >>> "20,000" in html and "25.0%" in html
    True
    """
    check_lang(lang, "table_bars")
    data = {name: _values(v, "table_bars", f"column {name!r}") for name, v in columns.items()}
    for name, v in data.items():
        if len(v) != len(row_labels):
            raise InputError(f"column {name!r} passed to table_bars has {len(v)} values for {len(row_labels)} rows.")
    why = {name: _as_reasons((reasons or {}).get(name), (len(row_labels),), f"column {name!r}", "table_bars")
           for name in data}
    decimals = dict(decimals or {})
    head = "".join(f'<th scope="col">{esc(label(c, lang))}</th>' for c in data)
    body = []
    for i, row in enumerate(row_labels):
        cells = [f'<th scope="row">{esc(row)}</th>']
        for k, (name, v) in enumerate(data.items()):
            reason = why[name][i]
            if reason is not None:
                tip = esc(_suppressed_text(reason, lang))
                cells.append(f'<td class="kv-num kv-supp" title="{tip}"><span aria-label="{tip}">×</span></td>')
                continue
            if not math.isfinite(v[i]):
                cells.append('<td class="kv-num">–</td>')
                continue
            d = decimals.get(name, 1)
            text = format_percent(v[i], lang, d) if name in percent_columns else format_number(v[i], lang, d)
            finite = v[np.isfinite(v)]
            top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
            w = max(v[i], 0) / top * 60
            bar = el("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": 62, "height": 10,
                             "viewBox": "0 0 62 10", "aria-hidden": "true", "class": "kv-cellbar"},
                     el("rect", {"x": 0, "y": 1, "width": w, "height": 8,
                                 "fill": CATEGORICAL[k % len(CATEGORICAL)]}))
            cells.append(f'<td class="kv-num">{bar} {esc(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="kv-table kv-table-bars"><caption>{esc(caption)}</caption>'
        f'<thead><tr><th scope="col">{esc(label(row_heading, lang))}</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def status_grid(
    on,
    row_labels: Sequence[str],
    col_labels: Sequence,
    *,
    title: str,
    lang: str = "en",
    reasons=None,
    on_label: str,
    off_label: str,
    colour: str = "#b2182b",
) -> str:
    """A grid of yes/no cells (rows × columns): filled where ``on`` is true,
    outlined where false, hatched where suppressed (``reasons``), blank where
    there is no value (NaN). Used for list history: areas by years.

    >>> svg = status_grid([[True, False], [float("nan"), True]], ["Nordparken", "Sydbyen"], [2023, 2024],
    ...                   title="udsat", on_label="on the list", off_label="not on the list",
    ...                   reasons=[[None, None], [None, "suppressed"]])
    >>> svg.count('class="kv-cell kv-on"'), svg.count('class="kv-cell kv-off"'), svg.count("kv-suppressed")
    (1, 1, 1)
    >>> "<title>Nordparken, 2023: on the list</title>" in svg
    True
    """
    check_lang(lang, "status_grid")
    vals = np.asarray(on, dtype=float)
    if vals.ndim != 2 or vals.shape != (len(row_labels), len(col_labels)):
        raise InputError(
            f"on passed to status_grid has shape {vals.shape} but there are "
            f"{len(row_labels)} row labels and {len(col_labels)} column labels."
        )
    why = _as_reasons(reasons, vals.shape, "on", "status_grid")
    hatch_id = uid("hatch", title, vals.tobytes())
    cw, ch = 34.0, 18.0
    left = 10 + max([_text_width(r) for r in row_labels] + [40])
    top = 40.0
    grid_h = ch * len(row_labels)
    legend_top = top + grid_h + 16
    parts = [el("defs", None, hatch_pattern(hatch_id)),
             el("text", {"x": 0, "y": 16, "font-weight": 600, "font-size": 14}, esc(title))]
    for j, col in enumerate(col_labels):
        parts.append(el("text", {"x": left + cw * j + cw / 2, "y": top - 6, "text-anchor": "middle",
                                  "class": "kv-collabel", "font-size": 11}, esc(col)))
    for i, row in enumerate(row_labels):
        y = top + ch * i
        parts.append(el("text", {"x": left - 6, "y": y + ch / 2 + 4, "text-anchor": "end",
                                  "class": "kv-rowlabel"}, esc(row)))
        for j, col in enumerate(col_labels):
            x = left + cw * j
            rect = {"x": x, "y": y, "width": cw - 2, "height": ch - 2}
            if why[i, j] is not None:
                tip = f"{row}, {col}: {_suppressed_text(why[i, j], lang)}"
                parts.append(el("g", {"class": "kv-cell kv-suppressed"}, el("title", None, esc(tip)),
                                el("rect", {**rect, "fill": f"url(#{hatch_id})"})))
            elif math.isnan(vals[i, j]):
                continue
            elif vals[i, j]:
                parts.append(el("g", {"class": "kv-cell kv-on"}, el("title", None, esc(f"{row}, {col}: {on_label}")),
                                el("rect", {**rect, "fill": colour})))
            else:
                parts.append(el("g", {"class": "kv-cell kv-off"},
                                el("title", None, esc(f"{row}, {col}: {off_label}")),
                                el("rect", {**rect, "fill": "#ffffff", "stroke": "#bbbbbb"})))
    swatches = ((colour, on_label, None), ("#ffffff", off_label, "#bbbbbb"),
                (f"url(#{hatch_id})", label("suppressed", lang), None))
    x = 0.0
    for fill, text, stroke in swatches:
        attrs = {"x": x, "y": legend_top, "width": 14, "height": 14, "fill": fill}
        if stroke:
            attrs["stroke"] = stroke
        parts.append(el("rect", attrs))
        parts.append(el("text", {"x": x + 20, "y": legend_top + 12, "font-size": 11}, esc(text)))
        x += 40 + _text_width(text, 11)
    width = max(left + cw * len(col_labels) + 10, x, _text_width(title, 14, bold=True) + 10)
    return svg_root(width, legend_top + 24, title, "".join(parts), cls="kv-chart kv-status-grid")
