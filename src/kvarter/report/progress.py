"""The report's "Progress" section: Copenhagen's page of figures for the
designated areas against the rest of the city, each with a sentence written
from the numbers the way the policy writes them, the composite "less
deprived" measure beside them, life expectancy with its interval (and the
areas too small for one), the figures from outside the registers with their
source and year, and the goals table with a small chart per goal.

Everything is read from the publication's protected tables
(:mod:`kvarter.publish.progress`).
"""

from __future__ import annotations

import math

import numpy as np

from kvarter.publish import Publication
from kvarter.report import charts, frames, sentences
from kvarter.report.html import Chart, Heading, Paragraph, Section, Table
from kvarter.report.i18n import format_number, format_percent, format_value, goal_name, label
from kvarter.report.svg import esc

#: The subject of each register indicator's sentence, as a noun phrase.
SUBJECTS: dict[str, dict[str, str]] = {
    "outside_labour_education_share": {
        "en": "the share of 18-64-year-olds without labour-market attachment",
        "da": "andelen af 18-64-årige uden tilknytning til arbejdsmarkedet",
        "no": "andelen 18-64-åringer uten tilknytning til arbeidslivet",
        "nl": "het aandeel 18-64-jarigen zonder binding met de arbeidsmarkt",
    },
    "temporary_public_support_share": {
        "en": "the share of 16-64-year-olds on temporary public support",
        "da": "andelen af 16-64-årige på midlertidig offentlig forsørgelse",
        "no": "andelen 16-64-åringer på midlertidige offentlige ytelser",
        "nl": "het aandeel 16-64-jarigen met een tijdelijke uitkering",
    },
    "activity_ready_cash_benefit_share": {
        "en": "the share of 18-64-year-olds who are activity-ready cash-benefit recipients",
        "da": "andelen af 18-64-årige, der er aktivitetsparate kontanthjælpsmodtagere",
        "no": "andelen 18-64-åringer som mottar sosialhjelp og er vurdert aktivitetsklare",
        "nl": "het aandeel 18-64-jarigen in de bijstand met een grote afstand tot werk",
    },
    "basic_education_share": {
        "en": "the share of 30-59-year-olds with only basic schooling",
        "da": "andelen af 30-59-årige med kun grundskole",
        "no": "andelen 30-59-åringer med bare grunnskole",
        "nl": "het aandeel 30-59-jarigen met alleen basisonderwijs",
    },
    "no_youth_education_share": {
        "en": "the share of 20-24-year-olds without a youth education",
        "da": "andelen af 20-24-årige uden ungdomsuddannelse",
        "no": "andelen 20-24-åringer uten videregående opplæring",
        "nl": "het aandeel 20-24-jarigen zonder startkwalificatie",
    },
    "sports_club_share": {
        "en": "the share of 6th-graders in a sports club", "da": "andelen af 6.-klasseelever i en idrætsforening",
        "no": "andelen 6.-klassinger i et idrettslag", "nl": "het aandeel leerlingen van groep 8 bij een sportclub",
    },
    "safe_at_night_share": {
        "en": "the share who feel safe in the evening and at night",
        "da": "andelen, der føler sig trygge i aften- og nattetimerne",
        "no": "andelen som føler seg trygge om kvelden og natten",
        "nl": "het aandeel dat zich 's avonds en 's nachts veilig voelt",
    },
    "noise_exposed_share": {
        "en": "the share of noise-exposed dwellings", "da": "andelen af støjbelastede boliger",
        "no": "andelen støyutsatte boliger", "nl": "het aandeel woningen met geluidsoverlast",
    },
    "turnout_share": {
        "en": "turnout at the municipal election", "da": "valgdeltagelsen ved kommunalvalget",
        "no": "valgdeltakelsen ved kommunevalget", "nl": "de opkomst bij de gemeenteraadsverkiezingen",
    },
}

_LE = {
    "en": ("In {p} life expectancy at birth was {a} years in the designated areas against {b} in the rest of the "
           "municipality: {d} years {w} (95 % interval {lo} to {hi} years).", "shorter", "longer"),
    "da": ("I {p} var middellevetiden ved fødslen {a} år i de udpegede områder mod {b} i resten af kommunen: "
           "{d} år {w} (95 %-interval {lo} til {hi} år).", "kortere", "længere"),
    "no": ("I {p} var forventet levealder ved fødsel {a} år i de utpekte områdene mot {b} i resten av kommunen: "
           "{d} år {w} (95 %-intervall {lo} til {hi} år).", "kortere", "lengre"),
    "nl": ("In {p} was de levensverwachting bij geboorte {a} jaar in de aangewezen gebieden tegenover {b} in de rest "
           "van de gemeente: {d} jaar {w} (95%-interval {lo} tot {hi} jaar).", "korter", "langer"),
}
_LE_NONE = {
    "en": "Life expectancy at birth: the designated areas or the rest are too small for a life table in {p}.",
    "da": "Middellevetid ved fødslen: de udpegede områder eller resten er for små til en dødelighedstavle i {p}.",
    "no": "Forventet levealder ved fødsel: de utpekte områdene eller resten er for små til en dødelighetstabell i {p}.",
    "nl": "Levensverwachting bij geboorte: de aangewezen gebieden of de rest zijn te klein voor een sterftetafel in {p}.",
}
_TOO_SMALL = {
    "en": "Too small for a life expectancy (under 5,000 person-years over up to five years, no deaths at 90+, or a "
          "95 % interval wider than 20 years): {a}.",
    "da": "For små til en middellevetid (under 5.000 personår over op til fem år, ingen dødsfald over 90 år eller et "
          "95 %-interval bredere end 20 år): {a}.",
    "no": "For små til en forventet levealder (under 5 000 personår over opptil fem år, ingen dødsfall over 90 år eller "
          "et 95 %-intervall bredere enn 20 år): {a}.",
    "nl": "Te klein voor een levensverwachting (minder dan 5.000 persoonsjaren over maximaal vijf jaar, geen sterfgevallen "
          "boven 90 of een 95%-interval breder dan 20 jaar): {a}.",
}
_SOURCE = {"en": "Source: {s} ({y}).", "da": "Kilde: {s} ({y}).", "no": "Kilde: {s} ({y}).", "nl": "Bron: {s} ({y})."}
_SYNTHETIC = {"en": "Synthetic example figures, not data.", "da": "Syntetiske eksempeltal, ikke data.",
              "no": "Syntetiske eksempeltall, ikke data.", "nl": "Synthetische voorbeeldcijfers, geen gegevens."}
_GOALS_EXAMPLE = {
    "en": "The goal file is an example: its target values are made up to show the mechanics, not the city's.",
    "da": "Målfilen er et eksempel: måltallene er opdigtede for at vise metoden, ikke kommunens egne.",
    "no": "Målfilen er et eksempel: måltallene er oppdiktet for å vise metoden, ikke kommunens egne.",
    "nl": "Het doelenbestand is een voorbeeld: de streefwaarden zijn verzonnen om de werkwijze te tonen.",
}


def le_sentence(period: str, group: float, rest: float, diff: float, low: float, high: float, lang: str) -> str:
    """Copenhagen's "3.5 years shorter", from the published life expectancies.

    >>> le_sentence("2020-2024", 77.2, 80.7, -3.5, -4.9, -2.1, "en")
    'In 2020-2024 life expectancy at birth was 77.2 years in the designated areas against 80.7 in the rest of the municipality: 3.5 years shorter (95 % interval 2.1 to 4.9 years).'
    >>> print(le_sentence("2024", 81.0, 80.0, 1.0, 0.2, 1.8, "da").replace("\\u00a0", " "))
    I 2024 var middellevetiden ved fødslen 81,0 år i de udpegede områder mod 80,0 i resten af kommunen: 1,0 år længere (95 %-interval 0,2 til 1,8 år).
    """
    if not all(math.isfinite(float(v)) for v in (group, rest, diff)):
        return _LE_NONE[lang].format(p=period)
    template, shorter, longer = _LE[lang]
    a, b = (sorted((abs(low), abs(high))) if diff < 0 else (low, high))
    fmt = lambda v: format_value(v, lang, percent=False)  # noqa: E731  (the one precision rule)
    return template.format(p=period, a=fmt(group), b=fmt(rest), d=fmt(abs(diff)), w=shorter if diff < 0 else longer,
                           lo=fmt(a), hi=fmt(b))


def goal_chart(years, values, *, baseline_year: int, baseline: float, target_year: int, target: float,
               projected: float, low: float, high: float, trend_from: int | None, title: str, lang: str,
               percent: bool = True) -> str:
    """A small SVG per goal: the published values (dots and line), the straight
    path from baseline to target (dashed), the trend to the target year
    (dotted) with its interval (a bar) and the target (a ring).

    >>> svg = goal_chart([2021, 2022, 2023], [0.2, float("nan"), 0.18], baseline_year=2021, baseline=0.2,
    ...                  target_year=2035, target=0.1, projected=0.06, low=0.01, high=0.11, trend_from=2021,
    ...                  title="Work", lang="en")
    >>> svg.startswith("<svg"), svg.count('class="kv-point"'), "Target 2035: 10%" in svg
    (True, 2, True)
    """
    pts = [(int(y), float(v)) for y, v in zip(years, values) if v is not None and math.isfinite(float(v))]
    ys = [v for _, v in pts] + [v for v in (baseline, target, projected, low, high) if math.isfinite(float(v))]
    if not ys:
        ys = [0.0, 1.0]
    lo_v, hi_v = min(ys), max(ys)
    if hi_v - lo_v < 1e-12:
        lo_v, hi_v = lo_v - 1, hi_v + 1
    pad = 0.08 * (hi_v - lo_v)
    lo_v, hi_v = lo_v - pad, hi_v + pad
    x0 = min([y for y, _ in pts] + [baseline_year])
    x1 = max(target_year, x0 + 1)
    w, h, left, right, top, bottom = 280.0, 130.0, 40.0, 12.0, 22.0, 20.0
    sx = lambda y: left + (y - x0) / (x1 - x0) * (w - left - right)  # noqa: E731
    sy = lambda v: top + (hi_v - v) / (hi_v - lo_v) * (h - top - bottom)  # noqa: E731
    show = (lambda v: format_percent(v, lang, 1, trim=True)) if percent else (lambda v: format_number(v, lang, 1, trim=True))
    parts = [f'<text x="{left}" y="14" font-size="11" font-weight="600">{esc(title)}</text>',
             f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="#999"/>',
             f'<text x="{left}" y="{h - 6}" font-size="9">{x0}</text>',
             f'<text x="{w - right}" y="{h - 6}" font-size="9" text-anchor="end">{x1}</text>',
             f'<text x="{left - 4}" y="{sy(hi_v - pad) + 3:.1f}" font-size="9" text-anchor="end">{esc(show(hi_v - pad))}</text>',
             f'<text x="{left - 4}" y="{sy(lo_v + pad) + 3:.1f}" font-size="9" text-anchor="end">{esc(show(lo_v + pad))}</text>']
    if math.isfinite(float(baseline)):
        parts.append(f'<line class="kv-path" x1="{sx(baseline_year):.1f}" y1="{sy(baseline):.1f}" x2="{sx(target_year):.1f}" '
                     f'y2="{sy(target):.1f}" stroke="#009E73" stroke-dasharray="5 3"/>')
    if trend_from is not None and math.isfinite(float(projected)) and pts:
        parts.append(f'<line class="kv-trend" x1="{sx(pts[-1][0]):.1f}" y1="{sy(pts[-1][1]):.1f}" x2="{sx(target_year):.1f}" '
                     f'y2="{sy(projected):.1f}" stroke="#E69F00" stroke-dasharray="2 2"><title>{esc(show(projected))}</title></line>')
        if math.isfinite(float(low)) and math.isfinite(float(high)):
            parts.append(f'<line class="kv-interval" x1="{sx(target_year) - 3:.1f}" y1="{sy(max(min(high, hi_v), lo_v)):.1f}" '
                         f'x2="{sx(target_year) - 3:.1f}" y2="{sy(max(min(low, hi_v), lo_v)):.1f}" stroke="#E69F00" stroke-width="3" '
                         f'opacity="0.5"><title>{esc(show(low))} – {esc(show(high))}</title></line>')
    if len(pts) > 1:
        path = " ".join(f"{sx(y):.1f},{sy(v):.1f}" for y, v in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#0072B2" stroke-width="2"/>')
    for y, v in pts:
        parts.append(f'<circle class="kv-point" cx="{sx(y):.1f}" cy="{sy(v):.1f}" r="2.5" fill="#0072B2">'
                     f'<title>{y}: {esc(show(v))}</title></circle>')
    parts.append(f'<circle cx="{sx(target_year):.1f}" cy="{sy(target):.1f}" r="4" fill="none" stroke="#009E73" '
                 f'stroke-width="2"><title>{esc(label("target", lang))} {target_year}: {esc(show(target))}</title></circle>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="kv-chart kv-goal" width="{w:.0f}" height="{h:.0f}" '
            f'viewBox="0 0 {w:.0f} {h:.0f}" role="img" aria-label="{esc(title)}">' + "".join(parts) + "</svg>")


def _series(frame, group: str, value: str = "value"):
    sub = frame[frame["group"] == group].sort_values("year")
    return list(sub["year"].astype(int)), list(sub[value].astype(float))


def _register_blocks(tables, lang: str) -> list:
    blocks = [Heading("progress_registers")]
    for name in [k for k in tables if k.startswith("progress_") and k != "progress_figures"]:
        indicator = name[len("progress_"):]
        subj = SUBJECTS.get(indicator, {}).get(lang, label(indicator, lang))
        xs, series, why = frames.series(tables[name], x="year", by="group", value="value", lang=lang,
                                        where=f"progress {indicator}")
        named = {label(f"{g}_group", lang): v for g, v in series.items()}
        blocks.append(Chart(charts.line_chart(xs, named, title=subj[0].upper() + subj[1:], lang=lang,
                                              reasons={label(f"{g}_group", lang): r for g, r in why.items()})))
        if "designated" in series:
            blocks.append(Paragraph(sentences.trend_sentence(
                f"{subj} ({label('designated_group', lang)})", dict(zip(xs, series["designated"])), lang)))
        if "designated" in series and "rest" in series:
            blocks.append(Paragraph(sentences.gap_sentence(subj, xs[-1], series["designated"][-1],
                                                           series["rest"][-1], lang)))
    return blocks


def _composite_blocks(tables, lang: str) -> list:
    if "composite_gap" not in tables:
        return []
    gap = frames.published(tables["composite_gap"], "composite gap", lang).frame
    k = int(gap["components"].dropna().iloc[0]) if gap["components"].notna().any() else 7
    return [Heading("progress_composite"),
            Paragraph(sentences.less_deprived_sentence(dict(zip(gap["year"], gap["gap"])), lang, criteria=k))]


def _life_blocks(tables, lang: str) -> list:
    blocks = []
    if "life_expectancy_groups" in tables:
        blocks.append(Heading("life_expectancy"))
        g = frames.published(tables["life_expectancy_groups"], "life expectancy", lang).frame
        last = g[g["year"] == g["year"].max()].set_index("group")
        if {"designated", "rest", "difference"} <= set(last.index):
            d, r, x = last.loc["designated"], last.loc["rest"], last.loc["difference"]
            blocks.append(Paragraph(le_sentence(str(x["period"]), d["value"], r["value"], x["value"], x["low"],
                                                x["high"], lang)))
        xs, series, why = frames.series(tables["life_expectancy_groups"], x="year", by="group", value="value",
                                        lang=lang, where="life expectancy")
        named = {label(f"{k}_group", lang): v for k, v in series.items() if k != "difference"}
        blocks.append(Chart(charts.line_chart(xs, named, title=label("life_expectancy", lang), lang=lang,
                                              percent=False)))
        blocks.append(Table(tables["life_expectancy_groups"],
                            columns=["year", "group", "period", "value", "low", "high", "too_small"],
                            formats={"value": "number:1", "low": "number:1", "high": "number:1", "year": "text"}))
    if "life_expectancy_areas" in tables:
        a = frames.published(tables["life_expectancy_areas"], "life expectancy per area", lang).frame
        small = a.loc[a["too_small"].astype(str) != "", "name"].astype(str).tolist()
        blocks.append(Heading("life_expectancy_per_area"))
        if small:
            blocks.append(Paragraph(_TOO_SMALL[lang].format(a=", ".join(small))))
        blocks.append(Table(tables["life_expectancy_areas"],
                            columns=["name", "designated", "period", "value", "low", "high", "too_small"],
                            formats={"value": "number:1", "low": "number:1", "high": "number:1"}))
    return blocks


def _figure_blocks(tables, lang: str) -> list:
    if "progress_figures" not in tables:
        return []
    from kvarter.indicators.figures import figure_label

    f = frames.published(tables["progress_figures"], "figures", lang).frame
    blocks = [Heading("progress_figures")]
    for fig, part in f.groupby("figure", sort=False):
        subj = SUBJECTS.get(str(fig), {}).get(lang, figure_label(str(fig), lang))
        wide = part.pivot_table(index="year", columns="group", values="value", aggfunc="first", dropna=False)
        year = int(wide.index.max())
        d = float(wide.loc[year].get("designated", np.nan))
        r = float(wide.loc[year].get("rest", np.nan))
        text = sentences.gap_sentence(subj, year, d, r, lang, decimals=1)
        if "designated" in wide and wide["designated"].notna().sum() > 1:
            text = sentences.trend_sentence(f"{subj} ({label('designated_group', lang)})",
                                            wide["designated"].to_dict(), lang) + " " + text
        sources = "; ".join(dict.fromkeys(part.loc[part["year"] == year, "source"].astype(str)))
        text += " " + _SOURCE[lang].format(s=sources, y=year)
        if part["synthetic"].astype(bool).any():
            text += " " + _SYNTHETIC[lang]
        blocks.append(Paragraph(text))
    blocks.append(Table(tables["progress_figures"],
                        columns=["figure", "year", "group", "value", "numerator", "denominator", "units", "source"],
                        formats={"value": "percent:1", "year": "text"}))
    return blocks


def _goal_blocks(tables, lang: str, goalset=None) -> list:
    if "goals" not in tables:
        return []
    from kvarter.publish.progress import published_series

    g = frames.published(tables["goals"], "goals", lang).frame
    series = published_series(dict(tables))
    blocks = [Heading("goals")]
    if g["example"].astype(bool).any():
        blocks.append(Paragraph(_GOALS_EXAMPLE[lang]))
    blocks.append(Table(tables["goals"], columns=["goal", "indicator", "group", "baseline_year", "baseline",
                                                  "latest_year", "latest", "path_latest", "target_year", "target",
                                                  "projected", "projected_low", "projected_high", "status"],
                        formats={c: "number:3" for c in ("baseline", "latest", "path_latest", "target", "projected",
                                                         "projected_low", "projected_high")}
                        | {"baseline_year": "text", "latest_year": "text", "target_year": "text"},
                        names={"goal": {str(x): goal_name(str(x), lang, goalset) for x in g["goal"].unique()}}))
    for row in g.to_dict("records"):
        s = series.get((row["indicator"], row["group"]), {})
        years = sorted(s)
        percent = row["indicator"] not in ("life_expectancy", "composite_gap")
        trend = str(row["trend_years"]).split("-")[0]
        title = f"{goal_name(str(row['goal']), lang, goalset)} ({label(row['group'], lang)}): {label(row['status'], lang)}"
        blocks.append(Chart(goal_chart(years, [s[y] for y in years], baseline_year=int(row["baseline_year"]),
                                       baseline=row["baseline"], target_year=int(row["target_year"]),
                                       target=row["target"], projected=row["projected"], low=row["projected_low"],
                                       high=row["projected_high"], trend_from=int(trend) if trend.isdigit() else None,
                                       title=title, lang=lang, percent=percent)))
    return blocks


def progress_sections(publication: Publication, lang: str) -> list[Section]:
    """The "Progress" section when the publication holds progress tables, else none.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> progress_sections(Publication(tables={}, policy=DisclosurePolicy()), "en")
    []
    """
    tables = publication.tables
    if not any(k.startswith(("progress_", "life_expectancy_")) or k == "goals" for k in tables):
        return []
    blocks = (_register_blocks(tables, lang) + _composite_blocks(tables, lang) + _life_blocks(tables, lang)
              + _figure_blocks(tables, lang) + _goal_blocks(tables, lang, publication.goals))
    return [Section("progress", blocks)]
