"""The child-suitability checklist: one hand-made dwelling per item, area fallbacks, area shares."""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.errors import InputErrors, MissingFieldError, RuleError
from kvarter.housing import checklist, load_checklist
from kvarter.housing.ruledata import RULE_DIR

# A dwelling that passes every item: 3 rooms, 80 m² for 3 persons, all conditions good.
PASSING = {"dwelling_id": "D0", "year": 2024, "municipality": "0301", "area_id": "A1", "rooms": 3, "floor_m2": 80.0,
           "persons": 3, "children": 1, "damp_or_rot": False, "too_little_daylight": False, "garden_or_balcony": True,
           "outside_noise": False, "playground_distance_m": 150.0, "unsafe_neighbourhood": False, "safe_traffic": True}

FAILING = {
    "crowding": {"rooms": 2, "floor_m2": 74.0},  # 2 rooms < 3 persons and 24.7 m² a person
    "damp_rot": {"damp_or_rot": True},
    "daylight": {"too_little_daylight": True},
    "garden_balcony": {"garden_or_balcony": False},
    "noise": {"outside_noise": True},
    "playground": {"playground_distance_m": 151.0},  # 150 m is still within the norm
    "safety": {"unsafe_neighbourhood": True},
    "traffic": {"safe_traffic": False},
}


def test_the_passing_dwelling_passes():
    wl = checklist(pd.DataFrame([PASSING])).working_list.frame
    assert wl["failed"].tolist() == [""] and wl["n_failed"].tolist() == [0] and wl["n_unknown"].tolist() == [0]


@pytest.mark.parametrize("item", list(FAILING))
def test_each_item_fails_alone(item):
    row = PASSING | FAILING[item] | {"dwelling_id": f"D-{item}"}
    wl = checklist(pd.DataFrame([PASSING, row])).working_list.frame
    assert wl["failed"].tolist() == ["", item]
    assert wl[item].tolist() == [False, True]


def test_every_item_of_the_file_is_tested():
    assert [i.id for i in load_checklist().items] == list(FAILING)


def test_just_not_crowded_dwelling_passes_crowding():
    row = PASSING | {"rooms": 2, "floor_m2": 75.0}  # exactly 25 m² a person
    assert checklist(pd.DataFrame([row])).working_list.frame["crowding"].tolist() == [False]


def test_unknown_values_are_unknown_not_failed():
    row = PASSING | {"damp_or_rot": None, "safe_traffic": None}
    wl = checklist(pd.DataFrame([row])).working_list.frame
    assert wl["n_failed"].tolist() == [0] and wl["n_unknown"].tolist() == [2]


def test_area_values_fill_what_the_dwelling_lacks():
    rows = [PASSING | {"dwelling_id": "D1", "unsafe_neighbourhood": None, "safe_traffic": None},
            PASSING | {"dwelling_id": "D2", "unsafe_neighbourhood": False}]
    areas = pd.DataFrame({"area_id": ["A1"], "unsafe_neighbourhood": [True], "safe_traffic": [False]})
    wl = checklist(pd.DataFrame(rows), areas).working_list.frame
    assert wl["failed"].tolist() == ["safety, traffic", ""]  # the dwelling's own answer wins


def test_children_shares_by_area_by_hand():
    rows = [
        PASSING | {"dwelling_id": "D1", "children": 2},  # passes everything
        PASSING | {"dwelling_id": "D2", "children": 1, "damp_or_rot": True},  # fails 1
        PASSING | {"dwelling_id": "D3", "children": 3, "damp_or_rot": True, "outside_noise": True,
                   "safe_traffic": False},  # fails 3
        PASSING | {"dwelling_id": "D4", "children": 0, "outside_noise": True},  # no children
        PASSING | {"dwelling_id": "D5", "area_id": "A2", "children": 4},
    ]
    t = checklist(pd.DataFrame(rows)).by_area().set_index(["measure", "level", "unit_id", "category"])
    a1 = lambda m, c=None: t.loc[(m, "area", "A1", c)]  # noqa: E731
    assert (a1("children_failing_1plus")["numerator"], a1("children_failing_1plus")["denominator"]) == (4, 6)
    assert a1("children_failing_3plus")["value"] == pytest.approx(3 / 6)
    assert a1("children_failing_item", "damp_rot")["numerator"] == 4
    assert a1("children_failing_item", "noise")["numerator"] == 3
    overall = t.loc[("children_failing_1plus", "all", "all", None)]
    assert (overall["numerator"], overall["denominator"]) == (4, 10)


def test_occupants_from_the_households_table():
    d = {k: v for k, v in PASSING.items() if k not in ("persons", "children")} | {"rooms": 2, "floor_m2": 60.0}
    h = [{"household_id": "H1", "year": 2024, "municipality": "0301", "area_id": "A1", "dwelling_id": "D0",
          "tenure": "municipal_rent", "persons": 3, "children_0_5": 2}]
    wl = checklist(pd.DataFrame([d]), households=pd.DataFrame(h)).working_list.frame
    assert (wl["persons"].tolist(), wl["children"].tolist(), wl["failed"].tolist()) == ([3.0], [2.0], ["crowding"])


def test_occupants_are_needed():
    d = {k: v for k, v in PASSING.items() if k != "persons"}
    with pytest.raises(MissingFieldError, match="checklist needs each dwelling's occupants"):
        checklist(pd.DataFrame([d]))


def test_rooms_zero_is_refused_naming_the_row():
    with pytest.raises(InputErrors) as err:
        checklist(pd.DataFrame([PASSING, PASSING | {"dwelling_id": "D9", "rooms": 0}]), source="boliger.csv")
    f = err.value.failures[0]
    assert (f.file, f.row, f.column) == ("boliger.csv", 2, "rooms") and "rooms 0 is outside" in f.message


def test_a_typo_in_the_checklist_names_file_and_line(tmp_path):
    text = (RULE_DIR / "checklist-husbanken.yaml").read_text(encoding="utf-8")
    text = text.replace("fails_when: {field: outside_noise, eq: true}", "fails_when: {field: outside_nosie, eq: true}")
    path = tmp_path / "checklist.yaml"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), start=1) if "outside_nosie" in ln)
    with pytest.raises(RuleError) as err:
        load_checklist(path)
    assert str(path) in str(err.value)
    assert f"line {line} @ items[4].fails_when.field: unknown dwellings field 'outside_nosie'" in str(err.value)
