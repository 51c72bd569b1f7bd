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


# ------------------------------------------------------------ 5. wide tables in print
from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402

from kvarter.disclosure import DisclosurePolicy, protect  # noqa: E402
from kvarter.report.html import Section, Table, render_report  # noqa: E402

CSS = Path(__file__).resolve().parents[2] / "src" / "kvarter" / "report" / "templates" / "report.css"


def _print_rules() -> str:
    css = CSS.read_text(encoding="utf-8")
    start = css.index("@media print")
    return css[start:]


def test_print_css_lets_wide_tables_wrap_to_the_page():
    rules = _print_rules()
    assert re.search(r"\.kv-table-wrap[^{]*\{[^}]*overflow:\s*visible", rules)
    assert re.search(r"table\.kv-table \{[^}]*width:\s*100%", rules)
    assert re.search(r"thead th \{[^}]*white-space:\s*normal", rules)  # headers (nowrap on screen) wrap
    assert re.search(r"thead \{[^}]*display:\s*table-header-group", rules)


def _wide_report(tmp_path: Path) -> Path:
    cols = [f"long_column_name_number_{k}" for k in range(14)]
    df = pd.DataFrame({"goal": ["a_rather_long_goal_identifier", "another_long_goal"], "n": [500, 800],
                       **{c: [123456.789, -0.056] for c in cols}})
    t = protect(df, DisclosurePolicy(), key=["goal"], value_columns=cols, count_column="n")
    html = render_report([Section("trends", [Table(t, caption="wide")])], lang="en", title="Wide")
    path = tmp_path / "wide.html"
    path.write_text(html, encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.browser
def test_wide_table_is_not_cut_at_the_printed_page_edge(tmp_path):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    path = _wide_report(tmp_path)
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox"], headless=True)
        try:
            page = b.new_page(viewport={"width": 718, "height": 1000})  # A4 less 12 mm margins at 96 dpi
            page.goto(path.as_uri())
            page.emulate_media(media="print")
            page_w = page.evaluate("document.documentElement.clientWidth")
            right = page.evaluate("Math.max(...[...document.querySelectorAll('table')]"
                                  ".map(t => t.getBoundingClientRect().right))")
            assert right <= page_w
            # numbers are never broken over lines: each numeric cell's text is one line box
            lines = page.evaluate("[...document.querySelectorAll('td.kv-num')].map(td => { const r = "
                                  "document.createRange(); r.selectNodeContents(td); return r.getClientRects().length; })")
            assert lines and set(lines) == {1}
            # and a text column keeps a readable width (not one letter a line)
            key_w = page.evaluate("document.querySelector('tbody td').getBoundingClientRect().width")
            assert key_w >= 30  # one letter is about 6 px
            assert len(page.pdf(format="A4")) > 1000  # and it prints
        finally:
            b.close()


# ------------------------------------------------------------ 2. criterion names, 3. map tooltips
import json  # noqa: E402

from kvarter.report.i18n import LANGUAGES, rule_name  # noqa: E402
from kvarter.screening.rules import BUILTIN_RULESETS, load_ruleset  # noqa: E402

RAW_ID = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # prevention_non_western, udsat_boligomraade, ...


@pytest.mark.parametrize("rid", sorted(BUILTIN_RULESETS))
def test_every_builtin_rule_set_names_its_criteria_and_lists_in_four_languages(rid):
    rs = load_ruleset(rid)
    assert set(rs.names) == set(LANGUAGES)
    for key, item in {**rs.criteria, **rs.lists}.items():
        assert set(item.names) == set(LANGUAGES), (rid, key)
        for lang in LANGUAGES:
            name = rule_name(rid, key, lang)
            assert name == item.names[lang] and not RAW_ID.search(name), (rid, key, lang, name)


def test_names_are_validated_by_the_rule_set_model():
    from kvarter.errors import RuleError
    from kvarter.screening.rules import ruleset_from_dict

    data = {"kind": "ruleset", "version": 1, "id": "x", "title": "t", "source": {"document": "d"},
            "criteria": {"a": {"label": "A", "names": {"sv": "A"}, "indicator": "a", "op": ">", "threshold": 1}},
            "lists": {"l": {"label": "L", "rule": "a"}}}
    with pytest.raises(RuleError, match=r"criteria\.a\.names"):
        ruleset_from_dict(data, "x.yaml")


def _publication():
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.publish import Publication
    from kvarter.publish.screening import protect_criteria, protect_history
    from kvarter.screening.run import run_screening

    policy = DisclosurePolicy()
    user = pd.DataFrame({"area_id": ["a", "b"], "year": [2024, 2024], "residents": [2400, 3000],
                         "outside_labour_education_share": [0.43, 0.20], "convicted_ratio_to_national": [3.1, 0.5],
                         "basic_education_share": [0.52, 0.30], "income_ratio_to_region": [0.54, 0.9],
                         "non_western_share": [0.62, 0.10]})
    run = run_screening(["dk-2024"], 2024, values=user)
    crit = protect_criteria(run.results["dk-2024"], 2024, policy)
    long = pd.DataFrame({"ruleset": "dk-2024", "list": ["udsat_boligomraade", "udsat_boligomraade"],
                         "area_id": ["a", "b"], "name": ["Nordparken", "Sydbyen"], "year": [2024, 2024],
                         "designated": [True, False], "change": ["listed", "not listed"]})
    residents = pd.DataFrame({"area_id": ["a", "b"], "year": [2024, 2024], "residents": [2400, 3000]})
    square = lambda x: json.dumps({"type": "Polygon", "coordinates": [[[12 + x, 55], [12.1 + x, 55], [12.1 + x, 55.1],  # noqa: E731
                                                                        [12 + x, 55.1], [12 + x, 55]]]})
    areas = pd.DataFrame({"area_id": ["a", "b"], "name": ["Nordparken", "Sydbyen"], "municipality": "K",
                          "geometry": [square(0), square(0.2)]})
    tables = {"criteria_dk-2024": crit, "history": protect_history(long, residents, policy)}
    return Publication(tables=tables, policy=policy, year=2024, municipality="K", areas=areas,
                       designated={"udsat_boligomraade": ["a"]}, shown={"dk-2024": crit})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_map_tooltip_lists_status_per_rule_set_in_words(lang):
    from kvarter.report.sections import build_sections

    sections = {s.title_key: s for s in build_sections(_publication(), lang)}
    svg = sections["map"].blocks[0].svg
    infos = dict(re.findall(r'data-name="([^"]+)" data-info="([^"]+)"', svg))
    rs_name = rule_name("dk-2024", None, lang)
    a = infos["Nordparken"].split("\n")
    # one line for the rule set: its list, then the criteria met, in words
    (line,) = [x for x in a if x.startswith(rs_name + ":")]
    assert rule_name("dk-2024", "udsat_boligomraade", lang)[1:] in line
    assert rule_name("dk-2024", "prevention_non_western", lang)[1:] in line
    b = infos["Sydbyen"].split("\n")
    assert any(x.startswith(rs_name + ":") for x in b)
    for text in infos.values():
        assert not RAW_ID.search(text), text
    # the legend names the list in words too
    legend = re.findall(r"<text[^>]*>([^<]+)</text>", svg)
    assert rule_name("dk-2024", "udsat_boligomraade", lang).lower() in [t.lower() for t in legend]


# ------------------------------------------------------------ 6. currency on income
from kvarter.report.i18n import format_money, indicator_currency  # noqa: E402


def test_income_indicators_carry_their_currency_from_the_catalogue():
    from kvarter.indicators import load_catalogue

    cat = load_catalogue()
    assert cat["household_income_mean"].currency == "DKK"
    assert indicator_currency("income_gross_mean_15_64") == "DKK"
    assert indicator_currency("income_ratio_to_region") is None  # a ratio is no amount


@pytest.mark.parametrize("lang, text", [("en", f"DKK{NB}412,346"), ("da", f"412.346{NB}DKK"),
                                        ("no", f"412{NB}346{NB}DKK"), ("nl", f"412.346{NB}DKK")])
def test_income_is_shown_with_its_currency_in_charts_and_sentences(lang, text):
    assert format_money(412345.6, "DKK", lang) == text
    svg = charts.bar_chart(["household_income_mean"], {"Area": [412345.6]}, title="Income", lang=lang,
                           percent=False, currencies={"household_income_mean": "DKK"})
    assert f">{text}</text>" in svg and f": {text}</title>" in svg
    line = charts.line_chart([2023, 2024], {"Area": [400000.0, 412345.6]}, title="Income", lang=lang,
                             currency="DKK")
    assert f": {text}</title>" in line
    ticks = re.findall(r'text-anchor="end" font-size="11">([^<]+)<', line)
    assert ticks and all("DKK" in t for t in ticks)  # the axis too
    s = trend_sentence("income", {2023: 400000.0, 2024: 412345.6}, lang, currency="DKK")
    assert text in s and "%" not in s


def test_profile_income_panel_is_titled_and_labelled_with_the_currency():
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.publish import Publication
    from kvarter.report.sections import build_sections

    df = pd.DataFrame({"panel": "income_panel", "category": "household_income_mean", "group": ["area", "municipality"],
                       "value": [412345.6, 500000.0], "n": [800, 9000]})
    t = protect(df, DisclosurePolicy(), key=["panel", "category", "group"], value_columns=["value"], count_column="n")
    pub = Publication(tables={}, policy=DisclosurePolicy(), year=2024, municipality="K",
                      profile={"income_panel": t}, percent={"income_panel": False})
    (svg,) = [b.svg for s in build_sections(pub, "da") if s.title_key == "profiles" for b in s.blocks]
    assert "Indkomst (DKK)" in svg and f">412.346{NB}DKK</text>" in svg


# ------------------------------------------------------------ 1. the area × criterion grid
from kvarter.report.criteria_grid import CONVENTION, criteria_grid  # noqa: E402


def _criteria(min_count: int = 1, residents=(2400, 3000, 2600)):
    from kvarter.publish.screening import protect_criteria
    from kvarter.screening.run import run_screening

    user = pd.DataFrame({"area_id": ["a", "b", "c"], "year": 2024, "residents": list(residents),
                         "outside_labour_education_share": [0.43, 0.20, 0.35],
                         "convicted_ratio_to_national": [3.1, 0.5, 2.2],
                         "basic_education_share": [0.52, 0.30, 0.61], "income_ratio_to_region": [0.54, 0.9, 0.6],
                         "non_western_share": [0.62, 0.10, 0.40]})
    run = run_screening(["dk-2024"], 2024, values=user)
    return protect_criteria(run.results["dk-2024"], 2024, DisclosurePolicy(min_count=min_count))


def _cells(html: str) -> dict[tuple[str, str], str]:
    head = re.findall(r'<th scope="col">([^<]+)</th>', html)[1:]
    out = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", html):
        name, rest = row.split("</th>", 1)
        for crit, cell in zip(head, re.findall(r"<td[^>]*>(.*?)</td>", rest)):
            out[(name, crit)] = cell
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_grid_has_a_row_per_area_and_a_column_per_criterion(lang):
    html, _ = criteria_grid(_criteria(), "dk-2024", lang)
    rs = load_ruleset("dk-2024")
    head = re.findall(r'<th scope="col">([^<]+)</th>', html)
    assert head[1:] == [rs.criteria[c].names[lang] for c in rs.criteria]  # names, in declared order
    rows = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert sorted(rows) == ["a", "b", "c"] and rows[0] == "a"  # most criteria met first
    from html import unescape

    assert CONVENTION[lang] in unescape(html)  # the sign convention is in the caption
    assert not RAW_ID.search(re.sub(r'(class|scope)="[^"]*"', "", html))


def test_grid_cells_give_value_threshold_met_and_the_inside_margin():
    cells = _cells(criteria_grid(_criteria(), "dk-2024", "en")[0])
    emp = rule_name("dk-2024", "employment", "en")
    inc = rule_name("dk-2024", "income", "en")
    # employment: 43.0 % > 40.0 %: met, 3.0 points inside
    c = cells[("a", emp)]
    assert "43.0%" in c and f"&gt;{NB}40.0%" in c and "✓" in c and f"+3.0{NB}pp" in c
    # b: 20.0 % against > 40.0 %: not met, 20.0 points outside
    c = cells[("b", emp)]
    assert "20.0%" in c and "✗" in c and f"−20.0{NB}pp" in c
    # income < 0.55: 0.54 is met and inside by 0.01 (the published margin 0.54-0.55 = -0.01 flipped)
    c = cells[("a", inc)]
    assert "0.54" in c and f"&lt;{NB}0.55" in c and "✓" in c and "+0.01" in c
    c = cells[("b", inc)]
    assert "0.90" in c and "✗" in c and "−0.35" in c


def test_grid_never_shows_a_value_the_publication_hides():
    crit = _criteria(min_count=2500)  # areas of 2,400 persons are suppressed
    f = crit.frame
    hidden = f[f["value_status"].isin(["primary", "secondary"])]
    assert set(hidden["area_id"]) >= {"a"}
    html, table = criteria_grid(crit, "dk-2024", "en")
    cells = _cells(html)
    emp = rule_name("dk-2024", "employment", "en")
    c = cells[("a", emp)]
    assert "×" in c and "43.0%" not in c and f"{NB}pp" not in c  # value and margin stay hidden
    # the raw values of a hidden area appear nowhere in its row
    row = re.search(r'<th scope="row">a</th>(.*?)</tr>', html).group(1)
    for raw in ("43.0%", "62.0%", "52.0%", "3.10", "0.54"):
        assert raw not in row
    from kvarter.report.frames import SUPPRESSED

    assert table.status("value").isin(SUPPRESSED).sum() == len(hidden)  # as read for the methods summary


def test_designations_section_draws_the_grid_with_rule_set_names():
    from kvarter.report.html import CriteriaGrid
    from kvarter.report.sections import build_sections

    sections = {s.title_key: s for s in build_sections(_publication(), "nl")}
    (grid,) = sections["designations"].blocks
    assert isinstance(grid, CriteriaGrid) and grid.caption.startswith(rule_name("dk-2024", None, "nl"))
    html = render_report(list(sections.values()), lang="nl", title="K")
    from html import unescape

    assert 'class="kv-table kv-criteria-grid"' in html and CONVENTION["nl"] in unescape(html)


def test_workbook_formats_income_with_its_currency():
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.publish import Publication
    from kvarter.report.render import workbook_guide
    from kvarter.report.workbook import _number_format

    guide = workbook_guide(Publication(tables={}, policy=DisclosurePolicy(), year=2024, municipality="K"), "da")
    assert guide.units["household_income_mean"] == "mean (DKK)"
    assert guide.units["income_ratio_to_region"] == "mean (ratio)"
    assert _number_format("value", {"indicator": "household_income_mean"}, guide) == '#,##0 "DKK"'
    assert _number_format("value", {"indicator": "residents"}, guide) == "#,##0"


def test_workbook_names_criteria_in_its_language():
    from kvarter.report.workbook import WorkbookGuide, _with_names

    frame = pd.DataFrame({"ruleset": ["dk-2024", "city-7"], "criterion": ["prevention_non_western", "safety"]})
    out = _with_names(frame, WorkbookGuide(lang="no"))
    assert list(out.columns) == ["ruleset", "criterion", "criterion_name"]
    assert out["criterion_name"].tolist() == ["Ikke-vestlig bakgrunn (forebygging)", "Trygghet"]
