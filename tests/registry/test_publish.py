"""The registry published: the example initiatives on a demo store, through
disclosure control, in the report's "Initiatives" section and the workbook.

Expected figures are computed here from the example file (read as plain YAML)
and from the persons table (counted with pandas), not by the code under test.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from kvarter.disclosure import DisclosurePolicy
from kvarter.registry.examples import DEMOBY_EXAMPLES, seed_examples
from kvarter.store import Store

YEARS = [2024]  # one year: protecting the indicator table dominates the time

#: The tests on the demo store protect its whole indicator table first (a
#: few minutes on a busy machine), so they are slow.
slow = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A small Demoby store (three years) seeded with the example initiatives."""
    from kvarter.demo import synthesize

    data = synthesize(persons=30_000, areas=40, schools=16, years=YEARS, seed=0)
    path = tmp_path_factory.mktemp("registry_publish") / "demo.duckdb"
    with Store(path) as s:
        s.load_many({k: data[k] for k in ("areas", "schools", "persons")})
        seed_examples(s)
    return path, data


@pytest.fixture(scope="module")
def publication(demo):
    from kvarter.jobs.registry import registry_publication

    with Store(demo[0]) as s:
        return registry_publication(s, DisclosurePolicy(min_count=5))


@pytest.fixture(scope="module")
def examples():
    return yaml.safe_load(DEMOBY_EXAMPLES.read_text(encoding="utf-8"))["initiatives"]


def _residents(persons: pd.DataFrame, area: str, year: int) -> int:
    return int(((persons["area_id"] == area) & (persons["year"] == year)).sum())


@slow
def test_one_row_per_initiative_and_area_with_its_residents(publication, examples, demo):
    persons = demo[1]["persons"]
    f = publication["initiatives"].frame
    expected = {(e["id"], a) for e in examples for a in e["areas"]}
    assert set(zip(f["initiative"], f["area_id"])) == expected
    for r in f.itertuples():
        n = _residents(persons, r.area_id, 2024)
        if r.residents_status == "published":
            assert r.residents == n, (r.initiative, r.area_id)
        else:  # suppressed: fewer than 5 residents, or hidden in the indicator table
            assert r.residents_reason


@slow
def test_rows_follow_the_indicator_tables_residents_cell(publication):
    from kvarter.publish.links import hidden_cells

    hidden = hidden_cells(publication["indicators"])
    f = publication["initiatives"].frame
    for r in f.itertuples():
        cell_hidden = ("residents", "area", r.area_id, 2024) in hidden
        assert (r.status_status == "published") == (not cell_hidden and r.residents_status == "published"), r


@slow
def test_texts_evidence_and_principles_as_registered(publication, examples):
    f = publication["initiatives"].frame.set_index(["initiative", "area_id"])
    for e in examples:
        for a in e["areas"]:
            row = f.loc[(e["id"], a)]
            assert row["name"] == e["name"]
            if row["status_status"] == "published":
                assert row["status"] == e["status"]
                assert row["principles"] == ", ".join(e.get("principles", []))
                assert row["evaluations"] == len(e.get("evidence", []))
    ev = publication["initiative_evidence"].frame
    assert len(ev) == sum(len(e.get("evidence", [])) for e in examples)
    jobs = ev[ev["initiative"] == "ex-jobkonsulenter"].iloc[0]
    assert (jobs["scale"], jobs["level"], jobs["effect"], jobs["effect_low"], jobs["effect_high"]) == \
        ("sms", "3", 0.031, 0.008, 0.054)
    p = publication["principles_served"].frame
    assert len(p) == sum(len(e.get("principles", [])) for e in examples)
    five = p[(p["principle"] == "gentofte:5") & (p["initiative"] == "ex-jobkonsulenter")].iloc[0]
    assert (five["title_en"], five["title_da"]) == ("Governance", "Styring")


def _by_hand(persons: pd.DataFrame, indicator: str, where) -> tuple[float, int]:
    """(value, persons behind it) of three catalogue indicators, counted with pandas."""
    if indicator == "employed_share_18_64":
        p = persons[where & persons["age"].between(18, 64) & persons["labour_status"].notna()]
        return float((p["labour_status"] == "employed").mean()), len(p)
    if indicator == "charged_per_1000":
        p = persons[where & (persons["age"] >= 15)]
        return float(p["charged"].astype(bool).sum() / len(p) * 1000), len(p)
    if indicator == "no_youth_education_share":
        p = persons[where & persons["age"].between(20, 24)]
        return float(((p["in_youth_education"] == False) & (p["education"] == "basic")).mean()), len(p)  # noqa: E712
    raise KeyError(indicator)


@slow
def test_outcome_values_are_the_indicator_cells_counted_by_hand(publication, examples, demo):
    persons = demo[1]["persons"]
    o = publication["initiative_outcomes"].frame
    muni_of = dict(zip(demo[1]["areas"]["area_id"], demo[1]["areas"]["municipality"]))
    checked = 0
    for r in o.itertuples():
        if r.indicator not in ("employed_share_18_64", "charged_per_1000", "no_youth_education_share"):
            continue
        assert r.year == 2024
        if r.value_status != "published":
            assert r.value_reason and pd.isna(r.value)
            continue
        value, n = _by_hand(persons, r.indicator, (persons["area_id"] == r.area_id) & (persons["year"] == 2024))
        assert (r.value, r.persons) == (pytest.approx(value, abs=1e-12), n), r
        muni, _ = _by_hand(persons, r.indicator, (persons["municipality"] == muni_of[r.area_id])
                           & (persons["year"] == 2024))
        assert r.municipality_value == pytest.approx(muni, abs=1e-12)
        checked += 1
    assert checked >= 3
    jobs = o[(o["initiative"] == "ex-jobkonsulenter") & (o["indicator"] == "employed_share_18_64")].iloc[0]
    assert (jobs["baseline"], jobs["target"], jobs["target_year"]) == (0.62, 0.68, 2025)
    # every outcome of every initiative in every area with data has a row
    expected = {(e["id"], a, out["indicator"]) for e in examples for out in e.get("outcomes", []) for a in e["areas"]}
    assert set(zip(o["initiative"], o["area_id"], o["indicator"])) == expected


@slow
def test_no_published_outcome_rests_on_a_hidden_cell(publication, demo):
    from kvarter.publish.links import hidden_cells

    hidden = hidden_cells(publication["indicators"])
    o = publication["initiative_outcomes"].frame
    published = o[o["value_status"] == "published"]
    assert len(published)
    for r in published.itertuples():
        assert (r.indicator, "area", r.area_id, int(r.year)) not in hidden, r
        muni = demo[1]["areas"].set_index("area_id").loc[r.area_id, "municipality"]
        assert (r.indicator, "municipality", muni, int(r.year)) not in hidden, r


@slow
def test_hiding_one_indicator_cell_suppresses_the_outcome_rows_on_it(demo, publication):
    # The same tables re-made with one more hidden cell: that of the first
    # published outcome row. Exactly the rows resting on it go, reason "linked".
    from kvarter.jobs.indicators import indicator_table
    from kvarter.publish.links import hidden_cells
    from kvarter.publish.registry import protect_registry
    from kvarter.registry import Registry

    o = publication["initiative_outcomes"].frame
    first = o[o["value_status"] == "published"].iloc[0]
    cell = (first["indicator"], "area", first["area_id"], 2024)
    with Store(demo[0]) as s:
        reg = Registry(s)
        ind = indicator_table(s)
        tables = protect_registry(reg.initiatives(), reg.principle_sets(), ind, 2024, DisclosurePolicy(min_count=5),
                                  areas=s.read("areas"), hidden=hidden_cells(publication["indicators"]) | {cell})
    before = publication["initiative_outcomes"].frame.set_index(["initiative", "area_id", "indicator"])
    after = tables["initiative_outcomes"].frame.set_index(["initiative", "area_id", "indicator"])
    changed = after.index[(after["value_status"] != before["value_status"]).to_numpy()]
    on_cell = o[(o["indicator"] == cell[0]) & (o["area_id"] == cell[2])]
    assert sorted(changed) == sorted(zip(on_cell["initiative"], on_cell["area_id"], on_cell["indicator"]))
    row = after.loc[changed[0]]
    assert pd.isna(row["value"]) and pd.isna(row["persons"]) and pd.isna(row["municipality_value"])
    assert row["value_reason"] == "depends on a figure suppressed in another published table"


@slow
def test_section_and_sheets(publication, tmp_path):
    from openpyxl import load_workbook

    from kvarter.report.render import render_publication
    from kvarter.report.sections import build_sections

    for lang, title in (("en", "Initiatives"), ("da", "Indsatser"), ("no", "Tiltak"), ("nl", "Initiatieven")):
        sections = [s for s in build_sections(publication, lang) if s.title_key == "initiatives"]
        assert len(sections) == 1
        kinds = [type(b).__name__ for b in sections[0].blocks]
        assert kinds.count("Table") == 4, kinds
    pages, workbook, paths = render_publication(publication, tmp_path, lang=["en", "da", "no", "nl"])
    html = pages["da"].read_text(encoding="utf-8")
    assert ">Indsatser</h2>" in html and "Udgående jobkonsulenter (eksempel)" in html and "Styring" in html
    assert ">Tiltak</h2>" in pages["no"].read_text(encoding="utf-8")
    sheets = load_workbook(workbook, read_only=True).sheetnames
    assert {"initiatives", "initiative_outcomes", "initiative_evidence", "principles_served"} <= set(sheets)
    assert {"initiatives", "initiative_outcomes"} <= set(paths)


def test_labels_in_four_languages():
    from kvarter.report.i18n import LABELS, LANGUAGES
    from kvarter.report.i18n_registry import ROWS

    for key in ROWS:
        assert set(LABELS[key]) == set(LANGUAGES) and all(LABELS[key].values()), key


def test_no_registry_no_section(tmp_path):
    from kvarter.jobs.registry import registry_tables

    with Store(tmp_path / "empty.duckdb") as s:
        assert registry_tables(s, pd.DataFrame(), set(), pd.DataFrame(), 2024, DisclosurePolicy()) == {}


def _hand_made():
    from kvarter.registry import Initiative

    rec = Initiative.model_validate({
        "id": "job", "name": "Jobcafé", "areas": ["A", "B"], "status": "running", "start": "2022-01-01",
        "principles": ["gentofte:5"], "outcomes": [{"indicator": "employed_share_18_64", "better": "higher",
                                                    "baseline": 0.6, "target": 0.7}]})
    ind = pd.DataFrame({
        "indicator": ["residents", "residents", "employed_share_18_64", "employed_share_18_64", "employed_share_18_64"],
        "level": ["area", "area", "area", "area", "municipality"], "unit_id": ["A", "B", "A", "A", "K"],
        "municipality": "K", "year": [2024, 2024, 2023, 2024, 2024], "value": [1200.0, 3.0, 0.66, 0.70, 0.75],
        "numerator": [1200.0, 3.0, 528.0, 560.0, 7500.0], "denominator": [None, None, 800.0, 800.0, 10000.0],
        "persons": [1200.0, 3.0, 800.0, 800.0, 10000.0]})
    areas = pd.DataFrame({"area_id": ["A", "B"], "name": ["Parken", "Haven"], "municipality": "K", "region": "R"})
    return rec, ind, areas


def test_hand_made_rows_and_suppression():
    from kvarter.publish.registry import protect_registry
    from kvarter.registry import builtin_principle_sets

    rec, ind, areas = _hand_made()
    t = protect_registry([rec], builtin_principle_sets(), ind, 2024, DisclosurePolicy(min_count=5), areas=areas)
    i = t["initiatives"].frame.set_index("area_id")
    # B has 3 residents: its row goes (primary), A's is published
    assert (i.loc["A", "status"], i.loc["A", "residents"]) == ("running", 1200.0)
    assert i.loc["B", "status_status"] == "primary" and pd.isna(i.loc["B", "status"])
    o = t["initiative_outcomes"].frame
    assert o[["area_id", "year", "value", "municipality_value", "persons", "share_numerator"]].values.tolist() == [
        ["A", 2024, 0.70, 0.75, 800.0, 560.0]]
    # the evidence-less initiative has no evidence table; its principle row counts both areas' residents,
    # and is linked when one of them is hidden in the indicator table
    assert "initiative_evidence" not in t
    assert t["principles_served"].frame["residents"].tolist() == [1203.0]
    t2 = protect_registry([rec], builtin_principle_sets(), ind, 2024, DisclosurePolicy(min_count=5), areas=areas,
                          hidden={("residents", "area", "B", 2024), ("employed_share_18_64", "municipality", "K", 2024)})
    # linked rows break no rule themselves: secondary (issue 8)
    assert t2["principles_served"].frame["title_en_status"].tolist() == ["secondary"]
    assert t2["initiative_outcomes"].frame["value_status"].tolist() == ["secondary"]
    assert t2["initiatives"].frame.set_index("area_id").loc["A", "status_status"] == "published"


def test_withdrawn_initiatives_are_not_published():
    from kvarter.publish.registry import protect_registry
    from kvarter.registry import builtin_principle_sets

    rec, ind, areas = _hand_made()
    gone = rec.model_copy(update={"withdrawn": True})
    assert protect_registry([gone], builtin_principle_sets(), ind, 2024, DisclosurePolicy(), areas=areas) == {}


@slow
def test_the_real_demo_report_has_the_initiatives_section(tmp_path, monkeypatch):
    # `kvarter demo` as a user runs it (the demo's own size: small regions make
    # secondary suppression slow): the registry is seeded
    # after loading and the report carries the section and the sheets.
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from kvarter.cli.main import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo", "--store", "demo.duckdb", "--out", "out",
                                      "--lang", "en,da"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert "Registry: 12 example initiatives (marked as examples)" in result.output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert ">Initiatives</h2>" in html and "Udgående jobkonsulenter (eksempel)" in html
    assert ">Indsatser</h2>" in (tmp_path / "out" / "report.da.html").read_text(encoding="utf-8")
    sheets = load_workbook(tmp_path / "out" / "kvarter.xlsx", read_only=True).sheetnames
    assert {"initiatives", "initiative_outcomes", "initiative_evidence", "principles_served"} <= set(sheets)
    assert (tmp_path / "out" / "tables" / "initiatives.csv").is_file()
