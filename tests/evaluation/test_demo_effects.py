"""The Effects part of the monitor on Demoby as ``kvarter demo`` builds it: the
demo's spells in the store, the programme's and the designated areas' tables
published, and the section rendered in four languages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_effects(tmp_path_factory):
    from rich.console import Console

    from kvarter.cli.report import _load_spells
    from kvarter.demo import synthesize
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.jobs.evaluation import evaluation_tables, has_spells
    from kvarter.jobs.indicators import indicator_table
    from kvarter.publish.indicators import protect_store_indicators
    from kvarter.publish.links import hidden_cells
    from kvarter.store import Store

    root = tmp_path_factory.mktemp("demo_effects")
    data = synthesize()
    store = Store(root / "kvarter.duckdb")
    store.load_many({k: data[k] for k in ("areas", "schools", "persons")})
    store.close()
    _load_spells(root / "kvarter.duckdb", root, 0, Console(quiet=True))
    store = Store(root / "kvarter.duckdb")
    assert has_spells(store)
    policy = DisclosurePolicy(min_count=5)
    ind = indicator_table(store)
    published, _ = protect_store_indicators(store, ind, policy)
    notes: list[str] = []
    tables = evaluation_tables(store, ind, hidden_cells(published), policy, notes=notes, n_boot=30)
    yield tables, notes, root
    store.close()


def test_the_demo_publishes_the_programme_and_the_areas(demo_effects):
    tables, notes, root = demo_effects
    assert {"effects_curve", "effects_cumulative", "effects_balance", "effects_subgroup_summary", "effects_cost",
            "effects_sensitivity", "effects_areas", "effects_areas_summary"} <= set(tables)
    curve = tables["effects_curve"].frame
    assert (curve["effect_status"] == "published").all() and len(curve) == 25
    # The demo's programme: a lock-in in the first months (true -8 points for six months).
    assert curve["effect"].iloc[:6].mean() < 0 < curve["effect"].iloc[6:].mean()
    assert any("joining now vs waiting" in n for n in notes)
    assert (root / "demoby" / "spells" / "person_months.parquet").is_file()
    for name, p in tables.items():
        if name.startswith("effects_areas"):   # areas count areas; the rule works on their residents
            continue
        f = p.frame
        shown = f["persons_status"] == "published"
        assert (f.loc[shown, ["n_treated", "n_control"]].min(axis=1) >= 5).all(), name


@pytest.mark.parametrize("lang", ["en", "da", "no", "nl"])
def test_the_demo_effects_section_renders(demo_effects, lang):
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.publish import Publication
    from kvarter.report.effects import effects_sections

    tables, *_ = demo_effects
    (section,) = effects_sections(Publication(tables=tables, policy=DisclosurePolicy()), lang)
    assert len(section.blocks) >= 8
