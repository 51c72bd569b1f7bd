"""Segregation of groups across schools or areas: small pure index functions
over count arrays, inference (permutation test, bootstrap), and the school
segregation report's full analysis (:func:`analyse_segregation`).

Example: the report's Appendix A.

>>> from kvarter.segregation import dissimilarity, moves_to_evenness
>>> round(dissimilarity([2, 13], [6, 3]), 3), moves_to_evenness([2, 13], [6, 3]).a_flows
(0.533, ((1, 0, 8.0),))
"""

from kvarter.segregation.dissimilarity import (
    Moves,
    classify,
    dissimilarity,
    expected_dissimilarity,
    moves_to_evenness,
    standardised_dissimilarity,
)
from kvarter.segregation.exposure import correlation_ratio, interaction, isolation
from kvarter.segregation.groups import ThemeSet, load_themes, pair_id
from kvarter.segregation.inequality import atkinson, gini
from kvarter.segregation.inference import (
    BootstrapResult,
    IndexSummary,
    PermutationResult,
    bootstrap,
    permutation_test,
    summarise_indices,
)
from kvarter.segregation.information import (
    Decomposition,
    LocalSegregation,
    decompose_mutual_information,
    local_mutual_information,
    mutual_information,
    theil_h,
    theil_h_multigroup,
)
from kvarter.segregation.pipeline import SegregationAnalysis, analyse_segregation
from kvarter.segregation.registry import INDICES, MULTIGROUP

__all__ = [
    "dissimilarity", "standardised_dissimilarity", "expected_dissimilarity", "theil_h",
    "correlation_ratio", "gini", "isolation", "interaction", "atkinson", "moves_to_evenness",
    "classify", "Moves", "mutual_information", "theil_h_multigroup", "decompose_mutual_information",
    "local_mutual_information", "Decomposition", "LocalSegregation", "permutation_test", "bootstrap",
    "summarise_indices", "PermutationResult", "BootstrapResult", "IndexSummary", "analyse_segregation",
    "SegregationAnalysis", "load_themes", "ThemeSet", "pair_id", "INDICES", "MULTIGROUP",
]
