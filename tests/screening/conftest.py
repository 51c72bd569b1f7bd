"""Helpers for the screening tests: user tables in the ministry's format."""

from __future__ import annotations

import pandas as pd
import pytest

#: Values that meet no criterion of any Danish list.
NEUTRAL = {
    "residents": 2000,
    "outside_labour_education_share": 0.10,
    "convicted_ratio_to_national": 0.5,
    "convicted_share": 0.005,
    "basic_education_share": 0.20,
    "income_ratio_to_region": 0.90,
    "non_western_share": 0.10,
}


def user_table(rows: list[dict], year: int = 2024) -> pd.DataFrame:
    """A user table: each row starts from NEUTRAL; area ids a0, a1, ... unless given."""
    out = []
    for i, r in enumerate(rows):
        row = {"area_id": f"a{i}", "name": f"Area {i}", "municipality": "Demoby", "year": year, **NEUTRAL}
        row.update(r)
        out.append(row)
    return pd.DataFrame(out)


@pytest.fixture
def make_user_table():
    return user_table
