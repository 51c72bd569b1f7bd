"""Start-loan arithmetic against hand computation and an amortisation schedule."""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.errors import InputError, MissingFieldError
from kvarter.housing import annuity, living_costs, repayment_capacity


def _balance_after(principal, annual_rate, years, payment, interest_only=0):
    """Run the loan month by month (a second, simpler implementation)."""
    r = annual_rate / 12
    balance = principal
    for month in range(int(12 * years)):
        interest = balance * r
        balance = balance + interest - (interest if month < interest_only else payment)
    return balance


@pytest.mark.parametrize(("principal", "rate", "years", "io"), [
    (2_050_000, 0.0464 + 0.0025, 30, 0),
    (2_050_000, 0.0489, 50, 0),
    (1_500_000, 0.0489, 30, 96),
    (800_000, 0.0, 20, 0),
])
def test_annuity_repays_the_loan_exactly(principal, rate, years, io):
    payment = float(annuity(principal, rate, years, months_without_repayment=io))
    assert _balance_after(principal, rate, years, payment, io) == pytest.approx(0, abs=1e-4)


def test_annuity_by_hand():
    # 1,000,000 at 5 % over 30 years: the textbook 5,368.22 a month
    assert float(annuity(1_000_000, 0.05, 30)) == pytest.approx(5368.216, abs=1e-3)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"years": 51}, "'years' parameter of annuity must be a int or float in the range (0, 50]"),
    ({"annual_rate": -0.01}, "'annual_rate' parameter of annuity"),
    ({"months_without_repayment": 97}, "'months_without_repayment' parameter of annuity"),
    ({"years": 1, "months_without_repayment": 12}, "some months must be left to repay it"),
])
def test_annuity_rejects_bad_terms(kwargs, fragment):
    args = {"principal": 1_000_000, "annual_rate": 0.05, "years": 30} | kwargs
    with pytest.raises(InputError) as err:
        annuity(**args)
    assert fragment in str(err.value)


def test_living_costs_on_the_2024_guideline_rates():
    hh = pd.DataFrame({"persons": [1, 2, 4, 5, 3],
                       "children_0_5": [0, 0, 1, 0, 0], "children_6_10": [0, 0, 1, 0, 0],
                       "children_11_13": [0, 0, 0, 1, 0], "children_14_17": [0, 0, 0, 1, 0]})
    # single 7,850; couple 13,100; couple + 0-5 (3,850) + 6-10 (3,950); three adults
    # (13,100 + 6,600) + 11-13 and 14-17 (5,150 each); three adults 13,100 + 6,600
    assert living_costs(hh).tolist() == [7850, 13100, 20900, 30000, 19700]


def test_repayment_capacity_by_hand():
    hh = pd.DataFrame({"persons": [4], "children_0_5": [1], "children_6_10": [1], "income_after_tax": [600_000],
                       "other_fixed_costs_month": [3_000], "debt": [100_000]})
    r = 0.10 / 12
    debt_service = 100_000 * r / (1 - (1 + r) ** -60)  # 10 % over 5 years
    expected = 50_000 - 20_900 - 3_000 - debt_service - 1_000
    assert repayment_capacity(hh)[0] == pytest.approx(expected)
    assert expected == pytest.approx(22_975.30, abs=0.01)


def test_repayment_capacity_needs_income():
    with pytest.raises(MissingFieldError, match="repayment_capacity needs the households column 'income_after_tax'"):
        repayment_capacity(pd.DataFrame({"persons": [1]}))


def test_repayment_capacity_refuses_negative_income():
    with pytest.raises(InputError, match="income_after_tax passed to repayment_capacity is negative at row 0: -5"):
        repayment_capacity(pd.DataFrame({"persons": [1], "income_after_tax": [-5]}))


def test_a_budget_file_replaces_the_rates(tmp_path):
    from kvarter.housing.ruledata import RULE_DIR

    text = (RULE_DIR / "budget-nav-2024.yaml").read_text(encoding="utf-8").replace("one: 7850", "one: 9000")
    path = tmp_path / "sifo.yaml"
    path.write_text(text, encoding="utf-8")
    hh = pd.DataFrame({"persons": [1], "income_after_tax": [360_000]})
    assert repayment_capacity(hh, budget=path).tolist() == [30_000 - 9_000 - 1_000]
