"""The web app in a real browser: Playwright driving Debian's Chromium against a
real ``kvarter serve`` subprocess (``tests/web/server.py``).

As a user would: open the map, hover an area (the info box names it) and
click it, read the area page (the same title and figures as its JSON twin),
switch the language, log in with the token, add an initiative through the
form, see it in the list and in its history, edit it and see the second
version. Throughout, the browser must log no console error and must not
request anything from another host (every request is recorded; one to
another host is aborted and fails the test).

The server runs on a small synthetic Demoby built for the module (a few
seconds; the publication is built by the server at start). Set
``KVARTER_WEB_STORE=/path/to/kvarter.duckdb`` to run on a copy of another
store, e.g. the demo store from ``make demo``.

``KVARTER_WEB_URL=http://127.0.0.1:PORT`` (and ``KVARTER_WEB_TOKEN``) runs them
against a loopback server already running instead (it gets an initiative added).

Screenshots of the map, an area page and the registry form are written to
``$KVARTER_TEST_ARTIFACTS/screenshots`` (default ``test-artifacts/screenshots``
at the repository root).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "browser-test-token-0123456789abcdef"


def _server_module():
    # pytest runs with --import-mode=importlib: test modules cannot import a sibling by name.
    name = "kvarter_tests_web_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("server.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


srv = _server_module()
ARTIFACTS = Path(os.environ.get("KVARTER_TEST_ARTIFACTS") or srv.ROOT / "test-artifacts") / "screenshots"


# ---------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = os.environ.get("KVARTER_WEB_URL")
    if url:  # a server already running (a loopback one: the test writes an initiative to it)
        parts = urllib.parse.urlsplit(url)
        assert parts.hostname in ("127.0.0.1", "localhost"), f"KVARTER_WEB_URL={url}: loopback only"
        token = os.environ.get("KVARTER_WEB_TOKEN", TOKEN)
        yield srv.Server(url=url.rstrip("/"), port=parts.port or 80, token=token, store=Path(), process=None,
                         log=Path())
        return
    folder = tmp_path_factory.mktemp("browser-server")
    source = os.environ.get("KVARTER_WEB_STORE")
    store = srv.copy_store(Path(source), folder) if source else srv.small_store(folder)
    mapped = srv.mapped_area_ids(store)
    with srv.running_server(store, token=TOKEN) as s:
        s.mapped = mapped
        yield s


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(f"Debian's Chromium is not at {CHROMIUM}: the browser tests need it. Install it with "
                    "`make browser` (apt-get install chromium); CI does so in .ci/run.", pytrace=False)
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900}, locale="en-GB")
        ctx.set_default_timeout(30_000)
        try:
            yield ctx
        finally:
            ctx.close()
    shutil.rmtree(profile, ignore_errors=True)


class Watch:
    """What a page did: every request URL, console errors, uncaught page errors, and the
    requests to another host than the server (aborted)."""

    def __init__(self, host: str):
        self.host = host
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []

    def route(self, route):
        url = route.request.url
        self.requests.append(url)
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme in ("data", "blob", "about") or (parsed.scheme == "http" and parsed.netloc == self.host):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def check(self):
        assert self.foreign == [], f"requests to another host than {self.host}: {self.foreign}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.page_errors == [], f"uncaught page errors: {self.page_errors}"
        assert self.requests, "no request was recorded: the route hook is not working"
        assert all(urllib.parse.urlsplit(u).netloc == self.host for u in self.requests
                   if u.startswith("http")), self.requests


@pytest.fixture
def page(context, server):
    """A fresh page whose requests, console errors and page errors are watched; checked after the test."""
    watch = Watch(server.host)
    pg = context.new_page()
    pg.route("**/*", watch.route)
    pg.on("console", lambda m: watch.console_errors.append(f"{m.text} at {m.location}") if m.type == "error"
          else None)
    pg.on("pageerror", lambda e: watch.page_errors.append(str(e)))
    pg.watch = watch
    yield pg
    pg.close()
    watch.check()


def get_json(server, path: str) -> dict:
    with urllib.request.urlopen(server.url + path, timeout=30) as resp:
        return json.loads(resp.read())


def screenshot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    return path


# ---------------------------------------------------------------------------- the user's way through

def test_map_hover_and_click_to_the_area_page(page, server):
    page.goto(server.url + "/")
    areas = page.locator("svg.kv-web-map path.kv-area")
    map_json = get_json(server, "/.json")
    # One path per area the map's JSON twin lists, each with a geometry in the store.
    drawn = sorted(areas.evaluate_all("ps => ps.map(p => p.dataset.area)"))
    assert drawn and drawn == server_area_ids(server)
    assert set(drawn) <= set(server.mapped or drawn), sorted(set(drawn) - set(server.mapped))
    assert page.locator("svg.kv-web-map .kv-legend-swatch").count() >= 1
    screenshot(page, "map")

    first = areas.first
    area_id, name = first.get_attribute("data-area"), first.get_attribute("data-name")
    box = page.locator(".kv-infobox")
    assert box.is_hidden()
    stroke = first.evaluate("p => getComputedStyle(p).stroke")
    first.hover()
    assert box.is_visible()
    assert box.locator("strong").inner_text() == name
    # The hovered area is outlined (the CSS draws it dark) and marked active by the script.
    assert first.evaluate("p => getComputedStyle(p).stroke") != stroke
    assert "kv-active" in (first.get_attribute("class") or "")

    first.click()
    page.wait_for_url(re.compile(rf"/areas/{re.escape(area_id)}$"))
    twin = get_json(server, f"/areas/{area_id}.json")
    assert page.locator("h1").inner_text() == twin["title"]
    assert name in twin["title"]
    assert page.locator("html").get_attribute("lang") == "en"
    # The area page shows tables (at least one when its twin has any).
    assert page.locator("main table").count() >= min(1, len(twin.get("tables", {})))
    screenshot(page, "area")
    assert map_json["page"] == "map"


def server_area_ids(server) -> list[str]:
    """The ids of the areas the map's JSON twin lists."""
    body = get_json(server, "/.json")
    rows = body.get("areas") or body.get("tables", {}).get("areas", {}).get("rows", [])
    ids = sorted({r["area_id"] for r in rows if r.get("area_id")})
    assert ids, f"the map's JSON twin lists no areas: {sorted(body)}"
    return ids


def test_language_switch(page, server):
    area_id = server_area_ids(server)[0]
    page.goto(f"{server.url}/areas/{area_id}")
    english = page.locator("h1").inner_text()
    nav_en = page.locator("nav.kv-nav").inner_text()
    page.locator('nav.kv-langs a[hreflang="da"]').click()
    page.wait_for_url(re.compile(r"[?&]lang=da"))
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.locator("h1").inner_text() == get_json(server, f"/areas/{area_id}.json?lang=da")["title"]
    assert page.locator("nav.kv-nav").inner_text() != nav_en
    assert "Register" in page.locator("nav.kv-nav").inner_text()
    # The choice follows the links: the map link keeps Danish.
    page.locator("a.kv-brand").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "da"
    page.locator('nav.kv-langs a[hreflang="en"]').click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert english  # the English title was read before switching


def test_log_in_add_an_initiative_and_see_its_history(page, server):
    area_id = server_area_ids(server)[0]
    before = get_json(server, "/registry.json")["initiatives"]
    new_id = f"browser-lektiecafe-{int(time.time())}"
    assert new_id not in before

    page.goto(server.url + "/registry")
    assert page.locator("form.kv-form").count() == 0  # no form before logging in
    page.locator("p.kv-login-needed a").click()
    page.wait_for_url(re.compile(r"/login"))
    page.fill('input[name="token"]', server.token)
    page.locator('form.kv-form button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/registry$"))

    form = page.locator('form.kv-form[action="/registry"]')
    assert form.count() == 1
    assert form.locator('input[name="csrf"]').get_attribute("value")
    form.locator('input[name="id"]').fill(new_id)
    form.locator('input[name="name"]').fill("Lektiecafé i browseren")
    form.locator('textarea[name="description"]').fill("Homework café, added by the browser test.")
    form.locator('select[name="areas"]').select_option([area_id])
    form.locator('input[name="target_groups"]').fill("children")
    form.locator('input[name="principles"]').fill("gentofte:7")
    form.locator('input[name="start"]').fill("2023-08-15")
    form.locator('select[name="status"]').select_option("running")
    form.locator('input[name="author"]').fill("browser")
    form.locator('input[name="reason"]').fill("added by the browser test")
    screenshot(page, "registry-form")
    form.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(rf"/registry/{new_id}$"))
    assert "Lektiecafé i browseren" in page.locator("h1").inner_text()

    history = page.locator("main table").last
    assert history.locator("tbody tr").count() == 1
    assert "browser" in history.locator("tbody tr").first.inner_text()

    # In the list, linked to its page.
    page.goto(server.url + "/registry")
    link = page.locator(f'main a[href="/registry/{new_id}"]').first
    assert link.inner_text() == "Lektiecafé i browseren"
    assert new_id in get_json(server, "/registry.json")["initiatives"]

    # Edit it through the edit form: a second version in the history.
    link.click()
    page.wait_for_url(re.compile(rf"/registry/{new_id}$"))
    edit = page.locator(f'form.kv-form[action="/registry/{new_id}"]')
    assert edit.locator('input[name="expected_version"]').get_attribute("value") == "1"
    edit.locator('input[name="name"]').fill("Lektiecafé, udvidet")
    edit.locator('input[name="author"]').fill("browser2")
    edit.locator('input[name="reason"]').fill("renamed by the browser test")
    edit.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(rf"/registry/{new_id}$"))
    twin = get_json(server, f"/registry/{new_id}.json")
    rows = twin["tables"]["history"]["rows"]
    assert [r["version"] for r in rows] == [1, 2]
    assert [r["author"] for r in rows] == ["browser", "browser2"]
    assert twin["version"] == 2
    assert page.locator("main table").last.locator("tbody tr").count() == 2
    assert "Lektiecafé, udvidet" in page.locator("h1").inner_text()
