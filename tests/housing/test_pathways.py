"""Husbanken's five pathways: one hand-computed household per rule, what would change it,
and clear errors for bad households and bad rule files."""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.errors import InputErrors, MissingFieldError, RuleError
from kvarter.housing import load_pathways
from kvarter.housing.ruledata import RULE_DIR
from kvarter.store import Store



def household(**fields) -> dict:
    """One households row with the required fields filled in."""
    row = {"household_id": "H1", "year": 2024, "municipality": "0301", "area_id": "A1",
           "tenure": "municipal_rent", "persons": 1}
    row.update(fields)
    return row


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))

RATE = 0.0464 + 0.0025  # Husbanken's floating rate 1 July 2024 + the municipal margin


def factor(years: int) -> float:
    r = RATE / 12
    return r / (1 - (1 + r) ** (-12 * years))


PRICES = pd.DataFrame({"unit_id": ["0301"] * 4, "unit_kind": ["municipality"] * 4, "year": [2024] * 4,
                       "rooms": [2, 3, 4, 5], "price": [2_000_000, 2_400_000, 3_000_000, 3_600_000]})
LOAN_2_ROOMS = 2_000_000 * 1.025  # price plus 2.5 % purchase costs, no savings
P30, P50 = LOAN_2_ROOMS * factor(30), LOAN_2_ROOMS * factor(50)

# capacity = income / 12 - living costs (2024 guideline rates) - other costs - maintenance 1,000
CASES = {
    "owns": (household(household_id="own", tenure="owner", persons=2), "not_candidate", None),
    "risk_too_high": (household(household_id="risk", income_after_tax=150_000, payment_remarks=True), "not_candidate",
                      150_000 / 12 - 7_850 - 1_000),
    "buys_now": (household(household_id="buy", income_after_tax=480_000, wants_to_own=True, social_assistance=False,
                           adults_in_work=1), "1", 40_000 - 7_850 - 1_000),
    "needs_support_to_buy": (household(household_id="support", income_after_tax=480_000, adults_in_work=1), "2",
                             40_000 - 7_850 - 1_000),
    # one adult and a child of 3: 7,850 + 3,850; capacity 10,000 lies between the 50- and 30-year payments
    "family_owns_first": (household(household_id="family", persons=2, children_0_5=1, income_after_tax=272_400,
                                    adults_in_work=0), "5", 22_700 - 11_700 - 1_000),
    "cannot_pay_yet": (household(household_id="short", tenure="private_rent", income_after_tax=200_000,
                                 adults_in_work=1, social_assistance=False), "3", 200_000 / 12 - 7_850 - 1_000),
    "rent_before_owning": (household(household_id="help", income_after_tax=150_000, adults_in_work=0,
                                     social_assistance=True, payment_remarks=False), "4", 150_000 / 12 - 7_850 - 1_000),
}


@pytest.fixture(scope="module")
def result():
    rows = [dict(row, children_0_5=row.get("children_0_5", 0)) for row, _, _ in CASES.values()]
    return load_pathways().classify(frame(*rows), PRICES).working_list.frame.set_index("household_id")


def test_hand_numbers_lie_where_the_rules_need_them():
    assert P50 < 10_000 < P30  # the family case
    assert 40_000 - 8_850 > P30  # the single earning 480,000
    assert 200_000 / 12 - 8_850 < P50  # cannot pay yet, even on 50 years


@pytest.mark.parametrize("rule_id", list(CASES))
def test_each_rule_by_hand(result, rule_id):
    row_in, pathway, capacity = CASES[rule_id]
    got = result.loc[row_in["household_id"]]
    assert (got["pathway"], got["rule"]) == (pathway, rule_id)
    if capacity is not None:
        assert got["capacity"] == pytest.approx(capacity)
        assert got["payment_standard"] == pytest.approx(P30)
        assert got["payment_special"] == pytest.approx(P50)
        assert got["margin_standard"] == pytest.approx(capacity - P30)


def test_every_pathway_rule_of_the_file_is_tested():
    assert {r.id for r in load_pathways().rules} == set(CASES)


def test_the_reason_shows_the_numbers(result):
    reason = result.loc["buy", "reason"]
    assert reason.startswith("Can pay — buys now with a start loan (margin_standard ")
    assert f"{40_000 - 8_850 - P30:,.0f} ≥ 0" in reason


def test_what_would_change_it_by_hand(result):
    got = result.loc["short"]
    gap = P30 - (200_000 / 12 - 8_850)
    assert got["change_to"] == "2"
    assert got["change_income_month"] == pytest.approx(gap)
    assert got["change_equity"] == pytest.approx(gap / factor(30))
    assert pd.isna(got["change_debt"])  # it has no debt to pay down
    assert got["change"] == (f"NOK {int(-(-gap // 100) * 100):,} more a month after tax, or "
                             f"NOK {int(-(-(gap / factor(30)) // 10_000) * 10_000):,} more equity, moves it to pathway 2")


@pytest.mark.parametrize(("delta", "pathway"), [(0.01, "2"), (-1.0, "3")])
def test_the_change_is_exactly_enough(result, delta, pathway):
    gap = float(result.loc["short", "change_income_month"])
    row = dict(CASES["cannot_pay_yet"][0], income_after_tax=200_000 + 12 * (gap + delta))
    out = load_pathways().classify(frame(row), PRICES).working_list.frame
    assert out["pathway"].tolist() == [pathway]


def test_paying_down_debt_is_offered_when_the_debt_allows_it():
    row = household(household_id="debt", tenure="private_rent", income_after_tax=300_000, adults_in_work=1,
                    debt=300_000, social_assistance=False)
    got = load_pathways().classify(frame(row), PRICES).working_list.frame.iloc[0]
    r = 0.10 / 12
    debt_factor = r / (1 - (1 + r) ** -60)
    capacity = 25_000 - 7_850 - 300_000 * debt_factor - 1_000
    assert got["pathway"] == "3" and got["capacity"] == pytest.approx(capacity)
    assert got["change_debt"] == pytest.approx((P30 - capacity) / debt_factor)
    freed = dict(row, debt=300_000 - got["change_debt"] - 1)
    assert load_pathways().classify(frame(freed), PRICES).working_list.frame["pathway"].tolist() == ["2"]


def test_missing_income_is_unmapped_with_the_reason():
    out = load_pathways().classify(frame(household(household_id="x")), PRICES).working_list.frame.iloc[0]
    assert out["pathway"] == "unmapped"
    assert out["reason"] == "ownership potential not mapped: missing income_after_tax"


def test_no_price_is_unmapped_with_the_reason():
    out = load_pathways().classify(frame(household(household_id="x", income_after_tax=400_000, year=2023)),
                                   PRICES).working_list.frame.iloc[0]
    assert out["pathway"] == "unmapped"
    assert "no price for a 2-room dwelling in area A1 or municipality 0301 in 2023" in out["reason"]


def test_area_prices_override_the_municipality():
    prices = pd.concat([PRICES, pd.DataFrame({"unit_id": ["A1"], "unit_kind": ["area"], "year": [2024], "rooms": [2],
                                              "price": [1_000_000]})], ignore_index=True)
    out = load_pathways().classify(frame(household(income_after_tax=300_000)), prices).working_list.frame.iloc[0]
    assert out["price"] == 1_000_000


def test_the_largest_size_stands_for_larger_households():
    out = load_pathways().classify(frame(household(persons=7, children_6_10=5, income_after_tax=900_000)),
                                   PRICES).working_list.frame.iloc[0]
    assert out["rooms_needed"] == 7 and out["price"] == 3_600_000


def test_renting_households_need_prices():
    with pytest.raises(MissingFieldError, match="needs a housing-market price table"):
        load_pathways().classify(frame(household(income_after_tax=1.0)))


# --- bad households: a clear error naming row, column and value -----------------------
GOOD = {"rooms": 2, "income_after_tax": 300_000, "persons": 3, "children_0_5": 1, "children_6_10": 0,
        "tenure": "municipal_rent"}


@pytest.mark.parametrize(("fields", "column", "fragment"), [
    ({"rooms": 0}, "rooms", "rooms 0 is outside the range [1, 100]"),
    ({"income_after_tax": -1000}, "income_after_tax", "income_after_tax -1000 is outside the range [0, inf]"),
    ({"persons": 2, "children_0_5": 2, "children_6_10": 1}, "persons",
     "persons 2 is fewer than the household's children (children_0_5 + children_6_10)"),
    ({"tenure": "rented"}, "tenure", "tenure 'rented' is not one of the allowed codes"),
])
def test_bad_households_are_refused_naming_row_and_value(fields, column, fragment):
    good = household(household_id="ok") | GOOD
    bad = household(household_id="bad") | GOOD | fields
    with pytest.raises(InputErrors) as err:
        load_pathways().classify(frame(good, bad), PRICES, source="husstander.csv")
    (failure,) = err.value.failures
    assert (failure.file, failure.row, failure.column) == ("husstander.csv", 2, column)
    assert fragment in failure.message
    assert "husstander.csv failed validation" in str(err.value) and "nothing was stored" in str(err.value)


@pytest.mark.parametrize("fields", [{"rooms": 0}, {"income_after_tax": -1}, {"persons": 1, "children_0_5": 2},
                                    {"tenure": "rented"}])
def test_bad_households_are_not_stored(fields):
    store = Store(":memory:")
    store.load_frame(pd.DataFrame({"area_id": ["A1"], "name": ["Furuset"], "municipality": ["0301"],
                                   "region": ["Oslo"], "kind": ["neighbourhood"]}), table="areas")
    rows = frame(household(household_id="ok") | GOOD, household(household_id="bad") | GOOD | fields)
    with pytest.raises(InputErrors) as err:
        store.load_frame(rows, table="households", source="husstander.csv")
    assert err.value.failures[0].row == 2
    assert not store.has_table("households")
    assert store.con.execute('select count(*) from "households__rows"').fetchone()[0] == 0


# --- bad rule files: file, line, path and value ------------------------------------------
def _edited(tmp_path, old: str, new: str):
    text = (RULE_DIR / "pathways-husbanken-5.yaml").read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    path = tmp_path / "pathways-typo.yaml"
    path.write_text(text, encoding="utf-8")
    first = new.strip().splitlines()[0]
    line = next(i for i, ln in enumerate(text.splitlines(), start=1) if first in ln)
    return path, line


@pytest.mark.parametrize(("old", "new", "fragment"), [
    ("- {field: margin_standard, ge: 0, change: money}", "- {field: margin_standrad, ge: 0, change: money}",
     "unknown field 'margin_standrad'"),
    ("    when:\n      - {field: tenure, in: [owner, cooperative]}", "    wehn:\n      - {field: tenure, in: [owner, cooperative]}",
     "wehn: "),
    ("- {field: children, ge: 1}", "- {field: children, ge: one}", "'one' — expected a valid number"),
    ("municipal_margin: 0.0025", "municipal_margin: 0.005", "loan.municipal_margin: 0.005 — expected less than or equal to 0.0025"),
    ('outcome: "5"', 'outcome: "6"', "outcome: '6' — expected '1', '2', '3', '4', '5' or 'not_candidate'"),
])
def test_a_typo_in_the_rule_file_names_file_line_and_value(tmp_path, old, new, fragment):
    path, line = _edited(tmp_path, old, new)
    with pytest.raises(RuleError) as err:
        load_pathways(path)
    msg = str(err.value)
    assert str(path) in msg and fragment in msg
    assert f"line {line} @" in msg


def test_unknown_rule_set():
    with pytest.raises(RuleError, match="Unknown pathway rules 'husbanken-6': not a built-in \\(husbanken-5\\)"):
        load_pathways("husbanken-6")
