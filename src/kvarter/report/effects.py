"""The report's "Effects" section: a programme's effect over event time with
its band, the cumulative months of work, the love plot of balance, the forest
plot of subgroups, the cost-effectiveness tables and the area-level event
study — all from the publication's protected ``effects_*`` tables
(:mod:`kvarter.publish.evaluation`), with a plain-language reading generated
from the published numbers."""

from __future__ import annotations

import math

import numpy as np

from kvarter.publish import Publication
from kvarter.report import frames
from kvarter.report.effects_charts import band_chart, interval_rows
from kvarter.report.html import Chart, Heading, Paragraph, Section, Table
from kvarter.report.i18n import covariate_name, format_number, label

#: The publication tables this section reads.
TABLES = ("effects_curve", "effects_cumulative", "effects_summary", "effects_balance", "effects_subgroups",
          "effects_subgroup_summary", "effects_cost", "effects_sensitivity", "effects_areas", "effects_areas_summary")


def lock_in_months(effect, upper) -> int:
    """Months from the start in which the effect is significantly negative (upper bound < 0), run from month 0.

    >>> lock_in_months([-0.1, -0.08, -0.01, -0.05], [-0.05, -0.02, 0.03, -0.01])
    2
    """
    k = 0
    for e, u in zip(effect, upper):
        if not (math.isfinite(u) and u < 0):
            break
        k += 1
    return k


def break_even_month(effect) -> int | None:
    """The first event time from which the cumulative effect stays >= 0 (``None``
    if it ends below zero), as :func:`kvarter.evaluation.break_even_point`.

    >>> break_even_month([-0.1, -0.1, 0.15, 0.1]), break_even_month([-0.2, 0.1])   # sums -0.1, -0.2, -0.05, 0.05
    (3, None)
    """
    c = np.cumsum(np.asarray(effect, dtype=float))
    if len(c) == 0 or not c[-1] >= 0:
        return None
    below = np.flatnonzero(c < 0)
    return 0 if len(below) == 0 else int(below[-1] + 1)


def reading(effect, lower, upper, lang: str, cumulative_lower=None, cumulative_upper=None) -> str:
    """The plain-language reading of an event-time curve (months 0..H):
    lock-in, break-even and the months of work gained over the horizon.

    Five months at -8 points, then +6: the sum is -0.40 after month 4, -0.04
    after month 10, +0.02 after month 11, and 5 x -0.08 + 55 x 0.06 = 2.9 in all.

    >>> eff = [-0.08] * 5 + [0.06] * 55
    >>> lo = [e - 0.03 for e in eff]; hi = [e + 0.03 for e in eff]
    >>> reading(eff, lo, hi, "en")
    'The programme lowers the chance of work for the first 5 months, breaks even after 11 months and adds 2.9 months of work over 60 months.'
    >>> reading(eff, lo, hi, "da")
    'Forløbet sænker chancen for arbejde i de første 5 måneder, går i nul efter 11 måneder og giver 2,9 måneders arbejde ekstra over 60 måneder.'
    """
    eff = np.asarray(effect, dtype=float)
    H = len(eff)
    k = lock_in_months(eff, np.asarray(upper, dtype=float))
    first = (label("effects_reading_lock_in", lang).format(k=k) if k else label("effects_reading_no_lock_in", lang))
    be = break_even_month(eff)
    second = (label("effects_reading_break_even", lang).format(m=be) if be is not None
              else label("effects_reading_no_break_even", lang).format(h=H))
    c = float(np.nansum(eff))
    key = "effects_reading_adds" if c >= 0 else "effects_reading_loses"
    third = label(key, lang).format(c=format_number(abs(c), lang, 1), h=H)
    if cumulative_lower is not None and cumulative_upper is not None and cumulative_lower < 0 < cumulative_upper:
        third += " " + label("effects_reading_uncertain", lang).format(
            lo=format_number(cumulative_lower, lang, 1), hi=format_number(cumulative_upper, lang, 1))
    text = f"{first}, {second} {label('effects_reading_and', lang)} {third}."
    return text[0].upper() + text[1:]


def _curve_chart(tab, value, title, lang, x_label):
    pt = frames.published(tab, title, lang)
    f = pt.frame
    return Chart(band_chart(f["event_time"].tolist(), f[value].tolist(), f["lower"].tolist(), f["upper"].tolist(),
                            title=title, lang=lang, reasons=pt.reasons(value), x_label=x_label))


def effects_sections(publication: Publication, lang: str) -> list[Section]:
    """The "Effects" section when the publication holds evaluation tables, else nothing.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> effects_sections(Publication(tables={}, policy=DisclosurePolicy()), "en")
    []
    """
    t = publication.tables
    if not any(name in t for name in TABLES):
        return []
    blocks: list = []
    if "effects_curve" in t:
        pt = frames.published(t["effects_curve"], "effects curve", lang)
        f = pt.frame
        ok = (pt.status("effect") == "published").to_numpy()
        blocks.append(Paragraph(label("effects_comparison", lang)))
        if ok.all():
            cum = None
            if "effects_summary" in t:
                s = frames.published(t["effects_summary"], "effects summary", lang).frame
                cum = (float(s["cumulative_lower"].iloc[0]), float(s["cumulative_upper"].iloc[0]))
            blocks.append(Paragraph(reading(f["effect"], f["lower"], f["upper"], lang, *(cum or (None, None)))))
        else:
            blocks.append(Paragraph(label("effects_suppressed", lang)))
        blocks.append(_curve_chart(t["effects_curve"], "effect", label("effects_curve_title", lang), lang,
                                   label("months_since_start", lang)))
    if "effects_cumulative" in t:
        blocks.append(_curve_chart(t["effects_cumulative"], "cumulative", label("effects_cumulative_title", lang),
                                   lang, label("months_since_start", lang)))
    if "effects_balance" in t:
        pt = frames.published(t["effects_balance"], "effects balance", lang)
        f = pt.frame
        blocks.append(Chart(interval_rows([covariate_name(c, lang) for c in f["covariate"]],
                                          {label("smd_before", lang): f["smd_before"].tolist(),
                                           label("smd_after", lang): f["smd_after"].tolist()},
                                          title=label("effects_love_title", lang), lang=lang,
                                          reasons=pt.reasons("smd_after"), guides=(-0.1, 0.0, 0.1))))
    if "effects_subgroup_summary" in t:
        pt = frames.published(t["effects_subgroup_summary"], "effects subgroups", lang)
        f = pt.frame
        names = [f"{label(s, lang)}: {label(v, lang)}" for s, v in zip(f["subgroup"], f["level"])]
        blocks.append(Chart(interval_rows(names, {label("cumulative", lang): f["cumulative"].tolist()},
                                          lower=f["lower"].tolist(), upper=f["upper"].tolist(),
                                          title=label("effects_forest_title", lang), lang=lang,
                                          reasons=pt.reasons("cumulative"))))
        blocks.append(Table(t["effects_subgroup_summary"],
                            columns=["subgroup", "level", "cumulative", "lower", "upper", "difference", "p_value",
                                     "n_treated", "n_control"],
                            formats={"cumulative": "number:2", "lower": "number:2", "upper": "number:2",
                                     "difference": "number:2", "p_value": "number:3", "n_treated": "int",
                                     "n_control": "int"}))
    if "effects_cost" in t:
        blocks.append(Heading("effects_cost_heading"))
        pt = frames.published(t["effects_cost"], "effects cost", lang)
        blocks.append(Table(t["effects_cost"], columns=["event_time", "value_gained", "net_benefit", "lower", "upper"],
                            formats={c: "number:0" for c in ("value_gained", "net_benefit", "lower", "upper")}))
    if "effects_sensitivity" in t:
        blocks.append(Heading("effects_sensitivity_heading"))
        blocks.append(Table(t["effects_sensitivity"], columns=["monthly_value", "discount_rate", "net_benefit",
                                                               "break_even"],
                            formats={"monthly_value": "number:0", "discount_rate": "percent:1",
                                     "net_benefit": "number:0", "break_even": "int"}))
    if "effects_areas" in t:
        blocks.append(Heading("effects_areas_heading"))
        f = frames.published(t["effects_areas"], "effects areas", lang).frame
        title = f"{label('effects_areas_title', lang)} — {f['analysis'].iloc[0]}" if len(f) else \
            label("effects_areas_title", lang)
        blocks.append(_curve_chart(t["effects_areas"], "att", title, lang, label("years_since_designation", lang)))
    if "effects_areas_summary" in t:
        summ = frames.published(t["effects_areas_summary"], "effects areas summary", lang).frame
        p = summ["pretrend_p"].dropna()
        if len(p) and float(p.iloc[0]) < 0.05:
            blocks.append(Paragraph(label("effects_pretrend_warning", lang).format(
                p=format_number(float(p.iloc[0]), lang, 3))))
        blocks.append(Table(t["effects_areas_summary"],
                            columns=["aggregation", "estimate", "se", "lower", "upper", "pretrend_p", "n_treated",
                                     "n_control"],
                            formats={"estimate": "number:3", "se": "number:3", "lower": "number:3",
                                     "upper": "number:3", "pretrend_p": "number:3", "n_treated": "int",
                                     "n_control": "int"}))
    return [Section("effects", blocks)]
