"""The local web app (``kvarter serve``): a thin layer over the jobs and the
publication layer — the map, area, municipality, screening, segregation,
benchmark, effects, housing and registry pages, each with a JSON twin.

:func:`~kvarter.web.app.create_app` makes the app over a
:class:`~kvarter.jobs.site.Site`; see ``docs/web.md``.
"""

from kvarter.web.app import create_app

__all__ = ["create_app"]
