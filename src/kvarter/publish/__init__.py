"""The one door out: analysis results turned into protected tables.

One module per domain — :mod:`.indicators` (the published indicator table),
:mod:`.screening` (criteria, what-if, designations, history),
:mod:`.profiles` (profiles, trends, the composite gap), :mod:`.segregation`,
and :mod:`.links` (which indicator cells a derived figure rests on) — and
:class:`Publication`, the bundle one job publishes. Renderers
(:mod:`kvarter.report`, the web app) take a Publication and nothing else.
"""

from kvarter.publish.publication import Publication, SegregationPart

__all__ = ["Publication", "SegregationPart"]
