"""The secondary suppression before issue 14, kept as the slow reference.

The global fixed point over the whole table, re-assessing every component with
two :func:`scipy.optimize.linprog` calls per suppressed quantity, exactly as
``kvarter.disclosure`` did before it was made incremental. Tests swap it in for
``kvarter.disclosure.suppress._secondary`` and compare the suppression pattern.
Do not "improve" this file: its value is that it is the old algorithm. It
follows the rules the protection follows (issue 8): relations may subtract
rows and bind persons only; a count is recovered when its interval holds
fewer than ``min_count`` whole numbers, checked with integer counts where
the relaxation leaves fewer than twice that; the cheapest complement (by
``Knowledge.cost``) goes first.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from kvarter.disclosure.attack import whole_numbers

from kvarter.disclosure.attack import EPS, Finding, Knowledge
from kvarter.errors import DisclosureError, InputError


class _Model:
    """The intruder's linear system for one component."""

    def __init__(self, k: Knowledge, rows: list[int], rels: list[int]):
        self.k = k
        self.var: dict[tuple, int] = {}
        self.lb: list[float | None] = []
        s_lb = 0.0 if k.s_nonneg else None
        for i in rows:
            if k.count_hidden[i]:
                self._add(("n", "row", i), 0.0)
            if k.x_defined[i] and k.stat_hidden[i]:
                self._add(("x", "row", i), 0.0)
            if k.s_defined[i] and k.stat_hidden[i]:
                self._add(("s", "row", i), s_lb)
        self.rem_measures: dict[int, list[str]] = {}
        eq_rows, eq_b, ub_rows, ub_b = [], [], [], []
        for r in rels:
            _, t, parts, complete, minus, persons_only = k.relations[r]
            members = [t, *parts, *minus]
            measures = ["n"]
            if not persons_only and all(k.x_defined[m] for m in members):
                measures.append("x")
            if not persons_only and all(k.s_defined[m] for m in members):
                measures.append("s")
            self.rem_measures[r] = measures
            for m in measures:
                coef, const = self.expr(m, "row", t)
                coef = dict(coef)
                for p in parts:
                    c2, k2 = self.expr(m, "row", p)
                    for v, a in c2.items():
                        coef[v] = coef.get(v, 0.0) - a
                    const -= k2
                for p in minus:
                    c2, k2 = self.expr(m, "row", p)
                    for v, a in c2.items():
                        coef[v] = coef.get(v, 0.0) + a
                    const += k2
                if not complete:
                    self._add((m, "rem", r), 0.0 if m != "s" else s_lb)
                    v = self.var[(m, "rem", r)]
                    coef[v] = coef.get(v, 0.0) - 1.0
                if coef:
                    eq_rows.append(coef)
                    eq_b.append(-const)
            if not complete and "x" in measures:
                ub_rows.append({self.var[("x", "rem", r)]: 1.0, self.var[("n", "rem", r)]: -1.0})
                ub_b.append(0.0)
        for i in rows:
            if not k.x_defined[i]:
                continue
            cx, kx = self.expr("x", "row", i)
            cn, kn = self.expr("n", "row", i)
            if not cx and not cn:
                continue
            coef = dict(cx)
            for v, a in cn.items():
                coef[v] = coef.get(v, 0.0) - a
            ub_rows.append(coef)
            ub_b.append(kn - kx)
        nv = len(self.lb)
        self.A_eq = self._dense(eq_rows, nv)
        self.b_eq = np.asarray(eq_b, dtype=float) if eq_rows else None
        self.A_ub = self._dense(ub_rows, nv)
        self.b_ub = np.asarray(ub_b, dtype=float) if ub_rows else None
        self.bounds = [(lb, None) for lb in self.lb]

    @staticmethod
    def _dense(rows, nv):
        if not rows or nv == 0:
            return None
        a = np.zeros((len(rows), nv))
        for j, row in enumerate(rows):
            for v, c in row.items():
                a[j, v] += c
        return a

    def _add(self, name, lb):
        if name not in self.var:
            self.var[name] = len(self.lb)
            self.lb.append(lb)

    def expr(self, m: str, where: str, i: int) -> tuple[dict[int, float], float]:
        """A quantity as (coefficients over unknowns, constant)."""
        if (m, where, i) in self.var:
            return {self.var[(m, where, i)]: 1.0}, 0.0
        values = {"n": self.k.n, "x": self.k.x, "s": self.k.s}[m]
        return {}, float(values[i])

    def interval(self, coef: dict[int, float], const: float, integer: bool = False) -> tuple[float, float]:
        if not coef:
            return const, const
        nv = len(self.lb)
        c = np.zeros(nv)
        for v, a in coef.items():
            c[v] += a
        kinds, a_ub, b_ub, a_eq, b_eq, bounds = None, self.A_ub, self.b_ub, self.A_eq, self.b_eq, self.bounds
        if integer:  # counts whole; the sums (no row mixes them with counts) left out
            sums = [v for (m, _, _), v in self.var.items() if m == "s"]
            kinds = np.ones(nv, dtype=int)
            kinds[sums] = 0
            bounds = [(0, 0) if v in sums else b for v, b in enumerate(bounds)]

            def counts_only(a, b):
                if a is None:
                    return None, None
                keep = ~(a[:, sums] != 0).any(axis=1)
                return (a[keep], b[keep]) if keep.any() else (None, None)

            a_ub, b_ub = counts_only(a_ub, b_ub)
            a_eq, b_eq = counts_only(a_eq, b_eq)
        out = []
        for sign in (1.0, -1.0):
            res = linprog(
                sign * c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                bounds=bounds, method="highs", integrality=kinds,
                options={"mip_rel_gap": 0.0} if integer else None,
            )
            if res.status == 3:
                out.append(-np.inf if sign > 0 else np.inf)
            elif res.status == 2:
                raise InputError(
                    "The published values contradict their relations (the intruder's system is "
                    "infeasible); check that every total equals the sum of its parts."
                )
            elif res.status != 0:
                raise DisclosureError(f"The attack's linear programme failed: {res.message}")
            else:
                out.append(sign * res.fun + const)
        return out[0], out[1]


def _targets(k: Knowledge, model: _Model, rows, rels, protect_complement: bool):
    for i in rows:
        if k.count_hidden[i]:
            yield "row", i, "persons", model.expr("n", "row", i)
        if k.x_defined[i] and k.stat_hidden[i]:
            cx = model.expr("x", "row", i)
            yield "row", i, "numerator", cx
            if protect_complement:
                yield "row", i, "complement", _minus(model.expr("n", "row", i), cx)
        if k.s_defined[i] and k.stat_hidden[i]:
            yield "row", i, "sum", model.expr("s", "row", i)
    for r in rels:
        if k.relations[r][3]:
            continue
        cn = model.expr("n", "rem", r)
        yield "remainder", r, "persons", cn
        if "x" in model.rem_measures[r]:
            cx = model.expr("x", "rem", r)
            yield "remainder", r, "numerator", cx
            if protect_complement:
                yield "remainder", r, "complement", _minus(cn, cx)


def _minus(a, b):
    coef = dict(a[0])
    for v, c in b[0].items():
        coef[v] = coef.get(v, 0.0) - c
    return {v: c for v, c in coef.items() if c != 0.0}, a[1] - b[1]


def _judge(where, i, quantity, lo, hi, k: Knowledge, policy) -> tuple[bool, str]:
    width = hi - lo
    if quantity == "sum":
        if width < 1 - EPS:
            return True, "sum recomputable to within less than 1"
        if where == "row" and k.dominance[i] and np.isfinite(hi):
            need = (1 - policy.dominance_k) * abs(hi)
            if width < need - EPS:
                return True, (
                    f"dominated sum bounded within {width:.6g}, less than "
                    f"{1 - policy.dominance_k:.0%} of its upper bound"
                )
        return False, ""
    top = np.floor(hi + EPS) if np.isfinite(hi) else np.inf
    if where == "remainder":
        if 1 <= top < policy.min_count:
            return True, f"difference shown to hold between 1 and {int(top)} persons (minimum {policy.min_count})"
        return False, ""
    if width < 1 - EPS:
        return True, f"recomputable exactly ({lo:.6g})"
    if top < policy.min_count:
        return True, f"shown to be at most {int(top)} (minimum {policy.min_count})"
    values = whole_numbers(lo, hi)
    if values < policy.min_count:
        return True, (f"pinned to {int(values)} possible values, {int(top - values + 1)} to {int(top)} "
                      f"(the protection interval is {policy.min_count})")
    return False, ""


def _whole(k: Knowledge, rows) -> bool:
    """Counts are whole numbers only where every published count is (not person-years)."""
    vals = np.concatenate([k.n[rows], k.x[rows]])
    vals = vals[np.isfinite(vals)]
    return bool(np.all(np.abs(vals - np.round(vals)) < EPS))


def assess(k: Knowledge, policy, cache: dict | None = None) -> list[Finding]:
    """The attack as it was: every component, scipy linprog per bound."""
    k.refresh()
    out: list[Finding] = []
    for ci, (rows, rels) in enumerate(k.components()):
        sig = (tuple(k.count_hidden[rows]), tuple(k.stat_hidden[rows]))
        if cache is not None and cache.get(ci, (None,))[0] == sig:
            out.extend(cache[ci][1])
            continue
        found: list[Finding] = []
        if k.count_hidden[rows].any() or k.stat_hidden[rows].any() or any(
            not k.relations[r][3] for r in rels
        ):
            model = _Model(k, rows, rels)
            for where, i, quantity, (coef, const) in _targets(k, model, rows, rels, policy.protect_complement):
                lo, hi = model.interval(coef, const)
                bad, why = _judge(where, i, quantity, lo, hi, k, policy)
                if not bad and quantity != "sum" and whole_numbers(lo, hi) < 2 * policy.min_count and _whole(k, rows):
                    lo, hi = model.interval(coef, const, integer=True)
                    bad, why = _judge(where, i, quantity, lo, hi, k, policy)
                found.append(Finding(where, i, quantity, lo, hi, bad, why))
        if cache is not None:
            cache[ci] = (sig, found)
        out.extend(found)
    return out



def _secondary(k: Knowledge, policy, count_codes, stat_codes, params, source) -> None:
    """Suppress complementary cells until no suppressed quantity can be recovered."""
    rel_of_row = k.relations_of_row()
    cache: dict = {}
    for _ in range(10 * len(k.n) + 10):
        exposed = [f for f in assess(k, policy, cache) if f.recovered]
        if not exposed:
            return
        touched: set[int] = set()
        progress = False
        for f in exposed:
            start = rel_of_row[f.index] if f.where == "row" else [f.index]
            if touched & set(start):
                continue
            choice = _choose(k, f, start, rel_of_row)
            if choice is None:
                continue
            row, rel, hide_count = choice
            if hide_count:
                k.count_hidden[row] = True
                if count_codes[row] == "published":
                    count_codes[row] = "secondary"
            if stat_codes[row] == "published" or (hide_count and stat_codes[row] == "structural_zero"):
                stat_codes[row] = "secondary"
            k.stat_hidden[row] = True
            params[row] = {"relation": k.relations[rel][0]}
            touched.update(rel_of_row[row])
            progress = True
        if not progress:
            break
    exposed = [f for f in assess(k, policy, cache) if f.recovered]
    if exposed:
        f = exposed[0]
        label = k.labels[f.index] if f.where == "row" else k.relations[f.index][0]
        raise DisclosureError(
            f"Cannot protect {source}: the {f.quantity} of {label!r} stays recoverable ({f.problem}) "
            "even with every related cell suppressed; check the relations."
        )


def _choose(k: Knowledge, f, start: list[int], rel_of_row) -> tuple[int, int, bool] | None:
    """The complementary cell for one exposed quantity: (row, relation, hide its count?)."""
    own = f.index if f.where == "row" else -1
    is_total = np.zeros(len(k.n), bool)
    for rel in k.relations:
        is_total[rel[1]] = True
    needs_count = f.quantity == "persons"

    def binds(r):  # a relation over persons only cannot hide a numerator or sum
        return needs_count or not k.relations[r][5]

    seen_rel: set[int] = set()
    frontier = [r for r in start if binds(r)]
    while frontier:
        seen_rel.update(frontier)
        best = None
        for hide_count_pass in ((True,) if needs_count else (False, True)):
            for r in frontier:
                _, t, parts, _, minus, _ = k.relations[r]
                for m in (t, *parts, *minus):
                    if m == own or k.n[m] <= 0:
                        continue
                    if hide_count_pass:
                        ok = not k.count_hidden[m]
                    else:
                        ok = not k.stat_hidden[m]
                    if ok:
                        cost = (1.0 if k.cost is None else float(k.cost[m])) if hide_count_pass else 0.0
                        cand = (cost, is_total[m], k.n[m], m, r)
                        if best is None or cand < best[0]:
                            best = (cand, hide_count_pass)
            if best is not None:
                (_, _, _, m, r), hide = best
                return m, r, hide
        nxt = []
        for r in frontier:
            _, t, parts, _, minus, _ = k.relations[r]
            for m in (t, *parts, *minus):
                nxt.extend(q for q in rel_of_row[m] if q not in seen_rel and q not in nxt and binds(q))
        frontier = nxt
    if f.where == "row" and not k.count_hidden[own] and k.n[own] > 0 and start:
        return own, start[0], True
    return None
