"""Dynamic treatment assignment: the effect of starting a programme after u
months on benefit, against those still waiting at u, followed over event time.

For every elapsed duration u (months since inflow) the persons who start the
programme in month u are compared with the persons still on benefit at the
start of month u who have not started any programme by then (Sianesi 2004:
*joining now vs waiting*; they may start later). Within each u a propensity
score on the covariates fixed at inflow balances the two groups; the effect
on the chance of being employed τ = 0…H months after the start is pooled
over u with the numbers treated as weights:

.. math:: \\theta(\\tau) = \\sum_u \\frac{n_u}{\\sum_v n_v}
          \\big(E[Y_{u+\\tau} \\mid \\text{start at } u]
          - E_w[Y_{u+\\tau} \\mid \\text{waiting at } u]\\big).

Only persons observed until u + H enter cell u, so the composition does not
change along the curve. Intervals come from the bootstrap over persons
(seeded), which re-estimates every propensity score. With ``control=k`` the
comparison units are those with no start within the next k months
(Fredriksson & Johansson 2008's alternative): it conditions on the future, so
comparison units are selected on having waited — read it with care.

References: Sianesi, B. (2004). An evaluation of the Swedish system of active
labor market programs in the 1990s. *Review of Economics and Statistics*
86(1), 133-155. Fredriksson, P. & Johansson, P. (2008). Dynamic treatment
assignment. *Journal of Business & Economic Statistics* 26(4), 435-445.
Lechner, M., Miquel, R. & Wunsch, C. (2011). Long-run effects of public
sector sponsored training in West Germany. *JEEA* 9(4), 742-784.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from kvarter.errors import InputError
from kvarter.processes import available_cores
from kvarter.evaluation.propensity import common_support, design
from kvarter.evaluation.spells import ON_BENEFIT, Spells
from kvarter.evaluation.static import (
    METHODS,
    SMD_WARNING,
    _estimate,
    _weights,
    covariate_matrix,
    propensity_histogram,
    standardised_differences,
)
from kvarter.validation import check_scalar

DEFAULT_COVARIATES = ("benefit", "age", "sex", "education", "origin", "worked_12", "worked_24", "earlier_spells")
JOINING_VS_WAITING = (
    "joining now vs waiting: persons who start the programme after u months on benefit are compared "
    "with persons still on benefit at u who have not started yet (some of them start later)"
)


@dataclass(frozen=True)
class LockIn:
    """The lock-in: the event times with an effect significantly below zero
    (upper bound < 0), how many of them run on from the start, and the depth
    (the lowest effect) with its month."""

    months: tuple[int, ...]
    duration: int
    depth: float
    depth_month: int | None


@dataclass
class DynamicEffects:
    """The result of :func:`dynamic_effects` (long tables throughout).

    - ``curve``: event_time, effect, se, lower, upper, treated_mean,
      net_share (effect / treated_mean: the share of the treated group's
      employment due to the programme), n_treated, n_control;
    - ``lock_in`` (:class:`LockIn`), ``cumulative`` (event_time,
      cumulative, lower, upper: months employed gained by then),
      ``break_even`` (the event time from which the cumulative effect stays
      >= 0, ``None`` if it does not within the horizon);
    - ``balance`` (covariate, smd_before, smd_after, pooled over durations
      with the numbers treated as weights; n_treated, and n_control the
      fewest comparison units of any duration) and ``balance_by_duration``;
      ``propensity`` (score histogram of both groups);
    - ``by_subgroup`` (subgroup, level, event_time, effect, se, lower,
      upper, n_treated, n_control), ``subgroup_tests`` (subgroup, level,
      reference, difference in cumulative effect, se, p_value) and
      ``subgroup_cumulative`` (subgroup, level, cumulative C(H), lower, upper,
      n_treated, n_control: the forest plot);
    - ``cells``: per duration u the numbers treated and compared and
      whether the cell was estimated or skipped (and why);
    - ``replicates``: bootstrap curves (replicates x event times);
    - ``treated_persons``: person_id and duration of every start used — per
      person, for checks only; never publish it.
    """

    curve: pd.DataFrame
    lock_in: LockIn
    cumulative: pd.DataFrame
    break_even: int | None
    balance: pd.DataFrame
    balance_by_duration: pd.DataFrame
    propensity: pd.DataFrame
    by_subgroup: pd.DataFrame | None
    subgroup_tests: pd.DataFrame | None
    cells: pd.DataFrame
    replicates: np.ndarray
    programme: str
    method: str
    horizon: int
    period: str
    comparison: str
    cost: float | None
    treated_persons: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    subgroup_cumulative: pd.DataFrame | None = None

    @property
    def cumulative_effect(self) -> float:
        """C(H): the months employed gained per participant over the horizon."""
        return float(self.cumulative["cumulative"].iloc[-1])


@dataclass
class _Prepared:
    n: int
    employed: np.ndarray      # persons x durations, NaN when not observed
    exit: np.ndarray          # first duration not on benefit (large if none)
    start: np.ndarray         # duration of the programme start (-1 none)
    any_start: np.ndarray     # first start of any programme (large if none)
    length: np.ndarray        # observed durations
    X: np.ndarray
    names: list[str]
    persons: pd.DataFrame


def _prepare(spells: Spells, programme: str, covariates, repeat: str) -> tuple[_Prepared, list[str]]:
    owner = "dynamic_effects"
    notes = []
    inf = spells.inflows.reset_index(drop=True)
    n = len(inf)
    pos = pd.Series(np.arange(n), index=inf["person_id"].to_numpy())
    c = inf["inflow"].to_numpy(dtype=np.int64)
    mon = spells.months
    pi = pos.reindex(mon["person_id"].to_numpy()).to_numpy()
    dur = mon["period"].to_numpy(dtype=np.int64) - c[pi]
    L = int(dur.max()) + 1 if len(dur) else 0
    employed = np.full((n, L), np.nan)
    employed[pi, dur] = (mon["status"].to_numpy() == "employed").astype(float)
    length = np.bincount(pi, minlength=n)
    off = ~mon["status"].isin(ON_BENEFIT).to_numpy()
    big = np.iinfo(np.int64).max // 4
    exit_ = np.full(n, big)
    np.minimum.at(exit_, pi[off], dur[off])
    sta = spells.starts
    if programme not in set(sta["programme"]):
        known = ", ".join(sorted(map(str, set(sta["programme"])))) or "none"
        raise InputError(f"programme {programme!r} passed to {owner} has no starts; programmes with starts: {known}.")
    sp = pos.reindex(sta["person_id"].to_numpy()).to_numpy()
    sdur = sta["start"].to_numpy(dtype=np.int64) - c[sp]
    any_start = np.full(n, big)
    np.minimum.at(any_start, sp, sdur)
    mine = (sta["programme"] == programme).to_numpy()
    counts = np.bincount(sp[mine], minlength=n)
    twice = np.flatnonzero(counts > 1)
    if len(twice):
        ids = inf["person_id"].to_numpy()[twice]
        msg = (f"{len(twice)} person(s) started programme {programme!r} more than once "
               f"(first: {ids[0]!r}); the design compares first starts")
        if repeat == "error":
            raise InputError(msg + " — pass repeat='first' to use each person's first start only.")
        notes.append(msg + "; repeat='first' used each person's first start.")
    start = np.full(n, -1)
    first = np.full(n, big)
    np.minimum.at(first, sp[mine], sdur[mine])
    start[first < big] = first[first < big]
    X, names = covariate_matrix(inf, covariates, owner, "inflows")
    return _Prepared(n, employed, exit_, start, any_start, length, X, names, inf), notes


def _fit_ps(Z, d, w, start=None, model="logit"):
    if model == "boosting":
        from kvarter.evaluation.propensity import boosting_classifier

        clf = boosting_classifier(seed=0)
        clf.fit(Z[:, 1:], d, sample_weight=w)
        return np.clip(clf.predict_proba(Z[:, 1:])[:, 1], 1e-6, 1 - 1e-6), None
    from kvarter.evaluation.propensity import fit_logit

    # Warm-started from the full sample's coefficients in the replicates.
    coef, _ = fit_logit(Z, d, w, start=start, tol=1e-8, maxiter=50)
    return np.clip(expit(Z @ coef), 1e-6, 1 - 1e-6), coef


@dataclass
class _Cell:
    u: int
    rows: np.ndarray
    d: np.ndarray
    Y: np.ndarray
    cols: np.ndarray
    model: str = "logit"
    coef: np.ndarray | None = None


def _cells(prep: _Prepared, horizon: int, control, max_duration, min_treated, mask,
           model: str = "logit") -> tuple[list[_Cell], pd.DataFrame]:
    H = horizon
    durations = np.unique(prep.start[(prep.start >= 0) & mask])
    if max_duration is not None:
        durations = durations[durations <= max_duration]
    cells, log = [], []
    for u in durations:
        at_risk = mask & (prep.exit >= u) & (prep.any_start >= u) & (prep.length >= u + H + 1)
        treated = at_risk & (prep.start == u) & (prep.any_start == u)
        if control == "not_yet_treated":
            comp = at_risk & (prep.any_start > u)
        else:
            comp = at_risk & (prep.any_start > u + control)
        nt, nc = int(treated.sum()), int(comp.sum())
        reason = ""
        if nt < min_treated:
            reason = f"{nt} treated with follow-up to u + {H} (fewer than min_treated={min_treated})"
        elif nc == 0:
            reason = "no comparison unit left: nobody else is still waiting at this duration"
        log.append({"duration": int(u), "n_treated": nt, "n_control": nc,
                    "status": "skipped" if reason else "estimated", "reason": reason})
        if reason:
            continue
        rows = np.flatnonzero(treated | comp)
        d = treated[rows].astype(float)
        Y = prep.employed[rows][:, u:u + H + 1]
        X = prep.X[rows]
        varies = np.ptp(X, axis=0) > 0 if X.shape[1] else np.zeros(0, dtype=bool)
        cells.append(_Cell(int(u), rows, d, Y, np.flatnonzero(varies), model))
    return cells, pd.DataFrame(log, columns=["duration", "n_treated", "n_control", "status", "reason"])


def _cell_effect(X, cell: _Cell, w, method, caliper, full=False):
    keep = w > 0
    d = cell.d[keep]
    wk = w[keep].astype(float)
    if wk[d == 1].sum() == 0 or wk[d == 0].sum() == 0:
        return None
    Z = design(X[cell.rows][keep][:, cell.cols])
    ps, coef = _fit_ps(Z, d, wk, None if full else cell.coef, cell.model)
    if full:
        cell.coef = coef
    weights = _weights(d, ps, method, wk, caliper, 0.995)
    wk_eff = wk if method != "matching" else wk
    effect, treated_mean = _estimate(cell.Y[keep], d.astype(int), Z, wk_eff, method, weights)
    n_t = wk[d == 1][weights.keep_treated].sum()
    if not full:
        return effect, treated_mean, n_t
    return effect, treated_mean, n_t, ps, weights


def _curve(X, cells, w_persons, method, caliper, H):
    num = np.zeros(H + 1)
    tm = np.zeros(H + 1)
    tot = 0.0
    for cell in cells:
        out = _cell_effect(X, cell, w_persons[cell.rows], method, caliper)
        if out is None:
            continue
        eff, tmean, n_t = out
        num += n_t * eff
        tm += n_t * tmean
        tot += n_t
    if tot == 0:
        return np.full(H + 1, np.nan)
    return num / tot


def _curves(X, cells, draws, method, caliper, H) -> np.ndarray:
    return np.vstack([_curve(X, cells, w, method, caliper, H) for w in draws])


#: Below this much work (draws x rows of all cells) the bootstrap runs in the calling process.
PARALLEL_WORK = 300_000


class _Bootstrap:
    """The bootstrap curves (draws x event times) of sets of cells.

    A large bootstrap with logit scores (at least :data:`PARALLEL_WORK` draws
    x cell rows) is split into chunks of draws computed in worker processes, where the
    platform forks them and has more than one core; every replicate is
    computed by :func:`_curve` either way, so the numbers are the same to the
    last bit (the replicate logits are ill-conditioned enough that nothing
    but the same operations in the same order reproduces them). ``submit``
    returns a callable giving the curves, so the caller can set up the next
    cells while the workers compute.
    """

    def __init__(self, X, draws, method, caliper, H):
        self.X, self.draws, self.args = X, draws, (method, caliper, H)
        self.workers = available_cores()
        self.pool = None

    def submit(self, cells):
        work = len(self.draws) * sum(len(c.rows) for c in cells)
        # Logits only: gradient boosting runs OpenMP threads, which do not survive a fork.
        if self.workers < 2 or work < PARALLEL_WORK or any(c.model != "logit" for c in cells):
            reps = _curves(self.X, cells, self.draws, *self.args)
            return lambda: reps
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"))
        chunks = np.array_split(np.arange(len(self.draws)), min(len(self.draws), 4 * self.workers))
        futures = [self.pool.submit(_curves, self.X, cells, [self.draws[i] for i in idx], *self.args)
                   for idx in chunks]
        return lambda: np.vstack([f.result() for f in futures])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _trim(prep, cell: _Cell, support) -> tuple[int, int]:
    # Common support is decided once on the full sample; replicates keep the same rows.
    Z = design(prep.X[cell.rows][:, cell.cols])
    ps, _ = _fit_ps(Z, cell.d, np.ones(len(cell.d)), None, cell.model)
    keep = common_support(ps, cell.d, None if support == "minmax" else float(support))
    cut_t = int((~keep & (cell.d == 1)).sum())
    cut_c = int((~keep & (cell.d == 0)).sum())
    if cut_t or cut_c:
        cell.rows, cell.d, cell.Y = cell.rows[keep], cell.d[keep], cell.Y[keep]
        X = prep.X[cell.rows]
        if len(X) and X.shape[1]:
            cell.cols = np.flatnonzero(np.ptp(X, axis=0) > 0)
    return cut_t, cut_c


def _apply_support(prep, cells, support, log) -> list[_Cell]:
    log["trimmed_treated"] = 0
    log["trimmed_control"] = 0
    if support is None:
        return cells
    kept = []
    for cell in cells:
        cut = _trim(prep, cell, support)
        at = log.duration == cell.u
        log.loc[at, ["trimmed_treated", "trimmed_control"]] = cut
        if cell.d.sum() == 0 or (cell.d == 0).sum() == 0:
            log.loc[at, ["status", "reason"]] = ["skipped", "no overlap: common support left no treated or no comparison unit"]
            continue
        kept.append(cell)
    return kept


def _full(prep, cells, method, caliper, H):
    ones = np.ones(prep.n)
    num = np.zeros(H + 1)
    tm = np.zeros(H + 1)
    tot = 0.0
    bal, ps_all, d_all = [], [], []
    for cell in cells:
        eff, tmean, n_t, ps, weights = _cell_effect(prep.X, cell, ones[cell.rows], method, caliper, full=True)
        num += n_t * eff
        tm += n_t * tmean
        tot += n_t
        X = prep.X[cell.rows]
        d = cell.d.astype(int)
        before, after = standardised_differences(
            X, d, weights.w_control, None if method != "matching" else weights.keep_treated.astype(float))
        bal.append(pd.DataFrame({"duration": cell.u, "covariate": prep.names, "smd_before": before,
                                 "smd_after": after, "n_treated": int(n_t),
                                 "n_control": int((weights.w_control > 0).sum())}))
        ps_all.append(ps)
        d_all.append(d)
    return num / tot, tm / tot, bal, np.concatenate(ps_all), np.concatenate(d_all)


def _pooled_balance(by_duration: pd.DataFrame) -> pd.DataFrame:
    def pool(g):
        w = g["n_treated"].to_numpy(float)
        return pd.Series({"smd_before": np.average(np.nan_to_num(g.smd_before), weights=w),
                          "smd_after": np.average(np.nan_to_num(g.smd_after), weights=w),
                          "n_treated": int(g.n_treated.sum()), "n_control": int(g.n_control.min())})
    cols = ["smd_before", "smd_after", "n_treated", "n_control"]
    out = by_duration.groupby("covariate", sort=False)[cols].apply(pool).reset_index()
    return out.astype({"n_treated": int, "n_control": int})


def _lock_in(curve: pd.DataFrame) -> LockIn:
    neg = curve["upper"].to_numpy() < 0
    months = tuple(int(t) for t in curve["event_time"][neg])
    run = 0
    while run < len(neg) and neg[run]:
        run += 1
    eff = curve["effect"].to_numpy()
    if not months:
        return LockIn((), 0, 0.0, None)
    k = int(np.nanargmin(np.where(neg, eff, np.inf)))
    return LockIn(months, run, float(eff[k]), int(curve["event_time"].iloc[k]))


def break_even_point(cumulative) -> int | None:
    """The first event time from which a cumulative effect stays >= 0; ``None`` if it ends below zero.

    >>> break_even_point([-0.1, -0.2, -0.1, 0.05, 0.2])
    3
    >>> break_even_point([0.1, 0.2]), break_even_point([-0.1, 0.1, -0.05])
    (0, None)
    """
    c = np.asarray(cumulative, dtype=float)
    if len(c) == 0 or not c[-1] >= 0:
        return None
    below = np.flatnonzero(c < 0)
    return 0 if len(below) == 0 else int(below[-1] + 1)


def _summaries(theta, reps, tmean, n_treated, n_control):
    H1 = len(theta)
    with warnings.catch_warnings():
        # A duration estimable in too few replicates gives NaN bounds, said in the table.
        warnings.simplefilter("ignore", RuntimeWarning)
        return _summary_tables(theta, reps, tmean, n_treated, n_control, H1)


def _summary_tables(theta, reps, tmean, n_treated, n_control, H1):
    se = np.nanstd(reps, axis=0, ddof=1)
    lo, hi = np.nanpercentile(reps, [2.5, 97.5], axis=0)
    curve = pd.DataFrame({
        "event_time": np.arange(H1), "effect": theta, "se": se, "lower": lo, "upper": hi,
        "treated_mean": tmean, "net_share": np.where(tmean > 0, theta / np.where(tmean > 0, tmean, 1), np.nan),
        "n_treated": n_treated, "n_control": n_control,
    })
    cum = np.cumsum(theta)
    creps = np.cumsum(reps, axis=1)
    clo, chi = np.nanpercentile(creps, [2.5, 97.5], axis=0)
    cumulative = pd.DataFrame({"event_time": np.arange(H1), "cumulative": cum, "se": np.nanstd(creps, axis=0, ddof=1),
                               "lower": clo, "upper": chi})
    return curve, cumulative


def dynamic_effects(
    spells: Spells,
    programme: str,
    horizon: int,
    method: str = "ipw",
    subgroups=None,
    seed: int | None = None,
    *,
    covariates=None,
    n_boot: int = 200,
    control: str | int = "not_yet_treated",
    max_duration: int | None = None,
    min_treated: int = 10,
    caliper: float | None = 0.2,
    repeat: str = "error",
    support: str | float | None = "minmax",
    propensity: str = "logit",
) -> DynamicEffects:
    r"""The event-time curve θ(τ) of a programme, joining now vs waiting (see the module docstring).

    ``spells`` comes from :func:`~kvarter.evaluation.load_spells` (or
    :func:`~kvarter.evaluation.spells_from_person_years`); ``horizon`` H is in
    its period (months or years). ``method`` is ``"ipw"`` (odds weights),
    ``"aipw"`` (doubly robust) or ``"matching"`` (nearest neighbour on the
    score's logit within ``caliper`` standard deviations); the score is a
    logit (statsmodels) or, with ``propensity="boosting"``, scikit-learn's
    gradient boosting, refitted in every replicate too. ``covariates``
    default to those of :data:`DEFAULT_COVARIATES` present in the inflows
    table; ``subgroups`` names inflow columns (e.g. ``["education"]``) whose
    levels get a curve each, with a bootstrap test of the difference in C(H)
    against the first level.

    Bad input: a programme start before inflow, months with gaps or unknown
    persons are refused by :func:`load_spells`; a person who started the
    programme twice raises :class:`~kvarter.errors.InputError` unless
    ``repeat="first"`` (first starts only, noted); a covariate without
    variation raises, one constant within a duration is left out there; a
    duration without any comparison unit left, or with fewer than
    ``min_treated`` treated, is skipped and listed in ``cells``.

    Common support: within each duration, ``support="minmax"`` leaves out
    starts scoring above every comparison unit and comparison units scoring
    below every start (a number ``a`` keeps scores in [a, 1 - a]; ``None``
    keeps all); ``cells`` reports how many per duration (``trimmed_treated``,
    ``trimmed_control``) and ``n_treated``/``n_control`` count what is left.

    >>> from kvarter.demo.evaluation import inflow_cohorts
    >>> from kvarter.evaluation.spells import load_spells
    >>> d = inflow_cohorts(n_persons=3000, seed=2)
    >>> sp = load_spells(d["persons"], d["months"], d["starts"], d["costs"])
    >>> res = dynamic_effects(sp, "job_training", horizon=12, n_boot=20, seed=1)
    >>> list(res.curve.columns)
    ['event_time', 'effect', 'se', 'lower', 'upper', 'treated_mean', 'net_share', 'n_treated', 'n_control']
    >>> bool(res.curve.effect.iloc[:6].mean() < 0)
    True
    """
    owner = "dynamic_effects"
    if method not in METHODS:
        raise InputError(f"The 'method' parameter of {owner} must be one of {', '.join(METHODS)}; got {method!r}.")
    check_scalar(horizon, "horizon", owner, kind=int, min_value=0)
    check_scalar(n_boot, "n_boot", owner, kind=int, min_value=2)
    check_scalar(min_treated, "min_treated", owner, kind=int, min_value=1)
    if not (control == "not_yet_treated" or (isinstance(control, int) and not isinstance(control, bool) and control >= 1)):
        raise InputError(f"The 'control' parameter of {owner} must be 'not_yet_treated' or a whole number of "
                         f"periods k >= 1 (no start within k); got {control!r}.")
    if propensity not in ("logit", "boosting"):
        raise InputError(f"The 'propensity' parameter of {owner} must be 'logit' or 'boosting'; got {propensity!r}.")
    if repeat not in ("error", "first"):
        raise InputError(f"The 'repeat' parameter of {owner} must be 'error' or 'first'; got {repeat!r}.")
    if covariates is None:
        covariates = [c for c in DEFAULT_COVARIATES if c in spells.inflows.columns and spells.inflows[c].notna().all()]
    prep, notes = _prepare(spells, programme, covariates, repeat)
    H = horizon
    everyone = np.ones(prep.n, dtype=bool)
    cells, log = _cells(prep, H, control, max_duration, min_treated, everyone, propensity)
    if not cells:
        raise InputError(f"No duration has enough treated persons with {H} periods of follow-up and comparison "
                         f"units for programme {programme!r}; lower horizon or min_treated.")
    rng = np.random.default_rng(seed)
    draws = [np.bincount(rng.integers(0, prep.n, prep.n), minlength=prep.n) for _ in range(n_boot)]
    cells = _apply_support(prep, cells, support, log)
    if not cells:
        raise InputError(f"Common support ({support}) left no duration with both treated and comparison units "
                         f"for programme {programme!r}; try support=None or a logit propensity.")
    skipped = log[log.status == "skipped"]
    if len(skipped):
        notes.append(f"{len(skipped)} duration(s) skipped (see cells): "
                     + "; ".join(f"u={r.duration}: {r.reason}" for r in skipped.head(3).itertuples()))
    theta, tmean, bal, ps, d = _full(prep, cells, method, caliper, H)
    trimmed = log[["trimmed_treated", "trimmed_control"]].sum()
    if trimmed.sum():
        notes.append(f"common support ({support}) left out {int(trimmed.trimmed_treated)} start(s) and "
                     f"{int(trimmed.trimmed_control)} comparison row(s) over all durations (see cells).")
    log["n_treated"] = log["n_treated"] - log["trimmed_treated"]
    log["n_control"] = log["n_control"] - log["trimmed_control"]
    with _Bootstrap(prep.X, draws, method, caliper, H) as boot:
        main_reps = boot.submit(cells)
        by_sub, tests, sub_cum = (None, None, None)
        if subgroups:
            by_sub, tests, sub_cum = _subgroups(prep, subgroups, H, control, max_duration, min_treated, method,
                                                caliper, boot, support, propensity)
        reps = main_reps()
    est = log[log.status == "estimated"]
    n_control_persons = int(len(np.unique(np.concatenate([c.rows[c.d == 0] for c in cells]))))
    curve, cumulative = _summaries(theta, reps, tmean, int(est.n_treated.sum()), n_control_persons)
    by_duration = pd.concat(bal, ignore_index=True)
    balance = _pooled_balance(by_duration)
    warn = []
    off = balance.loc[balance.smd_after.abs() > SMD_WARNING, "covariate"].tolist()
    if off:
        warn.append(f"|SMD| > {SMD_WARNING} remains after weighting for: {', '.join(off)}.")
    if control == "not_yet_treated":
        comparison = JOINING_VS_WAITING
    else:
        comparison = (f"start at u vs no start within the next {control} periods (Fredriksson & Johansson 2008): "
                      "the comparison group is selected on its future, which biases the effect if waiting "
                      "itself carries information about job chances")
    cost = None
    if spells.costs is not None and programme in set(spells.costs["programme"]):
        cost = float(spells.costs.set_index("programme").loc[programme, "cost"])
    return DynamicEffects(
        curve=curve, lock_in=_lock_in(curve), cumulative=cumulative, break_even=break_even_point(cumulative.cumulative),
        balance=balance, balance_by_duration=by_duration, propensity=propensity_histogram(ps, d), by_subgroup=by_sub,
        subgroup_tests=tests, subgroup_cumulative=sub_cum, cells=log, replicates=reps, programme=programme,
        method=method, horizon=H,
        period=spells.period, comparison=comparison, cost=cost, notes=notes, warnings=warn,
        treated_persons=pd.DataFrame({
            "person_id": np.concatenate([prep.persons.person_id.to_numpy()[c.rows[c.d == 1]] for c in cells]),
            "duration": np.concatenate([np.full(int(c.d.sum()), c.u) for c in cells]),
        }),
    )


def _subgroups(prep, subgroups, H, control, max_duration, min_treated, method, caliper, boot: _Bootstrap, support,
               propensity="logit"):
    owner = "dynamic_effects"
    # Every level's cells first, its bootstrap submitted, so workers compute while the next is set up.
    planned = []
    for name in subgroups:
        if name not in prep.persons.columns:
            raise InputError(f"Subgroup {name!r} passed to {owner} is not a column of the inflows table.")
        values = prep.persons[name].astype(str).to_numpy()
        levels = sorted(set(values))
        entries = []
        for lev in levels:
            mask = values == lev
            cells, log = _cells(prep, H, control, max_duration, min_treated, mask, propensity)
            if not cells:
                continue
            cells = _apply_support(prep, cells, support, log)
            if not cells:
                continue
            theta, tmean, *_ = _full(prep, cells, method, caliper, H)
            entries.append((lev, cells, log, theta, tmean, boot.submit(cells)))
        planned.append((name, entries))
    rows, tests, cums = [], [], []
    for name, entries in planned:
        curves = {}
        for lev, cells, log, theta, tmean, pending in entries:
            reps = pending()
            est = log[log.status == "estimated"]
            est = est.assign(n_treated=est.n_treated - est.trimmed_treated)
            n_c = int(len(np.unique(np.concatenate([c.rows[c.d == 0] for c in cells]))))
            curve, _ = _summaries(theta, reps, tmean, int(est.n_treated.sum()), n_c)
            curve.insert(0, "level", lev)
            curve.insert(0, "subgroup", name)
            rows.append(curve.drop(columns=["treated_mean", "net_share"]))
            curves[lev] = (theta, reps, curve)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = np.nanpercentile(reps.sum(axis=1), [2.5, 97.5])
            cums.append({"subgroup": name, "level": lev, "cumulative": float(theta.sum()), "lower": float(lo),
                         "upper": float(hi), "n_treated": int(curve.n_treated.iloc[0]),
                         "n_control": int(curve.n_control.iloc[0])})
        if len(curves) < 2:
            continue
        ref = next(iter(curves))
        c_ref = curves[ref][0].sum()
        r_ref = curves[ref][1].sum(axis=1)
        for lev, (theta, reps, curve) in list(curves.items())[1:]:
            diff = theta.sum() - c_ref
            dreps = reps.sum(axis=1) - r_ref
            se = float(np.nanstd(dreps, ddof=1))
            p = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else np.nan
            tests.append({"subgroup": name, "level": lev, "reference": ref, "difference": float(diff), "se": se,
                          "p_value": p, "n_treated": int(curve.n_treated.iloc[0]),
                          "n_treated_reference": int(curves[ref][2].n_treated.iloc[0])})
    by_sub = pd.concat(rows, ignore_index=True) if rows else None
    cum = pd.DataFrame(cums, columns=["subgroup", "level", "cumulative", "lower", "upper", "n_treated", "n_control"])
    return by_sub, pd.DataFrame(tests), cum
