"""Evaluation: what works for whom, when.

- :func:`att`: the static ATT on one cross-section (IPW with odds weights,
  augmented IPW, matching), with balance and overlap;
- :func:`dynamic_effects`: a programme's effect by months since its start,
  joining now vs waiting (lock-in, cumulative months, break-even, subgroups),
  on spells checked by :func:`load_spells`; :func:`cost_effectiveness` on top;
- :func:`staggered_did`: area-level staggered adoption (Callaway & Sant'Anna),
  with :meth:`StaggeredDiD.aggregate`; :func:`area_effects` runs it on the
  store's indicator table and the first designation years
  (:func:`first_designation`); :func:`programme_effects` runs
  :func:`dynamic_effects` on the store's person-year table.

>>> from kvarter.evaluation import staggered_did
>>> from kvarter.demo.evaluation import designation_panel
>>> panel, truth = designation_panel(n_units=300, seed=4)
>>> res = staggered_did(panel, "unit", "year", "first_treated", "outcome", covariates=["x"])
>>> round(res.aggregate("simple").estimate, 1)
1.4
"""

from kvarter.evaluation.costs import CostEffectiveness, cost_effectiveness, net_benefit_path
from kvarter.evaluation.did import Aggregate, StaggeredDiD, staggered_did
from kvarter.evaluation.dynamic import DynamicEffects, LockIn, break_even_point, dynamic_effects
from kvarter.evaluation.spells import Spells, load_spells, spells_from_person_years
from kvarter.evaluation.static import ATTResult, att
from kvarter.evaluation.store_tables import area_effects, first_designation, programme_effects

__all__ = [
    "att", "ATTResult", "dynamic_effects", "DynamicEffects", "LockIn", "break_even_point", "cost_effectiveness",
    "CostEffectiveness", "net_benefit_path", "staggered_did", "StaggeredDiD", "Aggregate", "load_spells", "Spells",
    "spells_from_person_years", "area_effects", "first_designation", "programme_effects",
]
