"""Evaluation: what works for whom, and when."""
from kvarter.evaluation.did import Aggregate, StaggeredDiD, staggered_did
from kvarter.evaluation.static import ATTResult, att

__all__ = ["att", "ATTResult", "staggered_did", "StaggeredDiD", "Aggregate"]
