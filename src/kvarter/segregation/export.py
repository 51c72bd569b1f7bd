"""Keeping an analysis in the store. Files leave only through disclosure control
(:func:`kvarter.report.publish.publish_segregation`)."""

from __future__ import annotations


from kvarter.segregation.pipeline import SegregationAnalysis

STORE_TABLES = {
    "results": "segregation_results",
    "table1": "segregation_table1",
    "trends": "segregation_trends",
    "correlations": "segregation_correlations",
}


def store_analysis(analysis: SegregationAnalysis, store) -> list[str]:
    """Keep the analysis tables in the store (``segregation_results`` etc.); return their names."""
    names = []
    for attr, name in STORE_TABLES.items():
        store.write_result(name, getattr(analysis, attr))
        names.append(name)
    return names
