"""The registry of initiatives: principles, initiatives per area and target group,
documented effect with evidence levels, experiences — with a full history, in the store.

>>> from kvarter.store import Store
>>> reg = Registry(Store(":memory:"))
>>> reg.add({"id": "jobkonsulent", "name": "Udgående jobkonsulent", "areas": ["DEM-H02"],
...          "target_groups": ["unemployed"], "principles": ["gentofte:5"],
...          "start": "2022-01-01", "status": "running"}, author="ana")
1
>>> reg.list(principle="gentofte")["id"].tolist()
['jobkonsulent']
"""

from kvarter.registry.models import (
    Evidence,
    Experience,
    Initiative,
    Localised,
    Outcome,
    Partner,
    Principle,
    PrincipleSet,
    Statement,
)
from kvarter.registry.principles import builtin_principle_sets, read_principle_set
from kvarter.registry.registry import ImportResult, Registry, Versioned
from kvarter.registry.scales import evidence_scales, strength
from kvarter.registry.targets import target_groups
from kvarter.store.registry_tables import StoreBusyError, VersionConflictError

__all__ = [
    "Evidence", "Experience", "ImportResult", "Initiative", "Localised", "Outcome", "Partner", "Principle",
    "PrincipleSet", "Registry", "Statement", "StoreBusyError", "VersionConflictError", "Versioned",
    "builtin_principle_sets", "evidence_scales", "read_principle_set", "strength", "target_groups",
]
