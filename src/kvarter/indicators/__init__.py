"""The indicator catalogue: declarations in YAML, compiled to Ibis, computed
on DuckDB or Spark into one tidy table per indicator, level, unit and year."""

from kvarter.indicators.catalogue import Catalogue, Indicator, load_catalogue
from kvarter.indicators.compute import OUTPUT_COLUMNS, compute, compute_tables, window_notes
from kvarter.indicators.dominance import dominance_share, top_contributions

__all__ = ["Catalogue", "Indicator", "OUTPUT_COLUMNS", "compute", "compute_tables", "dominance_share", "load_catalogue",
           "top_contributions", "window_notes"]
