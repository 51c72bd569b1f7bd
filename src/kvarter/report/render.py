"""Render a :class:`~kvarter.publish.Publication`: report pages, the workbook
and the table files — nothing but what the publication holds."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import pandas as pd

from kvarter.processes import Beside
from kvarter.publish import Publication
from kvarter.report.files import write_tables
from kvarter.report.html import write_report
from kvarter.report.sections import build_sections
from kvarter.report.i18n import in_words, label
from kvarter.report.workbook import WorkbookGuide, write_workbook


def workbook_guide(publication: Publication, lang: str, *, methods=None, catalogue=None,
                   title: str | None = None) -> WorkbookGuide:
    """The workbook's first sheet and readable columns, from the publication,
    the methods (definitions, sources) and the catalogue in use (names, units).

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> g = workbook_guide(Publication(tables={}, policy=DisclosurePolicy(), year=2024, municipality="Demoby"), "da")
    >>> g.scope, g.policy["min_count"], g.names["residents"], g.units["non_western_share"]
    (('Kommune: Demoby', 'År: 2024'), 5, 'Beboere', 'share')
    """
    from kvarter.indicators import load_catalogue

    cat = catalogue if hasattr(catalogue, "structure") else load_catalogue(catalogue)
    defined = {str(d["indicator"]): str(d.get("definition", "")) for d in getattr(methods, "indicators", ()) or ()}
    definitions = tuple(
        {"indicator": i.id, "name": i.label(lang),
         "unit": i.unit + (" (ratio)" if i.comparison == "ratio" else f" ({i.currency})" if i.currency else ""),
         "definition": defined.get(i.id, i.description)}
        for i in cat.indicators
    )
    areas = publication.areas
    names = {}
    if not areas.empty and {"area_id", "name"} <= set(areas.columns):
        names = {str(a): str(n) for a, n in zip(areas["area_id"], areas["name"]) if isinstance(n, str) and n}
    scope = []
    if publication.municipality:
        scope.append(f"{label('municipality', lang)}: {publication.municipality}")
    if publication.year:
        scope.append(f"{label('year', lang)}: {publication.year}")
    scope.extend(in_words(n, lang) for n in publication.notes)
    return WorkbookGuide(
        lang=lang, title=title or f"kvarter — {publication.municipality or ''} {publication.year or ''}".strip(),
        scope=tuple(scope), policy=publication.policy.to_dict(), definitions=definitions,
        sources=tuple(getattr(methods, "sources", ()) or ()), area_names=names,
        ratios=frozenset(i.id for i in cat.indicators if i.comparison == "ratio"), goals=publication.goals,
    )


def render_publication(publication: Publication, out: str | Path, *, lang: Sequence[str] = ("en",), methods=None,
                       title: str | None = None, catalogue=None) -> tuple[dict[str, Path], Path, dict[str, Path]]:
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
    if catalogue is not None and publication.catalogue is None:
        # The catalogue in use decides units and currencies (a user's own catalogue too).
        from kvarter.indicators import load_catalogue

        cat = catalogue if hasattr(catalogue, "structure") else load_catalogue(catalogue)
        publication = dataclasses.replace(publication, catalogue=cat)
    # The workbook is in the first language, with a first sheet that explains it; it is
    # written in a forked child while the pages and table files are written here.
    guide = workbook_guide(publication, lang[0] if lang else "en", methods=methods, catalogue=catalogue, title=title)
    workbook = Beside(write_workbook, out / "kvarter.xlsx", publication.tables, guide=guide)
    pages = {}
    for i, lg in enumerate(lang):
        sections = build_sections(publication, lg)
        name = "report.html" if i == 0 else f"report.{lg}.html"
        pages[lg] = Path(write_report(out / name, sections, lang=lg, methods=methods,
                                      title=title or f"kvarter — {publication.municipality} {publication.year}"))
    paths = write_tables(publication.tables, out / "tables")
    return pages, Path(workbook.result()), paths
