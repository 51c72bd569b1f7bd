"""The registry through the web app: add and edit with the token (JSON) and
through the forms (login, session, CSRF field), history, version conflicts."""

from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def reg_client(site_factory, token):
    """A client over a site with a fresh registry store (this module only)."""
    from fastapi.testclient import TestClient

    from kvarter.web import create_app

    site = site_factory()
    with TestClient(create_app(site, token=token), base_url="http://127.0.0.1") as c:
        c.site = site
        yield c


def test_add_by_json_then_list_page_and_history(reg_client, auth, initiative):
    r = reg_client.post("/registry", json={**initiative, "author": "ana", "reason": "new"}, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json() == {"id": "lektiecafe", "version": 1, "href": "/registry/lektiecafe"}
    listed = reg_client.get("/registry.json").json()
    assert listed["initiatives"] == ["lektiecafe"]
    row = listed["tables"]["initiatives"]["rows"][0]
    assert (row["name"], row["area"], row["status"], row["start"]) == ("Lektiecafé", "Aby", "running", "2023-08-15")
    page = reg_client.get("/registry/lektiecafe.json").json()
    assert page["version"] == 1
    assert [(h["version"], h["action"], h["author"], h["reason"]) for h in page["tables"]["history"]["rows"]] == [
        (1, "add", "ana", "new")]
    # The area page lists it too.
    area = reg_client.get("/areas/A1.json").json()
    assert [r["initiative"] for r in area["tables"]["initiatives"]["rows"]] == ["lektiecafe"]
    # Adding the same id again is a conflict; nothing is written.
    again = reg_client.post("/registry", json=initiative, headers=auth)
    assert again.status_code == 409 and again.json()["error"]["reason"] == "conflict"
    assert reg_client.get("/registry/lektiecafe.json").json()["version"] == 1


def test_edit_with_expected_version_and_a_stale_one(reg_client, auth):
    body = {"changes": {"status": "ended", "end": "2024-06-30"}, "expected_version": 1, "author": "bo",
            "reason": "finished"}
    r = reg_client.post("/registry/lektiecafe", json=body, headers=auth)
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    stale = reg_client.post("/registry/lektiecafe", json={**body, "changes": {"name": "X"}}, headers=auth)
    assert stale.status_code == 409 and stale.json()["error"]["reason"] == "version_conflict"
    page = reg_client.get("/registry/lektiecafe.json").json()
    assert [h["version"] for h in page["tables"]["history"]["rows"]] == [1, 2]
    assert page["tables"]["history"]["rows"][1]["changed"] == "end, status"
    assert page["tables"]["initiatives"]["rows"][0]["status"] == "ended"
    assert reg_client.post("/registry/nosuch", json=body, headers=auth).json()["error"]["reason"] == \
        "unknown_initiative"
    assert reg_client.get("/registry/nosuch.json").status_code == 404


def test_invalid_initiatives_are_refused_with_the_failures(reg_client, auth, initiative):
    r = reg_client.post("/registry", json={**initiative, "id": "x1", "areas": ["NOWHERE"]}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["reason"] == "invalid_input"
    assert [(f["column"], f["reason"]) for f in r.json()["error"]["failures"]] == [("areas[0]", "unknown_area")]
    r = reg_client.post("/registry", json={**initiative, "id": "x2", "start": "not a date"}, headers=auth)
    assert r.status_code == 422 and r.json()["error"]["failures"][0]["column"] == "start"
    assert "x1" not in reg_client.get("/registry.json").json()["initiatives"]


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def test_the_forms_log_in_add_and_edit(site_factory, token):
    from fastapi.testclient import TestClient

    from kvarter.web import create_app

    with TestClient(create_app(site_factory(), token=token), base_url="http://127.0.0.1") as c:
        page = c.get("/registry").text
        assert 'href="/login?next=/registry"' in page and 'name="areas"' not in page  # no form before login
        login = c.get("/login?next=/registry").text
        r = c.post("/login", data={"token": token, "csrf": _csrf(login), "next": "/registry"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/registry"
        form_page = c.get("/registry").text
        assert 'name="areas"' in form_page
        fields = {"csrf": _csrf(form_page), "id": "jobcafe", "name": "Jobcafé", "areas": ["A1", "A3"],
                  "target_groups": "unemployed", "principles": "", "start": "2024-01-01", "status": "running",
                  "author": "cai", "reason": "opened"}
        r = c.post("/registry", data=fields, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/registry/jobcafe", r.text
        shown = c.get("/registry/jobcafe.json").json()
        assert sorted(r["area"] for r in shown["tables"]["initiatives"]["rows"]) == ["Aby", "Cby"]
        edit_page = c.get("/registry/jobcafe").text
        assert 'name="expected_version" value="1"' in edit_page
        r = c.post("/registry/jobcafe", data={"csrf": _csrf(edit_page), "expected_version": "1",
                                              "description": "Open Tuesdays", "author": "cai", "reason": "hours"},
                   follow_redirects=False)
        assert r.status_code == 303
        hist = c.get("/registry/jobcafe.json").json()["tables"]["history"]["rows"]
        assert [(h["version"], h["changed"]) for h in hist] == [(1, "(added)"), (2, "description")]
        # Logging out ends the session's right to write.
        out = c.post("/logout", data={"csrf": _csrf(c.get("/login").text)}, follow_redirects=False)
        assert out.status_code == 303
        r = c.post("/registry", data={**fields, "id": "later"}, follow_redirects=False)
        assert r.status_code == 401


def test_concurrent_writes_through_the_api_lose_nothing(site_factory, token, initiative):
    import threading

    from fastapi.testclient import TestClient

    from kvarter.web import create_app

    app = create_app(site_factory(), token=token)
    statuses, lock = [], threading.Lock()

    def writer(k: int):
        c = TestClient(app, base_url="http://127.0.0.1")
        for i in range(2):
            r = c.post("/registry", json={**initiative, "id": f"w{k}-{i}", "author": f"writer {k}"},
                       headers={"Authorization": f"Bearer {token}"})
            with lock:
                statuses.append(r.status_code)
        # And an edit of the writer's first record, based on its version 1.
        r = c.post(f"/registry/w{k}-0", json={"changes": {"participants": k + 1}, "expected_version": 1},
                   headers={"Authorization": f"Bearer {token}"})
        with lock:
            statuses.append(r.status_code)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(statuses) == [200] * 3 + [201] * 6
    c = TestClient(app, base_url="http://127.0.0.1")
    assert c.get("/registry.json").json()["initiatives"] == sorted(f"w{k}-{i}" for k in range(3) for i in range(2))
    for k in range(3):
        hist = c.get(f"/registry/w{k}-0.json").json()["tables"]["history"]["rows"]
        assert [(h["version"], h["author"]) for h in hist] == [(1, f"writer {k}"), (2, "web")]
