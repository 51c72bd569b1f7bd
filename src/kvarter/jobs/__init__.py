"""The workflows: what the command line, the web app and library users run.

Each job reads the store, runs the analyses, and returns a
:class:`~kvarter.publish.Publication` (with what it wrote back to the
store); renderers in :mod:`kvarter.report` turn a Publication into files.
Settings are resolved by the caller and come in as a
:class:`~kvarter.settings.Settings` or a
:class:`~kvarter.disclosure.DisclosurePolicy`; jobs never read
``kvarter.yaml`` or the environment themselves.
"""

from kvarter.jobs.indicators import indicator_table, refresh_indicators
from kvarter.jobs.monitor import ReportResult, monitor_publication, run_report
from kvarter.jobs.screen import ScreenJob, screen_job
from kvarter.jobs.segregation import SegregationJob, segregation_job

__all__ = [
    "ReportResult", "ScreenJob", "SegregationJob", "indicator_table", "monitor_publication", "refresh_indicators",
    "run_report", "screen_job", "segregation_job",
]
