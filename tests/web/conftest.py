"""Fixtures of the web tests: one small hand-made publication per session,
made with the real publishing functions (so every table passed
:func:`kvarter.disclosure.protect`), and a fresh store file per test module
for the registry.

The numbers are chosen by hand so tests can state them: area A1 "Aby" has
40 residents, 20 of them with a non-western background (share 0.5); area
A2 "Bby" has 3 residents (every figure about it is suppressed); area A3
"Cby" has 60 residents, 6 non-western (0.1). The municipality K has all 103.
Building all of it takes well under a second.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

TOKEN = "test-token-0123456789abcdef"
BASE = "http://127.0.0.1"
YEAR = 2024


def square(x: float, y: float, d: float = 0.01) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]})


AREAS = pd.DataFrame({
    "area_id": ["A1", "A2", "A3", "A4"],
    "name": ["Aby", "Bby", "Cby", "Dby"],
    "municipality": ["K"] * 4,
    "region": ["R"] * 4,
    "kind": ["housing_area"] * 4,
    "geometry": [square(12.50, 55.70), square(12.52, 55.70), square(12.54, 55.70), square(12.56, 55.70)],
})

#: residents and non-western residents per area and year (2024 as in the module docstring).
COUNTS = {2023: {"A1": (38, 18), "A2": (4, 1), "A3": (58, 6), "A4": (11, 5)},
          2024: {"A1": (40, 20), "A2": (3, 1), "A3": (60, 6), "A4": (10, 5)}}


def indicator_frame() -> pd.DataFrame:
    rows = []
    for year, by_area in COUNTS.items():
        total_n = sum(n for n, _ in by_area.values())
        total_x = sum(x for _, x in by_area.values())
        for level, unit, n, x in [("area", a, n, x) for a, (n, x) in by_area.items()] + [
                ("municipality", "K", total_n, total_x)]:
            rows.append({"indicator": "residents", "level": level, "unit_id": unit, "municipality": "K",
                         "region": "R", "year": year, "numerator": float(n), "denominator": float("nan"),
                         "persons": float(n), "value": float(n), "raw_value": float(n)})
            rows.append({"indicator": "non_western_share", "level": level, "unit_id": unit, "municipality": "K",
                         "region": "R", "year": year, "numerator": float(x), "denominator": float(n),
                         "persons": float(n), "value": x / n, "raw_value": x / n})
    return pd.DataFrame(rows)


def history_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "ruleset": "dk-2024", "list": "udsat_boligomraade", "area_id": ["A1", "A1", "A3", "A3"],
        "name": ["Aby", "Aby", "Cby", "Cby"], "year": [2023, 2024, 2023, 2024],
        "designated": [False, True, False, False], "change": ["", "listed", "", ""]})


def criteria_frame() -> pd.DataFrame:
    # A1 meets the non-western criterion by 0.5 - 0.4 = 0.1; A2's row rests on 3 persons.
    return pd.DataFrame({
        "ruleset": "dk-2024", "area_id": ["A1", "A2", "A3"], "name": ["Aby", "Bby", "Cby"],
        "criterion": "non_western_share", "persons": [40, 3, 60], "value": [0.5, 1 / 3, 0.1],
        "threshold": [0.4, 0.4, 0.4], "met": [True, False, False], "margin": [0.1, -0.0667, -0.3]})


def benchmark_frame() -> pd.DataFrame:
    """The four areas' non-western shares in 2024 (A2's rests on 3 persons), to benchmark against the city."""
    rows = [(a, n, x) for a, (n, x) in COUNTS[2024].items()]
    return pd.DataFrame({"indicator": "non_western_share", "unit_id": [a for a, _, _ in rows], "year": YEAR,
                         "value": [x / n for _, n, x in rows], "numerator": [float(x) for _, _, x in rows],
                         "denominator": [float(n) for _, n, _ in rows], "persons": [n for _, n, _ in rows]})


def benchmark_tables(policy) -> dict:
    from kvarter.benchmark import reference_groups
    from kvarter.publish.benchmark import protect_benchmark

    ids = list(COUNTS[2024])
    return protect_benchmark(benchmark_frame(), reference_groups(ids, "country", include_self=True), policy,
                             kinds={"non_western_share": "share"}, spine_units=["A1"], prefix="benchmark_areas",
                             names=dict(zip(AREAS["area_id"], AREAS["name"])))


@pytest.fixture(scope="session")
def publication():
    from kvarter.disclosure import DisclosurePolicy, protect
    from kvarter.publish import Publication
    from kvarter.publish.indicators import protect_indicators
    from kvarter.publish.screening import protect_history

    policy = DisclosurePolicy(min_count=5)
    ind = indicator_frame()
    published = protect_indicators(ind, policy)
    residents = pd.DataFrame([{"area_id": a, "year": y, "residents": n} for y, d in COUNTS.items()
                              for a, (n, _) in d.items()])
    criteria = protect(criteria_frame(), policy, key=["ruleset", "area_id", "name", "criterion"],
                       value_columns=["value", "threshold", "met", "margin"], count_column="persons",
                       name="criteria dk-2024")
    tables = {"indicators": published, "history": protect_history(history_frame(), residents, policy),
              "criteria_dk-2024": criteria, **benchmark_tables(policy)}
    return Publication(tables=tables, policy=policy, year=YEAR, municipality="K",
                       areas=AREAS[["area_id", "name", "municipality", "region", "kind", "geometry"]],
                       designated={"udsat_boligomraade": ["A1"]}, shown={"dk-2024": criteria},
                       notes=("A hand-made publication for the web tests.",))


def make_store(path: Path) -> Path:
    from kvarter.store import Store

    with Store(path) as st:
        st.load_many({"areas": AREAS.drop(columns=["geometry"])})
    return path


@pytest.fixture(scope="session")
def site_factory(publication, tmp_path_factory):
    """A :class:`Site` over ``publication`` with a fresh registry store file."""
    from kvarter.jobs.site import Site
    from kvarter.publish.links import hidden_cells

    def make(with_store: bool = True):
        path = make_store(tmp_path_factory.mktemp("webstore") / "kvarter.duckdb") if with_store else None
        return Site(publication=publication, indicators=indicator_frame(),
                    hidden=frozenset(hidden_cells(publication["indicators"])), store_path=path)

    return make


@pytest.fixture(scope="module")
def site(site_factory):
    return site_factory()


@pytest.fixture(scope="module")
def client(site):
    from fastapi.testclient import TestClient

    from kvarter.web import create_app

    with TestClient(create_app(site, token=TOKEN), base_url=BASE) as c:
        yield c


@pytest.fixture
def auth() -> dict:
    """The Authorization header with the test token."""
    return {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def initiative() -> dict:
    """A valid initiative in area A1 (a new dict each time)."""
    return {"id": "lektiecafe", "name": "Lektiecafé", "areas": ["A1"], "target_groups": ["children"],
            "principles": ["gentofte:7"], "start": "2023-08-15", "status": "running"}


@pytest.fixture(scope="session")
def token() -> str:
    return TOKEN
