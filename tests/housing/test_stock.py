"""The social-housing stock (Gentofte's figures from data) and move-out rates by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.errors import InputErrors
from kvarter.housing import move_out_rate, stock_overview, stock_sentences


def gentofte_like() -> pd.DataFrame:
    """1,150 social family dwellings in 14 departments of 9 organisations; 900 municipal dwellings
    at 36 addresses; representation in 4 of 20 eligible buildings (seed 000)."""
    rows = []
    family = [100, 90, 85, 80, 80, 80, 80, 80, 80, 80, 75, 75, 75, 90]  # 1,150
    for k, n in enumerate(family):
        rows.append({"department_id": f"F{k}", "organisation": f"org{k % 9}", "area_id": f"A{k % 4}",
                     "municipality": "157", "kind": "social_family", "rooms_2": n // 2, "rooms_3": n - n // 2,
                     "allocation_right": (0.25, 0.5, 0.9)[k % 3], "representation_eligible": k < 12,
                     "representation": k < 3})
    for k in range(6):  # 900 municipal dwellings at 36 addresses
        rows.append({"department_id": f"M{k}", "organisation": "Gentofte Kommune", "area_id": f"A{k % 4}",
                     "municipality": "157", "kind": "municipal", "addresses": 6, "rooms_1": 50, "rooms_2": 100,
                     "representation_eligible": k < 8, "representation": k == 0})
    return pd.DataFrame(rows)


def test_gentofte_overview_in_words():
    assert stock_sentences(gentofte_like()) == [
        "1,150 social family dwellings in 14 departments of 9 housing organisations.",
        "900 municipal dwellings at 36 addresses.",
        "Residents' representation in 4 of 18 eligible departments.",
    ]


def test_stock_table_by_kind_and_allocation_right():
    t = stock_overview(gentofte_like())
    fam = t[(t["level"] == "all") & (t["kind"] == "social_family")].set_index(["measure", "category"])
    assert fam.loc[("dwellings", None), "numerator"] == 1150
    assert fam.loc[("departments", None), "numerator"] == 14
    share_25 = sum(n for k, n in enumerate([100, 90, 85, 80, 80, 80, 80, 80, 80, 80, 75, 75, 75, 90]) if k % 3 == 0)
    assert fam.loc[("dwellings_by_allocation_right", "0.25"), "numerator"] == share_25
    assert fam.loc[("dwellings_by_allocation_right", "0.25"), "denominator"] == 1150
    assert (fam.loc[("representation", None), "numerator"], fam.loc[("representation", None), "denominator"]) == (3, 12)
    area = t[(t["level"] == "area") & (t["measure"] == "dwellings")]
    assert area["numerator"].sum() == 1150 + 900


def test_bad_stock_is_refused():
    bad = gentofte_like().assign(allocation_right=1.5)
    with pytest.raises(InputErrors) as err:
        stock_overview(bad, source="afdelinger.csv")
    f = err.value.failures[0]
    assert (f.file, f.row, f.column) == ("afdelinger.csv", 1, "allocation_right")
    assert "allocation_right 1.5 is outside the range [0, 1]" in f.message


def _panel():
    # 2023: A holds p1..p5, B holds p6, p7. 2024: p1 → B, p2 → C, p3 left the panel, p4, p5 stay; p6 → A, p7 stays.
    rows = [(p, 2023, a) for p, a in [("p1", "A"), ("p2", "A"), ("p3", "A"), ("p4", "A"), ("p5", "A"), ("p6", "B"), ("p7", "B")]]
    rows += [(p, 2024, a) for p, a in [("p1", "B"), ("p2", "C"), ("p4", "A"), ("p5", "A"), ("p6", "A"), ("p7", "B")]]
    p = pd.DataFrame(rows, columns=["person_id", "year", "area_id"]).assign(municipality="157")
    p["household_id"] = p["person_id"].map({"p1": "h1", "p2": "h1", "p3": "h2", "p4": "h2", "p5": "h3", "p6": "h4", "p7": "h4"})
    return p


def test_move_out_rate_of_persons_by_hand():
    areas = pd.DataFrame({"area_id": ["A", "B", "C"], "region": ["R", "R", "R"]})
    t = move_out_rate(_panel(), areas=areas).set_index(["level", "unit_id"])
    assert tuple(t.loc[("area", "A"), ["numerator", "denominator"]]) == (2, 4)  # p1, p2 of p1, p2, p4, p5
    assert tuple(t.loc[("area", "B"), ["numerator", "denominator"]]) == (1, 2)
    assert tuple(t.loc[("region", "R"), ["numerator", "denominator"]]) == (3, 6)
    assert t.loc[("municipality", "157"), "value"] == pytest.approx(0.5)


def test_move_out_rate_of_households_by_hand():
    t = move_out_rate(_panel(), unit="households").set_index(["level", "unit_id"])
    # A: h1 (both moved) moved; h2 (p4 stayed) and h3 stayed; B: h4 (p7 stayed) stayed
    assert tuple(t.loc[("area", "A"), ["numerator", "denominator"]]) == (1, 3)
    assert tuple(t.loc[("area", "B"), ["numerator", "denominator"]]) == (0, 1)
