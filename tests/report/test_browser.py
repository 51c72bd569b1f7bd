"""The report in a real browser: Debian's Chromium driven by Playwright, with
every request recorded. Screenshots of the main sections are saved to
``test-artifacts/screenshots/``."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SECTIONS = ("map", "designations", "profiles", "trends", "segregation", "methods")
HEADINGS = {"en": "Designation tables", "da": "Udpegningstabeller", "no": "Utpekingstabeller",
            "nl": "Aanwijzingstabellen"}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    log = {"requests": [], "errors": []}
    page.on("request", lambda r: log["requests"].append(r.url))
    page.on("console", lambda m: log["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, log


@pytest.mark.parametrize("lang", ["en", "da", "no", "nl"])
def test_report_renders_offline_in_each_language(browser, build_report, tmp_path, lang):
    path = build_report(tmp_path / f"report_{lang}.html", lang)
    page, log = _open(browser, path)
    try:
        assert page.get_attribute("html", "lang") == lang
        assert HEADINGS[lang] in page.inner_text("#designations h2")
        charts = page.query_selector_all("svg.kv-chart")
        assert len(charts) == 3
        for svg in charts + page.query_selector_all("svg.kv-map"):
            box = svg.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 100, svg.get_attribute("aria-label")
        # the marks themselves are drawn, not only the frames
        assert len(page.query_selector_all("svg.kv-heatmap .kv-cell")) == 9
        assert len(page.query_selector_all("svg.kv-line-chart .kv-point")) == 9
        assert len(page.query_selector_all("svg.kv-bar-chart .kv-bar")) == 6
        areas = page.query_selector_all("svg.kv-map path.kv-area")
        assert len(areas) == 17
        for area in areas:
            box = area.bounding_box()
            assert box and box["width"] > 0 and box["height"] > 0

        # hovering an area shows its name, residents and criteria in the info box
        box = page.locator(".kv-infobox")
        assert box.is_hidden()
        page.locator("#map").scroll_into_view_if_needed()
        page.locator('path.kv-area[data-name="Ydre Nørrebro"]').hover()
        assert box.is_visible()
        text = box.inner_text()
        assert "Ydre Nørrebro" in text and "Residents: 6556" in text and "Criteria met" in text
        if lang == "en":
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "map_hover.png"), clip=page.locator("#map").bounding_box())
        page.mouse.move(5, 5)
        assert box.is_hidden()

        assert log["errors"] == []
        assert log["requests"] == [path.as_uri()]
    finally:
        page.close()


def test_screenshots_of_the_main_sections(browser, build_report, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = build_report(tmp_path / "report.html", "en")
    page, log = _open(browser, path)
    try:
        page.screenshot(path=str(SHOTS / "top.png"))
        for section in SECTIONS:
            target = SHOTS / f"{section}.png"
            page.locator(f"#{section}").screenshot(path=str(target))
            assert target.stat().st_size > 5_000, section
        assert log["errors"] == [] and log["requests"] == [path.as_uri()]
    finally:
        page.close()
