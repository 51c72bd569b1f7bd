"""The evaluations on the store's own tables: Demoby's indicator table and
list history (area level) and its person-year table (programme level)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kvarter.errors import InputError
from kvarter.evaluation import area_effects, first_designation, programme_effects


@pytest.fixture(scope="module")
def demoby():
    import ibis

    from kvarter.demo import synthesize
    from kvarter.indicators.compute import compute_tables
    from kvarter.screening import designations_long, screen_history

    data = synthesize()
    ind = compute_tables(ibis.memtable(data["persons"]), ibis.memtable(data["areas"]))
    history = designations_long(screen_history(ind, {2018: "dk-2018", 2021: "dk-2024"}, range(2018, 2025),
                                               areas=data["areas"]))
    return data, ind, history


def test_area_effects_on_the_demo_list_history(demoby):
    data, ind, history = demoby
    first = first_designation(history)
    treated = first[first.first_treated > 0]
    assert len(treated) >= 2
    res = area_effects(ind, first, "employed_share_18_64", method="reg")
    assert set(res.att_gt.group) == set(treated.first_treated)
    # By hand: the first group's first post cell is a difference of mean changes.
    g = int(treated.first_treated.min())
    wide = ind[(ind.indicator == "employed_share_18_64") & (ind.level == "area")].pivot(
        index="unit_id", columns="year", values="value")
    ft = first.set_index("area_id").first_treated.reindex(wide.index).fillna(0)
    dy = wide[g] - wide[g - 1]
    ctrl = (ft == 0) | (ft > g)
    cell = res.att_gt.query("group == @g and time == @g").iloc[0]
    assert cell.att == pytest.approx(dy[ft == g].mean() - dy[ctrl].mean(), abs=1e-12)
    assert cell.n_treated == (ft == g).sum() and cell.n_control == ctrl.sum()
    dyn = res.aggregate("dynamic")
    assert {"event_time", "att", "se", "n_treated", "n_control"} <= set(dyn.table.columns)


def test_area_effects_names_what_is_missing(demoby):
    _, ind, history = demoby
    first = first_designation(history)
    with pytest.raises(InputError, match="indicator 'happiness' passed to area_effects is not in the indicator table"):
        area_effects(ind, first, "happiness")
    with pytest.raises(InputError, match="list 'nope' passed to first_designation is not in the history"):
        first_designation(history, list_id="nope")


def test_programme_effects_on_the_demo_person_years(demoby):
    data, *_ = demoby
    persons = data["persons"]
    unemployed = persons[persons.labour_status == "unemployed"]
    first_year = unemployed.groupby("person_id").year.min()
    rng = np.random.default_rng(0)
    chosen = first_year[rng.random(len(first_year)) < 0.3]
    starts = pd.DataFrame({"person_id": chosen.index, "programme": "job_training", "start_year": chosen.to_numpy()})
    res = programme_effects(persons, starts, "job_training", 2, covariates=["age", "sex", "education", "origin"],
                            n_boot=20, seed=0)
    assert res.period == "year" and res.curve.event_time.tolist() == [0, 1, 2]
    # Starts drawn at random: no effect, so the interval covers zero at most event times.
    assert ((res.curve.lower <= 0) & (0 <= res.curve.upper)).sum() >= 2
