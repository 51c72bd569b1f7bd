"""Designations as an area × criterion grid: per rule set one table, a row
per area and a column per criterion, each cell giving the value, the
threshold with its comparison, whether it is met (✓ / ✗) and the margin.

The margin reads "how far inside or outside": **positive = inside the
criterion** (the value meets it by that much), **negative = outside** (that
far from meeting it). For a criterion ``value > threshold`` that is
``value − threshold``; for ``value < threshold`` it is ``threshold − value``:

    inside = s · (value − threshold),   s = +1 for > and ≥,  s = −1 for < and ≤

The published criteria table holds ``margin = value − threshold``; the grid
only flips its sign and never recomputes a figure, so a value, threshold,
met or margin that the protected table hides stays hidden (×, with the
reason on hover).
"""

from __future__ import annotations

import functools
import math

import pandas as pd

from kvarter.report.frames import SUPPRESSED, PublishedTable, published
from kvarter.report.i18n import (
    NBSP,
    check_lang,
    format_money,
    format_number,
    format_percent,
    label,
    rule_name,
)
from kvarter.report.svg import esc

#: The caption's statement of the sign convention, per language.
CONVENTION = {
    "en": ("Each cell: the area's value, the threshold, ✓ met or ✗ not met, and the margin — "
           "positive = inside the criterion (meets it by that much), negative = outside (that far from meeting it)."),
    "da": ("Hver celle: områdets værdi, grænsen, ✓ opfyldt eller ✗ ikke opfyldt, og marginen — "
           "positiv = inden for kriteriet (opfylder det med så meget), negativ = uden for (så langt fra at opfylde det)."),
    "no": ("Hver celle: områdets verdi, terskelen, ✓ oppfylt eller ✗ ikke oppfylt, og marginen — "
           "positiv = innenfor kriteriet (oppfyller det med så mye), negativ = utenfor (så langt fra å oppfylle det)."),
    "nl": ("Elke cel: de waarde van het gebied, de drempel, ✓ voldaan of ✗ niet voldaan, en de marge — "
           "positief = binnen het criterium (voldoet er zoveel aan), negatief = erbuiten (zover van voldoen)."),
}

_POINTS = {"en": "pp", "da": "pct.-point", "no": "p.p.", "nl": "pp"}
_NOT_MET = {"en": "not met", "da": "ikke opfyldt", "no": "ikke oppfylt", "nl": "niet voldaan"}
_INSIDE = {"en": ("inside", "outside"), "da": ("inden for", "uden for"), "no": ("innenfor", "utenfor"),
           "nl": ("binnen", "buiten")}

_OPS = {">": ">", ">=": "≥", "<": "<", "<=": "≤"}


@functools.lru_cache(maxsize=1)
def _catalogue_units() -> dict[str, tuple[str, bool, str | None]]:
    """Indicator id → (unit, is a ratio, currency) over the shipped catalogues."""
    from kvarter.indicators import load_catalogue
    from kvarter.indicators.aggregates import aggregate_catalogue

    return {**_units_of(aggregate_catalogue()[0]), **_units_of(load_catalogue())}


def _units_of(catalogue) -> dict[str, tuple[str, bool, str | None]]:
    """Indicator id → (unit, is a ratio, currency) in ``catalogue``."""
    out = {}
    for ind in catalogue.indicators:
        ratio = ind.comparison == "ratio"
        out[ind.id] = (ind.unit, ratio, None if ratio else ind.currency)
    return out


def _kind(ruleset, criterion: str, catalogue=None) -> tuple[str, str, str | None]:
    """How a criterion's figures read: ``(kind, op, currency)`` with kind one of
    ``percent``, ``ratio``, ``money``, ``rate``, ``number``; ``op`` "" when
    the rule set is not known by id. ``catalogue`` is the catalogue in use
    (the publication's); without one the shipped catalogues decide.

    >>> _kind("dk-2024", "employment"), _kind("dk-2024", "crime"), _kind("city-7", "income")
    (('percent', '>', None), ('ratio', '>=', None), ('ratio', '<', None))
    """
    from kvarter.report.i18n import _builtin_ruleset

    rs = _builtin_ruleset(str(ruleset)) if isinstance(ruleset, str) else ruleset
    crit = rs.criteria.get(criterion) if rs is not None else None
    if crit is None:
        return "number", "", None
    units = _units_of(catalogue) if catalogue is not None else _catalogue_units()
    unit, ratio, currency = units.get(crit.indicator, ("", False, None))
    if ratio:
        return "ratio", crit.op, None
    if currency:
        return "money", crit.op, currency
    return {"share": "percent", "per_1000": "rate"}.get(unit, "number"), crit.op, None


def _figure(v, kind: str, lang: str, currency: str | None) -> str:
    if kind == "percent":
        return format_percent(v, lang, 1)
    if kind == "money":
        return format_money(v, currency, lang)
    if kind == "ratio":
        return format_number(v, lang, 2)
    if kind == "rate":
        return format_number(v, lang, 1)
    return format_number(v, lang, 2, trim=True)


def _margin(inside: float, kind: str, lang: str, currency: str | None) -> str:
    """A signed margin: "+3.0 pp", "−0.05", "+DKK 12,000" (a true minus sign).

    >>> _margin(0.03, "percent", "en", None), _margin(-0.051, "ratio", "da", None)
    ('+3.0\\xa0pp', '−0,05')
    """
    sign = "+" if inside > 0 else "−" if inside < 0 else "±"
    a = abs(inside)
    if kind == "percent":
        text = f"{format_number(a * 100, lang, 1)}{NBSP}{_POINTS[lang]}"
    else:
        text = _figure(a, kind, lang, currency)
    return sign + text


def inside_margin(margin: float, op: str, met) -> float:
    """The published ``margin = value − threshold`` turned to "how far inside":
    positive when the criterion is met by that much, negative when it is
    missed by that much. Without the comparison (a rule set not known by id)
    the sign follows ``met``.

    >>> inside_margin(0.03, ">", True), inside_margin(0.05, "<", False), inside_margin(-0.2, "", True)
    (0.03, -0.05, 0.2)
    """
    if op in (">", ">="):
        return float(margin)
    if op in ("<", "<="):
        return -float(margin)
    return abs(float(margin)) if bool(met) else -abs(float(margin))


def _hidden(table: PublishedTable, column: str, i: int, lang: str) -> str | None:
    """The reason text when ``column`` of row ``i`` is suppressed, else None."""
    if column not in table.value_columns:
        return None
    status = table.status(column).iat[i]
    if status not in SUPPRESSED:
        return None
    return f"{label(status, lang)}: {table.reason(column).iat[i] or label('suppressed', lang)}"


def _supp(reason: str) -> str:
    return f'<span class="kv-supp-mark" title="{esc(reason)}" aria-label="{esc(reason)}">×</span>'


def criteria_grid(protected, ruleset: str, lang: str, *, caption: str = "",
                  where: str = "criteria grid", catalogue=None) -> tuple[str, PublishedTable]:
    """The HTML grid of one rule set's published criteria table and the table
    as read (for the methods section's list of what was suppressed).

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.publish.screening import protect_criteria
    >>> from kvarter.screening.run import run_screening
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2024], "residents": [2400],
    ...     "outside_labour_education_share": [0.43], "convicted_ratio_to_national": [3.1],
    ...     "basic_education_share": [0.52], "income_ratio_to_region": [0.54], "non_western_share": [0.62]})
    >>> crit = protect_criteria(run_screening(["dk-2024"], 2024, values=user).results["dk-2024"], 2024,
    ...                         DisclosurePolicy())
    >>> html, _ = criteria_grid(crit, "dk-2024", "en")
    >>> html.count("<tr>"), html.count('class="kv-gcell kv-met-yes"'), html.count('class="kv-gcell kv-met-no"')
    (2, 8, 2)
    >>> "43.0%" in html and "&gt;\\xa040.0%" in html and "+3.0\\xa0pp" in html and "−8.0\\xa0pp" in html
    True
    """
    check_lang(lang, "criteria_grid")
    table = published(protected, where, lang)
    f = table.frame
    rs_obj = None
    from kvarter.report.i18n import _builtin_ruleset

    rs_obj = _builtin_ruleset(str(ruleset))
    present = list(dict.fromkeys(f["criterion"].astype(str)))
    declared = list(rs_obj.criteria) if rs_obj is not None else []
    crits = [c for c in declared if c in present] + [c for c in present if c not in declared]
    # An area without a name (a user's table of values) is shown by its id.
    shown_name = f["name"].where(f["name"].notna() & (f["name"].astype(str) != ""), f["area_id"]).astype(str)
    areas = list(dict.fromkeys(zip(f["area_id"].astype(str), shown_name)))
    met_count = {a: int(((f["area_id"].astype(str) == a[0]) & (f["met"] == True)).sum())  # noqa: E712
                 for a in areas}
    areas.sort(key=lambda a: (-met_count[a], a[1]))
    at = {(str(r.area_id), str(r.criterion)): i for i, r in enumerate(f.itertuples(index=False))}
    names = {c: rule_name(ruleset, c, lang) for c in crits}
    kinds = {c: _kind(ruleset, c, catalogue) for c in crits}
    head = f'<th scope="col">{esc(label("area", lang))}</th>' + "".join(
        f'<th scope="col">{esc(names[c])}</th>' for c in crits)
    body = []
    for aid, name in areas:
        cells = [f'<th scope="row">{esc(name)}</th>']
        for c in crits:
            i = at.get((aid, c))
            if i is None:
                cells.append('<td class="kv-gcell">–</td>')
                continue
            cells.append(_cell(table, i, name, names[c], *kinds[c], lang))
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"{caption + ' — ' if caption else ''}{CONVENTION[lang]}"
    html = (f'<table class="kv-table kv-criteria-grid"><caption>{esc(cap)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
    return html, table


def _cell(table: PublishedTable, i: int, area: str, crit_name: str, kind: str, op: str, currency: str | None,
          lang: str) -> str:
    f = table.frame
    hidden = {c: _hidden(table, c, i, lang) for c in ("value", "threshold", "met", "margin")}
    if all(hidden.values()):
        reason = hidden["value"]
        return (f'<td class="kv-gcell kv-supp" title="{esc(f"{area}, {crit_name}: {reason}")}">'
                f'<span aria-label="{esc(reason)}">×</span></td>')
    value, threshold, met, margin = (f[c].iat[i] for c in ("value", "threshold", "met", "margin"))
    missing = lambda v: v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))  # noqa: E731
    v_txt = _supp(hidden["value"]) if hidden["value"] else esc(_figure(value, kind, lang, currency))
    t_txt = (_supp(hidden["threshold"]) if hidden["threshold"]
             else esc(f"{_OPS.get(op, '')}{NBSP if op else ''}{_figure(threshold, kind, lang, currency)}"))
    if hidden["met"]:
        m_txt, cls, said = _supp(hidden["met"]), "kv-gcell", hidden["met"]
    elif missing(met):
        m_txt, cls, said = "–", "kv-gcell", "–"
    else:
        yes = bool(met)
        said = label("met", lang).lower() if yes else _NOT_MET[lang]
        m_txt = f'<span class="kv-gmet" aria-label="{esc(said)}">{"✓" if yes else "✗"}</span>'
        cls = "kv-gcell kv-met-yes" if yes else "kv-gcell kv-met-no"
    if hidden["margin"]:
        g_txt, g_said = _supp(hidden["margin"]), hidden["margin"]
    elif missing(margin):
        g_txt = g_said = "–"
    else:
        inside = inside_margin(float(margin), op, met)
        g_txt = esc(_margin(inside, kind, lang, currency))
        g_said = f"{g_txt} ({_INSIDE[lang][0] if inside >= 0 else _INSIDE[lang][1]})"
    note = ""
    if "note" in table.frame.columns and not _hidden(table, "note", i, lang):
        n = table.frame["note"].iat[i]
        note = "" if missing(n) or not str(n) else f" — {n}"
    tip = f"{area}, {crit_name}: {_plain(v_txt)} ({_plain(t_txt)}), {said}, {label('margin', lang).lower()} {_plain(g_said)}{note}"
    return (f'<td class="{cls}" title="{esc(tip)}"><span class="kv-gval">{v_txt}</span> {m_txt}'
            f'<br><span class="kv-gthr">{t_txt}</span> <span class="kv-gmargin">{g_txt}</span></td>')


def _plain(html_text: str) -> str:
    """Visible text of a cell part (a suppressed part reads "×")."""
    import re
    from html import unescape

    return unescape(re.sub(r"<[^>]+>", "", html_text))
