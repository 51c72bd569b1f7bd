"""Import and export: YAML, JSON and CSV round trips, all or nothing, the failure table of kvarter load."""

from __future__ import annotations

import json

import pytest
import yaml

from kvarter.errors import InputErrors
from kvarter.registry import Registry
from kvarter.registry.examples import COPENHAGEN_2035, seed_examples
from kvarter.store import Store

from .conftest import initiative

LOAD_COLUMNS = ["file", "row", "column", "value", "reason", "message"]


def _records(reg: Registry):
    return ({r.id: r for r in reg.initiatives(include_withdrawn=True)},
            {e.id: e for e in reg.experiences(include_withdrawn=True)},
            {k: v for k, v in reg.principle_sets().items() if k != "gentofte"})


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_export_then_import_gives_the_same_registry(tmp_path, demo_areas, demo_store, suffix):
    with Store(demo_store) as s:
        seed_examples(s)
        reg = Registry(s)
        reg.withdraw("ex-familieklub", author="ana", reason="merged into another")
        path = reg.export(tmp_path / f"registry{suffix}")
        before = _records(reg)
    fresh = tmp_path / "fresh.duckdb"
    with Store(fresh) as s:
        s.load_frame(demo_areas, "areas")
        reg = Registry(s)
        result = reg.import_file(path, author="bo")
        assert result.count("added") == 12 + 3 + 1 and result.count("updated") == 0
        assert _records(reg) == before
        assert reg.get("ex-familieklub").withdrawn is True
        rows = s.con.execute("select count(*) from registry_versions").fetchone()[0]
        again = reg.import_file(path, author="bo")
        assert again.count("unchanged") == 16
        assert s.con.execute("select count(*) from registry_versions").fetchone()[0] == rows


def test_csv_round_trip_of_initiatives(tmp_path, demo_areas, demo_store):
    with Store(demo_store) as s:
        seed_examples(s)
        path = Registry(s).export(tmp_path / "initiatives.csv")
        before = {r.id: r for r in Registry(s).initiatives()}
    fresh = tmp_path / "fresh.duckdb"
    with Store(fresh) as s:
        s.load_frame(demo_areas, "areas")
        reg = Registry(s)
        reg.add_principle_set(COPENHAGEN_2035, author="bo")
        assert reg.import_file(path, author="bo").count("added") == 12
        assert {r.id: r for r in reg.initiatives()} == before


def test_a_cp1252_csv_with_semicolons_and_decimal_commas(tmp_path, registry):
    path = tmp_path / "indsatser.csv"
    path.write_bytes((
        "id;name;areas;target_groups;principles;start;status;budget;participants;partners\n"
        'nattevandring;Natteravne i Kildeparken;"DEM-H01; DEM-H02";youth;gentofte:8;2024-02-01;running;'
        '"1.250.000,50";12;"[{""name"": ""Natteravnene"", ""kind"": ""civil_society""}]"\n'
    ).encode("cp1252"))
    assert registry.import_file(path, author="ana").versions == {"nattevandring": 1}
    rec = registry.get("nattevandring")
    assert (rec.name, rec.areas, rec.budget, rec.participants) == (
        "Natteravne i Kildeparken", ["DEM-H01", "DEM-H02"], 1250000.5, 12)
    assert rec.partners[0].kind == "civil_society"


def test_a_bad_import_stores_nothing_and_lists_every_failure(tmp_path, registry, store):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"initiatives": [
        initiative(id="good"),
        initiative(id="elsewhere", areas=["DEM-H09"]),
        initiative(id="good", name="Again"),
        initiative(id="late", start="2024-01-01", end="2023-01-01",
                   evidence=[{"id": "e", "design": "before_after", "scale": "sms", "level": 7}]),
    ], "experiences": [{"id": "x1", "date": "2024-01-01", "title": "T", "initiative": "nobody", "worked": "w"}]},
        allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        registry.import_file(path, author="ana")
    table = exc.value.table()
    assert list(table.columns) == LOAD_COLUMNS
    got = table[["row", "column", "value", "reason"]].astype(str).values.tolist()
    assert got == [
        ["1", "initiative", "nobody", "not_allowed"],
        ["2", "areas[0]", "DEM-H09", "unknown_area"],
        ["3", "id", "good", "duplicate_id"],
        ["4", "end", "2023-01-01", "inconsistent"],
        ["4", "evidence[0].level", "7", "out_of_range"],
    ]
    assert "'good' appears twice in the file (initiative rows 1 and 3)" in table["message"][2]
    assert str(path) in str(exc.value) and "nothing was stored" in str(exc.value)
    assert not store.has_table("registry_versions") or \
        store.con.execute("select count(*) from registry_versions").fetchone()[0] == 0


def test_reimport_of_a_changed_record_is_a_new_version(tmp_path, registry):
    path = tmp_path / "one.json"
    path.write_text(json.dumps([initiative()]), encoding="utf-8")
    registry.import_file(path, author="ana")
    path.write_text(json.dumps([initiative(participants=30)]), encoding="utf-8")
    result = registry.import_file(path, author="bo", reason="new counts")
    assert result.table[["action", "version"]].values.tolist() == [["updated", 2]]
    assert registry.diff("lektiecafe").values.tolist() == [["participants", None, 30]]
    assert registry.history("lektiecafe")[["action", "author", "reason"]].values.tolist()[1] == ["import", "bo", "new counts"]
    registry.withdraw("lektiecafe", author="bo", reason="ended early")
    path.write_text(json.dumps([initiative(participants=31)]), encoding="utf-8")
    with pytest.raises(InputErrors, match="was withdrawn at version 3; it cannot be changed"):
        registry.import_file(path, author="bo")


def test_files_that_are_not_registry_files(tmp_path, registry):
    bad = tmp_path / "x.yaml"
    bad.write_text("kind: ruleset\nrules: []\n", encoding="utf-8")
    with pytest.raises(InputErrors) as exc:
        registry.import_file(bad, author="ana")
    assert exc.value.table()[["column", "reason"]].values.tolist() == [["kind", "not_allowed"], ["rules", "unknown_column"]]
    with pytest.raises(InputErrors, match="registry files are .yaml, .yml, .json or .csv"):
        registry.import_file(tmp_path / "x.xlsx", author="ana")
    broken = tmp_path / "b.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputErrors, match="not valid JSON"):
        registry.import_file(broken, author="ana")
