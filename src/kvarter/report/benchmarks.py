"""The report's benchmarks section: a funnel plot per headline indicator
(hover on a point: name, value, persons counted, class), a spine chart of
the profiled area and of the municipality, and the comparison table — all
drawn from the publication's protected ``benchmark_*`` tables."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from kvarter.report.html import Chart, Heading, Paragraph, Section, Table
from kvarter.report.i18n import check_lang, format_number, format_percent, label
from kvarter.report.svg import el, esc, fmt, nice_ticks, svg_root

#: Colours of the funnel classes (Okabe–Ito blues below, oranges above, grey inside).
CLASS_COLOURS = {"below_998": "#0072B2", "below_95": "#56B4E9", "inside": "#a6a6a6", "above_95": "#E69F00",
                 "above_998": "#D55E00"}
PARTS = ("benchmark_areas", "benchmark_municipalities", "benchmark")


def _show(v: float, lang: str, percent: bool) -> str:
    return format_percent(v, lang, 1) if percent else format_number(v, lang, 2)


def funnel_svg(names: Sequence[str], values, precision, limits: dict, classes: Sequence[str], *, target: float,
               title: str, lang: str = "en", percent: bool = True, focus: Sequence[str] = ()) -> str:
    """A funnel plot: each unit's value against its precision (persons
    counted, log scale), the target and the 95 % and 99.8 % limits through
    the units' own limits, points coloured by class; hovering a point names
    the unit, its value, its precision and its class.

    ``limits`` maps ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``
    to arrays aligned with ``values``.

    >>> svg = funnel_svg(["A", "B"], [0.3, 0.1], [100, 400], {"lower_95": [0.2, 0.25], "upper_95": [0.4, 0.35],
    ...     "lower_998": [0.15, 0.2], "upper_998": [0.45, 0.4]}, ["inside", "below_998"], target=0.3, title="t",
    ...     focus=["B"])
    >>> svg.count('class="kv-point"'), "<title>B: 10.0% (persons counted 400; below the 99.8 % limit)</title>" in svg
    (2, True)
    """
    check_lang(lang, "funnel_svg")
    v = np.asarray(values, dtype=float)
    p = np.asarray(precision, dtype=float)
    lim = {k: np.asarray(limits[k], dtype=float) for k in ("lower_95", "upper_95", "lower_998", "upper_998")}
    left, right, top, plot_w, plot_h = 64.0, 16.0, 34.0, 460.0, 230.0
    x = np.log10(p)
    x0, x1 = float(x.min()), float(x.max())
    if x1 - x0 < 1e-9:
        x0, x1 = x0 - 0.5, x1 + 0.5
    lo = float(np.nanmin(np.concatenate([v, lim["lower_998"], [target]])))
    hi = float(np.nanmax(np.concatenate([v, lim["upper_998"], [target]])))
    ticks = nice_ticks(max(lo, 0.0) if percent else lo, hi)
    ylo, yhi = ticks[0], ticks[-1]

    def px(xv):
        return left + (xv - x0) / (x1 - x0) * plot_w

    def py(yv):
        return top + plot_h - (min(max(yv, ylo), yhi) - ylo) / (yhi - ylo or 1) * plot_h

    parts = [el("text", {"x": 0, "y": 16, "font-weight": 600, "font-size": 14}, esc(title))]
    for t in ticks:
        parts.append(el("line", {"x1": left, "x2": left + plot_w, "y1": py(t), "y2": py(t), "stroke": "#eeeeee"}))
        parts.append(el("text", {"x": left - 6, "y": py(t) + 4, "text-anchor": "end", "font-size": 11},
                        esc(format_percent(t, lang, 0, trim=True) if percent else format_number(t, lang, 2, trim=True))))
    for e in range(math.floor(x0), math.ceil(x1) + 1):
        if x0 - 1e-9 <= e <= x1 + 1e-9:
            parts.append(el("text", {"x": px(e), "y": top + plot_h + 16, "text-anchor": "middle", "font-size": 11},
                            esc(format_number(10 ** e, lang, 0))))
    parts.append(el("text", {"x": left + plot_w / 2, "y": top + plot_h + 32, "text-anchor": "middle",
                             "font-size": 11}, esc(label("precision", lang))))
    order = np.argsort(p, kind="stable")
    for key, dash, width in (("lower_95", "4 3", 1.2), ("upper_95", "4 3", 1.2), ("lower_998", None, 1.5),
                             ("upper_998", None, 1.5)):
        pts = " ".join(f"{fmt(px(x[i]))},{fmt(py(lim[key][i]))}" for i in order if np.isfinite(lim[key][i]))
        parts.append(el("polyline", {"points": pts, "fill": "none", "stroke": "#555", "stroke-width": width,
                                     "stroke-dasharray": dash, "class": f"kv-limit kv-{key}"}))
    parts.append(el("line", {"x1": left, "x2": left + plot_w, "y1": py(target), "y2": py(target), "stroke": "#000",
                             "stroke-width": 1.5, "class": "kv-target"},
                    el("title", None, esc(f"{label('target', lang)}: {_show(target, lang, percent)}"))))
    focus = set(map(str, focus))
    for i in order:
        cls = classes[i] if classes[i] in CLASS_COLOURS else "inside"
        tip = (f"{names[i]}: {_show(v[i], lang, percent)} ({label('precision', lang).lower()} "
               f"{format_number(p[i], lang, 0)}; {label(cls, lang)})")
        big = str(names[i]) in focus
        parts.append(el("circle", {"cx": px(x[i]), "cy": py(v[i]), "r": 6 if big else 4, "fill": CLASS_COLOURS[cls],
                                   "stroke": "#000" if big else "#fff", "stroke-width": 2 if big else 0.5,
                                   "class": "kv-point"}, el("title", None, esc(tip))))
        if big:
            parts.append(el("text", {"x": px(x[i]) + 8, "y": py(v[i]) - 8, "font-size": 11}, esc(names[i])))
    ly = top + plot_h + 48
    lx = left
    for cls, colour in CLASS_COLOURS.items():
        parts.append(el("circle", {"cx": lx + 5, "cy": ly - 4, "r": 5, "fill": colour}))
        text = label(cls, lang)
        parts.append(el("text", {"x": lx + 14, "y": ly, "font-size": 11}, esc(text)))
        lx += 24 + len(text) * 6.2
        if lx > left + plot_w - 60:
            lx, ly = left, ly + 18
    height = ly + 12
    return svg_root(max(left + plot_w + right, lx), height, title, "".join(parts), cls="kv-chart kv-funnel")


def spine_svg(rows: Sequence[dict], *, title: str, lang: str = "en") -> str:
    """A spine chart: one row per indicator, the unit's value (coloured by
    its funnel class) against its group's range (light) and middle 50 %
    (darker) with the reference as a black line; each row on its own scale.

    ``rows`` hold ``label, value, group_min, q1, q3, group_max, reference,
    funnel_class, percent``.

    >>> svg = spine_svg([{"label": "Share", "value": 0.6, "group_min": 0.1, "q1": 0.2, "q3": 0.4,
    ...     "group_max": 0.6, "reference": 0.32, "funnel_class": "above_998", "percent": True}], title="A")
    >>> svg.count('class="kv-spine-row"'), "Share: 60.0%" in svg
    (1, True)
    """
    check_lang(lang, "spine_svg")
    lw, bw, rh, top = 300.0, 320.0, 28.0, 40.0
    parts = [el("text", {"x": 0, "y": 16, "font-weight": 600, "font-size": 14}, esc(title))]
    for k, r in enumerate(rows):
        y = top + rh * k
        lo, hi = float(r["group_min"]), float(r["group_max"])
        span = (hi - lo) or 1.0

        def px(vv):
            return lw + (float(vv) - lo) / span * bw

        pct = bool(r.get("percent", True))
        cls = r.get("funnel_class") if r.get("funnel_class") in CLASS_COLOURS else "inside"
        tip = (f"{r['label']}: {_show(r['value'], lang, pct)}; {label('reference', lang).lower()} "
               f"{_show(r['reference'], lang, pct)}; {label('group_range', lang)} {_show(lo, lang, pct)}"
               f"–{_show(hi, lang, pct)}; {label(cls, lang)}")
        ref = r["reference"]
        row = [el("title", None, esc(tip)),
               el("text", {"x": lw - 8, "y": y + rh / 2 + 4, "text-anchor": "end"}, esc(r["label"])),
               el("rect", {"x": lw, "y": y + 6, "width": bw, "height": rh - 12, "fill": "#e6e6e6"}),
               el("rect", {"x": px(r["q1"]), "y": y + 6, "width": max(px(r["q3"]) - px(r["q1"]), 1),
                           "height": rh - 12, "fill": "#b3b3b3"})]
        if ref is not None and np.isfinite(float(ref)):
            row.append(el("line", {"x1": px(ref), "x2": px(ref), "y1": y + 2, "y2": y + rh - 2, "stroke": "#000",
                                   "stroke-width": 2}))
        row.append(el("circle", {"cx": px(r["value"]), "cy": y + rh / 2, "r": 6, "fill": CLASS_COLOURS[cls],
                                 "stroke": "#000", "stroke-width": 1}))
        parts.append(el("g", {"class": "kv-spine-row"}, *row))
    ly = top + rh * len(rows) + 18
    parts.append(el("rect", {"x": lw, "y": ly - 10, "width": 14, "height": 10, "fill": "#e6e6e6"}))
    parts.append(el("text", {"x": lw + 18, "y": ly, "font-size": 11}, esc(label("group_range", lang))))
    parts.append(el("rect", {"x": lw + 130, "y": ly - 10, "width": 14, "height": 10, "fill": "#b3b3b3"}))
    parts.append(el("text", {"x": lw + 148, "y": ly, "font-size": 11}, esc(label("middle_half", lang))))
    return svg_root(lw + bw + 20, ly + 10, title, "".join(parts), cls="kv-chart kv-spine")


def _indicator_label(indicator: str, lang: str) -> str:
    from kvarter.indicators import load_catalogue

    try:
        labels = load_catalogue()[indicator].labels
    except KeyError:  # an indicator computed from aggregates outside the catalogue
        return indicator
    return getattr(labels, lang, None) or indicator if labels is not None else indicator


def _percent(indicator: str) -> bool:
    return "share" in indicator


def benchmark_sections(publication, lang: str) -> list[Section]:
    """The benchmarks section of a publication (none when it has no ``benchmark_*`` tables).

    >>> import pandas as pd
    >>> from kvarter.benchmark import reference_groups
    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.publish import Publication
    >>> from kvarter.publish.benchmark import protect_benchmark
    >>> v = pd.DataFrame({"indicator": "non_western_share", "unit_id": list("ABCD"), "year": 2024,
    ...     "value": [0.3, 0.1, 0.25, 0.2], "numerator": [30.0, 10.0, 50.0, 40.0],
    ...     "denominator": [100.0, 100.0, 200.0, 200.0], "persons": [100, 100, 200, 200]})
    >>> t = protect_benchmark(v, reference_groups(list("ABCD"), "country", include_self=True), DisclosurePolicy(),
    ...                       kinds={"non_western_share": "share"}, spine_units=["A"])
    >>> s = benchmark_sections(Publication(tables=t, policy=DisclosurePolicy(), year=2024), "da")
    >>> [type(b).__name__ for b in s[0].blocks]
    ['Heading', 'Paragraph', 'Chart', 'Chart', 'Paragraph', 'Table']
    """
    tables = publication.tables
    blocks = []
    for part in PARTS:
        if f"{part}_comparison" not in tables:
            continue
        comp, fun, spine = (tables[f"{part}_{k}"] for k in ("comparison", "funnel", "spine"))
        blocks += [Heading(part if part != "benchmark" else "benchmarks"), Paragraph(label("benchmark_reference_note", lang))]
        sp = spine.frame
        sp = sp[sp["value_status"] == "published"]
        focus = {}
        for unit, rows in sp.groupby("unit", sort=False):
            name = str(rows["name"].iloc[0])
            data = [{"label": _indicator_label(r.indicator, lang), "value": r.value, "group_min": r.group_min,
                     "q1": r.q1, "q3": r.q3, "group_max": r.group_max, "reference": r.reference,
                     "funnel_class": r.funnel_class, "percent": _percent(r.indicator)} for r in rows.itertuples()]
            blocks.append(Chart(spine_svg(data, title=f"{label('spine', lang)}: {name}", lang=lang)))
            for r in rows.itertuples():
                focus.setdefault(r.indicator, (r.group, name))
        ff = fun.frame
        ff = ff[ff["value_status"] == "published"]
        for ind, rows in ff.groupby("indicator", sort=False):
            group, name = focus.get(ind, (rows["group"].iloc[0], None))
            g = rows[rows["group"] == group]
            if g.empty:
                continue
            limits = {k: g[k].to_numpy(float) for k in ("lower_95", "upper_95", "lower_998", "upper_998")}
            title = f"{label('funnel', lang)}: {_indicator_label(ind, lang)} ({label('reference_group', lang).lower()} {group})"
            blocks.append(Chart(funnel_svg(g["name"].astype(str).tolist(), g["value"].to_numpy(float),
                                           g["precision"].to_numpy(float), limits, g["class"].astype(str).tolist(),
                                           target=float(g["target"].iloc[0]), title=title, lang=lang,
                                           percent=_percent(ind), focus=[name] if name else [])))
            phi = format_number(float(g["phi"].iloc[0]), lang, 2)
            key = "overdispersion_found" if bool(g["overdispersed"].iloc[0]) else "no_overdispersion"
            outside = int(g["class"].isin(["below_998", "above_998"]).sum())
            blocks.append(Paragraph(label(key, lang).format(phi=phi, limits=g["limits"].iloc[0]) + " "
                                    + label("outside_998_count", lang).format(n=outside, total=len(g))))
        blocks.append(Table(comp, columns=["row", "name", "group", "indicator", "value", "reference", "index",
                                           "difference", "percentile_rank"],
                            formats={"value": "number:3", "reference": "number:3", "index": "number:0",
                                     "difference": "number:1", "percentile_rank": "number:0"}))
    return [Section("benchmarks", blocks)] if blocks else []
