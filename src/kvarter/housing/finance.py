"""Start-loan arithmetic: the annuity of a loan and a household's repayment capacity.

Husbanken's start-loan guidance ("Beregne betjeningsevnen for startlån")
starts from the household's income after tax, less an amount for living
(at least the state's guideline rate for social assistance), less other fixed
costs (repayment of consumer debt and student loans, kindergarten, child
support), less expected maintenance: what is left is what the household can
pay for housing each month. That is set against the annuity of a start loan.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from kvarter.errors import InputError, MissingFieldError
from kvarter.housing.ruledata import read_model, resolve
from kvarter.validation import check_scalar


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BudgetSource(_Model):
    """Where a budget's amounts come from."""

    document: str
    in_force: dt.date | None = None
    url: str | None = None
    guidance: str | None = None


class AdultRates(_Model):
    """Monthly living costs of the adults: one, two, and each further adult."""

    one: float = Field(ge=0)
    two: float = Field(ge=0)
    further: float = Field(ge=0)


class ChildRates(_Model):
    """Monthly living costs per child by age band."""

    age_0_5: float = Field(ge=0)
    age_6_10: float = Field(ge=0)
    age_11_13: float = Field(ge=0)
    age_14_17: float = Field(ge=0)


class DebtTerms(_Model):
    """The terms on which non-mortgage debt is assumed to be repaid (an annuity)."""

    annual_rate: float = Field(ge=0, le=1)
    years: float = Field(gt=0, le=50)


class Budget(_Model):
    """A living-cost budget by household composition (``kind: living_cost_budget``)."""

    kind: str = Field(pattern="^living_cost_budget$")
    version: int = Field(ge=1)
    id: str
    title: str
    source: BudgetSource
    currency: str = "NOK"
    adults: AdultRates
    children: ChildRates
    maintenance_month: float = Field(ge=0)
    debt_terms: DebtTerms


def load_budget(name: str | Path | Budget = "nav-2024") -> Budget:
    """A living-cost budget by built-in name (``nav-2024``) or YAML path.

    >>> b = load_budget()
    >>> b.adults.one, b.adults.two, b.children.age_0_5
    (7850.0, 13100.0, 3850.0)
    """
    if isinstance(name, Budget):
        return name
    return read_model(resolve(name, "budget-", "budget"), Budget, "budget")


def annuity(principal, annual_rate: float, years: float, months_without_repayment: int = 0):
    """Monthly payment of an annuity loan once repayment has begun.

    ``payment = P · r / (1 − (1 + r)^−n)`` with monthly rate ``r = annual_rate / 12``
    and ``n = 12 · years − months_without_repayment`` monthly instalments (the
    interest-only months at the start count towards the term, as a start
    loan's "avdragsfri periode"); with ``r = 0`` it is ``P / n``. During the
    interest-only months the payment is ``P · r``. Start loans run up to 30
    years, 50 in special cases, with up to 8 years without repayment
    (Husbanken, Veileder for startlån: Nedbetalingsvilkår, forskriften § 8-5).

    >>> round(float(annuity(1_000_000, 0.05, 30)), 2)
    5368.22
    >>> round(float(annuity(1_200, 0.0, 1)), 2)
    100.0
    >>> round(float(annuity(1_000_000, 0.05, 30, months_without_repayment=60)), 2)
    5845.90
    """
    check_scalar(annual_rate, "annual_rate", "annuity", kind=(int, float), min_value=0, max_value=1)
    check_scalar(years, "years", "annuity", kind=(int, float), min_value=0, max_value=50, include_min=False)
    check_scalar(months_without_repayment, "months_without_repayment", "annuity", kind=int, min_value=0, max_value=96)
    n = 12 * years - months_without_repayment
    if n < 1:
        raise InputError(
            f"annuity got {months_without_repayment} months without repayment on a {years:g}-year loan; "
            "some months must be left to repay it."
        )
    p = np.asarray(principal, dtype=float)
    if (p < 0).any():
        raise InputError(f"principal passed to annuity must be >= 0; got {p[p < 0].flat[0]:g}.")
    r = annual_rate / 12.0
    if r == 0:
        return p / n
    return p * r / (1.0 - (1.0 + r) ** (-n))


def annuity_factor(annual_rate: float, years: float, months_without_repayment: int = 0) -> float:
    """Monthly payment per NOK borrowed: ``annuity(1, ...)``; its inverse prices a payment.

    >>> round(1 / annuity_factor(0.05, 30))  # NOK a monthly 1 NOK buys
    186
    """
    return float(annuity(1.0, annual_rate, years, months_without_repayment))


_CHILDREN = ("children_0_5", "children_6_10", "children_11_13", "children_14_17")


def _column(households: pd.DataFrame, name: str, owner: str, *, default=None) -> np.ndarray:
    if name not in households.columns:
        if default is not None:
            return np.full(len(households), float(default))
        raise MissingFieldError(
            f"{owner} needs the households column {name!r}; the table has "
            f"{', '.join(map(repr, households.columns))}."
        )
    values = pd.to_numeric(households[name], errors="coerce").astype("float64")
    return values.to_numpy(na_value=np.nan)


def living_costs(households: pd.DataFrame, budget: str | Path | Budget | None = None) -> np.ndarray:
    """Monthly living costs of each household from a budget by composition.

    Adults are persons minus children; one adult costs ``adults.one``, two
    ``adults.two``, each further adult ``adults.further``; each child the rate
    of its age band. Absent children columns count as no children.

    >>> hh = pd.DataFrame({"persons": [1, 4], "children_0_5": [0, 1], "children_6_10": [0, 1]})
    >>> living_costs(hh).tolist()  # 7,850; 13,100 + 3,850 + 3,950
    [7850.0, 20900.0]
    """
    b = load_budget(budget or "nav-2024")
    persons = _column(households, "persons", "living_costs")
    kids = {c: np.nan_to_num(_column(households, c, "living_costs", default=0)) for c in _CHILDREN}
    adults = persons - sum(kids.values())
    if (adults < 1).any():
        i = int(np.flatnonzero(adults < 1)[0])
        raise InputError(
            f"living_costs got a household without an adult at row {i} "
            f"(persons {persons[i]:g}, children {persons[i] - adults[i]:g})."
        )
    adult_cost = np.where(adults == 1, b.adults.one, b.adults.two + b.adults.further * np.maximum(adults - 2, 0))
    child_cost = (kids["children_0_5"] * b.children.age_0_5 + kids["children_6_10"] * b.children.age_6_10
                  + kids["children_11_13"] * b.children.age_11_13 + kids["children_14_17"] * b.children.age_14_17)
    return adult_cost + child_cost


def debt_service(debt, budget: str | Path | Budget | None = None) -> np.ndarray:
    """Monthly repayment of non-mortgage debt on the budget's debt terms.

    >>> round(float(debt_service([100_000])[0]), 2)  # 10 % over 5 years
    2124.7
    """
    b = load_budget(budget or "nav-2024")
    return np.nan_to_num(np.asarray(debt, dtype=float)) * annuity_factor(b.debt_terms.annual_rate, b.debt_terms.years)


def repayment_capacity(households: pd.DataFrame, budget: str | Path | Budget | None = None) -> np.ndarray:
    """NOK per month each household has left for housing (Husbanken's *betjeningsevne*).

    ``income_after_tax / 12 − living costs − other_fixed_costs_month −
    debt service − maintenance``, with living costs by composition from
    ``budget`` (default ``nav-2024``, the social-assistance guideline rates that
    Husbanken sets as the floor), debt service of ``debt`` on the budget's
    debt terms and the budget's maintenance per month. Missing other costs
    and debt count as 0; missing income gives NaN (capacity unknown).

    Reference: Husbanken, Veileder for startlån, "Beregne betjeningsevnen for startlån".

    A single adult with NOK 360,000 after tax, 2,000 other costs and no debt:
    30,000 − 7,850 − 2,000 − 0 − 1,000 = 19,150.

    >>> hh = pd.DataFrame({"persons": [1], "income_after_tax": [360_000], "other_fixed_costs_month": [2_000]})
    >>> repayment_capacity(hh).tolist()
    [19150.0]
    """
    b = load_budget(budget or "nav-2024")
    income = _column(households, "income_after_tax", "repayment_capacity")
    if (income < 0).any():
        i = int(np.flatnonzero(income < 0)[0])
        raise InputError(f"income_after_tax passed to repayment_capacity is negative at row {i}: {income[i]:g}.")
    other = np.nan_to_num(_column(households, "other_fixed_costs_month", "repayment_capacity", default=0))
    debt = _column(households, "debt", "repayment_capacity", default=0)
    return income / 12.0 - living_costs(households, b) - other - debt_service(debt, b) - b.maintenance_month
