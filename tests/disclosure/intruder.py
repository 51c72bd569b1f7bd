"""An outside intruder over every file a monitor run publishes, together.

A second, independent attacker (the protection's own attack works table by
table): it reads only the published files — the tables with their
``.disclosure.json`` sidecars, the workbook and the HTML pages — and the
documented catalogue, puts every suppressed persons count and numerator of
every table into one linear system, and bounds each one with
``scipy.optimize.linprog`` (HiGHS) on a sparse matrix. What it knows:

* each table's own relations (its sidecar), numerators never above counts,
  counts never negative;
* the pooled designated areas (trends, profiles) are the sum of their leaf
  areas' indicator cells, "the rest" the municipality minus the pool;
* the catalogue's structure and definitions: indicators with one population
  count the same persons; every 18-64-year-old has a labour status;
  household persons are the residents; 15-64 = 18-64 + (15+ - 18+);
  employment and education categories add up to their count; convicted
  18+ lie inside convicted 15+;
* the published reasons: every suppressed cell says "suppressed" with one
  reason, a linked cell names the cell it rests on, which says nothing
  about the cell's own size (so the reasons add no constraint here).

Exactly recovered cells are found by linear algebra (a cell is determined
by the equalities when its unit vector lies in their row space); the
intervals of the truly small cells by LP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog


@dataclass
class System:
    """Unknowns (suppressed counts and numerators) and what binds them."""

    names: list = field(default_factory=list)
    index: dict = field(default_factory=dict)
    eq: list = field(default_factory=list)  # (coef dict, rhs)
    ub: list = field(default_factory=list)  # (coef dict, rhs): coef . v <= rhs
    truth: dict = field(default_factory=dict)  # variable -> true value

    def var(self, name) -> int:
        if name not in self.index:
            self.index[name] = len(self.names)
            self.names.append(name)
        return self.index[name]


class Term:
    """A published number or an unknown: ``const`` or variable ``v``."""

    __slots__ = ("v", "const")

    def __init__(self, v=None, const=0.0):
        self.v, self.const = v, const


def _lin(system: System, terms: list[tuple[float, Term]], rhs_const: float = 0.0):
    coef: dict[int, float] = {}
    const = rhs_const
    for a, t in terms:
        if t.v is None:
            const += a * t.const
        else:
            coef[t.v] = coef.get(t.v, 0.0) + a
    return {k: c for k, c in coef.items() if c != 0.0}, const


def add_eq(system, terms, const=0.0):
    """sum(a * term) + const == 0"""
    coef, c = _lin(system, terms, const)
    if coef:
        system.eq.append((coef, -c))


def add_le(system, terms, const=0.0):
    """sum(a * term) + const <= 0"""
    coef, c = _lin(system, terms, const)
    if coef:
        system.ub.append((coef, -c))


@dataclass
class Table:
    name: str
    frame: pd.DataFrame
    meta: dict

    @property
    def key(self):
        return list(self.meta["key"])


def read_tables(folder: Path) -> dict[str, Table]:
    out = {}
    for p in sorted(folder.glob("*.csv")):
        side = Path(f"{p}.disclosure.json")
        if not side.exists():
            continue
        meta = json.loads(side.read_text(encoding="utf-8"))
        key = list(meta["key"])
        text = {c: str for c in key}
        frame = pd.read_csv(p, dtype=text, keep_default_na=False, na_values=[""])
        out[p.stem] = Table(p.stem, frame, meta)
    return out


def _terms(system: System, t: Table, row: int, column: str | None, measure: str) -> Term | None:
    """The published value of ``column`` at ``row``, or its unknown when suppressed."""
    if column is None or column not in t.frame.columns:
        return None
    status = t.frame.at[row, f"{column}_status"]
    if status in ("suppressed", "primary", "secondary"):
        return Term(system.var((t.name, row, measure)))
    v = t.frame.at[row, column]
    if pd.isna(v):
        return None
    return Term(const=float(v))


def table_terms(system: System, t: Table, has_x) -> dict[int, dict[str, Term]]:
    """Per row: ``n`` and (where the row has one) ``x``, and the table's own facts."""
    count, num = t.meta["count_column"], t.meta.get("numerator_column")
    rows: dict[int, dict[str, Term]] = {}
    for i in range(len(t.frame)):
        r = {"n": _terms(system, t, i, count, "n")}
        if num and has_x(t, i):
            x = _terms(system, t, i, num, "x")
            if x is not None:
                r["x"] = x
                add_le(system, [(1.0, x), (-1.0, r["n"])])  # x <= n
        rows[i] = r
    pos = {tuple(str(v) for v in k): i for i, k in enumerate(t.frame[t.key].itertuples(index=False, name=None))}
    for rel in t.meta.get("relations", []):
        total = pos[tuple(str(_plain(v)) for v in rel["total"])]
        parts = [pos[tuple(str(_plain(v)) for v in p)] for p in rel["parts"]]
        for m in ("n", "x"):
            members = [total, *parts]
            if any(rows[j].get(m) is None for j in members):
                continue
            terms = [(1.0, rows[total][m])] + [(-1.0, rows[j][m]) for j in parts]
            if rel["complete"]:
                add_eq(system, terms)
            else:
                add_le(system, [(-a, tt) for a, tt in terms])  # parts <= total
    return rows


def _plain(v):
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def solve_determined(system: System, tol: float = 1e-7) -> np.ndarray:
    """True for each unknown fixed by the equalities alone (its unit vector in their row space)."""
    nv = len(system.names)
    if not system.eq or nv == 0:
        return np.zeros(nv, bool)
    a = np.zeros((len(system.eq), nv))
    for j, (coef, _) in enumerate(system.eq):
        for v, c in coef.items():
            a[j, v] += c
    # Null space of A: a variable is determined iff the null space has no component on it.
    _, s, vt = np.linalg.svd(a, full_matrices=True)
    rank = int((s > tol * max(1.0, s.max() if s.size else 1.0)).sum())
    null = vt[rank:]
    if null.shape[0] == 0:
        return np.ones(nv, bool)
    return np.abs(null).max(axis=0) < 1e-6


def interval(system: System, v: int, a_eq, b_eq, a_ub, b_ub) -> tuple[float, float]:
    nv = len(system.names)
    out = []
    for sign in (1.0, -1.0):
        c = np.zeros(nv)
        c[v] = sign
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * nv, method="highs")
        if res.status == 3:
            out.append(np.inf if sign < 0 else 0.0)
        elif res.status != 0:
            raise AssertionError(f"the intruder's LP failed ({res.message}); the published files contradict")
        else:
            out.append(sign * res.fun)
    return out[0], out[1]


def matrices(system: System):
    nv = len(system.names)

    def build(rows):
        if not rows:
            return None, None
        data, ri, ci, b = [], [], [], []
        for j, (coef, rhs) in enumerate(rows):
            for v, c in coef.items():
                data.append(c)
                ri.append(j)
                ci.append(v)
            b.append(rhs)
        return sp.csr_matrix((data, (ri, ci)), shape=(len(rows), nv)), np.asarray(b)

    a_eq, b_eq = build(system.eq)
    a_ub, b_ub = build(system.ub)
    return a_eq, b_eq, a_ub, b_ub


# ------------------------------------------------------------------ the monitor's files


EMPLOYMENT = ("employed_share_18_64", "unemployed_share_18_64", "outside_labour_force_share_18_64")
EDUCATION = tuple(f"education_{k}_share_15_64" for k in
                  ("basic", "upper_secondary", "vocational", "short_tertiary", "medium_tertiary", "long_tertiary"))
ALL_RESIDENTS = ("residents", "non_western_share", "renting_share", "household_income_mean", "singles_share",
                 "household_single_no_children_share", "household_single_with_children_share",
                 "household_couple_no_children_share", "household_couple_with_children_share",
                 "household_other_share")


@dataclass
class Score:
    published: int = 0
    under_minimum: int = 0
    small_pinned: int = 0
    large_recovered: int = 0
    suppressed: int = 0
    small_suppressed: int = 0
    examples: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "examples"}


def _counts_persons(catalogue, indicator: str) -> bool:
    try:
        num = catalogue[indicator].numerator
    except KeyError:
        return False
    return num is not None and not num.sum


def attack_monitor(folder: Path, truth: pd.DataFrame, pool: set[str], municipality: str, year: int,
                   catalogue, min_count: int) -> Score:
    """Score every file in ``folder`` (a monitor run's ``tables/``) against ``truth``
    (the unprotected indicator table: ``indicator, level, unit_id, year, persons, numerator, denominator``)."""
    tables = read_tables(folder)
    system = System()
    score = Score()
    for t in tables.values():
        cnt = t.meta["count_column"]
        num = t.meta.get("numerator_column")
        for c in t.meta["value_columns"]:
            st = t.frame[f"{c}_status"]
            score.published += int((st == "published").sum())
        pub_rows = np.zeros(len(t.frame), bool)
        for c in t.meta["value_columns"]:
            pub_rows |= (t.frame[f"{c}_status"] == "published").to_numpy()
        n = pd.to_numeric(t.frame[cnt], errors="coerce").to_numpy(float)
        small = pub_rows & (n >= 1) & (n < min_count)
        if num and num in t.frame.columns:
            x = pd.to_numeric(t.frame[num], errors="coerce").to_numpy(float)
            small |= pub_rows & (x >= 1) & (x < min_count)
        score.under_minimum += int(small.sum())
        if small.any():
            score.examples.append(("under minimum", t.name, t.frame.loc[small, t.key].head(3).values.tolist()))

    def has_x_ind(t, i):
        return _counts_persons(catalogue, t.frame.at[i, "indicator"])

    ind = tables["indicators"]
    rows = table_terms(system, ind, has_x_ind)
    cell = {(r.indicator, r.level, r.unit_id, int(r.year)): rows[i]
            for i, r in enumerate(ind.frame[["indicator", "level", "unit_id", "year"]].itertuples(index=False))}
    defs: dict = {}  # variable -> [(coef, canonical key, measure)]
    for (i_, lv, u, y), r in cell.items():
        for m, term in r.items():
            if term is not None and term.v is not None:
                defs[term.v] = [(1.0, (i_, lv, u, y), m)]
    # The catalogue's structure, at one level, unit and year.
    by_where: dict = {}
    for (i_, lv, u, y), r in cell.items():
        by_where.setdefault((lv, u, y), {})[i_] = r
    for where, rs in by_where.items():
        classes: dict = {}
        for i_ in rs:
            try:
                k = catalogue._definition_key(i_)
            except KeyError:
                continue
            classes.setdefault(k, []).append(i_)
        groups = list(classes.values()) + [[i for i in ALL_RESIDENTS if i in rs],
                                           [i for i in ("employed_share_18_64", "outside_labour_education_share") if i in rs]]
        for g in groups:
            for a, b in zip(g, g[1:]):
                add_eq(system, [(1.0, rs[a]["n"]), (-1.0, rs[b]["n"])])
        four = ("education_basic_share_15_64", "convicted_share", "outside_labour_education_share", "charged_per_1000")
        if all(i in rs for i in four):
            add_eq(system, [(1.0, rs[four[0]]["n"]), (1.0, rs[four[1]]["n"]),
                            (-1.0, rs[four[2]]["n"]), (-1.0, rs[four[3]]["n"])])
        for cats in (EMPLOYMENT, EDUCATION):
            if all(i in rs and "x" in rs[i] for i in cats):
                add_eq(system, [(1.0, rs[i]["x"]) for i in cats] + [(-1.0, rs[cats[0]]["n"])])
        if "convicted_share" in rs and "convicted_per_1000" in rs:
            a, b = rs["convicted_share"], rs["convicted_per_1000"]
            add_le(system, [(1.0, a["n"]), (-1.0, b["n"])])
            if "x" in a and "x" in b:
                add_le(system, [(1.0, a["x"]), (-1.0, b["x"])])

    # Pools: trends (designated, rest) and profiles (designated, municipality).
    panels = {p.name: {m.label: m.indicator for m in p.members} for p in catalogue.structure.panels}
    for name, t in tables.items():
        if name.startswith("trend_"):
            indicator, keyed = name[len("trend_"):], [(int(r.year), r.group) for r in t.frame[["year", "group"]].itertuples()]
        elif name.startswith("profile_") and name[len("profile_"):] in panels:
            labels = panels[name[len("profile_"):]]
            keyed = [(year, r.group, labels.get(r.category)) for r in t.frame[["category", "group"]].itertuples()]
            indicator = None
        else:
            continue
        trs = table_terms(system, t, lambda t_, i_: True)
        for i, k in enumerate(keyed):
            ind_id = indicator if indicator is not None else k[2]
            y, g = k[0], k[1]
            if ind_id is None:
                continue
            members = [(1.0, (ind_id, "area", a, y)) for a in sorted(pool)]
            if g == "rest":
                members = [(1.0, (ind_id, "municipality", municipality, y))] + [(-c, kk) for c, kk in members]
            elif g == "municipality":
                members = [(1.0, (ind_id, "municipality", municipality, y))]
            if not all(kk in cell for _, kk in members):
                continue
            for m in ("n", "x"):
                term = trs[i].get(m)
                if term is None or not all(m in cell[kk] for _, kk in members):
                    continue
                add_eq(system, [(1.0, term)] + [(-c, cell[kk][m]) for c, kk in members])
                if term.v is not None:
                    defs[term.v] = [(c, kk, m) for c, kk in members]

    # Truth for every unknown that rests on indicator cells.
    tr = truth.copy()
    tr["unit_id"] = tr["unit_id"].astype(str)
    tr = tr.set_index(["indicator", "level", "unit_id", "year"])
    true_n = tr["persons"].to_dict()
    true_x = tr["numerator"].where(tr["numerator"] <= tr["denominator"]).to_dict()
    for v, parts in defs.items():
        vals = [c * (true_n if m == "n" else true_x).get(kk, np.nan) for c, kk, m in parts]
        system.truth[v] = float(np.sum(vals))

    _score_unknowns(system, score, min_count)
    return score


def components(system: System) -> list[tuple[list[int], list[int], list[int]]]:
    """Connected groups of unknowns, with the equality and inequality rows binding them."""
    nv = len(system.names)
    parent = list(range(nv))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for coef, _ in system.eq + system.ub:
        vs = list(coef)
        for b in vs[1:]:
            ra, rb = find(vs[0]), find(b)
            if ra != rb:
                parent[rb] = ra
    groups: dict = {}
    for v in range(nv):
        groups.setdefault(find(v), ([], [], []))[0].append(v)
    for j, (coef, _) in enumerate(system.eq):
        groups[find(next(iter(coef)))][1].append(j)
    for j, (coef, _) in enumerate(system.ub):
        groups[find(next(iter(coef)))][2].append(j)
    return list(groups.values())


def _score_unknowns(system: System, score: Score, m: int) -> None:
    for vs, eqs, ubs in components(system):
        sub = System(names=[system.names[v] for v in vs])
        local = {v: i for i, v in enumerate(vs)}
        sub.eq = [({local[v]: c for v, c in system.eq[j][0].items()}, system.eq[j][1]) for j in eqs]
        sub.ub = [({local[v]: c for v, c in system.ub[j][0].items()}, system.ub[j][1]) for j in ubs]
        det = solve_determined(sub)
        mats = None
        for v in vs:
            truth = system.truth.get(v)
            if truth is None or not np.isfinite(truth):
                continue
            score.suppressed += 1
            if truth >= m:
                if det[local[v]]:
                    score.large_recovered += 1
                    if len(score.examples) < 20:
                        score.examples.append(("large recovered", system.names[v], truth))
                continue
            if truth < 1:
                continue
            score.small_suppressed += 1
            if det[local[v]]:
                lo = hi = truth
            else:
                if mats is None:
                    mats = matrices(sub)
                lo, hi = interval(sub, local[v], *mats)
            if hi - lo <= 4 + 1e-6:
                score.small_pinned += 1
                if len(score.examples) < 20:
                    score.examples.append(("small pinned", system.names[v], truth, lo, hi))


def catalogue_with_aged_15_64():
    """The built-in catalogue with the 15-64 identity declared as one population.

    The built-in catalogue leaves it out: hiding the four counts together cut
    the demo's published area cells of outside_labour_education_share from
    86 % to 58 % and hid whole municipalities' cells in small regions (issue 8
    keeps a cheaper, LP-checked rule open); a catalogue that declares it gets
    this protection, which the outside attack checks.
    """
    from kvarter.indicators import load_catalogue
    from kvarter.indicators.catalogue import parse_catalogue

    raw = load_catalogue().model_dump(by_alias=True, exclude_none=True)
    raw["structure"]["populations"].append({
        "name": "aged_15_64",
        "members": ["education_basic_share_15_64", "outside_labour_education_share", "charged_per_1000",
                    "convicted_share"],
        "why": "15-64 = 18-64 + (15+ - 18+)"})
    return parse_catalogue(raw, "with aged_15_64")

