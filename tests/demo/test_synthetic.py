"""Determinism, contract conformance, geometry and panel consistency of the synthetic data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from kvarter.demo import synthesize, write_synthetic
from kvarter.errors import InputError

CONTRACTS = Path(__file__).resolve().parents[2] / "src" / "kvarter" / "io" / "contracts"
EDU_RANK = {e: i for i, e in enumerate(
    ["basic", "upper_secondary", "vocational", "short_tertiary", "medium_tertiary", "long_tertiary"])}


def _contract(name):
    return yaml.safe_load((CONTRACTS / f"{name}.yaml").read_text(encoding="utf-8"))


def test_same_seed_gives_identical_frames():
    a = synthesize(persons=1_500, areas=18, schools=5, years=range(2020, 2023), seed=3)
    b = synthesize(persons=1_500, areas=18, schools=5, years=range(2020, 2023), seed=3)
    for key in ("persons", "areas", "schools"):
        pd.testing.assert_frame_equal(a[key], b[key])


def test_different_seed_gives_different_frames():
    a = synthesize(persons=1_500, areas=18, schools=5, years=range(2020, 2023), seed=3)
    b = synthesize(persons=1_500, areas=18, schools=5, years=range(2020, 2023), seed=4)
    assert not a["persons"].equals(b["persons"])
    assert not a["areas"]["geometry"].equals(b["areas"]["geometry"])


@pytest.mark.parametrize("table", ["persons", "areas", "schools"])
def test_columns_and_values_follow_the_contract(small, table):
    spec = _contract(table)
    df = small[table]
    assert list(df.columns) == [c["name"] for c in spec["columns"]]
    for col in spec["columns"]:
        values = df[col["name"]]
        if not col.get("nullable"):
            assert values.notna().all(), col["name"]
        present = values.dropna()
        if "allowed" in col:
            assert set(present) <= set(col["allowed"]), col["name"]
        if "min" in col:
            assert present.min() >= col["min"], col["name"]
        if "max" in col:
            assert present.max() <= col["max"], col["name"]
        if col["type"] == "boolean":
            assert values.dtype == bool, col["name"]
        if col["type"] == "integer":
            assert pd.api.types.is_integer_dtype(values), col["name"]
    assert not df.duplicated(spec["primary_key"]).any()


def test_every_reference_is_known(small):
    p, a, s = small["persons"], small["areas"], small["schools"]
    assert set(p["area_id"]) <= set(a["area_id"])
    assert set(p["school_id"].dropna()) <= set(s["school_id"])
    assert set(s["area_id"]) <= set(a["area_id"])
    assert set(a["parent_area"].dropna()) <= set(a.loc[a["kind"] == "urban_area", "area_id"])
    # persons live in the smallest areas, and their municipality is their area's
    kinds = p[["area_id", "municipality"]].merge(a, on="area_id", suffixes=("", "_area"))
    assert set(kinds["kind"]) == {"housing_area", "neighbourhood"}
    assert (kinds["municipality"] == kinds["municipality_area"]).all()


def test_levels_differ_region_municipality_country(small):
    a = small["areas"]
    assert a.groupby("region")["municipality"].nunique().to_dict() == {
        "Region Hovedstaden": 3, "Region Sjælland": 1}
    housing = a[a["kind"] == "housing_area"]
    assert housing["social_housing"].all()
    assert not a.loc[a["kind"] != "housing_area", "social_housing"].any()


def test_optional_fields_follow_age_rules(small):
    p = small["persons"]
    young = p["age"] < 15
    assert p.loc[young, "education"].isna().all() and p.loc[~young, "education"].notna().all()
    assert (p.loc[young, "labour_status"] == "child").all()
    assert (p.loc[~young, "labour_status"] != "child").all()
    pupil = p["age"].between(6, 15)
    assert p.loc[pupil, "school_id"].notna().all() and p.loc[~pupil, "school_id"].isna().all()
    assert (p.loc[p["labour_status"] == "in_education", "in_education"]).all()
    assert (p.loc[p["age"] < 15, "convicted"] == False).all()  # noqa: E712 - below criminal age
    assert ((p["charges"] > 0) == p["charged"]).all()
    tertiary = p["education"].isin(["short_tertiary", "medium_tertiary", "long_tertiary"])
    assert p.loc[tertiary, "in_youth_education"].all()


def test_households_are_consistent_within_a_year(small):
    p = small["persons"]
    g = p.groupby(["year", "household_id"])
    for col in ("household_type", "household_size", "area_id", "household_disposable_income", "tenure", "rooms"):
        assert (g[col].nunique() == 1).all(), col
    assert (g.size() == g["household_size"].first()).all()
    # adults are the members without parents_education; single households have one adult
    adults = p["parents_education"].isna().groupby([p["year"], p["household_id"]]).sum()
    htype = g["household_type"].first()
    assert (adults[htype.str.startswith("single")] == 1).all()
    assert (adults[htype.str.startswith("couple")] == 2).all()
    with_kids = htype.isin(["single_with_children", "couple_with_children"])
    kids = p["parents_education"].notna().groupby([p["year"], p["household_id"]]).sum()
    assert (kids[with_kids] >= 1).all() and (kids[htype.isin(["single_no_children", "couple_no_children"])] == 0).all()


def test_parents_education_is_the_highest_of_the_adults(small):
    p = small["persons"].copy()
    p["rank"] = p["education"].map(EDU_RANK)
    best = p[p["parents_education"].isna()].groupby(["year", "household_id"])["rank"].max()
    kids = p[p["parents_education"].notna()]
    expected = best.reindex(pd.MultiIndex.from_frame(kids[["year", "household_id"]])).to_numpy()
    assert (kids["parents_education"].map(EDU_RANK).to_numpy() == expected).all()


def test_panel_follows_the_same_persons(small):
    p = small["persons"]
    fixed = p.groupby("person_id")[["sex", "origin", "generation"]].nunique()
    assert (fixed == 1).all().all()
    a, b = p[p["year"] == 2021], p[p["year"] == 2022]
    both = a.merge(b, on="person_id", suffixes=("_a", "_b"))
    assert (both["age_b"] == both["age_a"] + 1).all()
    assert len(both) > 0.9 * len(a)  # most stay, some die or emigrate
    born = set(b["person_id"]) - set(a["person_id"])
    assert (b.loc[b["person_id"].isin(born), "age"] == 0).sum() > 0
    moved = (both["area_id_a"] != both["area_id_b"]).mean()
    assert 0.01 < moved < 0.25
    same_household = (both["household_id_a"] == both["household_id_b"]).mean()
    assert same_household > 0.85


def test_first_year_has_exactly_the_requested_persons(small):
    sizes = small["persons"].groupby("year").size()
    assert sizes.loc[2018] == 3_000
    assert sizes.between(2_850, 3_150).all()


def _ring(geometry: str) -> np.ndarray:
    geo = json.loads(geometry)
    assert geo["type"] == "Polygon" and len(geo["coordinates"]) == 1
    return np.array(geo["coordinates"][0])


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def test_polygons_are_valid_counter_clockwise_and_tile_without_overlap(small):
    a = small["areas"]
    for kind in (["housing_area", "neighbourhood"], ["urban_area"]):
        level = a[a["kind"].isin(kind)]
        rings = [_ring(g) for g in level["geometry"]]
        for ring in rings:
            assert (ring[0] == ring[-1]).all() and len(ring) >= 4
            assert _signed_area(ring) > 0  # RFC 7946: exterior rings counter-clockwise
            assert 55.0 < ring[:, 1].min() and ring[:, 1].max() < 56.0
            assert 11.5 < ring[:, 0].min() and ring[:, 0].max() < 13.0
        # no overlap: the areas add up to the area of their union, estimated on a fine grid of points
        from matplotlib.path import Path as MplPath

        lon = np.linspace(11.79, 12.63, 420)
        lat = np.linspace(55.42, 55.85, 420)
        pts = np.column_stack([g.ravel() for g in np.meshgrid(lon, lat)])
        hits = sum(MplPath(r[:-1]).contains_points(pts).astype(int) for r in rings)
        assert hits.max() == 1


def test_urban_areas_cover_their_parts(small):
    a = small["areas"]
    total = {}
    for row in a[a["parent_area"].notna()].itertuples():
        total[row.parent_area] = total.get(row.parent_area, 0) + _signed_area(_ring(row.geometry))
    urban = a[a["kind"] == "urban_area"].set_index("area_id")["geometry"]
    for area_id, parts in total.items():
        assert _signed_area(_ring(urban[area_id])) == pytest.approx(parts, rel=1e-6)


def test_write_synthetic_writes_readable_files(small, tmp_path):
    paths = write_synthetic(small, tmp_path)
    persons = pd.read_parquet(paths["persons"])
    assert len(persons) == len(small["persons"]) and list(persons.columns) == list(small["persons"].columns)
    geo = json.loads(paths["areas_geojson"].read_text(encoding="utf-8"))
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == len(small["areas"])
    props = geo["features"][0]["properties"]
    assert set(props) == {"area_id", "name", "municipality", "region", "kind", "parent_area", "social_housing"}
    areas = pd.read_csv(paths["areas"], encoding="utf-8")
    assert "Bøgevangen" in set(areas["name"]) or "Åbakken" in set(areas["name"])
    schools = pd.read_csv(paths["schools"])
    assert list(schools["school_id"]) == list(small["schools"]["school_id"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(persons=10), "'persons' parameter of synthesize"),
        (dict(areas=3), "'areas' parameter of synthesize"),
        (dict(schools=1), "'schools' parameter of synthesize"),
        (dict(seed=-1), "'seed' parameter of synthesize"),
        (dict(years=[]), "'years' parameter of synthesize"),
        (dict(years=["x"]), "'years' parameter of synthesize"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(InputError, match=message):
        synthesize(**kwargs)
