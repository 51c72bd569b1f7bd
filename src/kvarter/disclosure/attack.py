"""What an intruder can recompute from a published table.

The intruder knows every published cell, the additive relations between rows
(:mod:`kvarter.disclosure.relations`), that counts are non-negative and that a
numerator never exceeds its count. For every suppressed cell (and every
unpublished remainder of an overlap) the tightest interval follows from two
linear programmes, min and max of the cell subject to those facts (Hundepool
et al. 2012, *Statistical Disclosure Control*, section 5.4; sdcTable's
``attack()``), solved with HiGHS (Huangfu and Hall 2018) through ``highspy``:
one model per component, only the objective changing between bounds, so each
solve starts from the previous optimal basis.

A suppressed cell is *recovered* when

* its interval is narrower than one person (``upper - lower < 1``), or
* for counts (persons, numerators, complements): the upper bound is below the
  minimum, so the intruder learns it rests on fewer than ``min_count`` persons
  (for an unpublished remainder: ``1 <= upper < min_count``, since a
  remainder of nobody reveals nothing), or
* for counts: the **protection interval** is not met, i.e. the interval holds
  fewer than ``min_count`` whole numbers (``floor(upper) - ceil(lower) + 1 <
  min_count``): a count shown to be 11, 12 or 13 is as good as published,
  whatever the minimum; or
* for a sum suppressed by the dominance rule: the interval is narrower than
  ``(1 - dominance_k)`` of its upper bound.

Bounds come from the linear relaxation; counts are whole numbers, so upper
bounds are rounded down and lower bounds up before they are judged. Where the
relaxation leaves a count fewer than ``2 * min_count`` whole numbers and a
bound is reached only at fractional counts, the bounds are solved again with
the counts integer (a small mixed-integer programme), since whole numbers can
then pin a cell more tightly than the relaxation shows (a bound reached at
whole counts is the integer bound already).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np
import pandas as pd

from kvarter.disclosure.status import SUPPRESSED
from kvarter.errors import DisclosureError, InputError

EPS = 1e-6

#: The quantities the attack bounds, and what they are called in its table.
QUANTITIES = ("persons", "numerator", "complement", "sum")


@dataclass
class Knowledge:
    """What is published about each row, in the form the attack works on.

    ``n``, ``x``, ``s``: persons, numerator and summed magnitude per row
    (``x``/``s`` NaN where the table has none for that row; ``has_x``/``has_s``
    say whether the table has the measure at all); the ``*_hidden`` flags say
    which are suppressed. ``relations`` hold row positions:
    ``(name, total, [parts], complete, [minus], persons_only)``: the total's
    persons (and, unless ``persons_only``, numerators and sums) are the
    parts' minus the ``minus`` rows' (plus a remainder when not complete).
    ``cost``: per row, how many cells hiding its count hides in all (itself
    and rows tied to it elsewhere); ``None``: one each.
    """

    labels: list[tuple]
    n: np.ndarray
    x: np.ndarray
    s: np.ndarray
    has_x: bool
    has_s: bool
    count_hidden: np.ndarray
    stat_hidden: np.ndarray
    dominance: np.ndarray
    relations: list[tuple[str, int, list[int], bool]]
    s_nonneg: bool = True
    cost: np.ndarray | None = None
    _components: list | None = field(default=None, repr=False)

    def refresh(self) -> None:
        """Recompute which rows carry a numerator or sum after suppressions changed.

        A suppressed value might have been a numerator: the intruder cannot
        tell, so a hidden row counts as having one whenever the table has
        numerators at all. Protection and the attack on a file read back
        thereby see the same system.
        """
        self.x_defined = (~np.isnan(self.x) | self.stat_hidden) if self.has_x else np.zeros(len(self.n), bool)
        self.s_defined = (~np.isnan(self.s) | self.stat_hidden) if self.has_s else np.zeros(len(self.n), bool)

    def refresh_rows(self, rows) -> None:
        """:meth:`refresh` for some rows only (those of one component)."""
        if not hasattr(self, "x_defined"):
            self.refresh()
            return
        rows = np.asarray(rows)
        if self.has_x:
            self.x_defined[rows] = ~np.isnan(self.x[rows]) | self.stat_hidden[rows]
        if self.has_s:
            self.s_defined[rows] = ~np.isnan(self.s[rows]) | self.stat_hidden[rows]

    def components(self) -> list[tuple[list[int], list[int]]]:
        """Connected groups of rows (rows, relation indices), each attacked on its own."""
        if self._components is None:
            parent = list(range(len(self.n)))

            def find(a):
                while parent[a] != a:
                    parent[a] = parent[parent[a]]
                    a = parent[a]
                return a

            for _, t, parts, _, minus, _ in self.relations:
                for p in (*parts, *minus):
                    ra, rb = find(t), find(p)
                    if ra != rb:
                        parent[rb] = ra
            rows: dict[int, list[int]] = {}
            for i in range(len(self.n)):
                rows.setdefault(find(i), []).append(i)
            rels: dict[int, list[int]] = {}
            for r, rel in enumerate(self.relations):
                rels.setdefault(find(rel[1]), []).append(r)
            self._components = [(rows[c], rels.get(c, [])) for c in rows]
        return self._components

    def relations_of_row(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in range(len(self.n))]
        for r, (_, t, parts, _, minus, _) in enumerate(self.relations):
            for m in (t, *parts, *minus):
                out[m].append(r)
        return out

    def cost_of(self, i: int) -> float:
        """Cells hiding row ``i``'s count hides in all (see ``cost``)."""
        return 1.0 if self.cost is None else float(self.cost[i])


@dataclass(frozen=True)
class Finding:
    """The interval an intruder derives for one suppressed quantity."""

    where: str  # "row" or "remainder"
    index: int  # row position or relation index
    quantity: str
    lower: float
    upper: float
    recovered: bool
    problem: str


class _Model:
    """The intruder's linear system for one component."""

    def __init__(self, k: Knowledge, rows: list[int], rels: list[int]):
        self.k, self.rows = k, list(rows)
        self.whole_optima = False  # whether the last bounds were reached at whole counts
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
                for sign, rows_ in ((1.0, parts), (-1.0, minus)):
                    for p in rows_:
                        c2, k2 = self.expr(m, "row", p)
                        for v, a in c2.items():
                            coef[v] = coef.get(v, 0.0) - sign * a
                        const -= sign * k2
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

    def _highs_lp(self, integer: bool) -> "highspy.HighsLp":
        """The system as a HiGHS model; ``integer``: counts whole, and the sums'
        rows and columns left out (no row mixes a sum with a count, and the
        magnitudes of sums only trouble the integer solver's tolerances)."""
        nv = len(self.lb)
        inf = highspy.kHighsInf
        blocks = [(a, b, b) for a, b in ((self.A_eq, self.b_eq),) if a is not None]
        blocks += [(a, np.full(len(b), -inf), b) for a, b in ((self.A_ub, self.b_ub),) if a is not None]
        a = np.vstack([blk[0] for blk in blocks]) if blocks else np.zeros((0, nv))
        row_lower = np.concatenate([blk[1] for blk in blocks]) if blocks else np.zeros(0)
        row_upper = np.concatenate([blk[2] for blk in blocks]) if blocks else np.zeros(0)
        col_lower = np.array([-inf if v is None else v for v in self.lb], dtype=float)
        col_upper = np.full(nv, inf)
        if integer:
            is_sum = np.zeros(nv, bool)
            is_sum[[v for (m, _, _), v in self.var.items() if m == "s"]] = True
            keep = ~(a[:, is_sum] != 0).any(axis=1)
            a, row_lower, row_upper = a[keep], row_lower[keep], row_upper[keep]
            col_lower[is_sum], col_upper[is_sum] = 0.0, 0.0
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = nv, a.shape[0]
        lp.col_cost_ = np.zeros(nv)
        lp.col_lower_, lp.col_upper_ = col_lower, col_upper
        lp.row_lower_, lp.row_upper_ = row_lower, row_upper
        col_of, row_of = np.nonzero(a.T)  # column-wise: the non-zeros of each column in turn
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.searchsorted(col_of, np.arange(nv + 1)).astype(np.int32)
        lp.a_matrix_.index_ = row_of.astype(np.int32)
        lp.a_matrix_.value_ = a[row_of, col_of].astype(float)
        if integer:
            lp.integrality_ = [highspy.HighsVarType.kContinuous if s else highspy.HighsVarType.kInteger
                               for s in is_sum]
        return lp

    def _solver(self) -> "highspy.Highs":
        """The component's system in HiGHS, checked feasible once; objectives change per bound."""
        if getattr(self, "_highs", None) is not None:
            return self._highs
        lp = self._highs_lp(integer=False)
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        # Small systems solved many times with one cost vector after another:
        # presolve would throw away the basis each solve starts from.
        h.setOptionValue("presolve", "off")
        h.passModel(lp)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            raise InputError(
                "The published values contradict their relations (the intruder's system is "
                "infeasible); check that every total equals the sum of its parts."
            )
        if status != highspy.HighsModelStatus.kOptimal:
            raise DisclosureError(f"The attack's linear programme failed: {h.modelStatusToString(status)}")
        self._highs, self._cols = h, np.arange(len(self.lb), dtype=np.int32)
        return h

    def integer_interval(self, coef: dict[int, float], const: float) -> tuple[float, float]:
        """:meth:`interval` with every count (persons, numerator) a whole number;
        the relaxation's where the published counts are not all whole (person-years)."""
        if not coef or not self._whole():
            return self.interval(coef, const)
        h = getattr(self, "_milp", None)
        if h is None:
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            h.setOptionValue("mip_rel_gap", 0.0)  # the bound itself, not a solution near it
            h.passModel(self._highs_lp(integer=True))
            self._milp, self._cols = h, np.arange(len(self.lb), dtype=np.int32)
        return self._bounds(h, coef, const)

    def interval(self, coef: dict[int, float], const: float) -> tuple[float, float]:
        if not coef:
            return const, const
        return self._bounds(self._solver(), coef, const)

    def _whole(self) -> bool:
        """Whether every published count and numerator of the component is a whole number."""
        if not hasattr(self, "_all_whole"):
            vals = np.concatenate([self.k.n[self.rows], self.k.x[self.rows]])
            vals = vals[np.isfinite(vals)]
            self._all_whole = bool(np.all(np.abs(vals - np.round(vals)) < EPS))
        return self._all_whole

    def _count_cols(self) -> np.ndarray:
        """The columns of counts (persons, numerators), not sums."""
        if not hasattr(self, "_counts"):
            self._counts = np.array(sorted(v for (m, _, _), v in self.var.items() if m != "s"), dtype=int)
        return self._counts

    def _bounds(self, h, coef: dict[int, float], const: float, reach=None, j: int = -1) -> tuple[float, float] | None:
        """Min and max of ``coef · unknowns + const``; with ``reach`` (a :class:`_Reach`),
        every optimum is shown to it, the max is solved first, and None is
        returned as soon as it shows target ``j`` safe (the other bound unsolved)."""
        nv = len(self.lb)
        c = np.zeros(nv)
        for v, a in coef.items():
            c[v] += a
        out = {}
        self.whole_optima = True
        for sign in ((1.0, -1.0) if reach is None else (-1.0, 1.0)):
            h.changeColsCost(nv, self._cols, sign * c)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                out[sign] = sign * h.getInfo().objective_function_value + const
                if self.whole_optima or reach is not None:
                    x = np.asarray(h.getSolution().col_value)
                if self.whole_optima:
                    # A bound reached at whole counts is the integer bound too.
                    xc = x[self._count_cols()]
                    self.whole_optima = bool(np.all(np.abs(xc - np.round(xc)) < EPS))
                if reach is not None:
                    reach.see(x)
                    if reach.safe(j):
                        return None
            elif status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
                # The system is feasible (checked in _solver): "or infeasible" is unbounded here.
                out[sign] = -np.inf if sign > 0 else np.inf
                if reach is not None:
                    reach.unbounded(j, sign)
                    if reach.safe(j):
                        return None
            else:
                raise DisclosureError(f"The attack's linear programme failed: {h.modelStatusToString(status)}")
        return out[1.0], out[-1.0]


#: How far inside the values seen a target's bounds are taken to lie, for the
#: solver's tolerances (its optima and points are exact to about 1e-7): a
#: range judged safe this much narrowed is safe whatever those last digits.
_REACH_MARGIN = 1e-7


class _Reach:
    """The values each target is known to take: their range over the feasible points seen so far.

    Every optimum of the intruder's system is a point feasible for all its
    unknowns at once: the max of one cell also shows values every other
    cell can take. A target's interval contains the range its values span
    over such points, and every verdict of :func:`_judge` that is not a
    recovery stays so when the interval widens (for rows; for a remainder
    when its upper bound reaches the minimum; for a dominated sum when its
    upper bound is not negative). So a target whose seen range, narrowed by
    :data:`_REACH_MARGIN`, is already judged safe and holds at least
    ``2 * min_count`` whole numbers (so that no integer programme would be
    asked for either) needs no programme of its own: its verdict is the one
    its bounds would give.
    """

    def __init__(self, model: _Model, targets, k: Knowledge, policy):
        from scipy.sparse import csr_matrix

        self.targets, self.k, self.policy = targets, k, policy
        # Sparse: a large component has thousands of targets and unknowns, each target a few terms.
        rows = [j for j, (*_, (coef, _)) in enumerate(targets) for _ in coef]
        cols = [v for *_, (coef, _) in targets for v in coef]
        vals = [a for *_, (coef, _) in targets for a in coef.values()]
        self.t = csr_matrix((vals, (rows, cols)), shape=(len(targets), len(model.lb)))
        self.c = np.array([const for *_, (_, const) in targets], dtype=float)
        self.lo = np.full(len(targets), np.inf)
        self.hi = np.full(len(targets), -np.inf)

    def see(self, x: np.ndarray) -> None:
        """Take in one feasible point of the unknowns."""
        v = self.t @ x + self.c
        np.minimum(self.lo, v, out=self.lo)
        np.maximum(self.hi, v, out=self.hi)

    def unbounded(self, j: int, sign: float) -> None:
        """Target ``j`` has no lower (``sign`` 1) or upper (``sign`` -1) bound."""
        if sign > 0:
            self.lo[j] = -np.inf
        else:
            self.hi[j] = np.inf

    def safe(self, j: int) -> bool:
        """Whether target ``j``'s seen range already shows it safe (see the class)."""
        a, b = self.lo[j] + _REACH_MARGIN, self.hi[j] - _REACH_MARGIN
        if not a <= b:
            return False
        where, i, quantity, _ = self.targets[j]
        if _judge(where, i, quantity, a, b, self.k, self.policy)[0]:
            return False
        if quantity == "sum":
            return where != "row" or not self.k.dominance[i] or b >= 0
        if where == "remainder" and np.floor(b + EPS) < self.policy.min_count:
            return False  # safe for an upper bound below 1, which a wider interval may lose
        return whole_numbers(a, b) >= 2 * self.policy.min_count


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


def whole_numbers(lo: float, hi: float) -> float:
    """How many whole numbers lie in ``[lo, hi]`` (a count's possible values).

    >>> whole_numbers(2.5, 7.0), whole_numbers(0.0, 4.0), whole_numbers(0.0, float("inf"))
    (5.0, 5.0, inf)
    """
    if not np.isfinite(hi) or not np.isfinite(lo):
        return np.inf
    return float(np.floor(hi + EPS) - np.ceil(lo - EPS) + 1)


def assess(k: Knowledge, policy, cache: dict | None = None) -> list[Finding]:
    """Intervals for every suppressed quantity of every component, judged by ``policy``.

    ``cache`` (a dict kept by the caller) skips components whose suppressions
    have not changed since the last call.

    >>> import pandas as pd
    >>> from kvarter.disclosure import DisclosurePolicy, protect, partition
    >>> t = pd.DataFrame({"area": ["Demoby", "A", "B", "C"], "persons": [40, 3, 17, 20]})
    >>> view = protect(t, DisclosurePolicy(), key=["area"], value_columns=["persons"],
    ...                count_column="persons",
    ...                relations=[partition("Demoby", "Demoby", ["A", "B", "C"])]).published_view()
    >>> [(f.index, f.lower, f.upper, f.recovered) for f in assess(view.knowledge(), view.policy)]
    [(1, 0.0, 20.0, False), (2, 0.0, 20.0, False)]
    """
    k.refresh()
    out: list[Finding] = []
    for ci, (rows, rels) in enumerate(k.components()):
        sig = (tuple(k.count_hidden[rows]), tuple(k.stat_hidden[rows]))
        if cache is not None and cache.get(ci, (None,))[0] == sig:
            out.extend(cache[ci][1])
            continue
        found = assess_component(k, policy, rows, rels)
        if cache is not None:
            cache[ci] = (sig, found)
        out.extend(found)
    return out


def has_unknowns(k: Knowledge, rows, rels) -> bool:
    """Whether a component has anything to attack: a suppressed cell or an unpublished remainder.

    >>> import numpy as np
    >>> k = Knowledge(labels=[("Demoby",), ("A",), ("B",)], n=np.array([20.0, np.nan, np.nan]),
    ...               x=np.full(3, np.nan), s=np.full(3, np.nan), has_x=False, has_s=False,
    ...               count_hidden=np.array([False, True, True]), stat_hidden=np.zeros(3, bool),
    ...               dominance=np.zeros(3, bool), relations=[("Demoby", 0, [1, 2], True, [], False)])
    >>> has_unknowns(k, [0, 1, 2], [0])
    True
    """
    return bool(k.count_hidden[rows].any() or k.stat_hidden[rows].any()) or any(not k.relations[r][3] for r in rels)


def widens(k: Knowledge, where: str, i: int, quantity: str) -> bool:
    """Whether a quantity's recovery can only go away when the intruder knows less.

    Hiding cells whose numerator and sum the intruder already had to reckon
    with replaces known values by unknowns in the same constraints (a
    relaxation), so every interval widens. A count (persons, numerator,
    complement) or an undominated sum is recovered when its interval is
    narrow or its upper bound low — never by widening; a remainder
    (``1 <= upper``) and a dominated sum (a share of the upper bound) can be.

    >>> import numpy as np
    >>> k = Knowledge(labels=[("Demoby",), ("A",), ("B",)], n=np.array([20.0, np.nan, np.nan]),
    ...               x=np.full(3, np.nan), s=np.full(3, np.nan), has_x=False, has_s=False,
    ...               count_hidden=np.array([False, True, True]), stat_hidden=np.zeros(3, bool),
    ...               dominance=np.zeros(3, bool), relations=[("Demoby", 0, [1, 2], True, [], False)])
    >>> widens(k, "row", 1, "persons"), widens(k, "remainder", 0, "persons")
    (True, False)
    """
    return where == "row" and (quantity != "sum" or not k.dominance[i])


def assess_component(k: Knowledge, policy, rows: list[int], rels: list[int], skip=frozenset(),
                     verdicts_only: bool = False) -> list[Finding]:
    """The findings of :func:`assess` for one component (``rows``, ``rels``) of
    :meth:`Knowledge.components`, after refreshing those rows; targets
    ``(where, index, quantity)`` in ``skip`` are left out, unsolved.

    ``verdicts_only``: what secondary suppression needs, every ``recovered``
    and, for the recovered, ``lower``, ``upper`` and ``problem``; a target shown
    safe by the points earlier programmes reached (see :class:`_Reach`) gets
    no programme of its own, and its ``lower`` and ``upper`` are then only
    values it is known to reach, inside its interval.

    A and B, both hidden, share 20 persons: each lies in [0, 20], neither recovered.

    >>> import numpy as np
    >>> k = Knowledge(labels=[("Demoby",), ("A",), ("B",)], n=np.array([20.0, np.nan, np.nan]),
    ...               x=np.full(3, np.nan), s=np.full(3, np.nan), has_x=False, has_s=False,
    ...               count_hidden=np.array([False, True, True]), stat_hidden=np.zeros(3, bool),
    ...               dominance=np.zeros(3, bool), relations=[("Demoby", 0, [1, 2], True, [], False)])
    >>> from kvarter.disclosure import DisclosurePolicy
    >>> [(f.index, f.lower, f.upper, f.recovered) for f in assess_component(k, DisclosurePolicy(), [0, 1, 2], [0])]
    [(1, 0.0, 20.0, False), (2, 0.0, 20.0, False)]
    """
    k.refresh_rows(rows)
    found: list[Finding] = []
    if has_unknowns(k, rows, rels):
        model = _Model(k, rows, rels)
        targets = [t for t in _targets(k, model, rows, rels, policy.protect_complement) if t[:3] not in skip]
        reach = None
        if verdicts_only and any(coef for *_, (coef, _) in targets):
            reach = _Reach(model, targets, k, policy)
            reach.see(np.asarray(model._solver().getSolution().col_value))  # the feasibility check's point
        for j, (where, i, quantity, (coef, const)) in enumerate(targets):
            bounds = None
            if reach is not None and coef:
                if not reach.safe(j):
                    bounds = model._bounds(model._solver(), coef, const, reach, j)
                if bounds is None:
                    found.append(Finding(where, i, quantity, float(reach.lo[j]), float(reach.hi[j]), False, ""))
                    continue
            lo, hi = bounds if bounds is not None else model.interval(coef, const)
            bad, why = _judge(where, i, quantity, lo, hi, k, policy)
            if (not bad and quantity != "sum" and whole_numbers(lo, hi) < 2 * policy.min_count
                    and not model.whole_optima):
                # Narrow, and a bound reached only at fractional counts: whole
                # numbers may pin it more tightly than the relaxation.
                lo, hi = model.integer_interval(coef, const)
                bad, why = _judge(where, i, quantity, lo, hi, k, policy)
            found.append(Finding(where, i, quantity, lo, hi, bad, why))
    return found


def findings_frame(k: Knowledge, findings: list[Finding], key: list[str]) -> pd.DataFrame:
    """Findings as a table: key columns, relation, quantity, lower, upper, recovered, problem.

    >>> import numpy as np
    >>> k = Knowledge(labels=[("Demoby",), ("A",), ("B",)], n=np.array([20.0, np.nan, np.nan]),
    ...               x=np.full(3, np.nan), s=np.full(3, np.nan), has_x=False, has_s=False,
    ...               count_hidden=np.array([False, True, True]), stat_hidden=np.zeros(3, bool),
    ...               dominance=np.zeros(3, bool), relations=[("Demoby", 0, [1, 2], True, [], False)])
    >>> f = Finding("row", 1, "persons", 0.0, 20.0, False, "")
    >>> findings_frame(k, [f], ["area"])[["area", "where", "quantity", "upper"]]
      area where quantity  upper
    0    A   row  persons   20.0
    """
    records = []
    for f in findings:
        if f.where == "row":
            label = k.labels[f.index]
            relation = ""
        else:
            label = k.labels[k.relations[f.index][1]]
            relation = k.relations[f.index][0]
        rec = dict(zip(key, label))
        rec.update(
            where=f.where, relation=relation, quantity=f.quantity,
            lower=f.lower, upper=f.upper, recovered=f.recovered, problem=f.problem,
        )
        records.append(rec)
    cols = [*key, "where", "relation", "quantity", "lower", "upper", "recovered", "problem"]
    return pd.DataFrame.from_records(records, columns=cols)


def attack(protected, relations=None) -> pd.DataFrame:
    """The tightest interval an intruder derives for every suppressed cell.

    ``protected`` is a :class:`~kvarter.disclosure.Protected` or a published
    file read back with :func:`~kvarter.disclosure.read_published`;
    ``relations`` replaces the relations recorded with it (to test what an
    intruder who knows more could do). One row per suppressed quantity; rows
    with ``where == "remainder"`` are differences between overlapping rows,
    labelled by the outer row. ``recovered`` marks a disclosure.

    >>> import pandas as pd
    >>> from kvarter.disclosure import DisclosurePolicy, protect, partition
    >>> from kvarter.disclosure.attack import attack  # the function, whatever the package attribute holds
    >>> t = pd.DataFrame({"area": ["Demoby", "A", "B", "C"], "persons": [40, 3, 17, 20]})
    >>> p = protect(t, DisclosurePolicy(), key=["area"], value_columns=["persons"],
    ...             count_column="persons",
    ...             relations=[partition("Demoby", "Demoby", ["A", "B", "C"])])
    >>> attack(p)[["area", "quantity", "lower", "upper", "recovered"]]
      area quantity  lower  upper  recovered
    0    A  persons    0.0   20.0      False
    1    B  persons    0.0   20.0      False
    """
    view = protected.published_view()
    k = view.knowledge(relations)
    findings = assess(k, view.policy)
    return findings_frame(k, findings, list(view.key))


def check_published(protected) -> None:
    """Raise :class:`DisclosureError` if any published value rests on too few persons.

    Checks every published row: persons, numerator and complement (persons
    minus numerator) must each be zero or at least ``min_count``, and no
    suppressed cell may carry a value.

    >>> import pandas as pd
    >>> from kvarter.disclosure import DisclosurePolicy, protect, check_published
    >>> t = pd.DataFrame({"area": ["A", "B"], "persons": [3, 17]})
    >>> check_published(protect(t, DisclosurePolicy(), key=["area"],
    ...                         value_columns=["persons"], count_column="persons"))
    """
    problems = published_problems(protected.published_view())
    if len(problems):
        lines = "; ".join(
            f"{', '.join(map(str, r['key']))}: {r['column']} {r['problem']}" for _, r in problems.iterrows()
        )
        raise DisclosureError(f"{len(problems)} published cell(s) break the disclosure policy: {lines}")


def published_problems(view) -> pd.DataFrame:
    """Published cells that rest on fewer persons than the minimum (one row each).

    >>> import dataclasses, pandas as pd
    >>> from kvarter.disclosure import DisclosurePolicy, protect
    >>> t = pd.DataFrame({"area": ["A", "B", "C"], "persons": [3, 17, 40]})
    >>> view = protect(t, DisclosurePolicy(), key=["area"], value_columns=["persons"],
    ...                count_column="persons").published_view()
    >>> len(published_problems(view))
    0
    >>> stricter = dataclasses.replace(view, policy=dataclasses.replace(view.policy, min_count=20))
    >>> published_problems(stricter)["problem"].tolist()
    ['rests on 17 persons (minimum 20)']
    """
    policy = view.policy
    f = view.frame
    records = []
    key = list(view.key)
    for row in f.itertuples(index=False, name=None):
        r = dict(zip(f.columns, row))
        label = tuple(r[c] for c in key)
        for col in view.value_columns:
            status = r[f"{col}_status"]
            if status in SUPPRESSED and not _isnan(r[col]):
                records.append({"key": label, "column": col, "problem": "is suppressed but carries a value"})
        if r[f"{view.count_column}_status"] == "published":
            n = float(r[view.count_column])
            if 0 < n < policy.min_count:
                records.append({"key": label, "column": view.count_column,
                                "problem": f"rests on {n:g} persons (minimum {policy.min_count})"})
        stat_status = r[f"{view.stat_column}_status"] if view.stat_column else None
        if stat_status == "published" and view.numerator_column and not _isnan(r[view.numerator_column]):
            x = float(r[view.numerator_column])
            n = float(r[view.count_column])
            if 0 < x < policy.min_count:
                records.append({"key": label, "column": view.numerator_column,
                                "problem": f"has a numerator of {x:g} persons (minimum {policy.min_count})"})
            if policy.protect_complement and not _isnan(n) and 0 < n - x < policy.min_count:
                records.append({"key": label, "column": view.numerator_column,
                                "problem": f"leaves {n - x:g} persons outside the numerator (minimum {policy.min_count})"})
    return pd.DataFrame.from_records(records, columns=["key", "column", "problem"])


def _isnan(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
