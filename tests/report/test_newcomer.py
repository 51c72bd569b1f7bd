"""Issue 9, "as a newcomer finds it": one precision rule, translated criterion
names, map tooltips per rule set, unclipped heat-map labels, print CSS,
currency on income and the area × criterion grid."""

from __future__ import annotations

import re

import pytest

from kvarter.report.i18n import NBSP as NB, format_slope, format_value
from kvarter.report.sentences import gap_sentence, trend_sentence


# ------------------------------------------------------------ 7. precision
@pytest.mark.parametrize("lang, expected", [
    ("en", "The share fell from 57.1% (2016) to 57.0% (2024)."),
    ("da", f"The share faldt fra 57,1{NB}% (2016) til 57,0{NB}% (2024)."),
    ("no", f"The share falt fra 57,1{NB}% (2016) til 57,0{NB}% (2024)."),
    ("nl", f"The share daalde van 57,1{NB}% (2016) naar 57,0{NB}% (2024)."),
])
def test_both_figures_of_a_sentence_have_the_same_decimals(lang, expected):
    assert trend_sentence("the share", {2016: 0.571, 2024: 0.570}, lang) == expected


def test_gap_sentence_keeps_the_decimals_of_whole_percentages():
    assert gap_sentence("the share", 2023, 0.30, 0.25, "en") == (
        "In 2023 the share was 30.0% in the designated areas against 25.0% in the rest of the municipality "
        "(5.0 percentage points higher).")


def test_slope_a_year_is_rounded_sensibly():
    # (0.25 - 0.28) / (2023 - 2016) = -0.0042857 a year = 0.43 points: one decimal
    s = trend_sentence("the share", {2016: 0.28, 2023: 0.25}, "en", per_year=True)
    assert s == "The share fell from 28.0% (2016) to 25.0% (2023), on average 0.4 percentage points a year."
    assert format_slope(0.004123456, "nl") == "0,4 procentpunt per jaar"
    assert format_slope(0.5 / 3, "en", percent=False) == "0.2 a year"
    assert format_value(0.57, "en") == "57.0%"
