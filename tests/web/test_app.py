"""The web app in-process (FastAPI's TestClient) on the hand-made publication
of ``conftest.py``: every route and its JSON twin, with the figures checked
against numbers worked out by hand and against the publication's own
public frame; suppressed cells shown as suppressed with their reason."""

from __future__ import annotations

import re

import pytest

REASON = "to protect the confidentiality of persons"

PAGES = ["/", "/areas/A1", "/areas/A2", "/municipalities/K", "/screening/dk-2024/2024", "/screening/dk-2024/2023",
         "/segregation", "/benchmarks", "/effects", "/housing", "/registry", "/methods", "/api"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_and_its_json_twin_answer(client, path):
    html = client.get(path)
    assert html.status_code == 200, html.text[:400]
    assert html.headers["content-type"].startswith("text/html")
    assert "<h1>" in html.text and f'href="{path}.json"' in html.text
    twin = client.get(path + ".json")
    assert twin.status_code == 200, twin.text[:400]
    assert twin.headers["content-type"].startswith("application/json")
    body = twin.json()
    assert body["lang"] == "en" and body["page"] in {"map", "area", "municipality", "screening", "segregation",
                                                     "benchmarks", "effects", "housing", "registry", "methods", "api"}


def test_no_page_loads_anything_from_another_host(client):
    for path in PAGES:
        r = client.get(path)
        assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", r.text), path
        assert "@import" not in r.text and "url(http" not in r.text
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "http" not in csp and "*" not in csp


def _row(table, **where):
    rows = [r for r in table["rows"] if all(r.get(k) == v for k, v in where.items())]
    assert len(rows) == 1, (where, table["rows"])
    return rows[0]


def test_area_profile_shows_the_published_cells(client, publication):
    page = client.get("/areas/A1.json").json()
    prof = page["tables"]["profile"]
    share = _row(prof, indicator="non_western_share")
    # By hand: 20 of 40 residents; the municipality 20+1+6+5 = 32 of 40+3+60+10 = 113.
    assert share["value"] == pytest.approx(20 / 40) and share["value_status"] == "published"
    assert share["municipality_value"] == pytest.approx(32 / 113)
    assert _row(prof, indicator="residents")["value"] == 40
    # The same cell as the publication's public frame has it.
    f = publication["indicators"].public_frame("en")
    cell = f[(f["indicator"] == "non_western_share") & (f["unit_id"] == "A1") & (f["year"] == 2024)]
    assert share["value"] == pytest.approx(float(cell["value"].iloc[0]))
    assert page["lists"] == ["udsat_boligomraade"] and page["municipality"] == "K"


def test_a_suppressed_area_shows_suppressed_with_its_reason_and_no_number(client):
    page = client.get("/areas/A2.json").json()
    for row in page["tables"]["profile"]["rows"]:
        assert row["value"] is None and row["value_status"] == "suppressed" and row["value_reason"] == REASON
    crit = _row(page["tables"]["criteria_dk-2024"], criterion="non_western_share")
    assert crit["value"] is None and crit["value_status"] == "suppressed"
    html = client.get("/areas/A2").text
    profile = html[html.index("Profile against"):html.index("Criteria met")]
    assert profile.count('data-status="suppressed"') == 2  # the area's two cells; the municipality's are published
    assert REASON in profile
    assert "0.333" not in html and ">3<" not in html  # A2's 3 residents and its share 1/3 appear nowhere


def test_area_page_criteria_margins_and_what_it_would_take(client):
    page = client.get("/areas/A1.json").json()
    crit = _row(page["tables"]["criteria_dk-2024"], criterion="non_western_share")
    assert (crit["value"], crit["threshold"], crit["met"], crit["margin"]) == (0.5, 0.4, True, pytest.approx(0.1))
    leave = page["tables"]["what_it_would_take"]["rows"]
    assert [(r["criterion"], r["margin"]) for r in leave] == [("non_western_share", pytest.approx(0.1))]
    hist = page["tables"]["history"]["rows"]
    assert [(r["year"], r["designated"], r["change"]) for r in hist] == [(2023, False, ""), (2024, True, "listed")]
    trends = [(r["year"], r["value"]) for r in page["tables"]["trends"]["rows"] if r["indicator"] == "residents"]
    assert trends == [(2023, 38), (2024, 40)]


def test_area_page_in_danish_uses_the_report_number_format(client):
    html = client.get("/areas/A1?lang=da").text
    assert '<html lang="da">' in html and ">Kort<" in html
    assert "0,500" in html and "0,283" in html  # 20/40 and 32/113 with a decimal comma, three decimals
    assert "af hensyn til diskretion" in client.get("/areas/A2?lang=da").text


def test_language_switch_links_every_language_and_refuses_others(client):
    html = client.get("/areas/A1?lang=nl").text
    for code in ("en", "da", "no", "nl"):
        assert f'hreflang="{code}"' in html
    assert '<html lang="nl">' in html and ">Kaart<" in html
    r = client.get("/areas/A1.json?lang=sv")
    assert r.status_code == 422 and r.json()["error"]["reason"] == "invalid_input"


def test_map_colours_every_area_and_links_it(client):
    page = client.get("/.json").json()
    assert [(a["area_id"], a["designation"]) for a in page["areas"]] == [
        ("A1", "udsat_boligomraade"), ("A2", None), ("A3", None), ("A4", None)]
    html = client.get("/").text
    for aid in ("A1", "A2", "A3", "A4"):
        assert f'<a href="/areas/{aid}"' in html
    assert html.count("<path") == 4
    assert "udsat boligområde (deprived housing area)" in html  # the report's legend text
    only = client.get("/.json?municipality=K").json()
    assert only["municipality"] == "K" and len(only["areas"]) == 4
    assert client.get("/.json?municipality=Nowhere").json()["error"]["reason"] == "unknown_municipality"


def test_map_by_indicator_hatches_suppressed_areas(client):
    page = client.get("/.json?indicator=non_western_share").json()
    by = {a["area_id"]: a for a in page["areas"]}
    assert by["A1"]["value"] == 0.5 and by["A3"]["value"] == pytest.approx(0.1)
    assert by["A2"]["value"] is None and by["A2"]["value_status"] == "suppressed"
    assert by["A4"]["value_status"] == "suppressed"  # A2's complement (the smallest other area)
    html = client.get("/?indicator=non_western_share").text
    assert html.count('fill="url(#kv-web-hatch)" fill-rule') == 2  # the two areas' paths (the legend has one more)
    r = client.get("/.json?indicator=no_such_thing")
    assert r.status_code == 404 and r.json()["error"]["reason"] == "unknown_indicator"


def test_benchmarks_page_and_the_area_s_funnel_position(client):
    tables = client.get("/benchmarks.json").json()["tables"]
    comp = tables["benchmark_areas_comparison"]
    a1 = _row(comp, unit="A1")
    # By hand: A1's share 20/40 against the city's 32/113.
    assert a1["value"] == 0.5 and a1["reference"] == pytest.approx(32 / 113)
    a2 = _row(comp, unit="A2")
    assert a2["value"] is None and a2["value_status"] == "suppressed" and a2["value_reason"] == REASON
    html = client.get("/benchmarks").text
    assert html.count('class="kv-spine-row"') == 1 and 'class="kv-point"' in html
    area = client.get("/areas/A1.json").json()["tables"]
    assert [r["unit"] for r in area["benchmark_areas_funnel"]["rows"]] == ["A1"]
    assert _row(area["benchmark_areas_funnel"], unit="A1")["class"] == "inside"
    page = client.get("/areas/A1").text
    funnel = page[page.index("Benchmarks</h2>"):]
    assert funnel.count('class="kv-point"') == 2  # the two published areas, A1 and A3, in the city's funnel
    assert "benchmark_areas_funnel" not in client.get("/areas/A2.json").json()["tables"]


def test_municipality_page(client):
    page = client.get("/municipalities/K.json").json()
    assert _row(page["tables"]["key_figures"], indicator="residents")["value"] == 113
    assert [a["area_id"] for a in page["areas"]] == ["A1", "A2", "A3", "A4"]
    assert client.get("/municipalities/K").text.count('<a href="/areas/') >= 8  # its map and its table
    r = client.get("/municipalities/Nowhere.json")
    assert r.status_code == 404 and r.json()["error"]["reason"] == "unknown_municipality"


def test_screening_page_per_ruleset_and_year(client):
    now = client.get("/screening/dk-2024/2024.json").json()
    # The history holds the areas ever designated: A1 only.
    assert [(r["area_id"], r["designated"]) for r in now["tables"]["designations"]["rows"]] == [("A1", True)]
    crit = now["tables"]["criteria_dk-2024"]["rows"]
    assert [(r["area_id"], r["value"], r["value_status"]) for r in crit] == [
        ("A1", 0.5, "published"), ("A2", None, "suppressed"), ("A3", 0.1, "published")]
    before = client.get("/screening/dk-2024/2023.json").json()
    assert "criteria_dk-2024" not in before["tables"]
    assert [(r["area_id"], r["designated"]) for r in before["tables"]["designations"]["rows"]] == [("A1", False)]
    assert client.get("/screening/dk-2024/1999.json").json()["error"]["reason"] == "unknown_year"
    assert client.get("/screening/nope/2024.json").json()["error"]["reason"] == "unknown_ruleset"
    assert client.get("/screening/dk-2024/20x4.json").json()["error"]["reason"] == "invalid_input"


def test_empty_sections_say_so(client):
    eff = client.get("/effects.json").json()
    assert eff["published"] is False and eff["tables"] == {}
    assert "No effects are published yet" in client.get("/effects").text
    assert "the store holds no households" in client.get("/housing").text
    assert client.get("/segregation.json").json()["tables"] == {}


def test_methods_page_lists_the_policy_and_what_was_suppressed(client, publication):
    page = client.get("/methods.json").json()
    assert page["policy"]["min_count"] == 5
    supp = [r for r in page["suppressed"] if r["table"] == "indicators"]
    expected = publication["indicators"].suppression_summary("en")
    assert sum(r["cells"] for r in supp) == int(expected["cells"].sum()) > 0
    assert all(r["status"] == "suppressed" and r["reason"] == REASON for r in supp)


def test_api_reference_lists_every_route_and_its_twin(client):
    routes = {(r["method"], r["path"]) for r in client.get("/api.json").json()["routes"]}
    for path in ("/", "/areas/{area_id}", "/municipalities/{municipality}", "/screening/{ruleset}/{year}",
                 "/segregation", "/benchmarks", "/effects", "/housing", "/registry", "/registry/{initiative}",
                 "/methods", "/api"):
        assert ("GET", path) in routes and ("GET", path + ".json") in routes, path
    assert ("POST", "/registry") in routes and ("POST", "/registry/{initiative}") in routes
    html = client.get("/api").text
    assert "/areas/{area_id}.json" in html and "Authorization: Bearer TOKEN" in html


def test_errors_have_one_shape_in_json_and_a_page_in_html(client):
    r = client.get("/areas/NOPE.json")
    assert r.status_code == 404
    assert r.json() == {"error": {"status": 404, "reason": "unknown_area",
                                  "message": "There is no area 'NOPE' in the publication."}}
    r = client.get("/areas/NOPE", headers={"accept": "text/html"})
    assert r.status_code == 404 and 'data-reason="unknown_area"' in r.text
    r = client.get("/no/such/page.json")
    assert r.status_code == 404 and r.json()["error"]["reason"] == "not_found"
    r = client.put("/registry", json={})
    assert r.status_code == 405 and r.json()["error"]["reason"] == "method_not_allowed"


def test_static_files_are_the_vendored_ones(client):
    for name in ("kvarter-web-0.1.0.css", "kvarter-report-0.1.0.css", "kvarter-report-0.1.0.js"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and len(r.content) > 100, name
    assert client.get("/static/app.py").status_code == 404


def test_health_says_ready(client):
    assert client.get("/health.json").json()["ready"] is True


def test_a_site_still_building_answers_503_building(publication):
    import threading

    from fastapi.testclient import TestClient

    from kvarter.web import create_app

    release = threading.Event()

    def slow():
        release.wait(10)
        raise RuntimeError("stopped")

    c = TestClient(create_app(slow, token="t"), base_url="http://127.0.0.1")
    r = c.get("/areas/A1.json")
    assert r.status_code == 503 and r.json()["error"]["reason"] == "building" and r.headers["retry-after"] == "5"
    assert c.get("/health.json").status_code == 503
    release.set()


def test_the_warmed_pages_are_the_pages_a_reader_gets(site, token):
    import time

    from fastapi.testclient import TestClient

    from kvarter.web import create_app

    app = create_app(site, token=token)
    state = app.state.kvarter
    for _ in range(200):
        if state.warm:
            break
        time.sleep(0.05)
    assert state.warm
    warmed = state.cache[("html", "/areas/A1", "")][1]
    warmed_json = state.cache[("json", "/areas/A1.json", "")][1]
    c = TestClient(app, base_url="http://127.0.0.1")
    assert c.get("/areas/A1").content == warmed
    # Drawn again for a reader, the page is byte for byte the warmed one.
    del state.cache[("html", "/areas/A1", "")], state.cache[("json", "/areas/A1.json", "")]
    assert c.get("/areas/A1").content == warmed and c.get("/areas/A1.json").content == warmed_json
    assert c.get("/areas/A1.json").json()["tables"]["profile"]["rows"][0]["value"] == 0.5
