"""Sentences written from numbers, in the report's four languages, like
Copenhagen's "the share without labour-market attachment fell from 28 %
(2000) to 17.3 % (2023)".

The caller gives the subject as a noun phrase in the target language
("the share without labour-market attachment", "andelen uden tilknytning til
arbejdsmarkedet"); the functions choose the verb from the numbers as they
will be printed, so a sentence never says "fell from 17.3 % to 17.3 %".
Suppressed years (NaN) are skipped: a trend runs from the first to the last
published year.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from kvarter.report.i18n import (
    PERCENT_DECIMALS,
    check_lang,
    format_number,
    format_percent,
    format_points,
    format_slope,
    format_value,
)

_TREND = {
    "en": ("{s} fell from {a} ({y0}) to {b} ({y1}).", "{s} rose from {a} ({y0}) to {b} ({y1}).",
           "{s} was {a} in both {y0} and {y1}.",
           "{s}: too few published figures to describe a trend."),
    "da": ("{s} faldt fra {a} ({y0}) til {b} ({y1}).", "{s} steg fra {a} ({y0}) til {b} ({y1}).",
           "{s} var {a} i både {y0} og {y1}.",
           "{s}: for få offentliggjorte tal til at beskrive en udvikling."),
    "no": ("{s} falt fra {a} ({y0}) til {b} ({y1}).", "{s} steg fra {a} ({y0}) til {b} ({y1}).",
           "{s} var {a} både i {y0} og {y1}.",
           "{s}: for få publiserte tall til å beskrive en utvikling."),
    "nl": ("{s} daalde van {a} ({y0}) naar {b} ({y1}).", "{s} steeg van {a} ({y0}) naar {b} ({y1}).",
           "{s} was {a} in zowel {y0} als {y1}.",
           "{s}: te weinig gepubliceerde cijfers om een trend te beschrijven."),
}

_GAP = {
    "en": ("In {y} {s} was {a} in {g} against {b} in {r}", "higher", "lower"),
    "da": ("I {y} var {s} {a} i {g} mod {b} i {r}", "højere", "lavere"),
    "no": ("I {y} var {s} {a} i {g} mot {b} i {r}", "høyere", "lavere"),
    "nl": ("In {y} was {s} {a} in {g} tegenover {b} in {r}", "hoger", "lager"),
}

_GROUPS = {
    "en": ("the designated areas", "the rest of the municipality"),
    "da": ("de udpegede områder", "resten af kommunen"),
    "no": ("de utpekte områdene", "resten av kommunen"),
    "nl": ("de aangewezen gebieden", "de rest van de gemeente"),
}


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _show(value: float, lang: str, percent: bool, decimals: int | None, currency: str | None = None) -> str:
    # The one precision rule (kvarter.report.i18n.format_value): never trimmed,
    # so "from 57.1 % to 57.0 %", not "to 57 %"; an income with its currency.
    return format_value(value, lang, percent=percent and not currency, decimals=decimals, currency=currency)


_ON_AVERAGE = {"en": "on average {x}", "da": "i gennemsnit {x}", "no": "i gjennomsnitt {x}", "nl": "gemiddeld {x}"}


def trend_sentence(
    subject: str,
    values: Mapping[int, float],
    lang: str,
    *,
    percent: bool = True,
    decimals: int | None = None,
    per_year: bool = False,
    currency: str | None = None,
) -> str:
    """Describe the change of ``values`` (year → value) from the first to the
    last published year; both figures with the same decimals (the table's,
    :func:`kvarter.report.i18n.format_value`). ``per_year`` adds the average
    change a year, ``(v₁ − v₀) / (y₁ − y₀)``, in percentage points for a share
    (:func:`kvarter.report.i18n.format_slope`).

    >>> trend_sentence("the share without labour-market attachment", {2000: 0.28, 2010: 0.22, 2023: 0.173}, "en")
    'The share without labour-market attachment fell from 28.0% (2000) to 17.3% (2023).'
    >>> print(trend_sentence("andelen med kun grundskole", {2000: 0.362, 2023: 0.184}, "da").replace("\\u00a0", " "))
    Andelen med kun grundskole faldt fra 36,2 % (2000) til 18,4 % (2023).
    >>> trend_sentence("het aandeel", {2020: 0.10, 2021: float("nan"), 2022: 0.1004}, "nl")
    'Het aandeel was 10,0\\xa0% in zowel 2020 als 2022.'
    >>> print(trend_sentence("the mean income", {2016: 301234.6, 2024: 350000.0}, "da", currency="DKK").replace("\\u00a0", " "))
    The mean income steg fra 301.235 DKK (2016) til 350.000 DKK (2024).
    >>> trend_sentence("the share", {2016: 0.571, 2024: 0.5698}, "en", per_year=True)
    'The share fell from 57.1% (2016) to 57.0% (2024), on average 0.015 percentage points a year.'
    >>> trend_sentence("the mean income", {2022: float("nan")}, "en", percent=False)
    'The mean income: too few published figures to describe a trend.'
    """
    check_lang(lang, "trend_sentence")
    fell, rose, same, too_few = _TREND[lang]
    points = sorted((y, float(v)) for y, v in values.items() if v is not None and math.isfinite(float(v)))
    if len(points) < 2:
        return _capitalise(too_few.format(s=subject))
    (y0, v0), (y1, v1) = points[0], points[-1]
    a, b = _show(v0, lang, percent, decimals, currency), _show(v1, lang, percent, decimals, currency)
    if a == b:
        template = same
    else:
        template = fell if v1 < v0 else rose
    text = template.format(s=subject, a=a, b=b, y0=y0, y1=y1)
    if per_year and a != b and y1 > y0:
        slope = format_slope((v1 - v0) / (y1 - y0), lang, percent=percent and not currency)
        text = text[:-1] + ", " + _ON_AVERAGE[lang].format(x=slope) + "."
    return _capitalise(text)


def gap_sentence(
    subject: str,
    year: int,
    value: float,
    reference: float,
    lang: str,
    *,
    group: str | None = None,
    reference_group: str | None = None,
    percent: bool = True,
    decimals: int | None = None,
    currency: str | None = None,
) -> str:
    """Compare a group (the designated areas) with a reference (the rest of
    the city) in one year, with the difference in percentage points (shares)
    or units.

    >>> gap_sentence("the share on temporary public support", 2023, 0.113, 0.067, "en")
    'In 2023 the share on temporary public support was 11.3% in the designated areas against 6.7% in the rest of the municipality (4.6 percentage points higher).'
    >>> print(gap_sentence("andelen i sportsklubber", 2023, 0.67, 0.76, "da", decimals=0).replace("\\u00a0", " "))
    I 2023 var andelen i sportsklubber 67 % i de udpegede områder mod 76 % i resten af kommunen (9 procentpoint lavere).
    >>> gap_sentence("the mean income", 2023, 280000.0, 350000.0, "en", currency="DKK").replace("\\u00a0", " ")
    'In 2023 the mean income was DKK 280,000 in the designated areas against DKK 350,000 in the rest of the municipality (DKK 70,000 lower).'
    >>> gap_sentence("the share", 2023, float("nan"), 0.5, "en")
    'The share: too few published figures to describe a trend.'
    """
    check_lang(lang, "gap_sentence")
    if not (math.isfinite(float(value)) and math.isfinite(float(reference))):
        return _capitalise(_TREND[lang][3].format(s=subject))
    template, higher, lower = _GAP[lang]
    g = group or _GROUPS[lang][0]
    r = reference_group or _GROUPS[lang][1]
    a, b = _show(value, lang, percent, decimals, currency), _show(reference, lang, percent, decimals, currency)
    text = template.format(y=year, s=subject, a=a, b=b, g=g, r=r)
    diff = float(value) - float(reference)
    if currency:
        shown = format_value(abs(diff), lang, decimals=decimals, currency=currency)
    else:
        decimals = PERCENT_DECIMALS if decimals is None else decimals
        shown = format_points(diff, lang, decimals) if percent else format_number(abs(diff), lang, decimals)
    if a != b and shown.split()[0].strip("0,.") != "":
        text += f" ({shown} {higher if diff > 0 else lower})"
    return _capitalise(text) + "."


_LESS = {
    "en": ("Measured on a composite of {k} criteria, the gap between {g} and {r} is {p} smaller in {y1} than in {y0}: "
           "the areas are {p} less deprived relative to the rest of the municipality.",
           "Measured on a composite of {k} criteria, the gap between {g} and {r} is {p} larger in {y1} than in {y0}: "
           "the areas are {p} more deprived relative to the rest of the municipality."),
    "da": ("Målt på et sammensat mål af {k} kriterier er afstanden mellem {g} og {r} {p} mindre i {y1} end i {y0}: "
           "områderne er {p} mindre udsatte i forhold til resten af kommunen.",
           "Målt på et sammensat mål af {k} kriterier er afstanden mellem {g} og {r} {p} større i {y1} end i {y0}: "
           "områderne er {p} mere udsatte i forhold til resten af kommunen."),
    "no": ("Målt på et sammensatt mål av {k} kriterier er avstanden mellom {g} og {r} {p} mindre i {y1} enn i {y0}: "
           "områdene er {p} mindre utsatte sammenlignet med resten av kommunen.",
           "Målt på et sammensatt mål av {k} kriterier er avstanden mellom {g} og {r} {p} større i {y1} enn i {y0}: "
           "områdene er {p} mer utsatte sammenlignet med resten av kommunen."),
    "nl": ("Gemeten met een samengestelde maat van {k} criteria is de kloof tussen {g} en {r} in {y1} {p} kleiner dan in {y0}: "
           "de gebieden zijn {p} minder achtergesteld ten opzichte van de rest van de gemeente.",
           "Gemeten met een samengestelde maat van {k} criteria is de kloof tussen {g} en {r} in {y1} {p} groter dan in {y0}: "
           "de gebieden zijn {p} meer achtergesteld ten opzichte van de rest van de gemeente."),
}


def less_deprived_sentence(gaps: Mapping[int, float], lang: str, *, criteria: int = 7) -> str:
    """Copenhagen's "the areas are 17 % less deprived over seven years", from
    the composite gap per year (designated areas minus the rest of the city).

    The share is ``1 - gap_last / gap_first`` over the first and last
    published years (:func:`kvarter.screening.less_deprived_share`).

    >>> less_deprived_sentence({2016: 1.30, 2023: 1.079}, "en")  # doctest: +NORMALIZE_WHITESPACE
    'Measured on a composite of 7 criteria, the gap between the designated areas and the rest of the municipality is
    17% smaller in 2023 than in 2016: the areas are 17% less deprived relative to the rest of the municipality.'
    >>> less_deprived_sentence({2016: float("nan")}, "en")
    'The composite gap: too few published figures to describe a trend.'
    """
    check_lang(lang, "less_deprived_sentence")
    points = sorted((y, float(v)) for y, v in gaps.items() if v is not None and math.isfinite(float(v)))
    if len(points) < 2 or points[0][1] == 0:
        subject = {"en": "the composite gap", "da": "den sammensatte afstand", "no": "den sammensatte avstanden",
                   "nl": "de samengestelde kloof"}[lang]
        return _capitalise(_TREND[lang][3].format(s=subject))
    (y0, g0), (y1, g1) = points[0], points[-1]
    share = 1.0 - g1 / g0
    less, more = _LESS[lang]
    g, r = _GROUPS[lang]
    text = less if share >= 0 else more
    return text.format(k=criteria, g=g, r=r, p=format_percent(abs(share), lang, 0, trim=True), y0=y0, y1=y1)
