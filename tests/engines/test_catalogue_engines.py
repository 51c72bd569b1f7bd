"""Every catalogue indicator on DuckDB, on Spark in local mode and on a
standalone Spark cluster (one master, two workers on loopback), against a
plain pandas oracle.

The oracle below is written from the definitions in docs/indicators.md, not
from the compiler: one mask per population and numerator, a groupby per
level, explicit windows for pooling and a lookup for ratios.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kvarter.indicators import compute, load_catalogue
from kvarter.store import Store

ENGINE_PARAMS = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("spark", id="spark", marks=[pytest.mark.slow, pytest.mark.spark]),
    pytest.param("spark_cluster", id="spark-cluster", marks=[pytest.mark.slow, pytest.mark.spark]),
]

# --- the oracle's definitions -------------------------------------------------


def band(lo, hi=200):
    return lambda d: d["age"].between(lo, hi)


def both(*fs):
    return lambda d: np.logical_and.reduce([f(d) for f in fs])


def is_(col, *values):
    return lambda d: d[col].isin(values) & d[col].notna()


def not_in(col, *values):
    return lambda d: d[col].notna() & ~d[col].isin(values)


def known(col):
    return lambda d: d[col].notna()


def true(col):
    return lambda d: d[col].fillna(False).astype(bool)


def false(col):
    return lambda d: ~d[col].fillna(True).astype(bool)


ALL = lambda d: pd.Series(True, index=d.index)  # noqa: E731

BASE = {
    "residents": dict(unit="count", pop=ALL),
    "non_western_share": dict(pop=ALL, num=is_("origin", "non_western")),
    "outside_labour_education_share": dict(
        pop=band(18, 64), num=both(not_in("labour_status", "employed", "in_education"), false("in_education"))),
    "convicted_share": dict(pop=band(18), num=true("convicted")),
    "basic_education_share": dict(pop=both(band(30, 59), known("education")), num=is_("education", "basic")),
    "income_gross_mean_15_64": dict(unit="mean", field="income_gross",
                                    pop=both(band(15, 64), false("in_education"), known("income_gross"))),
    "no_youth_education_share": dict(pop=band(20, 24), num=both(false("in_youth_education"), is_("education", "basic"))),
    "child_poverty_share": dict(pop=both(band(0, 17), known("eq")), num=lambda d: d["eq"] < 0.5 * d["eq_median"]),
    "chronic_condition_share": dict(pop=band(16), num=true("chronic_condition")),
    "charged_per_1000": dict(unit="per_1000", pop=band(15), num=true("charged")),
    "charges_per_1000": dict(unit="per_1000", pop=band(15), field="charges"),
    "convicted_per_1000": dict(unit="per_1000", pop=band(15), num=true("convicted")),
    "employed_share_18_64": dict(pop=both(band(18, 64), known("labour_status")), num=is_("labour_status", "employed")),
    "unemployed_share_18_64": dict(pop=both(band(18, 64), known("labour_status")), num=is_("labour_status", "unemployed")),
    "outside_labour_force_share_18_64": dict(pop=both(band(18, 64), known("labour_status")),
                                             num=not_in("labour_status", "employed", "unemployed")),
    "singles_share": dict(households=True, pop=known("household_type"),
                          num=is_("household_type", "single_no_children", "single_with_children")),
    **{f"household_{t}_share": dict(households=True, pop=known("household_type"), num=is_("household_type", t))
       for t in ("single_no_children", "single_with_children", "couple_no_children", "couple_with_children", "other")},
    **{f"education_{e}_share_15_64": dict(pop=both(band(15, 64), known("education")), num=is_("education", e))
       for e in ("basic", "upper_secondary", "vocational", "short_tertiary", "medium_tertiary", "long_tertiary")},
    "household_income_mean": dict(unit="mean", households=True, field="household_disposable_income",
                                  pop=known("household_disposable_income")),
    "persistent_low_income_children_share": dict(pop=both(band(0, 17), known("eq3")),
                                                 num=lambda d: d["eq3"] < 0.6 * d["eq3_median"]),
    "crowded_families_share": dict(
        households=True,
        pop=both(is_("household_type", "single_with_children", "couple_with_children"), known("rooms"), known("dwelling_m2")),
        num=lambda d: (d["rooms"] < d["household_size"]) & (d["dwelling_m2"] / d["household_size"] < 25)),
    "renting_share": dict(pop=known("tenure"), num=is_("tenure", "social_rent", "municipal_rent", "private_rent")),
    "temporary_public_support_share": dict(
        pop=both(band(16, 64), known("public_benefit")),
        num=is_("public_benefit", "unemployment_benefit", "cash_benefit", "education_benefit", "integration_benefit",
                "sickness_benefit", "resource_course", "job_clarification", "flexjob_benefit", "rehabilitation")),
    "activity_ready_cash_benefit_share": dict(
        pop=both(band(18, 64), known("public_benefit")),
        num=both(is_("public_benefit", "cash_benefit", "education_benefit", "integration_benefit"),
                 true("activity_ready"))),
}

# id -> (base id, years pooled, reference level)
VARIANTS = {
    "outside_labour_education_share_2y": ("outside_labour_education_share", 2, None),
    "outside_labour_education_share_4y": ("outside_labour_education_share", 4, None),
    "convicted_share_2y": ("convicted_share", 2, None),
    "convicted_share_4y": ("convicted_share", 4, None),
    "convicted_ratio_to_national": ("convicted_share", 1, "country"),
    "convicted_ratio_to_national_2y": ("convicted_share", 2, "country"),
    "income_ratio_to_region": ("income_gross_mean_15_64", 1, "region"),
    "income_ratio_to_municipality": ("income_gross_mean_15_64", 1, "municipality"),
    **{f"{b}_ratio_to_municipality": (b, 1, "municipality") for b in (
        "non_western_share", "outside_labour_education_share", "basic_education_share", "no_youth_education_share",
        "child_poverty_share", "chronic_condition_share", "charged_per_1000", "charges_per_1000",
        "convicted_per_1000", "employed_share_18_64", "unemployed_share_18_64", "outside_labour_force_share_18_64",
        "singles_share", "household_income_mean", "temporary_public_support_share",
        "activity_ready_cash_benefit_share")},
}
ORACLE_IDS = sorted(set(BASE) | set(VARIANTS))
RANK = {"area": 0, "municipality": 1, "region": 2, "country": 3}


def with_derived(persons: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    d = persons.copy()
    d["region"] = d["area_id"].map(dict(zip(areas["area_id"], areas["region"])))
    d["eq"] = d["household_disposable_income"] / np.sqrt(d["household_size"])
    d["eq_median"] = d["year"].map(d.dropna(subset=["eq"]).groupby("year")["eq"].median())
    own = d[["person_id", "year", "eq"]]
    lag1 = own.assign(year=own["year"] + 1).rename(columns={"eq": "eq_1"})
    lag2 = own.assign(year=own["year"] + 2).rename(columns={"eq": "eq_2"})
    d = d.merge(lag1, on=["person_id", "year"], how="left").merge(lag2, on=["person_id", "year"], how="left")
    d["eq3"] = (d["eq"] + d["eq_1"] + d["eq_2"]) / 3
    d["eq3_median"] = d["year"].map(d.dropna(subset=["eq3"]).groupby("year")["eq3"].median())
    return d


def oracle(d: pd.DataFrame, ind_id: str) -> pd.DataFrame:
    base, n_years, reference = VARIANTS.get(ind_id, (ind_id, 1, None))
    spec = BASE[base]
    unit = spec.get("unit", "share")
    pop = np.asarray(spec["pop"](d), dtype=bool)
    w = 1.0 / d["household_size"].to_numpy(float) if spec.get("households") else np.ones(len(d))
    rows = pd.DataFrame({"year": d["year"], "pop": pop.astype(float), "den": pop * w})
    if "field" in spec:
        rows["num"] = np.where(pop, d[spec["field"]].fillna(0).to_numpy(float) * w, 0.0)
    elif unit == "count":
        rows["num"] = pop * w
    else:
        rows["num"] = (pop & np.asarray(spec["num"](d), dtype=bool)) * w
    keys = {"area": d["area_id"], "municipality": d["municipality"], "region": d["region"],
            "country": pd.Series("country", index=d.index)}
    years_in_data = set(d["year"])
    tables = {}
    for level, key in keys.items():
        yearly = rows.assign(unit_id=key).dropna(subset=["unit_id"]).groupby(["unit_id", "year"])[["num", "den", "pop"]].sum()
        out = []
        for (unit_id, year) in yearly.index:
            window = [year - k for k in range(n_years)]
            if not all(y in years_in_data for y in window):
                continue
            sub = yearly.loc[unit_id].reindex(window, fill_value=0)
            out.append({"unit_id": unit_id, "year": year, "numerator": sub["num"].sum(),
                        "denominator": sub["den"].sum(), "persons": sub["pop"].max()})
        t = pd.DataFrame(out)
        scale = 1000.0 if unit == "per_1000" else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            t["raw_value"] = t["numerator"] if unit == "count" else scale * t["numerator"] / t["denominator"]
        if unit == "count":
            t["denominator"] = np.nan
        t["level"] = level
        tables[level] = t
    area_parent = d.drop_duplicates("area_id").set_index("area_id")[["municipality", "region"]]
    mun_region = d.drop_duplicates("municipality").set_index("municipality")["region"]
    parts = []
    for level, t in tables.items():
        if reference is not None and RANK[level] > RANK[reference]:
            continue
        t = t.copy()
        if reference is None:
            t["reference_value"] = np.nan
            t["value"] = t["raw_value"]
        else:
            ref = tables[reference].set_index(["unit_id", "year"])["raw_value"]
            if reference == "country":
                ref_unit = pd.Series("country", index=t.index)
            elif level == "area":
                ref_unit = t["unit_id"].map(area_parent[reference])
            elif level == reference:
                ref_unit = t["unit_id"]
            else:  # municipality rows against their region
                ref_unit = t["unit_id"].map(mun_region)
            t["reference_value"] = ref.reindex(pd.MultiIndex.from_arrays([ref_unit, t["year"]])).to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):
                t["value"] = t["raw_value"] / t["reference_value"]
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out["indicator"] = ind_id
    for c in ("value", "raw_value", "reference_value"):
        out[c] = out[c].replace([np.inf, -np.inf], np.nan)
    return out


# --- fixtures -----------------------------------------------------------------


@pytest.fixture(scope="module")
def derived(persons, areas):
    return with_derived(persons, areas)


@pytest.fixture(scope="module", params=ENGINE_PARAMS)
def engine_result(request, persons, areas):
    engine = request.param
    if engine == "spark":
        request.getfixturevalue("spark_session")
    if engine == "spark_cluster":
        from kvarter.store.engines import Engine

        engine = Engine("spark", request.getfixturevalue("spark_cluster").master)
    store = Store(":memory:")
    store.write_result("persons", persons)
    store.write_result("areas", areas)
    out = compute(store, engine=engine)
    return engine, out


# --- tests --------------------------------------------------------------------


def test_oracle_covers_the_catalogue_exactly():
    assert ORACLE_IDS == sorted(load_catalogue().ids)


def test_synthetic_data_has_every_contract_field(persons):
    import yaml
    from importlib import resources

    contract = yaml.safe_load((resources.files("kvarter.io") / "contracts" / "persons.yaml").read_text())
    assert {c["name"] for c in contract["columns"]} <= set(persons.columns)
    assert 4000 < len(persons) < 8000


def test_no_indicator_skipped(engine_result):
    _, out = engine_result
    assert out.attrs["skipped"] == {}
    assert sorted(out["indicator"].unique()) == ORACLE_IDS


@pytest.mark.parametrize("ind_id", ORACLE_IDS)
def test_indicator_matches_oracle(engine_result, derived, ind_id):
    engine, out = engine_result
    got = out[out["indicator"] == ind_id].set_index(["level", "unit_id", "year"]).sort_index()
    want = oracle(derived, ind_id).set_index(["level", "unit_id", "year"]).sort_index()
    assert got.index.tolist() == want.index.tolist(), f"{engine}: rows differ for {ind_id}"
    for col in ("numerator", "denominator", "raw_value", "reference_value", "value"):
        np.testing.assert_allclose(got[col].to_numpy(float), want[col].to_numpy(float), rtol=1e-9, atol=1e-9,
                                   equal_nan=True, err_msg=f"{engine}: {ind_id}.{col}")
    np.testing.assert_array_equal(got["persons"].to_numpy(), want["persons"].to_numpy().astype(int))


def test_area_rows_carry_their_municipality_and_region(engine_result, areas):
    _, out = engine_result
    rows = out[(out["indicator"] == "residents") & (out["level"] == "area")]
    expected = areas.set_index("area_id")
    assert rows["municipality"].tolist() == expected.loc[rows["unit_id"], "municipality"].tolist()
    assert rows["region"].tolist() == expected.loc[rows["unit_id"], "region"].tolist()
    country = out[(out["indicator"] == "residents") & (out["level"] == "country")]
    assert country["municipality"].isna().all() and country["region"].isna().all()


def test_shares_of_a_partition_add_up(engine_result):
    _, out = engine_result
    ids = ["employed_share_18_64", "unemployed_share_18_64", "outside_labour_force_share_18_64"]
    wide = out[out["indicator"].isin(ids)].pivot_table(index=["level", "unit_id", "year"], columns="indicator", values="value")
    np.testing.assert_allclose(wide[ids].sum(axis=1), 1.0)


def test_years_filter_gives_the_same_values_as_the_full_run(persons, areas):
    store = Store(":memory:")
    store.write_result("persons", persons)
    store.write_result("areas", areas)
    full = compute(store)
    some = compute(store, years=[2022, 2023])
    expected = full[full["year"].isin([2022, 2023])].reset_index(drop=True)
    pd.testing.assert_frame_equal(some.reset_index(drop=True), expected, check_exact=False, rtol=1e-12)
    assert some["indicator"].nunique() == len(ORACLE_IDS)
