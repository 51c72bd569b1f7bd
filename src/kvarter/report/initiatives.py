"""The report's "Initiatives" section: the registry's protected tables
(:mod:`kvarter.publish.registry`) laid out per area — what runs, its evidence,
the principles it serves and its outcome indicators against their targets."""

from __future__ import annotations

from kvarter.publish import Publication
from kvarter.report import frames
from kvarter.report.html import Heading, Paragraph, Section, Table
from kvarter.report.i18n import label

#: The publication tables this section reads.
TABLES = ("initiatives", "initiative_outcomes", "initiative_evidence", "principles_served")


def initiatives_summary(initiatives, lang: str) -> str:
    """The section's opening sentence, counted from the published rows (initiatives
    and areas are the table's keys; the strength only where published).

    >>> import pandas as pd
    >>> from kvarter.disclosure import DisclosurePolicy, protect
    >>> t = pd.DataFrame({"initiative": ["a", "a", "b"], "area_id": ["X", "Y", "X"], "evidence_strength": [3.0, 3.0, 1.0],
    ...     "residents": [900, 800, 900]})
    >>> p = protect(t, DisclosurePolicy(), key=["initiative", "area_id"], value_columns=["evidence_strength"],
    ...             count_column="residents")
    >>> initiatives_summary(p, "en").split(";")[0]
    '2 initiatives run in 2 areas'
    """
    f = frames.published(initiatives, "initiatives summary", lang).frame
    strong = f.loc[f["evidence_strength"].fillna(-1) >= 3, "initiative"].nunique()
    return label("initiatives_summary", lang).format(n=f["initiative"].nunique(), m=f["area_id"].nunique(), e=strong)


def initiative_sections(publication: Publication, lang: str) -> list[Section]:
    """The "Initiatives" section when the publication holds the registry's tables, else nothing.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> initiative_sections(Publication(tables={}, policy=DisclosurePolicy()), "en")
    []
    """
    tables = publication.tables
    if "initiatives" not in tables:
        return []
    blocks: list = [Paragraph(initiatives_summary(tables["initiatives"], lang))]
    names = tables["initiatives"].frame["name"].astype(str)
    if names.str.contains("(eksempel)", regex=False).any():
        blocks.append(Paragraph(label("initiatives_examples", lang)))
    blocks += [Heading("initiatives_by_area"),
               Table(tables["initiatives"], columns=["area", "name", "status", "start", "target_groups",
                                                     "principles", "best_evidence"])]
    if "initiative_outcomes" in tables:
        blocks += [Heading("outcome_indicators"),
                   Table(tables["initiative_outcomes"],
                         columns=["area", "name", "indicator", "better", "baseline", "target", "target_year", "year",
                                  "value", "municipality_value"],
                         formats={c: "number:3" for c in ("baseline", "target", "value", "municipality_value")})]
    if "initiative_evidence" in tables:
        blocks += [Heading("evidence_levels"),
                   Table(tables["initiative_evidence"],
                         columns=["name", "design", "scale", "level", "strength", "effect", "effect_low", "effect_high",
                                  "follow_up_months"],
                         formats={"effect": "number:3", "effect_low": "number:3", "effect_high": "number:3",
                                  "strength": "int", "follow_up_months": "int"})]
    if "principles_served" in tables:
        frame = tables["principles_served"].frame
        title = f"title_{lang}" if frame.get(f"title_{lang}") is not None and frame[f"title_{lang}"].notna().any() \
            else "title_en"
        blocks += [Heading("principles_served"),
                   Table(tables["principles_served"], columns=["principle", title, "name", "areas"])]
    return [Section("initiatives", blocks)]
