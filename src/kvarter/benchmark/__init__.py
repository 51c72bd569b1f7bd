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

from kvarter.benchmark.funnel import CLASSES, LIMIT_METHODS, classify, funnel, funnel_limits
from kvarter.benchmark.intervals import byar_interval, poisson_interval, wilson_interval
from kvarter.benchmark.overdispersion import Overdispersion, overdispersion
from kvarter.benchmark.shrinkage import empirical_bayes, rank_intervals

__all__ = [
    "CLASSES",
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
