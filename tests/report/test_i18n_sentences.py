"""Labels, number formats and generated sentences in the four languages."""

from __future__ import annotations

import pytest

from kvarter.errors import InputError
from kvarter.report.i18n import LABELS, LANGUAGES, format_number, format_percent, label
from kvarter.report.sentences import gap_sentence, trend_sentence

NB = "\u00a0"


def test_every_label_exists_in_every_language():
    for key, texts in LABELS.items():
        assert tuple(texts) == LANGUAGES, key
        assert all(t.strip() for t in texts.values()), key


@pytest.mark.parametrize("key", ["map", "designations", "profiles", "trends", "segregation", "methods",
                                 "value", "threshold", "met", "margin", "legend", "suppressed"])
def test_section_titles_headings_and_legend_words_are_translated(key):
    texts = [label(key, lang) for lang in LANGUAGES]
    assert len(set(texts)) >= 2, texts  # not simply the English word everywhere


@pytest.mark.parametrize("lang, number, percent", [
    ("en", "1,234,567.8", "17.3%"),
    ("da", "1.234.567,8", f"17,3{NB}%"),
    ("no", f"1{NB}234{NB}567,8", f"17,3{NB}%"),
    ("nl", "1.234.567,8", f"17,3{NB}%"),
])
def test_number_formats(lang, number, percent):
    assert format_number(1234567.84, lang) == number
    assert format_percent(0.173, lang) == percent
    assert format_number(999.96, lang, 1) == {"en": "1,000.0", "da": "1.000,0", "no": f"1{NB}000,0", "nl": "1.000,0"}[lang]
    assert format_number(-12, lang, 0) == "-12"


def test_unknown_language_is_refused():
    with pytest.raises(InputError, match="Got 'sv' instead"):
        format_percent(0.1, "sv")


@pytest.mark.parametrize("lang, expected", [
    ("en", "The share without labour-market attachment fell from 28.0% (2000) to 17.3% (2023)."),
    ("da", f"Andelen uden tilknytning faldt fra 28,0{NB}% (2000) til 17,3{NB}% (2023)."),
    ("no", f"Andelen uten tilknytning falt fra 28,0{NB}% (2000) til 17,3{NB}% (2023)."),
    ("nl", f"Het aandeel zonder werk daalde van 28,0{NB}% (2000) naar 17,3{NB}% (2023)."),
])
def test_copenhagen_sentence_in_each_language(lang, expected):
    subject = {"en": "the share without labour-market attachment", "da": "andelen uden tilknytning",
               "no": "andelen uten tilknytning", "nl": "het aandeel zonder werk"}[lang]
    assert trend_sentence(subject, {2000: 0.28, 2010: float("nan"), 2023: 0.173}, lang) == expected


def test_rise_unchanged_and_counts():
    assert trend_sentence("the rate", {2023: 4.0, 2019: 2.5}, "en", percent=False) == \
        "The rate rose from 2.5 (2019) to 4.0 (2023)."
    assert trend_sentence("the share", {2019: 0.1001, 2023: 0.0999}, "en") == "The share was 10.0% in both 2019 and 2023."
    assert gap_sentence("the share of crime", 2023, 12.0, 2.0, "nl", percent=False, group="Tingbjerg",
                        reference_group="de gemeente") == \
        "In 2023 was the share of crime 12,0 in Tingbjerg tegenover 2,0 in de gemeente (10,0 hoger)."
