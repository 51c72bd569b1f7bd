"""Hypothesis: random tables with random additive structure, protected, then attacked.

No suppressed cell may be recoverable or pinned below the minimum, and no
published number may rest on fewer persons than the minimum. Besides the
linear-programming attack, a second, independent and simpler intruder tries
the single-relation difference attack on the published frame."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvarter.disclosure import (
    DisclosurePolicy,
    Relation,
    attack,
    check_output,
    check_published,
    protect,
)

SMALLISH = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def hierarchy_tables(draw):
    """Demoby → districts → areas (nested partitions), each with a numerator, and an overlap."""
    rows: dict[str, list[int]] = {}  # name -> [persons, numerator]
    relations = []
    districts = []
    for d in range(draw(st.integers(2, 4))):
        dname = f"D{d}"
        if draw(st.booleans()):
            kids = []
            for a in range(draw(st.integers(2, 3))):
                n = draw(SMALLISH)
                rows[f"{dname}A{a}"] = [n, draw(st.integers(0, n))]
                kids.append(f"{dname}A{a}")
            rows[dname] = [sum(rows[k][0] for k in kids), sum(rows[k][1] for k in kids)]
            relations.append(Relation(dname, (dname,), tuple((k,) for k in kids)))
        else:
            n = draw(SMALLISH)
            rows[dname] = [n, draw(st.integers(0, n))]
        districts.append(dname)
    rows["Demoby"] = [sum(rows[k][0] for k in districts), sum(rows[k][1] for k in districts)]
    relations.append(Relation("Demoby", ("Demoby",), tuple((k,) for k in districts)))
    leaves = [k for k in rows if k != "Demoby" and not any(r.total == (k,) for r in relations)]
    if draw(st.booleans()):
        inside = draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=2, unique=True))
        extra = draw(st.integers(0, 8))
        extra_x = draw(st.integers(0, extra))
        rows["Urban"] = [sum(rows[k][0] for k in inside) + extra, sum(rows[k][1] for k in inside) + extra_x]
        relations.append(Relation("Urban", ("Urban",), tuple((k,) for k in inside), complete=False))
    t = pd.DataFrame([(k, n, x) for k, (n, x) in rows.items()], columns=["area", "persons", "unemployed"])
    return t, ["area"], relations


@st.composite
def cross_tables(draw):
    """Areas × labour-market status with totals both ways (a two-dimensional table)."""
    areas = [f"A{i}" for i in range(draw(st.integers(2, 4)))]
    cats = ["employed", "unemployed", "outside"][: draw(st.integers(2, 3))]
    cells = {(a, c): draw(SMALLISH) for a in areas for c in cats}
    rows = list(cells.items())
    for a in areas:
        rows.append(((a, "all"), sum(cells[(a, c)] for c in cats)))
    for c in [*cats, "all"]:
        rows.append((("Demoby", c), sum(n for (a, cc), n in rows if cc == c and a != "Demoby")))
    t = pd.DataFrame([(a, c, n) for (a, c), n in rows], columns=["area", "status", "persons"])
    relations = [Relation(f"{a} all", (a, "all"), tuple((a, c) for c in cats)) for a in [*areas, "Demoby"]]
    relations += [Relation(f"Demoby {c}", ("Demoby", c), tuple((a, c) for a in areas)) for c in [*cats, "all"]]
    return t, ["area", "status"], relations


def _difference_attack(p, relations, min_count):
    """Independent intruder: one relation at a time, one unknown → recomputed."""
    f = p.frame
    keyed = {tuple(str(v) for v in r): i for i, r in enumerate(f[p.key].itertuples(index=False, name=None))}
    exposed = []
    for rel in relations:
        members = [keyed[tuple(str(v) for v in k)] for k in (rel.total, *rel.parts)]
        for col, stat in (("persons", "persons_status"), ("unemployed", "unemployed_status")):
            if col not in f:
                continue
            known = [not math.isnan(f[col].iloc[m]) for m in members]
            if rel.complete and known.count(False) == 1:
                exposed.append((rel.name, col, "one unknown in a complete relation"))
            if not rel.complete and all(known):
                diff = f[col].iloc[members[0]] - sum(f[col].iloc[m] for m in members[1:])
                if 0 < diff < min_count:
                    exposed.append((rel.name, col, f"difference {diff}"))
    return exposed


def _protect(table, key, relations, min_count):
    has_x = "unemployed" in table
    return protect(
        table, DisclosurePolicy(min_count=min_count), key=key,
        value_columns=["unemployed"] if has_x else ["persons"], count_column="persons",
        numerator_column="unemployed" if has_x else None, relations=relations,
    )


def _assert_safe(table, key, relations, min_count):
    p = _protect(table, key, relations, min_count)
    check_published(p)
    a = attack(p)
    assert not a["recovered"].any(), a[a["recovered"]]
    assert _difference_attack(p, relations, min_count) == []
    f = p.frame
    # truth: every small cell is suppressed and its interval reaches the minimum
    for i, n in enumerate(table["persons"]):
        if 0 < n < min_count:
            assert f["persons_status"].iloc[i] == "primary"
            label = tuple(table[key].iloc[i])
            row = a[(a[key].apply(tuple, axis=1) == label) & (a["quantity"] == "persons") & (a["where"] == "row")]
            assert np.floor(row["upper"].iloc[0] + 1e-6) >= min_count
    if "unemployed" in table:
        for i, (n, x) in enumerate(zip(table["persons"], table["unemployed"])):
            if n >= min_count and (0 < x < min_count or 0 < n - x < min_count):
                assert f["unemployed_status"].iloc[i] == "primary"
    hidden = f["persons_status"].isin(["primary", "secondary"])
    assert f.loc[hidden, "persons"].isna().all()
    return p


MIN_COUNT = st.integers(3, 10)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(hierarchy_tables(), MIN_COUNT)
def test_nested_partitions_and_overlaps_cannot_be_attacked(case, min_count):
    _assert_safe(*case, min_count)


@FAST
@given(cross_tables(), MIN_COUNT)
def test_two_dimensional_tables_cannot_be_attacked(case, min_count):
    _assert_safe(*case, min_count)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(hierarchy_tables(), cross_tables()), MIN_COUNT)
def test_many_tables_cannot_be_attacked_even_after_a_round_trip_through_csv(case, min_count):
    import tempfile
    from pathlib import Path

    p = _assert_safe(*case, min_count)
    with tempfile.TemporaryDirectory() as d:
        p.to_csv(Path(d) / "t.csv")
        problems = check_output(d)
        assert problems.empty, problems
