"""The report: a self-contained HTML file and an Excel workbook, built only
from tables that passed disclosure control.

Assemble a list of :class:`Section` objects with :class:`Table` (protected
tables), :class:`Chart` and :class:`Map` (SVG from :mod:`.charts` and
:mod:`.maps`), :class:`Paragraph` (e.g. :mod:`.sentences`) and
:class:`Heading` blocks, then call :func:`write_report`; call
:func:`write_workbook` with the same protected tables.
"""

from kvarter.report.html import Chart, Heading, Map, Methods, Paragraph, Section, Table, render_report, write_report
from kvarter.report.workbook import write_workbook

__all__ = [
    "Chart", "Heading", "Map", "Methods", "Paragraph", "Section", "Table",
    "render_report", "write_report", "write_workbook",
]
