"""History that loses nothing: versions with who, when, why; as-of queries; differences; withdrawal."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kvarter.errors import InputError
from kvarter.registry import Registry, VersionConflictError
from kvarter.store import Store, StoreError
from kvarter.store import registry_tables

from .conftest import initiative, version_rows


def test_every_change_is_a_new_version(registry, store):
    assert registry.add(initiative(), author="ana", reason="new") == 1
    assert registry.update("lektiecafe", {"participants": 40}, author="bo", reason="counted") == 2
    assert registry.add_evidence("lektiecafe", {"id": "e1", "design": "before_after", "scale": "sms", "level": 2},
                                 author="cy", reason="evaluated") == 3
    assert registry.update("lektiecafe", {"status": "ended", "end": "2025-06-30"}, author="bo", reason="closed") == 4
    assert registry.withdraw("lektiecafe", author="ana", reason="registered twice") == 5

    h = registry.history("lektiecafe")
    assert h["version"].tolist() == [1, 2, 3, 4, 5]
    assert h["action"].tolist() == ["add", "update", "update", "update", "withdraw"]
    assert h["author"].tolist() == ["ana", "bo", "cy", "bo", "ana"]
    assert h["reason"].tolist() == ["new", "counted", "evaluated", "closed", "registered twice"]
    assert h["changed"].tolist() == ["(added)", "participants", "evidence", "end, status", "withdrawn"]
    assert h["withdrawn"].tolist() == [False, False, False, False, True]
    assert h["recorded_at"].is_monotonic_increasing
    assert version_rows(store) == 5

    # Nothing was overwritten: every version reads back as it was written.
    assert registry.get("lektiecafe", version=1).model_dump(mode="json") == \
        registry.get("lektiecafe", version=1).model_validate(initiative()).model_dump(mode="json")
    assert registry.get("lektiecafe", version=2).participants == 40
    assert registry.get("lektiecafe", version=3).evidence[0].level == 2
    assert registry.get("lektiecafe", version=4).status == "ended"

    # Withdrawn: out of listings, still readable, its history stays, and it cannot change.
    assert registry.list().empty
    assert registry.list(include_withdrawn=True)["id"].tolist() == ["lektiecafe"]
    assert registry.get("lektiecafe").withdrawn is True
    with pytest.raises(InputError, match="withdrawn at version 5 by ana .* its history stays"):
        registry.update("lektiecafe", {"name": "again"}, author="bo", reason="x")
    with pytest.raises(InputError, match="withdrawn"):
        registry.withdraw("lektiecafe", author="bo", reason="again")
    assert version_rows(store) == 5


def test_as_of_reads_what_was_recorded_then(registry):
    registry.add(initiative(), author="ana")
    registry.update("lektiecafe", {"participants": 40}, author="bo", reason="counted")
    registry.update("lektiecafe", {"participants": 55}, author="bo", reason="counted again")
    times = registry.history("lektiecafe")["recorded_at"].tolist()
    between = times[1] + (times[2] - times[1]) / 2
    assert registry.get("lektiecafe", as_of=times[0]).participants is None
    assert registry.get("lektiecafe", as_of=between).participants == 40
    assert registry.get("lektiecafe", as_of=times[2]).participants == 55
    assert registry.get("lektiecafe").participants == 55
    with pytest.raises(InputError, match="no initiative 'lektiecafe' in the registry as of"):
        registry.get("lektiecafe", as_of=times[0] - dt.timedelta(seconds=1))
    # A date means the end of that day (UTC); listings take as_of too.
    assert registry.list(as_of=times[0].date())["version"].tolist() == [3]
    assert registry.list(as_of=(times[0] - dt.timedelta(days=1)).date()).empty
    # An aware time is converted to UTC.
    aware = pd.Timestamp(between).tz_localize("UTC").tz_convert("Europe/Copenhagen").to_pydatetime()
    assert registry.get("lektiecafe", as_of=aware).participants == 40


def test_difference_between_versions(registry):
    registry.add(initiative(evidence=[{"id": "e1", "design": "before_after", "scale": "sms", "level": 2}]), author="ana")
    registry.update("lektiecafe", {"budget": 150000.0, "areas": ["DEM-H01", "DEM-H02"]}, author="bo", reason="grown")
    registry.update("lektiecafe", {"evidence": [
        {"id": "e1", "design": "before_after", "scale": "sms", "level": 3},
        {"id": "e2", "design": "randomised_trial", "scale": "sms", "level": 5}]}, author="cy", reason="re-assessed")
    d = registry.diff("lektiecafe", 1, 2)
    assert d.values.tolist() == [["areas", ["DEM-H01"], ["DEM-H01", "DEM-H02"]], ["budget", 120000.0, 150000.0]]
    d = registry.diff("lektiecafe")  # latest against the one before
    assert d["field"].tolist() == ["evidence[e1].level", "evidence[e2]"]
    assert d.iloc[0]["old"] == 2 and d.iloc[0]["new"] == 3
    assert registry.diff("lektiecafe", 0, 1)["field"].tolist()[:3] == ["areas", "budget", "currency"]
    with pytest.raises(InputError, match="has versions 1-3; there is no version 7"):
        registry.diff("lektiecafe", 1, 7)


def test_an_unchanged_update_writes_no_version(registry, store):
    registry.add(initiative(), author="ana")
    assert registry.update("lektiecafe", {"budget": 120000}, author="bo", reason="same") == 1
    assert version_rows(store) == 1


def test_expected_version_refuses_a_stale_change(registry):
    registry.add(initiative(), author="ana")
    registry.update("lektiecafe", {"participants": 1}, author="bo", reason="x")
    with pytest.raises(VersionConflictError, match="is at version 2, not 1"):
        registry.update("lektiecafe", {"participants": 2}, author="cy", reason="y", expected_version=1)
    assert registry.update("lektiecafe", {"participants": 2}, author="cy", reason="y", expected_version=2) == 3


def test_a_clock_that_steps_back_cannot_reorder_versions(registry, monkeypatch):
    registry.add(initiative(), author="ana")
    first = registry.history("lektiecafe")["recorded_at"].iloc[0]
    monkeypatch.setattr(registry_tables, "_now", lambda: first - dt.timedelta(hours=1))
    registry.update("lektiecafe", {"participants": 3}, author="bo", reason="x")
    second = registry.history("lektiecafe")["recorded_at"].iloc[1]
    assert second == first + dt.timedelta(microseconds=1)


def test_a_write_is_made_once_even_when_retried(store):
    tables = registry_tables.RegistryTables(store)
    w = registry_tables.PendingWrite("initiative", "a", "add", "ana", "r", "change-1", lambda cur: {"id": "a"})
    assert tables.write([w]) == [1]
    assert tables.write([w]) == [1]  # the same change again: found, not written twice
    assert len(tables.versions("initiative", "a")) == 1


def test_schema_is_versioned_and_protected(store_path):
    with Store(store_path) as s:
        Registry(s).add(initiative(), author="ana")
        meta = dict(s.con.execute("select key, value from kvarter_meta").fetchall())
        assert meta["registry_schema_version"] == str(registry_tables.REGISTRY_SCHEMA_VERSION)
        assert "registry_versions" in s.tables()
        with pytest.raises(InputError, match="one of the store's own tables"):
            s.write_result("registry_versions", pd.DataFrame({"a": [1]}))
        s.con.execute("update kvarter_meta set value = '99' where key = 'registry_schema_version'")
    with Store(store_path) as s, pytest.raises(StoreError, match="layout version 99"):
        Registry(s)


def test_a_registry_on_a_new_file_makes_a_store_that_store_opens(tmp_path):
    path = tmp_path / "new.duckdb"
    reg = Registry(path)
    assert reg.add(initiative(), author="ana") == 1  # no areas table yet: areas are not checked
    with Store(path) as s:
        assert s.schema_version == 1
        assert Registry(s).get("lektiecafe").name == "Lektiecafé"
