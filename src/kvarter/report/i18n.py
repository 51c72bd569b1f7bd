"""Labels and number formats for the report's four languages.

One table, :data:`LABELS`, maps a label key to its text in English (``en``),
Danish (``da``), Norwegian bokmål (``no``) and Dutch (``nl``); a test checks
that every key has all four. Numbers follow each language's conventions:
decimal comma and "." thousands in Danish and Dutch, decimal comma and a
non-breaking space in Norwegian, decimal point and "," in English;
percentages are "17.3%" in English and "17,3 %" (with a non-breaking space)
in the other three.
"""

from __future__ import annotations

import functools
import math
import re

from kvarter.errors import InputError

LANGUAGES: tuple[str, ...] = ("en", "da", "no", "nl")

NBSP = "\u00a0"

#: (decimal mark, thousands separator, text between a number and "%")
NUMBER_STYLE: dict[str, tuple[str, str, str]] = {
    "en": (".", ",", ""),
    "da": (",", ".", NBSP),
    "no": (",", NBSP, NBSP),
    "nl": (",", ".", NBSP),
}

MISSING = "–"

def _benchmark_rows() -> dict[str, tuple[str, str, str, str]]:
    from kvarter.report.benchmark_labels import ROWS

    return ROWS


# key: (en, da, no, nl)
_ROWS: dict[str, tuple[str, str, str, str]] = {
    # report frame
    "contents": ("Contents", "Indhold", "Innhold", "Inhoud"),
    "generated": ("Generated", "Dannet", "Laget", "Gemaakt"),
    "language": ("Language", "Sprog", "Språk", "Taal"),
    # section titles
    "map": ("Map and designations", "Kort og udpegninger", "Kart og utpekinger", "Kaart en aanwijzingen"),
    "designations": ("Designation tables", "Udpegningstabeller", "Utpekingstabeller", "Aanwijzingstabellen"),
    "history": ("History over the years", "Historik over årene", "Historikk over årene", "Verloop over de jaren"),
    "profiles": ("Area profiles", "Områdeprofiler", "Områdeprofiler", "Gebiedsprofielen"),
    "trends": ("Trends", "Udvikling", "Utvikling", "Trends"),
    "segregation": ("Segregation", "Segregation", "Segregering", "Segregatie"),
    "segregation_schools": ("Segregation of pupils across schools", "Segregation af elever på skoler", "Segregering av elever mellom skoler", "Segregatie van leerlingen over scholen"),
    "segregation_areas": ("Segregation of residents across areas", "Segregation af beboere på områder", "Segregering av beboere mellom områder", "Segregatie van bewoners over buurten"),
    "table1": ("Table 1: municipalities", "Tabel 1: kommuner", "Tabell 1: kommuner", "Tabel 1: gemeenten"),
    "agreement": ("Agreement between indices", "Overensstemmelse mellem indeks", "Samsvar mellom indekser", "Overeenstemming tussen indices"),
    "methods": ("Methods", "Metode", "Metode", "Methode"),
    "sources": ("Data sources", "Datakilder", "Datakilder", "Gegevensbronnen"),
    "load_records": ("Load records", "Indlæsninger", "Innlastinger", "Laadregistraties"),
    "indicator_definitions": ("Indicator definitions", "Indikatordefinitioner", "Indikatordefinisjoner", "Indicatordefinities"),
    "rule_sets": ("Rule-set versions", "Regelsætversioner", "Regelsettversjoner", "Versies van regelsets"),
    "notes": ("Notes on this report", "Bemærkninger til rapporten", "Merknader til rapporten",
              "Opmerkingen bij dit rapport"),
    "middle": ("middle", "mellem", "middels", "midden"),
    "education": ("education", "uddannelse", "utdanning", "opleiding"),
    # The shipped rule sets' lists and criteria, as readers see them.
    "udsat_boligomraade": ("deprived housing area", "udsat boligområde", "utsatt boligområde", "achterstandswijk (sociale huur)"),
    "forebyggelsesomraade": ("prevention area", "forebyggelsesområde", "forebyggingsområde", "preventiegebied"),
    "parallelsamfund": ("parallel society", "parallelsamfund", "parallellsamfunn", "parallelle samenleving"),
    "omdannelsesomraade": ("transformation area", "omdannelsesområde", "omdanningsområde", "transformatiegebied"),
    "ghettoomraade": ("ghetto area (2010-2020 list)", "ghettoområde", "ghettoområde (liste 2010-2020)",
                      "gettogebied (lijst 2010-2020)"),
    "haardt_ghettoomraade": ("hard ghetto area (2018-2020 list)", "hårdt ghettoområde", "hardt ghettoområde",
                             "harde gettowijk (lijst 2018-2020)"),
    "udsat_byomraade": ("deprived urban area (city screening)", "udsat byområde (byens screening)",
                        "utsatt byområde (byens screening)", "achterstandsgebied (screening stad)"),
    "screened": ("meets the city's criteria", "opfylder byens kriterier", "oppfyller byens kriterier",
                 "voldoet aan de criteria van de stad"),
    "composite_deprived": ("most deprived on the composite", "mest udsat på det samlede mål",
                           "mest utsatt på samlemålet", "meest achtergesteld op de samengestelde maat"),
    "child_poverty": ("child poverty", "børnefattigdom", "barnefattigdom", "kinderarmoede"),
    "crime": ("crime", "kriminalitet", "kriminalitet", "criminaliteit"),
    "employment": ("labour-market attachment", "tilknytning til arbejdsmarkedet", "tilknytning til arbeidslivet",
                   "arbeidsmarktparticipatie"),
    "health": ("health", "sundhed", "helse", "gezondheid"),
    "most_deprived_tenth": ("the most deprived tenth", "den mest udsatte tiendedel", "den mest utsatte tidelen",
                            "het meest achtergestelde tiende"),
    "non_western_criterion": ("non-western background", "ikke-vestlig baggrund", "ikke-vestlig bakgrunn",
                              "niet-westerse achtergrond"),
    "prevention_crime": ("crime (prevention)", "kriminalitet (forebyggelse)", "kriminalitet (forebygging)",
                         "criminaliteit (preventie)"),
    "prevention_education": ("education (prevention)", "uddannelse (forebyggelse)", "utdanning (forebygging)",
                             "opleiding (preventie)"),
    "prevention_employment": ("labour-market attachment (prevention)", "arbejdsmarked (forebyggelse)",
                              "arbeidsliv (forebygging)", "arbeidsmarkt (preventie)"),
    "prevention_income": ("income (prevention)", "indkomst (forebyggelse)", "inntekt (forebygging)",
                          "inkomen (preventie)"),
    "prevention_non_western": ("non-western background (prevention)", "ikke-vestlig baggrund (forebyggelse)",
                               "ikke-vestlig bakgrunn (forebygging)", "niet-westerse achtergrond (preventie)"),
    "safety": ("safety", "tryghed", "trygghet", "veiligheid"),
    "youth_education": ("youth education", "ungdomsuddannelse", "videregående opplæring", "vervolgopleiding"),
    "about_sheet": ("About", "Om", "Om", "Over"),
    "about_title": ("About this workbook", "Om denne projektmappe", "Om denne arbeidsboken", "Over deze werkmap"),
    "about_scope": ("Scope", "Omfang", "Omfang", "Reikwijdte"),
    "about_sheets": ("Sheets and columns", "Ark og kolonner", "Ark og kolonner", "Bladen en kolommen"),
    "about_suppressed": (
        "An empty value with status 'suppressed' is hidden to protect the confidentiality of persons; it is never zero.",
        "En tom værdi med status 'suppressed' er udeladt for at beskytte personers fortrolighed; den er aldrig nul.",
        "En tom verdi med status 'suppressed' er skjult for å beskytte personers konfidensialitet; den er aldri null.",
        "Een lege waarde met status 'suppressed' is onderdrukt om de vertrouwelijkheid van personen te beschermen; "
        "ze is nooit nul.",
    ),
    "sheet": ("Sheet", "Ark", "Ark", "Blad"),
    "header": ("Header", "Overskrift", "Overskrift", "Kop"),
    "column_id": ("Column id (as in tables/)", "Kolonne-id (som i tables/)", "Kolonne-id (som i tables/)",
                  "Kolom-id (zoals in tables/)"),
    "indicator_name": ("Indicator name", "Indikatornavn", "Indikatornavn", "Naam indicator"),
    "unit": ("Unit", "Enhed", "Enhet", "Eenheid"),
    "unit_id": ("Area or unit id", "Område- eller enheds-id", "Område- eller enhets-id", "Gebied- of eenheid-id"),
    "area_id": ("Area id", "Område-id", "Område-id", "Gebied-id"),
    "persons": ("Persons", "Personer", "Personer", "Personen"),
    "numerator": ("Numerator", "Tæller", "Teller", "Teller"),
    "denominator": ("Denominator", "Nævner", "Nevner", "Noemer"),
    "level": ("Level", "Niveau", "Nivå", "Niveau"),
    "raw_value": ("Value before comparison", "Værdi før sammenligning", "Verdi før sammenligning",
                  "Waarde vóór vergelijking"),
    "reference_value": ("Reference value", "Referenceværdi", "Referanseverdi", "Referentiewaarde"),
    "region": ("Region", "Region", "Region", "Regio"),
    "disclosure": ("What was suppressed and why", "Hvad der er udeladt og hvorfor", "Hva som er skjult og hvorfor", "Wat is onderdrukt en waarom"),
    "policy": ("Disclosure policy", "Diskretioneringsregler", "Regler for prikking", "Regels voor onthullingsbeheersing"),
    # column headings
    "area": ("Area", "Område", "Område", "Gebied"),
    "area_name": ("Area", "Område", "Område", "Gebied"),
    "municipality": ("Municipality", "Kommune", "Kommune", "Gemeente"),
    "year": ("Year", "År", "År", "Jaar"),
    "criterion": ("Criterion", "Kriterium", "Kriterium", "Criterium"),
    "criterion_name": ("Criterion name", "Kriterienavn", "Kriterienavn", "Naam criterium"),
    "value": ("Value", "Værdi", "Verdi", "Waarde"),
    "threshold": ("Threshold", "Grænse", "Terskel", "Drempel"),
    "met": ("Met", "Opfyldt", "Oppfylt", "Voldaan"),
    "margin": ("Margin", "Margin", "Margin", "Marge"),
    "rule_set": ("Rule set", "Regelsæt", "Regelsett", "Regelset"),
    "designation": ("Designation", "Udpegning", "Utpeking", "Aanwijzing"),
    "designated": ("Designated", "Udpeget", "Utpekt", "Aangewezen"),
    "n": ("Persons", "Personer", "Personer", "Personen"),
    "residents": ("Residents", "Beboere", "Beboere", "Bewoners"),
    "criteria_met": ("Criteria met", "Opfyldte kriterier", "Oppfylte kriterier", "Voldane criteria"),
    "pupils": ("Pupils", "Elever", "Elever", "Leerlingen"),
    "avg_pupils": ("Average pupils", "Gennemsnitligt antal elever", "Gjennomsnittlig antall elever", "Gemiddeld aantal leerlingen"),
    "schools": ("Schools", "Skoler", "Skoler", "Scholen"),
    "schools_per_1000": ("Schools per 1,000 pupils", "Skoler pr. 1.000 elever", "Skoler per 1 000 elever", "Scholen per 1.000 leerlingen"),
    "share": ("Share", "Andel", "Andel", "Aandeel"),
    "group_pair": ("Group pair", "Gruppepar", "Gruppepar", "Groepspaar"),
    "index": ("Index", "Indeks", "Indeks", "Index"),
    "class": ("Class", "Klasse", "Klasse", "Klasse"),
    "trend": ("Trend", "Udvikling", "Utvikling", "Trend"),
    "flag": ("Flag", "Markering", "Markering", "Vlag"),
    "indicator": ("Indicator", "Indikator", "Indikator", "Indicator"),
    "definition": ("Definition", "Definition", "Definisjon", "Definitie"),
    "source": ("Source", "Kilde", "Kilde", "Bron"),
    "version": ("Version", "Version", "Versjon", "Versie"),
    "dataset": ("Data set", "Datasæt", "Datasett", "Gegevensset"),
    "file": ("File", "Fil", "Fil", "Bestand"),
    "rows": ("Rows", "Rækker", "Rader", "Rijen"),
    "loaded_at": ("Loaded at", "Indlæst", "Lastet inn", "Geladen op"),
    "table": ("Table", "Tabel", "Tabell", "Tabel"),
    "column": ("Column", "Kolonne", "Kolonne", "Kolom"),
    "status": ("Status", "Status", "Status", "Status"),
    "reason": ("Reason", "Årsag", "Årsak", "Reden"),
    "cells": ("Cells", "Celler", "Celler", "Cellen"),
    "setting": ("Setting", "Indstilling", "Innstilling", "Instelling"),
    # legend words and cell states
    "legend": ("Legend", "Signatur", "Tegnforklaring", "Legenda"),
    "low": ("low", "lav", "lav", "laag"),
    "medium": ("medium", "middel", "middels", "gemiddeld"),
    "high": ("high", "høj", "høy", "hoog"),
    "rising": ("rising", "stigende", "stigende", "stijgend"),
    "falling": ("falling", "faldende", "fallende", "dalend"),
    "stable": ("stable", "stabil", "stabil", "stabiel"),
    "yes": ("yes", "ja", "ja", "ja"),
    "no": ("no", "nej", "nei", "nee"),
    "not_designated": ("not designated", "ikke udpeget", "ikke utpekt", "niet aangewezen"),
    "designated_areas": ("designated areas", "udpegede områder", "utpekte områder", "aangewezen gebieden"),
    "rest_of_city": ("rest of the city", "resten af byen", "resten av byen", "rest van de stad"),
    "whole_municipality": ("whole municipality", "hele kommunen", "hele kommunen", "hele gemeente"),
    "suppressed": ("suppressed", "udeladt", "skjult", "onderdrukt"),
    "suppressed_note": (
        "× = suppressed (hover for the reason); never shown as zero",
        "× = udeladt (hold musen over for årsagen); vises aldrig som nul",
        "× = skjult (hold musepekeren over for årsaken); vises aldri som null",
        "× = onderdrukt (beweeg de muis erover voor de reden); nooit als nul getoond",
    ),
    "published": ("published", "offentliggjort", "publisert", "gepubliceerd"),
    "primary": ("primary suppression", "primær diskretionering", "primærprikking", "primaire onderdrukking"),
    "secondary": ("secondary suppression", "sekundær diskretionering", "sekundærprikking", "secundaire onderdrukking"),
    "structural_zero": ("structural zero", "strukturelt nul", "strukturell null", "structurele nul"),
    "suppressed": ("suppressed", "udeladt", "skjult", "onderdrukt"),
    "nothing_suppressed": ("No cell was suppressed.", "Ingen celler er udeladt.", "Ingen celler er skjult.", "Er is geen cel onderdrukt."),
    "hover_hint": (
        "Hover over or focus an area to see its details.",
        "Hold musen over et område eller vælg det for at se detaljer.",
        "Hold musepekeren over et område eller velg det for å se detaljer.",
        "Beweeg de muis over een gebied of selecteer het voor details.",
    ),
    # key-figure categories (persons.yaml codes)
    "employed": ("employed", "i beskæftigelse", "sysselsatt", "werkzaam"),
    "unemployed": ("unemployed", "ledig", "arbeidsledig", "werkloos"),
    "outside_labour_force": ("outside the labour force", "uden for arbejdsstyrken", "utenfor arbeidsstyrken", "buiten de beroepsbevolking"),
    "in_education": ("in education", "under uddannelse", "under utdanning", "in opleiding"),
    "retired": ("retired", "pensioneret", "pensjonert", "gepensioneerd"),
    "single_no_children": ("single, no children", "enlig uden børn", "enslig uten barn", "alleenstaand zonder kinderen"),
    "single_with_children": ("single with children", "enlig med børn", "enslig med barn", "alleenstaand met kinderen"),
    "couple_no_children": ("couple, no children", "par uden børn", "par uten barn", "paar zonder kinderen"),
    "couple_with_children": ("couple with children", "par med børn", "par med barn", "paar met kinderen"),
    "other": ("other", "andre", "andre", "overig"),
    "native": ("native origin", "dansk oprindelse", "norsk bakgrunn", "Nederlandse achtergrond"),
    "western": ("western", "vestlig", "vestlig", "westers"),
    "non_western": ("non-western", "ikke-vestlig", "ikke-vestlig", "niet-westers"),
    "basic": ("basic schooling", "grundskole", "grunnskole", "basisonderwijs"),
    "upper_secondary": ("upper secondary", "gymnasial", "videregående", "havo/vwo"),
    "vocational": ("vocational", "erhvervsfaglig", "yrkesfag", "mbo"),
    "short_tertiary": ("short tertiary", "kort videregående", "kort høyere", "kort hoger"),
    "medium_tertiary": ("medium tertiary", "mellemlang videregående", "høyere, lavere grad", "hbo"),
    "long_tertiary": ("long tertiary", "lang videregående", "høyere, høyere grad", "wo"),
    "charged": ("persons charged", "sigtede personer", "siktede personer", "verdachten"),
    "charges": ("charges", "sigtelser", "siktelser", "verdenkingen"),
    "convicted": ("persons convicted", "dømte personer", "dømte personer", "veroordeelden"),
    "household_income_mean": ("average household income", "gns. husstandsindkomst", "gj.sn. husholdningsinntekt", "gem. huishoudinkomen"),
    "crime_panel": ("Crime per 1,000 residents", "Kriminalitet pr. 1.000 beboere", "Kriminalitet per 1 000 innbyggere", "Criminaliteit per 1.000 inwoners"),
    "income_panel": ("Income", "Indkomst", "Inntekt", "Inkomen"),
    "crime_per_1000": ("crime per 1,000", "kriminalitet pr. 1.000", "kriminalitet per 1 000", "criminaliteit per 1.000"),
    "income": ("income", "indkomst", "inntekt", "inkomen"),
    "employment_status": ("Employment status", "Beskæftigelsesstatus", "Sysselsettingsstatus", "Arbeidsmarktpositie"),
    "household_types": ("Household types", "Husstandstyper", "Husholdningstyper", "Huishoudtypen"),
    "origin": ("Origin", "Herkomst", "Bakgrunn", "Herkomst"),
    "education_levels": ("Education", "Uddannelse", "Utdanning", "Opleiding"),
}

_ROWS.update(_benchmark_rows())  # the benchmarks section's labels (kvarter.report.benchmark_labels)
# --- labels of the registry and housing sections (issues 10 and 12), kept beside them;
# a key already above wins.
from kvarter.report.i18n_effects import ROWS as _EFFECTS_ROWS  # noqa: E402
from kvarter.report.i18n_housing import ROWS as _HOUSING_ROWS  # noqa: E402
from kvarter.report.i18n_registry import ROWS as _REGISTRY_ROWS  # noqa: E402

for _key, _texts in {**_REGISTRY_ROWS, **_HOUSING_ROWS, **_EFFECTS_ROWS}.items():
    _ROWS.setdefault(_key, _texts)
# --- end of the registry and housing labels
from kvarter.report.i18n_progress import ROWS as _PROGRESS_ROWS  # noqa: E402  (issue 13's progress section)

for _key, _texts in _PROGRESS_ROWS.items():
    _ROWS.setdefault(_key, _texts)
from kvarter.report.i18n_terms import ROWS as _TERMS_ROWS  # noqa: E402  (columns and terms once shown as ids)

for _key, _texts in _TERMS_ROWS.items():
    _ROWS.setdefault(_key, _texts)

LABELS: dict[str, dict[str, str]] = {
    key: dict(zip(LANGUAGES, texts, strict=True)) for key, texts in _ROWS.items()
}


def check_lang(lang: str, owner: str = "report") -> str:
    """Return ``lang`` if it is one of :data:`LANGUAGES`, else raise.

    >>> check_lang("da")
    'da'
    >>> check_lang("sv", "write_report")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The 'lang' parameter of write_report must be one of 'en', 'da', 'no', 'nl'. Got 'sv' instead.
    """
    if lang not in LANGUAGES:
        choices = ", ".join(repr(x) for x in LANGUAGES)
        raise InputError(
            f"The 'lang' parameter of {owner} must be one of {choices}. Got {lang!r} instead."
        )
    return lang


def label(key: str, lang: str, default: str | None = None) -> str:
    """The text of label ``key`` in ``lang``; ``default`` (or the key) if there is none.

    Keys that are not in :data:`LABELS` are data values such as area names,
    so they pass through unchanged unless a ``default`` is given.

    >>> label("threshold", "nl")
    'Drempel'
    >>> label("Tingbjerg/Husum", "da")
    'Tingbjerg/Husum'
    """
    check_lang(lang, "label")
    row = LABELS.get(key)
    if row is None:
        composed = _composed_label(str(key), lang) or _indicator_label(str(key), lang)
        if composed is not None:
            return composed
        return key if default is None else default
    return row[lang]


def _indicator_label(key: str, lang: str) -> str | None:
    """An indicator id of the shipped catalogues in words, so no table shows
    ``outside_labour_education_share``.

    >>> _indicator_label("non_western_share", "da")
    'Andel indvandrere og efterkommere fra ikke-vestlige lande'
    >>> _indicator_label("Nordparken", "da") is None
    True
    """
    if "_" not in key:
        return None
    return _indicator_labels().get(key, {}).get(lang)


@functools.lru_cache(maxsize=1)
def _indicator_labels() -> dict[str, dict[str, str]]:
    from kvarter.indicators import load_catalogue
    from kvarter.indicators.aggregates import aggregate_catalogue

    from kvarter.indicators.figures import figures

    out: dict[str, dict[str, str]] = {}
    for cat in (aggregate_catalogue()[0], load_catalogue()):
        for ind in cat.indicators:
            out[ind.id] = {lg: ind.label(lg) for lg in LANGUAGES}
    # the figures from outside the registers (sports clubs, turnout …) are named in their own catalogue
    for fid, fig in figures().items():
        out.setdefault(fid, {lg: fig.labels.get(lg, fig.labels["en"]) for lg in LANGUAGES})
    return out


def _composed_label(key: str, lang: str) -> str | None:
    """A group pair (``native_vs_non_western``) or a theme's category
    (``income_high``) in words, when every part has a label.

    >>> _composed_label("native_vs_non_western", "en"), _composed_label("income_high_vs_income_low", "da")
    ('native origin – non-western', 'indkomst høj – indkomst lav')
    >>> _composed_label("Nord_vs_Syd", "en") is None
    True
    """
    def part(x: str) -> str | None:
        if x in LABELS:
            return LABELS[x][lang]
        head, _, tail = x.partition("_")
        if tail and head in LABELS and tail in LABELS:
            return f"{LABELS[head][lang]} {LABELS[tail][lang].lower()}"
        return None

    if "_vs_" in key:
        parts = [part(x) for x in key.split("_vs_")]
        return " – ".join(parts) if all(parts) else None
    return None


def _group_thousands(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def format_number(x, lang: str, decimals: int = 1, *, trim: bool = False) -> str:
    """Format ``x`` with ``decimals`` decimals in the conventions of ``lang``.

    ``trim`` drops a fractional part that is all zeros ("28" rather than
    "28.0"). NaN and ``None`` give an en dash.

    >>> format_number(1234567.891, "en", 2)
    '1,234,567.89'
    >>> format_number(1234567.891, "da", 2)
    '1.234.567,89'
    >>> format_number(1234567.891, "no", 2) == "1\\u00a0234\\u00a0567,89"
    True
    >>> format_number(-0.26, "nl", 1)
    '-0,3'
    >>> format_number(28.0, "da", 1, trim=True)
    '28'
    >>> format_number(float("nan"), "en")
    '–'
    """
    check_lang(lang, "format_number")
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    x = float(x)
    if math.isnan(x):
        return MISSING
    point, thousands, _ = NUMBER_STYLE[lang]
    text = f"{abs(x):.{decimals}f}"
    whole, _, frac = text.partition(".")
    if trim and frac and set(frac) == {"0"}:
        frac = ""
    sign = "-" if x < 0 and float(text) != 0 else ""
    out = sign + _group_thousands(whole, thousands)
    return out + (point + frac if frac else "")


def format_percent(share, lang: str, decimals: int = 1, *, trim: bool = False) -> str:
    """Format a share (0.173) as a percentage in ``lang`` ("17.3%" / "17,3 %").

    >>> format_percent(0.173, "en")
    '17.3%'
    >>> format_percent(0.173, "da") == "17,3\\u00a0%"
    True
    >>> format_percent(0.28, "en", trim=True)
    '28%'
    """
    check_lang(lang, "format_percent")
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return MISSING
    _, _, gap = NUMBER_STYLE[lang]
    return format_number(float(share) * 100, lang, decimals, trim=trim) + gap + "%"


def format_points(diff, lang: str, decimals: int = 1) -> str:
    """Format a difference between two shares in percentage points.

    >>> format_points(0.107, "en")
    '10.7 percentage points'
    >>> format_points(-0.107, "nl")
    '10,7 procentpunt'
    """
    check_lang(lang, "format_points")
    unit = {"en": "percentage points", "da": "procentpoint", "no": "prosentpoeng", "nl": "procentpunt"}[lang]
    return f"{format_number(abs(float(diff)) * 100, lang, decimals)} {unit}"


def format_indicator_value(value, unit: str, lang: str, *, ratio: bool = False) -> str:
    """An indicator's value for a reader: shares as percent, counts as whole
    numbers, means in whole units, rates per 1,000 with one decimal, ratios
    with two (never scientific notation).

    >>> format_indicator_value(0.11266, "share", "en"), format_indicator_value(50000.0, "count", "en")
    ('11.3%', '50,000')
    >>> format_indicator_value(664812.4, "mean", "da"), format_indicator_value(12.634, "per_1000", "en")
    ('664.812', '12.6')
    >>> format_indicator_value(1.234, "share", "en", ratio=True), format_indicator_value(float("nan"), "share", "en")
    ('1.23', '–')
    """
    if ratio:
        return format_number(value, lang, 2)
    if unit == "share":
        return format_percent(value, lang, 1)
    if unit in ("count", "mean"):
        return format_number(value, lang, 0)
    return format_number(value, lang, 1)



# --- one precision rule for numbers in sentences and tables ---------------
#: Decimals of a share shown as percent, and of any other value, wherever a
#: figure is written out: tables, chart labels and generated sentences. A
#: sentence that gives two figures gives both with these decimals, so it never
#: reads "fell from 57.1 % to 57 %".
PERCENT_DECIMALS = 1
NUMBER_DECIMALS = 1


#: Decimals of an amount of money (whole units: "DKK 664,812").
MONEY_DECIMALS = 0


def format_value(value, lang: str, *, percent: bool = True, decimals: int | None = None,
                 currency: str | None = None) -> str:
    """A figure as tables and sentences show it: a share as percent with
    :data:`PERCENT_DECIMALS` decimals, an amount in ``currency`` with
    :func:`format_money`, anything else with :data:`NUMBER_DECIMALS`; never
    trimmed, so two figures in one sentence have the same decimals.

    >>> format_value(0.571, "en"), format_value(0.57, "en")
    ('57.1%', '57.0%')
    >>> format_value(4.0, "da", percent=False), format_value(float("nan"), "en")
    ('4,0', '–')
    >>> format_value(664812.4, "en", currency="DKK") == "DKK" + NBSP + "664,812"
    True
    """
    if currency:
        return format_money(value, currency, lang, MONEY_DECIMALS if decimals is None else decimals)
    if decimals is None:
        decimals = PERCENT_DECIMALS if percent else NUMBER_DECIMALS
    return format_percent(value, lang, decimals) if percent else format_number(value, lang, decimals)


def format_money(value, currency: str, lang: str, decimals: int = MONEY_DECIMALS) -> str:
    """An amount with its ISO 4217 currency code in ``lang``'s style: the code
    first in English ("DKK 664,812"), after the number (non-breaking space)
    in Danish, Norwegian and Dutch ("664.812 DKK").

    >>> format_money(664812.4, "DKK", "en").replace(NBSP, " "), format_money(664812.4, "DKK", "da").replace(NBSP, " ")
    ('DKK 664,812', '664.812 DKK')
    >>> format_money(float("nan"), "NOK", "no")
    '–'
    """
    text = format_number(value, lang, decimals)
    if text == MISSING:
        return text
    return f"{currency}{NBSP}{text}" if lang == "en" else f"{text}{NBSP}{currency}"


def indicator_currency(indicator: str, catalogue=None) -> str | None:
    """The currency of an indicator that is a mean of money (its ``currency``
    in ``catalogue``, the catalogue in use), ``None`` for anything else (a
    ratio variant too). Without a catalogue, the shipped catalogues decide.

    >>> indicator_currency("household_income_mean"), indicator_currency("income_ratio_to_region")
    ('DKK', None)
    >>> indicator_currency("non_western_share") is None
    True
    """
    if catalogue is not None:
        return catalogue_currencies(catalogue).get(str(indicator))
    return _indicator_currencies().get(str(indicator))


def catalogue_currencies(catalogue) -> dict[str, str]:
    """Indicator id → currency for the means of money in ``catalogue``.

    >>> from kvarter.indicators import load_catalogue
    >>> catalogue_currencies(load_catalogue().select(["household_income_mean", "residents"]))
    {'household_income_mean': 'DKK'}
    """
    return {ind.id: ind.currency for ind in catalogue.indicators
            if ind.currency and ind.unit == "mean" and ind.comparison is None}


@functools.lru_cache(maxsize=1)
def _indicator_currencies() -> dict[str, str]:
    from kvarter.indicators import load_catalogue
    from kvarter.indicators.aggregates import aggregate_catalogue

    return {**catalogue_currencies(aggregate_catalogue()[0]), **catalogue_currencies(load_catalogue())}


_PER_YEAR = {
    "en": ("{x} percentage points a year", "{x} a year"),
    "da": ("{x} procentpoint om året", "{x} om året"),
    "no": ("{x} prosentpoeng i året", "{x} i året"),
    "nl": ("{x} procentpunt per jaar", "{x} per jaar"),
}


def slope_decimals(per_year: float) -> int:
    """Decimals for a change per year: one, or as many as give two
    significant digits when one decimal would show a small slope as 0.0
    (at most four).

    >>> slope_decimals(0.4123456), slope_decimals(12.3), slope_decimals(0.0123), slope_decimals(0.0)
    (1, 1, 3, 1)
    """
    a = abs(float(per_year))
    if not math.isfinite(a) or a == 0 or a >= 0.05:
        return 1
    return min(4, max(1, 1 - math.floor(math.log10(a))))


def format_slope(per_year, lang: str, *, percent: bool = True) -> str:
    """A change per year (a share's slope in percentage points, else in the
    value's units), unsigned, with :func:`slope_decimals` decimals.

    >>> format_slope(0.004123456, "en")
    '0.4 percentage points a year'
    >>> print(format_slope(-0.0123, "da", percent=False))
    0,012 om året
    """
    check_lang(lang, "format_slope")
    x = abs(float(per_year)) * (100 if percent else 1)
    template = _PER_YEAR[lang][0 if percent else 1]
    return template.format(x=format_number(x, lang, slope_decimals(x)))


# --- names of rule sets, their criteria and lists ---------------------------
#: Criterion ids whose label key differs from the id (``non_western`` alone is
#: the origin category "non-western", not the criterion).
_CRITERION_KEYS = {"non_western": "non_western_criterion"}


@functools.lru_cache(maxsize=64)
def _builtin_ruleset(ruleset_id: str):
    from kvarter.screening.rules import BUILTIN_RULESETS, load_ruleset

    return load_ruleset(ruleset_id) if ruleset_id in BUILTIN_RULESETS else None


def rule_name(ruleset, key: str | None, lang: str) -> str:
    """What readers see for a rule set (``key`` None) or one of its criteria or
    lists: the rule set's ``names`` in ``lang`` (its YAML), else this module's
    label, else the rule set's own label or title — never the bare id.

    ``ruleset`` is a :class:`~kvarter.screening.rules.RuleSet` or the id of a
    built-in one (a user's file cannot be reloaded by id; its names then come
    from the labels here).

    >>> rule_name("dk-2024", "prevention_non_western", "da")
    'Ikke-vestlig baggrund (forebyggelse)'
    >>> rule_name("dk-2024", None, "en"), rule_name("dk-2024", "udsat_boligomraade", "nl")
    ('State lists, 2021 law (current)', 'Achterstandswijk (sociale huur)')
    >>> rule_name("my-rules", "own_rule", "en")
    'own rule'
    """
    check_lang(lang, "rule_name")
    rs = _builtin_ruleset(str(ruleset)) if isinstance(ruleset, str) else ruleset
    if rs is not None:
        if key is None:
            return rs.names.get(lang) or rs.title
        item = rs.criteria.get(key) or rs.lists.get(key)
        if item is not None and item.names.get(lang):
            return item.names[lang]
    if key is None:
        return str(getattr(ruleset, "id", ruleset))
    found = LABELS.get(_CRITERION_KEYS.get(key, key))
    if found is not None:
        text = found[lang]
        return text[:1].upper() + text[1:]
    if rs is not None:
        item = rs.criteria.get(key) or rs.lists.get(key)
        if item is not None:
            return item.label
    return str(key).replace("_", " ")


# --- names of goals ----------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _builtin_goal_names() -> dict[str, dict[str, str]]:
    import yaml

    from kvarter.goals.models import BUILTIN_GOALS, GoalSet

    out: dict[str, dict[str, str]] = {}
    for path in BUILTIN_GOALS.values():
        # Only the names are read: the model checks them; the indicators (which
        # would load every catalogue) are checked where the goals are tracked.
        for g in GoalSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))).goals:
            out.setdefault(g.id, dict(g.names))
    return out


def goal_name(goal: str, lang: str, goalset=None) -> str:
    """What readers see for a goal: its ``names`` in ``lang`` in ``goalset``
    (a :class:`~kvarter.goals.GoalSet`) or in the shipped goal files, else
    this module's label, else the id in words — never the bare id.

    >>> goal_name("work_gap", "da"), goal_name("sports_clubs_gap", "nl")
    ('Forskel i beskæftigelse og uddannelse', 'Verschil in lidmaatschap van sportclubs')
    >>> goal_name("my_own_goal", "en")
    'my own goal'
    """
    check_lang(lang, "goal_name")
    if goalset is not None:
        for g in goalset.goals:
            if g.id == goal and g.names.get(lang):
                return g.names[lang]
    found = _builtin_goal_names().get(str(goal), {}).get(lang)
    if found:
        return found
    return LABELS[goal][lang] if goal in LABELS else str(goal).replace("_", " ")


# --- ids inside sentences the analyses write ---------------------------------
#: A snake_case id standing alone in a text (not inside a file name or a path).
IDENTIFIER = re.compile(r"(?<![A-Za-z0-9_.\-/])[a-z]+(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")


def in_words(text: str, lang: str) -> str:
    """``text`` (a note or a suppression reason written by an analysis, which
    knows only ids) with every id that has a label replaced by that label.

    >>> in_words("Benchmarks (area): basic_education_share: 0 of 5 unit(s) outside", "en")
    'Benchmarks (area): Share of 30-59-year-olds with basic education only: 0 of 5 unit(s) outside'
    >>> in_words("see tables/areas_results.csv", "en")
    'see tables/areas_results.csv'
    """
    def word(m: re.Match) -> str:
        key = m.group(0)
        text = label(key, lang, default="")
        return text or key.replace("_", " ")

    return IDENTIFIER.sub(word, str(text))


def covariate_name(covariate: str, lang: str) -> str:
    """A covariate of the effects' balance table in words; a level of a
    categorical covariate (``education=long_tertiary``) as "variable: level".

    >>> covariate_name("education=long_tertiary", "en"), covariate_name("worked_12", "da")
    ('education: long tertiary', 'i arbejde de seneste 12 måneder')
    """
    if covariate in LABELS:  # a level named as a whole (sex=m: "men")
        return LABELS[covariate][lang]
    var, sep, level = str(covariate).partition("=")
    if not sep:
        return in_words(var, lang) if var not in LABELS else LABELS[var][lang]
    return f"{label(var, lang)}: {in_words(level, lang) if level not in LABELS else LABELS[level][lang]}"
