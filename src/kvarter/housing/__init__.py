"""Housing: Husbanken's needs overview, the five ownership pathways with start-loan
capacity, the child-suitability checklist, the instruments model, and the
social-housing stock with move-out rates.

Rules are versioned YAML in ``kvarter/housing/rules/``. Per-household results
are :class:`~kvarter.housing.results.WorkingList` objects (internal, personal
data, never published); everything else is a long table by area whose every
figure carries its count and base.
"""

from kvarter.housing.checklist import ChecklistResult, checklist, load_checklist, occupied_dwellings
from kvarter.housing.finance import annuity, living_costs, load_budget, repayment_capacity
from kvarter.housing.households import check_households, households_from_persons
from kvarter.housing.instruments import instruments, load_instruments, suggest
from kvarter.housing.needs import NEEDS, compare_sentences, needs_overview, population_by_age
from kvarter.housing.pathways import Classification, PathwayRules, load_pathways, start_loan_assessment
from kvarter.housing.results import AREA_COLUMNS, WorkingList
from kvarter.housing.ssb import consumption_units, crowded, persistent_low_income
from kvarter.housing.stock import move_out_rate, stock_overview, stock_sentences

__all__ = [
    "AREA_COLUMNS",
    "ChecklistResult",
    "Classification",
    "NEEDS",
    "PathwayRules",
    "WorkingList",
    "annuity",
    "check_households",
    "checklist",
    "compare_sentences",
    "consumption_units",
    "crowded",
    "households_from_persons",
    "instruments",
    "living_costs",
    "load_budget",
    "load_checklist",
    "load_instruments",
    "load_pathways",
    "move_out_rate",
    "needs_overview",
    "occupied_dwellings",
    "persistent_low_income",
    "population_by_age",
    "repayment_capacity",
    "start_loan_assessment",
    "stock_overview",
    "stock_sentences",
    "suggest",
]
