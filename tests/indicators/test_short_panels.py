"""A store with fewer years than a pooled indicator reads (issue 9, the blocker):
one year, two years and years with gaps, from the demo synthesiser.

Before the fix ``compute`` raised ``IndexError`` in ``pooled_sums`` whenever the
span of the data was shorter than the longest pooling (four years)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kvarter.demo import synthesize
from kvarter.indicators import compute, load_catalogue
from kvarter.indicators.compute import pooled_max, pooled_sums, window_notes, years_needed
from kvarter.store import Store

POOLED = ["outside_labour_education_share_2y", "outside_labour_education_share_4y", "convicted_share_2y",
          "convicted_share_4y", "convicted_ratio_to_national_2y"]
KEYS = ["indicator", "level", "unit_id", "year"]


@pytest.fixture(scope="module")
def panel():
    return synthesize(persons=3_000, areas=20, schools=6, years=range(2021, 2025), seed=2)


def _store(data, years):
    s = Store(":memory:")
    persons = data["persons"][data["persons"]["year"].isin(years)]
    s.load_many({"areas": data["areas"], "schools": data["schools"], "persons": persons}, replace=True)
    return s


@pytest.fixture(scope="module")
def full(panel):
    return compute(_store(panel, range(2021, 2025)))


def _note(ind, n, held, how="pools"):
    what = (f"it pools {n} consecutive years" if how == "pools" else f"it reads each person's {n} consecutive years")
    return (f"{ind} has no values: {what} (t-{n - 1}..t) and the data hold {held}; "
            f"load at least {n} consecutive years for it.")


def test_the_catalogue_pools_exactly_these_indicators():
    cat = load_catalogue()
    assert [i.id for i in cat if i.years > 1] == POOLED
    assert [i.id for i in cat if years_needed(i) > i.years] == ["persistent_low_income_children_share"]


def test_pooled_sums_and_max_with_fewer_years_than_the_window_are_all_missing():
    cube = np.arange(6, dtype=float).reshape(1, 2, 3)  # 1 unit x 2 years x 3 sums
    assert np.isnan(pooled_sums(cube, 4)).all() and pooled_sums(cube, 4).shape == cube.shape
    assert np.isnan(pooled_max(cube, 3)).all()
    # the window that fits still sums: years 0+1 of each sum
    assert pooled_sums(cube, 2)[0, 1].tolist() == [3.0, 5.0, 7.0]


def test_one_year_gives_every_yearly_indicator_and_notes_the_pooled(panel, full):
    one = compute(_store(panel, [2024]))
    cat = load_catalogue()
    yearly = {i.id for i in cat if years_needed(i) == 1}
    assert set(one["indicator"]) == yearly | {"persistent_low_income_children_share"}
    assert not set(POOLED) & set(one["indicator"])
    assert set(one["year"]) == {2024}
    # The yearly values are those the four-year store gives for 2024.
    want = full[full["indicator"].isin(yearly) & (full["year"] == 2024)]
    got = one[one["indicator"].isin(yearly)]
    m = want.merge(got, on=KEYS, how="outer", suffixes=("_full", "_one"), indicator=True)
    assert (m["_merge"] == "both").all() and len(m) == len(want)
    for col in ("value", "numerator", "denominator", "persons"):
        assert np.allclose(m[f"{col}_full"], m[f"{col}_one"], equal_nan=True), col
    # And a plain pandas count: non-western residents per area in 2024.
    p = panel["persons"][panel["persons"]["year"] == 2024]
    by_area = p.groupby("area_id")["origin"].agg(lambda s: (s == "non_western").mean())
    nw = one[(one["indicator"] == "non_western_share") & (one["level"] == "area")].set_index("unit_id")["value"]
    assert np.allclose(nw.sort_index(), by_area.reindex(nw.sort_index().index))
    # The 3-year income has no child with three years: rows, but no value.
    low = one[one["indicator"] == "persistent_low_income_children_share"]
    assert low["value"].isna().all() and (low["denominator"] == 0).all()
    notes = one.attrs["skipped"]
    assert notes == {
        **{i: _note(i, int(i[-2]), "2024 only") for i in POOLED},
        "persistent_low_income_children_share": _note("persistent_low_income_children_share", 3, "2024 only",
                                                      how="reads"),
    }
    assert notes["convicted_share_4y"] == (
        "convicted_share_4y has no values: it pools 4 consecutive years (t-3..t) and the data hold 2024 only; "
        "load at least 4 consecutive years for it.")


def test_two_years_pool_two_and_note_four(panel, full):
    two = compute(_store(panel, [2023, 2024]))
    assert sorted(two.attrs["skipped"]) == ["convicted_share_4y", "outside_labour_education_share_4y",
                                            "persistent_low_income_children_share"]
    assert two.attrs["skipped"]["convicted_share_4y"] == _note("convicted_share_4y", 4, "2023-2024")
    pooled = two[two["indicator"] == "convicted_share_2y"]
    assert set(pooled["year"]) == {2024}
    # Pooling sums the two yearly numerators and denominators (computed by hand
    # from the same table's yearly rows).
    yearly = two[two["indicator"] == "convicted_share"].pivot(index=["level", "unit_id"], columns="year",
                                                               values=["numerator", "denominator"])
    p = pooled.set_index(["level", "unit_id"])
    num = yearly["numerator"][2023] + yearly["numerator"][2024]
    den = yearly["denominator"][2023] + yearly["denominator"][2024]
    assert np.allclose(p["numerator"], num.reindex(p.index)) and np.allclose(p["denominator"], den.reindex(p.index))
    assert np.allclose(p["value"], (num / den).reindex(p.index), equal_nan=True)
    # and they agree with the four-year store's 2024 two-year values
    f = full[(full["indicator"] == "convicted_share_2y") & (full["year"] == 2024)].set_index(["level", "unit_id"])
    assert np.allclose(p["value"], f["value"].reindex(p.index), equal_nan=True)


@pytest.mark.parametrize("years, pooled_rows, held", [
    ([2021, 2023], {}, "2021, 2023"),
    ([2021, 2022, 2024], {"convicted_share_2y": {2022}}, "2021-2022, 2024"),
])
def test_years_with_gaps(panel, years, pooled_rows, held):
    data = synthesize(persons=1_500, areas=20, schools=6, years=years, seed=3)
    out = compute(_store(data, years))
    assert {i: set(out.loc[out["indicator"] == i, "year"]) for i in pooled_rows} == pooled_rows
    for ind in POOLED:
        n = int(ind[-2])
        if ind in pooled_rows or (n == 2 and pooled_rows):
            assert ind not in out.attrs["skipped"]
        else:
            assert out.attrs["skipped"][ind] == _note(ind, n, held)


def test_window_notes_on_a_stored_table_match_the_computed_ones(panel):
    s = _store(panel, [2024])
    out = compute(s)
    s.write_result("indicators", out)
    stored = s.read("indicators")
    assert stored.attrs == {}  # the store keeps no attrs, hence window_notes
    assert window_notes(load_catalogue(), stored) == out.attrs["skipped"]


def test_window_notes_blame_the_years_only_for_indicators_whose_base_was_computed():
    cat = load_catalogue()
    table = pd.DataFrame({"indicator": ["non_western_share"], "year": [2024]})  # no convictions loaded
    assert window_notes(cat, table) == {}


def test_asking_for_an_indicator_without_its_column_says_what_to_load():
    from kvarter.errors import MissingFieldError

    s = Store(":memory:")
    s.write_result("persons", pd.DataFrame({"person_id": ["a"], "year": [2024], "municipality": ["K"],
                                            "area_id": ["A1"], "age": [30]}))
    with pytest.raises(MissingFieldError) as err:
        compute(s, indicators=["renting_share"])
    assert str(err.value) == (
        "Indicator renting_share needs the column tenure, which the persons table lacks. Load persons with it "
        "(the persons contract in docs/data-model.md names each column), or leave the indicator out of the ones "
        "asked for.")
