"""Screening and designation: rule sets over indicator tables, each designation
explaining itself; composite deprivation indices; "what would it take"."""

from kvarter.screening.composite import (
    composite_index,
    deprivation_gap,
    exponential_transform,
    less_deprived_share,
)
from kvarter.screening.designate import (
    criteria_long,
    designations_long,
    law_chain,
    screen,
    screen_history,
)
from kvarter.screening.result import ScreeningResult
from kvarter.screening.whatif import count_change, what_would_it_take
from kvarter.screening.rules import BUILTIN_RULESETS, RuleSet, load_ruleset, ruleset_from_dict, ruleset_to_yaml
from kvarter.screening.values import screening_session

__all__ = [
    "BUILTIN_RULESETS",
    "RuleSet",
    "ScreeningResult",
    "composite_index",
    "criteria_long",
    "deprivation_gap",
    "designations_long",
    "exponential_transform",
    "law_chain",
    "less_deprived_share",
    "load_ruleset",
    "ruleset_from_dict",
    "ruleset_to_yaml",
    "screen",
    "screen_history",
    "screening_session",
    "count_change",
    "what_would_it_take",
]
