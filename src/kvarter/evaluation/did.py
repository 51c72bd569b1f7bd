"""Staggered adoption: Callaway & Sant'Anna's (2021) group-time average
treatment effects ATT(g, t) and their aggregations.

Units (areas) adopt a treatment (a designation, an initiative) in different
years; ``first_treated`` is the first treated period, 0 for never treated.
Each ATT(g, t) is a two-group, two-period comparison of the units first
treated in g with comparison units that are never treated or not yet treated
by t, on the change in outcome since the base period g - 1 (for t < g, the
"varying" base t - 1, as R's ``did`` does by default, so pre-period cells are
placebo effects of one period each). Standard errors come from the influence
functions (one value per unit, so they are clustered by unit), optionally by
a coarser cluster, or from the multiplier bootstrap.

Two-way fixed effects is not offered: with staggered adoption and effects
that change over time it compares late adopters with early adopters that
are already treated and can put negative weight on some effects
(Goodman-Bacon 2021; de Chaisemartin & D'Haultfœuille 2020).

References: Callaway, B. & Sant'Anna, P. H. C. (2021). Difference-in-
differences with multiple time periods. *Journal of Econometrics* 225(2),
200-230. R package ``did`` 2.5 (``att_gt``, ``aggte``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from kvarter.errors import InputError
from kvarter.evaluation import small_linalg
from kvarter.evaluation.cell_logit import cell_propensity
from kvarter.evaluation.drdid import ESTIMATORS, did_columns
from kvarter.evaluation.propensity import design
from kvarter.validation import check_columns, check_scalar

CONTROLS = ("not_yet_treated", "never_treated")
AGGREGATIONS = ("simple", "dynamic", "group", "calendar")
INFERENCE = ("analytic", "bootstrap")
_Z = stats.norm.ppf(0.975)

ATT_GT_COLUMNS = ["group", "time", "event_time", "att", "se", "lower", "upper", "n_treated", "n_control", "post"]


@dataclass(frozen=True)
class Aggregate:
    """One aggregation of the ATT(g, t): the overall ``estimate`` with its
    ``se`` and 95 % ``ci``, and for ``dynamic``/``group``/``calendar`` the
    ``table`` by event time, group or calendar time (``att``, ``se``,
    ``lower``, ``upper``, ``n_treated``, ``n_control``). ``n_treated`` counts
    the treated units behind a row, ``n_control`` the fewest comparison units
    of any cell in it, so a publication rule can protect every figure."""

    kind: str
    estimate: float
    se: float
    ci: tuple[float, float]
    table: pd.DataFrame | None
    n_treated: int
    n_control: int


@dataclass
class StaggeredDiD:
    """The result of :func:`staggered_did`.

    ``att_gt`` is the long table of group-time effects (columns
    :data:`ATT_GT_COLUMNS`); ``influence`` the units x cells matrix of
    influence functions; ``pretrend`` the Wald test that every pre-period
    ATT(g, t) is zero (statistic, df, p-value); ``notes`` what was dropped or
    changed, and why.
    """

    att_gt: pd.DataFrame
    influence: np.ndarray
    units: np.ndarray
    unit_group: np.ndarray
    periods: np.ndarray
    control: str
    method: str
    inference: str
    clusters: np.ndarray | None
    pretrend: dict
    notes: list[str] = field(default_factory=list)
    n_boot: int = 999
    seed: int | None = None
    _boot_seed: int | None = field(default=None, repr=False)
    _basis_cache: tuple | None = field(default=None, repr=False)

    def _seed(self):
        # One seed per result, drawn once if none was given, so that every cell and
        # aggregation of it sees the same multipliers (R did: one draw per att_gt call).
        if self._boot_seed is None:
            self._boot_seed = self.seed if self.seed is not None else int(np.random.SeedSequence().entropy % 2**63)
        return self._boot_seed

    def _se(self, inf: np.ndarray) -> np.ndarray:
        draws = self._draws(inf) if self.inference == "bootstrap" else None
        return _standard_errors(inf, self.clusters, self.inference, draws)

    def _draws(self, M: np.ndarray) -> np.ndarray:
        """Multiplier-bootstrap draws of the means of the columns of ``M`` (n_boot x columns)."""
        sums = np.nan_to_num(_cluster_sums(M, self.clusters))
        return mammen_draws(sums, self.n_boot, self._seed()) / M.shape[0]

    def _basis(self, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The columns every aggregated influence function is a combination of —
        the cells' influence functions, the group indicators (the estimated
        group-size weights) and a constant — and, for the bootstrap, their
        draws, computed once per result: an aggregation's draws are then a
        small matrix product instead of a pass over the multipliers."""
        key = tuple(groups.tolist())
        if self._basis_cache is None or self._basis_cache[0] != key:
            n, n_cells = self.influence.shape
            # Filled in place, column-major (one units-sized allocation, not three).
            basis = np.empty((n, n_cells + len(groups) + 1), order="F")
            basis[:, :n_cells] = self.influence
            np.nan_to_num(basis[:, :n_cells], copy=False)
            np.equal(self.unit_group[:, None], groups[None, :], out=basis[:, n_cells:-1])
            basis[:, -1] = 1.0
            draws = self._draws(basis) if self.inference == "bootstrap" else None
            self._basis_cache = (key, basis, draws)
        return self._basis_cache[1], self._basis_cache[2]

    def aggregate(self, kind: str = "simple", *, min_e: float = -np.inf, max_e: float = np.inf,
                  balance_e: int | None = None) -> Aggregate:
        """Aggregate the ATT(g, t) as R's ``aggte`` does.

        ``simple``: the average of all post-treatment ATT(g, t) weighted by
        group size; ``dynamic``: by event time e = t - g (weights by group
        size), overall the mean over e >= 0; ``group``: per group the mean over
        its post periods, overall weighted by group size; ``calendar``: per
        period the size-weighted mean over groups treated by then, overall
        their mean. Standard errors include the estimation of the weights.

        >>> from kvarter.demo.evaluation import designation_panel
        >>> panel, _ = designation_panel(n_units=200, seed=3)
        >>> res = staggered_did(panel, "unit", "year", "first_treated", "outcome")
        >>> agg = res.aggregate("dynamic")
        >>> list(agg.table.columns)[:3]
        ['event_time', 'att', 'se']
        """
        if kind not in AGGREGATIONS:
            raise InputError(f"The 'kind' parameter of aggregate must be one of {', '.join(AGGREGATIONS)}; got {kind!r}.")
        return _aggregate(self, kind, min_e, max_e, balance_e)


def _py(v):
    # numpy scalars print as np.int64(2) under repr; messages show the plain value.
    return v.item() if isinstance(v, np.generic) else v


def _rectangular(uvals, uniq, tvals, ft):
    """The periods, if the rows (sorted by unit) are every unit in the same
    increasing periods with one first-treated value each -- the usual layout,
    which then needs no period codes, duplicate or gap checks; else None."""
    n_u = len(uniq)
    if n_u == 0 or len(uvals) % n_u:
        return None
    n_t = len(uvals) // n_u
    T = tvals.reshape(n_u, n_t)
    p0 = T[0]
    if not (np.all(p0[1:] > p0[:-1]) and np.array_equal(uvals.reshape(n_u, n_t)[:, -1], uniq)
            and np.array_equal(uvals.reshape(n_u, n_t)[:, 0], uniq) and bool((T == p0).all())):
        return None
    F = ft.reshape(n_u, n_t)
    if not bool((F == F[:, :1]).all()):
        return None
    return p0.copy()


def _check_panel(data, unit, time, first_treated, outcome, covariates, unbalanced):
    # Array checks (factorised unit and period codes) rather than pandas groupbys:
    # the staggered estimator itself is a few matrix products, so these dominated.
    owner = "staggered_did"
    check_columns(list(data.columns), [unit, time, first_treated, outcome, *covariates], "data", owner)
    cols: dict = {unit: data[unit].to_numpy()}
    for col in [time, first_treated, outcome, *covariates]:
        raw = data[col]
        if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
            vals = raw.to_numpy(dtype=float, na_value=np.nan)
        else:
            conv = pd.to_numeric(raw, errors="coerce")
            bad = conv.isna() & raw.notna()
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(
                    f"Column {col!r} passed to {owner} must be numeric; row {i + 1} holds {_py(raw.iloc[i])!r}."
                )
            vals = conv.to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(vals)
        if missing.any():
            i = int(np.flatnonzero(missing)[0])
            raise InputError(
                f"Column {col!r} passed to {owner} has {int(missing.sum())} empty value(s) "
                f"(first at row {i + 1}, {unit}={_py(cols[unit][i])!r}); fill them or drop those rows."
            )
        cols[col] = vals
    uvals = cols[unit]
    if uvals.dtype.kind in "iuf" and len(uvals) > 1 and bool(np.all(uvals[1:] >= uvals[:-1])):
        # Rows already sorted by a numeric unit id (the usual layout): codes from where it changes.
        change = np.empty(len(uvals), dtype=bool)
        change[0] = True
        np.not_equal(uvals[1:], uvals[:-1], out=change[1:])
        uniq = uvals[change]
        fast = _rectangular(uvals, uniq, cols[time], cols[first_treated])
        if fast is not None:
            df = dict(cols)
            df["__rows__"] = None
            return df, fast, []
        ucode = np.cumsum(change) - 1
    else:
        # Hash factorisation, then the (few) uniques sorted: no sort of every row.
        ucode, uniq = pd.factorize(uvals, sort=False)
        rank = np.argsort(np.argsort(np.asarray(uniq), kind="stable"), kind="stable")
        ucode, uniq = rank[ucode], np.sort(np.asarray(uniq), kind="stable")
    tvals = cols[time]
    periods = np.sort(pd.unique(tvals))
    tcode = np.searchsorted(periods, tvals)
    n_u, n_t = len(uniq), len(periods)
    cell = ucode.astype(np.int64) * n_t + tcode
    ordered = len(cell) < 2 or bool(np.all(cell[1:] > cell[:-1]))
    seen = None if ordered else np.bincount(cell, minlength=n_u * n_t)
    if seen is not None and (seen > 1).any():
        dup = seen[cell] > 1
        i = int(np.flatnonzero(dup)[0])
        raise InputError(
            f"data passed to {owner} has {int(dup.sum())} rows that repeat a ({unit}, {time}) pair "
            f"(first: {unit}={_py(cols[unit][i])!r}, {time}={tvals[i]:g}); a panel has one row per unit and period."
        )
    ft = cols[first_treated]
    lo = np.full(n_u, np.inf)
    hi = np.full(n_u, -np.inf)
    np.minimum.at(lo, ucode, ft)
    np.maximum.at(hi, ucode, ft)
    if (lo != hi).any():
        u = uniq[np.flatnonzero(lo != hi)[0]]
        raise InputError(
            f"{first_treated!r} passed to {owner} changes within unit {_py(u)!r}; the first treated period "
            "is a property of the unit and must be the same in all its rows."
        )
    counts = np.bincount(ucode, minlength=n_u)
    gap_codes = np.flatnonzero(counts < n_t)
    notes = []
    keep_rows = None
    if len(gap_codes):
        first_gap = uniq[gap_codes[0]]
        have = set(tvals[ucode == gap_codes[0]])
        missing_t = [f"{p:g}" for p in periods if p not in have]
        msg = (f"the panel passed to {owner} has gaps: {len(gap_codes)} of {n_u} unit(s) lack some of "
               f"the {n_t} periods (first: {unit}={_py(first_gap)!r} lacks {', '.join(missing_t[:5])})")
        if unbalanced == "error":
            raise InputError(msg + "; pass unbalanced='drop' to keep only the units observed in every period.")
        keep_rows = counts[ucode] == n_t
        notes.append(msg + f"; unbalanced='drop' left those {len(gap_codes)} unit(s) out.")
    order = None if ordered else np.lexsort((tcode, ucode))
    if keep_rows is not None:
        order = np.arange(len(cell)) if order is None else order
        order = order[keep_rows[order]]
    # Plain arrays in (unit, period) order, and the rows of ``data`` they came from.
    if ordered and keep_rows is None:
        df = dict(cols)
        df["__rows__"] = None   # the rows of data as they are (no index array to build)
    else:
        df = {c: v[order] for c, v in cols.items()}
        df["__rows__"] = order
    return df, periods, notes


def staggered_did(
    data: pd.DataFrame,
    unit: str,
    time: str,
    first_treated: str,
    outcome: str,
    control: str = "not_yet_treated",
    method: str = "dr",
    covariates: list[str] | None = None,
    *,
    anticipation: int = 0,
    cluster: str | None = None,
    inference: str = "analytic",
    n_boot: int = 999,
    seed: int | None = None,
    unbalanced: str = "error",
) -> StaggeredDiD:
    r"""Group-time average treatment effects ATT(g, t) (Callaway & Sant'Anna 2021).

    For the units first treated in g and a period t, with base period
    b = g - 1 - anticipation for t >= g (and b = t - 1 before):

    .. math:: ATT(g,t) = E[Y_t - Y_b \mid G = g] - E[Y_t - Y_b \mid C],

    the second term estimated on the comparison units C (never treated, or
    not yet treated by t: G = 0 or G > t + anticipation) by outcome regression
    (``"reg"``), normalised inverse probability weighting (``"ipw"``) or the
    doubly robust combination (``"dr"``) on ``covariates`` taken in the earlier
    of the two periods. Units already treated in the first period are left
    out; units first treated after the last period count as never treated
    (both as in R's ``did``; each is listed in ``notes``).

    A panel with gaps raises :class:`~kvarter.errors.InputError` naming the
    first incomplete unit, unless ``unbalanced="drop"`` (then the incomplete
    units are left out and a note says how many). A cell with no comparison
    unit left (possible with ``not_yet_treated`` in the last periods) is kept
    as NaN and listed in ``notes``; aggregations skip it.

    Reference: Callaway, B. & Sant'Anna, P. H. C. (2021). *Journal of
    Econometrics* 225(2), 200-230.

    Examples
    --------
    A tiny panel: two units adopt in period 2, two never do; the treated gain
    one unit in period 2 over the common trend.

    >>> df = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4], "t": [1, 2] * 4,
    ...                    "g": [2, 2, 2, 2, 0, 0, 0, 0],
    ...                    "y": [0.0, 2.0, 1.0, 3.0, 0.0, 1.0, 2.0, 3.0]})
    >>> res = staggered_did(df, "unit", "t", "g", "y", method="reg")
    >>> res.att_gt[["group", "time", "att", "n_treated", "n_control"]]
       group  time  att  n_treated  n_control
    0      2     2  1.0          2          2
    >>> res.aggregate("simple").estimate
    1.0
    """
    owner = "staggered_did"
    covariates = list(covariates or [])
    if control not in CONTROLS:
        raise InputError(f"The 'control' parameter of {owner} must be one of {', '.join(CONTROLS)}; got {control!r}.")
    if method not in ESTIMATORS:
        raise InputError(f"The 'method' parameter of {owner} must be one of {', '.join(ESTIMATORS)}; got {method!r}.")
    if inference not in INFERENCE:
        raise InputError(f"The 'inference' parameter of {owner} must be one of {', '.join(INFERENCE)}; got {inference!r}.")
    if unbalanced not in ("error", "drop"):
        raise InputError(f"The 'unbalanced' parameter of {owner} must be 'error' or 'drop'; got {unbalanced!r}.")
    check_scalar(anticipation, "anticipation", owner, kind=int, min_value=0)
    extra = [cluster] if cluster else []
    df, periods, notes = _check_panel(data, unit, time, first_treated, outcome, covariates, unbalanced)
    if cluster:
        check_columns(list(data.columns), [cluster], "data", owner)
        raw = data[cluster].to_numpy()
        df[cluster] = raw if df["__rows__"] is None else raw[df["__rows__"]]
    n_t = len(periods)
    units = df[unit][::n_t] if n_t else df[unit]
    n_units = len(units)
    if n_t < 2:
        raise InputError(f"data passed to {owner} has {n_t} period(s); a difference-in-differences needs at least two.")
    Y = df[outcome].reshape(n_units, n_t)
    G = df[first_treated].reshape(n_units, n_t)[:, 0].copy()
    late = (G > periods[-1])
    if late.any():
        notes.append(f"{int(late.sum())} unit(s) first treated after the last period ({periods[-1]:g}) count as never treated.")
        G[late] = 0
    always = (G > 0) & (G <= periods[0] + anticipation)
    if always.any():
        notes.append(f"{int(always.sum())} unit(s) treated from the first period on have no pre-treatment period and are left out.")
        keep = ~always
        Y, G, units = Y[keep], G[keep], units[keep]
        keep_rows = np.repeat(keep, n_t)
        df = {c: (None if v is None else v[keep_rows]) for c, v in df.items()}
        n_units = len(units)
    bad_g = (G > 0) & ~np.isin(G, periods)
    if bad_g.any():
        raise InputError(
            f"{first_treated!r} passed to {owner} holds {G[bad_g][0]:g} for unit {_py(units[bad_g][0])!r}, which is not "
            f"one of the panel's periods ({', '.join(f'{p:g}' for p in periods)}); use 0 for never treated."
        )
    if control == "never_treated" and not (G == 0).any():
        raise InputError(f"control='never_treated' passed to {owner}, but no unit is never treated; use control='not_yet_treated'.")
    Xs = [df[c].reshape(n_units, n_t) for c in covariates]
    for c, X in zip(covariates, Xs):
        if np.ptp(X) == 0:
            raise InputError(
                f"Covariate {c!r} passed to {owner} has no variation (every value is {X.flat[0]:g}); "
                "it cannot adjust for anything — leave it out."
            )
    clusters = None
    if cluster:
        clusters = df[cluster].reshape(n_units, n_t)[:, 0]
    invariant = all(np.all(X == X[:, :1]) for X in Xs)
    groups = np.sort(np.unique(G[G > 0]))
    # One pass over the cells: those sharing rows (the group and its comparison
    # set) and covariate period are estimated together, one regression and one
    # logit for all their outcome changes (drdid.did_columns). Which units a cell
    # uses depends only on their group: the comparison sets are worked out on the
    # few group values (levels), and a batch's unit mask built once from the units' level.
    levels = np.r_[0.0, groups]
    level_of = np.minimum(np.searchsorted(levels, G), len(levels) - 1)
    # A value that is neither 0 nor a group (negative) gets a level of its own, in no comparison set.
    level_of[levels[level_of] != G] = len(levels)
    sizes = np.bincount(level_of, minlength=len(levels) + 1)[:len(levels)]
    level_list, size_list = levels.tolist(), sizes.tolist()   # plain floats: the loop below is Python on a few values
    rows, batches, empty = [], {}, []
    for gi, g in enumerate(groups, start=1):
        pre_idx = np.flatnonzero(periods + anticipation < g)
        base_g = pre_idx[-1]
        nt = int(sizes[gi])
        for c in range(1, n_t):
            t = periods[c]
            post = g <= t
            b = base_g if post else c - 1
            if control == "never_treated":
                ctrl = tuple(lv == 0 for lv in level_list)
            else:
                t_a, g_f = float(t) + anticipation, float(g)
                ctrl = tuple(lv == 0 or (lv > t_a and lv != g_f) for lv in level_list)
            nc = sum(sz for sz, member in zip(size_list, ctrl) if member)
            e = int(round(t - g))
            rows.append({"group": g, "time": t, "event_time": e, "n_treated": nt, "n_control": nc, "post": bool(post)})
            if nc == 0:
                notes.append(f"ATT({g:g}, {t:g}) has no comparison unit (every other unit is treated by then); left as NaN.")
                empty.append(len(rows) - 1)
                continue
            early = 0 if invariant else min(b, c)
            key = (g, ctrl, early)
            if key not in batches:
                member = np.array(ctrl + (False,))
                member[gi] = True
                batches[key] = (member[level_of], level_of == gi, early, [])
            batches[key][3].append((len(rows) - 1, c, b, g))
    # Units x cells, column-major: each batch fills its columns on its rows in place
    # (no units-sized block per batch; fresh memory costs page faults here).
    inf = np.zeros((n_units, len(rows)), order="F")
    att = np.full(len(rows), np.nan)
    inf[:, empty] = np.nan
    starts: dict = {}
    YT = np.ascontiguousarray(Y.T)
    # The design for each covariate period is built once for all units; batches take their rows.
    designs: dict = {}
    for keep, is_g, early, cells in batches.values():
        idx = np.flatnonzero(keep)
        n1 = len(idx)
        which = [j for j, _, _, _ in cells]
        # Row gathers by np.take (several times faster here than fancy indexing), the
        # outcome changes taken from the periods-by-units transpose.
        DY = np.take(YT[[c for _, c, _, _ in cells]] - YT[[b for _, _, b, _ in cells]], idx, axis=1).T
        if early not in designs:
            designs[early] = design(np.column_stack([X[:, early] for X in Xs])) if Xs else np.ones((n_units, 1))
        Z = np.take(designs[early], idx, axis=0)
        d = np.take(is_g, idx).astype(float)
        # Warm start from the same group's last fit (nested comparison sets give nearby coefficients).
        g_of = cells[0][3]
        if g_of not in starts:   # first fit of a group: from the intercept-only maximum, as GLM starts
            starts[g_of] = np.r_[np.log(d.mean() / (1 - d.mean())), np.zeros(Z.shape[1] - 1)]
        prop = cell_propensity(Z, d, start=starts[g_of]) if method != "reg" else None
        if prop is not None:
            starts[g_of] = prop.coef
        att_k, inf_k = did_columns(method, DY, d, Z, prop=prop)
        inf_k *= n_units / n1
        if which == list(range(which[0], which[-1] + 1)):   # the usual case: consecutive periods of a group
            inf[idx, which[0]:which[-1] + 1] = inf_k
        else:
            for pos, j in enumerate(which):
                inf[idx, j] = inf_k[:, pos]
        att[which] = att_k
    if not rows:
        raise InputError(f"data passed to {owner} has no treated unit with a pre-treatment period; nothing to estimate.")
    # The long table built once from columns (no per-column pandas edits).
    cols = {k: np.array([r[k] for r in rows]) for k in ("group", "time", "event_time", "n_treated",
                                                         "n_control", "post")}
    result = StaggeredDiD(
        att_gt=pd.DataFrame(), influence=inf, units=units, unit_group=G, periods=periods, control=control,
        method=method, inference=inference, clusters=clusters, pretrend={}, notes=notes,
        n_boot=n_boot, seed=seed,
    )
    if inference == "bootstrap":
        # The cells' draws are the first columns of the basis draws the aggregations reuse.
        _, draws = result._basis(groups)
        se = _standard_errors(inf, clusters, inference, draws[:, :inf.shape[1]])
    else:
        se = result._se(inf)
    cols.update(att=att, se=se, lower=att - _Z * se, upper=att + _Z * se)
    for col in ("group", "time"):
        if np.all(np.mod(cols[col], 1) == 0):
            cols[col] = cols[col].astype(int)
    result.att_gt = pd.DataFrame({c: cols[c] for c in ATT_GT_COLUMNS})
    result.pretrend = _pretrend(cols["post"].astype(bool), att, se, inf, clusters)
    return result


def _cluster_sums(inf: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
    if clusters is None:
        return inf
    codes, _ = pd.factorize(clusters)
    out = np.zeros((codes.max() + 1, inf.shape[1]))
    np.add.at(out, codes, inf)
    return out


_IQR_Z = stats.norm.ppf(0.75) - stats.norm.ppf(0.25)
_TINY_SE = np.sqrt(np.finfo(float).eps) * 10


def _standard_errors(inf, clusters, inference, draws=None) -> np.ndarray:
    if inference == "analytic":
        sums = _cluster_sums(inf, clusters)
        se = np.sqrt(np.einsum("ij,ij->j", sums, sums)) / inf.shape[0]   # column sums of squares, no squared copy
    else:
        se = _bootstrap_se(draws)
        se[np.isnan(inf).any(axis=0)] = np.nan
    return np.where(se <= _TINY_SE, np.nan, se)


def _bootstrap_se(draws: np.ndarray) -> np.ndarray:
    # R did: the interquartile range of the draws over that of the standard normal.
    q75, q25 = np.percentile(draws, [75, 25], axis=0)
    return (q75 - q25) / _IQR_Z


_MAMMEN = (0.5 * (1 - np.sqrt(5)), 0.5 * (1 + np.sqrt(5)), (np.sqrt(5) + 1) / (2 * np.sqrt(5)))


def _mammen_lower(rng, n_boot: int, n: int) -> np.ndarray:
    # Which multipliers take the lower value k1 (probability p): 32-bit integers
    # against a threshold, half the random bits (and time) of doubles; p is kept to 2**-32.
    return rng.integers(0, 2**32, size=(n_boot, n), dtype=np.uint32) < np.uint32(round(_MAMMEN[2] * 2**32))


def mammen_multipliers(n: int, n_boot: int, seed=None) -> np.ndarray:
    """Mammen's two-point multipliers (mean 0, variance 1, third moment 1), n_boot x n.

    The multiplier bootstrap of R's ``did`` (via BMisc) draws these per unit
    (or cluster) and takes standard errors from the interquartile range of
    the perturbed influence-function means. One draw serves every cell and
    aggregation of a result, so their bootstrap errors are consistent.
    :func:`mammen_draws` gives the product with a matrix for the same seed
    without forming them.

    >>> v = mammen_multipliers(200_000, 1, seed=0)[0]
    >>> round(float(v.mean()), 2), round(float(v.var()), 2)
    (0.0, 1.0)
    """
    k1, k2, _ = _MAMMEN
    return np.where(_mammen_lower(np.random.default_rng(seed), n_boot, n), k1, k2)


def mammen_draws(sums: np.ndarray, n_boot: int, seed=None) -> np.ndarray:
    r"""``mammen_multipliers(len(sums), n_boot, seed) @ sums``, computed as
    :math:`k_2 \mathbf 1' S + (k_1 - k_2) L S` with L the 0/1 matrix of lower
    values: no n_boot x n matrix of multipliers is formed.

    >>> S = np.arange(12.0).reshape(6, 2)
    >>> bool(np.allclose(mammen_draws(S, 5, seed=1), mammen_multipliers(6, 5, seed=1) @ S, rtol=1e-13))
    True
    """
    k1, k2, _ = _MAMMEN
    lower = _mammen_lower(np.random.default_rng(seed), n_boot, sums.shape[0]).astype(float)
    return k2 * sums.sum(axis=0) + (k1 - k2) * (lower @ sums)


def _pretrend(post: np.ndarray, att: np.ndarray, se: np.ndarray, inf: np.ndarray, clusters) -> dict:
    # Arrays, not the att_gt table: pandas column access cost more than the test itself.
    pre = np.flatnonzero(~post & ~np.isnan(se))
    if len(pre) == 0:
        return {"statistic": np.nan, "df": 0, "p_value": np.nan,
                "note": "no pre-treatment cell: every group is treated from the second period on"}
    n = inf.shape[0]
    sums = _cluster_sums(inf[:, pre], clusters)
    V = sums.T @ sums / n
    att = att[pre]
    if small_linalg.cond(V) > 1 / np.finfo(float).eps:
        return {"statistic": np.nan, "df": len(pre), "p_value": np.nan, "note": "singular covariance of the pre-period cells"}
    W = float(n * att @ small_linalg.solve(V, att))
    # chdtrc is what stats.chi2.sf evaluates, without the distribution object's checks.
    return {"statistic": W, "df": len(pre), "p_value": float(special.chdtrc(len(pre), W)), "note": ""}


def _combination(inf: np.ndarray, unit_group: np.ndarray, groups: np.ndarray, C: np.ndarray) -> np.ndarray:
    """``basis @ C`` for the basis of :meth:`StaggeredDiD._basis` (the cells'
    influence functions with NaN as 0, the group indicators, a constant),
    without forming it: each column from only the cells its coefficients use
    (an event time's or a group's few), the indicator part by looking each
    unit's group up, the constant added.

    >>> inf = np.array([[1.0, np.nan, 2.0], [0.5, np.nan, -1.0], [3.0, np.nan, 0.0]])
    >>> G = np.array([2.0, 0.0, 3.0]); groups = np.array([2.0, 3.0])
    >>> C = np.array([[1.0, 0.5], [0.0, 0.0], [0.0, 0.5], [0.2, 0.0], [0.0, 0.1], [0.3, -0.1]])
    >>> basis = np.column_stack([np.nan_to_num(inf), G[:, None] == groups, np.ones(3)])
    >>> bool(np.allclose(_combination(inf, G, groups, C), basis @ C, rtol=0, atol=1e-15))
    True
    """
    n, n_cells = inf.shape
    level = np.searchsorted(groups, unit_group)
    grouped = (level < len(groups)) & (groups[np.minimum(level, len(groups) - 1)] == unit_group)
    # Indicator and constant parts: a unit's row of the group coefficients (none if never treated).
    table = np.vstack([C[n_cells:n_cells + len(groups)], np.zeros((1, C.shape[1]))])
    out = np.asfortranarray(table[np.where(grouped, level, len(groups))]) + C[-1]
    for r in range(C.shape[1]):
        used = np.flatnonzero(C[:n_cells, r])
        cols = inf[:, used]
        if np.isnan(cols).any():
            cols = np.nan_to_num(cols)
        out[:, r] += cols @ C[used, r]
    return out


def _wif_coef(coef, n_cells, gi, pgk, attk):
    # Influence of estimating the group-size weights (R did: wif()), added to
    # ``coef`` over the basis of StaggeredDiD._basis: wif @ attk with column k
    # (1{G = g_k} - pg_k) / S - sum_j (1{G = g_j} - pg_j) pg_k / S**2, S = sum pg.
    spg = pgk.sum()
    s = float(pgk @ attk) / spg**2
    np.add.at(coef, n_cells + gi, attk / spg - s)
    coef[-1] += -float(pgk @ attk) / spg + spg * s
    return coef


def _aggregate(res: StaggeredDiD, kind: str, min_e, max_e, balance_e) -> Aggregate:
    # Every aggregated influence function is a linear combination of the basis
    # columns (cells, group indicators, constant): each row is built as its
    # coefficient vector, and all standard errors come from one product at the end.
    tab = res.att_gt
    valid = tab["att"].notna().to_numpy()
    att_all = tab["att"].to_numpy(dtype=float)
    group = tab["group"].to_numpy(dtype=float)
    t = tab["time"].to_numpy(dtype=float)
    ev = t - group
    n_co = tab["n_control"].to_numpy()
    G_units = res.unit_group
    n = len(G_units)
    groups = np.sort(np.unique(group))
    gidx = np.searchsorted(groups, group)
    size_g = np.array([np.sum(G_units == g) for g in groups])
    pg_g = size_g / n
    pg = pg_g[gidx]
    att = np.nan_to_num(att_all)
    n_cells = len(att)
    n_basis = n_cells + len(groups) + 1

    def combine(which, w, wif=True):
        coef = np.zeros(n_basis)
        coef[which] = w
        if wif:
            _wif_coef(coef, n_cells, gidx[which], pg[which], att[which])
        return coef

    def summary(which):
        # Treated units behind the cells, and the fewest comparison units of any of them.
        treated = int(size_g[np.unique(gidx[which])].sum())
        return treated, int(n_co[which].min())

    def standard_errors(coefs):
        C = np.column_stack(coefs)
        if res.inference == "bootstrap":
            _, draws = res._basis(groups)
        if res.inference == "analytic":
            return _standard_errors(_combination(res.influence, res.unit_group, groups, C), res.clusters, "analytic")
        return np.where((se := _bootstrap_se(draws @ C)) <= _TINY_SE, np.nan, se)

    keepers = np.flatnonzero((group <= t) & (t <= group + max_e) & valid)
    if len(keepers) == 0:
        raise InputError("No post-treatment ATT(g, t) could be estimated; there is nothing to aggregate.")
    if kind == "simple":
        w = pg[keepers] / pg[keepers].sum()
        est = float(att[keepers] @ w)
        se = float(standard_errors([combine(keepers, w)])[0])
        ntr, nco = summary(keepers)
        return Aggregate(kind, est, se, (float(est - _Z * se), float(est + _Z * se)), None, ntr, nco)

    # Rows as (label, att, n_treated, n_control); the table is built once at the end.
    rows, coefs = [], []
    if kind == "group":
        for g in groups:
            which = np.flatnonzero((group == g) & (g <= t) & (t <= g + max_e) & valid)
            if len(which) == 0:
                continue
            w = np.full(len(which), 1 / len(which))
            rows.append((g, float(att[which] @ w), *summary(which)))
            coefs.append(combine(which, w, wif=False))
        key = "group"
        labels = np.array([r[0] for r in rows])
        atts = np.array([r[1] for r in rows])
        idx = np.searchsorted(groups, labels)
        pgg = pg_g[idx]
        est = float(atts @ (pgg / pgg.sum()))
        overall = np.column_stack(coefs) @ (pgg / pgg.sum())
        _wif_coef(overall, n_cells, idx, pgg, atts)
    elif kind == "dynamic":
        include = valid.copy()
        eseq = np.unique(ev[valid])
        if balance_e is not None:
            include &= (res.periods[-1] - group >= balance_e)
            eseq = np.unique(ev[include])
            eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - res.periods[-1] + res.periods[0])]
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        # All event times at once (combine() and summary() per row, vectorised): cell j
        # enters row r_j with weight pg_j / (sum of pg in its row), plus the wif terms.
        r_of = np.searchsorted(eseq, ev)
        sel = (np.flatnonzero(include & (r_of < len(eseq)) & (eseq[np.minimum(r_of, len(eseq) - 1)] == ev))
               if len(eseq) else np.array([], dtype=np.int64))
        r_sel, n_rows = r_of[sel], len(eseq)
        spg = np.bincount(r_sel, pg[sel], minlength=n_rows)
        w = pg[sel] / spg[r_sel]
        C = np.zeros((n_basis, n_rows))
        C[sel, r_sel] = w
        A = np.bincount(r_sel, pg[sel] * att[sel], minlength=n_rows)
        s_r = A / spg**2
        np.add.at(C, (n_cells + gidx[sel], r_sel), att[sel] / spg[r_sel] - s_r[r_sel])
        C[-1] += -A / spg + spg * s_r
        present = np.zeros((n_rows, len(groups)), dtype=bool)
        present[r_sel, gidx[sel]] = True
        n_co_min = np.full(n_rows, np.iinfo(np.int64).max)
        np.minimum.at(n_co_min, r_sel, n_co[sel].astype(np.int64))
        atts_e = att @ C[:n_cells]
        treated_e = present @ size_g
        rows = [(int(e), float(a), int(tr), int(nc)) for e, a, tr, nc in zip(eseq, atts_e, treated_e, n_co_min)]
        coefs = list(C.T)
        key = "event_time"
        labels = np.array([r[0] for r in rows], dtype=np.int64)
        atts = np.array([r[1] for r in rows], dtype=float)
        pos = labels >= 0
        if not pos.any():
            raise InputError("No event time >= 0 is left after min_e/max_e/balance_e; nothing to aggregate.")
        est = float(atts[pos].mean())
        overall = np.column_stack(coefs)[:, pos].mean(axis=1)
    else:
        for t1 in np.unique(t[group <= t]):
            which = np.flatnonzero((t == t1) & (group <= t) & valid)
            if len(which) == 0:
                continue
            w = pg[which] / pg[which].sum()
            rows.append((t1, float(att[which] @ w), *summary(which)))
            coefs.append(combine(which, w))
        key = "time"
        labels = np.array([r[0] for r in rows])
        atts = np.array([r[1] for r in rows])
        est = float(atts.mean())
        overall = np.column_stack(coefs).mean(axis=1)
    ses = standard_errors([*coefs, overall])
    se = float(ses[-1])
    if key in ("group", "time") and np.all(np.mod(labels, 1) == 0):
        labels = labels.astype(int)
    n_tr = np.array([r[2] for r in rows], dtype=np.int64)
    n_cn = np.array([r[3] for r in rows], dtype=np.int64)
    tab_g = pd.DataFrame({key: labels, "att": atts, "se": ses[:-1], "lower": atts - _Z * ses[:-1],
                          "upper": atts + _Z * ses[:-1], "n_treated": n_tr, "n_control": n_cn})
    return Aggregate(kind, est, se, (float(est - _Z * se), float(est + _Z * se)), tab_g,
                     int(n_tr.max()), int(n_cn.min()))
