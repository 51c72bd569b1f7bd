"""Demodal's synthetic housing data: valid against the contracts and calibrated."""

from __future__ import annotations

import pytest

from kvarter.demo.housing import synthesize_housing
from kvarter.housing import checklist, load_pathways, move_out_rate, needs_overview, start_loan_assessment
from kvarter.store import Store

HOUSING_TABLES = ["areas", "persons", "dwellings", "households", "housing_applications", "start_loans",
                  "instrument_use", "settlement_requests", "housing_market", "social_housing_stock"]


def test_every_table_loads_into_the_store_under_its_contract(demodal):
    store = Store(":memory:")
    records = store.load_many({t: demodal[t] for t in HOUSING_TABLES})
    assert {r.table: r.rows for r in records} == {t: len(demodal[t]) for t in HOUSING_TABLES}


def test_same_seed_same_tables():
    a, b = synthesize_housing(households=100, seed=3), synthesize_housing(households=100, seed=3)
    for name in a:
        assert a[name].equals(b[name]), name


@pytest.fixture(scope="module")
def needs(demodal):
    return needs_overview(demodal["households"], start_loans=demodal["start_loans"])


def _overall(needs, measure, year=2024):
    return needs[(needs["level"] == "all") & (needs["measure"] == measure) & (needs["year"] == year)].iloc[0]


def test_crowding_is_calibrated_on_ssb_2023(needs):
    # SSB 2023: 6.4 % of households and 9.7 % of persons crowded
    assert 0.055 <= _overall(needs, "crowded_households_share")["value"] <= 0.075
    assert 0.085 <= _overall(needs, "crowded_persons_share")["value"] <= 0.11


def test_child_low_income_varies_by_area(needs):
    areas = needs[(needs["level"] == "area") & (needs["measure"] == "persistent_low_income_children_share")
                  & (needs["year"] == 2024)]["value"]
    assert areas.min() < 0.05 and areas.max() > 0.25
    assert 0.08 <= _overall(needs, "persistent_low_income_children_share")["value"] <= 0.18


def test_all_five_pathways_occur_among_municipal_tenants(demodal):
    c = load_pathways().classify(demodal["households"], demodal["housing_market"])
    by = c.by_area()
    overall = by[(by["level"] == "all") & (by["year"] == 2024)].set_index("category")["numerator"]
    assert {"1", "2", "3", "4", "5"} <= set(overall[overall > 0].index)
    mapped = c.mapped().query("level == 'all' and year == 2024").iloc[0]
    assert 0.90 <= mapped["value"] < 1.0


def test_start_loan_assessment_rises(demodal):
    t = start_loan_assessment(demodal["housing_applications"]).sort_values("year")
    assert t["value"].iloc[-1] > t["value"].iloc[0]


def test_move_out_rate_near_gentoftes(demodal):
    t = move_out_rate(demodal["persons"], areas=demodal["areas"])
    region = t[t["level"] == "region"]["value"]
    assert ((region > 0.06) & (region < 0.12)).all()


def test_checklist_runs_on_the_demo(demodal):
    by = checklist(demodal["dwellings"], households=demodal["households"]).by_area()
    one = by[(by["level"] == "all") & (by["measure"] == "children_failing_1plus")]["value"].to_numpy()
    three = by[(by["level"] == "all") & (by["measure"] == "children_failing_3plus")]["value"].to_numpy()
    assert (one > three).all() and (three > 0).all()
