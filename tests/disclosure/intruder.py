"""An outside intruder over every file a monitor run publishes, together.

A second, independent attacker (the protection's own attack works table by
table): it reads only the published files — the tables with their
``.disclosure.json`` sidecars, the workbook and the HTML pages (the
``<title>`` of every chart mark and the map's ``data-info``) — and the
documented catalogue, puts every suppressed persons count and numerator of
every table into one linear system, and bounds each one with HiGHS
(``highspy``) on a sparse matrix, one model per component. What it knows:

* each table's own relations (its sidecar, with subtracted rows and
  persons-only identities), numerators never above counts, counts never
  negative;
* the pooled designated areas (trends, profiles) are the sum of their leaf
  areas' indicator cells, "the rest" the municipality minus the pool;
* the catalogue's structure and definitions: indicators with one population
  count the same persons; every 18-64-year-old has a labour status;
  household persons are the residents; 15-64 = 18-64 + (15+ - 18+);
  employment and education categories add up to their count; convicted
  18+ lie inside convicted 15+;
* the published reasons: every suppressed cell says "suppressed" with one
  reason, a linked cell names the cell it rests on, which says nothing
  about the cell's own size (so the reasons add no constraint here);
* the pages: the residents the map shows per area name (names matched to
  ids through the published tables), and every figure a chart's tooltip
  shows, each of which must be a published cell's.

Exactly recovered cells are found by linear algebra (a cell is determined
by the equalities when its unit vector lies in their row space); the
interval of every other suppressed cell by LP, and ``Score.narrow`` counts
those holding fewer than the minimum whole numbers (the protection interval).
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import highspy
import scipy.sparse as sp


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
        minus = [pos[tuple(str(_plain(v)) for v in p)] for p in rel.get("minus", [])]
        for m in ("n",) if rel.get("persons_only") else ("n", "x"):
            members = [total, *parts, *minus]
            if any(rows[j].get(m) is None for j in members):
                continue
            terms = ([(1.0, rows[total][m])] + [(-1.0, rows[j][m]) for j in parts]
                     + [(1.0, rows[j][m]) for j in minus])
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
    narrow: int = 0  # suppressed cells pinned to fewer than the minimum whole numbers
    shown_unpublished: int = 0  # figures on the pages no published cell accounts for
    page_figures: int = 0
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

    read_pages(folder.parent, tables, cell, system, score, municipality, year, min_count)

    # Truth for every unknown that rests on indicator cells.
    tr = truth.copy()
    tr["unit_id"] = tr["unit_id"].astype(str)
    tr = tr.set_index(["indicator", "level", "unit_id", "year"])
    true_n = tr["persons"].to_dict()
    true_x = tr["numerator"].where(tr["numerator"] <= tr["denominator"]).to_dict()
    for v, parts in defs.items():
        if all(cell[kk][m].v is None for _, kk, m in parts):
            # Hidden here but published in the indicator table: no secret (the
            # profile hides a figure it need not), so not scored.
            continue
        vals = [c * (true_n if m == "n" else true_x).get(kk, np.nan) for c, kk, m in parts]
        system.truth[v] = float(np.sum(vals))

    _score_unknowns(system, score, min_count)
    return score


MAX_EXAMPLES = 20  # kept in Score.examples (a diagnosis may raise it)

_GROUPS = {"designated areas": "designated", "rest of the municipality": "rest", "whole municipality": "municipality"}


def _number(text: str) -> tuple[float, float] | None:
    """A figure as shown ("59.2%", "DKK 212,302", "1,399", "0.80") → (value, half its last digit), in table units."""
    t = text.replace("\xa0", " ").replace("DKK", "").replace(",", "").strip()
    m = re.fullmatch(r"([-−]?\d+(?:\.(\d+))?)\s*(%?)", t)
    if not m:
        return None
    v = float(m.group(1).replace("−", "-"))
    half = 0.5 * 10.0 ** -len(m.group(2) or "")
    return (v / 100, half / 100) if m.group(3) else (v, half)


def read_pages(out: Path, tables: dict, cell: dict, system: System, score: Score,
               municipality: str, year: int, min_count: int) -> None:
    """What the HTML pages show: the map's residents per area (an equation on
    the residents cell, found by the area's name) and the figures of every
    chart tooltip, each checked against the published cells of its group."""
    names: dict[str, str] = {}
    for t in tables.values():
        if {"area_id", "name"} <= set(t.frame.columns):
            names.update(zip(t.frame["name"].astype(str), t.frame["area_id"].astype(str)))
    published: dict[str, list[float]] = {}
    for name, t in tables.items():
        if (not name.startswith(("trend_", "progress_", "profile_", "life_expectancy_"))
                or "group" not in t.frame.columns):
            continue
        ok = t.frame["value_status"] == "published"
        for g, v in zip(t.frame.loc[ok, "group"], pd.to_numeric(t.frame.loc[ok, "value"], errors="coerce")):
            published.setdefault(str(g), []).append(float(v))
    for page in sorted(out.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        text = _read_heatmaps(text, tables, score)
        infos = [html_lib.unescape(i) for i in re.findall(r'data-info="([^"]*)"', text)]
        titles = [html_lib.unescape(t) for t in re.findall(r"<title>([^<]*)</title>", text)]
        for info in infos + titles:
            lines = info.split("\n")
            if len(lines) < 2:
                continue
            for line in lines[1:]:
                label, _, shown = line.partition(": ")
                got = _number(shown)
                if label != "Residents" or got is None:
                    continue
                score.page_figures += 1
                n = got[0]
                if 1 <= n < min_count:
                    score.under_minimum += 1
                    score.examples.append(("under minimum on a page", lines[0], n))
                key = ("residents", "area", names.get(lines[0]), int(year))
                if key in cell and cell[key]["n"] is not None:
                    add_eq(system, [(1.0, cell[key]["n"])], -n)
        for t in titles:
            head, _, shown = t.rpartition(": ")
            counted = re.search(r"persons counted ([\d,]+)", t)
            if counted:
                score.page_figures += 1
                n = float(counted.group(1).replace(",", ""))
                if 1 <= n < min_count:
                    score.under_minimum += 1
                    score.examples.append(("under minimum on a page", t))
            got = _number(shown)
            parts = [p.strip() for p in head.split(", ")]
            group = next((_GROUPS[p] for p in parts if p in _GROUPS), None)
            if group is None and municipality in parts:
                group = "municipality"
            if got is None or group is None:
                continue
            score.page_figures += 1
            v, half = got
            if not any(abs(c - v) <= half + 1e-9 for c in published.get(group, [])):
                score.shown_unpublished += 1
                score.examples.append(("shown but not published", page.name, t))


def _read_heatmaps(text: str, tables: dict, score: Score) -> str:
    """Check every segregation heat map's figures ("Demoby, 2015: 0.30" in the
    chart titled "D — <pair>") against the dissimilarity indices the
    segregation results tables publish for that municipality, year and pair;
    return the page without them (their titles name a municipality and a
    year, as the trend charts' groups do not)."""
    from kvarter.report.i18n import label

    published: dict[tuple, list[float]] = {}
    for name, t in tables.items():
        if not name.endswith("_results") or not {"municipality", "year", "pair", "index", "estimate"} <= set(t.frame):
            continue
        f = t.frame[(t.frame["index"] == "dissimilarity") & (t.frame["estimate_status"] == "published")]
        for m, y, pair, v in zip(f["municipality"], f["year"], f["pair"], pd.to_numeric(f["estimate"], errors="coerce")):
            published.setdefault((f"D — {label(str(pair), 'en')}", str(m), str(int(float(y)))), []).append(float(v))
    kept, at = [], 0
    for m in re.finditer(r"<svg[^>]*class=\"kv-chart kv-heatmap\".*?</svg>", text, flags=re.S):
        kept.append(text[at:m.start()])
        at = m.end()
        titles = [html_lib.unescape(t) for t in re.findall(r"<title>([^<]*)</title>", m.group(0))]
        chart = titles[0] if titles else ""
        for t in titles[1:]:
            head, _, shown = t.rpartition(": ")
            where, _, year = head.rpartition(", ")
            got = _number(shown)
            if got is None:
                continue  # a hatched cell: "suppressed"
            score.page_figures += 1
            v, half = got
            if not any(abs(c - v) <= half + 1e-9 for c in published.get((chart, where, year), [])):
                score.shown_unpublished += 1
                score.examples.append(("shown but not published", "heat map", chart, t))
    kept.append(text[at:])
    return "".join(kept)


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


class _Bounds:
    """min and max of one unknown at a time over a component's LP, in one
    HiGHS model whose objective alone changes (scipy would rebuild it for
    each of the thousands of bounds the protection-interval count needs)."""

    def __init__(self, sub: System):
        a_eq, b_eq, a_ub, b_ub = matrices(sub)
        nv = len(sub.names)
        blocks = [(a_eq, b_eq, b_eq)] if a_eq is not None else []
        if a_ub is not None:
            blocks.append((a_ub, np.full(len(b_ub), -highspy.kHighsInf), b_ub))
        a = sp.vstack([b[0] for b in blocks]).tocsc() if blocks else sp.csc_matrix((0, nv))
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = nv, a.shape[0]
        lp.col_cost_, lp.col_lower_ = np.zeros(nv), np.zeros(nv)
        lp.col_upper_ = np.full(nv, highspy.kHighsInf)
        lp.row_lower_ = np.concatenate([b[1] for b in blocks]) if blocks else np.zeros(0)
        lp.row_upper_ = np.concatenate([b[2] for b in blocks]) if blocks else np.zeros(0)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(float)
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        self.h.passModel(lp)
        self.nv = nv

    def __call__(self, v: int) -> tuple[float, float]:
        out = []
        for sign in (1.0, -1.0):
            c = np.zeros(self.nv)
            c[v] = sign
            self.h.changeColsCost(self.nv, np.arange(self.nv, dtype=np.int32), c)
            self.h.run()
            status = self.h.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                out.append(sign * self.h.getInfo().objective_function_value)
            elif status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
                out.append(np.inf if sign < 0 else 0.0)
            else:
                raise AssertionError(f"the intruder's LP failed ({self.h.modelStatusToString(status)}); "
                                     "the published files contradict one another")
        return out[0], out[1]


def whole_numbers(lo: float, hi: float) -> float:
    """Whole numbers in [lo, hi]: the values a count can take."""
    if not np.isfinite(hi):
        return np.inf
    return float(np.floor(hi + 1e-6) - np.ceil(lo - 1e-6) + 1)


def _score_unknowns(system: System, score: Score, m: int) -> None:
    for vs, eqs, ubs in components(system):
        sub = System(names=[system.names[v] for v in vs])
        local = {v: i for i, v in enumerate(vs)}
        sub.eq = [({local[v]: c for v, c in system.eq[j][0].items()}, system.eq[j][1]) for j in eqs]
        sub.ub = [({local[v]: c for v, c in system.ub[j][0].items()}, system.ub[j][1]) for j in ubs]
        det = solve_determined(sub)
        bounds = None
        for v in vs:
            truth = system.truth.get(v)
            if truth is None or not np.isfinite(truth):
                continue
            score.suppressed += 1
            if det[local[v]]:
                lo = hi = truth
            else:
                bounds = bounds or _Bounds(sub)
                lo, hi = bounds(local[v])
            if truth >= 1 and whole_numbers(lo, hi) < m:  # a group of nobody pinned to 0 shows no one
                score.narrow += 1
                if len(score.examples) < MAX_EXAMPLES:
                    score.examples.append(("narrow", system.names[v], truth, lo, hi))
            if truth >= m:
                if det[local[v]]:
                    score.large_recovered += 1
                    if len(score.examples) < MAX_EXAMPLES:
                        score.examples.append(("large recovered", system.names[v], truth))
                continue
            if truth < 1:
                continue
            score.small_suppressed += 1
            if hi - lo <= 4 + 1e-6:
                score.small_pinned += 1
                if len(score.examples) < MAX_EXAMPLES:
                    score.examples.append(("small pinned", system.names[v], truth, lo, hi))
