"""Husbanken's five pathways from renting to owning, as a versioned rule set.

A rule set (``rules/pathways-<id>.yaml``, ``kind: pathway_rules``) names its
source, the living-cost budget, the start-loan terms (Husbanken's rate plus
the municipality's margin of at most 0.25 points; 30 years, 50 in special
cases; up to 8 years without repayment), the size of a dwelling that suits a
household, and ordered rules. Each household takes the first rule whose
conditions all hold. The figures the rules can use are computed per household:

* ``capacity`` — :func:`~kvarter.housing.finance.repayment_capacity` (NOK a month);
* ``price`` — the price of a dwelling with ``rooms_needed`` rooms in the
  household's area (else its municipality) and year, from a housing-market table;
* ``loan`` — ``price · (1 + purchase_costs_share) − savings`` (at least 0);
* ``payment_standard`` / ``payment_special`` — the annuity of the loan on the
  standard and special terms at Husbanken's rate plus the margin;
* ``margin_standard`` / ``margin_special`` — capacity minus that payment;
* ``children``, ``adults`` — from the household's composition.

A condition marked ``change`` is something the household can change; for
every household in a pathway the classification says what would move it to
the best pathway above its own that changes alone can reach: for a money
condition the NOK a month more after tax, or the debt less, or the equity
more, that closes the gap (each alone).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from kvarter.errors import InputErrors, MissingFieldError
from kvarter.housing.conditions import Condition, Labels, _Model
from kvarter.housing.finance import annuity_factor, load_budget, repayment_capacity
from kvarter.housing.households import RENTING, check_households, composition
from kvarter.housing.results import WorkingList, area_table, by_levels
from kvarter.housing.ruledata import read_model, resolve
from kvarter.io.contracts import contract
from kvarter.io.validate import check_frame

#: Figures computed per household that rules may name besides the households fields.
METRICS = ("capacity", "rooms_needed", "price", "loan", "payment_standard", "payment_special",
           "margin_standard", "margin_special", "children", "adults")

#: Outcomes a rule can give: a pathway number or "not a candidate"; "unmapped" is the classifier's.
OUTCOMES = ("1", "2", "3", "4", "5", "not_candidate")

_MONEY = {"margin_standard": "standard", "margin_special": "special"}


class PathwayCondition(Condition):
    """A condition on a households field or one of the computed figures of :data:`METRICS`."""

    @field_validator("field")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in set(contract("households").names) | set(METRICS):
            raise ValueError(f"unknown field {v!r}; use a households field or one of {', '.join(METRICS)}")
        return v


class Rule(_Model):
    """One pathway rule: an outcome, its labels and the conditions that must all hold."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    outcome: Literal["1", "2", "3", "4", "5", "not_candidate"]
    label: Labels
    approach: Labels | None = None
    needs: Labels | None = None
    when: list[PathwayCondition] = []


class LoanTerms(_Model):
    """Term of a start loan and its months without repayment."""

    years: float = Field(gt=0, le=50)
    months_without_repayment: int = Field(0, ge=0, le=96)


class Loan(_Model):
    """Start-loan terms: Husbanken's rate, the municipal margin, standard and special terms."""

    husbanken_rate: float = Field(ge=0, le=0.5)
    municipal_margin: float = Field(ge=0, le=0.0025)
    standard: LoanTerms
    special: LoanTerms
    purchase_costs_share: float = Field(0.0, ge=0, le=0.5)

    @property
    def rate(self) -> float:
        """Husbanken's rate plus the municipality's margin."""
        return self.husbanken_rate + self.municipal_margin

    def factor(self, terms: str) -> float:
        """Monthly payment per NOK borrowed on the ``standard`` or ``special`` terms."""
        t = getattr(self, terms)
        return annuity_factor(self.rate, t.years, t.months_without_repayment)


class RuleSource(_Model):
    """Where the rules come from."""

    document: str
    guidance: str | None = None
    date: dt.date | None = None


class RoomsNeeded(_Model):
    """Size of a dwelling that suits a household: max(persons, min) rooms, priced at most as ``max``."""

    min: int = Field(1, ge=1)
    max: int = Field(5, ge=1)


class PathwayRules(_Model):
    """A validated pathway rule set; :meth:`classify` sorts households into its pathways."""

    kind: Literal["pathway_rules"]
    version: int = Field(ge=1)
    id: str
    title: str
    source: RuleSource
    budget: str = "nav-2024"
    loan: Loan
    rooms_needed: RoomsNeeded = RoomsNeeded()
    required: list[str] = ["income_after_tax", "persons"]
    renting: list[Literal["social_rent", "municipal_rent", "private_rent"]] = list(RENTING)
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_fields(self):
        names = set(contract("households").names) | set(METRICS)
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule id(s) used twice: {', '.join(dupes)}")
        for field in self.required:
            if field not in names:
                raise ValueError(f"required field {field!r} is not a households field")
        return self

    def rule(self, rule_id: str) -> Rule:
        """The rule called ``rule_id``."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def evaluate(self, households: pd.DataFrame, prices: pd.DataFrame | None = None) -> pd.DataFrame:
        """The households with the computed figures of :data:`METRICS` added (checked input)."""
        hh = households
        comp = composition(hh)
        budget = load_budget(self.budget)
        out = hh.copy()
        out["children"] = comp["children"].to_numpy()
        out["adults"] = comp["adults"].to_numpy()
        if "income_after_tax" in hh.columns:
            out["capacity"] = repayment_capacity(hh, budget)
        else:
            out["capacity"] = np.nan
        persons = pd.to_numeric(hh["persons"]).astype("float64").to_numpy()
        out["rooms_needed"] = np.maximum(persons, self.rooms_needed.min).astype("int64")
        out["price"] = _prices_for(out, prices, self.rooms_needed.max) if prices is not None else np.nan
        savings = (pd.to_numeric(hh["savings"]).astype("float64").fillna(0).to_numpy()
                   if "savings" in hh.columns else np.zeros(len(hh)))
        out["loan"] = np.maximum(out["price"].to_numpy(dtype=float) * (1 + self.loan.purchase_costs_share) - savings, 0)
        for terms in ("standard", "special"):
            out[f"payment_{terms}"] = out["loan"].to_numpy(dtype=float) * self.loan.factor(terms)
            out[f"margin_{terms}"] = out["capacity"].to_numpy(dtype=float) - out[f"payment_{terms}"].to_numpy(dtype=float)
        return out

    def classify(self, households: pd.DataFrame, prices: pd.DataFrame | None = None, *,
                 source: str = "<households>") -> "Classification":
        """Sort every household into a pathway, with the numbers behind it and what would change it.

        ``households`` follows the households contract (it is checked first;
        a failure raises :class:`~kvarter.errors.InputErrors` naming row,
        column and value); ``prices`` follows the housing_market contract and
        is needed when any renting household is to be classified. Owners get
        the first rule that matches (``owns``); renting households lacking a
        ``required`` field, or a price, are ``unmapped``.

        >>> rules = load_pathways()
        >>> hh = pd.DataFrame({"household_id": ["H1"], "year": [2024], "municipality": ["0301"],
        ...     "area_id": ["A1"], "tenure": ["owner"], "persons": [2]})
        >>> rules.classify(hh).working_list.frame[["household_id", "pathway", "rule"]].values.tolist()
        [['H1', 'not_candidate', 'owns']]
        """
        hh = check_households(households, source)
        if prices is not None:
            prices = check_households(prices, "<housing_market>", table="housing_market")
        renting = hh["tenure"].isin(self.renting).to_numpy()
        if renting.any() and prices is None:
            raise MissingFieldError(
                f"classify needs a housing-market price table (prices=...) to classify the {int(renting.sum())} "
                "renting household(s): the price of a dwelling that suits each one."
            )
        ev = self.evaluate(hh, prices)
        n = len(ev)
        outcome = np.full(n, None, dtype=object)
        rule_id = np.full(n, None, dtype=object)
        reason = np.full(n, "", dtype=object)
        missing = np.zeros(n, dtype=bool)
        missing_text = np.full(n, "", dtype=object)
        for field in self.required:
            gone = ~ev[field].notna().to_numpy() if field in ev.columns else np.ones(n, dtype=bool)
            missing_text = np.where(gone & renting, missing_text + np.where(missing_text == "", "", ", ") + field, missing_text)
            missing |= gone & renting
        no_price = renting & ~missing & ev["price"].isna().to_numpy()
        held = {rule.id: np.column_stack([c.evaluate(ev[c.field]) if c.field in ev.columns
                                          else np.full(n, c.if_missing) for c in rule.when])
                if rule.when else np.ones((n, 0), dtype=bool) for rule in self.rules}
        for rule in self.rules:
            # a renting household without the required fields or a price is left unmapped
            hit = (outcome == None) & held[rule.id].all(axis=1) & ~missing & ~no_price  # noqa: E711
            outcome[hit] = rule.outcome
            rule_id[hit] = rule.id
        for i in np.flatnonzero(missing & (outcome == None)):  # noqa: E711
            reason[i] = f"ownership potential not mapped: missing {missing_text[i]}"
        for i in np.flatnonzero(no_price & (outcome == None)):  # noqa: E711
            row = ev.iloc[i]
            reason[i] = (f"ownership potential not mapped: no price for a {int(row['rooms_needed'])}-room dwelling "
                         f"in area {row['area_id']} or municipality {row['municipality']} in {int(row['year'])}")
        unmapped = outcome == None  # noqa: E711
        outcome[unmapped] = "unmapped"
        for i in np.flatnonzero(~unmapped):
            rule = self.rule(rule_id[i])
            row = ev.iloc[i]
            shown = "; ".join(c.describe(row[c.field] if c.field in ev.columns else None) for c in rule.when)
            reason[i] = rule.label.en + (f" ({shown})" if shown else "")
        change = self._changes(ev, rule_id, held, hh)
        cols = ["household_id", "year", "municipality", "area_id", "tenure", "persons", "children", "capacity",
                "rooms_needed", "price", "loan", "payment_standard", "payment_special", "margin_standard", "margin_special"]
        frame = ev[cols].copy()
        frame["pathway"] = outcome
        frame["rule"] = rule_id
        frame["reason"] = reason
        frame = pd.concat([frame, change], axis=1)
        return Classification(WorkingList(frame, "pathways", f"rules {self.id} v{self.version}"), self)

    def _changes(self, ev: pd.DataFrame, rule_id: np.ndarray, held: dict, hh: pd.DataFrame) -> pd.DataFrame:
        """For each household in a pathway: the best higher pathway reachable by changes, and what it takes."""
        n = len(ev)
        out = {k: np.full(n, v, dtype=object) for k, v in (("change_to", None), ("change", None))}
        nums = {k: np.full(n, np.nan) for k in ("change_income_month", "change_debt", "change_equity")}
        order = {r.id: k for k, r in enumerate(self.rules)}
        budget = load_budget(self.budget)
        debt_factor = annuity_factor(budget.debt_terms.annual_rate, budget.debt_terms.years)
        debt = (pd.to_numeric(hh["debt"]).astype("float64").fillna(0).to_numpy() if "debt" in hh.columns else np.zeros(n))
        loan = ev["loan"].to_numpy(dtype=float)
        for i in range(n):
            rid = rule_id[i]
            if rid is None or self.rule(rid).outcome == "not_candidate":
                continue
            best = None
            for rule in self.rules[: order[rid]]:
                if rule.outcome == "not_candidate":
                    continue
                failing = [c for c, ok in zip(rule.when, held[rule.id][i]) if not ok]
                if not failing or any(c.change is None for c in failing):
                    continue
                gaps = [float(c.operand) - float(ev[c.field].iloc[i]) for c in failing if c.change == "money"]
                if not all(math.isfinite(g) for g in gaps):
                    continue
                # the smallest step up: fewest changes, then the better pathway
                if best is None or len(failing) < len(best[1]):
                    best = (rule, failing)
            if best is None:
                continue
            rule, failing = best
            money = [c for c in failing if c.change == "money"]
            words = [c.change.en for c in failing if isinstance(c.change, Labels)]
            options = []
            if money:
                gaps = {c.field: float(c.operand) - float(ev[c.field].iloc[i]) for c in money}
                income = max(gaps.values())
                debt_less = max(g / debt_factor for g in gaps.values())
                equity = max(g / self.loan.factor(_MONEY[f]) for f, g in gaps.items())
                nums["change_income_month"][i] = income
                options.append(f"NOK {_ceil(income, 100):,} more a month after tax")
                if debt_less <= debt[i]:
                    nums["change_debt"][i] = debt_less
                    options.append(f"NOK {_ceil(debt_less, 10_000):,} less debt")
                if equity <= loan[i]:
                    nums["change_equity"][i] = equity
                    options.append(f"NOK {_ceil(equity, 10_000):,} more equity")
            condition = " and ".join(words)
            if options:
                text = ", or ".join(options) + (", " if len(options) > 1 else " ") + f"moves it to pathway {rule.outcome}"
                text += f" if the household also {condition}" if condition else ""
            else:
                text = f"Pathway {rule.outcome} if the household {condition}"
            out["change_to"][i] = rule.outcome
            out["change"][i] = text
        return pd.DataFrame({**out, **nums}, index=ev.index)


def _ceil(x: float, step: int) -> int:
    return int(math.ceil(x / step - 1e-9) * step)


def _prices_for(ev: pd.DataFrame, prices: pd.DataFrame, max_rooms: int) -> np.ndarray:
    """The price of a dwelling of ``rooms_needed`` rooms (capped at the largest size given) by area, else municipality."""
    pr = prices.dropna(subset=["price"])
    out = np.full(len(ev), np.nan)
    for kind, key in (("municipality", "municipality"), ("area", "area_id")):  # area overrides municipality
        sub = pr[pr["unit_kind"] == kind]
        if sub.empty:
            continue
        largest = sub.groupby(["unit_id", "year"])["rooms"].max()
        want = pd.DataFrame({"unit_id": ev[key].to_numpy(), "year": ev["year"].to_numpy(),
                             "rooms": np.minimum(ev["rooms_needed"].to_numpy(), max_rooms)})
        cap = pd.MultiIndex.from_frame(want[["unit_id", "year"]]).map(lambda k: largest.get(k, np.nan))
        want["rooms"] = np.where(np.isnan(np.asarray(cap, dtype=float)), want["rooms"],
                                 np.minimum(want["rooms"], np.nan_to_num(np.asarray(cap, dtype=float), nan=0)))
        table = sub.set_index(["unit_id", "year", "rooms"])["price"]
        found = pd.MultiIndex.from_frame(want.astype({"rooms": "int64"})).map(lambda k: table.get(k, np.nan))
        found = np.asarray(found, dtype=float)
        out = np.where(np.isnan(found), out, found)
    return out


@dataclass(frozen=True)
class Classification:
    """The pathway of every household: an internal working list and the aggregates that may be published.

    ``working_list`` is internal (personal data). :meth:`by_area`,
    :meth:`mapped` and :meth:`sentences` give counts by area with their bases.
    """

    working_list: WorkingList
    rules: PathwayRules
    __kvarter_internal__ = True

    def _subset(self, tenure) -> pd.DataFrame:
        f = self.working_list.frame
        return f[f["tenure"].isin(tenure)]

    def by_area(self, tenure=("municipal_rent",)) -> pd.DataFrame:
        """Households of ``tenure`` by pathway, per area, municipality and overall, per year.

        Long table (:data:`~kvarter.housing.results.AREA_COLUMNS`): measure
        ``households_by_pathway``, ``category`` the pathway, ``numerator`` the
        households in it, ``denominator`` all households of ``tenure`` there.
        """
        f = self._subset(tenure).assign(one=1)
        counts = by_levels(f, ["pathway"], {"numerator": "one"})
        base = by_levels(f, [], {"denominator": "one"})
        merged = counts.merge(base, on=["level", "unit_id", "municipality", "year"], how="left")
        return area_table(merged.assign(measure="households_by_pathway", category=merged["pathway"]))

    def mapped(self, tenure=("municipal_rent",)) -> pd.DataFrame:
        """Share of households of ``tenure`` whose ownership potential is mapped (measure ``ownership_potential_mapped``)."""
        f = self._subset(tenure).assign(one=1)
        f = f.assign(is_mapped=(f["pathway"] != "unmapped").astype("int64"))
        t = by_levels(f, [], {"numerator": "is_mapped", "denominator": "one"})
        return area_table(t.assign(measure="ownership_potential_mapped", category=None))

    def sentences(self, year: int | None = None, tenure=("municipal_rent",)) -> list[str]:
        """Sentences from the overall figures: "Ownership potential mapped for 94 % of tenants; 312 could buy now."

        Counts are the overall totals (the publication layer applies its
        minimum-count rule before a sentence is shown).
        """
        mapped = self.mapped(tenure)
        mapped = mapped[mapped["level"] == "all"]
        if mapped.empty:
            return []
        yr = int(mapped["year"].max()) if year is None else year
        m = mapped[mapped["year"] == yr].iloc[0]
        by = self.by_area(tenure)
        by = by[(by["level"] == "all") & (by["year"] == yr)].set_index("category")["numerator"]
        now = int(by.get("1", 0))
        support = int(by.get("2", 0))
        who = "municipal tenants" if tuple(tenure) == ("municipal_rent",) else "tenants"
        return [
            f"Ownership potential mapped for {m['value']:.0%} of {who} in {yr} "
            f"({int(m['numerator'])} of {int(m['denominator'])}); {now} could buy now.",
            f"{support} more could pay but need support to choose buying.",
        ]


def load_pathways(name: str | Path = "husbanken-5") -> PathwayRules:
    """A pathway rule set by built-in name (``husbanken-5``) or YAML path.

    Errors name the file, the line and the path inside it.

    >>> rules = load_pathways()
    >>> [r.outcome for r in rules.rules]
    ['not_candidate', 'not_candidate', '1', '2', '5', '3', '4']
    >>> round(rules.loan.rate, 4)
    0.0489
    """
    return read_model(resolve(name, "pathways-", "pathway rules"), PathwayRules, "pathway rules")


def start_loan_assessment(applications: pd.DataFrame, source: str = "<housing_applications>") -> pd.DataFrame:
    """Applications for municipal housing assessed for a start loan, per municipality and year.

    Long table: measure ``applications_assessed_for_start_loan``, ``numerator``
    the applications assessed, ``denominator`` all applications received.

    >>> apps = pd.DataFrame({"application_id": ["a1", "a2"], "date": ["2024-03-01", "2024-05-02"],
    ...     "year": [2024, 2024], "municipality": ["0301", "0301"], "assessed_for_start_loan": [True, False],
    ...     "outcome": ["allocated", "start_loan"]})
    >>> start_loan_assessment(apps)[["unit_id", "value", "numerator", "denominator"]].values.tolist()
    [['0301', 0.5, 1.0, 2.0]]
    """
    checked = check_frame(applications, contract("housing_applications"), source=source)
    if checked.failures:
        raise InputErrors(checked.failures, source=source)
    a = checked.frame.assign(one=1, assessed=checked.frame["assessed_for_start_loan"].astype("int64"))
    t = a.groupby(["municipality", "year"], as_index=False).agg(numerator=("assessed", "sum"), denominator=("one", "sum"))
    t = t.assign(level="municipality", unit_id=t["municipality"], measure="applications_assessed_for_start_loan", category=None)
    return area_table(t)

