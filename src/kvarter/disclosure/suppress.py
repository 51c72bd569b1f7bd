"""Primary and secondary suppression: the only way to make a :class:`Protected`.

Primary suppression marks every cell that itself breaks the policy: fewer than
``min_count`` persons; a share or rate whose numerator, or (with
``protect_complement``) whose denominator minus numerator, is below the
minimum; a sum or average that fails the (n, k) dominance rule. A row with no
persons is a structural zero, shown as empty, not a disclosure.

Secondary suppression then attacks the table as an intruder would
(:mod:`kvarter.disclosure.attack`) and, while any suppressed cell or any
difference between overlapping rows can be recovered or pinned below the
minimum, suppresses a complementary cell: among the rows sharing a relation
with the exposed cell (then rows two relations away, and so on), the cheapest:
a count whose hiding hides the fewest cells in all (``cost_column``: a count
hidden here is hidden under every indicator counting the same persons), then
a row that is no relation's total (totals are the figures people use most),
then the one with the fewest persons, ties broken by table order. It repeats to a fixed point,
so the result is safe against every declared relation at once — a
hypercube-style heuristic checked by linear programming, as in
sdcTable's ``protectTable`` followed by ``attack`` (Meindl 2011).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.disclosure.status import SUPPRESSED, CellStatus, Reason
from kvarter.disclosure.attack import Finding, Knowledge, assess_component, has_unknowns, widens
from kvarter.disclosure.dominance import dominated
from kvarter.disclosure.policy import DisclosurePolicy
from kvarter.disclosure.protected import Protected, _mint, reason_text, resolve_relations, worded_codes
from kvarter.disclosure.relations import Relation
from kvarter.errors import DisclosureError, InputError
from kvarter.validation import check_columns, check_counts

_TOL = 1e-6


def primary_codes(n, x, d, dom, policy: DisclosurePolicy) -> tuple[list[str], list[str]]:
    """Primary status codes per row for the count and for the statistics.

    ``n`` persons, ``x`` numerator (NaN: none), ``d`` denominator (NaN: use
    ``n``), ``dom`` top-n share (NaN: not checked). Codes: ``persons``,
    ``numerator``, ``complement``, ``dominance``, ``structural_zero``,
    ``published``.

    >>> nan = float("nan")
    >>> primary_codes([3, 100, 100, 100, 100, 0], [nan, 2, 98, 50, 50, nan],
    ...               [nan] * 6, [nan, nan, nan, nan, 0.9, nan], DisclosurePolicy())
    (['persons', 'published', 'published', 'published', 'published', 'structural_zero'], ['persons', 'numerator', 'complement', 'published', 'dominance', 'structural_zero'])
    """
    m = policy.min_count
    count_codes, stat_codes = [], []
    too_dominant = dominated(dom, policy.dominance_k)
    for ni, xi, di, dm in zip(n, x, d, too_dominant):
        if ni == 0:
            count_codes.append(CellStatus.STRUCTURAL_ZERO.value)
            stat_codes.append(CellStatus.STRUCTURAL_ZERO.value)
            continue
        if ni < m:
            count_codes.append(Reason.PERSONS.value)
            stat_codes.append(Reason.PERSONS.value)
            continue
        count_codes.append(CellStatus.PUBLISHED.value)
        den = ni if np.isnan(di) else di
        if not np.isnan(xi) and 0 < xi < m:
            stat_codes.append(Reason.NUMERATOR.value)
        elif policy.protect_complement and not np.isnan(xi) and 0 < den - xi < m:
            stat_codes.append(Reason.COMPLEMENT.value)
        elif dm:
            stat_codes.append(Reason.DOMINANCE.value)
        else:
            stat_codes.append(CellStatus.PUBLISHED.value)
    return count_codes, stat_codes


def linked_dependency(value) -> tuple[str, ...] | None:
    """Read one value of a ``linked_column``: None when the row is not linked,
    ``()`` when it is but names nothing (``True``), ``(table, cell)`` when it
    names the table and cell it rests on, ``(table, cell, "value")`` when
    only its statistics rest there (its count is published elsewhere too).

    >>> linked_dependency(False), linked_dependency(True), linked_dependency(("indicators", "residents (area A, 2024)"))
    (None, (), ('indicators', 'residents (area A, 2024)'))
    >>> linked_dependency(float("nan")) is None
    True
    """
    if isinstance(value, (tuple, list)):
        if len(value) not in (2, 3) or (len(value) == 3 and value[2] != "value"):
            raise InputError(f"A linked cell names (table, cell) or (table, cell, 'value'); got {value!r}.")
        return tuple(str(v) for v in value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return () if bool(value) else None


def _column(table, name, role, owner, units, allow_nan):
    values = pd.to_numeric(table[name], errors="coerce").to_numpy(float)
    bad_text = table[name].notna().to_numpy() & np.isnan(values)
    if bad_text.any():
        i = int(np.flatnonzero(bad_text)[0])
        raise InputError(
            f"{role} column {name!r} passed to {owner} has a non-numeric value "
            f"{table[name].iloc[i]!r} at {units[i]!r} (row {i})."
        )
    if not allow_nan and np.isnan(values).any():
        i = int(np.flatnonzero(np.isnan(values))[0])
        raise InputError(f"{role} column {name!r} passed to {owner} is empty at {units[i]!r} (row {i}); every row needs a count.")
    return values


def _check_relations(rels, n, x, s, labels, source):
    for name, t, parts, complete, minus, persons_only in rels:
        for label, v in (("persons", n), ("numerator", x), ("sum", s))[: 1 if persons_only else 3]:
            members = [t, *parts, *minus]
            if np.isnan(v[members]).any():
                continue
            total, acc = v[t], v[parts].sum() - v[minus].sum()
            diff = total - acc
            scale = max(1.0, abs(total))
            if complete and abs(diff) > _TOL * scale:
                raise InputError(
                    f"Relation {name!r} of {source}: {label} of total {labels[t]!r} is {total:g} but its "
                    f"parts sum to {acc:g}; a complete relation needs them equal "
                    "(declare it with complete=False if the parts do not cover the total)."
                )
            if not complete and label != "sum" and diff < -_TOL * scale:
                raise InputError(
                    f"Relation {name!r} of {source}: {label} of {labels[t]!r} is {total:g}, less than "
                    f"the {acc:g} of the rows inside it."
                )


def protect(
    table: pd.DataFrame,
    policy: DisclosurePolicy | None = None,
    *,
    key: list[str],
    value_columns: list[str],
    count_column: str,
    numerator_column: str | None = None,
    denominator_column: str | None = None,
    dominance_column: str | None = None,
    sum_column: str | None = None,
    relations: list[Relation] | None = None,
    linked_column: str | None = None,
    contributors_column: str | None = None,
    cost_column: str | None = None,
    name: str = "table",
) -> Protected:
    """Apply primary and secondary suppression; return the only publishable type.

    ``count_column``: persons behind each row (always published beside the
    values, since it is what the rules are about). ``numerator_column``: the
    persons counted by a share or rate (published too: share × count gives it
    away anyway); ``denominator_column`` defaults to ``count_column`` and only
    changes the complement rule. ``dominance_column``: the top-n share from
    :func:`~kvarter.disclosure.dominance.dominance_shares`. ``sum_column``:
    the additive magnitude behind an average (published; used to attack
    dominated sums). ``relations``: the table's additive structure (see
    :mod:`kvarter.disclosure.relations`). ``linked_column``: a boolean per
    row, true where the row rests on a figure suppressed in *another*
    published table (the caller knows those links); such rows are suppressed
    whole with the reason code ``linked`` and the status ``secondary``; a
    ``(table, cell)`` pair instead of ``True`` names the cell in the
    reason, and ``(table, cell, "value")`` hides the statistics only. ``contributors_column``: for a sum
    (charges, incomes), the persons with a non-zero contribution; a sum
    resting on fewer than the minimum is suppressed like a small numerator
    (ten charges by three persons are three persons' records, not ten). The
    contributors are not published. ``cost_column``: per row, how many
    cells hiding its count hides in all, itself and the rows tied to it
    outside this table's relations (default 1); secondary suppression
    hides the cheapest count first. All statistic columns of a row
    share one status; protect one kind of statistic per call, or a long table.

    A municipality of four areas; area A has 3 persons, so it is suppressed,
    and the smallest other area (B) must go too, or A = 60 - 12 - 20 - 25:

    >>> from kvarter.disclosure import partition
    >>> t = pd.DataFrame({"area": ["Demoby", "A", "B", "C", "D"],
    ...                   "persons": [60, 3, 12, 20, 25],
    ...                   "unemployed": [10, 1, 2, 3, 4]})
    >>> t["share"] = t["unemployed"] / t["persons"]
    >>> p = protect(t, DisclosurePolicy(protect_complement=False), key=["area"],
    ...             value_columns=["share"], count_column="persons",
    ...             relations=[partition("Demoby 2023", "Demoby", ["A", "B", "C", "D"])])
    >>> p.frame[["area", "persons", "persons_status", "share_status"]]
         area  persons persons_status share_status
    0  Demoby     60.0      published    published
    1       A      NaN        primary      primary
    2       B      NaN      secondary    secondary
    3       C     20.0      published    published
    4       D     25.0      published    published
    >>> p.frame.loc[1, "persons_reason"], p.frame.loc[2, "persons_reason"]
    ('fewer than 5 persons', "complement of a suppressed cell in total 'Demoby 2023'")
    """
    owner = "protect"
    policy = policy if policy is not None else DisclosurePolicy()
    if not isinstance(policy, DisclosurePolicy):
        raise InputError(f"The 'policy' parameter of protect must be a DisclosurePolicy; got {type(policy).__name__}.")
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"The 'table' parameter of protect must be a pandas DataFrame; got {type(table).__name__}.")
    key, value_columns = list(key), list(value_columns)
    if not key:
        raise InputError(f"protect needs at least one key column for {name}.")
    optional = [c for c in (numerator_column, denominator_column, dominance_column, sum_column, linked_column,
                            cost_column) if c]
    check_columns(list(table.columns), key + value_columns + [count_column] + optional, name, owner)
    table = table.reset_index(drop=True)
    labels = list(table[key].itertuples(index=False, name=None))
    dup = table.duplicated(key, keep=False)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(f"{name} passed to protect has duplicate key {labels[i]!r} (row {i}); keys must be unique.")
    n = _column(table, count_column, "count", owner, labels, allow_nan=False)
    check_counts(n, f"count column {count_column!r}", owner, units=labels)
    nan = np.full(len(table), np.nan)
    x = _column(table, numerator_column, "numerator", owner, labels, True) if numerator_column else nan
    d = _column(table, denominator_column, "denominator", owner, labels, True) if denominator_column else nan
    dom = _column(table, dominance_column, "dominance", owner, labels, True) if dominance_column else nan
    s = _column(table, sum_column, "sum", owner, labels, True) if sum_column else nan
    for arr, role in ((x, "numerator"), (d, "denominator")):
        check_counts(np.nan_to_num(arr), f"{role} column", owner, units=labels)
    den = np.where(np.isnan(d), n, d)
    over = ~np.isnan(x) & (x > den + _TOL)
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise InputError(
            f"{name} passed to protect: numerator {x[i]:g} exceeds denominator {den[i]:g} at {labels[i]!r} (row {i})."
        )
    relations = list(relations or [])
    rels = resolve_relations(relations, labels, name)
    _check_relations(rels, n, x, s, labels, name)

    count_codes, stat_codes = primary_codes(n, x, d, dom, policy)
    if contributors_column is not None:
        c = _column(table, contributors_column, "contributors", owner, labels, True)
        for i in np.flatnonzero(~np.isnan(c) & (c > 0) & (c < policy.min_count)):
            if stat_codes[i] == CellStatus.PUBLISHED:
                stat_codes[i] = Reason.NUMERATOR.value
    params: list[dict] = [{} for _ in range(len(table))]
    if linked_column is not None:
        # A row that rests on a cell suppressed in another published table
        # (a pooled group with a suppressed member, a criterion whose
        # indicator cell is hidden) is hidden too, count and statistics alike:
        # published, it would let the two tables be played against each other.
        # It is secondary (it breaks no rule itself); a (table, cell) pair
        # names what it rests on.
        for i, value in enumerate(table[linked_column].tolist()):
            depends = linked_dependency(value)
            if depends is not None and count_codes[i] != "structural_zero":
                if len(depends) < 3:
                    count_codes[i] = Reason.LINKED.value
                stat_codes[i] = Reason.LINKED.value
                if depends:
                    params[i] = {"table": depends[0], "cell": depends[1]}
    s_nonneg = bool(np.all(np.nan_to_num(s) >= 0))
    k = Knowledge(
        labels=labels, n=n, x=x, s=s, has_x=numerator_column is not None, has_s=sum_column is not None,
        count_hidden=np.array([c in ("persons", "linked") for c in count_codes], dtype=bool),
        stat_hidden=np.array([c not in ("published", "structural_zero") for c in stat_codes], dtype=bool),
        dominance=np.array([c == "dominance" for c in stat_codes], dtype=bool),
        relations=rels, s_nonneg=s_nonneg,
        cost=_column(table, cost_column, "cost", owner, labels, False) if cost_column else None,
    )
    _secondary(k, policy, count_codes, stat_codes, params, name)

    status_of = {"published": "published", "structural_zero": "structural_zero", "secondary": "secondary",
                 "linked": "secondary"}
    codes = [((cc, pp), (sc, pp)) for cc, sc, pp in zip(count_codes, stat_codes, params)]
    out = table[key].copy()
    published_cols = list(dict.fromkeys([count_column, *value_columns, *(c for c in (numerator_column, sum_column) if c)]))
    for col in published_cols:
        which = 0 if col == count_column else 1
        status = [status_of.get(c[which][0], "primary") for c in codes]
        values = pd.to_numeric(table[col], errors="coerce") if col in (count_column, numerator_column, sum_column) else table[col]
        hidden = np.array([st in SUPPRESSED for st in status])
        out[col] = values.where(~hidden, np.nan) if hidden.any() else values
        out[f"{col}_status"] = status
        out[f"{col}_reason"] = worded_codes([c[which] for c in codes], reason_text, policy)
    view_args = {
        "policy": policy, "key": tuple(key), "value_columns": tuple(published_cols),
        "count_column": count_column, "numerator_column": numerator_column, "sum_column": sum_column,
        "relations": tuple(relations), "name": name, "sums_nonnegative": s_nonneg,
    }
    return _mint(out, view_args, codes)


def _secondary(k: Knowledge, policy, count_codes, stat_codes, params, source) -> None:
    """Suppress complementary cells until no suppressed quantity can be recovered.

    Relations never cross a component of :meth:`Knowledge.components`, so
    each component reaches its fixed point on its own, and only it is
    re-attacked after its suppressions change. A component's fixed point
    depends only on what the component holds, so it is remembered by content
    (:data:`_MEMO`): protecting a table again with a few more cells linked
    (as :func:`kvarter.publish.indicators.protect_indicators` does) re-solves
    only the components those cells are in.
    """
    rel_of_row = k.relations_of_row()
    is_total = np.zeros(len(k.n), bool)
    is_total[[rel[1] for rel in k.relations]] = True
    k.refresh()
    failures = []
    for rows, rels in k.components():
        if not has_unknowns(k, rows, rels):
            continue
        memo_key = _component_key(k, policy, rows, rels, count_codes, stat_codes, is_total)
        done = _MEMO.get(memo_key)
        if done is None:
            before = (k.count_hidden[rows].copy(), k.stat_hidden[rows].copy())
            failure = _component_fixed_point(k, policy, rows, rels, rel_of_row, is_total,
                                             count_codes, stat_codes, params)
            done = _remember(memo_key, k, rows, rels, before, count_codes, stat_codes, params, failure)
        else:
            _replay(done, k, rows, count_codes, stat_codes, params)
        if done[-1] is not None:
            failures.append((rows, rels, done[-1]))
    if failures:
        rows, rels, (where, local, quantity, problem) = failures[0]
        label = k.labels[rows[local]] if where == "row" else k.relations[rels[local]][0]
        raise DisclosureError(
            f"Cannot protect {source}: the {quantity} of {label!r} stays recoverable ({problem}) "
            "even with every related cell suppressed; check the relations."
        )


def _component_fixed_point(k: Knowledge, policy, rows, rels, rel_of_row, is_total,
                           count_codes, stat_codes, params) -> Finding | None:
    """One component's suppressions to a fixed point; the finding still recovered, if any.

    Each round hides at least one more count or statistic of the component,
    so it ends within twice its rows' rounds.
    """
    safe: frozenset = frozenset()
    for _ in range(2 * len(rows) + 2):
        found = assess_component(k, policy, rows, rels, skip=safe, verdicts_only=True)
        exposed = [f for f in found if f.recovered]
        if not exposed:
            return None
        # Targets safe now stay safe if this round only relaxes the intruder's
        # system (see attack.widens): then they need no new programmes.
        safe = safe | {(f.where, f.index, f.quantity) for f in found if not f.recovered and widens(k, f.where, f.index, f.quantity)}
        defined = (k.x_defined.copy(), k.s_defined.copy())
        chosen: list[int] = []
        touched: set[int] = set()
        progress = False
        for f in exposed:
            start = rel_of_row[f.index] if f.where == "row" else [f.index]
            if touched & set(start):
                continue
            choice = _choose(k, f, start, rel_of_row, is_total)
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
            chosen.append(row)
            progress = True
        if not progress:
            break
        x_before, s_before = defined
        if any((k.has_x and not x_before[r]) or (k.has_s and not s_before[r]) for r in chosen):
            # A newly hidden row brings a numerator or sum the intruder did not
            # have to reckon with: new equations, which can tighten anything.
            safe = frozenset()
    exposed = [f for f in assess_component(k, policy, rows, rels, verdicts_only=True) if f.recovered]
    return exposed[0] if exposed else None


#: Fixed points of components already solved, by content (see :func:`_component_key`);
#: bounded, oldest dropped first. A cache of a pure function: results never depend on it.
_MEMO: dict = {}
_MEMO_SIZE = 50_000


def _component_key(k: Knowledge, policy, rows, rels, count_codes, stat_codes, is_total) -> tuple:
    """Everything a component's fixed point depends on, positions made local."""
    r = np.asarray(rows)
    local = {g: i for i, g in enumerate(rows)}
    structure = tuple(
        (name, local[t], tuple(local[q] for q in parts), complete, tuple(local[q] for q in minus), persons_only)
        for name, t, parts, complete, minus, persons_only in (k.relations[j] for j in rels)
    )
    cost = k.cost if k.cost is not None else np.ones(len(k.n))
    arrays = b"".join(a[r].tobytes() for a in (k.n, k.x, k.s, k.dominance, k.count_hidden, k.stat_hidden, is_total,
                                                 cost))
    codes = tuple(count_codes[i] for i in rows) + tuple(stat_codes[i] for i in rows)
    return (policy, k.has_x, k.has_s, k.s_nonneg, len(rows), structure, arrays, codes)


def _remember(memo_key, k: Knowledge, rows, rels, before, count_codes, stat_codes, params, failure) -> tuple:
    count_before, stat_before = before
    changed = np.flatnonzero((k.count_hidden[rows] != count_before) | (k.stat_hidden[rows] != stat_before))
    changes = tuple(
        (int(i), bool(k.count_hidden[rows[i]]), count_codes[rows[i]], stat_codes[rows[i]], params[rows[i]].get("relation"))
        for i in changed
    )
    lost = None
    if failure is not None:
        local = (rows if failure.where == "row" else rels).index(failure.index)
        lost = (failure.where, local, failure.quantity, failure.problem)
    done = (changes, lost)
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.pop(next(iter(_MEMO), None), None)
    _MEMO[memo_key] = done
    return done


def _replay(done: tuple, k: Knowledge, rows, count_codes, stat_codes, params) -> None:
    for i, count_hidden, count_code, stat_code, relation in done[0]:
        row = rows[i]
        k.count_hidden[row] = count_hidden
        k.stat_hidden[row] = True
        count_codes[row], stat_codes[row] = count_code, stat_code
        params[row] = {"relation": relation}


def _choose(k: Knowledge, f, start: list[int], rel_of_row, is_total) -> tuple[int, int, bool] | None:
    """The complementary cell for one exposed quantity: (row, relation, hide its count?)."""
    own = f.index if f.where == "row" else -1
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
                        # A hidden count drags the counts tied to it along: cheapest first.
                        cost = k.cost_of(m) if hide_count_pass else 0.0
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
