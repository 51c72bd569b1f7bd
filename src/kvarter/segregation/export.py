"""Writing an analysis out: CSV/Parquet tables, heat-maps and store result tables."""

from __future__ import annotations

from pathlib import Path

from kvarter.segregation.charts import write_heatmaps
from kvarter.segregation.pipeline import SegregationAnalysis

STORE_TABLES = {
    "results": "segregation_results",
    "table1": "segregation_table1",
    "trends": "segregation_trends",
    "correlations": "segregation_correlations",
}


def write_analysis(analysis: SegregationAnalysis, out_dir: str | Path, *, labels: dict | None = None,
                   parquet: bool = True, charts: bool = True) -> list[Path]:
    """Write the long results, Table 1, trends, correlations, dropped units and heat-maps.

    Files: ``segregation_results.csv`` (+ ``.parquet``), ``table1.csv``,
    ``trends.csv``, ``index_correlations.csv``, ``dropped_units.csv``,
    ``dropped_municipalities.csv``, ``heatmap_<pair>.csv`` and, with
    ``charts``, ``heatmap_<pair>.png``/``.svg``. Returns the paths written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    tables = {
        "segregation_results": analysis.results,
        "table1": analysis.table1,
        "trends": analysis.trends,
        "index_correlations": analysis.correlations,
        "dropped_units": analysis.dropped.units,
        "dropped_municipalities": analysis.dropped.municipalities,
    }
    for name, df in tables.items():
        p = out / f"{name}.csv"
        df.to_csv(p, index=False)
        paths.append(p)
    if parquet:
        p = out / "segregation_results.parquet"
        analysis.results.to_parquet(p, index=False)
        paths.append(p)
    for pair, t in analysis.heatmaps.items():
        p = out / f"heatmap_{pair}.csv"
        t.to_csv(p)
        paths.append(p)
    if charts:
        paths += write_heatmaps(analysis.heatmaps, out, labels)
    return paths


def store_analysis(analysis: SegregationAnalysis, store) -> list[str]:
    """Keep the analysis tables in the store (``segregation_results`` etc.); return their names."""
    names = []
    for attr, name in STORE_TABLES.items():
        store.write_result(name, getattr(analysis, attr))
        names.append(name)
    return names
