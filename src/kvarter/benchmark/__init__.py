"""Benchmarking: every area or municipality against a reference group.

Four ways to choose the group (:func:`reference_groups`: a user's list, size
class, region or the whole country, a fixed grouping such as Statistics
Norway's KOSTRA groups, nearest neighbours on standardised indicators); the
comparison per unit, indicator and year (:func:`compare`); funnel plots with
overdispersion (:func:`funnel`, :func:`funnel_limits`,
:func:`overdispersion`); empirical-Bayes shrinkage and ranks with
uncertainty (:func:`empirical_bayes`, :func:`rank_intervals`); spine-chart
data (:func:`spine_chart`).

>>> from kvarter.benchmark import funnel
>>> funnel([30, 5], [100, 10], "proportion")["class"].tolist()
['inside', 'inside']
"""

from kvarter.benchmark.aggregates import CBS_SHARES, indicators_from_aggregates
from kvarter.benchmark.compare import COMPARISON_COLUMNS, compare, indicator_kinds, trend
from kvarter.benchmark.definitions import load_grouping, load_size_classes
from kvarter.benchmark.funnel import CLASSES, LIMIT_METHODS, classify, funnel, funnel_limits
from kvarter.benchmark.intervals import byar_interval, poisson_interval, wilson_interval
from kvarter.benchmark.overdispersion import Overdispersion, overdispersion
from kvarter.benchmark.groups import DEFAULT_NEAREST_INDICATORS, reference_groups, size_class, unit_table
from kvarter.benchmark.nearest import nearest_neighbours
from kvarter.benchmark.shrinkage import empirical_bayes, rank_intervals
from kvarter.benchmark.spine import SPINE_COLUMNS, spine_chart

__all__ = [
    "CBS_SHARES",
    "CLASSES",
    "COMPARISON_COLUMNS",
    "DEFAULT_NEAREST_INDICATORS",
    "SPINE_COLUMNS",
    "compare",
    "indicator_kinds",
    "indicators_from_aggregates",
    "load_grouping",
    "load_size_classes",
    "nearest_neighbours",
    "reference_groups",
    "size_class",
    "spine_chart",
    "trend",
    "unit_table",
    "LIMIT_METHODS",
    "Overdispersion",
    "byar_interval",
    "classify",
    "empirical_bayes",
    "funnel",
    "funnel_limits",
    "overdispersion",
    "poisson_interval",
    "rank_intervals",
    "wilson_interval",
]
