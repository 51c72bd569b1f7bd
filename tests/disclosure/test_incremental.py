"""The incremental fixed point (issue 14) suppresses exactly what the old one did.

The old algorithm — the global fixed point re-attacking the whole table with
:func:`scipy.optimize.linprog` — is kept as ``reference_suppression.py`` and
swapped in for ``kvarter.disclosure.suppress._secondary``; every table here
is protected both ways and the published frames must be equal, statuses,
reasons and values alike. The demo's own pattern, computed with the old
algorithm (following the rules of issue 8: identities, the cheapest
complement, the protection interval), is vendored in
``data/demo_indicator_pattern.csv.gz``.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kvarter.disclosure import DisclosurePolicy, overlap, partition, protect
from kvarter.disclosure import suppress
from kvarter.disclosure.status import SUPPRESSED
from kvarter.errors import DisclosureError

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("reference_suppression", HERE / "reference_suppression.py")
reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)


def _with_reference(monkeypatch):
    monkeypatch.setattr(suppress, "_secondary", reference._secondary)


def random_table(rng: np.random.Generator) -> tuple[pd.DataFrame, list]:
    """Indicators × years, each a municipality of areas (one split in two by an
    overlap or a partition), persons often small, numerators binomial."""
    rows, relations = [], []
    for ind in [f"i{j}" for j in range(int(rng.integers(1, 4)))]:
        for year in (2023, 2024)[: int(rng.integers(1, 3))]:
            areas = [f"A{j}" for j in range(int(rng.integers(2, 7)))]
            small = rng.random(len(areas)) < 0.35
            n = np.where(small, rng.integers(0, 9, len(areas)), rng.integers(8, 120, len(areas)))
            x = rng.binomial(n, rng.uniform(0.02, 0.6))
            for a, ni, xi in zip(areas, n, x):
                rows.append((ind, a, year, int(ni), int(xi), bool(rng.random() < 0.04)))
            rows.append((ind, "K", year, int(n.sum()), int(x.sum()), False))
            relations.append(partition(f"{ind} K {year}", (ind, "K", year), [(ind, a, year) for a in areas]))
            big = int(np.argmax(n))
            sub_n = int(rng.integers(0, n[big] + 1))
            sub_x = int(rng.integers(max(0, x[big] - (n[big] - sub_n)), min(x[big], sub_n) + 1))
            rows.append((ind, f"{areas[big]}.1", year, sub_n, sub_x, False))
            if rng.random() < 0.5:
                relations.append(overlap(f"{ind} {areas[big]} {year}", (ind, areas[big], year),
                                         [(ind, f"{areas[big]}.1", year)]))
            else:
                rows.append((ind, f"{areas[big]}.2", year, int(n[big]) - sub_n, int(x[big]) - sub_x, False))
                relations.append(partition(f"{ind} {areas[big]} {year}", (ind, areas[big], year),
                                           [(ind, f"{areas[big]}.1", year), (ind, f"{areas[big]}.2", year)]))
    t = pd.DataFrame(rows, columns=["indicator", "unit", "year", "persons", "numerator", "linked"])
    t["share"] = t["numerator"] / t["persons"].where(t["persons"] > 0)
    return t, relations


def _protect(t, relations, policy):
    return protect(t, policy, key=["indicator", "unit", "year"], value_columns=["share"], count_column="persons",
                   numerator_column="numerator", linked_column="linked", relations=relations, name="random")


def _outcome(t, relations, policy):
    try:
        return _protect(t, relations, policy).frame
    except DisclosureError as exc:
        return str(exc)


def test_random_tables_get_the_reference_pattern(monkeypatch):
    secondary = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        t, relations = random_table(rng)
        policy = DisclosurePolicy(min_count=int(rng.choice([3, 5])), protect_complement=bool(rng.random() < 0.7))
        suppress._MEMO.clear()
        new = _outcome(t, relations, policy)
        again = _outcome(t, relations, policy)  # every component from the memo now
        with monkeypatch.context() as m:
            _with_reference(m)
            old = _outcome(t, relations, policy)
        for got in (new, again):
            if isinstance(old, str):
                assert got == old, seed
            else:
                pd.testing.assert_frame_equal(got, old, obj=f"seed {seed}")
        if not isinstance(old, str):
            secondary += int((old["persons_status"] == "secondary").sum() + (old["share_status"] == "secondary").sum())
    # The comparison means something only if the old algorithm had work to do.
    assert secondary > 30


@pytest.fixture(scope="module")
def small_region():
    """A small region (1,500 persons, one year): many small cells, the hard case."""
    from kvarter.demo import synthesize
    from kvarter.indicators import load_catalogue
    from kvarter.jobs.indicators import indicator_table
    from kvarter.store import Store

    data = synthesize(persons=1_500, areas=20, schools=6, years=range(2024, 2025), seed=3)
    store = Store(":memory:")
    store.load_many({k: data[k] for k in ("areas", "schools", "persons")}, replace=True)
    cat = load_catalogue()
    return store, indicator_table(store, catalogue=cat), cat


@pytest.mark.slow  # the old algorithm on a realistic table: its slowness is why it was replaced
def test_the_indicator_table_of_a_small_region_gets_the_reference_pattern(small_region, monkeypatch):
    from kvarter.publish.indicators import protect_store_indicators

    store, ind, cat = small_region
    suppress._MEMO.clear()
    new, _ = protect_store_indicators(store, ind, DisclosurePolicy(), catalogue=cat)
    with monkeypatch.context() as m:
        _with_reference(m)
        old, _ = protect_store_indicators(store, ind, DisclosurePolicy(), catalogue=cat)
    assert (old.frame["value_status"] == "secondary").sum() > 20
    pd.testing.assert_frame_equal(new.frame, old.frame)


PATTERN = HERE / "data" / "demo_indicator_pattern.csv.gz"
PATTERN_KEY = ["indicator", "level", "unit_id", "year"]


def pattern_of(frame: pd.DataFrame) -> pd.DataFrame:
    """Which cells of a protected indicator frame are hidden: the key of every
    row with a hidden count or value, and which of the two (the reasons' wording
    is not the pattern, and other work may change it)."""
    out = frame[PATTERN_KEY].astype({"unit_id": str, "year": int})
    out["persons_hidden"] = frame["persons_status"].isin(SUPPRESSED)
    out["value_hidden"] = frame["value_status"].isin(SUPPRESSED)
    out = out[out["persons_hidden"] | out["value_hidden"]]
    return out.sort_values(PATTERN_KEY, ignore_index=True)


def input_digest(ind: pd.DataFrame) -> str:
    """What the demo's indicator table was, so a changed demo is told apart from a changed protection."""
    cols = ["indicator", "level", "unit_id", "year", "persons", "numerator", "denominator"]
    t = ind[cols].astype({"unit_id": str}).sort_values(cols[:4], ignore_index=True)
    return hashlib.sha256(t.to_csv(index=False, float_format="%.6g").encode()).hexdigest()[:16]


@pytest.mark.slow
def test_the_demo_keeps_the_suppression_pattern_of_the_old_fixed_point():
    """The default demo's indicator table (50,000 persons, 2015-2024, seed 0),
    protected now, equals the pattern the old algorithm gave on main."""
    from kvarter.publish.indicators import protect_store_indicators

    with gzip.open(PATTERN, "rt", encoding="utf-8") as fh:
        digest = fh.readline().strip().removeprefix("# input ")
        expected = pd.read_csv(fh, dtype={"unit_id": str}, keep_default_na=False)
    store, ind, cat = demo_indicators()
    assert input_digest(ind) == digest, (
        "The demo's indicator table changed, so the vendored pattern no longer applies; regenerate it "
        "with the old algorithm: python tests/disclosure/test_incremental.py (a few minutes)."
    )
    p, _ = protect_store_indicators(store, ind, DisclosurePolicy(), catalogue=cat)
    # Compared as text: the file read back and the frame differ only in string dtypes.
    pd.testing.assert_frame_equal(pattern_of(p.frame).astype(str), expected.astype(str))


def demo_indicators():
    """The default demo's store (in memory), indicator table and catalogue."""
    from kvarter.demo import synthesize
    from kvarter.indicators import load_catalogue
    from kvarter.jobs.indicators import indicator_table
    from kvarter.store import Store

    data = synthesize(seed=0)
    store = Store(":memory:")
    store.load_many({k: data[k] for k in ("areas", "schools", "persons")}, replace=True)
    cat = load_catalogue()
    return store, indicator_table(store, catalogue=cat), cat


def write_pattern() -> None:
    """Regenerate the vendored pattern with the old algorithm (run this file as a script)."""
    from kvarter.publish.indicators import protect_store_indicators

    store, ind, cat = demo_indicators()
    suppress._secondary = reference._secondary
    p, _ = protect_store_indicators(store, ind, DisclosurePolicy(), catalogue=cat)
    PATTERN.parent.mkdir(exist_ok=True)
    with gzip.open(PATTERN, "wt", encoding="utf-8", newline="") as fh:
        fh.write(f"# input {input_digest(ind)}\n")
        pattern_of(p.frame).to_csv(fh, index=False)


if __name__ == "__main__":
    write_pattern()
