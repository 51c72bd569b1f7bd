"""The Effects section's charts (inline SVG, nothing fetched): an estimate over
event time with its 95 % band, and rows of estimates with intervals or dots
(the forest plot of subgroups, the love plot of balance). A suppressed value
is drawn as a hatched mark with its reason, never as zero."""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from kvarter.report.i18n import check_lang, format_number, label
from kvarter.report.svg import CATEGORICAL, el, esc, fmt, hatch_pattern, nice_ticks, svg_root, uid


def _arr(v) -> np.ndarray:
    return np.asarray([np.nan if x is None else float(x) for x in v], dtype=float)


def band_chart(x: Sequence, estimate, lower, upper, *, title: str, lang: str = "en", reasons=None,
               decimals: int = 2, x_label: str = "") -> str:
    """An estimate over ``x`` (event time) with a shaded 95 % band and a zero line.

    >>> svg = band_chart([0, 1, 2], [-0.1, 0.0, 0.05], [-0.15, -0.04, 0.01], [-0.05, 0.04, 0.09], title="Effect",
    ...                  reasons=[None, None, "fewer than 5 persons"])
    >>> svg.count('class="kv-point"'), svg.count('class="kv-suppressed"'), 'class="kv-band"' in svg
    (2, 1, True)
    """
    check_lang(lang, "band_chart")
    xs = list(x)
    est, lo_, hi_ = _arr(estimate), _arr(lower), _arr(upper)
    why = list(reasons) if reasons is not None else [None] * len(xs)
    ok = np.array([r is None for r in why]) & np.isfinite(est)
    vals = np.concatenate([est[ok], lo_[ok & np.isfinite(lo_)], hi_[ok & np.isfinite(hi_)], [0.0]])
    ticks = nice_ticks(float(vals.min()), float(vals.max()) if vals.max() > vals.min() else float(vals.min()) + 1)
    lo, hi = ticks[0], ticks[-1]
    left, right, top, plot_h = 64.0, 16.0, 34.0, 220.0
    plot_w = max(14.0 * (len(xs) - 1), 360.0)
    width, height = left + plot_w + right, top + plot_h + 44
    hatch_id = uid("hatch", title, xs)

    def px(i):
        return left + (plot_w * i / (len(xs) - 1) if len(xs) > 1 else plot_w / 2)

    def py(v):
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    parts = [el("defs", None, hatch_pattern(hatch_id)),
             el("text", {"x": 0, "y": 16, "font-weight": 600, "font-size": 14}, esc(title))]
    for t in ticks:
        parts.append(el("line", {"x1": left, "x2": left + plot_w, "y1": py(t), "y2": py(t), "stroke": "#e0e0e0"}))
        parts.append(el("text", {"x": left - 6, "y": py(t) + 4, "text-anchor": "end", "font-size": 11},
                        esc(format_number(t, lang, decimals, trim=True))))
    parts.append(el("line", {"x1": left, "x2": left + plot_w, "y1": py(0.0), "y2": py(0.0), "stroke": "#333"}))
    step = max(1, math.ceil(len(xs) / 12))
    for i, xv in enumerate(xs):
        if i % step == 0 or i == len(xs) - 1:
            parts.append(el("text", {"x": px(i), "y": top + plot_h + 16, "text-anchor": "middle", "font-size": 11},
                            esc(xv)))
    if x_label:
        parts.append(el("text", {"x": left + plot_w / 2, "y": top + plot_h + 36, "text-anchor": "middle"},
                        esc(x_label)))
    band_ok = ok & np.isfinite(lo_) & np.isfinite(hi_)
    idx = np.flatnonzero(band_ok)
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1) if len(idx) else []
    for run in runs:
        if len(run) < 2:
            continue
        pts = [f"{fmt(px(i))},{fmt(py(hi_[i]))}" for i in run] + [f"{fmt(px(i))},{fmt(py(lo_[i]))}" for i in run[::-1]]
        parts.append(el("polygon", {"points": " ".join(pts), "fill": CATEGORICAL[0], "opacity": 0.18,
                                    "class": "kv-band"}))
        parts.append(el("polyline", {"points": " ".join(f"{fmt(px(i))},{fmt(py(est[i]))}" for i in run),
                                     "fill": "none", "stroke": CATEGORICAL[0], "stroke-width": 2.5,
                                     "class": "kv-line"}))
    cell = plot_w / max(len(xs) - 1, 1) * 0.6
    for i in range(len(xs)):
        if why[i] is not None:
            tip = f"{xs[i]}: {label('suppressed', lang)} ({why[i]})"
            parts.append(el("g", {"class": "kv-suppressed"}, el("title", None, esc(tip)),
                            el("rect", {"x": px(i) - cell / 2, "y": top, "width": cell, "height": plot_h,
                                        "fill": f"url(#{hatch_id})", "opacity": 0.6})))
        elif math.isfinite(est[i]):
            tip = (f"{xs[i]}: {format_number(est[i], lang, 3)} "
                   f"[{format_number(lo_[i], lang, 3)}; {format_number(hi_[i], lang, 3)}]")
            parts.append(el("circle", {"cx": px(i), "cy": py(est[i]), "r": 3, "fill": CATEGORICAL[0],
                                       "class": "kv-point"}, el("title", None, esc(tip))))
    return svg_root(width, height, title, "".join(parts), cls="kv-chart kv-band-chart")


def interval_rows(labels: Sequence[str], series: Mapping[str, Sequence], *, title: str, lang: str = "en",
                  lower=None, upper=None, reasons=None, guides: Sequence[float] = (0.0,), decimals: int = 2) -> str:
    """One row per label, a dot per series (and, with ``lower``/``upper``, the
    interval of the first): the forest plot of subgroups, or the love plot of
    standardised differences before and after weighting (guides at ±0.1).

    >>> svg = interval_rows(["basic", "other"], {"C(H)": [2.1, 0.4]}, lower=[1.0, -0.5], upper=[3.2, 1.3],
    ...                     title="Forest", reasons=[None, "fewer than 5 persons"])
    >>> svg.count('class="kv-point"'), svg.count('class="kv-suppressed"'), svg.count('class="kv-interval"')
    (1, 1, 1)
    """
    check_lang(lang, "interval_rows")
    labels = [str(x) for x in labels]
    data = {k: _arr(v) for k, v in series.items()}
    lo_ = _arr(lower) if lower is not None else None
    hi_ = _arr(upper) if upper is not None else None
    why = list(reasons) if reasons is not None else [None] * len(labels)
    ok = np.array([r is None for r in why], dtype=bool)
    pool = [v[ok & np.isfinite(v)] for v in data.values()] + [np.asarray(list(guides), float)]
    if lo_ is not None:
        pool += [lo_[ok & np.isfinite(lo_)], hi_[ok & np.isfinite(hi_)]]
    vals = np.concatenate(pool) if pool else np.array([0.0])
    ticks = nice_ticks(float(vals.min()), float(vals.max()) if vals.max() > vals.min() else float(vals.min()) + 1)
    lo, hi = ticks[0], ticks[-1]
    label_w = min(240.0, 8.0 + 7.0 * max([len(s) for s in labels] + [4]))
    left, plot_w, top, row_h = label_w + 8, 360.0, 34.0, 22.0
    plot_h = row_h * max(len(labels), 1)
    legend_top = top + plot_h + 30
    width = left + plot_w + 16
    height = legend_top + 20 * (len(data) if len(data) > 1 else 0) + 8
    hatch_id = uid("hatch", title, labels)

    def px(v):
        return left + (v - lo) / (hi - lo) * plot_w

    parts = [el("defs", None, hatch_pattern(hatch_id)),
             el("text", {"x": 0, "y": 16, "font-weight": 600, "font-size": 14}, esc(title))]
    for t in ticks:
        parts.append(el("line", {"x1": px(t), "x2": px(t), "y1": top, "y2": top + plot_h, "stroke": "#e0e0e0"}))
        parts.append(el("text", {"x": px(t), "y": top + plot_h + 16, "text-anchor": "middle", "font-size": 11},
                        esc(format_number(t, lang, decimals, trim=True))))
    for g in guides:
        parts.append(el("line", {"x1": px(g), "x2": px(g), "y1": top, "y2": top + plot_h, "stroke": "#333",
                                 "stroke-dasharray": None if g == 0 else "4 3"}))
    for i, name in enumerate(labels):
        y = top + row_h * (i + 0.5)
        parts.append(el("text", {"x": label_w, "y": y + 4, "text-anchor": "end"}, esc(name)))
        if why[i] is not None:
            parts.append(el("g", {"class": "kv-suppressed"},
                            el("title", None, esc(f"{name}: {label('suppressed', lang)} ({why[i]})")),
                            el("rect", {"x": left, "y": y - row_h / 2 + 2, "width": plot_w, "height": row_h - 4,
                                        "fill": f"url(#{hatch_id})", "opacity": 0.6})))
            continue
        if lo_ is not None and math.isfinite(lo_[i]) and math.isfinite(hi_[i]):
            parts.append(el("line", {"x1": px(lo_[i]), "x2": px(hi_[i]), "y1": y, "y2": y, "stroke": CATEGORICAL[0],
                                     "stroke-width": 2, "class": "kv-interval"}))
        for k, (sname, v) in enumerate(data.items()):
            if math.isfinite(v[i]):
                tip = f"{name} — {sname}: {format_number(v[i], lang, 3)}"
                if lo_ is not None and k == 0 and math.isfinite(lo_[i]):
                    tip += f" [{format_number(lo_[i], lang, 3)}; {format_number(hi_[i], lang, 3)}]"
                parts.append(el("circle", {"cx": px(v[i]), "cy": y, "r": 4.5, "fill": CATEGORICAL[k % len(CATEGORICAL)],
                                           "class": "kv-point"}, el("title", None, esc(tip))))
    if len(data) > 1:
        for k, sname in enumerate(data):
            ly = legend_top + 20 * k
            parts.append(el("circle", {"cx": left + 6, "cy": ly, "r": 4.5, "fill": CATEGORICAL[k % len(CATEGORICAL)]}))
            parts.append(el("text", {"x": left + 16, "y": ly + 4}, esc(sname)))
    return svg_root(width, height, title, "".join(parts), cls="kv-chart kv-interval-chart")
