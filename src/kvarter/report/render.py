"""Render a :class:`~kvarter.publish.Publication`: report pages, the workbook
and the table files — nothing but what the publication holds."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from kvarter.publish import Publication
from kvarter.report.files import write_tables
from kvarter.report.html import write_report
from kvarter.report.sections import build_sections
from kvarter.report.workbook import write_workbook


def render_publication(publication: Publication, out: str | Path, *, lang: Sequence[str] = ("en",), methods=None,
                       title: str | None = None) -> tuple[dict[str, Path], Path, dict[str, Path]]:
    """Write a publication as report pages (one per language: the first as
    ``report.html``, the others as ``report.<lang>.html``), ``kvarter.xlsx``
    and ``tables/``; returns (pages, workbook, table paths). ``methods`` is
    the methods section (:class:`~kvarter.report.html.Methods`).

    >>> import tempfile
    >>> from kvarter.disclosure import DisclosurePolicy, protect
    >>> from kvarter.publish import Publication
    >>> t = protect(pd.DataFrame({"k": ["a"], "v": [1.0], "n": [10]}), DisclosurePolicy(), key=["k"],
    ...             value_columns=["v"], count_column="n")
    >>> pub = Publication(tables={"t": t}, policy=DisclosurePolicy(), year=2024, municipality="K")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     pages, workbook, paths = render_publication(pub, d, lang=["en", "da"])
    ...     sorted(p.name for p in pages.values()), workbook.name, sorted(paths)
    (['report.da.html', 'report.html'], 'kvarter.xlsx', ['t'])
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pages = {}
    for i, lg in enumerate(lang):
        sections = build_sections(publication, lg)
        name = "report.html" if i == 0 else f"report.{lg}.html"
        pages[lg] = Path(write_report(out / name, sections, lang=lg, methods=methods,
                                      title=title or f"kvarter — {publication.municipality} {publication.year}"))
    workbook = write_workbook(out / "kvarter.xlsx", publication.tables)
    paths = write_tables(publication.tables, out / "tables")
    return pages, Path(workbook), paths
