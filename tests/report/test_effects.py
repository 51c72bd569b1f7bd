"""The report's Effects section: the charts, the tables and the reading in
four languages, from protected tables only; a suppressed effect is said, not drawn."""

from __future__ import annotations

import numpy as np
import pytest

from kvarter.disclosure import DisclosurePolicy
from kvarter.publish import Publication
from kvarter.report.effects import effects_sections, reading

LANGS = ("en", "da", "no", "nl")


@pytest.fixture(scope="module")
def tables():
    from kvarter.demo.evaluation import designation_panel, inflow_cohorts
    from kvarter.evaluation import cost_effectiveness, dynamic_effects, load_spells, staggered_did
    from kvarter.publish.evaluation import protect_areas, protect_programme

    d = inflow_cohorts(n_persons=2000, months=60, seed=6)
    res = dynamic_effects(load_spells(d["persons"], d["months"], d["starts"], d["costs"]), "job_training", 8,
                          n_boot=10, seed=2, subgroups=["education_group"])
    ce = cost_effectiveness(res, [25_000, 15_000], discount_rate=[0.03, 0.0])
    panel, _ = designation_panel(n_units=100, seed=1)
    did = staggered_did(panel, "unit", "year", "first_treated", "outcome", method="reg")

    def make(min_count):
        policy = DisclosurePolicy(min_count=min_count)
        return {**protect_programme(res, policy, ce), **protect_areas(did, "demo: outcome", policy)}, res
    return make


def _text(section):
    return " ".join(getattr(b, "text", "") + getattr(b, "svg", "") for b in section.blocks)


@pytest.mark.parametrize("lang", LANGS)
def test_the_section_has_every_chart_and_the_reading(tables, lang):
    t, res = tables(5)
    (section,) = effects_sections(Publication(tables=t, policy=DisclosurePolicy()), lang)
    assert section.title_key == "effects"
    text = _text(section)
    assert text.count('class="kv-band"') >= 3            # curve, cumulative, areas
    assert "kv-interval-chart" in text                   # love plot and forest plot
    c = res.curve
    assert reading(c.effect, c.lower, c.upper, lang, float(res.cumulative.lower.iloc[-1]),
                   float(res.cumulative.upper.iloc[-1])) in text
    assert not any(f"{{{k}}}" in text for k in ("k", "m", "h", "c", "lo", "hi"))


def test_the_reading_by_hand():
    eff = [-0.1, -0.05, 0.05, 0.12, 0.1]
    lo = [-0.15, -0.07, 0.0, 0.05, 0.05]
    hi = [-0.05, -0.01, 0.1, 0.15, 0.15]
    # Lock-in months 0-1 (upper < 0); sums -0.1, -0.15, -0.1, 0.02, 0.12 -> break-even at 3; total 0.12.
    assert reading(eff, lo, hi, "en") == ("The programme lowers the chance of work for the first 2 months, breaks "
                                          "even after 3 months and adds 0.1 months of work over 5 months.")
    assert reading([0.0, -0.1], [-0.1, -0.2], [0.1, 0.0], "nl", -0.3, 0.1) == (
        "Het programma laat geen significant lock-in-effect zien, verdient zich binnen 2 maanden niet terug en kost "
        "0,1 maanden werk over 2 maanden (95 %-interval -0,3 tot 0,1, dus niet significant).")


def test_a_suppressed_effect_is_said_and_hatched_not_drawn(tables):
    t, res = tables(10**6)
    (section,) = effects_sections(Publication(tables=t, policy=DisclosurePolicy()), "en")
    text = _text(section)
    assert "The programme's effect is suppressed" in text
    assert 'class="kv-point"' not in text and text.count('class="kv-suppressed"') > 0
    assert str(round(float(res.curve.effect.iloc[0]), 3)) not in text


def test_the_workbook_has_the_effects_sheets(tables, tmp_path):
    from openpyxl import load_workbook

    from kvarter.report.workbook import write_workbook

    t, _ = tables(5)
    path = write_workbook(tmp_path / "k.xlsx", t)
    names = load_workbook(path, read_only=True).sheetnames
    assert {"effects_curve", "effects_areas", "effects_subgroup_summary"} <= set(names)
