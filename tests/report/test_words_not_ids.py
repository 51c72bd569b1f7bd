"""Issue 9's last points, one fast test each: goals named by their goal file,
covariates, programmes, policy settings and columns in words, reasons and
notes naming indicators by their labels, the segregation trends' slopes with
the one precision rule, and the currency taken from the catalogue in use
(the publication's), not from the built-in catalogues."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kvarter.disclosure import DisclosurePolicy, protect
from kvarter.publish import Publication
from kvarter.report.i18n import LANGUAGES, NBSP as NB

RAW_ID = re.compile(r"(?<![A-Za-z0-9_.\-/])[a-z]+(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")


def _visible(html: str) -> str:
    """Text and tooltips of a piece of HTML/SVG, without tags, classes or ids."""
    shown = " ".join(re.findall(r'(?:title|aria-label)="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + shown


# ------------------------------------------------------------------ goals
GOALS = {"en": ("Gap in work and education", "Gap in sports-club membership"),
         "da": ("Forskel i beskæftigelse og uddannelse", "Forskel i medlemskab af idrætsforeninger"),
         "no": ("Forskjell i arbeid og utdanning", "Forskjell i medlemskap i idrettslag"),
         "nl": ("Verschil in werk en onderwijs", "Verschil in lidmaatschap van sportclubs")}


def test_every_shipped_goal_has_a_name_in_four_languages():
    from kvarter.goals import load_goals
    from kvarter.goals.models import BUILTIN_GOALS

    for name in BUILTIN_GOALS:
        for g in load_goals(name).goals:
            assert set(g.names) == set(LANGUAGES), (name, g.id)
            assert not any(RAW_ID.search(t) for t in g.names.values()), (name, g.id)


def test_goal_names_are_validated_by_the_goal_model():
    from kvarter.errors import InputError
    from kvarter.goals import goals_from_dict

    goal = {"id": "work", "indicator": "outside_labour_education_share", "group": "gap", "target": 0.05,
            "target_year": 2035, "baseline_year": 2023, "better": "lower", "names": {"sv": "Arbete"}}
    with pytest.raises((InputError, ValueError), match="names"):
        goals_from_dict({"kind": "goals", "version": 1, "id": "x", "source": {"document": "t"}, "goals": [goal]})


def _goal_publication():
    from kvarter.goals import load_goals
    from kvarter.publish.progress import protect_goals

    goals = load_goals("copenhagen-2035")
    table = protect_goals(goals, {}, 5000, DisclosurePolicy())
    return Publication(tables={"goals": table}, policy=DisclosurePolicy(), year=2024, municipality="K")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_goals_table_and_charts_show_goal_names(lang):
    from kvarter.report.html import Chart, Table, render_report
    from kvarter.report.progress import progress_sections

    (section,) = progress_sections(_goal_publication(), lang)
    table = next(b for b in section.blocks if isinstance(b, Table))
    html = render_report([type(section)("progress", [table])], lang=lang, title="t")
    cells = re.findall(r"<tr><td>([^<]*)</td>", html)
    work, sports = GOALS[lang]
    assert work in cells and sports in cells
    assert "work_gap" not in _visible(html) and "sports_clubs_gap" not in _visible(html)
    titles = [re.search(r'aria-label="([^"]*)"', b.svg).group(1) for b in section.blocks if isinstance(b, Chart)]
    assert any(t.startswith(f"{work} (") for t in titles) and any(t.startswith(f"{sports} (") for t in titles)
    assert not [t for t in titles if RAW_ID.search(t)]


def test_a_users_own_goal_file_names_its_goals_in_the_report():
    """A goal set of the user's own (not shipped) reaches the renderers on the
    publication, so its goals carry the user's own words, not the id."""
    from kvarter.goals import goals_from_dict
    from kvarter.report.html import Table, render_report
    from kvarter.report.progress import progress_sections
    from kvarter.publish.progress import protect_goals

    goal = {"id": "more_work", "indicator": "outside_labour_education_share", "group": "gap", "target": 0.05,
            "target_year": 2035, "baseline_year": 2023, "better": "lower",
            "names": {"en": "More at work", "da": "Flere i arbejde", "no": "Flere i arbeid", "nl": "Meer aan het werk"}}
    goals = goals_from_dict({"kind": "goals", "version": 1, "id": "mine", "source": {"document": "t"}, "goals": [goal]})
    pub = Publication(tables={"goals": protect_goals(goals, {}, 5000, DisclosurePolicy())}, policy=DisclosurePolicy(),
                      year=2024, municipality="K", goals=goals)
    (section,) = progress_sections(pub, "da")
    table = next(b for b in section.blocks if isinstance(b, Table))
    html = render_report([type(section)("progress", [table])], lang="da", title="t")
    assert "Flere i arbejde" in re.findall(r"<tr><td>([^<]*)</td>", html)
    assert "more_work" not in _visible(html)



def test_the_workbook_names_a_users_own_goals_in_their_words(tmp_path):
    import openpyxl

    from kvarter.goals import goals_from_dict
    from kvarter.publish.progress import protect_goals
    from kvarter.report.workbook import WorkbookGuide, write_workbook

    goal = {"id": "more_work", "indicator": "outside_labour_education_share", "group": "gap", "target": 0.05,
            "target_year": 2035, "baseline_year": 2023, "better": "lower",
            "names": {"en": "More at work", "da": "Flere i arbejde", "no": "Flere i arbeid", "nl": "Meer aan het werk"}}
    goals = goals_from_dict({"kind": "goals", "version": 1, "id": "mine", "source": {"document": "t"}, "goals": [goal]})
    table = protect_goals(goals, {}, 5000, DisclosurePolicy())
    path = write_workbook(tmp_path / "k.xlsx", {"goals": table}, guide=WorkbookGuide(lang="nl", goals=goals))
    cells = {c.value for ws in openpyxl.load_workbook(path) for row in ws.iter_rows() for c in row}
    assert "Meer aan het werk" in cells


def test_a_user_goal_without_names_reads_as_words():
    from kvarter.report.i18n import goal_name

    assert goal_name("more_green_space", "da") == "more green space"


# ------------------------------------------------------------------ effects, policy, columns
@pytest.mark.parametrize("covariate, en, da", [
    ("worked_12", "worked in the last 12 months", "i arbejde de seneste 12 måneder"),
    ("earlier_spells", "earlier benefit spells", "tidligere forløb på ydelse"),
    ("education=long_tertiary", "education: long tertiary", "uddannelse: lang videregående"),
    ("benefit=unemployment_benefit", "benefit: unemployment benefit", "ydelse: dagpenge"),
    ("sex=m", "men", "mænd"),
])
def test_effects_covariates_in_words(covariate, en, da):
    from kvarter.report.i18n import covariate_name

    assert (covariate_name(covariate, "en"), covariate_name(covariate, "da")) == (en, da)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_balance_chart_names_covariates_in_words(lang):
    from kvarter.report.effects import effects_sections
    from kvarter.report.i18n import covariate_name

    covs = ["age", "worked_12", "earlier_spells", "education=long_tertiary"]
    df = pd.DataFrame({"programme": "job_training", "covariate": covs, "persons": 400,
                       "smd_before": [0.3, -0.2, 0.15, 0.05], "smd_after": [0.02, -0.01, 0.03, 0.0]})
    t = protect(df, DisclosurePolicy(), key=["programme", "covariate"], value_columns=["smd_before", "smd_after"],
                count_column="persons")
    (section,) = effects_sections(Publication(tables={"effects_balance": t}, policy=DisclosurePolicy()), lang)
    svg = section.blocks[0].svg
    assert all(f">{covariate_name(c, lang)}<" in svg.replace("&#x27;", "'") for c in covs)
    assert not RAW_ID.search(_visible(svg)), RAW_ID.findall(_visible(svg))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_policy_settings_and_definitions_read_as_words(lang):
    from kvarter.report.html import Methods, render_report

    policy = DisclosurePolicy().to_dict()
    methods = Methods(sources=[{"dataset": "area_figures", "source": "kvarter demo"}],
                      indicators=[{"indicator": "non_western_share", "definition": "persons with origin non_western"}],
                      policy=policy)
    html = render_report([], lang=lang, methods=methods, title="t")
    body = html.split("<body", 1)[1].split("<script", 1)[0]
    for key in policy:
        assert f"<dt>{key}</dt>" not in body
    # ids a reader types (tables in the store, indicator ids beside their names) are marked as code
    assert "<code>area_figures</code>" in body and "<code>non_western_share</code>" in body
    from kvarter.report.i18n import label

    assert f"<td>{label('non_western_share', lang)}</td>" in body.replace("&#x27;", "'")
    text = re.sub(r"<code>.*?</code>", "", body)
    assert not RAW_ID.search(_visible(text)), RAW_ID.findall(_visible(text))


@pytest.mark.parametrize("column", ["share_numerator", "sum_value", "slope_low", "slope_high", "share_native",
                                    "units_per_1000", "below_min_person_years", "lock_in_months", "job_training",
                                    "min_count", "dominance_n", "protect_complement", "composite_gap",
                                    "sports_club_share", "new_residents"])
def test_columns_and_terms_once_shown_as_ids_have_labels_in_four_languages(column):
    from kvarter.report.i18n import label

    texts = [label(column, lg) for lg in LANGUAGES]
    assert all(t != column and not RAW_ID.search(t) for t in texts), texts


def test_a_reason_naming_a_cell_names_the_indicator_by_its_label():
    from kvarter.report.frames import published
    from kvarter.report.i18n import label

    df = pd.DataFrame({"k": ["a", "b"], "v": [0.2, 0.3], "n": [100, 100],
                       "v_status": ["published", "secondary"], "n_status": ["published", "published"]})
    t = protect(df[["k", "v", "n"]], DisclosurePolicy(), key=["k"], value_columns=["v"], count_column="n")
    f = t.frame.copy()
    f.loc[1, "v_status"] = "secondary"
    f.loc[1, "v_reason"] = ("depends on the suppressed cell non_western_share (area A, 2024) "
                            "of the published table 'indicators'")
    from kvarter.report.frames import _reasons_in_words

    worded = _reasons_in_words(f, ["v_reason"], "da")["v_reason"].iat[1]
    assert label("non_western_share", "da") in worded and "non_western_share" not in worded
    assert published(t, "test", "en").frame is not None  # the gate itself still lets the table through


# ------------------------------------------------------------------ slopes
def _segregation_part():
    from kvarter.publish.publication import SegregationPart
    from kvarter.publish.segregation import protect_segregation
    from kvarter.segregation import analyse_segregation
    from kvarter.segregation.groups import ThemeSet

    ts = ThemeSet.model_validate({"kind": "segregation_themes", "version": 1, "source": "test",
        "themes": [{"name": "origin", "field": "origin", "pairs": [["native", "western"]],
                    "groups": {"native": {"values": ["native"]}, "western": {"values": ["western"]}}}]})
    rows = []
    for k, year in enumerate(range(2016, 2024)):
        # D drifts by a few thousandths a year: a slope that two decimals show as 0.00
        a = 400 + 3 * k
        for unit, (nat, wes) in {"s1": (a, 100), "s2": (1000 - a, 400), "s3": (500, 500)}.items():
            rows += [{"municipality": "M", "year": year, "unit": unit, "group": "native", "n": nat},
                     {"municipality": "M", "year": year, "unit": unit, "group": "western", "n": wes},
                     {"municipality": "M", "year": year, "unit": unit, "group": "total", "n": nat + wes}]
    analysis = analyse_segregation(pd.DataFrame(rows), themes=ts, indices=("dissimilarity",), permutations=0,
                                   bootstrap=0, min_unit_size=0, min_municipality_size=0)
    tables = protect_segregation(analysis, DisclosurePolicy(), "school")
    return SegregationPart(key="segregation_schools", prefix="school", tables=tables, order=("M",))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_segregation_trend_slopes_follow_the_one_precision_rule(lang):
    from kvarter.report.html import Table, render_report
    from kvarter.report.i18n import format_number, slope_decimals
    from kvarter.report.sections import build_sections

    part = _segregation_part()
    trends = part.tables["school_trends_d"].frame
    slope = float(trends["slope"].iloc[0])
    assert 0 < abs(slope) < 0.005  # the case two decimals hide
    pub = Publication(tables={}, policy=DisclosurePolicy(), segregation=(part,))
    (section,) = [s for s in build_sections(pub, lang) if s.title_key == "segregation_schools"]
    table = [b for b in section.blocks if isinstance(b, Table)][-1]
    html = render_report([type(section)("segregation", [table])], lang=lang, title="t")
    expected = format_number(slope, lang, slope_decimals(slope))
    assert slope_decimals(slope) >= 3
    assert f">{expected}</td>" in html


# ------------------------------------------------------------------ currency from the catalogue in use
def _euro_catalogue():
    from kvarter.indicators import load_catalogue

    cat = load_catalogue()
    return cat.model_copy(update={"indicators": [
        i.model_copy(update={"currency": "EUR"}) if i.currency else i for i in cat.indicators]})


def test_the_currency_comes_from_the_publications_catalogue():
    from kvarter.report.sections import build_sections

    df = pd.DataFrame({"panel": "income_panel", "category": "household_income_mean", "group": ["area", "municipality"],
                       "value": [41234.6, 50000.0], "n": [800, 9000]})
    t = protect(df, DisclosurePolicy(), key=["panel", "category", "group"], value_columns=["value"], count_column="n")
    pub = Publication(tables={}, policy=DisclosurePolicy(), year=2024, municipality="K",
                      profile={"income_panel": t}, percent={"income_panel": False}, catalogue=_euro_catalogue())
    (svg,) = [b.svg for s in build_sections(pub, "nl") if s.title_key == "profiles" for b in s.blocks]
    assert f">41.235{NB}EUR</text>" in svg and "DKK" not in svg


def test_render_publication_hands_the_catalogue_in_use_to_the_sections(tmp_path):
    from kvarter.report.render import render_publication

    df = pd.DataFrame({"panel": "income_panel", "category": "household_income_mean", "group": ["area", "municipality"],
                       "value": [41234.6, 50000.0], "n": [800, 9000]})
    t = protect(df, DisclosurePolicy(), key=["panel", "category", "group"], value_columns=["value"], count_column="n")
    pub = Publication(tables={"income": t}, policy=DisclosurePolicy(), year=2024, municipality="K",
                      profile={"income_panel": t}, percent={"income_panel": False})
    pages, _, _ = render_publication(pub, tmp_path, lang=["en"], catalogue=_euro_catalogue())
    html = pages["en"].read_text(encoding="utf-8")
    assert f"EUR{NB}41,235" in html and "DKK" not in html
