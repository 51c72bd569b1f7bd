"""The outside attack over every file a monitor run publishes, together
(issue 8): the tables with their sidecars read back as an intruder would,
one linear system across them and the catalogue's documented structure,
scored against the microdata. Two seeds, each at minimum 5 and 10, on a
one-municipality store small enough to protect in seconds."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest


def _intruder():
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("kvarter_test_intruder", Path(__file__).with_name("intruder.py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


_INTRUDER = _intruder()
attack_monitor = _INTRUDER.attack_monitor

pytestmark = pytest.mark.slow

RUNS = ((1, 5), (1, 10), (2, 5), (2, 10))


def _store(root: Path, seed: int):
    from kvarter.demo import synthesize
    from kvarter.store import Store

    data = synthesize(persons=3000, areas=16, schools=4, years=range(2023, 2025), seed=seed)
    keep = data["areas"]["municipality"] == "Demoby"
    persons = data["persons"][data["persons"]["municipality"] == "Demoby"]
    store = Store(root / "kvarter.duckdb")
    schools = data["schools"][data["schools"]["municipality"] == "Demoby"]
    store.load_many({"areas": data["areas"][keep], "schools": schools, "persons": persons})
    return store


@pytest.fixture(scope="module", params=RUNS, ids=lambda r: f"seed{r[0]}-min{r[1]}")
def run(request, tmp_path_factory):
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.jobs.indicators import indicator_table
    from kvarter.jobs.monitor import run_report
    from kvarter.publish.profiles import designated_leaves

    seed, m = request.param
    root = tmp_path_factory.mktemp(f"outside{seed}")
    store = _store(root, seed)
    # The built-in catalogue, whose structure the intruder knows from its documentation.
    from kvarter.indicators import load_catalogue

    cat = load_catalogue()
    result = run_report(store, root / "out", policy=DisclosurePolicy(min_count=m), permutations=0, bootstrap=0,
                        catalogue=cat)
    truth = indicator_table(store)
    areas = store.read("areas").astype({"area_id": str})
    pub = result.publication
    designated = {a for ids in pub.designated.values() for a in ids}
    if not designated:  # the job then pools the social housing areas
        sh = areas[areas["social_housing"].fillna(False).astype(bool)] if "social_housing" in areas else areas[:0]
        designated = set(sh["area_id"])
    pool = designated_leaves(areas, designated, pub.municipality)
    score = attack_monitor(result.tables["indicators"].parent, truth, pool, pub.municipality, pub.year,
                           cat, m)
    store.close()
    print(f"\nseed {seed}, minimum {m}: {score.as_dict()}\n{score.examples[:10]}")
    return seed, m, result, score


def test_the_attack_reads_every_table(run):
    _, _, result, score = run
    assert score.published > 1000 and score.suppressed > 50


def test_no_published_figure_rests_on_fewer_than_the_minimum(run):
    _, m, _, score = run
    assert score.under_minimum == 0, score.examples


def test_no_suppressed_small_cell_is_pinned_and_no_large_one_recovered(run):
    _, m, _, score = run
    assert score.small_pinned == 0, score.examples
    assert score.large_recovered == 0, score.examples


def test_no_suppressed_cell_is_pinned_to_fewer_values_than_the_minimum(run):
    # The protection interval: from everything published together, every
    # suppressed count keeps at least min_count possible values.
    _, m, _, score = run
    assert score.narrow == 0, score.examples


def test_the_pages_show_only_published_figures(run):
    # Every figure a chart's tooltip or the map shows is a published cell's
    # (and the map's residents are part of the intruder's system above).
    _, _, _, score = run
    assert score.page_figures > 10
    assert score.shown_unpublished == 0, score.examples


def test_the_workbook_shows_no_suppressed_value_and_agrees_with_the_files(run):
    openpyxl = pytest.importorskip("openpyxl")
    _, _, result, _ = run
    from kvarter.report.i18n import label

    wb = openpyxl.load_workbook(result.workbook, read_only=True)
    suppressed_cells = 0
    status = f" ({label('status', 'en').lower()})"  # headers are in words: "Value" then "Value (status)"
    for ws in wb.worksheets[1:]:  # the first sheet explains the workbook
        rows = list(ws.iter_rows(values_only=True))
        header, body = list(rows[0]), rows[1:]
        for j, col in enumerate(header):
            if j + 1 >= len(header) or header[j + 1] != f"{col}{status}":
                continue
            k = j + 1
            for r in body:
                assert r[k] in ("published", "suppressed", "structural_zero"), (ws.title, col, r[k])
                if r[k] == "suppressed":
                    suppressed_cells += 1
                    assert r[j] is None, (ws.title, col, r)
    ind = pd.read_csv(result.tables["indicators"], dtype={"unit_id": str})
    assert suppressed_cells >= int((ind["value_status"] == "suppressed").sum()) > 0


def test_the_pages_mark_suppressed_cells_and_name_no_rule(run):
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.disclosure.protected import REASONS, reason_text

    _, m, result, _ = run
    html = "".join(p.read_text(encoding="utf-8") for p in result.pages.values())
    titles = re.findall(r"<title>([^<]*)</title>", html)
    assert titles
    words = {reason_text(code, {}, DisclosurePolicy(min_count=m), lg).split("'")[0] for lg in REASONS
             for code in ("persons", "numerator", "complement", "dominance", "secondary")}
    assert not [w for w in words if w and w in html]
