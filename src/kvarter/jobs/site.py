"""The web app's job: the monitor's publication built once and kept in memory,
with what the registry pages need to publish the registry again after a write.

Protecting the whole indicator catalogue takes minutes on a real store, so
:func:`build_site` runs :func:`~kvarter.jobs.monitor.monitor_publication`
once (at server start) and the pages are served from the resulting
:class:`Site`. :func:`site_for` memoises sites per store file and the
store's last load, so a second app over the same unchanged store (the tests,
a restart inside one process) reuses it. The registry is the one part that
changes while the server runs: :meth:`Site.registry_tables` re-publishes it
from the registry's current records, linked to the same indicator cells the
publication hides.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import pandas as pd

from kvarter.disclosure import DisclosurePolicy, Protected
from kvarter.publish import Publication


@dataclass(frozen=True)
class Site:
    """What the web app serves: the ``publication`` and the methods section
    (``methods``, a :class:`~kvarter.report.html.Methods`), and — kept in
    memory, never served — the raw indicator table (``indicators``) and the
    cells its protected version hides (``hidden``), which the registry's
    tables are linked to when they are published again after a write.

    ``store_path`` is the store the registry is read from and written to
    (None: the registry pages are read-only and empty); ``load_key`` names
    the store's last load the site was built from; ``seconds`` how long the
    build took.
    """

    publication: Publication
    methods: object = None
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    hidden: frozenset = frozenset()
    store_path: Path | None = None
    catalogue: object = None
    rulesets: tuple[str, ...] = ()
    load_key: str = ""
    seconds: float = 0.0

    @property
    def policy(self) -> DisclosurePolicy:
        return self.publication.policy

    def registry(self):
        """The registry over the site's store file (opened per call, so other processes can share it)."""
        from kvarter.errors import InputError
        from kvarter.registry import Registry

        if self.store_path is None:
            raise InputError("This site has no store; the registry cannot be read or written.")
        return Registry(self.store_path, catalogue=self.catalogue)

    def registry_tables(self) -> dict[str, Protected]:
        """The registry's tables published now, from its current records
        (:func:`kvarter.publish.registry.protect_registry`), for the
        publication's year; empty when the registry holds no initiatives.

        >>> site = Site(Publication(tables={}, policy=DisclosurePolicy()))
        >>> site.registry_tables()
        {}
        """
        if self.store_path is None or self.publication.year is None:
            return {}
        from kvarter.publish.registry import protect_registry

        reg = self.registry()
        initiatives = reg.initiatives()
        if not initiatives:
            return {}
        return protect_registry(initiatives, reg.principle_sets(), self.indicators, int(self.publication.year),
                                self.policy, areas=self.publication.areas, hidden=set(self.hidden),
                                catalogue=self.catalogue)


def load_key(store) -> str:
    """A key for the store's content: its last load (table, time, checksum), '' when nothing was loaded.

    >>> from kvarter.store import Store
    >>> load_key(Store(":memory:"))
    ''
    """
    loads = store.loads()
    if loads is None or not len(loads):
        return ""
    last = loads.iloc[-1]
    return "|".join(str(last.get(k, "")) for k in ("table", "loaded_at", "sha256", "rows"))


def build_site(store, *, policy: DisclosurePolicy, rulesets: Sequence[str] | None = None,
               permutations: int = 50, bootstrap: int = 50, seed: int = 0, engine: str = "duckdb",
               catalogue=None, progress: Callable[[str], None] | None = None) -> Site:
    """Build the web app's :class:`Site` over ``store`` (a :class:`~kvarter.store.Store`):
    the monitor's publication (:func:`~kvarter.jobs.monitor.monitor_publication`,
    with fewer permutations and bootstrap replicates than the report by
    default, for a quicker start), its methods section, and the registry's
    links.

    >>> from kvarter.store import Store
    >>> build_site(Store(":memory:"), policy=DisclosurePolicy())
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has no 'persons' table to compute indicators from; load persons first (kvarter load FILE --table persons).
    """
    from kvarter.indicators import load_catalogue
    from kvarter.jobs.indicators import indicator_table
    from kvarter.jobs.monitor import DEFAULT_RULESETS, methods_of, monitor_publication
    from kvarter.publish.links import hidden_cells

    t0 = time.perf_counter()
    rulesets = tuple(rulesets or DEFAULT_RULESETS)
    cat = catalogue if hasattr(catalogue, "structure") else load_catalogue(catalogue)
    pub = monitor_publication(store, rulesets=rulesets, policy=policy, permutations=permutations,
                              bootstrap=bootstrap, seed=seed, progress=progress, engine=engine, catalogue=cat)
    ind = indicator_table(store, engine=engine, catalogue=cat)
    path = getattr(store, "path", None)
    return Site(publication=pub, methods=methods_of(store, rulesets, policy, cat), indicators=ind,
                hidden=frozenset(hidden_cells(pub["indicators"])),
                store_path=Path(path) if path and str(path) != ":memory:" else None, catalogue=cat,
                rulesets=rulesets, load_key=load_key(store), seconds=time.perf_counter() - t0)


_SITES: dict[tuple, Site] = {}
_LOCK = threading.Lock()


def site_for(store_path: str | Path, *, policy: DisclosurePolicy, progress: Callable[[str], None] | None = None,
             **options) -> Site:
    """The :class:`Site` of the store file at ``store_path``, built once per
    store content (its last load), policy and options within this process.

    The store is opened for the build and closed again, so the registry
    (and other processes) can open it afterwards.

    >>> site_for("/nonexistent/kvarter.duckdb", policy=DisclosurePolicy())
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: ...
    """
    from kvarter.store import Store

    path = Path(store_path).resolve()
    with _LOCK:
        with Store(path, create=False) as store:
            key = (str(path), load_key(store), repr(sorted(policy.to_dict().items())), repr(sorted(options.items())))
            if key not in _SITES:
                _SITES[key] = build_site(store, policy=policy, progress=progress, **options)
        return _SITES[key]


def public_tables(site: Site) -> Mapping[str, Protected]:
    """Every protected table of the site's publication by name (tables, shown, profile and trends).

    >>> public_tables(Site(Publication(tables={}, policy=DisclosurePolicy())))
    {}
    """
    pub = site.publication
    out = dict(pub.tables)
    out.update({f"shown_{k}": v for k, v in pub.shown.items()})
    out.update({f"profile_{k}": v for k, v in pub.profile.items() if f"profile_{k}" not in out})
    out.update({f"trend_{k}": v for k, v in pub.trends.items() if f"trend_{k}" not in out})
    return out
