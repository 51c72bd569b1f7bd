"""Housing: Husbanken's needs overview, the five ownership pathways with start-loan
capacity, the child-suitability checklist, the instruments model, and the
social-housing stock with move-out rates.

Rules are versioned YAML in ``kvarter/housing/rules/``. Per-household results
are :class:`~kvarter.housing.results.WorkingList` objects (internal, personal
data, never published); everything else is a long table by area whose every
figure carries its count and base.
"""

from kvarter.housing.finance import annuity, living_costs, load_budget, repayment_capacity
from kvarter.housing.households import check_households, households_from_persons
from kvarter.housing.pathways import Classification, PathwayRules, load_pathways, start_loan_assessment
from kvarter.housing.results import AREA_COLUMNS, WorkingList
from kvarter.housing.ssb import consumption_units, crowded, persistent_low_income

__all__ = [
    "AREA_COLUMNS",
    "Classification",
    "PathwayRules",
    "WorkingList",
    "annuity",
    "check_households",
    "consumption_units",
    "crowded",
    "households_from_persons",
    "living_costs",
    "load_budget",
    "load_pathways",
    "persistent_low_income",
    "repayment_capacity",
    "start_loan_assessment",
]
