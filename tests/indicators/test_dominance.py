"""top_contributions() against top-2 sums worked out by hand and by a plain pandas
computation on a seeded random table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kvarter.errors import InputError, MissingFieldError
from kvarter.indicators import compute, dominance_share, top_contributions
from kvarter.store import Store

SUM_INDICATORS = ["income_gross_mean_15_64", "charges_per_1000", "household_income_mean"]
AREAS = pd.DataFrame({"area_id": ["A1", "A2", "A3", "A4"], "municipality": ["K1", "K1", "K2", "K3"],
                      "region": ["R1", "R1", "R1", "R2"]})
MUN = dict(zip(AREAS.area_id, AREAS.municipality))

# (area, age, in_education, income_gross, charges, household_id, household_disposable_income)
HAND = [
    ("A1", 30, False, 1000.0, 1.0, "H1", 600.0),
    ("A1", 40, False, 100.0, 0.0, "H1", 600.0),
    ("A1", 50, False, 50.0, 0.0, "H2", 900.0),
    ("A1", 70, False, 5000.0, 3.0, "H2", 900.0),   # too old for the income population
    ("A1", 20, True, 3000.0, 2.0, "H2", 900.0),    # in education: no income contributor
    ("A1", 35, False, None, 0.0, "H3", None),      # no income, no household income
    ("A2", 30, False, 300.0, 0.0, "H4", 2000.0),
    ("A2", 30, False, -400.0, 0.0, "H4", 2000.0),  # a loss counts by its size
    ("A2", 30, False, 200.0, 0.0, "H5", 100.0),
    ("A2", 10, False, None, 5.0, "H6", 50.0),      # too young for the charges population
    ("A3", 30, False, 900.0, 2.0, "H7", 700.0),
    ("A3", 30, False, 10.0, 2.0, "H8", 700.0),
    ("A4", 30, False, 50.0, None, "H9", 400.0),
]

# (level, unit) -> (top-2 sum, total of absolute contributions), worked out by hand.
EXPECTED = {
    "income_gross_mean_15_64": {
        ("area", "A1"): (1100, 1150), ("area", "A2"): (700, 900), ("area", "A3"): (910, 910),
        ("area", "A4"): (50, 50), ("municipality", "K1"): (1400, 2050), ("municipality", "K2"): (910, 910),
        ("municipality", "K3"): (50, 50), ("region", "R1"): (1900, 2960), ("region", "R2"): (50, 50),
        ("country", "country"): (1900, 3010),
    },
    "charges_per_1000": {
        ("area", "A1"): (5, 6), ("area", "A2"): (0, 0), ("area", "A3"): (4, 4), ("area", "A4"): (0, 0),
        ("municipality", "K1"): (5, 6), ("municipality", "K2"): (4, 4), ("municipality", "K3"): (0, 0),
        ("region", "R1"): (5, 10), ("region", "R2"): (0, 0), ("country", "country"): (5, 10),
    },
    # Households, each once: A1 {600, 900}, A2 {2000, 100, 50}, A3 {700, 700}, A4 {400}.
    "household_income_mean": {
        ("area", "A1"): (1500, 1500), ("area", "A2"): (2100, 2150), ("area", "A3"): (1400, 1400),
        ("area", "A4"): (400, 400), ("municipality", "K1"): (2900, 3650), ("municipality", "K2"): (1400, 1400),
        ("municipality", "K3"): (400, 400), ("region", "R1"): (2900, 5050), ("region", "R2"): (400, 400),
        ("country", "country"): (2900, 5450),
    },
}


def hand_frame() -> pd.DataFrame:
    cols = ["area_id", "age", "in_education", "income_gross", "charges", "household_id", "household_disposable_income"]
    df = pd.DataFrame(HAND, columns=cols)
    df.insert(0, "person_id", [f"p{i}" for i in range(len(df))])
    df.insert(1, "year", 2020)
    df.insert(2, "municipality", df["area_id"].map(MUN))
    return df


def store_of(persons: pd.DataFrame, areas: pd.DataFrame | None = AREAS) -> Store:
    store = Store(":memory:")
    store.write_result("persons", persons)
    if areas is not None:
        store.write_result("areas", areas)
    return store


def run(store: Store, **kwargs) -> pd.DataFrame:
    areas = store.table("areas") if store.has_table("areas") else None
    return top_contributions(store.table("persons"), areas, **kwargs)


def same(got: dict, expected: dict) -> bool:
    """Same keys, and (top_sum, total_abs) equal up to rounding."""
    return got.keys() == expected.keys() and all(
        math.isclose(got[k][0], expected[k][0], rel_tol=1e-9, abs_tol=1e-9)
        and math.isclose(got[k][1], expected[k][1], rel_tol=1e-9, abs_tol=1e-9) for k in got)


def cells(out: pd.DataFrame, ind: str) -> dict:
    rows = out[out["indicator"] == ind]
    return {(r.level, r.unit_id): (r.top_sum, r.total_abs) for r in rows.itertuples()}


@pytest.fixture(scope="module")
def hand_store():
    return store_of(hand_frame())


@pytest.fixture(scope="module")
def hand_out(hand_store):
    return run(hand_store)


@pytest.mark.parametrize("ind", SUM_INDICATORS)
def test_hand_made_top_two(hand_out, ind):
    assert same(cells(hand_out, ind), EXPECTED[ind])


def test_only_base_sum_indicators(hand_out):
    assert sorted(hand_out["indicator"].unique()) == sorted(SUM_INDICATORS)
    assert list(hand_out.columns) == ["indicator", "level", "unit_id", "year", "top_sum", "total_abs", "contributors"]
    assert hand_out["year"].dtype == "int64" and set(hand_out["year"]) == {2020}


def test_dominant_earner_share(hand_out):
    rows = hand_out[(hand_out["indicator"] == "income_gross_mean_15_64") & (hand_out["unit_id"].isin(["A1", "A2"]))]
    assert dominance_share(rows).tolist() == pytest.approx([1100 / 1150, 700 / 900])
    charges_a2 = hand_out[(hand_out["indicator"] == "charges_per_1000") & (hand_out["unit_id"] == "A2")]
    assert math.isnan(dominance_share(charges_a2).iloc[0])


def test_totals_match_the_published_numerators(hand_store, hand_out):
    # With no negative contributions the total of absolute contributions is the
    # published numerator: same population, same household weighting.
    published = compute(hand_store, indicators=["charges_per_1000", "household_income_mean"])
    merged = published.merge(hand_out, on=["indicator", "level", "unit_id", "year"], validate="one_to_one")
    assert len(merged) == len(published) == 20
    assert merged["total_abs"].tolist() == pytest.approx(merged["numerator"].tolist())


def test_contributors_count_the_persons_behind_a_sum(hand_out):
    # Charges rest on the persons charged: the contributors of charges_per_1000
    # are the residents 15+ with at least one charge, counted by hand.
    df = hand_frame()
    charged = df[(df["age"] >= 15) & (df["charges"].fillna(0) != 0)]
    expected = charged.groupby("area_id").size()
    got = hand_out[(hand_out["indicator"] == "charges_per_1000") & (hand_out["level"] == "area")]
    got = got.set_index("unit_id")["contributors"]
    assert got.to_dict() == {a: int(expected.get(a, 0)) for a in got.index}
    assert expected.sum() > 0 and int(hand_out[(hand_out["indicator"] == "charges_per_1000")
                                             & (hand_out["level"] == "country")]["contributors"].iloc[0]) == expected.sum()


def test_n_one(hand_store):
    out = run(hand_store, n=1, indicators=["income_gross_mean_15_64"])
    assert cells(out, "income_gross_mean_15_64")[("municipality", "K1")] == (1000, 2050)
    assert cells(out, "income_gross_mean_15_64")[("area", "A2")] == (400, 900)


def test_variants_select_their_base(hand_store):
    out = run(hand_store, indicators=["income_ratio_to_region", "charges_per_1000_ratio_to_municipality",
                                      "non_western_share"])
    assert sorted(out["indicator"].unique()) == ["charges_per_1000", "income_gross_mean_15_64"]


def test_without_regions_there_is_no_region_level():
    out = run(store_of(hand_frame(), areas=None), indicators=["income_gross_mean_15_64"])
    assert sorted(out["level"].unique()) == ["area", "country", "municipality"]
    assert cells(out, "income_gross_mean_15_64")[("country", "country")] == (1900, 3010)


def test_household_size_without_household_id():
    # No household key: members sharing income and size in an area are one
    # household. A3's two one-person households of 700 merge into one of 1400,
    # which overstates the top two above A3 (2000 + 1400 instead of 2000 + 900):
    # the safe side for the dominance rule. Totals are unchanged.
    df = hand_frame().drop(columns="household_id")
    df["household_size"] = [2, 2, 3, 3, 3, 1, 2, 2, 1, 1, 1, 1, 1]
    out = run(store_of(df), indicators=["household_income_mean"])
    expected = dict(EXPECTED["household_income_mean"])
    expected[("region", "R1")] = (3400, 5050)
    expected[("country", "country")] = (3400, 5450)
    assert same(cells(out, "household_income_mean"), expected)


def test_missing_fields_skip_or_raise(hand_store):
    df = hand_frame().drop(columns=["charges", "household_id", "household_disposable_income"])
    store = store_of(df)
    out = run(store)
    assert list(out["indicator"].unique()) == ["income_gross_mean_15_64"]
    assert set(out.attrs["skipped"]) == {"charges_per_1000", "household_income_mean"}
    with pytest.raises(MissingFieldError, match="household_income_mean.*household_disposable_income"):
        run(store, indicators=["household_income_mean_ratio_to_municipality"])


def test_bad_n(hand_store):
    with pytest.raises(InputError, match="'n' parameter"):
        run(hand_store, n=0)


def random_persons(seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    areas = pd.DataFrame({"area_id": [f"A{i}" for i in range(7)],
                          "municipality": ["K1", "K1", "K1", "K2", "K2", "K3", "K3"],
                          "region": ["R1", "R1", "R1", "R1", "R1", "R2", None]})
    rows = []
    for year in (2019, 2020):
        for h in range(120):
            area = areas.iloc[rng.integers(len(areas))]
            size = int(rng.integers(1, 5))
            hdi = None if rng.random() < 0.1 else float(rng.integers(-50, 3000))
            for m in range(size):
                rows.append({
                    "person_id": f"h{h}m{m}", "year": year, "municipality": area.municipality,
                    "area_id": area.area_id, "age": int(rng.integers(0, 90)),
                    "in_education": bool(rng.random() < 0.2),
                    "income_gross": None if rng.random() < 0.1 else float(rng.normal(300, 400)),
                    "charges": None if rng.random() < 0.1 else float(rng.poisson(0.3)),
                    "household_id": f"{year}-{h}", "household_disposable_income": hdi,
                })
    return pd.DataFrame(rows), areas


def reference_contributions(df: pd.DataFrame, ind: str) -> pd.DataFrame:
    """Each contributor's absolute value, with its area, municipality and year."""
    if ind == "income_gross_mean_15_64":
        keep = df[df["age"].between(15, 64) & ~df["in_education"] & df["income_gross"].notna()]
        return keep.assign(c=keep["income_gross"].abs())
    if ind == "charges_per_1000":
        keep = df[(df["age"] >= 15) & df["charges"].notna()]
        return keep.assign(c=keep["charges"].abs())
    hh = df[df["household_disposable_income"].notna()]
    hh = hh.groupby(["area_id", "municipality", "year", "household_id"], as_index=False)["household_disposable_income"].first()
    return hh.assign(c=hh["household_disposable_income"].abs())


def reference_top(contrib: pd.DataFrame, areas: pd.DataFrame, n: int) -> dict:
    contrib = contrib.assign(region=contrib["area_id"].map(areas.set_index("area_id")["region"]), country="country")
    out = {}
    for level, col in (("area", "area_id"), ("municipality", "municipality"), ("region", "region"), ("country", "country")):
        for (unit, year), g in contrib.dropna(subset=[col]).groupby([col, "year"]):
            out[(level, unit, year)] = (g["c"].nlargest(n).sum(), g["c"].sum())
    return out


@pytest.mark.parametrize("n", [2, 3])
def test_random_table_agrees_with_pandas(n):
    df, areas = random_persons()
    out = run(store_of(df, areas), n=n)
    assert sorted(out["indicator"].unique()) == sorted(SUM_INDICATORS)
    for ind in SUM_INDICATORS:
        expected = reference_top(reference_contributions(df, ind), areas, n)
        rows = out[out["indicator"] == ind]
        got = {(r.level, r.unit_id, r.year): (r.top_sum, r.total_abs) for r in rows.itertuples()}
        assert same({k: got[k] for k in expected if k in got}, expected), ind
        # Every other published unit has no contributor (its persons are outside the numerator).
        assert {got[k] for k in got.keys() - expected.keys()} <= {(0.0, 0.0)}, ind


def test_random_table_years_filter():
    df, areas = random_persons()
    out = run(store_of(df, areas), years=[2020], indicators=["income_gross_mean_15_64"])
    expected = reference_top(reference_contributions(df[df["year"] == 2020], "income_gross_mean_15_64"), areas, 2)
    got = {(r.level, r.unit_id, r.year): (r.top_sum, r.total_abs) for r in out.itertuples()}
    assert set(out["year"]) == {2020}
    assert same(got, expected)
