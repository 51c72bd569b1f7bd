"""compute() on tiny hand-made stores, against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kvarter.errors import EngineError, MissingFieldError
from kvarter.indicators import OUTPUT_COLUMNS, compute, compute_tables, load_catalogue
from kvarter.store import Store

AREAS = pd.DataFrame({"area_id": ["A1", "A2", "A3", "A4"], "municipality": ["K1", "K1", "K2", "K3"],
                      "region": ["R1", "R1", "R1", "R2"]})


def person_rows(area, n, year=2020, **fields):
    mun = dict(zip(AREAS.area_id, AREAS.municipality))[area]
    base = {"year": year, "municipality": mun, "area_id": area, "age": 30}
    rows = []
    for i in range(n):
        row = dict(base)
        for k, v in fields.items():
            row[k] = v[i] if isinstance(v, list) else v
        row["person_id"] = f"{area}-{year}-{i}"
        rows.append(row)
    return rows


def store_with(rows, areas=AREAS):
    store = Store(":memory:")
    store.write_result("persons", pd.DataFrame(rows))
    if areas is not None:
        store.write_result("areas", areas)
    return store


def values(out, ind, level=None):
    rows = out[out["indicator"] == ind]
    if level:
        rows = rows[rows["level"] == level]
    return {(r.unit_id, r.year): r.value for r in rows.itertuples()}


@pytest.fixture(scope="module")
def origin_store():
    return store_with(
        person_rows("A1", 4, origin=["non_western", "non_western", "native", "western"])
        + person_rows("A2", 2, origin=["non_western", "native"])
        + person_rows("A3", 2, origin="native")
    )


def test_output_columns_and_types(origin_store):
    out = compute(origin_store, indicators=["non_western_share", "residents"])
    assert list(out.columns) == OUTPUT_COLUMNS
    assert out["year"].dtype == "int64" and out["persons"].dtype == "int64"
    assert out["value"].dtype == "float64"


def test_share_at_every_level(origin_store):
    out = compute(origin_store, indicators=["non_western_share"])
    assert values(out, "non_western_share") == {
        ("A1", 2020): 0.5, ("A2", 2020): 0.5, ("A3", 2020): 0.0,
        ("K1", 2020): 0.5, ("K2", 2020): 0.0, ("R1", 2020): 3 / 8, ("country", 2020): 3 / 8,
    }
    a1 = out[(out["unit_id"] == "A1")].iloc[0]
    assert (a1.numerator, a1.denominator, a1.persons, a1.municipality, a1.region) == (2, 4, 4, "K1", "R1")
    k1 = out[(out["unit_id"] == "K1")].iloc[0]
    assert (k1.municipality, k1.region) == ("K1", "R1")
    r1 = out[(out["unit_id"] == "R1")].iloc[0]
    assert r1.municipality is None and r1.region == "R1"


def test_ratio_to_municipality_and_zero_reference(origin_store):
    out = compute(origin_store, indicators=["non_western_share_ratio_to_municipality"])
    assert set(out["level"]) == {"area", "municipality"}
    got = values(out, "non_western_share_ratio_to_municipality")
    assert got[("A1", 2020)] == 1.0 and got[("K1", 2020)] == 1.0
    assert math.isnan(got[("A3", 2020)])  # 0 / 0: the municipality's share is zero
    a2 = out[out["unit_id"] == "A2"].iloc[0]
    assert (a2.raw_value, a2.reference_value) == (0.5, 0.5)


def test_no_areas_table_means_no_regions(origin_store):
    store = store_with(origin_store.read("persons").to_dict("records"), areas=None)
    out = compute(store, indicators=["residents"])
    assert set(out["level"]) == {"area", "municipality", "country"}
    assert out["region"].isna().all()
    assert values(out, "residents", "country") == {("country", 2020): 8.0}


@pytest.fixture(scope="module")
def conviction_store():
    return store_with(
        person_rows("A1", 10, 2019, convicted=[True] + [False] * 9)
        + person_rows("A1", 5, 2020, convicted=[True, True, False, False, False])
        + person_rows("A1", 5, 2021, convicted=False)
        + person_rows("A4", 5, 2021, convicted=[True] * 5, age=[17, 18, 18, 18, 18])
    )


def test_pooling_sums_counts_over_complete_windows(conviction_store):
    out = compute(conviction_store, indicators=["convicted_share_2y"])
    area = out[(out["level"] == "area") & (out["unit_id"] == "A1")].set_index("year")
    assert area.index.tolist() == [2020, 2021]  # 2019 has no 2018 to pool with
    assert area.loc[2020, "value"] == pytest.approx(3 / 15)
    assert (area.loc[2020, "numerator"], area.loc[2020, "denominator"], area.loc[2020, "persons"]) == (3, 15, 10)
    assert area.loc[2021, "value"] == pytest.approx(2 / 10)
    assert area.loc[2021, "persons"] == 5
    # A4 has residents in 2021 only: its window holds a zero year.
    a4 = out[out["unit_id"] == "A4"].set_index("year")
    assert (a4.loc[2021, "numerator"], a4.loc[2021, "denominator"]) == (4, 4)
    # In 2020 (its 2019-2020 window) nobody lived there: a row with no one, not a missing area.
    assert (a4.loc[2020, "numerator"], a4.loc[2020, "denominator"], a4.loc[2020, "persons"]) == (0, 0, 0)
    assert np.isnan(a4.loc[2020, "value"])


def test_pooling_needs_every_year_of_the_window():
    store = store_with(person_rows("A1", 4, 2019, convicted=True) + person_rows("A1", 4, 2021, convicted=False))
    out = compute(store, indicators=["convicted_share_2y", "convicted_share"])
    assert out[out["indicator"] == "convicted_share_2y"].empty
    assert sorted(out[out["indicator"] == "convicted_share"]["year"].unique()) == [2019, 2021]


def test_years_filter_keeps_earlier_years_for_pooling(conviction_store):
    out = compute(conviction_store, years=[2021], indicators=["convicted_share_2y", "convicted_ratio_to_national_2y"])
    assert set(out["year"]) == {2021}
    a1 = out[(out["indicator"] == "convicted_share_2y") & (out["unit_id"] == "A1")].iloc[0]
    assert a1.value == pytest.approx(2 / 10)
    # country, 2020 + 2021: A1 2/5 and 0/5, A4 4 of its 4 adults (the 17-year-old is out)
    country = (2 + 0 + 4) / (5 + 5 + 4)
    ratio = out[(out["indicator"] == "convicted_ratio_to_national_2y") & (out["unit_id"] == "A1")].iloc[0]
    assert ratio.reference_value == pytest.approx(country)
    assert ratio.value == pytest.approx((2 / 10) / country)
    assert set(out[out["indicator"] == "convicted_ratio_to_national_2y"]["level"]) == {"area", "municipality", "region", "country"}


@pytest.fixture(scope="module")
def household_rows():
    # h1: three persons, income 300k; h2: one person, 100k. A person-weighted
    # mean would be 250k; over households it is 200k.
    return person_rows(
        "A1", 4, household_id=["h1", "h1", "h1", "h2"], household_size=[3, 3, 3, 1],
        household_disposable_income=[300_000.0] * 3 + [100_000.0],
        household_type=["couple_with_children"] * 3 + ["single_no_children"],
        charges=[0, 2, 1, 0], age=[40, 40, 10, 70],
    )


def test_household_measures_count_households(household_rows):
    out = compute(store_with(household_rows), indicators=["household_income_mean", "singles_share", "charges_per_1000"])
    # A2 (also in K1, nobody living there) has rows too, without values: look at A1.
    area = {r.indicator: r for r in out[out["unit_id"] == "A1"].itertuples()}
    assert area["household_income_mean"].value == pytest.approx(200_000)
    assert area["household_income_mean"].denominator == pytest.approx(2)
    assert area["household_income_mean"].persons == 4
    assert area["singles_share"].value == pytest.approx(0.5)
    # 2 charges among the three persons aged 15+ (the 10-year-old's charge is not counted)
    assert area["charges_per_1000"].value == pytest.approx(2 / 3 * 1000)


def test_household_size_from_household_id_when_absent(household_rows):
    rows = [{k: v for k, v in r.items() if k != "household_size"} for r in household_rows]
    out = compute(store_with(rows), indicators=["household_income_mean", "singles_share"])
    area = {r.indicator: r.value for r in out[out["unit_id"] == "A1"].itertuples()}
    assert area == pytest.approx({"household_income_mean": 200_000, "singles_share": 0.5})


def test_child_poverty_against_the_national_median():
    # Equivalised incomes: h1 100 (1 person), h2 400/√4 = 200 (4), h3 300 (1),
    # h4 100/√4 = 50 (4). Median of the ten persons = (100 + 200) / 2 = 150;
    # the line is 75: h4's two children are poor, h2's two are not.
    hh = ["h1"] + ["h2"] * 4 + ["h3"] + ["h4"] * 4
    income = [100.0] + [400.0] * 4 + [300.0] + [100.0] * 4
    size = [1] + [4] * 4 + [1] + [4] * 4
    age = [40] + [40, 40, 5, 6] + [50] + [35, 36, 7, 8]
    rows = person_rows("A1", 10, household_id=hh, household_disposable_income=income, household_size=size, age=age)
    out = compute(store_with(rows), indicators=["child_poverty_share"])
    a1 = out[out["unit_id"] == "A1"].iloc[0]
    assert (a1.numerator, a1.denominator, a1.value) == (2, 4, 0.5)


def test_missing_field_skipped_with_note_or_raised(origin_store):
    out = compute(origin_store)
    assert "renting_share" not in set(out["indicator"])
    assert out.attrs["skipped"]["renting_share"] == "renting_share skipped: the data has no tenure column."
    assert "residents" in set(out["indicator"])
    with pytest.raises(MissingFieldError, match=r"Indicator crowded_families_share needs the columns dwelling_m2, "
                                                r"household_id or household_size, household_type, rooms"):
        compute(origin_store, indicators=["crowded_families_share"])


def test_missing_base_column_and_missing_table():
    store = store_with([{"person_id": "a", "year": 2020, "area_id": "A1", "age": 3}])
    with pytest.raises(MissingFieldError, match="lacks the column\\(s\\) municipality"):
        compute(store)
    with pytest.raises(MissingFieldError, match="has no persons table"):
        compute(Store(":memory:"))


def test_engine_gap_fails_at_compile_time_naming_the_indicator(origin_store):
    class NoMedian:
        name = "toy"

        def has_operation(self, op):
            return op.__name__ != "Median"

    from kvarter.indicators.compile import compile_catalogue

    rows = person_rows("A1", 2, household_disposable_income=1.0, household_size=1)
    import ibis

    persons = ibis.memtable(pd.DataFrame(rows))
    with pytest.raises(EngineError, match="Indicator child_poverty_share needs Median .* toy engine"):
        compile_catalogue(load_catalogue(), persons, backend=NoMedian())


def test_unknown_engine(origin_store):
    with pytest.raises(EngineError, match="Unknown engine 'polars'"):
        compute(origin_store, engine="polars")


def test_catalogue_path_and_compute_tables(tmp_path, origin_store):
    import yaml

    from kvarter.indicators.catalogue import builtin_catalogue_path

    raw = yaml.safe_load(builtin_catalogue_path().read_text(encoding="utf-8"))
    raw["indicators"] = [i for i in raw["indicators"] if i["id"] == "residents"]
    raw.pop("structure")  # it names indicators this catalogue no longer has
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    out = compute(origin_store, catalogue=path)
    assert set(out["indicator"]) == {"residents"}
    again = compute_tables(origin_store.table("persons"), origin_store.table("areas"), catalogue=path)
    pd.testing.assert_frame_equal(out, again)
