"""Fixtures: a store file holding a small areas table, and a registry over it."""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.registry import Registry
from kvarter.store import Store

AREAS = pd.DataFrame({
    "area_id": ["DEM-U1", "DEM-H01", "DEM-H02", "DEM-N03"],
    "name": ["Demoby bydel 1", "Kildeparken", "Mosegården", "Vangede By"],
    "municipality": ["Demoby"] * 4,
    "region": ["Region Hovedstaden"] * 4,
    "kind": ["urban_area", "housing_area", "housing_area", "neighbourhood"],
    "parent_area": [None, "DEM-U1", "DEM-U1", "DEM-U1"],
})


def initiative(**changes) -> dict:
    """A valid initiative as a plain dict, with ``changes`` applied."""
    base = {
        "id": "lektiecafe", "name": "Lektiecafé", "areas": ["DEM-H01"], "target_groups": ["children"],
        "principles": ["gentofte:7"], "start": "2023-08-15", "status": "running", "budget": 120000.0,
        "outcomes": [{"indicator": "no_youth_education_share", "better": "lower"}],
    }
    base.update(changes)
    return base


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "kvarter.duckdb"
    with Store(path) as s:
        s.load_frame(AREAS, "areas")
    return path


@pytest.fixture
def store(store_path):
    s = Store(store_path)
    yield s
    s.close()


@pytest.fixture
def registry(store):
    return Registry(store)


def version_rows(store) -> int:
    if not store.has_table("registry_versions"):
        return 0
    return int(store.con.execute("select count(*) from registry_versions").fetchone()[0])


@pytest.fixture(scope="session")
def demo_areas():
    """Demoby's areas (the ids `kvarter demo` makes), without geometry."""
    from kvarter.demo import synthesize

    areas = synthesize(persons=2_000, areas=40, schools=16, years=[2024], seed=0)["areas"]
    return areas.drop(columns=["geometry"])


@pytest.fixture
def demo_store(tmp_path, demo_areas):
    path = tmp_path / "demo.duckdb"
    with Store(path) as s:
        s.load_frame(demo_areas, "areas")
    return path
