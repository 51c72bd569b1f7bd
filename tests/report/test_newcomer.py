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


# ------------------------------------------------------------ 4. heat-map labels
from kvarter.report import charts  # noqa: E402
from kvarter.report.svg import text_width  # noqa: E402

#: Advance widths (em) measured in Chromium (getComputedTextLength, DejaVu Sans,
#: this machine's system-ui) — independent of the estimator's table.
MEASURED_EM = {"G": 0.7783, "M": 0.8628, "0": 0.6362, "1": 0.6362, "Ø": 0.7874, "r": 0.4111, "e": 0.6152,
               "s": 0.5210, "t": 0.3921, "a": 0.6128, "d": 0.6348, " ": 0.3179, "N": 0.7480, "o": 0.6118,
               "-": 0.3608, "V": 0.6841, "W": 0.9248, "D": 0.7700, "—": 1.0, "n": 0.6338, "i": 0.2778,
               "v": 0.5918, "g": 0.6348}


def _measured(text: str, size: float = 12) -> float:
    return sum(MEASURED_EM[c] for c in text) * size


@pytest.mark.parametrize("text", ["GM0001", "Ørestad Nord-Vest", "WWW MMM DDD"])
def test_label_width_estimate_is_an_upper_bound(text):
    assert text_width(text) >= _measured(text)


def test_heatmap_margin_and_viewbox_cover_the_longest_label():
    rows = ["GM0001", "Ørestad Nord-Vest WWW", "Aby"]
    title = "D — Ørestad WWW MMMM DDDD Ørestad WWW MMMM DDDD Ørestad"
    svg = charts.heatmap([[0.1, 0.2]] * 3, rows, [2023, 2024], title=title)
    view_w = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    xs = [float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="end"[^>]*class="kv-rowlabel"', svg)]
    assert len(xs) == 3
    # every row label ends at x and starts at x - width: inside the drawing
    assert min(xs) - _measured(rows[1]) >= 0
    assert _measured(title, 14) * 1.05 <= view_w  # the bold title fits too
