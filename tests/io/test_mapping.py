"""Column mapping at load and user-defined area kinds: raw files load without hand editing."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kvarter.errors import InputError, InputErrors, Reason
from kvarter.io.mapping import ColumnMapping
from kvarter.store import Store

#: `kvarter load kk_udsatte_byomraader_2017.geojson --table areas --rename ogc_fid=area_id
#: --rename delomraade=name --set municipality=København --set "region=Region Hovedstaden" --set kind=urban_area`
COPENHAGEN = ColumnMapping.from_options(
    rename=["ogc_fid=area_id", "delomraade=name"],
    set=["municipality=København", "region=Region Hovedstaden", "kind=urban_area"],
)


def test_the_raw_copenhagen_layer_loads_with_a_mapping(reference_dir, tmp_path):
    path = reference_dir / "kk_udsatte_byomraader_2017.geojson"
    raw = json.loads(path.read_text(encoding="utf-8"))
    with Store(tmp_path / "s.duckdb") as s:
        with pytest.raises(InputErrors) as err:
            s.load(path, "areas")  # as it is, the layer lacks area_id, name, municipality, region and kind
        assert {f.column for f in err.value.failures} == {"area_id", "name", "municipality", "region", "kind"}
        rec = s.load(path, "areas", mapping=COPENHAGEN)
        areas = s.read("areas")
    assert rec.rows == 17
    assert rec.notes == ("renamed ogc_fid → area_id, delomraade → name; set municipality = 'København', "
                         "region = 'Region Hovedstaden', kind = 'urban_area'; ignored columns not in the contract: "
                         "byomraade, m2")
    by_id = areas.set_index("area_id")
    for feat in raw["features"]:
        row = by_id.loc[feat["properties"]["ogc_fid"]]
        assert row["name"] == feat["properties"]["delomraade"]
        assert json.loads(row["geometry"]) == feat["geometry"]
    assert set(areas["municipality"]) == {"København"} and set(areas["kind"]) == {"urban_area"}


def test_one_file_column_may_give_two_contract_columns(tmp_path):
    p = tmp_path / "areas.csv"
    p.write_text("omraade;kommune\nTingbjerg;København\n", encoding="utf-8")
    m = ColumnMapping.of(rename={"omraade": ["area_id", "name"], "kommune": "municipality"},
                         constants={"region": "Hovedstaden", "kind": "housing_area"})
    with Store(tmp_path / "s.duckdb") as s:
        s.load(p, "areas", mapping=m)
        assert s.read("areas")[["area_id", "name", "municipality"]].values.tolist() == [
            ["Tingbjerg", "Tingbjerg", "København"]]


def test_mapping_errors_are_collected_and_name_the_file(tmp_path):
    p = tmp_path / "areas.csv"
    p.write_text("id;name;municipality\nA1;Ryparken;101\n", encoding="utf-8")
    m = ColumnMapping.from_options(rename=["fid=area_id", "id=name"], set=["municipality=København"])
    with Store(tmp_path / "s.duckdb") as s, pytest.raises(InputErrors) as err:
        s.load(p, "areas", mapping=m)
    got = [(f.column, f.reason, f.message) for f in err.value.failures]
    assert got == [
        ("fid", Reason.missing_column, "--rename fid=area_id: the file has no column 'fid'; it has 'id', 'name', "
                                       "'municipality'"),
        ("name", Reason.duplicate_column, "mapping to column 'name': the file already has the column 'name'; "
                                          "rename that one too, or leave 'name' out of the mapping"),
        ("municipality", Reason.duplicate_column, "mapping to column 'municipality': the file already has the "
                                                  "column 'municipality'; rename that one too, or leave "
                                                  "'municipality' out of the mapping"),
    ]
    assert all(f.file == str(p) for f in err.value.failures)


def test_malformed_options_say_the_shape():
    with pytest.raises(InputError, match=r"--set 'København' must be COLUMN=VALUE"):
        ColumnMapping.from_options(set=["København"])


@pytest.mark.parametrize(("given", "stored"), [
    ("sogn", "sogn"), ("skoledistrikt", "skoledistrikt"), ("grunnkrets", "grunnkrets"), ("buurt", "buurt"),
    ("Skole-distrikt", "skole_distrikt"), ("housing_area", "housing_area"),
])
def test_user_defined_area_kinds_load(tmp_path, given, stored):
    df = pd.DataFrame({"area_id": ["X1"], "name": ["Sted"], "municipality": ["0301"], "region": ["Oslo"],
                       "kind": [given]})
    with Store(":memory:") as s:
        s.load_frame(df, "areas")
        assert s.read("areas")["kind"].tolist() == [stored]


def test_a_slip_from_a_built_in_kind_and_a_non_word_are_refused():
    df = pd.DataFrame({"area_id": ["X1", "X2", "X3"], "name": ["a", "b", "c"], "municipality": ["0301"] * 3,
                       "region": ["Oslo"] * 3, "kind": ["housing_aera", "12", "sogn"]})
    with Store(":memory:") as s, pytest.raises(InputErrors) as err:
        s.load_frame(df, "areas")
    got = [(f.row, f.reason, f.message.split(";")[0].split(" (")[0]) for f in err.value.failures]
    assert got == [
        (1, Reason.not_allowed, "kind 'housing_aera' is not a built-in code"),
        (2, Reason.not_allowed, "kind '12' is neither a built-in code"),
    ]
    assert "did you mean 'housing_area'?" in err.value.failures[0].message
