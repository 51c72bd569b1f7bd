"""The registry of indices and their properties.

``INDICES`` maps every two-group index name to its public function (feeds
the batch pipeline, the command's choices and the docs); ``KERNELS`` maps the
same names to array kernels that evaluate many replicates at once (last axis
= units). The property lists drive the parametrised tests; for each property
the names that have it and those that do not together cover the registry
exactly (a test checks this).
"""

from __future__ import annotations

from typing import Callable


from kvarter.segregation.dissimilarity import (
    _dissimilarity,
    _standardise,
    dissimilarity,
    standardised_dissimilarity,
)
from kvarter.segregation.exposure import (
    _correlation_ratio,
    _interaction,
    _isolation,
    correlation_ratio,
    interaction,
    isolation,
)
from kvarter.segregation.inequality import _atkinson, _gini, atkinson, gini
from kvarter.segregation.information import (
    _theil_h,
    mutual_information,
    theil_h,
    theil_h_multigroup,
)


def _atkinson_index(b_param: float) -> Callable:
    def index(a, b) -> float:
        return atkinson(a, b, b_param)

    index.__name__ = f"atkinson_{b_param}"
    index.__doc__ = f"Atkinson index with b = {b_param}; see :func:`kvarter.segregation.atkinson`."
    return index


INDICES: dict[str, Callable] = {
    "dissimilarity": dissimilarity,
    "standardised_dissimilarity": standardised_dissimilarity,
    "theil_h": theil_h,
    "correlation_ratio": correlation_ratio,
    "gini": gini,
    "isolation": isolation,
    "interaction": interaction,
    "atkinson_0.1": _atkinson_index(0.1),
    "atkinson_0.5": _atkinson_index(0.5),
    "atkinson_0.9": _atkinson_index(0.9),
}

# Array kernels over (..., units). The standardised index needs its expectation
# E, which the caller computes once (exact, from the margins) and passes in.
KERNELS: dict[str, Callable] = {
    "dissimilarity": lambda a, b, e=None: _dissimilarity(a, b),
    "standardised_dissimilarity": lambda a, b, e=None: _standardise(_dissimilarity(a, b), e),
    "theil_h": lambda a, b, e=None: _theil_h(a, b),
    "correlation_ratio": lambda a, b, e=None: _correlation_ratio(a, b),
    "gini": lambda a, b, e=None: _gini(a, b),
    "isolation": lambda a, b, e=None: _isolation(a, b),
    "interaction": lambda a, b, e=None: _interaction(a, b),
    "atkinson_0.1": lambda a, b, e=None: _atkinson(a, b, 0.1),
    "atkinson_0.5": lambda a, b, e=None: _atkinson(a, b, 0.5),
    "atkinson_0.9": lambda a, b, e=None: _atkinson(a, b, 0.9),
}

MULTIGROUP: dict[str, Callable] = {
    "mutual_information": mutual_information,
    "theil_h_multigroup": theil_h_multigroup,
}

# Values lie in [0, 1] (the standardised index lies in [-1, 1]).
BOUNDED_0_1 = (
    "dissimilarity", "theil_h", "correlation_ratio", "gini", "isolation",
    "interaction", "atkinson_0.1", "atkinson_0.5", "atkinson_0.9",
)
NOT_BOUNDED_0_1 = ("standardised_dissimilarity",)

# 0 when every unit has the overall mix.
ZERO_WHEN_EVEN = (
    "dissimilarity", "theil_h", "correlation_ratio", "gini",
    "atkinson_0.1", "atkinson_0.5", "atkinson_0.9",
)
NOT_ZERO_WHEN_EVEN = ("standardised_dissimilarity", "isolation", "interaction")

# 1 when no unit holds both groups (interaction is then 0).
ONE_WHEN_SEPARATED = (
    "dissimilarity", "standardised_dissimilarity", "theil_h", "correlation_ratio",
    "gini", "isolation", "atkinson_0.1", "atkinson_0.5", "atkinson_0.9",
)
NOT_ONE_WHEN_SEPARATED = ("interaction",)

# index(a, b) == index(b, a) (Atkinson only at b = 0.5, where p and 1 - p weigh alike).
SYMMETRIC = (
    "dissimilarity", "standardised_dissimilarity", "theil_h", "correlation_ratio", "gini",
    "atkinson_0.5",
)
ASYMMETRIC = ("isolation", "interaction", "atkinson_0.1", "atkinson_0.9")

# Unchanged when every count is multiplied by the same factor (the
# standardised index is not: its expectation depends on unit sizes).
SCALE_INVARIANT = (
    "dissimilarity", "theil_h", "correlation_ratio", "gini", "isolation",
    "interaction", "atkinson_0.1", "atkinson_0.5", "atkinson_0.9",
)
NOT_SCALE_INVARIANT = ("standardised_dissimilarity",)

# Whole-number counts needed (the index allocates individuals).
NEEDS_INTEGER_COUNTS = ("standardised_dissimilarity",)
ACCEPTS_WEIGHTED_COUNTS = tuple(n for n in INDICES if n not in NEEDS_INTEGER_COUNTS)

# Lower values mean more segregation (used for the direction of p-values).
LOWER_IS_SEGREGATED = ("interaction",)

PROPERTIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bounded_0_1": (BOUNDED_0_1, NOT_BOUNDED_0_1),
    "zero_when_even": (ZERO_WHEN_EVEN, NOT_ZERO_WHEN_EVEN),
    "one_when_separated": (ONE_WHEN_SEPARATED, NOT_ONE_WHEN_SEPARATED),
    "symmetric": (SYMMETRIC, ASYMMETRIC),
    "scale_invariant": (SCALE_INVARIANT, NOT_SCALE_INVARIANT),
    "integer_counts": (NEEDS_INTEGER_COUNTS, ACCEPTS_WEIGHTED_COUNTS),
}


def index_function(name: str, owner: str = "segregation") -> Callable:
    """The public function of a two-group index by name, with a clear error for an unknown name.

    >>> index_function("dissimilarity")([2, 13], [6, 3])   # 8/15
    0.533333333333
    >>> index_function("dissim")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: Unknown index 'dissim' passed to segregation; choose one of: dissimilarity, standardised_dissimilarity, theil_h, correlation_ratio, gini, isolation, interaction, atkinson_0.1, atkinson_0.5, atkinson_0.9.
    """
    from kvarter.errors import InputError

    if name not in INDICES:
        raise InputError(
            f"Unknown index {name!r} passed to {owner}; choose one of: {', '.join(INDICES)}."
        )
    return INDICES[name]


__all__ = [
    "INDICES", "KERNELS", "MULTIGROUP", "PROPERTIES", "index_function",
    "BOUNDED_0_1", "NOT_BOUNDED_0_1", "ZERO_WHEN_EVEN", "NOT_ZERO_WHEN_EVEN",
    "ONE_WHEN_SEPARATED", "NOT_ONE_WHEN_SEPARATED", "SYMMETRIC", "ASYMMETRIC",
    "SCALE_INVARIANT", "NOT_SCALE_INVARIANT", "NEEDS_INTEGER_COUNTS",
    "ACCEPTS_WEIGHTED_COUNTS", "LOWER_IS_SEGREGATED",
]
