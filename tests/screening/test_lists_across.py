"""The state's lists against each other (issue 9): whether a parallel society is also a
prevention area under the 2024 law, what it would take to leave one list given the
others' rules, areas nobody lives in, and criteria that cannot be computed."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from kvarter.screening import BUILTIN_RULESETS, criteria_long, load_ruleset, ruleset_from_dict, screen
from kvarter.screening.run import run_screening

# § 61 b, LBK nr. 1171 af 11. november 2024, written out here from the law's text:
#   a housing area (§ 61 a, stk. 3: at least 1,000 residents) where non-western immigrants and
#   descendants "overstiger 30 pct." and at least two of: (1) 18-64 outside work and education
#   "overstiger 30 pct." (2-year average); (2) convicted "udgør mindst to gange landsgennemsnittet";
#   (3) 30-59 with basic schooling only "overstiger 60 pct."; (4) gross income "udgør mindre end
#   65 pct." of the region's.
# § 61 a, stk. 1: at least two of the same four at 40 %, three times, 60 % and 55 %; stk. 2: a
# parallel society is such an area with non-western "overstiger 50 pct."; stk. 4: a transformation
# area has met stk. 2 in each of the last 5 years.


def section_61b(row: dict) -> bool:
    """§ 61 b's text alone, in plain Python."""
    four = [row["outside_labour_education_share"] > 0.30, row["convicted_ratio_to_national"] >= 2.0,
            row["basic_education_share"] > 0.60, row["income_ratio_to_region"] < 0.65]
    return row["residents"] >= 1000 and row["non_western_share"] > 0.30 and sum(four) >= 2


def section_61a_1(row: dict) -> bool:
    four = [row["outside_labour_education_share"] > 0.40, row["convicted_ratio_to_national"] >= 3.0,
            row["basic_education_share"] > 0.60, row["income_ratio_to_region"] < 0.55]
    return row["residents"] >= 1000 and sum(four) >= 2


PARALLEL = {"non_western_share": 0.62, "outside_labour_education_share": 0.45, "income_ratio_to_region": 0.50}
DEPRIVED = {"non_western_share": 0.45, "outside_labour_education_share": 0.45, "income_ratio_to_region": 0.50}
PREVENTION = {"non_western_share": 0.31, "outside_labour_education_share": 0.35, "income_ratio_to_region": 0.60}
AT_30 = {"non_western_share": 0.30, "outside_labour_education_share": 0.35, "income_ratio_to_region": 0.60}
AT_65 = {"non_western_share": 0.40, "outside_labour_education_share": 0.35, "income_ratio_to_region": 0.65}
TWICE = {"non_western_share": 0.40, "convicted_ratio_to_national": 2.0, "basic_education_share": 0.61}


def test_a_prevention_area_is_not_a_deprived_housing_area_under_the_shipped_rule_set(make_user_table):
    rows = [PARALLEL, DEPRIVED, PREVENTION, AT_30, AT_65, TWICE]
    table = make_user_table(rows)
    m = screen(table, "dk-2024", 2024, derive_history=False).membership()
    full = table.to_dict("records")
    # § 61 b's criteria alone hold for the parallel society and the deprived area too ...
    assert [section_61b(r) for r in full] == [True, True, True, False, False, True]
    assert [section_61a_1(r) for r in full] == [True, True, False, False, False, False]
    # ... and the rule set follows the published lists: a prevention area is not on § 61 a, stk. 1's list.
    want = [a and not b for a, b in zip(map(section_61b, full), map(section_61a_1, full))]
    assert m["forebyggelsesomraade"].tolist() == want == [False, False, True, False, False, True]
    assert m["udsat_boligomraade"].tolist() == [True, True, False, False, False, False]
    assert m["parallelsamfund"].tolist() == [True, False, False, False, False, False]
    assert not (m["forebyggelsesomraade"] & (m["parallelsamfund"] | m["udsat_boligomraade"])).any()


def test_the_decision_is_documented_in_the_rule_set_and_the_literal_reading_is_one_line_away(make_user_table):
    rs = load_ruleset("dk-2024")
    assert "§ 61 b" in rs.interpretation and "published lists" in rs.interpretation
    assert "{not: udsat_boligomraade}" in rs.interpretation
    data = yaml.safe_load(BUILTIN_RULESETS["dk-2024"].read_text(encoding="utf-8"))
    data["lists"]["forebyggelsesomraade"]["rule"]["all"] = [
        r for r in data["lists"]["forebyggelsesomraade"]["rule"]["all"] if r != {"not": "udsat_boligomraade"}]
    data["id"] = "dk-2024-literal"
    literal = ruleset_from_dict(data, "literal")
    m = screen(make_user_table([PARALLEL, PREVENTION]), literal, 2024, derive_history=False).membership()
    assert m["forebyggelsesomraade"].tolist() == [True, True]


def test_a_transformation_area_is_not_a_prevention_area():
    rows = []
    for y in range(2019, 2025):
        rows.append({"area_id": "t", "year": y, "residents": 1500, "convicted_ratio_to_national": 0.5,
                     "basic_education_share": 0.2, "convicted_share": 0.005, **PARALLEL})
    m = screen(pd.DataFrame(rows), "dk-2024", 2024).membership()
    assert m[["parallelsamfund", "omdannelsesomraade", "forebyggelsesomraade"]].values.tolist() == [[True, True, False]]


def test_what_it_takes_to_leave_a_list_says_where_the_area_lands(make_user_table):
    table = make_user_table([
        {**PARALLEL, "outside_labour_education_share_numerator": 900,
         "outside_labour_education_share_denominator": 2000},
        {**PREVENTION, "income_ratio_to_region": 0.50},  # meets § 61 a's income criterion too, alone
    ])
    w = screen(table, "dk-2024", 2024, derive_history=False).what_if
    par = w[(w.area_id == "a0") & (w.list == "parallelsamfund")].set_index("criterion")
    # 900 of 2000 (45 %) -> at most 800 (40 %): 100 more in work; then 2 of 4 fail and the
    # area is a deprived housing area no longer, but still meets § 61 b: a prevention area.
    assert par.loc["employment", "change"] == "100 more residents aged 18-64 in work or education"
    assert par.loc["employment", "lists_after"] == "forebyggelsesomraade"
    assert bool(par.loc["employment", "sufficient"])
    # Non-western down to 50 %: no longer a parallel society, still a deprived housing area.
    assert par.loc["non_western", "lists_after"] == "udsat_boligomraade"
    assert bool(par.loc["non_western", "sufficient"])
    assert sorted(par.index) == ["employment", "income", "non_western"]
    prev = w[(w.area_id == "a1") & (w.list == "forebyggelsesomraade")].set_index("criterion")
    # Only § 61 b's criteria are ways out of the prevention list; § 61 a's income criterion, met
    # here, keeps nothing in place (it counts against being a deprived housing area).
    assert sorted(prev.index) == ["prevention_employment", "prevention_income", "prevention_non_western"]
    assert prev["sufficient"].all() and (prev["lists_after"] == "").all()
    # Raising the income to 65 % of the region's also ends § 61 a's 55 % criterion.
    assert prev.loc["prevention_income", "change"] == "average gross income 30.0 % higher (0.5 → 0.65 of the region's)"


def test_no_way_out_is_offered_from_a_list_held_by_another_rule_sets_list():
    # U1 meets two of the city's seven criteria (not screened in) and contains H1, a deprived
    # housing area on the state's list: it is a deprived urban area only because of H1.
    city = {"basic_education_share": 0.20, "outside_labour_education_share": 0.20, "no_youth_education_share": 0.10,
            "child_poverty_share": 0.10, "chronic_condition_share": 0.20, "charged_per_1000": 10.0}
    u1 = {"residents": 5000, "income_ratio_to_municipality": 1.0, **city,
          "basic_education_share": 0.40, "outside_labour_education_share": 0.40}
    u2 = {**u1, "no_youth_education_share": 0.20, "child_poverty_share": 0.20}  # four of seven: screened in
    h1 = {"residents": 1500, "outside_labour_education_share_2y": 0.45, "income_ratio_to_region": 0.5,
          "basic_education_share": 0.2, "convicted_ratio_to_national_2y": 1.0, "non_western_share": 0.2,
          "income_ratio_to_municipality": 1.0, **{k: v for k, v in city.items() if k != "basic_education_share"}}
    rows = [{"indicator": k, "level": "area", "unit_id": a, "municipality": "K", "region": "R", "year": 2024, "value": v}
            for a, vals in (("U1", u1), ("U2", u2), ("H1", h1)) for k, v in vals.items()]
    rows += [{"indicator": k, "level": "municipality", "unit_id": "K", "municipality": "K", "region": "R",
              "year": 2024, "value": v} for k, v in city.items()]
    areas = pd.DataFrame({"area_id": ["U1", "U2", "H1"], "name": ["U1", "U2", "H1"], "municipality": "K",
                          "region": "R", "kind": ["urban_area", "urban_area", "housing_area"],
                          "parent_area": [None, None, "U1"], "social_housing": [False, False, True]})
    r = screen(pd.DataFrame(rows), "city-7", 2024, areas=areas)
    m = r.membership().set_index("area_id")
    assert m["udsat_byomraade"].to_dict() == {"U1": True, "U2": True, "H1": True}
    met = r.criteria[r.criteria.met].groupby("area_id")["criterion"].apply(sorted).to_dict()
    assert met["U1"] == ["education", "employment"]
    w = r.what_if
    assert w[w.area_id == "U1"].empty  # lowering its own two criteria would not take it off
    u2_rows = w[(w.area_id == "U2") & (w.list == "udsat_byomraade")]
    assert sorted(u2_rows["criterion"]) == ["child_poverty", "education", "employment", "youth_education"]
    assert u2_rows["sufficient"].all()


ZERO = {"residents": 0, "outside_labour_education_share": None, "convicted_ratio_to_national": None,
        "basic_education_share": None, "income_ratio_to_region": None, "non_western_share": None}


def test_an_area_nobody_lives_in_is_screened_said_and_never_designated(make_user_table):
    table = make_user_table([PARALLEL, ZERO]).assign(social_housing=True)
    r = screen(table, "dk-2024", 2024, derive_history=False)
    assert r.areas.set_index("area_id").loc["a1", ["residents", "in_population", "population_note"]].tolist() == [
        0, False, "no residents"]
    crit = r.criteria[r.criteria.area_id == "a1"]
    assert len(crit) == 10 and not crit["computable"].any() and not crit["met"].any()
    assert set(crit["note"]) == {"no residents"}
    lists = r.lists[r.lists.area_id == "a1"]
    assert not lists["designated"].any() and set(lists["history"]) == {"not listed (no residents)"}
    text = r.explanation("a1")
    assert "employment: not met — no residents; the criterion cannot be computed" in text
    assert "Nobody lives in the area: no criterion can be computed and it is on no list." in text
    assert r.what_if[r.what_if.area_id == "a1"].empty
    assert criteria_long(r).set_index(["area_id", "criterion"]).loc[("a1", "income"), "computable"] == False  # noqa: E712


def test_an_area_nobody_lives_in_stays_in_the_published_criteria_and_history(make_user_table):
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.publish.screening import protect_history, protect_screening

    run = run_screening(["dk-2024"], 2024, values=make_user_table([PARALLEL, ZERO]))
    tables = protect_screening(run, 2024, DisclosurePolicy())
    crit = tables["criteria"].public_frame()
    zero = crit[crit.area_id == "a1"]
    assert len(zero) == 10 and set(zero["value_status"]) == {"structural_zero"}
    assert set(zero["persons"]) == {0}
    residents = pd.DataFrame({"area_id": ["a0", "a1"], "year": [2024, 2024], "residents": [2000, 0]})
    h = protect_history(run.designations, residents, DisclosurePolicy()).frame
    hz = h[h.area_id == "a1"]
    assert len(hz) == 4 and not hz["designated"].any()
    assert set(hz["change"]) == {"not listed (no residents)"} and set(hz["residents"]) == {0}


def test_explain_says_a_criterion_cannot_be_computed_instead_of_suppressed(tmp_path, make_user_table, monkeypatch):
    from kvarter.cli.main import app

    monkeypatch.chdir(tmp_path)  # no kvarter.duckdb of the working directory joins the user's values

    table = make_user_table([{**PARALLEL, "income_ratio_to_region": None}, ZERO, PARALLEL])
    csv = tmp_path / "values.csv"
    table.to_csv(csv, index=False)
    runner = CliRunner(env={"COLUMNS": "250"})
    for area, line in (("a0", "dk-2024 income: cannot be computed — income_ratio_to_region not given for 2024; "
                               "counts as not met"),
                       ("a1", "dk-2024 employment: cannot be computed — no residents; counts as not met")):
        res = runner.invoke(app, ["screen", "--ruleset", "dk-2024", "--year", "2024", "--values", str(csv),
                                  "--explain", area])
        assert res.exit_code == 0, res.output
        assert line in res.output
        assert "suppressed" not in res.output
    res = runner.invoke(app, ["screen", "--ruleset", "dk-2024", "--year", "2024", "--values", str(csv), "--explain", "a2"])
    assert ("dk-2024 parallelsamfund: employment: employment must fall to 0.4 from 0.45 (11.1 %; no counts known, so "
            "a relative change) — alone enough to leave the list; then on forebyggelsesomraade") in res.output


@pytest.mark.parametrize(("ruleset", "year"), [("dk-2024", 2024), ("dk-2010", 2012)])
def test_the_wide_view_has_a_column_per_list_and_criterion(ruleset, year, make_user_table):
    r = screen(make_user_table([PARALLEL, DEPRIVED], year), ruleset, year, derive_history=False)
    wide = r.wide()
    rs = load_ruleset(ruleset)
    for lid in rs.lists:
        assert wide[lid].tolist() == r.list_rows(lid)["designated"].tolist()
        assert wide[f"{lid}_rule"].tolist() == r.list_rows(lid)["rule"].tolist()
    for cid in rs.criteria:
        assert wide[f"{cid}_met"].tolist() == r.criterion(cid)["met"].tolist()
    assert wide["explanation"].tolist() == r.explanations["explanation"].tolist()


def test_the_city_screening_includes_the_states_prevention_areas():
    # Copenhagen 2025: the 15 prevention areas of 2024 "vil derfor automatisk blive udpeget som
    # udsatte byområder" (seed 004). H2 is a prevention area and nothing else.
    city = {"basic_education_share": 0.20, "outside_labour_education_share": 0.20, "no_youth_education_share": 0.10,
            "child_poverty_share": 0.10, "chronic_condition_share": 0.20, "charged_per_1000": 10.0}
    h2 = {"residents": 1500, "outside_labour_education_share_2y": 0.35, "income_ratio_to_region": 0.60,
          "basic_education_share": 0.2, "convicted_ratio_to_national_2y": 1.0, "non_western_share": 0.35,
          "income_ratio_to_municipality": 1.0, **{k: v for k, v in city.items() if k != "basic_education_share"}}
    rows = [{"indicator": k, "level": "area", "unit_id": "H2", "municipality": "K", "region": "R", "year": 2024,
             "value": v} for k, v in h2.items()]
    rows += [{"indicator": k, "level": "municipality", "unit_id": "K", "municipality": "K", "region": "R",
              "year": 2024, "value": v} for k, v in city.items()]
    areas = pd.DataFrame({"area_id": ["H2"], "name": ["H2"], "municipality": ["K"], "region": ["R"],
                          "kind": ["housing_area"], "parent_area": [None], "social_housing": [True]})
    state = screen(pd.DataFrame(rows), "dk-2024", 2024, areas=areas, derive_history=False).membership()
    assert state[["udsat_boligomraade", "forebyggelsesomraade"]].values.tolist() == [[False, True]]
    r = screen(pd.DataFrame(rows), "city-7", 2024, areas=areas)
    assert r.membership()[["screened", "udsat_byomraade"]].values.tolist() == [[False, True]]
    assert r.list_rows("udsat_byomraade")["rule"].iloc[0].endswith("on the dk-2024 list(s) forebyggelsesomraade)")


def test_a_users_rule_set_file_gets_its_what_if_from_the_rules_applied(tmp_path, make_user_table):
    # The result carries the rule set as applied: nothing reloads "mine" by its id (not a built-in).
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({
        "kind": "ruleset", "version": 1, "id": "mine", "title": "Mine", "source": {"document": "test"},
        "criteria": {"poor": {"label": "low income", "indicator": "income_ratio_to_region", "op": "<",
                              "threshold": 0.7, "what_if": {"mode": "relative", "template": "income {pct} higher"}}},
        "lists": {"low_income": {"label": "Low income", "rule": "poor"}}}), encoding="utf-8")
    run = run_screening([str(path)], 2024, values=make_user_table([{"income_ratio_to_region": 0.56}]))
    assert run.what_if[["list", "criterion", "change", "sufficient", "lists_after"]].values.tolist() == [
        ["low_income", "poor", "income 25.0 % higher", True, ""]]
    assert run.summary["mine"].tolist() == ["low_income"]


def test_the_result_tables_have_the_documented_columns_and_keys(make_user_table):
    from kvarter.screening import result as R

    r = screen(make_user_table([PARALLEL, DEPRIVED, ZERO]), "dk-2024", 2024, derive_history=False)
    assert tuple(r.areas.columns) == R.AREA_COLUMNS and len(r.areas) == 3
    assert tuple(r.criteria.columns) == R.CRITERIA_COLUMNS and len(r.criteria) == 3 * 10
    assert tuple(r.lists.columns) == R.LIST_COLUMNS and len(r.lists) == 3 * 4
    assert tuple(r.explanations.columns) == R.EXPLANATION_COLUMNS and len(r.explanations) == 3
    assert tuple(r.what_if.columns) == R.WHAT_IF_COLUMNS
    for t in (r.areas, r.criteria, r.lists, r.explanations, r.what_if):
        assert set(t["ruleset"]) == {"dk-2024"} and set(t["year"]) == {2024}
    both = R.ScreeningResult.concat([r, screen(make_user_table([PARALLEL], 2019), "dk-2018", 2019,
                                                derive_history=False)])
    assert len(both.areas) == 4 and set(both.rulesets) == {"dk-2024", "dk-2018"}
    assert len(both.select(ruleset="dk-2018").lists) == 3 and both.select(year=2024, area_ids=["a1"]).areas.shape[0] == 1
