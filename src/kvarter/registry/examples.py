"""Example initiatives for the Demoby demo, clearly marked as examples.

``examples/demoby.yaml`` holds a dozen invented initiatives across Demoby's
housing areas and its neighbours' (each with ``example: true`` and
"(eksempel)" in its name) and three experiences; ``examples/copenhagen_2035.yaml``
is an example of a user's own principle set. :func:`seed_examples` adds them
to a store that holds the demo's areas, then makes two later edits so the
history has something to show.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kvarter.registry.registry import ImportResult, Registry

EXAMPLES_DIR = Path(__file__).parent / "examples"
DEMOBY_EXAMPLES = EXAMPLES_DIR / "demoby.yaml"
COPENHAGEN_2035 = EXAMPLES_DIR / "copenhagen_2035.yaml"
AUTHOR = "kvarter demo"

# Later edits, so the examples have a history: (id, changes, reason).
_FOLLOW_UPS = (
    ("ex-jobkonsulenter", {"participants": 150}, "participants counted for 2024 (invented)"),
    ("ex-fritidsjob", {"participants": 97}, "participants counted for 2024 (invented)"),
)


def seed_examples(store, *, author: str = AUTHOR) -> ImportResult:
    """Add the example principle set, initiatives and experiences to ``store`` (a Store, a path or a Registry).

    The store must hold the demo's areas (``kvarter demo`` or ``kvarter synth
    --store``); an unknown area fails the whole import, naming it. Seeding a
    store that already has the examples changes nothing and reports them
    ``unchanged``.

    >>> from kvarter.store import Store
    >>> s = Store(":memory:")
    >>> seed_examples(s)
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The examples need the Demoby areas in the store; load them first (kvarter demo, or kvarter synth --store).
    """
    registry = store if isinstance(store, Registry) else Registry(store)
    areas = registry._tables.column("areas", "area_id")
    if not areas or "DEM-H01" not in areas:
        from kvarter.errors import InputError

        raise InputError("The examples need the Demoby areas in the store; load them first "
                         "(kvarter demo, or kvarter synth --store).")
    present = {r.record_id for r in registry._tables.latest("initiative")}
    if "ex-jobkonsulenter" in present:
        rows = registry._tables.latest("initiative")
        table = pd.DataFrame([{"kind": "initiative", "id": r.record_id, "row": None, "action": "unchanged",
                               "version": r.version} for r in rows if r.data.get("example")],
                             columns=["kind", "id", "row", "action", "version"])
        return ImportResult(str(DEMOBY_EXAMPLES), table)
    if "copenhagen-2035" not in registry.principle_sets():
        registry.add_principle_set(COPENHAGEN_2035, author=author, reason="example principle set for the demo")
    result = registry.import_file(DEMOBY_EXAMPLES, author=author, reason="example initiatives for the demo")
    versions = dict(zip(result.table["id"], result.table["version"]))
    for rid, changes, reason in _FOLLOW_UPS:
        versions[rid] = registry.update(rid, changes, author=author, reason=reason)
    table = result.table.assign(version=result.table["id"].map(versions).astype("int64"))
    return ImportResult(result.source, table)
